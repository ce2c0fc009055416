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

/// A later pass's VIN this sure, read with no correction, needs no second pass to agree.
const SURE_ALONE: f32 = 0.85;

/// The VIN in `picture` (any image), read by `engine`; `region` crops to a guide box first.
/// Easy pictures take one pass over their text bands; harder ones are read again with dots
/// joined (stamped and dot-matrix VINs), whole, black-and-white and as taken — the first pass
/// that settles a VIN wins, else every candidate seen is offered.
pub fn read_vin(
    engine: &mut dyn TextEngine,
    picture: &image::DynamicImage,
    region: Option<(f32, f32, f32, f32)>,
    current_year: i32,
) -> Result<VinReading, Error> {
    let ready = preprocess::prepare(&picture.to_luma8(), region);
    // fast path: only the bands that look like lines of text, stacked into one small picture
    let bands = preprocess::text_bands(&ready);
    let stacked = (!bands.is_empty()).then(|| preprocess::stack(&bands));
    let lines = match &stacked {
        Some(stacked) => engine.read(stacked)?,
        None => Vec::new(),
    };
    let banded = find_vin(&lines, current_year);
    if banded.vin.is_some() {
        return Ok(banded);
    }
    // then the bands with dots joined (dot-matrix and stamped VINs), and the whole frame
    let passes: [&dyn Fn() -> Option<image::GrayImage>; 5] = [
        &|| stacked.as_ref().map(|s| preprocess::binarize(s, true)),
        &|| Some(ready.clone()),
        &|| Some(preprocess::binarize(&ready, false)),
        &|| Some(preprocess::binarize(&ready, true)),
        &|| Some(picture.to_luma8()),
    ];
    let mut seen: Vec<Candidate> = banded.candidates;
    let mut text = banded.text;
    for (n, pass) in passes.iter().enumerate() {
        let Some(pass) = pass() else { continue };
        let reading = find_vin(&engine.read(&pass)?, current_year);
        // the prepared picture's reading stands on its own; a later pass's must agree with one
        // seen before (a harder picture read differently twice is not taken without a question)
        if let Some(best) = reading.candidates.first().filter(|c| reading.vin.as_ref() == Some(&c.vin)) {
            let sure = best.corrected.is_empty() && best.confidence >= SURE_ALONE;
            if n == 1 || sure || seen.iter().any(|c| c.vin == best.vin) {
                return Ok(reading);
            }
        }
        text.extend(reading.text);
        for candidate in reading.candidates {
            match seen.iter_mut().find(|c| c.vin == candidate.vin) {
                Some(known) if known.log_likelihood >= candidate.log_likelihood => {}
                Some(known) => *known = candidate,
                None => seen.push(candidate),
            }
        }
    }
    seen.sort_by(|a, b| b.log_likelihood.total_cmp(&a.log_likelihood));
    seen.truncate(5);
    Ok(VinReading { vin: None, confidence: 0.0, candidates: seen, text })
}
