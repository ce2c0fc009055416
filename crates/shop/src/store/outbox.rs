//! The transactional outbox: every change that must reach the Dixon cloud is written here in the
//! same transaction as the change itself, so a crash can never keep one without the other. One
//! writer for the whole store — repair orders, estimates, readings, and the payments ledger in
//! its own crate — so every message is an [`Edit`] the sync can send and the cloud can merge.

use sqlx::{Sqlite, Transaction};

use super::records;
use crate::replica::{Edit, Kind};
use crate::Result;

/// Adds `edit` to the outbox, inside the caller's transaction.
pub async fn enqueue(tx: &mut Transaction<'static, Sqlite>, edit: &Edit, at: &str) -> Result<()> {
    sqlx::query("INSERT INTO outbox (uid, topic, entity_uid, payload, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(edit.topic())
        .bind(&edit.uid)
        .bind(edit.payload().to_string())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Sends the row of `kind` with `uid` as it now stands in the caller's transaction: all of it
/// (a new record), or just the `only` fields that were changed — so a counter editing the phone
/// and another the email both keep their edit.
pub async fn enqueue_row(
    tx: &mut Transaction<'static, Sqlite>,
    kind: Kind,
    uid: &str,
    only: Option<&[&str]>,
    at: &str,
) -> Result<()> {
    let fields = records::read(tx, kind, uid, only)
        .await?
        .ok_or_else(|| crate::Error::NotFound(format!("the {} {uid} just written is gone", kind.as_str())))?;
    enqueue(tx, &Edit::put(kind, uid, fields), at).await
}
