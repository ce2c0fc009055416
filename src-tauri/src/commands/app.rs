use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::AppState;

/// What the UI shows before anything else: is the database usable, and where is the data.
#[derive(Debug, Serialize, Type)]
pub struct AppStatus {
    pub version: String,
    pub data_dir: String,
    /// Why the database could not be opened, with what to do; `None` when all is well.
    pub startup_error: Option<super::CommandError>,
}

#[tauri::command]
#[specta::specta]
pub fn app_status(state: State<'_, AppState>) -> AppStatus {
    AppStatus {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: state.home.data_dir().display().to_string(),
        startup_error: state.services.as_ref().err().cloned(),
    }
}
