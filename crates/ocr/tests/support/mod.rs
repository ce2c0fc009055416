//! The generated VIN pictures (tests/peers/make_vin_images.py, in the peers' venv) and how a
//! reading of one is scored, for the OCR test and benchmark.

#![allow(dead_code)] // each of the two users takes what it needs

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Picture {
    pub path: PathBuf,
    pub vin: String,
    pub degradation: String,
    pub font: String,
}

/// How one picture went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The right VIN, no question asked.
    Exact,
    /// The right VIN among the candidates the person is asked to pick from.
    Asked,
    /// No VIN (nothing found, or candidates without the right one): the person types it.
    Missed,
    /// A wrong VIN accepted without a question: must never happen.
    Wrong,
}

pub fn outcome(expected: &str, reading: &dixon_ocr::VinReading) -> Outcome {
    match &reading.vin {
        Some(vin) if vin == expected => Outcome::Exact,
        Some(_) => Outcome::Wrong,
        None if reading.candidates.iter().any(|c| c.vin == expected) => Outcome::Asked,
        None => Outcome::Missed,
    }
}

/// Writes `per` pictures per degradation into `dir` (deterministic for `seed`).
pub fn generate(dir: &Path, per: usize, seed: u64) -> Vec<Picture> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join("tests/peers/.venv/bin/python");
    let status = Command::new(&python)
        .arg(root.join("tests/peers/make_vin_images.py"))
        .arg(dir)
        .arg(per.to_string())
        .arg(seed.to_string())
        .status()
        .unwrap_or_else(|e| {
            panic!("{}: {e} — run scripts/setup.sh --test (pillow in tests/peers/.venv)", python.display())
        });
    assert!(status.success(), "the VIN pictures could not be made");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    manifest
        .as_array()
        .unwrap()
        .iter()
        .map(|m| Picture {
            path: dir.join(m["file"].as_str().unwrap()),
            vin: m["vin"].as_str().unwrap().to_string(),
            degradation: m["degradation"].as_str().unwrap().to_string(),
            font: m["font"].as_str().unwrap().to_string(),
        })
        .collect()
}

/// What the plain `tesseract` command line reads in `path` (its defaults), spaces removed.
pub fn plain_tesseract(path: &Path) -> String {
    let out = Command::new("tesseract").arg(path).arg("-").output().expect("tesseract (apt tesseract-ocr) runs");
    String::from_utf8_lossy(&out.stdout).chars().filter(|c| !c.is_whitespace()).collect()
}
