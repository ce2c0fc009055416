//! Where frames come from, and the loop that turns frames into confirmed scans.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

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

/// One colour picture from camera `index`, as JPEG: a photo of the car (the live scanner works
/// in grey; a photo for the customer must not).
pub fn take_photo(index: u32) -> Result<Vec<u8>, Error> {
    use nokhwa::pixel_format::RgbFormat;
    use nokhwa::utils::{CameraIndex, RequestedFormat, RequestedFormatType};
    let requested = RequestedFormat::new::<RgbFormat>(RequestedFormatType::AbsoluteHighestResolution);
    let mut camera =
        nokhwa::Camera::new(CameraIndex::Index(index), requested).map_err(|e| Error::Camera(e.to_string()))?;
    camera.open_stream().map_err(|e| Error::Camera(e.to_string()))?;
    // the first frames come before the exposure settles
    for _ in 0..5 {
        let _ = camera.frame();
    }
    let buffer = camera.frame().map_err(|e| Error::Camera(e.to_string()));
    let _ = camera.stop_stream();
    let frame = buffer?.decode_image::<RgbFormat>().map_err(|e| Error::Camera(e.to_string()))?;
    let (width, height) = frame.dimensions();
    let picture = image::RgbImage::from_raw(width, height, frame.into_raw())
        .ok_or_else(|| Error::Camera("a frame of the wrong size".into()))?;
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92)
        .encode_image(&picture)
        .map_err(|e| Error::Camera(e.to_string()))?;
    Ok(jpeg)
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
    /// A symbol was read and waits for a second frame to agree.
    pub fn waiting(&self) -> bool {
        self.last.is_some()
    }

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

/// A virtual camera: the image files of a folder, over and over (for demonstrations and the
/// end-to-end test, where no webcam is plugged in). `DIXON_CAMERA_FILES=FOLDER` selects it.
pub struct FolderCamera {
    paths: Vec<PathBuf>,
    next: usize,
    /// Delay between frames, like a camera's frame rate.
    pub frame_interval: std::time::Duration,
}

impl FolderCamera {
    pub fn open(folder: &std::path::Path) -> Result<FolderCamera, Error> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
            .map_err(|e| Error::Camera(format!("{}: {e}", folder.display())))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| matches!(x.to_str(), Some("png" | "jpg" | "jpeg"))))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(Error::Camera(format!("{} holds no PNG or JPEG frames", folder.display())));
        }
        Ok(FolderCamera { paths, next: 0, frame_interval: std::time::Duration::from_millis(66) })
    }
}

impl FolderCamera {
    /// The folder's next picture as its file holds it (colour and all): "Take photo".
    pub fn take_photo(&mut self) -> Result<Vec<u8>, Error> {
        let path = &self.paths[self.next % self.paths.len()];
        self.next += 1;
        std::fs::read(path).map_err(|e| Error::Camera(format!("{}: {e}", path.display())))
    }
}

impl FrameSource for FolderCamera {
    fn next_frame(&mut self) -> Result<GrayImage, Error> {
        std::thread::sleep(self.frame_interval);
        let path = &self.paths[self.next % self.paths.len()];
        self.next += 1;
        load_frame(path)
    }
}

/// What a live scan reports.
pub enum LiveEvent {
    /// A preview frame for the screen: JPEG, at most 640 pixels wide.
    Preview(Vec<u8>),
    /// A symbol read in two consecutive decoded frames; the live scan ends.
    Scan(Decoded),
    /// The camera failed; the live scan ends.
    Failed(Error),
}

/// Reads what has no barcode — a VIN plate's printed text — from a frame the decoder found no
/// symbol in. The camera crate knows no OCR: the app gives it one (dixon-ocr), which returns
/// only a reading it is sure of, `format` "OCR" and its `confidence` set.
pub type TextReader = Box<dyn FnMut(&GrayImage) -> Option<Decoded> + Send>;

/// Runs a live scan until `stop` is set or a symbol is confirmed: the source `open` makes (on
/// the capture thread: a webcam handle may not move between threads) sends its frames to the
/// preview as they come, and the decoder, on its own thread, always takes the newest frame, so
/// frames that arrive while it is busy are skipped, never queued. With `text`, a frame read
/// thoroughly without finding a symbol is read for printed text too, and that reading is
/// confirmed the same way: two frames in a row.
pub fn live_scan<O>(
    open: O,
    decoder: FrameDecoder,
    mut text: Option<TextReader>,
    stop: Arc<AtomicBool>,
    mut report: impl FnMut(LiveEvent),
) where
    O: FnOnce() -> Result<Box<dyn FrameSource>, Error> + Send + 'static,
{
    let newest: Arc<(Mutex<Option<GrayImage>>, Condvar)> = Arc::new((Mutex::new(None), Condvar::new()));
    let (events, received) = std::sync::mpsc::channel::<LiveEvent>();
    let decoding = {
        let (newest, stop, events) = (newest.clone(), stop.clone(), events.clone());
        std::thread::spawn(move || {
            let mut confirmer = Confirmer::default();
            let mut decoded_frames = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let frame = {
                    let (slot, ready) = &*newest;
                    let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
                    while guard.is_none() && !stop.load(Ordering::Relaxed) {
                        guard = ready
                            .wait_timeout(guard, std::time::Duration::from_millis(100))
                            .map(|(g, _)| g)
                            .unwrap_or_else(|p| p.into_inner().0);
                    }
                    guard.take()
                };
                let Some(frame) = frame else { continue };
                // The slow pass on every 4th frame only (empty frames are the common case), and
                // whenever the last frame read something, so its confirmation gets every chance.
                decoded_frames += 1;
                let thorough = decoded_frames % 4 == 0 || confirmer.waiting();
                let mut decoded = if thorough { decoder.decode(&frame) } else { decoder.decode_quick(&frame) };
                if decoded.is_none() && thorough {
                    decoded = text.as_mut().and_then(|read| read(&frame));
                }
                if confirmer.offer(decoded.as_ref().map(|d| d.text.as_str())).is_some() {
                    stop.store(true, Ordering::Relaxed);
                    let _ = events.send(LiveEvent::Scan(decoded.expect("confirmed reads are present")));
                }
            }
        })
    };
    let capturing = std::thread::spawn(move || {
        let mut source = match open() {
            Ok(source) => source,
            Err(e) => {
                stop.store(true, Ordering::Relaxed);
                let _ = events.send(LiveEvent::Failed(e));
                return;
            }
        };
        while !stop.load(Ordering::Relaxed) {
            match source.next_frame() {
                Ok(frame) => {
                    let _ = events.send(LiveEvent::Preview(preview_jpeg(&frame)));
                    let (slot, ready) = &*newest;
                    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(frame); // replaces an unread one
                    ready.notify_one();
                }
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    let _ = events.send(LiveEvent::Failed(e));
                }
            }
        }
    });
    for event in received {
        report(event);
    }
    let _ = capturing.join();
    let _ = decoding.join();
}

fn preview_jpeg(frame: &GrayImage) -> Vec<u8> {
    let small = if frame.width() > 640 {
        let height = (frame.height() as u64 * 640 / frame.width() as u64).max(1) as u32;
        image::imageops::resize(frame, 640, height, image::imageops::FilterType::Triangle)
    } else {
        frame.clone()
    };
    let mut bytes = Vec::new();
    let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 70).encode_image(&small);
    bytes
}
