//! Generated VIN pictures through the whole pipeline (preprocessing, Tesseract, the VIN's
//! rules): clean ones read exactly, and across every degradation no wrong VIN is ever accepted
//! without a question. `cargo bench -p dixon-ocr --bench vin_images` prints the full table.

mod support;

use support::Outcome;

#[test]
fn clean_pictures_read_exactly_and_no_wrong_vin_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let pictures = support::generate(dir.path(), 2, 5);
    let mut engine = dixon_ocr::Tesseract::new().unwrap();
    let mut wrong = Vec::new();
    for picture in &pictures {
        let image = image::open(&picture.path).unwrap();
        let reading = dixon_ocr::read_vin(&mut engine, &image, None, 2026).unwrap();
        let outcome = support::outcome(&picture.vin, &reading);
        if picture.degradation == "clean" {
            assert_eq!(outcome, Outcome::Exact, "{} ({}): {:?}", picture.vin, picture.font, reading);
        }
        if outcome == Outcome::Wrong {
            wrong.push((picture.path.display().to_string(), picture.vin.clone(), reading.vin.clone()));
        }
    }
    assert!(wrong.is_empty(), "wrong VINs accepted without a question: {wrong:?}");
}

#[test]
fn a_picture_without_a_vin_says_so() {
    let blank = image::DynamicImage::ImageLuma8(image::GrayImage::from_pixel(640, 360, image::Luma([230])));
    let mut engine = dixon_ocr::Tesseract::new().unwrap();
    let reading = dixon_ocr::read_vin(&mut engine, &blank, None, 2026).unwrap();
    assert_eq!(reading.vin, None);
    assert!(reading.candidates.is_empty());
}
