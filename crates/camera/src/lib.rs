//! Reading barcodes with the PC's webcam: VIN labels on the door jamb, part boxes, dongle pairing
//! codes.
//!
//! - [`FrameSource`] is where frames come from: [`Webcam`] (nokhwa) at the counter, [`ImageFiles`]
//!   in tests and `dixon scan decode`, so decoding is tested on real image files.
//! - [`FrameDecoder`] reads one frame with rxing, restricted to the [`Formats`] the screen
//!   expects, inside the alignment guide ([`Region`]), scaled down when the frame is large, and —
//!   beyond what rxing, zxing-cpp or zbar do — turns a 1D code held at an angle upright first
//!   (its bars' direction found from the image's gradients, see `orientation.rs`).
//! - [`Confirmer`] accepts a symbol only when two consecutive frames read the same text, so a
//!   half-seen label never becomes a scan; [`watch`] runs source → decoder → confirmer, always on
//!   the newest frame (frames that arrive while a decode runs are skipped); [`live_scan`] does the
//!   same on two threads while sending JPEG previews for the screen. [`FolderCamera`] plays a
//!   folder of pictures as a camera, for demonstrations and the end-to-end test.
//! - [`qr_svg`] goes the other way: a QR code for the screen (a PayPal approval link).

mod decode;
mod orientation;
mod qr;
mod source;

pub use decode::{load_frame, Decoded, Formats, FrameDecoder, Region, MAX_FILE_BYTES, MAX_SIDE};
pub use orientation::{dominant_direction, find_orientation, rotate, Orientation};
pub use qr::qr_svg;
pub use source::{
    live_scan, take_photo, watch, Confirmer, FolderCamera, FrameSource, ImageFiles, LiveEvent, TextReader, Webcam,
};

/// Why a frame or a camera could not be read. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path} can't be read ({detail}). Check the file name and that it is a PNG or JPEG.")]
    Unreadable { path: String, detail: String },
    #[error("{path} is empty. Take or export the picture again.")]
    Empty { path: String },
    #[error("{path} is not an image this app reads ({detail}). Save it as PNG or JPEG.")]
    Corrupt { path: String, detail: String },
    #[error("{path} is too large ({detail}); use a picture of at most {MAX_SIDE} × {MAX_SIDE} pixels and 40 MB.")]
    TooLarge { path: String, detail: String },
    #[error("The webcam can't be used ({0}). Plug one in, close other apps using it, and check `dixon doctor`.")]
    Camera(String),
    #[error("No more frames.")]
    NoMoreFrames,
}
