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
    /// This is the demo shop (made-up data, kept apart); every screen says so.
    pub demo: bool,
}

#[tauri::command]
#[specta::specta]
pub fn app_status(state: State<'_, AppState>) -> AppStatus {
    AppStatus {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: state.home.data_dir().display().to_string(),
        startup_error: state.services.as_ref().err().cloned(),
        demo: dixon_services::demo::is_demo(&state.home),
    }
}

/// "Try it with a demo shop": makes (once) the demo folder beside this one and opens the app
/// on it, in place of this window. The demo fills itself when it starts.
#[tauri::command]
#[specta::specta]
pub fn open_demo_shop(state: State<'_, AppState>) -> super::CommandResult<()> {
    let demo =
        dixon_services::demo::prepare(&state.home).map_err(|e| super::CommandError::new("demo", e.to_string()))?;
    reopen_on(&state, demo.data_dir())
}

/// "Back to my shop": opens the app on the shop's own folder, in place of the demo.
#[tauri::command]
#[specta::specta]
pub fn leave_demo_shop(state: State<'_, AppState>) -> super::CommandResult<()> {
    let shop = dixon_services::demo::shop_of(&state.home)
        .ok_or_else(|| super::CommandError::new("demo", "This is not the demo shop."))?;
    reopen_on(&state, &shop)
}

/// Starts the app again on `folder` and closes this one (services hold one data folder for
/// the whole process: its database, keychain entries and sync).
fn reopen_on(state: &AppState, folder: &std::path::Path) -> super::CommandResult<()> {
    // inside an AppImage the program is in a mount that ends with it: start the AppImage itself
    let program = std::env::var_os("APPIMAGE").map(std::path::PathBuf::from).or_else(|| std::env::current_exe().ok());
    let program = program
        .ok_or_else(|| super::CommandError::new("demo", "Dixon Counter could not find itself to start again."))?;
    std::process::Command::new(program).arg("--data-dir").arg(folder).spawn().map_err(|e| {
        super::CommandError::new(
            "demo",
            format!("Dixon Counter could not start again ({e}). Start it with --data-dir \"{}\".", folder.display()),
        )
    })?;
    state.quit();
    Ok(())
}
