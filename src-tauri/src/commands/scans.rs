use dixon_scan::{DonglePairing, Remembered, ScanMeaning, ScanSource};
use tauri::State;

use super::CommandResult;
use crate::AppState;

/// Says what a scan is, after writing it to the scan log with its source (and the repair order
/// open on screen, if any). A scan that can't be logged is still classified: it is never lost
/// on screen.
#[tauri::command]
#[specta::specta]
pub async fn classify_scan(
    state: State<'_, AppState>,
    text: String,
    source: ScanSource,
    repair_order: Option<i64>,
) -> CommandResult<ScanMeaning> {
    let meaning = dixon_scan::classify(&text, dixon_clock::local_year(chrono::Utc::now()));
    let pool = state.store()?.pool();
    if let Err(e) = dixon_scan::record(pool, source, &text, &meaning, repair_order, chrono::Utc::now()).await {
        tracing::error!("scan not logged: {e}");
    }
    Ok(meaning)
}

/// Remembers a scanned dongle for the OBD screen (its key, if any, in the OS keychain).
#[tauri::command]
#[specta::specta]
pub async fn remember_dongle(state: State<'_, AppState>, pairing: DonglePairing) -> CommandResult<Remembered> {
    let pool = state.store()?.pool();
    dixon_scan::remember(pool, &pairing, chrono::Utc::now())
        .await
        .map_err(|e| super::CommandError::from(dixon_shop::Error::Database(e)))
}
