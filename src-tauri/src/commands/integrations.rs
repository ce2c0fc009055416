use dixon_resilience::{Alert, AlertRules, LogNotifier, ServiceStatus};
use serde::Serialize;
use specta::Type;
use tauri::State;

use super::CommandResult;
use crate::AppState;

/// The Integrations screen: every service's state and metrics, and the alerts not yet seen.
#[derive(Debug, Serialize, Type)]
pub struct IntegrationsView {
    pub services: Vec<ServiceStatus>,
    pub alerts: Vec<Alert>,
}

async fn view(state: &AppState) -> CommandResult<IntegrationsView> {
    let integrations = &state.services()?.integrations;
    Ok(IntegrationsView { services: integrations.overview().await?, alerts: integrations.alerts().await? })
}

#[tauri::command]
#[specta::specta]
pub async fn integrations_overview(state: State<'_, AppState>) -> CommandResult<IntegrationsView> {
    view(&state).await
}

/// Runs every health check and the alert rules now, instead of waiting for the next round.
#[tauri::command]
#[specta::specta]
pub async fn check_integrations_now(state: State<'_, AppState>) -> CommandResult<IntegrationsView> {
    let integrations = &state.services()?.integrations;
    integrations.check_health().await;
    integrations.evaluate_alerts(&AlertRules::default(), &LogNotifier).await?;
    view(&state).await
}

#[tauri::command]
#[specta::specta]
pub async fn acknowledge_alert(state: State<'_, AppState>, id: i64) -> CommandResult<IntegrationsView> {
    state.services()?.integrations.acknowledge(id).await?;
    view(&state).await
}
