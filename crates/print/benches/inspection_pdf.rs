//! How fast and how small the printed inspection report is with twelve photos:
//! `cargo bench -p dixon-print --bench inspection_pdf`. Each photo is a print copy as the app
//! makes it (1200 × 900 JPEG, photo-like grain), embedded as it is. Prints the median render time
//! and the file size. Target: ≤ 3 MB.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use dixon_print::{render_inspection, InspectedItem, Paper, Photo};

fn photo(seed: u32) -> Photo {
    let picture = image::RgbImage::from_fn(1200, 900, |x, y| {
        let grain = ((x.wrapping_mul(7919) ^ y.wrapping_mul(104_729).wrapping_add(seed)) % 23) as u8;
        image::Rgb([(x / 6) as u8 + grain, (y / 5) as u8 + grain, 70 + grain])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85).encode_image(&picture).unwrap();
    Photo { jpeg, width: 1200, height: 900 }
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_dir, order, shop) = runtime.block_on(support::order(4));
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let item = |name: &str, condition: &str, photos: Vec<Photo>| InspectedItem {
        section: "Brakes".into(),
        name: name.into(),
        condition: condition.into(),
        reading: Some("Pad thickness 2 mm".into()),
        note: Some("Metal on metal soon".into()),
        photos,
    };
    let items = vec![
        item("Front pads and rotors", "red", (0..6).map(photo).collect()),
        item("Wiper blades", "yellow", (6..9).map(photo).collect()),
        item("Battery", "green", (9..12).map(photo).collect()),
    ];
    let photo_bytes: usize = items.iter().flat_map(|i| &i.photos).map(|p| p.jpeg.len()).sum();
    let pdf = render_inspection(&order, &shop, &items, Paper::Letter, date).unwrap();
    let mut times: Vec<Duration> = (0..15)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(render_inspection(&order, &shop, &items, Paper::Letter, date).unwrap());
            started.elapsed()
        })
        .collect();
    times.sort();
    println!("inspection report, 12 photos ({} KB of JPEG):", photo_bytes / 1024);
    println!(
        "  render: median {:?}, p95 {:?} over {} runs",
        times[times.len() / 2],
        times[times.len() * 95 / 100],
        times.len()
    );
    println!("  size:   {} KB (target ≤ 3 MB; the photos are embedded as they are)", pdf.len() / 1024);
}
