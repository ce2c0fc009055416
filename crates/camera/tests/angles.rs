//! "Any angle", checked: Code 39 VIN labels (2-pixel modules) turned every 5° from 0° to 180°,
//! with a thin (2 modules) and a wide (10 modules) quiet zone, each in a tight frame with black
//! corners (an image editor's rotate-and-expand) and lying turned on a grey counter top in a
//! 1280×720 webcam frame. The table is printed
//! (`cargo test -p dixon-camera --test angles -- --nocapture`).

#[allow(dead_code)] // each test binary uses part of the support module
mod support;

use dixon_camera::{Formats, FrameDecoder};
use rxing::BarcodeFormat;
use support::{frame_with, rotate_filled, symbol_with_quiet_zone, COUNTER_GREY, VINS};

#[test]
fn code_39_vin_labels_are_read_at_every_5_degrees() {
    let decoder = FrameDecoder::new(Formats::Vin);
    let vins = &VINS[..3];
    let mut misses = Vec::new();
    eprintln!("angle  thin/tight  thin/counter  wide/tight  wide/counter   (of {} labels each)", vins.len());
    for step in 0..=36 {
        let degrees = step as f32 * 5.0;
        let mut row = format!("{degrees:>4}°");
        for quiet in [2, 10] {
            for on_frame in [false, true] {
                let mut read = 0;
                for vin in vins {
                    let label = symbol_with_quiet_zone(vin, BarcodeFormat::CODE_39, 2, 60, quiet);
                    let image = if on_frame {
                        // the counter top shows around the turned label
                        frame_with(&rotate_filled(&label, degrees, COUNTER_GREY))
                    } else {
                        rotate_filled(&label, degrees, 0)
                    };
                    match decoder.decode(&image) {
                        Some(d) if d.text == *vin => read += 1,
                        other => misses.push(format!(
                            "{degrees}° quiet {quiet} {}: {:?}",
                            if on_frame { "counter" } else { "tight" },
                            other.map(|d| d.text)
                        )),
                    }
                }
                row += &format!("  {:>11}", format!("{read}/{}", vins.len()));
            }
        }
        eprintln!("{row}");
    }
    assert!(misses.is_empty(), "{} misses:\n{}", misses.len(), misses.join("\n"));
}
