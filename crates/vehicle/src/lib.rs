//! Vehicles: what a VIN says about the car in the bay.
//!
//! With vPIC unreachable and nothing saved, the [`OfflineDecoder`] answers from NHTSA's vPIC
//! data on this PC, marked as such.
//!
//! What the VIN says without a network (check digit, model year, WMI) is `dixon-vin`'s job.
//!
//! [`Vpic`] decodes VINs with NHTSA's vPIC API (`DecodeVinValues`), through the resilience stack:
//! 10 s timeout, retries, circuit breaker, vPIC's 5 000 requests per hour, and a persistent 24 h
//! cache that still answers (marked stale) after a restart with the network down. Answers are
//! parsed into a [`VehicleInfo`] that keeps vPIC's own verdict on the VIN (its error codes,
//! text and suggested VIN) next to what it decoded.

mod offline;
pub mod recalls;
mod vpic;

pub use dixon_vin::{VinCheck, VinProblem};
pub use offline::{installed_tables, use_installed_tables, OfflineDecoder, OFFLINE_SOURCE};
pub use recalls::{Recall, RecallCheck, Recalls, DEFAULT_RECALLS_URL, RECALLS_SERVICE_ID};
pub use vpic::{Make, Model, VinCheckSummary, Vpic, VpicHealth, DEFAULT_BASE_URL, SERVICE_ID};

use serde::{Deserialize, Serialize};

/// What a VIN decodes to. Unknown fields are `None` (vPIC answers them with empty strings).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// answers saved before a field existed still read
#[serde(default)]
pub struct VehicleInfo {
    pub vin: String,
    pub model_year: Option<i32>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub trim: Option<String>,
    pub series: Option<String>,
    pub body_class: Option<String>,
    pub vehicle_type: Option<String>,
    /// e.g. "3.5 L V6 GTDI, 375 hp".
    pub engine: Option<String>,
    pub fuel: Option<String>,
    pub drive: Option<String>,
    pub manufacturer: Option<String>,
    /// e.g. "DEARBORN, MICHIGAN, UNITED STATES (USA)".
    pub plant: Option<String>,
    /// The same facts as fields, for scripts and the cloud (the strings above are for people).
    pub displacement_l: Option<f64>,
    pub cylinders: Option<u32>,
    /// "V-Shaped", "In-Line", …
    pub engine_configuration: Option<String>,
    pub engine_model: Option<String>,
    pub horsepower: Option<f64>,
    pub plant_city: Option<String>,
    pub plant_state: Option<String>,
    pub plant_country: Option<String>,
    /// "Class 1C: 4,001 - 5,000 lb (1,814 - 2,268 kg)".
    pub gvwr_class: Option<String>,
    /// Only what the VIN itself says (maker from the WMI table, model year, the maker's
    /// country): the offline data doesn't know this vehicle.
    pub partial: bool,
    /// vPIC's error codes: `[0]` is a clean decode; 1 is a wrong check digit, 6 an incomplete
    /// VIN, 11 an incorrect model year, 400 invalid characters…
    pub error_codes: Vec<u16>,
    pub error_text: Option<String>,
    /// vPIC's guess at the intended VIN, when it has one.
    pub suggested_vin: Option<String>,
}

impl VehicleInfo {
    /// vPIC found nothing wrong with the VIN.
    pub fn decoded_clean(&self) -> bool {
        self.error_codes == [0]
    }

    /// vPIC said something is wrong with the VIN (offline answers carry no verdict).
    pub fn has_vpic_problems(&self) -> bool {
        self.error_codes.iter().any(|c| *c != 0)
    }

    /// "2021 FORD F-150 SuperCrew-SSV".
    pub fn label(&self) -> String {
        let parts: Vec<String> =
            [self.model_year.map(|y| y.to_string()), self.make.clone(), self.model.clone(), self.trim.clone()]
                .into_iter()
                .flatten()
                .collect();
        if parts.is_empty() {
            format!("VIN {}", self.vin)
        } else {
            parts.join(" ")
        }
    }
}

/// Why a VIN could not be decoded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DecodeError {
    /// The VIN itself is wrong (checked before any network call), with likely corrections.
    #[error("{0}")]
    Vin(#[from] VinProblem),
    /// vPIC gave no answer, and none was saved.
    #[error("{0}")]
    Service(#[from] dixon_resilience::Error),
}

impl DecodeError {
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::Vin(_) => "invalid",
            DecodeError::Service(e) => e.kind(),
        }
    }
}
