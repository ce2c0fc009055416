//! The transactional outbox: every change that must reach the Dixon cloud is written here in the
//! same transaction as the change itself, so a crash can never keep one without the other. One
//! writer for the whole store — repair orders, estimates, settings, readings, and the payments
//! ledger in its own crate — so every message has the same shape for the sync to drain.

use sqlx::{Sqlite, Transaction};

use crate::Result;

/// Adds a message for the cloud to the outbox, inside the caller's transaction: `topic` says
/// what happened ("payment.recorded"), `entity_uid` which record, `payload` the record as sent.
pub async fn enqueue(
    tx: &mut Transaction<'static, Sqlite>,
    topic: &str,
    entity_uid: &str,
    payload: serde_json::Value,
    at: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO outbox (uid, topic, entity_uid, payload, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(topic)
        .bind(entity_uid)
        .bind(payload.to_string())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
