use dixon_resilience::Source;
use dixon_vehicle::{DecodeError, VehicleInfo};
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
    let this_year = chrono::Datelike::year(&chrono::Local::now());
    let (checked, answer) = state.services()?.vpic.decode_checked(&vin, this_year).await.map_err(|e| match e {
        DecodeError::Vin(problem) => {
            let hint = problem.suggestions.first().map(|s| format!(" Did you mean {s}?")).unwrap_or_default();
            CommandError::invalid("vehicle.vin", format!("{}{hint}", problem.message))
        }
        DecodeError::Service(e) => e.into(),
    })?;
    Ok(DecodedVin { info: answer.value, source: answer.source, warnings: checked.warnings })
}
