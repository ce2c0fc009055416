//! Where Dixon Counter lives on this PC: the data folder (database, logs, shop assets) and the
//! logging set-up shared by the desktop app and the `dixon` CLI.
//!
//! The desktop app and the CLI must find the same database, so both resolve the folder here:
//! `--data-dir` when given, else `$DIXON_DATA_DIR`, else the OS app-data folder named by the app's
//! identifier (`~/.local/share/com.dixonsmartrepair.counter` on Linux, `~/Library/Application
//! Support/…` on macOS, `%APPDATA%\…` on Windows) — the same folder Tauri's `app_data_dir` gives.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Tauri's bundle identifier; also the name of the data folder.
pub const APP_IDENTIFIER: &str = "com.dixonsmartrepair.counter";
/// Environment variable that overrides the data folder (like `--data-dir`).
pub const DATA_DIR_ENV: &str = "DIXON_DATA_DIR";
/// How many daily log files are kept.
pub const LOG_FILES_KEPT: usize = 14;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("This PC has no app-data folder (is $HOME set?). Start Dixon Counter with --data-dir FOLDER.")]
    NoDataDir,
    #[error("Can't create the data folder {path}: {source}. Choose a writable folder with --data-dir.")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("Can't set up logging in {path}: {detail}")]
    Logging { path: PathBuf, detail: String },
}

/// The folders Dixon Counter uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    data_dir: PathBuf,
}

impl Home {
    /// Resolves the data folder from an explicit override, `$DIXON_DATA_DIR`, or the OS default.
    /// Does not touch the disk.
    pub fn resolve(data_dir_override: Option<&Path>) -> Result<Home, Error> {
        let data_dir = match data_dir_override {
            Some(dir) => dir.to_path_buf(),
            None => match std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
                Some(dir) => PathBuf::from(dir),
                None => dirs::data_dir().ok_or(Error::NoDataDir)?.join(APP_IDENTIFIER),
            },
        };
        Ok(Home { data_dir })
    }

    /// Creates the data and log folders if they are missing.
    pub fn ensure(&self) -> Result<(), Error> {
        for dir in [self.data_dir.clone(), self.log_dir()] {
            std::fs::create_dir_all(&dir).map_err(|source| Error::CreateDir { path: dir, source })?;
        }
        Ok(())
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The name this data folder's secrets go under in the OS keychain. Secrets belong to a data
    /// folder, not to the PC: a demo shop beside the real one, or several test counters on one
    /// machine, never read each other's keys. The OS default folder keeps the app's identifier
    /// (where secrets were kept before folders had their own); any other folder adds its path.
    pub fn keychain_service(&self) -> String {
        let default = dirs::data_dir().map(|d| d.join(APP_IDENTIFIER));
        if default.as_deref() == Some(self.data_dir.as_path()) {
            return APP_IDENTIFIER.to_string();
        }
        let path = std::fs::canonicalize(&self.data_dir).unwrap_or_else(|_| self.data_dir.clone());
        format!("{APP_IDENTIFIER} ({})", path.display())
    }

    /// The shop's SQLite database.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("dixon.sqlite3")
    }

    /// Where printed estimates and invoices are saved (`documents/` in the data folder, so a
    /// backup of the folder keeps them).
    pub fn documents_dir(&self) -> PathBuf {
        self.data_dir.join("documents")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }
}

/// Which program is logging; names its log files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    App,
    Cli,
}

/// Logs to a daily-rotating file in the log folder (keeping [`LOG_FILES_KEPT`] files) and to
/// stderr. `RUST_LOG` overrides the level (default: `info` to the file, `warn` on stderr for the
/// CLI so its output stays clean). Keep the returned guard alive: dropping it flushes the file.
///
/// What is logged is chosen where it is logged: customer phones and emails and every secret are
/// never passed to `tracing` (see `Customer`'s `Debug`, which redacts them).
pub fn init_logging(home: &Home, program: Program) -> Result<WorkerGuard, Error> {
    let log_dir = home.log_dir();
    let prefix = match program {
        Program::App => "dixon-counter",
        Program::Cli => "dixon-cli",
    };
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(prefix)
        .filename_suffix("log")
        .max_log_files(LOG_FILES_KEPT)
        .build(&log_dir)
        .map_err(|e| Error::Logging { path: log_dir.clone(), detail: e.to_string() })?;
    let (file_writer, guard) = tracing_appender::non_blocking(appender);
    let file_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let stderr_default = match program {
        Program::App => "info,sqlx=warn",
        Program::Cli => "warn",
    };
    let stderr_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(stderr_default));
    let result = tracing_subscriber::registry()
        .with(fmt::layer().with_writer(file_writer).with_ansi(false).with_filter(file_filter))
        .with(fmt::layer().with_writer(std::io::stderr).with_filter(stderr_filter))
        .try_init();
    if let Err(e) = result {
        // Already initialised (tests start several apps in one process): keep the first subscriber.
        tracing::debug!("logging already initialised: {e}");
    }
    Ok(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_data_dir_wins() {
        let home = Home::resolve(Some(Path::new("/tmp/shop"))).unwrap();
        assert_eq!(home.database_path(), Path::new("/tmp/shop/dixon.sqlite3"));
        assert_eq!(home.log_dir(), Path::new("/tmp/shop/logs"));
    }

    #[test]
    fn ensure_creates_the_folders() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::resolve(Some(&dir.path().join("a/b"))).unwrap();
        home.ensure().unwrap();
        assert!(home.log_dir().is_dir());
    }
}
