//! Photos of the car, kept with its repair order: from a file (picker, drag-and-drop, `dixon
//! photo add`) or the webcam. The original is kept untouched; a working copy for sending (long
//! side 1600 px, JPEG, typically under 400 KB) and a thumbnail are made once, upright by the
//! photo's EXIF orientation ([`prepare`]). Files are named by the original's SHA-256, written
//! before the row that names them, so a crash leaves at most an unnamed file, never a row
//! without its photo. Damaged, huge or non-image files are refused with what to do.

pub mod annotate;
pub mod error;
pub mod prepare;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use dixon_clock::{to_stored, Clock};
use dixon_shop::Store;
use serde::Serialize;
use sha2::Digest;
use sqlx::Row;

pub use annotate::{Mark, Point};
pub use error::Error;
pub use prepare::{prepare, Prepared};

/// The printed report's copy of a photo: long side and size goal.
pub const PRINT_LONG_SIDE: u32 = 1200;
pub const PRINT_MAX_BYTES: usize = 200 * 1024;

/// Where a photo came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// named for the bindings, where the integrations' Source is taken
#[serde(rename = "PhotoSource", rename_all = "snake_case")]
pub enum Source {
    File,
    Camera,
}

/// A kept photo, as the screens and the CLI show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Photo {
    pub uid: String,
    pub repair_order: i64,
    pub sha256: String,
    pub inspection_item: Option<String>,
    /// The estimate line it shows, if attached to one.
    pub line_uid: Option<String>,
    pub source: Source,
    pub original_name: String,
    pub width: u32,
    pub height: u32,
    pub original_bytes: u64,
    pub working_bytes: u64,
    pub captured_at: DateTime<Utc>,
    /// The files, in the data folder.
    pub original_path: String,
    pub working_path: String,
    pub thumbnail_path: String,
    /// Arrows, circles and labels drawn on it (on a copy).
    pub marks: Vec<Mark>,
    /// What goes to the customer: the marked copy when there are marks, else the working copy.
    pub sending_path: String,
    pub sending_thumbnail_path: String,
    /// When it first went to the customer; its marks can't change after.
    pub sent_at: Option<DateTime<Utc>>,
}

/// The photos of one data folder.
#[derive(Clone)]
pub struct Photos {
    store: Store,
    folder: PathBuf,
    clock: Arc<dyn Clock>,
}

impl Photos {
    /// Photos kept under `data_dir/photos`.
    pub fn new(store: Store, data_dir: &Path, clock: Arc<dyn Clock>) -> Photos {
        Photos { store, folder: data_dir.join("photos"), clock }
    }

    /// Keeps `bytes` (a file called `name`) as a photo of repair order `number`, taken at
    /// `captured_at` (now when `None`). Adding the same photo to the same order again gives
    /// back the one already kept.
    pub async fn add(
        &self,
        number: i64,
        bytes: Vec<u8>,
        name: &str,
        source: Source,
        inspection_item: Option<&str>,
        captured_at: Option<DateTime<Utc>>,
    ) -> Result<Photo, Error> {
        let order_id: i64 = sqlx::query_scalar("SELECT id FROM repair_orders WHERE number = ?")
            .bind(number)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(Error::NoSuchOrder(number))?;
        // decoding and resizing take a while on a big photo: off the async threads
        let name_owned = name.to_string();
        let (prepared, bytes) = tokio::task::spawn_blocking(move || prepare(&bytes, &name_owned).map(|p| (p, bytes)))
            .await
            .map_err(|e| Error::Io(e.to_string()))??;
        let original = self.path("originals", &prepared.sha256, prepared.extension);
        let working = self.path("work", &prepared.sha256, "jpg");
        let thumbnail = self.path("thumbs", &prepared.sha256, "jpg");
        write_once(&original, &bytes).await?;
        write_once(&working, &prepared.working).await?;
        write_once(&thumbnail, &prepared.thumbnail).await?;
        let now = self.clock.now();
        sqlx::query(
            "INSERT INTO photos (uid, repair_order_id, sha256, inspection_item, source, original_name, mime, extension,
                                 width, height, original_bytes, working_bytes, captured_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (repair_order_id, sha256) DO NOTHING",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(order_id)
        .bind(&prepared.sha256)
        .bind(inspection_item.map(str::trim).filter(|i| !i.is_empty()))
        .bind(match source {
            Source::File => "file",
            Source::Camera => "camera",
        })
        .bind(name)
        .bind(prepared.mime)
        .bind(prepared.extension)
        .bind(prepared.width)
        .bind(prepared.height)
        .bind(bytes.len() as i64)
        .bind(prepared.working.len() as i64)
        .bind(to_stored(captured_at.unwrap_or(now)))
        .bind(to_stored(now))
        .execute(self.store.pool())
        .await?;
        let photos = self.of(number).await?;
        photos
            .into_iter()
            .find(|p| p.sha256 == prepared.sha256)
            .ok_or_else(|| Error::Database("the photo just kept is gone".into()))
    }

    /// The photos of repair order `number`, in the order they were taken.
    pub async fn of(&self, number: i64) -> Result<Vec<Photo>, Error> {
        let rows = sqlx::query(
            "SELECT p.uid, r.number, p.sha256, p.inspection_item, p.line_uid, p.source, p.original_name, p.extension, p.width,
                    p.height, p.original_bytes, p.working_bytes, p.captured_at, p.marks, p.marked_sha256, p.sent_at
               FROM photos p JOIN repair_orders r ON r.id = p.repair_order_id
              WHERE r.number = ? ORDER BY p.captured_at, p.id",
        )
        .bind(number)
        .fetch_all(self.store.pool())
        .await?;
        let time = |text: &str| DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        rows.iter()
            .map(|row| {
                let sha: String = row.try_get("sha256")?;
                let extension: String = row.try_get("extension")?;
                let at: String = row.try_get("captured_at")?;
                let marked: Option<String> = row.try_get("marked_sha256")?;
                let marks: Option<String> = row.try_get("marks")?;
                let (sending, sending_thumbnail) = match &marked {
                    Some(marked) => (self.path("marked", marked, "jpg"), self.path("marked", marked, "thumb.jpg")),
                    None => (self.path("work", &sha, "jpg"), self.path("thumbs", &sha, "jpg")),
                };
                Ok(Photo {
                    uid: row.try_get("uid")?,
                    repair_order: row.try_get("number")?,
                    inspection_item: row.try_get("inspection_item")?,
                    line_uid: row.try_get("line_uid")?,
                    source: if row.try_get::<String, _>("source")? == "camera" { Source::Camera } else { Source::File },
                    original_name: row.try_get("original_name")?,
                    width: row.try_get("width")?,
                    height: row.try_get("height")?,
                    original_bytes: row.try_get::<i64, _>("original_bytes")? as u64,
                    working_bytes: row.try_get::<i64, _>("working_bytes")? as u64,
                    captured_at: time(&at),
                    original_path: self.path("originals", &sha, &extension).display().to_string(),
                    working_path: self.path("work", &sha, "jpg").display().to_string(),
                    thumbnail_path: self.path("thumbs", &sha, "jpg").display().to_string(),
                    marks: marks.and_then(|m| serde_json::from_str(&m).ok()).unwrap_or_default(),
                    sending_path: sending.display().to_string(),
                    sending_thumbnail_path: sending_thumbnail.display().to_string(),
                    sent_at: row.try_get::<Option<String>, _>("sent_at")?.as_deref().map(time),
                    sha256: sha,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(Error::from)
    }

    /// Draws `marks` on a copy of photo `uid` (replacing the marks it had; none clears them).
    /// The original and the working copy stay as they were. Refused once the photo was sent.
    pub async fn mark(&self, uid: &str, marks: &[Mark]) -> Result<Photo, Error> {
        annotate::check(marks).map_err(Error::BadMarks)?;
        let row: Option<(i64, String, Option<String>)> =
            sqlx::query_as("SELECT r.number, p.sha256, p.sent_at FROM photos p JOIN repair_orders r ON r.id = p.repair_order_id WHERE p.uid = ?")
                .bind(uid)
                .fetch_optional(self.store.pool())
                .await?;
        let (number, sha, sent_at) = row.ok_or_else(|| Error::NoSuchPhoto(uid.to_string()))?;
        if let Some(sent_at) = sent_at {
            return Err(Error::AlreadySent(sent_at));
        }
        let marked = if marks.is_empty() {
            None
        } else {
            let working = tokio::fs::read(self.path("work", &sha, "jpg")).await?;
            let marks_owned = marks.to_vec();
            let (sending, thumbnail) = tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, Vec<u8>), Error> {
                let picture = image::load_from_memory(&working).map_err(|e| Error::Io(e.to_string()))?;
                let drawn = annotate::draw(&picture, &marks_owned).map_err(Error::BadMarks)?;
                Ok((
                    prepare::jpeg_within(&drawn, prepare::WORKING_MAX_BYTES),
                    prepare::jpeg_within(&prepare::fit(&drawn, prepare::THUMBNAIL_LONG_SIDE), 40 * 1024),
                ))
            })
            .await
            .map_err(|e| Error::Io(e.to_string()))??;
            let marked = hex::encode(sha2::Sha256::digest(&sending));
            write_once(&self.path("marked", &marked, "jpg"), &sending).await?;
            write_once(&self.path("marked", &marked, "thumb.jpg"), &thumbnail).await?;
            Some(marked)
        };
        let marks_json = (!marks.is_empty()).then(|| serde_json::to_string(marks).unwrap_or_default());
        // the photo may have gone out meanwhile: the marks it went with stand
        let changed = sqlx::query("UPDATE photos SET marks = ?, marked_sha256 = ? WHERE uid = ? AND sent_at IS NULL")
            .bind(marks_json)
            .bind(&marked)
            .bind(uid)
            .execute(self.store.pool())
            .await?;
        if changed.rows_affected() == 0 {
            return Err(Error::AlreadySent("just now".into()));
        }
        self.of(number).await?.into_iter().find(|p| p.uid == uid).ok_or_else(|| Error::NoSuchPhoto(uid.to_string()))
    }

    /// The copy a printed report embeds (what goes to the customer, marks included, at a print
    /// size: long side 1200 px, at most 200 KB), made once and kept: its JPEG bytes, width and
    /// height. Twelve of them stay well under 3 MB.
    pub async fn print_copy(&self, photo: &Photo) -> Result<(Vec<u8>, u32, u32), Error> {
        let sending = tokio::fs::read(&photo.sending_path).await?;
        let name = hex::encode(sha2::Sha256::digest(&sending));
        let path = self.path("print", &name, "jpg");
        if let Ok(bytes) = tokio::fs::read(&path).await {
            if let Ok((w, h)) = image::ImageReader::new(std::io::Cursor::new(&bytes))
                .with_guessed_format()
                .map_err(|_| ())
                .and_then(|r| r.into_dimensions().map_err(|_| ()))
            {
                return Ok((bytes, w, h));
            }
        }
        let (bytes, w, h) = tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, u32, u32), Error> {
            let picture = image::load_from_memory(&sending).map_err(|e| Error::Io(e.to_string()))?;
            let fitted = prepare::fit(&picture, PRINT_LONG_SIDE);
            Ok((prepare::jpeg_within(&fitted, PRINT_MAX_BYTES), fitted.width(), fitted.height()))
        })
        .await
        .map_err(|e| Error::Io(e.to_string()))??;
        write_once(&path, &bytes).await?;
        Ok((bytes, w, h))
    }

    /// Notes that these photos went to the customer at `at` (their marks stay as sent).
    pub async fn sent(&self, uids: &[String], at: DateTime<Utc>) -> Result<(), Error> {
        for uid in uids {
            sqlx::query("UPDATE photos SET sent_at = coalesce(sent_at, ?) WHERE uid = ?")
                .bind(to_stored(at))
                .bind(uid)
                .execute(self.store.pool())
                .await?;
        }
        Ok(())
    }

    fn path(&self, kind: &str, sha: &str, extension: &str) -> PathBuf {
        self.folder.join(kind).join(format!("{sha}.{extension}"))
    }
}

/// Writes `bytes` at `path` whole (a temporary file renamed into place), unless it is there
/// already: content-addressed files never change.
async fn write_once(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if tokio::fs::try_exists(path).await? {
        return Ok(());
    }
    if let Some(folder) = path.parent() {
        tokio::fs::create_dir_all(folder).await?;
    }
    let temporary = path.with_extension(format!("part-{}", uuid::Uuid::new_v4()));
    tokio::fs::write(&temporary, bytes).await?;
    tokio::fs::rename(&temporary, path).await?;
    Ok(())
}
