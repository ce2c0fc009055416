//! The shop's OBD dongles, remembered from their pairing codes for the OBD screen. A dongle's key
//! goes to the OS keychain (`dongle:<id>`); the database only knows that there is one.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Row, SqlitePool};

use crate::{AdapterKind, DonglePairing};

/// A remembered dongle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Dongle {
    pub id: String,
    pub kind: AdapterKind,
    pub name: Option<String>,
    pub address: Option<String>,
    /// A pairing key is stored in the keychain.
    pub has_key: bool,
    pub paired_at: DateTime<Utc>,
}

/// What remembering did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Remembered {
    pub dongle: Dongle,
    /// Why the key could not be kept (no keychain on this PC), when it could not.
    pub key_problem: Option<String>,
}

fn kind_str(kind: AdapterKind) -> &'static str {
    match kind {
        AdapterKind::Ble => "ble",
        AdapterKind::Wifi => "wifi",
        AdapterKind::Usb => "usb",
    }
}

/// Remembers the dongle (replacing one with the same id) and keeps its key in the keychain.
pub async fn remember(
    pool: &SqlitePool,
    pairing: &DonglePairing,
    at: DateTime<Utc>,
) -> Result<Remembered, sqlx::Error> {
    let key_problem = match &pairing.key {
        Some(key) => dixon_secrets::save(&format!("dongle:{}", pairing.id), key).err().map(|e| e.to_string()),
        None => None,
    };
    let has_key = pairing.key.is_some() && key_problem.is_none();
    sqlx::query(
        "INSERT INTO dongles (dongle_id, kind, name, address, has_key, paired_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (dongle_id) DO UPDATE SET kind = excluded.kind, name = excluded.name, address = excluded.address,
            has_key = excluded.has_key, paired_at = excluded.paired_at",
    )
    .bind(&pairing.id)
    .bind(kind_str(pairing.kind))
    .bind(&pairing.name)
    .bind(&pairing.address)
    .bind(has_key)
    .bind(dixon_clock::to_stored(at))
    .execute(pool)
    .await?;
    tracing::info!(kind = kind_str(pairing.kind), "dongle remembered");
    let dongle = Dongle {
        id: pairing.id.clone(),
        kind: pairing.kind,
        name: pairing.name.clone(),
        address: pairing.address.clone(),
        has_key,
        paired_at: at,
    };
    Ok(Remembered { dongle, key_problem })
}

/// Every remembered dongle, newest pairing first.
pub async fn dongles(pool: &SqlitePool) -> Result<Vec<Dongle>, sqlx::Error> {
    sqlx::query("SELECT * FROM dongles ORDER BY paired_at DESC, id DESC")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(Dongle {
                id: r.try_get("dongle_id")?,
                kind: match kind.as_str() {
                    "wifi" => AdapterKind::Wifi,
                    "usb" => AdapterKind::Usb,
                    _ => AdapterKind::Ble,
                },
                name: r.try_get("name")?,
                address: r.try_get("address")?,
                has_key: r.try_get("has_key")?,
                paired_at: r.try_get("paired_at")?,
            })
        })
        .collect()
}
