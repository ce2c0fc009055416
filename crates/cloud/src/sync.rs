//! Push and pull: the counters' changes in, the shop's change feed out.
//!
//! A push is one batch in one transaction. Each change carries its id (the counter's outbox uid),
//! the device's gapless sequence number and a hybrid-logical-clock timestamp; each is answered
//! `applied` (with its place in the shop's feed), `duplicate` (already here: a resent batch
//! changes nothing) or `rejected` with the reason. A change refused for what it holds uses up its
//! sequence number (the counter sets it aside and goes on) and a resent copy gets the same answer;
//! one out of order (`out_of_order`, with the number expected) uses nothing up and is sent again.
//! The counter removes a change from its outbox only after that answer. The shop's feed row is locked for the batch, so feed numbers are
//! gapless and in commit order — a cursor never skips a change committed late.
//!
//! A pull reads the feed after a cursor, up to a page, and may wait (long-poll) until something
//! arrives: a push wakes the shop's waiting pulls at once on this server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::{Error, Result, Tenant};

/// The sync protocol this server speaks; it also accepts the one before (none yet).
pub const PROTOCOL: u32 = 1;
pub const OLDEST_PROTOCOL: u32 = 1;
/// The most changes in one push, and in one pulled page.
pub const MAX_BATCH: usize = 500;
/// A change stamped further ahead of this server's clock is refused: its counter's clock is wrong.
pub const MAX_CLOCK_AHEAD: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Change {
    /// The counter's outbox uid: the change's identity everywhere.
    pub id: Uuid,
    pub device_seq: i64,
    pub topic: String,
    pub entity_uid: String,
    pub payload: serde_json::Value,
    /// Hybrid logical clock: `"<unix ms>.<counter>.<device>"`.
    pub hlc: String,
}

#[derive(Debug, Deserialize)]
pub struct Push {
    pub protocol: u32,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Applied {
        id: Uuid,
        seq: i64,
    },
    Duplicate {
        id: Uuid,
        seq: i64,
    },
    Rejected {
        id: Uuid,
        reason: String,
    },
    /// Not taken and nothing used up: send again from `expected` on.
    OutOfOrder {
        id: Uuid,
        expected: i64,
    },
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PushAnswer {
    pub results: Vec<Outcome>,
    /// The device's last accepted sequence number: the next change must be this + 1.
    pub device_seq: i64,
}

/// One change as the feed hands it out.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FedChange {
    pub seq: i64,
    pub device_id: Uuid,
    #[serde(flatten)]
    pub change: Change,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Page {
    pub changes: Vec<FedChange>,
    /// Pull again after this.
    pub cursor: i64,
    /// The feed's end: more is waiting when `cursor` < `last_seq`.
    pub last_seq: i64,
}

/// Wakes a shop's waiting pulls when a push commits (within this server process).
#[derive(Default)]
pub struct Feeds {
    waiting: Mutex<HashMap<Uuid, Arc<Notify>>>,
}

impl Feeds {
    fn of(&self, shop: Uuid) -> Arc<Notify> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner()).entry(shop).or_default().clone()
    }
}

/// Checks a batch before anything is written: the whole batch is refused when it can't be read.
fn check_batch(push: &Push) -> Result<()> {
    if push.protocol > PROTOCOL {
        return Err(Error::BadRequest(format!(
            "This counter speaks sync protocol {}, newer than this Dixon cloud ({PROTOCOL}). Nothing was lost: the changes wait on the counter.",
            push.protocol
        )));
    }
    if push.protocol < OLDEST_PROTOCOL {
        return Err(Error::TooOld { protocol: push.protocol });
    }
    if push.changes.len() > MAX_BATCH {
        return Err(Error::BadRequest(format!(
            "A batch holds at most {MAX_BATCH} changes; this one has {}.",
            push.changes.len()
        )));
    }
    Ok(())
}

/// Why one change can't be taken, if it can't.
fn check_change(change: &Change, now_ms: i64) -> Option<String> {
    if change.topic.is_empty() || change.topic.len() > 100 || !change.topic.contains('.') {
        return Some(format!("'{}' is not a change topic", change.topic.chars().take(40).collect::<String>()));
    }
    if change.entity_uid.is_empty() || change.entity_uid.len() > 100 {
        return Some("the record's id is missing or too long".into());
    }
    if !change.payload.is_object() {
        return Some("the change's content is not a record".into());
    }
    let wall: Option<i64> = change.hlc.split('.').next().and_then(|ms| ms.parse().ok());
    match wall {
        None => Some(format!("'{}' is not a clock reading", change.hlc.chars().take(40).collect::<String>())),
        Some(ms) if ms > now_ms + MAX_CLOCK_AHEAD.as_millis() as i64 => {
            Some("stamped in the future: this counter's clock is ahead; set the PC's date and time".into())
        }
        Some(_) => None,
    }
}

/// Applies a batch for the authenticated device, in the tenant's transaction, and commits.
pub async fn push(mut tenant: Tenant, device: Uuid, push: Push, feeds: &Feeds) -> Result<PushAnswer> {
    check_batch(&push)?;
    let shop = tenant.shop;
    let tx = &mut tenant.tx;
    sqlx::query("INSERT INTO shop_feeds (shop_id) VALUES ($1) ON CONFLICT (shop_id) DO NOTHING")
        .bind(shop)
        .execute(&mut **tx)
        .await?;
    let mut last_seq: i64 = sqlx::query_scalar("SELECT last_seq FROM shop_feeds WHERE shop_id = $1 FOR UPDATE")
        .bind(shop)
        .fetch_one(&mut **tx)
        .await?;
    let mut device_seq: i64 =
        sqlx::query_scalar("SELECT last_device_seq FROM devices WHERE shop_id = $1 AND id = $2 FOR UPDATE")
            .bind(shop)
            .bind(device)
            .fetch_one(&mut **tx)
            .await?;
    let now_ms: i64 = sqlx::query_scalar("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")
        .fetch_one(&mut **tx)
        .await?;
    let mut results = Vec::with_capacity(push.changes.len());
    let mut applied_any = false;
    for change in push.changes {
        let known = sqlx::query("SELECT seq, change_id FROM changes WHERE shop_id = $1 AND (change_id = $2 OR (device_id = $3 AND device_seq = $4))")
            .bind(shop)
            .bind(change.id)
            .bind(device)
            .bind(change.device_seq)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(row) = known {
            let (seq, id): (i64, Uuid) = (row.get(0), row.get(1));
            results.push(if id == change.id {
                Outcome::Duplicate { id: change.id, seq }
            } else {
                Outcome::Rejected {
                    id: change.id,
                    reason: format!("sequence number {} was already used by another change", change.device_seq),
                }
            });
            continue;
        }
        let settled: Option<(Uuid, String)> = sqlx::query_as(
            "SELECT change_id, reason FROM rejected_changes WHERE shop_id = $1 AND device_id = $2 AND device_seq = $3",
        )
        .bind(shop)
        .bind(device)
        .bind(change.device_seq)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some((id, reason)) = settled {
            let reason = if id == change.id {
                reason
            } else {
                format!("sequence number {} was already used by another change", change.device_seq)
            };
            results.push(Outcome::Rejected { id: change.id, reason });
            continue;
        }
        if change.device_seq != device_seq + 1 {
            results.push(Outcome::OutOfOrder { id: change.id, expected: device_seq + 1 });
            continue;
        }
        device_seq = change.device_seq;
        if let Some(reason) = check_change(&change, now_ms) {
            // its number is used up: the counter sets it aside and goes on with the next
            sqlx::query("INSERT INTO rejected_changes (shop_id, device_id, device_seq, change_id, reason) VALUES ($1, $2, $3, $4, $5)")
                .bind(shop)
                .bind(device)
                .bind(change.device_seq)
                .bind(change.id)
                .bind(&reason)
                .execute(&mut **tx)
                .await?;
            results.push(Outcome::Rejected { id: change.id, reason });
            continue;
        }
        last_seq += 1;
        sqlx::query(
            "INSERT INTO changes (shop_id, seq, device_id, device_seq, change_id, topic, entity_uid, payload, hlc)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(shop)
        .bind(last_seq)
        .bind(device)
        .bind(change.device_seq)
        .bind(change.id)
        .bind(&change.topic)
        .bind(&change.entity_uid)
        .bind(&change.payload)
        .bind(&change.hlc)
        .execute(&mut **tx)
        .await?;
        results.push(Outcome::Applied { id: change.id, seq: last_seq });
        applied_any = true;
    }
    sqlx::query("UPDATE shop_feeds SET last_seq = $2 WHERE shop_id = $1")
        .bind(shop)
        .bind(last_seq)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE devices SET last_device_seq = $3 WHERE shop_id = $1 AND id = $2")
        .bind(shop)
        .bind(device)
        .bind(device_seq)
        .execute(&mut **tx)
        .await?;
    tenant.tx.commit().await?;
    if applied_any {
        feeds.of(shop).notify_waiters();
    }
    Ok(PushAnswer { results, device_seq })
}

/// The shop's changes after `cursor`, at most `limit`; waits up to `wait` for the first one.
pub async fn pull(
    pool: &sqlx::PgPool,
    shop: Uuid,
    cursor: i64,
    limit: usize,
    wait: Duration,
    feeds: &Feeds,
) -> Result<Page> {
    let limit = limit.clamp(1, MAX_BATCH);
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        // registered before reading, so a push committing in between still wakes us
        let notify = feeds.of(shop);
        let woken = notify.notified();
        let page = read_page(pool, shop, cursor, limit).await?;
        if !page.changes.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(page);
        }
        if tokio::time::timeout_at(deadline, woken).await.is_err() {
            return read_page(pool, shop, cursor, limit).await;
        }
    }
}

async fn read_page(pool: &sqlx::PgPool, shop: Uuid, cursor: i64, limit: usize) -> Result<Page> {
    let mut tenant = Tenant::begin(pool, shop).await?;
    let last_seq: i64 = sqlx::query_scalar("SELECT coalesce((SELECT last_seq FROM shop_feeds WHERE shop_id = $1), 0)")
        .bind(shop)
        .fetch_one(&mut *tenant.tx)
        .await?;
    if cursor < 0 || cursor > last_seq {
        return Err(Error::BadRequest(format!(
            "The cursor {cursor} is not in this shop's feed (it ends at {last_seq}). Start again from 0."
        )));
    }
    let rows = sqlx::query(
        "SELECT seq, device_id, device_seq, change_id, topic, entity_uid, payload, hlc FROM changes
          WHERE shop_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(shop)
    .bind(cursor)
    .bind(limit as i64)
    .fetch_all(&mut *tenant.tx)
    .await?;
    tenant.tx.commit().await?;
    let changes: Vec<FedChange> = rows
        .iter()
        .map(|r| FedChange {
            seq: r.get(0),
            device_id: r.get(1),
            change: Change {
                device_seq: r.get(2),
                id: r.get(3),
                topic: r.get(4),
                entity_uid: r.get(5),
                payload: r.get(6),
                hlc: r.get(7),
            },
        })
        .collect();
    let cursor = changes.last().map_or(cursor, |c| c.seq);
    Ok(Page { changes, cursor, last_seq })
}
