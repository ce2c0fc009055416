//! How fast a phone photo becomes what the app keeps: `cargo bench -p dixon-photos --bench prepare`.
//! A 12-megapixel JPEG (4000 × 3000, photo-like: gradients, edges and sensor grain) to its
//! upright working copy (1600 px, ≤ 400 KB) and thumbnail, and a marked copy of the working copy;
//! median and p95 after a warm-up. Target: ≤ 300 ms for the working copy and thumbnail.

use std::time::{Duration, Instant};

use dixon_photos::{annotate, prepare, Mark, Point};
use image::{Rgb, RgbImage};

/// A photo-like 12 MP JPEG, as a phone writes it (quality 92).
fn twelve_megapixels() -> Vec<u8> {
    let picture = RgbImage::from_fn(4000, 3000, |x, y| {
        let grain = ((x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)) % 23) as u8;
        let ring = (((x as i64 - 2000).pow(2) + (y as i64 - 1500).pow(2)) as f64).sqrt();
        let edge = if (ring - 800.0).abs() < 30.0 { 80 } else { 0 };
        Rgb([(x / 20) as u8 + grain, (y / 16) as u8 + grain - edge.min(grain), 70 + grain + edge / 2])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92).encode_image(&picture).unwrap();
    out
}

fn measure(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    f(); // warm-up
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], times[times.len() * 95 / 100])
}

fn main() {
    let jpeg = twelve_megapixels();
    println!("input: 4000 × 3000 JPEG, {} KB", jpeg.len() / 1024);
    let prepared = prepare(&jpeg, "IMG_0042.JPG").unwrap();
    let (median, p95) = measure(11, || {
        std::hint::black_box(prepare(&jpeg, "IMG_0042.JPG").unwrap());
    });
    println!("working copy + thumbnail: median {median:?}, p95 {p95:?} over 11 runs (target ≤ 300 ms)");
    println!(
        "  working copy {} KB (≤ 400 KB), thumbnail {} KB",
        prepared.working.len() / 1024,
        prepared.thumbnail.len() / 1024
    );
    let working = image::load_from_memory(&prepared.working).unwrap();
    let marks = vec![
        Mark::Arrow { from: Point { x: 0.2, y: 0.2 }, to: Point { x: 0.45, y: 0.45 } },
        Mark::Circle { center: Point { x: 0.5, y: 0.5 }, radius: 0.2 },
        Mark::Text { at: Point { x: 0.05, y: 0.85 }, text: "Pads at 2 mm".into() },
    ];
    let (median, p95) = measure(11, || {
        std::hint::black_box(annotate::draw(&working, &marks).unwrap());
    });
    println!("three marks drawn on the working copy: median {median:?}, p95 {p95:?}");
}
