//! The repair order's digital vehicle inspection: what each item looked like, and its repairs
//! onto the estimate.

use std::collections::BTreeMap;

use dixon_inspection::Inspection;
use dixon_shop::RepairOrder;
use tauri::State;

use super::{CommandError, CommandResult};
use crate::AppState;

impl From<dixon_inspection::Error> for CommandError {
    fn from(e: dixon_inspection::Error) -> CommandError {
        CommandError::new(e.kind(), e.to_string())
    }
}

#[tauri::command]
#[specta::specta]
pub async fn inspection(state: State<'_, AppState>, repair_order: i64) -> CommandResult<Inspection> {
    Ok(state.services()?.inspections.show(repair_order).await?)
}

/// Records an item: a colour (or, without one, what the readings say), a note, readings.
#[tauri::command]
#[specta::specta]
pub async fn inspect_item(
    state: State<'_, AppState>,
    repair_order: i64,
    item: String,
    status: Option<String>,
    note: Option<String>,
    readings: BTreeMap<String, f64>,
) -> CommandResult<Inspection> {
    Ok(state.services()?.inspections.set(repair_order, &item, status.as_deref(), note.as_deref(), &readings).await?)
}

/// The yellow and red items' repairs onto the estimate, each once.
#[tauri::command]
#[specta::specta]
pub async fn recommend_repairs(state: State<'_, AppState>, repair_order: i64) -> CommandResult<RepairOrder> {
    Ok(state.services()?.inspections.recommend(repair_order).await?.0)
}
