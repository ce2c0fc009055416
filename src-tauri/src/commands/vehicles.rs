use dixon_resilience::Source;
use dixon_vehicle::VehicleInfo;
use serde::Serialize;
use specta::Type;
use tauri::State;

use super::CommandResult;
use crate::AppState;

/// A decoded VIN and where the answer came from (live, cache, stale cache, fallback).
#[derive(Debug, Serialize, Type)]
pub struct DecodedVin {
    pub info: VehicleInfo,
    pub source: Source,
}

#[tauri::command]
#[specta::specta]
pub async fn decode_vin(state: State<'_, AppState>, vin: String, model_year: Option<i32>) -> CommandResult<DecodedVin> {
    let answer = state.services()?.vpic.decode(&vin, model_year).await?;
    Ok(DecodedVin { info: answer.value, source: answer.source })
}
