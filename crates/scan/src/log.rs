//! The scan log: every scan is written down with its source before anything acts on it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};

use crate::ScanMeaning;

/// Where a scan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ScanSource {
    /// A keyboard-wedge gun, told from typing by the UI.
    Wedge,
    /// A gun on a serial port (USB virtual COM, Bluetooth SPP).
    Serial,
    /// The webcam.
    Camera,
    /// Typed or pasted by a person (`dixon scan classify`).
    Typed,
    /// Read from a picture's printed text (a VIN plate, a registration card).
    Ocr,
}

impl ScanSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanSource::Wedge => "wedge",
            ScanSource::Serial => "serial",
            ScanSource::Camera => "camera",
            ScanSource::Typed => "typed",
            ScanSource::Ocr => "ocr",
        }
    }
}

impl ScanMeaning {
    /// The short name stored in the log.
    pub fn kind(&self) -> &'static str {
        match self {
            ScanMeaning::Vin { .. } => "vin",
            ScanMeaning::BadVin { .. } => "bad_vin",
            ScanMeaning::ProductCode { .. } => "product_code",
            ScanMeaning::BadProductCode { .. } => "bad_product_code",
            ScanMeaning::PartNumber { .. } => "part_number",
            ScanMeaning::Pairing { .. } => "pairing",
            ScanMeaning::BadPairing { .. } => "bad_pairing",
            ScanMeaning::Unknown { .. } => "unknown",
        }
    }
}

/// One logged scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LoggedScan {
    pub id: i64,
    pub source: String,
    pub payload: String,
    pub meaning: String,
    pub repair_order_number: Option<i64>,
    pub scanned_at: DateTime<Utc>,
}

/// Writes a scan to the log. A pairing code's key is not kept in the log.
pub async fn record(
    pool: &SqlitePool,
    source: ScanSource,
    payload: &str,
    meaning: &ScanMeaning,
    repair_order_number: Option<i64>,
    confidence: Option<f32>,
    at: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let payload = match meaning {
        ScanMeaning::Pairing { pairing } if pairing.key.is_some() => crate::pairing_payload(&crate::DonglePairing {
            key: Some("(kept with the dongle)".into()),
            ..pairing.clone()
        }),
        _ => payload.chars().take(1_000).collect(),
    };
    let id = sqlx::query_scalar(
        "INSERT INTO scans (source, payload, meaning, repair_order_number, scanned_at, confidence)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(source.as_str())
    .bind(payload)
    .bind(meaning.kind())
    .bind(repair_order_number)
    .bind(dixon_clock::to_stored(at))
    .bind(confidence.map(|c| c.clamp(0.0, 1.0)))
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Writes a VIN read from a picture, with how sure the reading was (0–1).
pub async fn record_ocr(
    pool: &SqlitePool,
    vin: &str,
    confidence: f32,
    repair_order_number: Option<i64>,
    at: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO scans (source, payload, meaning, repair_order_number, scanned_at, confidence)
         VALUES ('ocr', ?, 'vin', ?, ?, ?) RETURNING id",
    )
    .bind(vin)
    .bind(repair_order_number)
    .bind(dixon_clock::to_stored(at))
    .bind(confidence.clamp(0.0, 1.0))
    .fetch_one(pool)
    .await
}

/// The newest scans first.
pub async fn recent(pool: &SqlitePool, limit: u32) -> Result<Vec<LoggedScan>, sqlx::Error> {
    sqlx::query("SELECT * FROM scans ORDER BY id DESC LIMIT ?")
        .bind(limit)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(LoggedScan {
                id: r.try_get("id")?,
                source: r.try_get("source")?,
                payload: r.try_get("payload")?,
                meaning: r.try_get("meaning")?,
                repair_order_number: r.try_get("repair_order_number")?,
                scanned_at: r.try_get("scanned_at")?,
            })
        })
        .collect()
}
