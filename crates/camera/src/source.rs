//! Where frames come from, and the loop that turns frames into confirmed scans.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use image::GrayImage;

use crate::{load_frame, Decoded, Error, FrameDecoder};

/// A stream of grey frames.
pub trait FrameSource {
    /// The newest frame (a camera drops the ones that came while the caller was busy).
    fn next_frame(&mut self) -> Result<GrayImage, Error>;
}

/// Frames from image files, in order; then [`Error::NoMoreFrames`].
pub struct ImageFiles {
    paths: std::vec::IntoIter<PathBuf>,
}

impl ImageFiles {
    pub fn new(paths: Vec<PathBuf>) -> ImageFiles {
        ImageFiles { paths: paths.into_iter() }
    }
}

impl FrameSource for ImageFiles {
    fn next_frame(&mut self) -> Result<GrayImage, Error> {
        load_frame(&self.paths.next().ok_or(Error::NoMoreFrames)?)
    }
}

/// The PC's webcam through nokhwa (V4L2 on Linux, AVFoundation on macOS, Media Foundation on
/// Windows), delivering grey frames.
pub struct Webcam {
    camera: nokhwa::Camera,
}

impl Webcam {
    /// Opens camera `index` (0 is the first) at its highest frame rate.
    pub fn open(index: u32) -> Result<Webcam, Error> {
        use nokhwa::pixel_format::LumaFormat;
        use nokhwa::utils::{CameraIndex, RequestedFormat, RequestedFormatType};
        let requested = RequestedFormat::new::<LumaFormat>(RequestedFormatType::AbsoluteHighestFrameRate);
        let mut camera =
            nokhwa::Camera::new(CameraIndex::Index(index), requested).map_err(|e| Error::Camera(e.to_string()))?;
        camera.open_stream().map_err(|e| Error::Camera(e.to_string()))?;
        Ok(Webcam { camera })
    }
}

impl FrameSource for Webcam {
    fn next_frame(&mut self) -> Result<GrayImage, Error> {
        let buffer = self.camera.frame().map_err(|e| Error::Camera(e.to_string()))?;
        let frame =
            buffer.decode_image::<nokhwa::pixel_format::LumaFormat>().map_err(|e| Error::Camera(e.to_string()))?;
        let (width, height) = frame.dimensions();
        GrayImage::from_raw(width, height, frame.into_raw())
            .ok_or_else(|| Error::Camera("a frame of the wrong size".into()))
    }
}

/// Accepts a symbol only once two consecutive frames read the same text.
#[derive(Debug, Default)]
pub struct Confirmer {
    last: Option<String>,
}

impl Confirmer {
    /// What this frame read (or `None`); the text once it is confirmed.
    pub fn offer(&mut self, read: Option<&str>) -> Option<String> {
        match (read, self.last.take()) {
            (Some(now), Some(before)) if now == before => Some(now.to_string()),
            (Some(now), _) => {
                self.last = Some(now.to_string());
                None
            }
            (None, _) => None,
        }
    }
}

/// Decodes frames from `source` until a symbol is read in two consecutive frames (returned),
/// `stop` is set, or the source ends (`Ok(None)`). Each decode works on the newest frame, so a
/// slow decode skips frames rather than falling behind.
pub fn watch(
    source: &mut dyn FrameSource,
    decoder: &FrameDecoder,
    stop: &AtomicBool,
) -> Result<Option<Decoded>, Error> {
    let mut confirmer = Confirmer::default();
    while !stop.load(Ordering::Relaxed) {
        let frame = match source.next_frame() {
            Ok(frame) => frame,
            Err(Error::NoMoreFrames) => return Ok(None),
            Err(e) => return Err(e),
        };
        let decoded = decoder.decode(&frame);
        if confirmer.offer(decoded.as_ref().map(|d| d.text.as_str())).is_some() {
            return Ok(decoded);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symbol_counts_only_when_two_frames_in_a_row_agree() {
        let mut confirmer = Confirmer::default();
        assert_eq!(confirmer.offer(Some("A")), None);
        assert_eq!(confirmer.offer(Some("B")), None, "a different read starts over");
        assert_eq!(confirmer.offer(None), None, "a blank frame breaks the run");
        assert_eq!(confirmer.offer(Some("B")), None);
        assert_eq!(confirmer.offer(Some("B")), Some("B".into()));
        assert_eq!(confirmer.offer(Some("B")), None, "then a fresh pair is needed");
    }
}
