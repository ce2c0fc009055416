//! The camera pipeline on image frames: barcodes made with rxing's encoders, degraded like a
//! webcam degrades them, decoded with the formats each screen expects. Decode rates per
//! degradation are printed (`cargo test -p dixon-camera -- --nocapture`).

#[allow(dead_code)] // each test binary uses part of the support module
mod support;

use std::sync::atomic::{AtomicBool, Ordering};

use dixon_camera::{load_frame, watch, Error, Formats, FrameDecoder, ImageFiles, Region};
use support::{part_labels, vin_labels, Degradation};

fn rates(
    formats: Formats,
    labels: &[(String, rxing::BarcodeFormat, image::GrayImage)],
) -> Vec<(Degradation, usize, usize)> {
    let decoder = FrameDecoder::new(formats);
    Degradation::ALL
        .iter()
        .map(|&degradation| {
            let read = labels
                .iter()
                .enumerate()
                .filter(|(i, (text, _, label))| {
                    decoder.decode(&degradation.frame(label, *i as u32 + 1)).is_some_and(|d| &d.text == text)
                })
                .count();
            (degradation, read, labels.len())
        })
        .collect()
}

fn report(title: &str, rates: &[(Degradation, usize, usize)]) {
    eprintln!("{title}");
    for (degradation, read, total) in rates {
        eprintln!("  {:<22} {read}/{total}", degradation.name());
    }
}

#[test]
fn vin_labels_are_read_clean_degraded_and_at_any_angle() {
    let labels = vin_labels();
    let rates = rates(Formats::Vin, &labels);
    report("VIN formats (Code 39, QR, Data Matrix):", &rates);
    for (degradation, read, total) in rates {
        assert_eq!(read, total, "{}: {read}/{total}", degradation.name());
    }
}

#[test]
fn part_labels_are_read_clean_degraded_and_at_any_angle() {
    let labels = part_labels();
    let rates = rates(Formats::Parts, &labels);
    report("Parts formats (UPC-A, EAN-13, Code 128):", &rates);
    for (degradation, read, total) in rates {
        assert_eq!(read, total, "{}: {read}/{total}", degradation.name());
    }
}

#[test]
fn a_screen_reads_only_the_formats_it_expects() {
    let labels = part_labels();
    let upc = Degradation::Clean.frame(&labels[0].2, 1);
    assert!(FrameDecoder::new(Formats::Vin).decode(&upc).is_none(), "the VIN screen ignores a part's UPC");
    let found = FrameDecoder::new(Formats::Parts).decode(&upc).unwrap();
    assert_eq!((found.text.as_str(), found.format.as_str()), ("036000291452", "UPC_A"));
    let (x, y) = found.position;
    assert!((400.0..880.0).contains(&x) && (200.0..520.0).contains(&y), "near the middle: {x},{y}");
}

#[test]
fn the_guide_region_limits_where_the_decoder_looks() {
    let labels = vin_labels();
    let frame = Degradation::Clean.frame(&labels[0].2, 1);
    let mut decoder = FrameDecoder::new(Formats::Vin);
    decoder.region = Some(Region { x: 0, y: 0, width: 200, height: 200 }); // a corner, away from the label
    assert!(decoder.decode(&frame).is_none());
    decoder.region = Some(Region { x: 200, y: 200, width: 880, height: 320 });
    assert_eq!(decoder.decode(&frame).unwrap().text, labels[0].0);
}

#[test]
fn a_scan_needs_two_frames_in_a_row_and_bad_files_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let labels = vin_labels();
    let write = |name: &str, image: &image::GrayImage| {
        let path = dir.path().join(name);
        image.save(&path).unwrap();
        path
    };
    let blank = write("blank.png", &image::GrayImage::from_pixel(1280, 720, image::Luma([150])));
    let vin = write("vin.png", &Degradation::Clean.frame(&labels[0].2, 1));
    let other = write("other.png", &Degradation::Clean.frame(&labels[1].2, 1));
    let stop = AtomicBool::new(false);
    let decoder = FrameDecoder::new(Formats::Vin);
    let once =
        watch(&mut ImageFiles::new(vec![vin.clone(), blank.clone(), other.clone(), blank.clone()]), &decoder, &stop);
    assert_eq!(once.unwrap(), None, "never the same symbol twice in a row");
    let twice = watch(&mut ImageFiles::new(vec![blank, other, vin.clone(), vin]), &decoder, &stop).unwrap();
    assert_eq!(twice.unwrap().text, labels[0].0);

    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(load_frame(&empty), Err(Error::Empty { .. })));
    let corrupt = dir.path().join("corrupt.png");
    std::fs::write(&corrupt, b"\x89PNG\r\n\x1a\nthis is not really a png").unwrap();
    let error = load_frame(&corrupt).unwrap_err();
    assert!(matches!(error, Error::Corrupt { .. }), "{error}");
    assert!(error.to_string().contains("PNG or JPEG"));
    let huge = dir.path().join("huge.png");
    image::GrayImage::new(9_000, 10).save(&huge).unwrap();
    assert!(matches!(load_frame(&huge), Err(Error::TooLarge { .. })));
    assert!(matches!(load_frame(&dir.path().join("missing.png")), Err(Error::Unreadable { .. })));
}

#[test]
fn a_live_scan_previews_every_frame_and_ends_with_the_confirmed_symbol() {
    let dir = tempfile::tempdir().unwrap();
    let labels = vin_labels();
    image::GrayImage::from_pixel(1280, 720, image::Luma([150])).save(dir.path().join("0-blank.png")).unwrap();
    Degradation::Rotated(15.0).frame(&labels[2].2, 1).save(dir.path().join("1-label.png")).unwrap();
    // the label held still for a second frame, as in front of a real camera
    Degradation::Rotated(15.0).frame(&labels[2].2, 1).save(dir.path().join("2-label.png")).unwrap();
    let mut camera = dixon_camera::FolderCamera::open(dir.path()).unwrap();
    camera.frame_interval = std::time::Duration::from_millis(5);
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let (sender, events) = std::sync::mpsc::channel();
    let decoder = FrameDecoder::new(Formats::Vin);
    let runner = std::thread::spawn(move || {
        let open = move || Ok(Box::new(camera) as Box<dyn dixon_camera::FrameSource>);
        dixon_camera::live_scan(open, decoder, None, stop, move |event| {
            let _ = sender.send(match event {
                dixon_camera::LiveEvent::Preview(jpeg) => Ok(jpeg.len()),
                dixon_camera::LiveEvent::Scan(decoded) => Err(Ok(decoded.text)),
                dixon_camera::LiveEvent::Failed(e) => Err(Err(e.to_string())),
            });
        })
    });
    let mut previews = 0;
    let scanned = loop {
        match events.recv_timeout(std::time::Duration::from_secs(30)).expect("the live scan reports") {
            Ok(bytes) => {
                assert!(bytes > 1000 && bytes < 200_000, "a small JPEG preview: {bytes} bytes");
                previews += 1;
            }
            Err(result) => break result,
        }
    };
    runner.join().unwrap();
    assert_eq!(scanned, Ok(labels[2].0.clone()));
    assert!(previews >= 2, "the screen saw the frames");

    let empty = tempfile::tempdir().unwrap();
    assert!(dixon_camera::FolderCamera::open(empty.path()).is_err());
}

#[test]
fn a_frame_with_no_symbol_is_read_for_text_and_that_reading_is_confirmed_too() {
    // the text reader stands in for the OCR here (the app gives dixon-ocr's; the end-to-end test
    // reads a real plate): it "reads" the bright frames, and is asked only where no symbol is
    let dir = tempfile::tempdir().unwrap();
    image::GrayImage::from_pixel(640, 360, image::Luma([40])).save(dir.path().join("0-dark.png")).unwrap();
    for n in 1..=2 {
        image::GrayImage::from_pixel(640, 360, image::Luma([220]))
            .save(dir.path().join(format!("{n}-plate.png")))
            .unwrap();
    }
    let mut camera = dixon_camera::FolderCamera::open(dir.path()).unwrap();
    camera.frame_interval = std::time::Duration::from_millis(5);
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = asked.clone();
    let reader: dixon_camera::TextReader = Box::new(move |frame: &image::GrayImage| {
        counted.fetch_add(1, Ordering::SeqCst);
        (frame.get_pixel(0, 0).0[0] > 128).then(|| dixon_camera::Decoded {
            text: "4A3AA46G3WE014285".into(),
            format: "OCR".into(),
            position: (320.0, 180.0),
            turned: None,
            confidence: Some(0.93),
        })
    });
    let (sender, events) = std::sync::mpsc::channel();
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let decoder = FrameDecoder::new(Formats::Vin);
    let runner = std::thread::spawn(move || {
        let open = move || Ok(Box::new(camera) as Box<dyn dixon_camera::FrameSource>);
        dixon_camera::live_scan(open, decoder, Some(reader), stop, move |event| {
            if let dixon_camera::LiveEvent::Scan(decoded) = event {
                let _ = sender.send(decoded);
            }
        })
    });
    let read = events.recv_timeout(std::time::Duration::from_secs(30)).expect("the plate is read");
    runner.join().unwrap();
    assert_eq!((read.text.as_str(), read.format.as_str(), read.confidence), ("4A3AA46G3WE014285", "OCR", Some(0.93)));
    assert!(asked.load(Ordering::SeqCst) >= 2, "two frames agreed before the reading counted");
}

#[test]
fn a_label_a_little_out_of_focus_is_read() {
    // 2-pixel modules under a Gaussian blur of σ 1.5: the narrow bars smear into their
    // neighbours (zxing-cpp reads none of these); σ 2 is past what we read (see the decode bench)
    let decoder = FrameDecoder::new(Formats::Vin);
    for vin in &support::VINS[..3] {
        let label = support::symbol(vin, rxing::BarcodeFormat::CODE_39, 2, 80);
        let blurred = image::imageops::blur(&support::frame_with(&label), 1.5);
        assert_eq!(decoder.decode(&blurred).map(|d| d.text).as_deref(), Some(*vin));
    }
}
