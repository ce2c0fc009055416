use dixon_shop::ShopSettings;
use tauri::State;

use super::CommandResult;
use crate::AppState;

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> CommandResult<ShopSettings> {
    Ok(state.store()?.settings().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_settings(state: State<'_, AppState>, settings: ShopSettings) -> CommandResult<ShopSettings> {
    Ok(state.store()?.save_settings(&settings).await?)
}
