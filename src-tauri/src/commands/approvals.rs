//! The customer's approval from a link: publish the order to the Dixon cloud, show the link and
//! its QR code, and where the approval stands.

use dixon_approval::{ApprovalStatus, Link};
use serde::Serialize;
use specta::Type;
use tauri::State;

use super::{CommandError, CommandResult};
use crate::AppState;

impl From<dixon_approval::Error> for CommandError {
    fn from(e: dixon_approval::Error) -> CommandError {
        CommandError::new(e.kind(), e.to_string())
    }
}

/// A link as the screen shows it: to copy, to text, or as a QR code to scan at the counter.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LinkView {
    pub link: Link,
    pub qr_svg: Option<String>,
}

/// Publishes repair order `repair_order` for the customer's approval.
#[tauri::command]
#[specta::specta]
pub async fn approval_link(state: State<'_, AppState>, repair_order: i64) -> CommandResult<LinkView> {
    let link = state.services()?.approvals.publish(repair_order, None).await?;
    Ok(LinkView { qr_svg: dixon_camera::qr_svg(&link.url), link })
}

#[tauri::command]
#[specta::specta]
pub async fn approval_status(state: State<'_, AppState>, repair_order: i64) -> CommandResult<ApprovalStatus> {
    Ok(state.services()?.approvals.status(repair_order).await?)
}

/// Adds work found during the job as proposed, to be approved from the link.
#[tauri::command]
#[specta::specta]
pub async fn propose_lines(
    state: State<'_, AppState>,
    repair_order: i64,
    lines: Vec<dixon_shop::NewLine>,
) -> CommandResult<dixon_shop::RepairOrder> {
    Ok(state.services()?.store.propose_lines(repair_order, &lines).await?)
}
