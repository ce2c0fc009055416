//! Applying the shop's records as the cloud confirmed them to this counter's tables.
//!
//! The confirmed record is kept (`sync_records`); this counter's own edits the cloud has not
//! confirmed yet — not sent, or sent but not read back from the feed — are laid on top of it
//! again with the same merge rules, and the result is what the row holds. So a change from
//! another counter never hides one made here, and once every outbox is empty every counter holds
//! exactly the cloud's records.

use dixon_shop::records::{self, Stored};
use dixon_shop::replica::{self, Edit, Kind, Record};
use sqlx::{Row, Sqlite, Transaction};

use crate::Result;

/// A stamp later than any real one: an edit not numbered yet is the newest there is.
const NOT_SENT_YET: &str = "99999999999999.0.~";

/// Keeps `record` (set by feed change `seq`) as confirmed and rewrites its row.
pub async fn confirmed(tx: &mut Transaction<'static, Sqlite>, record: &Record, seq: i64) -> Result<()> {
    let text = serde_json::to_string(record).unwrap_or_default();
    sqlx::query(
        "INSERT INTO sync_records (kind, uid, record, seq) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, uid) DO UPDATE SET record = excluded.record, seq = excluded.seq",
    )
    .bind(record.kind.as_str())
    .bind(&record.uid)
    .bind(&text)
    .bind(seq)
    .execute(&mut **tx)
    .await?;
    refresh(tx, record.kind, &record.uid, Some(record.clone()), seq).await
}

/// Rewrites the row of `kind`/`uid` from its confirmed record (read here when `confirmed` is
/// `None`) and the edits made here that the feed has not brought back by change `seq`.
pub async fn refresh(
    tx: &mut Transaction<'static, Sqlite>,
    kind: Kind,
    uid: &str,
    confirmed: Option<Record>,
    seq: i64,
) -> Result<()> {
    let confirmed = match confirmed {
        Some(record) => record,
        None => {
            let text: Option<String> = sqlx::query_scalar("SELECT record FROM sync_records WHERE kind = ? AND uid = ?")
                .bind(kind.as_str())
                .bind(uid)
                .fetch_optional(&mut **tx)
                .await?;
            // never confirmed: the row stays as this counter made it
            let Some(record) = text.and_then(|t| serde_json::from_str(&t).ok()) else { return Ok(()) };
            record
        }
    };
    let pending = sqlx::query(
        "SELECT topic, payload, hlc FROM outbox
          WHERE entity_uid = ? AND topic LIKE ? AND rejected_reason IS NULL AND (feed_seq IS NULL OR feed_seq > ?)
          ORDER BY id",
    )
    .bind(uid)
    .bind(format!("{}.%", kind.as_str()))
    .bind(seq)
    .fetch_all(&mut **tx)
    .await?;
    let mut view = confirmed;
    for row in pending {
        let payload: serde_json::Value = serde_json::from_str(&row.get::<String, _>(1)).unwrap_or_default();
        let Ok(edit) = Edit::from_wire(&row.get::<String, _>(0), uid, &payload) else { continue };
        let stamp: Option<String> = row.get(2);
        // an edit the cloud will refuse (a status move no longer legal) is not shown
        if let Ok(after) = replica::merge(Some(&view), &edit, stamp.as_deref().unwrap_or(NOT_SENT_YET)) {
            view = after;
        }
    }
    records::free_number(tx, &view).await?;
    match records::write(tx, &view).await? {
        Stored::Written => {}
        // the feed brings parents first; a row deleted here since is the only way to get here
        Stored::MissingParent(parent) => {
            tracing::warn!(kind = kind.as_str(), parent, "a shared record's parent is missing here; kept for later")
        }
    }
    Ok(())
}
