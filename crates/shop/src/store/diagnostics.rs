//! Diagnostic snapshots on repair orders.

use sqlx::Row;

use super::outbox::enqueue_row;
use super::repair_orders::{active_order, unexpected};
use super::Store;
use crate::diagnostic::{Diagnostic, NewDiagnostic, TroubleCode};
use crate::error::{Error, FieldError, Result};
use dixon_clock::to_stored as stored;

impl Store {
    /// Keeps a reading from the car with repair order `number` (any order not closed or
    /// canceled), in one transaction with its sync message.
    pub async fn save_diagnostic(&self, number: i64, reading: &NewDiagnostic) -> Result<Diagnostic> {
        let adapter = reading.adapter.trim();
        if adapter.is_empty() || adapter.chars().count() > 200 {
            return Err(Error::Invalid(vec![FieldError::new(
                "adapter",
                "Say which adapter took the reading (1 to 200 characters).",
            )]));
        }
        let protocol: String = reading.protocol.trim().chars().take(100).collect();
        let vin = reading.plausible_vin();
        let codes = serde_json::to_string(&reading.codes).map_err(|e| unexpected(e.to_string()))?;
        let detail = reading.detail.to_string();
        let now = self.now();
        let at = stored(now);
        let uid = uuid::Uuid::new_v4().to_string();
        let mut tx = self.write().await?;
        let order_id = active_order(&mut tx, number, "repair_order", "open a new order to keep this reading").await?.id;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO diagnostic_snapshots
                 (uid, repair_order_id, taken_at, adapter, protocol, vin, mil_on, odometer_km, codes, detail)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&uid)
        .bind(order_id)
        .bind(&at)
        .bind(adapter)
        .bind(&protocol)
        .bind(&vin)
        .bind(reading.mil_on)
        .bind(reading.odometer_km.filter(|km| *km >= 0))
        .bind(&codes)
        .bind(&detail)
        .fetch_one(&mut *tx)
        .await?;
        enqueue_row(&mut tx, crate::replica::Kind::Diagnostic, &uid, None, &at).await?;
        tx.commit().await?;
        Ok(Diagnostic {
            id,
            taken_at: chrono::DateTime::parse_from_rfc3339(&at).map(|t| t.to_utc()).unwrap_or(now),
            adapter: adapter.to_string(),
            protocol,
            vin,
            mil_on: reading.mil_on,
            odometer_km: reading.odometer_km.filter(|km| *km >= 0),
            codes: reading.codes.clone(),
        })
    }

    /// The readings kept with the order whose row id is `order_id`, newest first.
    pub(crate) async fn diagnostics_of(&self, order_id: i64) -> Result<Vec<Diagnostic>> {
        let rows = sqlx::query(
            "SELECT id, taken_at, adapter, protocol, vin, mil_on, odometer_km, codes FROM diagnostic_snapshots
             WHERE repair_order_id = ? ORDER BY taken_at DESC, id DESC",
        )
        .bind(order_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let codes: String = row.try_get("codes")?;
                Ok(Diagnostic {
                    id: row.try_get("id")?,
                    taken_at: row.try_get("taken_at")?,
                    adapter: row.try_get("adapter")?,
                    protocol: row.try_get("protocol")?,
                    vin: row.try_get("vin")?,
                    mil_on: row.try_get("mil_on")?,
                    odometer_km: row.try_get("odometer_km")?,
                    codes: serde_json::from_str::<Vec<TroubleCode>>(&codes)
                        .map_err(|e| unexpected(format!("unreadable trouble codes in the database: {e}")))?,
                })
            })
            .collect()
    }

    /// The full reading of diagnostic `id` as the engine serialised it.
    pub async fn diagnostic_detail(&self, id: i64) -> Result<serde_json::Value> {
        let detail: Option<String> = sqlx::query_scalar("SELECT detail FROM diagnostic_snapshots WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        let detail = detail.ok_or_else(|| {
            Error::Invalid(vec![FieldError::new("diagnostic", format!("There is no diagnostic reading {id}."))])
        })?;
        serde_json::from_str(&detail).map_err(|e| unexpected(format!("unreadable diagnostic reading {id}: {e}")))
    }
}
