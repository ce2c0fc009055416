//! How fast a webcam frame is read: `cargo bench -p dixon-camera --bench decode_frame`.
//! 1280×720 frames holding VIN labels (Code 39, QR, Data Matrix) under each degradation, decoded
//! with the VIN formats. Prints the median time per frame (target ≤ 10 ms) and the success rate,
//! per degradation and overall.
//!
//! Then the same Code 39 VIN labels (2-pixel modules) on the counter top turned every 5° from 0°
//! to 180°, out of focus (Gaussian blur σ 0.5 to 2.5) and scaled down (modules under 2 pixels),
//! read by us and by zxing-cpp (PyPI, from the test peers' venv: `scripts/setup.sh --test`) on
//! the very same image files, as a table.

#[path = "../tests/support/mod.rs"]
#[allow(dead_code)] // the bench uses the VIN labels only
mod support;

use std::time::{Duration, Instant};

use dixon_camera::{Formats, FrameDecoder};
use support::{frame_with, rotate_filled, symbol, vin_labels, Degradation, COUNTER_GREY, VINS};

fn main() {
    let decoder = FrameDecoder::new(Formats::Vin);
    let labels = vin_labels();
    let mut all: Vec<Duration> = Vec::new();
    let (mut read_all, mut total_all) = (0, 0);
    println!("VIN formats on 1280×720 frames ({} labels per degradation, 5 runs each):", labels.len());
    println!("  {:<22} {:>10} {:>10}", "degradation", "median", "read");
    for degradation in Degradation::ALL {
        let frames: Vec<_> =
            labels.iter().enumerate().map(|(i, (text, _, l))| (text, degradation.frame(l, i as u32 + 1))).collect();
        let mut times = Vec::new();
        let mut read = 0;
        for run in 0..5 {
            for (text, frame) in &frames {
                let started = Instant::now();
                let decoded = std::hint::black_box(decoder.decode(frame));
                times.push(started.elapsed());
                if run == 0 && decoded.is_some_and(|d| &d.text == *text) {
                    read += 1;
                }
            }
        }
        times.sort();
        println!("  {:<22} {:>10.2?} {:>7}/{}", degradation.name(), times[times.len() / 2], read, frames.len());
        all.extend(times);
        read_all += read;
        total_all += frames.len();
    }
    all.sort();
    println!(
        "  all frames: median {:.2?}, p95 {:.2?} (target ≤ 10 ms); read {read_all}/{total_all} ({:.0} %)",
        all[all.len() / 2],
        all[all.len() * 95 / 100],
        100.0 * read_all as f64 / total_all as f64
    );
    // a frame with no code at all: the cost of looking and finding nothing
    let blank = image::GrayImage::from_pixel(1280, 720, image::Luma([150]));
    let started = Instant::now();
    for _ in 0..20 {
        std::hint::black_box(decoder.decode(&blank));
    }
    println!("  an empty frame: {:.2?} each", started.elapsed() / 20);
    beside_zxing(&decoder);
}

/// One row of the table: what the images are, and the files with the VIN each holds.
type Row = (String, Vec<(std::path::PathBuf, &'static str)>);

fn beside_zxing(decoder: &FrameDecoder) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let labels: Vec<(&'static str, image::GrayImage)> =
        VINS.iter().map(|v| (*v, symbol(v, rxing::BarcodeFormat::CODE_39, 2, 80))).collect();
    let mut rows: Vec<Row> = Vec::new();
    let mut add = |name: String, make: &dyn Fn(&image::GrayImage) -> image::GrayImage| {
        let files = labels
            .iter()
            .enumerate()
            .map(|(i, (vin, label))| {
                let path = dir.path().join(format!("{}-{i}.png", rows.len()));
                make(label).save(&path).expect("the frame is written");
                (path, *vin)
            })
            .collect();
        rows.push((name, files));
    };
    for step in 0..=36 {
        let degrees = step as f32 * 5.0;
        add(format!("turned {degrees}°"), &|l| frame_with(&rotate_filled(l, degrees, COUNTER_GREY)));
    }
    for sigma in [0.5f32, 1.0, 1.5, 2.0, 2.5] {
        add(format!("blur σ {sigma}"), &|l| image::imageops::blur(&frame_with(l), sigma));
    }
    for scale in [0.9f32, 0.8, 0.7] {
        add(format!("scaled {scale} (modules {:.1} px)", 2.0 * scale), &|l| {
            let (w, h) = ((l.width() as f32 * scale) as u32, (l.height() as f32 * scale) as u32);
            frame_with(&image::imageops::resize(l, w, h, image::imageops::FilterType::Triangle))
        });
    }
    let theirs = zxing_cpp(rows.iter().flat_map(|(_, files)| files.iter().map(|(p, _)| p.clone())).collect());
    println!("\nCode 39 VIN labels, 2-pixel modules, {} per row: read by us and by zxing-cpp", VINS.len());
    println!("  {:<28} {:>6} {:>10}", "images", "ours", "zxing-cpp");
    let (mut ours_all, mut theirs_all, mut total) = (0, 0, 0);
    for (name, files) in &rows {
        let ours = files
            .iter()
            .filter(|(path, vin)| {
                let frame = dixon_camera::load_frame(path).expect("the frame reads back");
                decoder.decode(&frame).is_some_and(|d| d.text == *vin)
            })
            .count();
        let zxing = theirs.as_ref().map(|t| files.iter().filter(|(p, vin)| t.get(p).is_some_and(|x| x == vin)).count());
        let shown = zxing.map_or("—".to_string(), |z| format!("{z}/{}", files.len()));
        println!("  {name:<28} {:>6} {shown:>10}", format!("{ours}/{}", files.len()));
        ours_all += ours;
        theirs_all += zxing.unwrap_or(0);
        total += files.len();
    }
    match theirs {
        Some(_) => {
            println!("  {:<28} {:>6} {:>10}", "all", format!("{ours_all}/{total}"), format!("{theirs_all}/{total}"))
        }
        None => println!("  (zxing-cpp is not installed: run scripts/setup.sh --test for its column)"),
    }
}

/// What zxing-cpp reads in each file, or `None` when the peer is not installed.
fn zxing_cpp(files: Vec<std::path::PathBuf>) -> Option<std::collections::HashMap<std::path::PathBuf, String>> {
    let peers = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers");
    let python = std::env::var_os("DIXON_PEERS_PYTHON").map(Into::into).unwrap_or(peers.join(".venv/bin/python3"));
    let out = std::process::Command::new(python).arg(peers.join("zxing_read.py")).args(&files).output().ok()?;
    if !out.status.success() {
        eprintln!("zxing-cpp did not run: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(path, text)| (path.into(), text.to_string()))
            .collect(),
    )
}
