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

/// Open safety recalls of a year, make and model (the new repair order, as soon as the vehicle
/// is known). Nothing is kept: the order keeps its own check once opened.
#[tauri::command]
#[specta::specta]
pub async fn vehicle_recalls(
    state: State<'_, AppState>,
    year: i32,
    make: String,
    model: String,
) -> CommandResult<dixon_vehicle::RecallCheck> {
    Ok(state.services()?.recalls.for_vehicle(year, &make, &model).await?)
}

/// The repair order's recall check: the one kept when it is less than a day old (or `refresh`
/// is false and NHTSA can't be reached), else a new one, kept with the order.
#[tauri::command]
#[specta::specta]
pub async fn order_recalls(
    state: State<'_, AppState>,
    repair_order: i64,
    refresh: bool,
) -> CommandResult<Option<dixon_vehicle::RecallCheck>> {
    use dixon_services::recall_checks;
    let services = state.services()?;
    let error = |e: recall_checks::RecallError| CommandError::new(e.kind(), e.to_string());
    let kept = recall_checks::latest(services, repair_order).await.map_err(error)?;
    let fresh = kept.as_ref().is_some_and(|k| chrono::Utc::now() - k.checked_at < chrono::Duration::hours(24));
    if fresh && !refresh {
        return Ok(kept);
    }
    match recall_checks::check(services, repair_order).await {
        Ok(check) => Ok(Some(check)),
        // an order without year/make/model simply has no check yet
        Err(recall_checks::RecallError::UnknownVehicle(_)) => Ok(None),
        // offline: what was kept, if anything
        Err(e) if kept.is_some() && !refresh => {
            tracing::info!("recalls not checked again: {e}");
            Ok(kept)
        }
        Err(e) => Err(error(e)),
    }
}
