//! Decoding one frame: only the formats the screen expects, inside the alignment guide, at a
//! size the decoder reads fast, and turned upright when a 1D code is held at an angle.

use std::collections::HashSet;
use std::path::Path;

use image::GrayImage;
use rxing::{BarcodeFormat, DecodeHints};
use serde::Serialize;

use crate::orientation::{find_orientation, rotate};
use crate::Error;

/// Which symbologies a screen expects. Asking for every format costs 10–15 ms per 1D image
/// instead of well under one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Formats {
    /// VIN labels: Code 39, Data Matrix, QR.
    Vin,
    /// Parts: UPC-A, EAN-13, Code 128.
    Parts,
    /// Both sets (and the pairing QR).
    All,
}

impl Formats {
    pub fn parse(text: &str) -> Option<Formats> {
        match text.trim().to_ascii_lowercase().as_str() {
            "vin" => Some(Formats::Vin),
            "parts" | "part" => Some(Formats::Parts),
            "all" => Some(Formats::All),
            _ => None,
        }
    }

    fn barcode_formats(self) -> HashSet<BarcodeFormat> {
        let vin = [BarcodeFormat::CODE_39, BarcodeFormat::DATA_MATRIX, BarcodeFormat::QR_CODE];
        let parts = [BarcodeFormat::UPC_A, BarcodeFormat::EAN_13, BarcodeFormat::CODE_128];
        match self {
            Formats::Vin => vin.into_iter().collect(),
            Formats::Parts => parts.into_iter().collect(),
            Formats::All => vin.into_iter().chain(parts).collect(),
        }
    }
}

/// A rectangle of the frame, in pixels (the alignment guide shown on the preview).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// What a frame held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decoded {
    pub text: String,
    /// `CODE_39`, `QR_CODE`, `EAN_13`, …
    pub format: String,
    /// Centre of the symbol in frame pixels.
    pub position: (f32, f32),
    /// How far the code was turned to read it (degrees), when it was held at an angle.
    pub turned: Option<f32>,
    /// How sure a reading of printed text (OCR) was, 0–1; `None` for a barcode, whose own
    /// checksum makes it sure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
}

/// Reads barcodes from frames.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    pub formats: Formats,
    /// Only this part of the frame is read (the guide); `None` for all of it.
    pub region: Option<Region>,
    /// The guide as fractions of the frame (width, height), centred, for when the frame size is
    /// not known in advance (a live camera); used when `region` is `None`.
    pub centred_guide: Option<(f32, f32)>,
    /// Frames wider than this are scaled down first: decoding time grows with pixels, and a
    /// label filling the guide keeps enough pixels per bar at this width.
    pub max_width: u32,
}

impl FrameDecoder {
    pub fn new(formats: Formats) -> FrameDecoder {
        FrameDecoder { formats, region: None, centred_guide: None, max_width: 1280 }
    }

    /// The symbol in `frame`, if there is one this decoder may read.
    pub fn decode(&self, frame: &GrayImage) -> Option<Decoded> {
        self.decode_with(frame, true)
    }

    /// [`FrameDecoder::decode`] without the slow last pass (contrast, denoise, every row and
    /// column): a live camera runs it on most frames and keeps the slow pass for a few, since
    /// a frame with nothing in it costs the whole slow pass.
    pub fn decode_quick(&self, frame: &GrayImage) -> Option<Decoded> {
        self.decode_with(frame, false)
    }

    fn decode_with(&self, frame: &GrayImage, thorough: bool) -> Option<Decoded> {
        let region = self.region.or_else(|| {
            let (fw, fh) = self.centred_guide?;
            let (width, height) = ((frame.width() as f32 * fw) as u32, (frame.height() as f32 * fh) as u32);
            Some(Region {
                x: (frame.width() - width.min(frame.width())) / 2,
                y: (frame.height() - height.min(frame.height())) / 2,
                width,
                height,
            })
        });
        let (offset, cropped) = match region {
            Some(r) if r.width > 0 && r.height > 0 => {
                let x = r.x.min(frame.width().saturating_sub(1));
                let y = r.y.min(frame.height().saturating_sub(1));
                let width = r.width.min(frame.width() - x);
                let height = r.height.min(frame.height() - y);
                ((x as f32, y as f32), image::imageops::crop_imm(frame, x, y, width, height).to_image())
            }
            _ => ((0.0, 0.0), frame.clone()),
        };
        let scale = if cropped.width() > self.max_width { self.max_width as f32 / cropped.width() as f32 } else { 1.0 };
        let image = if scale < 1.0 {
            let height = ((cropped.height() as f32 * scale).round() as u32).max(1);
            image::imageops::resize(&cropped, self.max_width, height, image::imageops::FilterType::Triangle)
        } else {
            cropped
        };
        let to_frame = |(x, y): (f32, f32)| (offset.0 + x / scale, offset.1 + y / scale);

        if let Some(found) = read(&image, self.formats, false) {
            return Some(Decoded { position: to_frame(found.1), turned: None, ..found.0 });
        }
        // A 1D code at an angle (every format set has one): find which way its bars run and
        // turn the image so they stand upright.
        let orientation = find_orientation(&image);
        if let Some(found) = orientation.filter(|o| o.degrees > 2.0 && o.degrees < 178.0) {
            // Only the code's own box, doubled in size first: turning thin bars by a fraction of
            // a pixel would otherwise smear them together.
            let (x, y, w, h) = found.region;
            let code = image::imageops::crop_imm(&image, x, y, w, h).to_image();
            let upright = if (found.degrees - 90.0).abs() <= 2.0 {
                image::imageops::rotate90(&code) // a quarter turn is exact: no resampling
            } else {
                let doubled = image::imageops::resize(&code, w * 2, h * 2, image::imageops::FilterType::Triangle);
                rotate(&doubled, -found.degrees)
            };
            // A label photographed on a dark surface, or turned in an editor that fills the
            // corners black, leaves dark areas right against a thin quiet zone: cleared, the
            // code reads.
            let read_it = read(&upright, self.formats, false)
                .or_else(|| isolate_bars(&upright).and_then(|bars| read(&bars, self.formats, false)));
            if let Some(read_it) = read_it {
                let centre = (x as f32 + w as f32 / 2.0, y as f32 + h as f32 / 2.0);
                return Some(Decoded { position: to_frame(centre), turned: Some(found.degrees), ..read_it.0 });
            }
        }
        if !thorough {
            return None;
        }
        // Last, the slow way: contrast stretched (a dim or washed-out label), sensor noise
        // smoothed out, every row and column tried.
        let smoothed = image::imageops::blur(&stretch_contrast(&image), 0.9);
        // and a label a little out of focus: its edges steepened again (unsharp masking)
        read(&smoothed, self.formats, true)
            .or_else(|| {
                // only where parallel edges show a 1D code: sharpening costs tens of
                // milliseconds, an empty frame must not pay it. Twice: once at the blur's own
                // scale, then harder at a wider one (one pass leaves the narrow bars too shallow
                // to tell from the spaces)
                orientation?;
                let sharpened = sharpen(&stretch_contrast(&sharpen(&image, 1.5, 2.0)), 2.0, 4.0);
                read(&sharpened, self.formats, true)
            })
            .map(|found| Decoded { position: to_frame(found.1), turned: None, ..found.0 })
    }
}

/// The upright code cut out of its surroundings and set in a white quiet zone. The bars are the
/// rows with many dark/light changes and, across those rows, the longest stretch of columns that
/// are dark in (nearly) all of them or light in all of them: a bar runs the band's full height,
/// while a dark surface or a black corner beside a thin quiet zone covers only part of it. `None` when
/// no such band is found.
fn isolate_bars(image: &GrayImage) -> Option<GrayImage> {
    let (w, h) = image.dimensions();
    let (low, high) = grey_levels(image, 0.05, 0.95)?;
    let threshold = ((low as u16 + high as u16) / 2) as u8;
    let dark = |x: u32, y: u32| image.get_pixel(x, y).0[0] < threshold;
    // the bars' rows: a Code 39 VIN has over 150 dark/light changes, a short UPC about 60
    let changes = |y: u32| (1..w).filter(|&x| dark(x, y) != dark(x - 1, y)).count();
    let band: Vec<u32> = (0..h).filter(|&y| changes(y) >= 40).collect();
    if band.len() < 4 {
        return None;
    }
    let consistent: Vec<bool> = (0..w)
        .map(|x| {
            let share = band.iter().filter(|&&y| dark(x, y)).count() as f32 / band.len() as f32;
            !(0.15..=0.85).contains(&share)
        })
        .collect();
    // a bar's edge may fall half-way across a column (grey in some rows): up to three such
    // columns in a row belong to the code, a wider grey stretch does not
    const EDGE_COLUMNS: u32 = 3;
    let (mut best, mut run_start, mut grey) = ((0u32, 0u32), 0u32, 0u32);
    for x in 0..=w {
        let steady = x < w && consistent[x as usize];
        grey = if steady { 0 } else { grey + 1 };
        if x == w || grey > EDGE_COLUMNS {
            let end = x + 1 - grey.min(x + 1);
            if end > run_start && end - run_start > best.1 - best.0 {
                best = (run_start, end);
            }
            run_start = x + 1;
        }
    }
    let (x0, x1) = best;
    if x1 - x0 < 40 {
        return None;
    }
    let (y0, y1) = (band[0], band[band.len() - 1] + 1);
    let quiet = 40;
    let mut out = GrayImage::from_pixel(x1 - x0 + 2 * quiet, y1 - y0 + 2 * quiet, image::Luma([255]));
    image::imageops::overlay(
        &mut out,
        &image::imageops::crop_imm(image, x0, y0, x1 - x0, y1 - y0).to_image(),
        quiet as i64,
        quiet as i64,
    );
    Some(out)
}

/// Unsharp masking: `image` plus `amount` times what a Gaussian blur of `sigma` takes away. A
/// label a little out of focus (thin bars smeared into their neighbours) gets its edges back.
fn sharpen(image: &GrayImage, sigma: f32, amount: f32) -> GrayImage {
    let blurred = image::imageops::blur(image, sigma);
    GrayImage::from_fn(image.width(), image.height(), |x, y| {
        let (v, b) = (image.get_pixel(x, y).0[0] as f32, blurred.get_pixel(x, y).0[0] as f32);
        image::Luma([(v + amount * (v - b)).round().clamp(0.0, 255.0) as u8])
    })
}

/// The grey levels below which the `low` and `high` shares of the image's pixels lie (e.g. the
/// 5th and 95th percentiles); `None` for an empty image.
fn grey_levels(image: &GrayImage, low: f64, high: f64) -> Option<(u8, u8)> {
    let mut histogram = [0u64; 256];
    image.pixels().for_each(|p| histogram[p.0[0] as usize] += 1);
    let total: u64 = histogram.iter().sum();
    let level_at = |share: f64| {
        let mut seen = 0;
        histogram.iter().position(|&n| {
            seen += n;
            seen as f64 >= total as f64 * share
        })
    };
    Some((level_at(low)? as u8, level_at(high)? as u8))
}

/// Spreads the frame's grey levels (1st to 99th percentile) over the full range.
fn stretch_contrast(image: &GrayImage) -> GrayImage {
    let Some((low, high)) = grey_levels(image, 0.01, 0.99) else { return image.clone() };
    if high as u16 <= low as u16 + 8 {
        return image.clone(); // nothing to stretch: a blank frame
    }
    let mut out = image.clone();
    out.pixels_mut().for_each(|p| {
        let v = (p.0[0] as i32 - low as i32) * 255 / (high as i32 - low as i32);
        p.0[0] = v.clamp(0, 255) as u8;
    });
    out
}

/// One rxing pass over `image`; the decoded symbol and its centre.
fn read(image: &GrayImage, formats: Formats, try_harder: bool) -> Option<(Decoded, (f32, f32))> {
    let mut hints = DecodeHints {
        PossibleFormats: Some(formats.barcode_formats()),
        TryHarder: Some(try_harder),
        ..DecodeHints::default()
    };
    let result = rxing::helpers::detect_in_luma_slice_with_hints(
        image.as_raw(),
        image.width(),
        image.height(),
        None,
        &mut hints,
    )
    .ok()?;
    let points = result.getPoints();
    let centre = if points.is_empty() {
        (image.width() as f32 / 2.0, image.height() as f32 / 2.0)
    } else {
        let n = points.len() as f32;
        (points.iter().map(|p| p.x).sum::<f32>() / n, points.iter().map(|p| p.y).sum::<f32>() / n)
    };
    let decoded = Decoded {
        text: result.getText().to_string(),
        format: format!("{:?}", result.getBarcodeFormat()),
        position: (0.0, 0.0),
        turned: None,
        confidence: None,
    };
    Some((decoded, centre))
}

/// The largest image file we read, and the largest frame.
pub const MAX_FILE_BYTES: u64 = 40 * 1024 * 1024;
pub const MAX_SIDE: u32 = 8_000;

/// Reads an image file as a grey frame, refusing empty, corrupt and oversized files clearly.
pub fn load_frame(path: &Path) -> Result<GrayImage, Error> {
    let shown = path.display().to_string();
    let size =
        std::fs::metadata(path).map_err(|e| Error::Unreadable { path: shown.clone(), detail: e.to_string() })?.len();
    if size == 0 {
        return Err(Error::Empty { path: shown });
    }
    if size > MAX_FILE_BYTES {
        return Err(Error::TooLarge { path: shown, detail: format!("{} MB", size / 1024 / 1024) });
    }
    let reader = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| Error::Unreadable { path: shown.clone(), detail: e.to_string() })?;
    let (width, height) =
        reader.into_dimensions().map_err(|e| Error::Corrupt { path: shown.clone(), detail: e.to_string() })?;
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(Error::TooLarge { path: shown, detail: format!("{width} × {height} pixels") });
    }
    let image = image::open(path).map_err(|e| Error::Corrupt { path: shown, detail: e.to_string() })?;
    Ok(image.to_luma8())
}
