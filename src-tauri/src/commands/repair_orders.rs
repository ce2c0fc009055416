use dixon_shop::{NewRepairOrder, RepairOrder, RepairOrderQuery, RepairOrderSummary, Status};
use tauri::State;

use super::CommandResult;
use crate::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_repair_orders(
    state: State<'_, AppState>,
    query: RepairOrderQuery,
) -> CommandResult<Vec<RepairOrderSummary>> {
    Ok(state.store()?.list_repair_orders(&query).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_repair_order(state: State<'_, AppState>, number: i64) -> CommandResult<RepairOrder> {
    Ok(state.store()?.repair_order(number).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn create_repair_order(state: State<'_, AppState>, form: NewRepairOrder) -> CommandResult<RepairOrder> {
    Ok(state.store()?.create_repair_order(&form).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn change_status(
    state: State<'_, AppState>,
    number: i64,
    status: Status,
    note: Option<String>,
) -> CommandResult<RepairOrder> {
    Ok(state.store()?.change_status(number, status, note.as_deref()).await?)
}

/// Sets the VIN of the order's vehicle (a VIN scanned while the order is open).
#[tauri::command]
#[specta::specta]
pub async fn set_vehicle_vin(state: State<'_, AppState>, number: i64, vin: String) -> CommandResult<RepairOrder> {
    Ok(state.store()?.set_vehicle_vin(number, &vin).await?)
}
