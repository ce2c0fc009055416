//! The local SQLite store: opening it safely, migrating it, and every read and write of the shop.
//!
//! Writes run in `BEGIN IMMEDIATE` transactions: SQLite then serialises writers up front (waiting
//! up to the busy timeout) instead of failing one of them half-way, so two stations (or the app and
//! the CLI) writing at once never lose an update.

mod diagnostics;
mod estimates;
pub mod outbox;
pub mod records;
mod repair_orders;
mod settings;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub use repair_orders::{ListScope, RepairOrderQuery};

use crate::error::{Error, Result};
use dixon_clock::{Clock, SystemClock};

/// The schema migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// How long a writer waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The shop's data on this PC. Cheap to clone; all clones share one connection pool.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
    clock: Arc<dyn Clock>,
}

/// What `open` found and did, for `dixon doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaStatus {
    /// Highest migration applied to the database.
    pub version: i64,
    /// Highest migration this build knows.
    pub latest_known: i64,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, applies pending migrations, and refuses
    /// files that are not SQLite, are damaged, or come from a newer Dixon Counter.
    pub async fn open(path: &Path) -> Result<Store> {
        Store::open_with_clock(path, Arc::new(SystemClock)).await
    }

    pub async fn open_with_clock(path: &Path, clock: Arc<dyn Clock>) -> Result<Store> {
        let path = path.to_path_buf();
        let unavailable = |detail: String| Error::DatabaseUnavailable { path: path.clone(), detail };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| unavailable(e.to_string()))?;
        }
        check_sqlite_header(&path)?;

        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| unavailable(e.to_string()))?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| classify_open_error(&path, e))?;

        let store = Store { pool, path, clock };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        let status = self.schema_status().await?;
        if status.version > status.latest_known {
            return Err(Error::DatabaseTooNew { path: self.path.clone(), version: status.version });
        }
        // a store that holds work gets a verified backup before its schema changes
        if status.version > 0 && status.version < status.latest_known {
            let data = self.path.parent().unwrap_or(Path::new("."));
            let now = self.clock.now();
            dixon_backup::backup(
                &self.path,
                Some(&data.join("documents")),
                &data.join("backups"),
                dixon_backup::Reason::BeforeMigration,
                now,
            )
            .await
            .map_err(|e| Error::DatabaseUnavailable {
                path: self.path.clone(),
                detail: format!("the backup before updating the database failed, so nothing was changed: {e}"),
            })?;
            tracing::info!(from = status.version, to = status.latest_known, "backed up before updating the database");
        }
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            MigrateError::VersionMissing(version) => Error::DatabaseTooNew { path: self.path.clone(), version },
            MigrateError::Execute(e) => classify_open_error(&self.path, e),
            other => {
                Error::DatabaseUnavailable { path: self.path.clone(), detail: format!("migration failed: {other}") }
            }
        })?;
        tracing::debug!(path = %self.path.display(), "database ready");
        Ok(())
    }

    /// The applied and the known schema versions.
    pub async fn schema_status(&self) -> Result<SchemaStatus> {
        let latest_known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        let has_table: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(|e| classify_open_error(&self.path, e))?;
        let version = if has_table {
            sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await?
                .unwrap_or(0)
        } else {
            0
        };
        Ok(SchemaStatus { version, latest_known })
    }

    /// Runs SQLite's own consistency check (a few milliseconds on a shop-sized database).
    pub async fn integrity_check(&self) -> Result<Vec<String>> {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA quick_check").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Moves everything written into the database file itself (so a copy of the file alone is a
    /// complete backup), then closes every connection. Were the process to stop half-way, nothing
    /// is lost: SQLite replays its write-ahead log on the next open.
    pub async fn close(&self) {
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await {
            tracing::warn!("checkpoint before close failed: {e}");
        }
        self.pool.close().await;
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Starts a write transaction that holds SQLite's write lock from its first statement.
    pub(crate) async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The connection pool, for other parts of the app that keep their own tables in the same
    /// database (the integration monitor).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// An existing, non-empty file must start with SQLite's magic header; anything else is refused
/// before SQLite touches it, so we never write a WAL next to somebody's spreadsheet.
fn check_sqlite_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(()); // absent: it will be created
    };
    let mut header = [0u8; 16];
    match file.read(&mut header) {
        Ok(0) => Ok(()),
        Ok(n) if n == 16 && &header == b"SQLite format 3\0" => Ok(()),
        Ok(_) => Err(Error::DatabaseCorrupt {
            path: path.to_path_buf(),
            detail: "the file is not an SQLite database".into(),
        }),
        Err(e) => Err(Error::DatabaseUnavailable { path: path.to_path_buf(), detail: e.to_string() }),
    }
}

/// SQLITE_CORRUPT (11, with its extended codes) and SQLITE_NOTADB (26) mean the file is damaged.
fn classify_open_error(path: &Path, error: sqlx::Error) -> Error {
    if let sqlx::Error::Database(db) = &error {
        let code = db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
        if matches!(code & 0xff, 11 | 26) {
            return Error::DatabaseCorrupt { path: path.to_path_buf(), detail: db.message().to_string() };
        }
    }
    match error {
        sqlx::Error::Io(e) => Error::DatabaseUnavailable { path: path.to_path_buf(), detail: e.to_string() },
        other => Error::Database(other),
    }
}
