use serde::Serialize;
use specta::Type;
use tauri::State;

use super::{CommandError, CommandResult};
use crate::AppState;

/// One backup, as the restore screen lists it.
#[derive(Debug, Serialize, Type)]
pub struct BackupView {
    pub path: String,
    pub taken_at: String,
    pub repair_orders: i64,
    pub last_payment_at: Option<String>,
    pub size_bytes: i64,
    /// Why it can't be used, when it can't.
    pub problem: Option<String>,
}

impl From<dixon_backup::Error> for CommandError {
    fn from(e: dixon_backup::Error) -> CommandError {
        let kind = match e {
            dixon_backup::Error::Damaged { .. } => "backup_damaged",
            dixon_backup::Error::NotFound(_) => "not_found",
            dixon_backup::Error::Write { .. } => "backup_write",
            dixon_backup::Error::Database(_) => "database",
        };
        CommandError::new(kind, e.to_string())
    }
}

/// The backups of this data folder, newest first — also when the database can't be opened.
#[tauri::command]
#[specta::specta]
pub async fn list_backups(state: State<'_, AppState>) -> CommandResult<Vec<BackupView>> {
    let listed = dixon_backup::list(&state.home.data_dir().join("backups")).await;
    Ok(listed
        .into_iter()
        .map(|b| match b {
            Ok(b) => BackupView {
                path: b.path.display().to_string(),
                taken_at: dixon_clock::to_stored(b.manifest.taken_at),
                repair_orders: b.repair_orders(),
                last_payment_at: b.manifest.last_payment_at.clone(),
                size_bytes: b.size as i64,
                problem: None,
            },
            Err(e) => BackupView {
                path: match &e {
                    dixon_backup::Error::Damaged { path, .. }
                    | dixon_backup::Error::Write { path, .. }
                    | dixon_backup::Error::NotFound(path) => path.display().to_string(),
                    dixon_backup::Error::Database(_) => String::new(),
                },
                taken_at: String::new(),
                repair_orders: 0,
                last_payment_at: None,
                size_bytes: 0,
                problem: Some(e.to_string()),
            },
        })
        .collect())
}

/// Puts a backup in place of a database that can't be opened (the damaged one is kept aside),
/// then starts the app again on it. Refused while the database is healthy: use `dixon backup
/// restore` with the app closed.
#[tauri::command]
#[specta::specta]
pub async fn restore_backup(state: State<'_, AppState>, path: String) -> CommandResult<String> {
    if state.services.is_ok() {
        return Err(CommandError::new(
            "database_ok",
            "The database opens fine: to go back to a backup, close Dixon Counter and run `dixon backup restore`.",
        ));
    }
    let aside =
        dixon_backup::restore(std::path::Path::new(&path), &state.home.database_path(), chrono::Utc::now()).await?;
    tracing::warn!(backup = %path, aside = %aside.display(), "restored a backup over a damaged database");
    let message = format!("Restored. The damaged database is kept in {}.", aside.display());
    if std::env::var_os("DIXON_NO_RESTART").is_none() {
        // the store is opened once, at start: start again on the restored one
        if let Ok(exe) = std::env::current_exe() {
            if std::process::Command::new(exe).args(std::env::args_os().skip(1)).spawn().is_ok() {
                std::process::exit(0);
            }
        }
    }
    Ok(message)
}
