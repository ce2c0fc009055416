//! Backups of a counter's data folder that a shop can trust.
//!
//! A backup is a folder `backups/<UTC time>/` holding a consistent copy of the store
//! (`dixon.sqlite3`, made with SQLite's `VACUUM INTO` while the store's write lock is held, so no
//! write lands half in and half out — never a file copy of a live WAL database), a copy of
//! `documents/`, and `manifest.json`: when, why, and how many rows each table held. After writing,
//! the copy is opened and checked (`PRAGMA integrity_check`, every table's row count equal to the
//! source's at the moment of the copy); a backup that fails the check is removed and reported.
//!
//! [`rotate`] keeps the newest backup of each of the last 7 days, 4 weeks and 12 months.
//! [`restore`] checks a backup, moves the current database aside (never overwritten) and puts the
//! backup's copy in its place. Secrets are not in backups: they live in the OS keychain.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Connection, Row, SqliteConnection, SqlitePool};

/// The store's file name inside a data folder and inside a backup.
pub const DATABASE: &str = "dixon.sqlite3";
const MANIFEST: &str = "manifest.json";
/// A backup folder's name: its UTC time to the millisecond (two backups in one second are two).
const FOLDER_TIME: &str = "%Y-%m-%dT%H%M%S%.3fZ";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("The backup could not be written to {path}: {detail}. Check that the folder exists and has room.")]
    Write { path: PathBuf, detail: String },
    #[error("There is no backup at {0}: `dixon backup list` shows the backups kept.")]
    NotFound(PathBuf),
    #[error("The backup {path} is damaged ({detail}); pick another one.")]
    Damaged { path: PathBuf, detail: String },
    #[error("The database could not be read for the backup: {0}")]
    Database(#[from] sqlx::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Why a backup was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Daily,
    BeforeMigration,
    Manual,
}

/// What a backup holds, as written next to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub taken_at: DateTime<Utc>,
    pub reason: Reason,
    /// Rows per table at the moment of the copy.
    pub rows: BTreeMap<String, i64>,
    /// The newest payment's time, for the restore screen ("last payment …").
    pub last_payment_at: Option<String>,
}

/// One backup on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    pub path: PathBuf,
    pub manifest: Manifest,
    /// Bytes of the database copy and the documents.
    pub size: u64,
}

impl Backup {
    pub fn repair_orders(&self) -> i64 {
        self.manifest.rows.get("repair_orders").copied().unwrap_or(0)
    }
}

/// Takes a backup of the store at `database` (and the `documents` folder beside it) into
/// `into/<time>/`, verified. The store's writers wait (up to their busy timeout) during the copy.
pub async fn backup(
    database: &Path,
    documents: Option<&Path>,
    into: &Path,
    reason: Reason,
    now: DateTime<Utc>,
) -> Result<Backup> {
    let folder = into.join(now.format(FOLDER_TIME).to_string());
    let write_error = |e: std::io::Error| Error::Write { path: folder.clone(), detail: e.to_string() };
    tokio::fs::create_dir_all(&folder).await.map_err(write_error)?;
    let copy = folder.join(DATABASE);
    let result = async {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", database.display()))?
            .busy_timeout(std::time::Duration::from_secs(30));
        let mut writer = SqliteConnection::connect_with(&options).await?;
        let mut reader = SqliteConnection::connect_with(&options).await?;
        // hold the write lock: nothing commits between the counts and the copy
        sqlx::query("BEGIN IMMEDIATE").execute(&mut writer).await?;
        let rows = count_rows(&mut writer).await?;
        // (the copy runs on a second connection: VACUUM can't run inside a transaction)
        let last_payment_at: Option<String> =
            sqlx::query_scalar("SELECT max(created_at) FROM payments").fetch_one(&mut writer).await.unwrap_or(None);
        let copied = sqlx::query("VACUUM INTO ?").bind(copy.to_string_lossy().to_string()).execute(&mut reader).await;
        sqlx::query("ROLLBACK").execute(&mut writer).await?;
        copied?;
        Ok::<_, Error>(Manifest { taken_at: now, reason, rows, last_payment_at })
    }
    .await;
    let manifest = match result {
        Ok(manifest) => manifest,
        Err(e) => {
            let _ = tokio::fs::remove_dir_all(&folder).await;
            return Err(e);
        }
    };
    if let Some(documents) = documents.filter(|d| d.is_dir()) {
        copy_dir(documents, &folder.join("documents")).await.map_err(write_error)?;
    }
    let text = serde_json::to_string_pretty(&manifest).expect("a manifest serialises");
    tokio::fs::write(folder.join(MANIFEST), text).await.map_err(write_error)?;
    match verify(&folder).await {
        Ok(backup) => Ok(backup),
        Err(e) => {
            let _ = tokio::fs::remove_dir_all(&folder).await;
            Err(e)
        }
    }
}

/// Opens the backup at `folder` and checks it: readable manifest, `integrity_check` ok, and the
/// row counts the manifest recorded.
pub async fn verify(folder: &Path) -> Result<Backup> {
    if !folder.is_dir() {
        return Err(Error::NotFound(folder.to_path_buf()));
    }
    let damaged = |detail: String| Error::Damaged { path: folder.to_path_buf(), detail };
    let text =
        tokio::fs::read_to_string(folder.join(MANIFEST)).await.map_err(|e| damaged(format!("no manifest: {e}")))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| damaged(format!("the manifest can't be read: {e}")))?;
    let copy = folder.join(DATABASE);
    if !copy.is_file() {
        return Err(damaged("the database copy is missing".into()));
    }
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", copy.display()))
        .map_err(|e| damaged(e.to_string()))?
        .read_only(true)
        .immutable(true);
    let checked = async {
        let mut conn = SqliteConnection::connect_with(&options).await?;
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await?;
        let rows = count_rows(&mut conn).await?;
        conn.close().await?;
        Ok::<_, sqlx::Error>((integrity, rows))
    }
    .await;
    let (integrity, rows) = checked.map_err(|e| damaged(format!("it does not open as a database: {e}")))?;
    if integrity != "ok" {
        return Err(damaged(format!("integrity check: {integrity}")));
    }
    if rows != manifest.rows {
        return Err(damaged("its tables do not hold the rows recorded when it was taken".into()));
    }
    Ok(Backup { path: folder.to_path_buf(), size: dir_size(folder).await, manifest })
}

/// The backups in `folder`, newest first; ones that can't be read are listed with their error.
pub async fn list(folder: &Path) -> Vec<std::result::Result<Backup, Error>> {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(folder) {
        Ok(dir) => {
            dir.flatten().map(|e| e.path()).filter(|p| p.join(MANIFEST).exists() || p.join(DATABASE).exists()).collect()
        }
        Err(_) => Vec::new(),
    };
    entries.sort();
    entries.reverse();
    let mut out = Vec::new();
    for path in entries {
        out.push(verify(&path).await);
    }
    out
}

/// When the newest backup in `folder` was taken (a failed one is never left there).
pub fn newest(folder: &Path) -> Option<DateTime<Utc>> {
    std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join(MANIFEST).is_file())
        .filter_map(|e| chrono::NaiveDateTime::parse_from_str(&e.file_name().to_string_lossy(), FOLDER_TIME).ok())
        .max()
        .map(|at| at.and_utc())
}

/// Whether a daily backup is due: none in `folder` taken within the last 24 hours.
pub fn daily_due(folder: &Path, now: DateTime<Utc>) -> bool {
    newest(folder).is_none_or(|at| now - at >= chrono::Duration::hours(24))
}

/// Where the daily backup also goes when set (a USB drive or a network share).
pub const MIRROR_ENV: &str = "DIXON_BACKUP_MIRROR";
/// Left in the backups folder while the last daily backup failed, with why (read by the health
/// check, so the Integrations screen says so at once).
pub const FAILURE_NOTE: &str = "LAST-FAILURE.txt";

/// Why the last daily backup into `folder` failed, if it did.
pub fn last_failure(folder: &Path) -> Option<String> {
    std::fs::read_to_string(folder.join(FAILURE_NOTE)).ok()
}

/// While the app runs: once an hour, takes the daily backup of the data folder `data` when one is
/// due (and the same into `$DIXON_BACKUP_MIRROR` when set), then rotates. A failure is noted
/// beside the backups for the Integrations screen and tried again the next hour.
pub async fn keep_daily(data: PathBuf) {
    let folder = data.join("backups");
    let mirror = std::env::var_os(MIRROR_ENV).map(PathBuf::from);
    loop {
        let now = Utc::now();
        if daily_due(&folder, now) {
            let mut targets = vec![folder.clone()];
            targets.extend(mirror.clone());
            let mut failures = Vec::new();
            for target in &targets {
                match backup(&data.join(DATABASE), Some(&data.join("documents")), target, Reason::Daily, now).await {
                    Ok(taken) => {
                        let removed = rotate(target, now).await.len();
                        tracing::info!(path = %taken.path.display(), removed, "daily backup taken and checked");
                    }
                    Err(e) => {
                        tracing::error!(
                            "the daily backup into {} failed, trying again in an hour: {e}",
                            target.display()
                        );
                        failures.push(format!("{}: {e}", target.display()));
                    }
                }
            }
            let note = folder.join(FAILURE_NOTE);
            if failures.is_empty() {
                let _ = tokio::fs::remove_file(&note).await;
            } else {
                let _ = tokio::fs::create_dir_all(&folder).await;
                let _ = tokio::fs::write(&note, failures.join("\n")).await;
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

/// Keeps the newest backup of each of the last 7 days, 4 ISO weeks and 12 months (as of `now`)
/// and removes the others; the ones removed.
pub async fn rotate(folder: &Path, now: DateTime<Utc>) -> Vec<PathBuf> {
    let mut backups: Vec<(DateTime<Utc>, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if let Ok(at) = chrono::NaiveDateTime::parse_from_str(&name, FOLDER_TIME) {
            backups.push((at.and_utc(), entry.path()));
        }
    }
    backups.sort();
    backups.reverse(); // newest first: the first seen of a day / week / month is the one kept
    let keep = keep_set(&backups.iter().map(|(at, _)| *at).collect::<Vec<_>>(), now);
    let mut removed = Vec::new();
    for (i, (_, path)) in backups.into_iter().enumerate() {
        if !keep.contains(&i) && tokio::fs::remove_dir_all(&path).await.is_ok() {
            removed.push(path);
        }
    }
    removed
}

/// Which of `times` (newest first) the rotation keeps.
fn keep_set(times: &[DateTime<Utc>], now: DateTime<Utc>) -> std::collections::HashSet<usize> {
    let mut keep = std::collections::HashSet::new();
    let mut slots = std::collections::HashSet::new();
    for (i, at) in times.iter().enumerate() {
        let age_days = (now.date_naive() - at.date_naive()).num_days();
        let week = at.iso_week();
        let months_ago = (now.year() - at.year()) * 12 + now.month() as i32 - at.month() as i32;
        let candidates = [
            (age_days < 7).then(|| format!("d{}", at.date_naive())),
            (age_days < 28).then(|| format!("w{}-{}", week.year(), week.week())),
            (months_ago < 12).then(|| format!("m{}-{}", at.year(), at.month())),
        ];
        for slot in candidates.into_iter().flatten() {
            if slots.insert(slot) {
                keep.insert(i);
            }
        }
    }
    keep
}

/// Puts the backup at `backup` in place of the database at `database`: the backup is checked
/// first, the current database (with its WAL) is moved to `<data folder>/replaced-<time>/`, never
/// overwritten. The app must be closed. Where the old database went.
pub async fn restore(backup: &Path, database: &Path, now: DateTime<Utc>) -> Result<PathBuf> {
    verify(backup).await?;
    let data = database.parent().unwrap_or(Path::new("."));
    let aside = data.join(format!("replaced-{}", now.format(FOLDER_TIME)));
    let write_error = |e: std::io::Error| Error::Write { path: aside.clone(), detail: e.to_string() };
    tokio::fs::create_dir_all(&aside).await.map_err(write_error)?;
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", database.display()));
        if file.exists() {
            let name = file.file_name().map(|n| n.to_owned()).unwrap_or_default();
            tokio::fs::rename(&file, aside.join(name)).await.map_err(write_error)?;
        }
    }
    tokio::fs::copy(backup.join(DATABASE), database).await.map_err(write_error)?;
    let documents = backup.join("documents");
    if documents.is_dir() {
        copy_dir(&documents, &data.join("documents")).await.map_err(write_error)?;
    }
    Ok(aside)
}

async fn count_rows(conn: &mut SqliteConnection) -> std::result::Result<BTreeMap<String, i64>, sqlx::Error> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut rows = BTreeMap::new();
    for table in tables {
        let count: i64 = sqlx::query(&format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\"")))
            .fetch_one(&mut *conn)
            .await?
            .get(0);
        rows.insert(table, count);
    }
    Ok(rows)
}

/// Copies a folder tree (documents: PDFs and photos), keeping files already there.
async fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut stack = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((src, dst)) = stack.pop() {
        tokio::fs::create_dir_all(&dst).await?;
        let mut entries = tokio::fs::read_dir(&src).await?;
        while let Some(entry) = entries.next_entry().await? {
            let target = dst.join(entry.file_name());
            if entry.file_type().await?.is_dir() {
                stack.push((entry.path(), target));
            } else {
                tokio::fs::copy(entry.path(), target).await?;
            }
        }
    }
    Ok(())
}

async fn dir_size(folder: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(mut entries) = tokio::fs::read_dir(&dir).await else { continue };
        while let Ok(Some(entry)) = entries.next_entry().await {
            match entry.metadata().await {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// A pool on the backup's copy, for showing what it holds.
pub async fn open_read_only(backup: &Path) -> Result<SqlitePool> {
    let options =
        SqliteConnectOptions::from_str(&format!("sqlite://{}", backup.join(DATABASE).display()))?.read_only(true);
    Ok(SqlitePoolOptions::new().max_connections(1).connect_with(options).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_daily_backup_is_due_after_a_day() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        assert!(daily_due(dir.path(), now), "none yet");
        std::fs::create_dir(dir.path().join("2026-12-03T020000.000Z")).unwrap();
        std::fs::write(dir.path().join("2026-12-03T020000.000Z").join(MANIFEST), "{}").unwrap();
        assert!(!daily_due(dir.path(), now));
        assert!(daily_due(dir.path(), now + chrono::Duration::hours(14)));
        assert_eq!(last_failure(dir.path()), None);
        std::fs::write(dir.path().join(FAILURE_NOTE), "/media/usb: no room").unwrap();
        assert_eq!(last_failure(dir.path()).as_deref(), Some("/media/usb: no room"));
    }

    #[test]
    fn rotation_keeps_seven_days_four_weeks_twelve_months() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        // two backups a day for 400 days, newest first
        let times: Vec<DateTime<Utc>> =
            (0..800).map(|half_days| now - chrono::Duration::hours(12 * half_days)).collect();
        let keep = keep_set(&times, now);
        let kept: Vec<DateTime<Utc>> =
            times.iter().enumerate().filter(|(i, _)| keep.contains(i)).map(|(_, t)| *t).collect();
        // the newest of each of the 7 last days
        for day in 0..7 {
            let date = (now - chrono::Duration::days(day)).date_naive();
            assert_eq!(kept.iter().filter(|t| t.date_naive() == date).count(), 1, "day {date}");
        }
        // one per month for the last 12 months, nothing older
        let months: std::collections::BTreeSet<(i32, u32)> = kept.iter().map(|t| (t.year(), t.month())).collect();
        assert_eq!(months.len(), 12);
        assert!(kept.iter().all(|t| (now - *t).num_days() < 366));
        assert!(kept.len() <= 7 + 4 + 12);
    }
}
