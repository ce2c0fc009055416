//! Diagnostic snapshots kept with a repair order: what the car's controllers reported through
//! the OBD-II adapter (trouble codes, the MIL, the VIN, the odometer), so the estimate, the
//! technician and a later re-check all see the same reading. The OBD engine itself lives in
//! `dixon-obd`; the store keeps its full reading as JSON beside the columns the counter shows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which list a trouble code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TroubleCodeKind {
    /// Confirmed; these light the check-engine lamp (mode 03).
    Stored,
    /// Seen once, not yet confirmed (mode 07).
    Pending,
    /// Only the car clears them, after the repair is proven (mode 0A).
    Permanent,
}

/// A trouble code as kept on the repair order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TroubleCode {
    /// "P0301".
    pub code: String,
    pub kind: TroubleCodeKind,
    /// The controller that reported it: "Engine (7E8)".
    pub ecu: String,
    pub description: String,
}

/// A reading to keep with a repair order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDiagnostic {
    /// "USB serial /dev/ttyUSB0 at 38400 baud · ELM327 v1.5".
    pub adapter: String,
    pub protocol: String,
    /// As the car's controller holds it; kept only when it is 17 letters and digits.
    pub vin: Option<String>,
    pub mil_on: Option<bool>,
    pub odometer_km: Option<i64>,
    pub codes: Vec<TroubleCode>,
    /// Everything the engine read (freeze frame, readiness, controllers), as it serialised it.
    pub detail: serde_json::Value,
}

/// A reading kept with a repair order (newest first on the order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Diagnostic {
    pub id: i64,
    pub taken_at: DateTime<Utc>,
    pub adapter: String,
    pub protocol: String,
    pub vin: Option<String>,
    pub mil_on: Option<bool>,
    pub odometer_km: Option<i64>,
    pub codes: Vec<TroubleCode>,
}

impl NewDiagnostic {
    /// The VIN when it looks like one; a controller answering garbage leaves it out (the raw
    /// reading is still in `detail`).
    pub(crate) fn plausible_vin(&self) -> Option<String> {
        self.vin
            .as_deref()
            .map(str::trim)
            .filter(|v| v.len() == 17 && v.chars().all(|c| c.is_ascii_alphanumeric()))
            .map(str::to_ascii_uppercase)
    }
}
