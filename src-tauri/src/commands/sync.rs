use dixon_sync::SyncStatus;
use tauri::ipc::Channel;
use tauri::State;

use super::{CommandError, CommandResult};
use crate::AppState;

impl From<dixon_sync::Error> for CommandError {
    fn from(e: dixon_sync::Error) -> CommandError {
        CommandError::new(e.kind(), e.to_string())
    }
}

/// Where this counter stands with the Dixon cloud (the status bar, Settings → Dixon cloud).
#[tauri::command]
#[specta::specta]
pub async fn sync_status(state: State<'_, AppState>) -> CommandResult<SyncStatus> {
    Ok(state.services()?.sync.status().await?)
}

/// Joins the shop with the one-time code its owner got from the cloud.
#[tauri::command]
#[specta::specta]
pub async fn sync_enroll(
    state: State<'_, AppState>,
    cloud_url: String,
    code: String,
    name: String,
) -> CommandResult<SyncStatus> {
    if name.trim().is_empty() {
        return Err(CommandError::invalid(
            "name",
            "Name this counter (\"Front counter\") so the others can tell it apart.".into(),
        ));
    }
    if code.trim().is_empty() {
        return Err(CommandError::invalid(
            "code",
            "Type the enrollment code the shop's owner got from the cloud.".into(),
        ));
    }
    let status = state.services()?.sync.enroll(&cloud_url, code.trim(), name.trim()).await?;
    state.sync_changed();
    Ok(status)
}

#[tauri::command]
#[specta::specta]
pub async fn sync_now(state: State<'_, AppState>) -> CommandResult<SyncStatus> {
    let sync = &state.services()?.sync;
    let result = sync.sync_now().await;
    state.sync_changed();
    result?;
    Ok(sync.status().await?)
}

/// Takes this counter out of its shop; its records stay.
#[tauri::command]
#[specta::specta]
pub async fn sync_leave(state: State<'_, AppState>) -> CommandResult<SyncStatus> {
    let status = state.services()?.sync.leave().await?;
    state.sync_changed();
    Ok(status)
}

/// Sends the sync status on `events` now and whenever something arrived from the cloud or the
/// status moved, for as long as the window listens.
#[tauri::command]
#[specta::specta]
pub async fn watch_sync(state: State<'_, AppState>, events: Channel<SyncStatus>) -> CommandResult<()> {
    let sync = state.services()?.sync.clone();
    let mut changes = state.sync_changes.subscribe();
    loop {
        if events.send(sync.status().await?).is_err() {
            return Ok(());
        }
        if changes.changed().await.is_err() {
            return Ok(());
        }
    }
}
