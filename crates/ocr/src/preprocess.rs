//! Real photos to what the engine reads best: grey, contrast stretched (glare and dim light
//! flattened), level (deskewed within ±10° by the angle that makes text lines sharpest), and
//! scaled so letters are about the height the engine likes.

use image::{imageops, GrayImage, Luma};

/// Letters about this tall (pixels) read best with Tesseract's LSTM.
const TARGET_HEIGHT: u32 = 1400;

/// The picture made ready for the engine. `region` (x, y, width, height as fractions) crops to
/// the camera screen's guide box first.
pub fn prepare(picture: &GrayImage, region: Option<(f32, f32, f32, f32)>) -> GrayImage {
    let cropped = match region {
        Some((x, y, w, h)) => {
            let (pw, ph) = (picture.width() as f32, picture.height() as f32);
            let (x0, y0) = ((x * pw) as u32, (y * ph) as u32);
            let (cw, ch) = (
                ((w * pw) as u32).max(8).min(picture.width() - x0),
                ((h * ph) as u32).max(8).min(picture.height() - y0),
            );
            imageops::crop_imm(picture, x0, y0, cw, ch).to_image()
        }
        None => picture.clone(),
    };
    let stretched = stretch(&cropped);
    let level = deskew(&stretched);
    scale(&level)
}

/// Maps the 2nd..98th percentile of brightness to black..white.
fn stretch(picture: &GrayImage) -> GrayImage {
    let mut histogram = [0u64; 256];
    for p in picture.pixels() {
        histogram[p.0[0] as usize] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let at = |share: f64| {
        let mut seen = 0;
        for (value, count) in histogram.iter().enumerate() {
            seen += count;
            if seen as f64 >= total as f64 * share {
                return value as f32;
            }
        }
        255.0
    };
    let (low, high) = (at(0.005), at(0.98));
    if high - low < 8.0 {
        return picture.clone();
    }
    let mut out = picture.clone();
    for p in out.pixels_mut() {
        let v = ((p.0[0] as f32 - low) * 255.0 / (high - low)).clamp(0.0, 255.0);
        *p = Luma([v as u8]);
    }
    out
}

/// Turns the picture level: the angle (−10°…10°, 1° steps) whose row profile of dark pixels
/// varies most is the one where text lines lie flat.
fn deskew(picture: &GrayImage) -> GrayImage {
    // measured on a small copy: fast, and enough to tell angles apart
    let small = imageops::resize(
        picture,
        320,
        (320 * picture.height() / picture.width().max(1)).max(8),
        imageops::FilterType::Triangle,
    );
    let score = |degrees: f32| -> f64 {
        let turned = rotate(&small, degrees);
        let rows: Vec<f64> = turned.rows().map(|row| row.filter(|p| p.0[0] < 100).count() as f64).collect();
        let mean = rows.iter().sum::<f64>() / rows.len().max(1) as f64;
        rows.iter().map(|r| (r - mean).powi(2)).sum::<f64>()
    };
    let best = (-10..=10).map(|d| d as f32).max_by(|a, b| score(*a).total_cmp(&score(*b))).unwrap_or(0.0);
    if best == 0.0 {
        picture.clone()
    } else {
        rotate(picture, best)
    }
}

/// `picture` turned by `degrees` about its centre, corners filled white.
fn rotate(picture: &GrayImage, degrees: f32) -> GrayImage {
    let (w, h) = (picture.width() as f32, picture.height() as f32);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w / 2.0, h / 2.0);
    GrayImage::from_fn(picture.width(), picture.height(), |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (sx, sy) = (cos * dx + sin * dy + cx, -sin * dx + cos * dy + cy);
        if sx < 0.0 || sy < 0.0 || sx >= w - 1.0 || sy >= h - 1.0 {
            Luma([255])
        } else {
            *picture.get_pixel(sx as u32, sy as u32)
        }
    })
}

/// Small pictures up, huge ones down: the long side about 1400 px.
fn scale(picture: &GrayImage) -> GrayImage {
    let long = picture.width().max(picture.height());
    if long == 0 || (long as f32 / TARGET_HEIGHT as f32 - 1.0).abs() < 0.2 {
        return picture.clone();
    }
    let factor = TARGET_HEIGHT as f32 / long as f32;
    let (w, h) = ((picture.width() as f32 * factor) as u32, (picture.height() as f32 * factor) as u32);
    imageops::resize(picture, w.max(8), h.max(8), imageops::FilterType::CatmullRom)
}

/// Black and white at Otsu's threshold (the split that best separates ink from paper); with
/// `join`, blurred first so a dot-matrix or stamped character becomes solid strokes.
pub fn binarize(picture: &GrayImage, join: bool) -> GrayImage {
    let source = if join { imageops::blur(picture, 2.0) } else { picture.clone() };
    let mut histogram = [0f64; 256];
    for p in source.pixels() {
        histogram[p.0[0] as usize] += 1.0;
    }
    let total: f64 = histogram.iter().sum();
    let sum: f64 = histogram.iter().enumerate().map(|(i, n)| i as f64 * n).sum();
    let (mut below, mut below_sum, mut best, mut threshold) = (0.0, 0.0, 0.0, 128u8);
    for (i, n) in histogram.iter().enumerate() {
        below += n;
        below_sum += i as f64 * n;
        let above = total - below;
        if below == 0.0 || above == 0.0 {
            continue;
        }
        let (m0, m1) = (below_sum / below, (sum - below_sum) / above);
        let between = below * above * (m0 - m1).powi(2);
        if between > best {
            best = between;
            threshold = i as u8;
        }
    }
    let mut out = source;
    for p in out.pixels_mut() {
        *p = Luma([if p.0[0] > threshold { 255 } else { 0 }]);
    }
    out
}

/// The horizontal bands of `picture` that look like lines of text (rows with some ink, not a
/// ruled line), tallest first, each with a margin: reading only them is several times faster
/// than the whole frame.
pub fn text_bands(picture: &GrayImage) -> Vec<GrayImage> {
    let ink = binarize(picture, false);
    let width = ink.width() as usize;
    let rows: Vec<usize> = ink.rows().map(|row| row.filter(|p| p.0[0] == 0).count()).collect();
    // a row is text-like with a little ink, but not a border or a shadow across the frame
    let texty: Vec<bool> = rows.iter().map(|n| *n > width / 200 && *n < width * 6 / 10).collect();
    let mut bands: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (y, t) in texty.iter().enumerate() {
        match (t, start) {
            (true, None) => start = Some(y),
            (false, Some(s)) => {
                bands.push((s, y));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        bands.push((s, texty.len()));
    }
    // letters a VIN could be set in: 10 to 250 pixels tall
    bands.retain(|(a, b)| (10..=250).contains(&(b - a)));
    bands.sort_by_key(|(a, b)| std::cmp::Reverse(b - a));
    bands
        .into_iter()
        .take(4)
        .map(|(a, b)| {
            let margin = ((b - a) / 2).max(6);
            let top = a.saturating_sub(margin) as u32;
            let bottom = (b + margin).min(picture.height() as usize) as u32;
            imageops::crop_imm(picture, 0, top, picture.width(), bottom - top).to_image()
        })
        .collect()
}

/// `bands` one under the other on white, a gap between them: one reading instead of several.
pub fn stack(bands: &[GrayImage]) -> GrayImage {
    let gap = 24;
    let width = bands.iter().map(GrayImage::width).max().unwrap_or(8);
    let height: u32 = bands.iter().map(|b| b.height() + gap).sum::<u32>() + gap;
    let mut out = GrayImage::from_pixel(width, height, Luma([255]));
    let mut y = gap;
    for band in bands {
        imageops::replace(&mut out, band, 0, i64::from(y));
        y += band.height() + gap;
    }
    out
}
