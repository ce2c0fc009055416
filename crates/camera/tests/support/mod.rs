//! Barcodes made with rxing's own encoders, put on 1280×720 frames and degraded the ways a
//! webcam at the counter degrades them.

use image::{GrayImage, Luma};
use rxing::{BarcodeFormat, MultiFormatWriter, Writer};

pub const VINS: [&str; 6] = [
    "1HGCM82633A004352",
    "1FTMW1T88MFA00001",
    "1C6RR7LT2JS179571",
    "5XYRLDLC3NG097496",
    "WUAAU34248N006164",
    "JTDKB20U993512345",
];

/// The symbol alone: `module` pixels per module, 1D codes `bar_height` tall, a white quiet zone
/// of ten modules.
pub fn symbol(text: &str, format: BarcodeFormat, module: u32, bar_height: u32) -> GrayImage {
    symbol_with_quiet_zone(text, format, module, bar_height, 10)
}

/// [`symbol`] with a quiet zone of `quiet_modules` modules on every side.
pub fn symbol_with_quiet_zone(
    text: &str,
    format: BarcodeFormat,
    module: u32,
    bar_height: u32,
    quiet_modules: u32,
) -> GrayImage {
    let matrix = MultiFormatWriter.encode(text, &format, 0, 0).expect("rxing encodes it");
    let (w, h) = (matrix.getWidth(), matrix.getHeight());
    let one_d = h <= 1
        || matches!(
            format,
            BarcodeFormat::CODE_39 | BarcodeFormat::CODE_128 | BarcodeFormat::EAN_13 | BarcodeFormat::UPC_A
        );
    let quiet = quiet_modules * module;
    let height = if one_d { bar_height } else { h * module };
    GrayImage::from_fn(w * module + 2 * quiet, height + 2 * quiet, |x, y| {
        let (x, y) = (x as i64 - quiet as i64, y as i64 - quiet as i64);
        if x < 0 || y < 0 || x >= (w * module) as i64 || y >= height as i64 {
            return Luma([255]);
        }
        let row = if one_d { 0 } else { (y as u32 / module).min(h - 1) };
        Luma([if matrix.get(x as u32 / module, row) { 0 } else { 255 }])
    })
}

/// The grey of the counter top the frames show.
pub const COUNTER_GREY: u8 = 150;

/// A 1280×720 frame: a grey counter top with the (white) label in the middle.
pub fn frame_with(label: &GrayImage) -> GrayImage {
    let mut frame = GrayImage::from_pixel(1280, 720, Luma([COUNTER_GREY]));
    let x = (1280i64 - label.width() as i64) / 2;
    let y = (720i64 - label.height() as i64) / 2;
    image::imageops::overlay(&mut frame, label, x, y);
    frame
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Degradation {
    Clean,
    Blur,
    LowContrast,
    Jpeg,
    Noise,
    Rotated(f32),
}

impl Degradation {
    pub const ALL: [Degradation; 10] = [
        Degradation::Clean,
        Degradation::Blur,
        Degradation::LowContrast,
        Degradation::Jpeg,
        Degradation::Noise,
        Degradation::Rotated(5.0),
        Degradation::Rotated(15.0),
        Degradation::Rotated(45.0),
        Degradation::Rotated(90.0),
        Degradation::Rotated(135.0),
    ];

    pub fn name(self) -> String {
        match self {
            Degradation::Clean => "clean 1280×720".into(),
            Degradation::Blur => "blur (σ 1.2)".into(),
            Degradation::LowContrast => "low contrast (25 %)".into(),
            Degradation::Jpeg => "JPEG quality 40".into(),
            Degradation::Noise => "noise ±40".into(),
            Degradation::Rotated(d) => format!("rotated {d}°"),
        }
    }

    /// The frame holding `label`, degraded.
    pub fn frame(self, label: &GrayImage, seed: u32) -> GrayImage {
        match self {
            Degradation::Rotated(degrees) => frame_with(&dixon_camera::rotate(label, degrees)),
            Degradation::Clean => frame_with(label),
            Degradation::Blur => image::imageops::blur(&frame_with(label), 1.2),
            Degradation::LowContrast => {
                let mut frame = frame_with(label);
                frame.pixels_mut().for_each(|p| p.0[0] = 100 + (p.0[0] as u32 * 64 / 255) as u8);
                frame
            }
            Degradation::Jpeg => {
                let mut bytes = Vec::new();
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 40)
                    .encode_image(&frame_with(label))
                    .unwrap();
                image::load_from_memory(&bytes).unwrap().to_luma8()
            }
            Degradation::Noise => {
                let mut state = seed.wrapping_mul(2_654_435_761).max(1);
                let mut frame = frame_with(label);
                frame.pixels_mut().for_each(|p| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    let delta = (state % 81) as i32 - 40;
                    p.0[0] = (p.0[0] as i32 + delta).clamp(0, 255) as u8;
                });
                frame
            }
        }
    }
}

/// The VIN labels and part labels of the tests: (text, format, label image).
pub fn vin_labels() -> Vec<(String, BarcodeFormat, GrayImage)> {
    let mut labels: Vec<(String, BarcodeFormat, GrayImage)> = VINS
        .iter()
        .map(|v| (v.to_string(), BarcodeFormat::CODE_39, symbol(v, BarcodeFormat::CODE_39, 2, 90)))
        .collect();
    labels.push((VINS[0].into(), BarcodeFormat::QR_CODE, symbol(VINS[0], BarcodeFormat::QR_CODE, 6, 0)));
    labels.push((VINS[1].into(), BarcodeFormat::DATA_MATRIX, symbol(VINS[1], BarcodeFormat::DATA_MATRIX, 8, 0)));
    labels
}

pub fn part_labels() -> Vec<(String, BarcodeFormat, GrayImage)> {
    vec![
        ("036000291452".into(), BarcodeFormat::UPC_A, symbol("036000291452", BarcodeFormat::UPC_A, 3, 120)),
        ("4006381333931".into(), BarcodeFormat::EAN_13, symbol("4006381333931", BarcodeFormat::EAN_13, 3, 120)),
        ("BP-1234/A".into(), BarcodeFormat::CODE_128, symbol("BP-1234/A", BarcodeFormat::CODE_128, 3, 100)),
    ]
}

/// `image` turned counter-clockwise by `degrees` on a canvas just large enough (a tight frame),
/// the corners filled with `fill`: what an image editor's "rotate, expand" makes of a photo of a
/// label (black corners by default).
pub fn rotate_filled(image: &GrayImage, degrees: f32, fill: u8) -> GrayImage {
    let turned = dixon_camera::rotate(image, degrees);
    // an all-black image turned the same way is white exactly where the corners are
    let corners = dixon_camera::rotate(&GrayImage::new(image.width(), image.height()), degrees);
    GrayImage::from_fn(turned.width(), turned.height(), |x, y| {
        if corners.get_pixel(x, y).0[0] > 127 {
            Luma([fill])
        } else {
            *turned.get_pixel(x, y)
        }
    })
}
