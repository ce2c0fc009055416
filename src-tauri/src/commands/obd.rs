//! The diagnostics screen: pick an adapter, connect with progress, read the car (kept with the
//! repair order), live data on a channel, clear codes with a typed confirmation.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dixon_obd::{
    AdapterAddress, AdapterIdentity, BleDevice, ConnectStep, SerialPortEntry, Session, Snapshot, WatchEvent,
    WatchStats, Watched,
};
use dixon_scan::Dongle;
use dixon_shop::Diagnostic;
use serde::Serialize;
use specta::Type;
use tauri::ipc::Channel;
use tauri::State;

use super::{CommandError, CommandResult};
use crate::AppState;

/// The connected adapter, while the diagnostics screen has one.
#[derive(Default)]
pub struct ObdState {
    session: tokio::sync::Mutex<Option<Session>>,
    /// Stops the live data, while it runs.
    watching: std::sync::Mutex<Option<Arc<AtomicBool>>>,
}

impl ObdState {
    fn stop_watching(&self) {
        if let Some(flag) = self.watching.lock().unwrap_or_else(|p| p.into_inner()).take() {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

impl From<dixon_obd::Error> for CommandError {
    fn from(e: dixon_obd::Error) -> CommandError {
        CommandError::new(e.kind(), e.to_string())
    }
}

fn not_connected() -> CommandError {
    CommandError::new("not_connected", "Connect to the OBD adapter first (pick it and press Connect).")
}

/// What the adapter picker offers.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AdapterChoices {
    pub serial: Vec<SerialPortEntry>,
    /// Why serial ports could not be listed, if they could not.
    pub serial_problem: Option<String>,
    /// Dongles remembered from their pairing codes.
    pub dongles: Vec<Dongle>,
    /// "192.168.0.10:35000", where Wi-Fi adapters listen out of the box.
    pub wifi_default: String,
}

/// A live-data value the car offers.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LivePid {
    pub pid: u8,
    pub name: String,
    pub unit: String,
}

/// The adapter and car, once connected.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ObdConnection {
    pub adapter: String,
    pub identity: AdapterIdentity,
    pub protocol: String,
    /// The live values this car supports that the app can show.
    pub live: Vec<LivePid>,
    /// Six values to a request (CAN adapters that handle it).
    pub multi_pid: bool,
}

/// A live value to watch and how often (1–10 reads a second on the dashboard).
#[derive(Debug, Clone, Copy, serde::Deserialize, Type)]
pub struct LiveRate {
    pub pid: u8,
    pub hz: f64,
}

/// A scan of the car, and the repair order reading it was kept as.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ObdScan {
    pub snapshot: Snapshot,
    pub kept: Option<Diagnostic>,
}

/// Serial ports, remembered dongles and the Wi-Fi default.
#[tauri::command]
#[specta::specta]
pub async fn obd_adapters(state: State<'_, AppState>) -> CommandResult<AdapterChoices> {
    let (serial, serial_problem) = match dixon_obd::serial_ports() {
        Ok(ports) => (ports, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let dongles = dixon_scan::dongles(state.store()?.pool())
        .await
        .map_err(|e| CommandError::from(dixon_shop::Error::Database(e)))?;
    let (host, port) = dixon_obd::DEFAULT_WIFI;
    Ok(AdapterChoices { serial, serial_problem, dongles, wifi_default: format!("{host}:{port}") })
}

/// Bluetooth LE devices seen in 4 seconds, likely OBD adapters first.
#[tauri::command]
#[specta::specta]
pub async fn obd_ble_devices() -> CommandResult<Vec<BleDevice>> {
    Ok(dixon_obd::ble_devices(Duration::from_secs(4)).await?)
}

/// Connects to the adapter (dropping any earlier connection); each step comes on `progress`.
#[tauri::command]
#[specta::specta]
pub async fn obd_connect(
    state: State<'_, AppState>,
    address: AdapterAddress,
    progress: Channel<ConnectStep>,
) -> CommandResult<ObdConnection> {
    state.obd.stop_watching();
    let mut slot = state.obd.session.lock().await;
    *slot = None; // the old adapter is let go before the new one is opened (it may be the same port)
    let session = Session::connect(address, |step| {
        if let Err(e) = progress.send(step) {
            tracing::warn!("connect progress not delivered: {e}");
        }
    })
    .await?;
    let (multi_pid, _) = session.speedups();
    let connection = ObdConnection {
        adapter: session.address().describe(),
        identity: session.identity().clone(),
        protocol: session.protocol().label().to_string(),
        live: session
            .supported_pids()
            .into_iter()
            .filter_map(dixon_obd::pid)
            .map(|p| LivePid { pid: p.pid, name: p.name.to_string(), unit: p.unit.to_string() })
            .collect(),
        multi_pid,
    };
    tracing::info!(adapter = %connection.adapter, protocol = %connection.protocol, "OBD adapter connected");
    *slot = Some(session);
    Ok(connection)
}

/// Reads everything (VIN, codes, freeze frame, readiness, controllers) and keeps it with the
/// repair order when one is given. A dropped adapter is reconnected once before giving up.
#[tauri::command]
#[specta::specta]
pub async fn obd_scan(state: State<'_, AppState>, repair_order: Option<i64>) -> CommandResult<ObdScan> {
    state.obd.stop_watching();
    let mut slot = state.obd.session.lock().await;
    let session = slot.as_mut().ok_or_else(not_connected)?;
    let snapshot = match session.snapshot().await {
        Err(e) if e.is_link_lost() => {
            session.reconnect().await?;
            session.snapshot().await?
        }
        other => other?,
    };
    let kept = match repair_order {
        Some(number) => Some(dixon_services::diagnostics::keep(state.store()?, number, &snapshot).await?),
        None => None,
    };
    Ok(ObdScan { snapshot, kept })
}

/// Clears the codes; `confirmation` must be the word CLEAR, typed by the user.
#[tauri::command]
#[specta::specta]
pub async fn obd_clear_codes(state: State<'_, AppState>, confirmation: String) -> CommandResult<()> {
    state.obd.stop_watching();
    let mut slot = state.obd.session.lock().await;
    let session = slot.as_mut().ok_or_else(not_connected)?;
    session.clear_codes(&confirmation).await?;
    tracing::info!("trouble codes cleared");
    Ok(())
}

/// Streams the `watched` live values, each at its own rate, on `events` until
/// [`obd_stop_watch`]; reconnects when the adapter drops. Returns the totals.
#[tauri::command]
#[specta::specta]
pub async fn obd_watch(
    state: State<'_, AppState>,
    watched: Vec<LiveRate>,
    events: Channel<WatchEvent>,
) -> CommandResult<WatchStats> {
    state.obd.stop_watching();
    let stop = Arc::new(AtomicBool::new(false));
    // registered before waiting for the adapter, so a stop that comes meanwhile is not lost
    *state.obd.watching.lock().unwrap_or_else(|p| p.into_inner()) = Some(stop.clone());
    let mut slot = state.obd.session.lock().await;
    let session = slot.as_mut().ok_or_else(not_connected)?;
    let watched: Vec<Watched> = watched.iter().map(|w| Watched::at(w.pid, w.hz)).collect();
    let stats = dixon_obd::watch(session, &watched, &stop, None, |event| {
        if let Err(e) = events.send(event) {
            tracing::warn!("live data not delivered: {e}");
        }
    })
    .await?;
    Ok(stats)
}

/// Stops the live data.
#[tauri::command]
#[specta::specta]
pub fn obd_stop_watch(state: State<'_, AppState>) {
    state.obd.stop_watching();
}

/// Lets the adapter go.
#[tauri::command]
#[specta::specta]
pub async fn obd_disconnect(state: State<'_, AppState>) -> CommandResult<()> {
    state.obd.stop_watching();
    *state.obd.session.lock().await = None;
    Ok(())
}
