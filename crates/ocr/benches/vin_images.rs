//! How well and how fast VINs are read from pictures: `cargo bench -p dixon-ocr --bench vin_images`.
//! Generates 12 pictures per degradation (1280×720 frames; sans, condensed, monospace and
//! dot-matrix "stamped" fonts; see tests/peers/make_vin_images.py), reads each with our
//! pipeline, and beside it runs the plain `tesseract` command line (its defaults) on the same
//! file. Prints, per degradation: our exact VINs, the ones we asked the person to pick, the ones
//! we missed, wrong VINs accepted (target 0), and plain tesseract's exact rate; then the median
//! time per frame (target ≤ 150 ms) and the overall errors against plain tesseract's.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use support::Outcome;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let pictures = support::generate(dir.path(), 12, 17);
    let mut engine = dixon_ocr::Tesseract::new().unwrap();
    let mut table: BTreeMap<String, [usize; 6]> = BTreeMap::new(); // exact, asked, missed, wrong, plain, total
    let mut times: Vec<Duration> = Vec::new();
    for picture in &pictures {
        let image = image::open(&picture.path).unwrap();
        let started = Instant::now();
        let reading = dixon_ocr::read_vin(&mut engine, &image, None, 2026).unwrap();
        times.push(started.elapsed());
        let row = table.entry(picture.degradation.clone()).or_default();
        match support::outcome(&picture.vin, &reading) {
            Outcome::Exact => row[0] += 1,
            Outcome::Asked => row[1] += 1,
            Outcome::Missed => row[2] += 1,
            Outcome::Wrong => {
                row[3] += 1;
                let c = &reading.candidates[0];
                println!(
                    "WRONG: {} read as {:?} (confidence {:.2}, corrected {:?}; {})",
                    picture.vin,
                    reading.vin,
                    c.confidence,
                    c.corrected,
                    picture.path.display()
                );
            }
        }
        if support::plain_tesseract(&picture.path).contains(&picture.vin) {
            row[4] += 1;
        }
        row[5] += 1;
    }
    println!("{:<14} {:>6} {:>6} {:>7} {:>6} {:>10}", "degradation", "exact", "asked", "missed", "wrong", "tesseract");
    let pct = |n: usize, of: usize| format!("{:.0}%", 100.0 * n as f64 / of.max(1) as f64);
    let mut sums = [0usize; 6];
    for (name, row) in &table {
        println!(
            "{:<14} {:>6} {:>6} {:>7} {:>6} {:>10}",
            name,
            pct(row[0], row[5]),
            pct(row[1], row[5]),
            pct(row[2], row[5]),
            row[3],
            pct(row[4], row[5])
        );
        for i in 0..6 {
            sums[i] += row[i];
        }
    }
    println!(
        "{:<14} {:>6} {:>6} {:>7} {:>6} {:>10}",
        "all",
        pct(sums[0], sums[5]),
        pct(sums[1], sums[5]),
        pct(sums[2], sums[5]),
        sums[3],
        pct(sums[4], sums[5])
    );
    let ours = sums[5] - sums[0];
    let plain = sums[5] - sums[4];
    println!("errors (not exact): ours {ours}, plain tesseract {plain} (target: at most half)");
    times.sort();
    println!(
        "time per 1280×720 frame: median {:?}, p95 {:?} over {} (target ≤ 150 ms)",
        times[times.len() / 2],
        times[times.len() * 95 / 100],
        times.len()
    );
}
