//! How fast a webcam frame is read: `cargo bench -p dixon-camera --bench decode_frame`.
//! 1280×720 frames holding VIN labels (Code 39, QR, Data Matrix) under each degradation, decoded
//! with the VIN formats. Prints the median time per frame (target ≤ 10 ms) and the success rate,
//! per degradation and overall.

#[path = "../tests/support/mod.rs"]
#[allow(dead_code)] // the bench uses the VIN labels only
mod support;

use std::time::{Duration, Instant};

use dixon_camera::{Formats, FrameDecoder};
use support::{vin_labels, Degradation};

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
}
