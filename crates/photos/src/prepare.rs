//! What a photo becomes before it is kept (pure, no I/O): checked (a PNG or JPEG, not damaged,
//! not beyond [`MAX_PIXELS`]), turned upright by its EXIF orientation, and made into a working
//! copy for sending (long side [`WORKING_LONG_SIDE`] px, JPEG, at most [`WORKING_MAX_BYTES`]) and
//! a thumbnail. The original's bytes are never changed.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// The largest photo taken in, in pixels: a 48-megapixel phone photo passes, a 50 MP one (or a
/// decompression bomb claiming it) is refused before it is decoded.
pub const MAX_PIXELS: u64 = 49_000_000;
/// The largest file taken in.
pub const MAX_FILE_BYTES: usize = 40 * 1024 * 1024;
/// The working copy's long side, in pixels.
pub const WORKING_LONG_SIDE: u32 = 1600;
/// The working copy's size goal: JPEG quality steps down until it fits.
pub const WORKING_MAX_BYTES: usize = 400 * 1024;
/// The thumbnail's long side, in pixels.
pub const THUMBNAIL_LONG_SIDE: u32 = 320;

/// A photo ready to keep.
pub struct Prepared {
    /// Lower-case hex SHA-256 of the original's bytes: its name everywhere (content-addressed).
    pub sha256: String,
    /// `jpg` or `png`.
    pub extension: &'static str,
    pub mime: &'static str,
    /// Upright size of the original.
    pub width: u32,
    pub height: u32,
    pub working: Vec<u8>,
    pub thumbnail: Vec<u8>,
}

/// Checks and converts `bytes`; `name` is only for messages ("IMG_2231.HEIC is …").
pub fn prepare(bytes: &[u8], name: &str) -> Result<Prepared, Error> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::FileTooLarge { name: name.into(), megabytes: bytes.len() / (1024 * 1024) });
    }
    let format = match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => ImageFormat::Jpeg,
        Ok(ImageFormat::Png) => ImageFormat::Png,
        _ => return Err(Error::NotAPhoto { name: name.into(), what: sniff(bytes) }),
    };
    // JPEG decoders fill a cut-short photo with grey rather than fail: a whole JPEG ends with
    // its end-of-image marker (maybe followed by a little padding)
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if format == ImageFormat::Jpeg && !tail.windows(2).any(|w| w == [0xFF, 0xD9]) {
        return Err(Error::Damaged { name: name.into(), detail: "the file ends before the photo does".into() });
    }
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder = reader.into_decoder().map_err(|e| Error::Damaged { name: name.into(), detail: e.to_string() })?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(Error::TooManyPixels { name: name.into(), megapixels: (u64::from(w) * u64::from(h)) / 1_000_000 });
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let picture =
        DynamicImage::from_decoder(decoder).map_err(|e| Error::Damaged { name: name.into(), detail: e.to_string() })?;
    // shrink first, then turn upright: rotating 12 megapixels costs more than the whole resize
    let mut small = fit(&picture, WORKING_LONG_SIDE);
    small.apply_orientation(orientation);
    let (width, height) = match orientation {
        image::metadata::Orientation::Rotate90
        | image::metadata::Orientation::Rotate270
        | image::metadata::Orientation::Rotate90FlipH
        | image::metadata::Orientation::Rotate270FlipH => (picture.height(), picture.width()),
        _ => (picture.width(), picture.height()),
    };
    let working = jpeg_within(&small, WORKING_MAX_BYTES);
    let thumbnail = jpeg_within(&fit(&small, THUMBNAIL_LONG_SIDE), 40 * 1024);
    let (extension, mime) = match format {
        ImageFormat::Png => ("png", "image/png"),
        _ => ("jpg", "image/jpeg"),
    };
    Ok(Prepared { sha256: hex::encode(Sha256::digest(bytes)), extension, mime, width, height, working, thumbnail })
}

/// `picture` scaled down so its long side is at most `long_side` (never up). Area averaging
/// (`thumbnail`): as sharp as a photo needs when shrinking, and several times faster than a
/// Catmull-Rom filter on 12 megapixels.
pub(crate) fn fit(picture: &DynamicImage, long_side: u32) -> DynamicImage {
    if picture.width().max(picture.height()) <= long_side {
        return picture.clone();
    }
    picture.thumbnail(long_side, long_side)
}

/// JPEG of `picture` at the best quality (from 85 down to 50) that fits `max_bytes`.
pub(crate) fn jpeg_within(picture: &DynamicImage, max_bytes: usize) -> Vec<u8> {
    let rgb = picture.to_rgb8();
    let mut best = Vec::new();
    for quality in [85, 78, 70, 62, 55, 50] {
        let mut out = Vec::new();
        // encoding an in-memory RGB buffer to memory can't fail
        let _ = JpegEncoder::new_with_quality(&mut out, quality).encode_image(&rgb);
        best = out;
        if best.len() <= max_bytes {
            break;
        }
    }
    best
}

/// What a refused file looks like it is, for the message.
fn sniff(bytes: &[u8]) -> String {
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    if bytes.len() > 12
        && &bytes[4..8] == b"ftyp"
        && (bytes[8..12] == *b"heic" || bytes[8..12] == *b"mif1" || bytes[8..12] == *b"heix")
    {
        "a HEIC photo (an iPhone's own format): set the iPhone to Most Compatible, or export it as JPEG".into()
    } else if starts(b"%PDF") {
        "a PDF, not a photo".into()
    } else if starts(b"GIF8") || starts(b"RIFF") || starts(b"BM") {
        "an image format Dixon Counter does not keep: save it as JPEG or PNG".into()
    } else if bytes.is_empty() {
        "empty".into()
    } else {
        "not a photo".into()
    }
}
