use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use base64::Engine;
use dixon_camera::{FolderCamera, FrameDecoder, FrameSource, LiveEvent, Webcam};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::ipc::Channel;
use tauri::State;

use crate::AppState;

/// Plays a folder of pictures as the camera (demonstrations, the end-to-end test).
pub const CAMERA_FILES_ENV: &str = "DIXON_CAMERA_FILES";

/// What the camera screen is looking for.
#[derive(Debug, Clone, Copy, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum CameraTarget {
    /// VIN labels (Code 39, Data Matrix, QR); a wide, low guide.
    Vin,
    /// Part labels (UPC-A, EAN-13, Code 128).
    Parts,
}

/// What a live scan tells the screen, on the channel it gave.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum CameraEvent {
    /// A preview frame (JPEG, base64), about 15 a second.
    Preview { jpeg: String },
    /// A symbol read in two frames in a row; the scan is over. `format` is "OCR" for a VIN
    /// read from printed text, with how sure (0–1) in `confidence`.
    Scan { text: String, format: String, confidence: Option<f32> },
    /// The camera failed; the scan is over.
    Failed { message: String },
}

/// The guide's size as fractions of the frame; the preview draws the same box.
pub fn guide(target: CameraTarget) -> (f32, f32) {
    match target {
        CameraTarget::Vin => (0.8, 0.4),
        CameraTarget::Parts => (0.6, 0.5),
    }
}

/// Starts a live scan (stopping any other); previews and the result come on `events`.
#[tauri::command]
#[specta::specta]
pub fn start_camera(state: State<'_, AppState>, target: CameraTarget, events: Channel<CameraEvent>) {
    stop(&state);
    let formats = match target {
        CameraTarget::Vin => dixon_camera::Formats::Vin,
        CameraTarget::Parts => dixon_camera::Formats::Parts,
    };
    let decoder = FrameDecoder { centred_guide: Some(guide(target)), ..FrameDecoder::new(formats) };
    // most VINs have no barcode (the windshield plate): where none is found, read the text
    let text = matches!(target, CameraTarget::Vin).then(|| vin_text_reader(guide(target)));
    let stop_flag = Arc::new(AtomicBool::new(false));
    *state.camera_stop.lock().unwrap_or_else(|p| p.into_inner()) = Some(stop_flag.clone());
    let folder = std::env::var_os(CAMERA_FILES_ENV);
    let open = move || -> Result<Box<dyn FrameSource>, dixon_camera::Error> {
        Ok(match folder {
            Some(folder) => Box::new(FolderCamera::open(std::path::Path::new(&folder))?),
            None => Box::new(Webcam::open(0)?),
        })
    };
    std::thread::spawn(move || {
        dixon_camera::live_scan(open, decoder, text, stop_flag, move |event| {
            let event = match event {
                LiveEvent::Preview(jpeg) => {
                    CameraEvent::Preview { jpeg: base64::engine::general_purpose::STANDARD.encode(jpeg) }
                }
                LiveEvent::Scan(decoded) => {
                    CameraEvent::Scan { text: decoded.text, format: decoded.format, confidence: decoded.confidence }
                }
                LiveEvent::Failed(e) => CameraEvent::Failed { message: e.to_string() },
            };
            if let Err(e) = events.send(event) {
                tracing::warn!("camera event not delivered: {e}");
            }
        });
    });
}

/// A VIN read by OCR inside the guide, only when the reading settles one VIN (candidates to
/// pick from are for a still photo, not a moving frame).
fn vin_text_reader((width, height): (f32, f32)) -> dixon_camera::TextReader {
    let region = ((1.0 - width) / 2.0, (1.0 - height) / 2.0, width, height);
    Box::new(move |frame: &image::GrayImage| {
        let picture = image::DynamicImage::ImageLuma8(frame.clone());
        match super::scans::read_vin(&picture, Some(region)) {
            Ok(reading) => reading.vin.map(|vin| dixon_camera::Decoded {
                text: vin,
                format: "OCR".into(),
                position: (frame.width() as f32 / 2.0, frame.height() as f32 / 2.0),
                turned: None,
                confidence: Some(reading.confidence),
            }),
            Err(e) => {
                tracing::warn!("camera OCR: {e}");
                None
            }
        }
    })
}

/// Stops the live scan, if one runs.
#[tauri::command]
#[specta::specta]
pub fn stop_camera(state: State<'_, AppState>) {
    stop(&state);
}

fn stop(state: &AppState) {
    if let Some(flag) = state.camera_stop.lock().unwrap_or_else(|p| p.into_inner()).take() {
        flag.store(true, Ordering::Relaxed);
    }
}
