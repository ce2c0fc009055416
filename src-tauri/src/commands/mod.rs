//! The commands the web UI may call, one file per screen area. Each one parses, calls a service
//! and maps its error to [`CommandError`]; TypeScript bindings are generated from these signatures
//! (`ui/src/bindings.ts`) so the UI and the shell cannot drift.

mod app;
mod approvals;
mod backups;
pub(crate) mod camera;
mod estimates;
mod inspections;
mod integrations;
mod messages;
pub(crate) mod obd;
mod payments;
mod photos;
mod repair_orders;
mod scans;
mod settings;
mod sync;
mod vehicles;

use serde::Serialize;
use specta::Type;
use tauri::Runtime;

use crate::AppState;

/// All commands, for the invoke handler and the TypeScript bindings.
pub fn specta_builder<R: Runtime>() -> tauri_specta::Builder<R> {
    // Our i64s are cents, ids and RO numbers: all far below 2^53, so a TypeScript `number` holds
    // them exactly and the UI needs no BigInt arithmetic.
    tauri_specta::Builder::<R>::new().dangerously_cast_bigints_to_number().commands(tauri_specta::collect_commands![
        app::app_status,
        app::open_demo_shop,
        app::leave_demo_shop,
        repair_orders::list_repair_orders,
        repair_orders::get_repair_order,
        repair_orders::create_repair_order,
        repair_orders::change_status,
        repair_orders::set_vehicle_vin,
        settings::get_settings,
        settings::save_settings,
        vehicles::decode_vin,
        vehicles::check_vin,
        vehicles::vehicle_recalls,
        scans::ocr_vin,
        vehicles::order_recalls,
        vehicles::vehicle_makes,
        vehicles::vehicle_models,
        integrations::integrations_overview,
        integrations::check_integrations_now,
        integrations::acknowledge_alert,
        estimates::add_estimate_lines,
        estimates::remove_estimate_line,
        estimates::authorize_estimate,
        estimates::canned_jobs,
        estimates::save_canned_job,
        estimates::add_canned_job,
        estimates::search_parts,
        estimates::print_document,
        scans::classify_scan,
        scans::remember_dongle,
        camera::start_camera,
        camera::stop_camera,
        obd::obd_adapters,
        obd::obd_ble_devices,
        obd::obd_connect,
        obd::obd_scan,
        obd::obd_clear_codes,
        obd::obd_watch,
        obd::obd_stop_watch,
        obd::obd_disconnect,
        payments::payment_panel,
        payments::pay_cash,
        payments::pay_check,
        payments::pay_card,
        payments::retry_card,
        payments::pay_paypal_start,
        payments::pay_paypal_follow,
        payments::capture_hold,
        payments::release_hold,
        sync::sync_status,
        sync::sync_enroll,
        sync::sync_now,
        sync::sync_leave,
        sync::watch_sync,
        backups::list_backups,
        backups::restore_backup,
        inspections::inspection,
        inspections::inspect_item,
        inspections::recommend_repairs,
        photos::photos,
        photos::add_photo,
        photos::take_photo,
        photos::photo_picture,
        photos::mark_photo,
        approvals::approval_link,
        approvals::approval_status,
        approvals::propose_lines,
        messages::message_panel,
        messages::message_inbox,
        messages::preview_message,
        messages::send_message,
        messages::record_text_consent,
        messages::messaging_panel,
        messages::save_messaging_settings,
        messages::save_message_template,
        messages::connect_messaging,
    ])
}

/// Writes the TypeScript bindings for the UI to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    let typescript = specta_typescript::Typescript::default().header(
        "// Generated from the Rust commands: DIXON_UPDATE_BINDINGS=1 cargo test -p dixon-counter --test bindings",
    );
    specta_builder::<tauri::Wry>().export(typescript, path).map_err(|e| e.to_string())
}

/// An error as the UI receives it: a stable kind, a sentence that says what to do, and the
/// fields to mark on a form.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CommandError {
    /// `invalid`, `not_found`, `illegal_transition`, `database_corrupt`, …
    pub kind: String,
    pub message: String,
    pub fields: Vec<dixon_shop::FieldError>,
}

impl CommandError {
    fn new(kind: &str, message: impl Into<String>) -> CommandError {
        CommandError { kind: kind.into(), message: message.into(), fields: Vec::new() }
    }

    /// A refusal of one form field.
    fn invalid(field: &str, message: String) -> CommandError {
        CommandError {
            fields: vec![dixon_shop::FieldError::new(field, message.clone())],
            ..CommandError::new("invalid", message)
        }
    }
}

impl From<dixon_resilience::Error> for CommandError {
    fn from(e: dixon_resilience::Error) -> CommandError {
        CommandError::new(e.kind(), e.to_string())
    }
}

impl From<dixon_shop::Error> for CommandError {
    fn from(e: dixon_shop::Error) -> CommandError {
        if matches!(e, dixon_shop::Error::Database(_)) {
            tracing::error!("store error: {e}");
        }
        CommandError { kind: e.kind().to_string(), message: e.to_string(), fields: e.field_errors().to_vec() }
    }
}

type CommandResult<T> = Result<T, CommandError>;

impl AppState {
    fn services(&self) -> CommandResult<&dixon_services::Services> {
        self.services.as_ref().map_err(Clone::clone)
    }

    fn store(&self) -> CommandResult<&dixon_shop::Store> {
        Ok(&self.services()?.store)
    }
}
