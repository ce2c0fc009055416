//! VINs read from pictures where there is no barcode — the plate under the windshield, a
//! registration card, a title, a door-jamb label's printed text — on this PC, offline.
//!
//! - [`engine`]: the text engine behind a small trait; [`engine::Tesseract`] links the system's
//!   libtesseract and asks it for every character's alternatives.
//! - [`preprocess`]: grey, contrast, deskew, scale, an optional region of interest.
//! - [`vin`]: the rules of a VIN pick the reading: look-alikes corrected only when the check
//!   digit, the year code, the digits of the serial and a known maker agree, and two close
//!   candidates are shown to the person, never chosen for them.
//!
//! [`read_vin`] puts them together for one picture.

pub mod engine;
pub mod preprocess;
pub mod vin;

pub use engine::{Glyph, Tesseract, TextEngine, TextLine};
pub use vin::{find_vin, Candidate, VinReading};

/// Why a picture could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Engine(String),
    #[error("{0} can't be read as a picture ({1}). Use a JPEG or PNG photo.")]
    Picture(String, String),
}

/// The VIN in `picture` (any image), read by `engine`; `region` crops to a guide box first.
pub fn read_vin(
    engine: &mut dyn TextEngine,
    picture: &image::DynamicImage,
    region: Option<(f32, f32, f32, f32)>,
    current_year: i32,
) -> Result<VinReading, Error> {
    let ready = preprocess::prepare(&picture.to_luma8(), region);
    let lines = engine.read(&ready)?;
    let mut reading = find_vin(&lines, current_year);
    if reading.candidates.is_empty() {
        // as taken (no deskew or stretch), in case preparing it lost the text
        let raw = engine.read(&picture.to_luma8())?;
        let second = find_vin(&raw, current_year);
        if !second.candidates.is_empty() {
            reading = second;
        }
    }
    Ok(reading)
}
