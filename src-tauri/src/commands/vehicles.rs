use dixon_resilience::Source;
use dixon_vehicle::{DecodeError, VehicleInfo, VinCheck, VinProblem};
use serde::Serialize;
use specta::Type;
use tauri::State;

use super::{CommandError, CommandResult};
use crate::AppState;

/// A decoded VIN, where the answer came from (live, cache, stale cache, fallback), and what the
/// VIN's own check found worth a word (e.g. no check digit on a European VIN).
#[derive(Debug, Serialize, Type)]
pub struct DecodedVin {
    pub info: VehicleInfo,
    pub source: Source,
    pub warnings: Vec<String>,
}

/// Checks the VIN, then decodes it. A VIN that can't be right is refused before any request,
/// with the likely intended VIN in the message.
#[tauri::command]
#[specta::specta]
pub async fn decode_vin(state: State<'_, AppState>, vin: String) -> CommandResult<DecodedVin> {
    let (checked, answer) = state.services()?.vpic.decode_checked(&vin, this_year()).await.map_err(|e| match e {
        DecodeError::Vin(problem) => CommandError::invalid("vehicle.vin", problem.explained()),
        DecodeError::Service(e) => e.into(),
    })?;
    Ok(DecodedVin { info: answer.value, source: answer.source, warnings: checked.warnings })
}

/// Checks a VIN without the network, for live validation while it is typed or scanned. A bad
/// VIN comes back as a `VinProblem` with its likely corrections, for the UI to offer.
#[tauri::command]
#[specta::specta]
pub fn check_vin(vin: String) -> Result<VinCheck, VinProblem> {
    dixon_vin::check(&vin, this_year())
}

/// Makes of cars, trucks and motorcycles vPIC knows, for the pick list when no VIN is at hand.
#[tauri::command]
#[specta::specta]
pub async fn vehicle_makes(state: State<'_, AppState>) -> CommandResult<Vec<String>> {
    let vpic = &state.services()?.vpic;
    let mut names = Vec::new();
    for vehicle_type in ["car", "truck", "motorcycle"] {
        names.extend(vpic.makes_for_vehicle_type(vehicle_type).await?.value.into_iter().map(|m| m.name));
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// Models of a make in a model year, for the pick list.
#[tauri::command]
#[specta::specta]
pub async fn vehicle_models(state: State<'_, AppState>, make: String, year: i32) -> CommandResult<Vec<String>> {
    let models = state.services()?.vpic.models_for_make_year(&make, year).await?.value;
    let mut names: Vec<String> = models.into_iter().map(|m| m.name).collect();
    names.sort();
    names.dedup();
    Ok(names)
}

fn this_year() -> i32 {
    dixon_clock::local_year(chrono::Utc::now())
}
