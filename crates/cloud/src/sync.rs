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
//! Each change is an edit of one shop record, merged here by the rules of [`dixon_shop::replica`]
//! (the same code the counters run): an edit those rules refuse (a status move no longer legal, a
//! line of an unknown order) is rejected with the reason, and a new repair order whose number
//! another counter took meanwhile gets the shop's next free number. The feed carries the record
//! after each change, so every counter ends up with exactly what PostgreSQL holds.
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

use dixon_shop::replica::{self, Edit, Kind, Record};

use crate::{Error, Result, Tenant};

/// The sync protocol this server speaks, and the oldest it still takes. Protocol 2 sends edits of
/// records; protocol 1 (free-form messages, never released) can't be merged and is told to update.
pub const PROTOCOL: u32 = 2;
pub const OLDEST_PROTOCOL: u32 = 2;
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

/// One change as the feed hands it out, with the record as it stood after it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FedChange {
    pub seq: i64,
    pub device_id: Uuid,
    #[serde(flatten)]
    pub change: Change,
    pub record: Option<Record>,
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
    /// Wakes the shop's waiting pulls (after a commit that added to its feed).
    pub(crate) fn wake(&self, shop: Uuid) {
        self.of(shop).notify_waiters();
    }

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
    let mut last_seq = lock_feed(tx, shop).await?;
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
        let merged = match check_change(&change, now_ms) {
            Some(reason) => Err(reason),
            None => merge_change(tx, shop, &change).await?,
        };
        let record = match merged {
            Ok(record) => record,
            Err(reason) => {
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
        };
        last_seq += 1;
        append(tx, shop, last_seq, device, &change, &record).await?;
        results.push(Outcome::Applied { id: change.id, seq: last_seq });
        applied_any = true;
    }
    set_feed_end(tx, shop, last_seq).await?;
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

/// Locks the shop's feed for this transaction (made on its first change) and gives its end: feed
/// numbers stay gapless and in commit order.
pub(crate) async fn lock_feed(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>, shop: Uuid) -> Result<i64> {
    sqlx::query("INSERT INTO shop_feeds (shop_id) VALUES ($1) ON CONFLICT (shop_id) DO NOTHING")
        .bind(shop)
        .execute(&mut **tx)
        .await?;
    Ok(sqlx::query_scalar("SELECT last_seq FROM shop_feeds WHERE shop_id = $1 FOR UPDATE")
        .bind(shop)
        .fetch_one(&mut **tx)
        .await?)
}

/// Moves the locked feed's end to `last_seq`.
pub(crate) async fn set_feed_end(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    shop: Uuid,
    last_seq: i64,
) -> Result<()> {
    sqlx::query("UPDATE shop_feeds SET last_seq = $2 WHERE shop_id = $1")
        .bind(shop)
        .bind(last_seq)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Writes `record` as the shop now holds it and `change` as feed entry `seq`.
pub(crate) async fn append(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    shop: Uuid,
    seq: i64,
    device: Uuid,
    change: &Change,
    record: &Record,
) -> Result<()> {
    let record_json = serde_json::to_value(record).map_err(|e| Error::Internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO records (shop_id, kind, uid, rank, record, seq) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (shop_id, kind, uid) DO UPDATE SET record = excluded.record, seq = excluded.seq",
    )
    .bind(shop)
    .bind(record.kind.as_str())
    .bind(&record.uid)
    .bind(record.kind.rank())
    .bind(&record_json)
    .bind(seq)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO changes (shop_id, seq, device_id, device_seq, change_id, topic, entity_uid, payload, hlc, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(shop)
    .bind(seq)
    .bind(device)
    .bind(change.device_seq)
    .bind(change.id)
    .bind(&change.topic)
    .bind(&change.entity_uid)
    .bind(&change.payload)
    .bind(&change.hlc)
    .bind(&record_json)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Merges one change into the shop's record: the record after it, or why it is refused.
async fn merge_change(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    shop: Uuid,
    change: &Change,
) -> Result<std::result::Result<Record, String>> {
    let edit = match Edit::from_wire(&change.topic, &change.entity_uid, &change.payload) {
        Ok(edit) if edit.kind == Kind::RelayEvent => {
            return Ok(Err("calls from outside services are recorded by the cloud, not by a counter".into()))
        }
        Ok(edit) => edit,
        Err(reason) => return Ok(Err(reason)),
    };
    let current: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT record FROM records WHERE shop_id = $1 AND kind = $2 AND uid = $3 FOR UPDATE")
            .bind(shop)
            .bind(edit.kind.as_str())
            .bind(&edit.uid)
            .fetch_optional(&mut **tx)
            .await?;
    let current: Option<Record> = match current.map(serde_json::from_value).transpose() {
        Ok(record) => record,
        Err(e) => return Err(Error::Internal(format!("a stored record can't be read: {e}"))),
    };
    let mut record = match replica::merge(current.as_ref(), &edit, &change.hlc) {
        Ok(record) => record,
        Err(reason) => return Ok(Err(reason)),
    };
    if current.is_some() {
        return Ok(Ok(record));
    }
    for (kind, uid) in record.parents() {
        let known: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM records WHERE shop_id = $1 AND kind = $2 AND uid = $3)")
                .bind(shop)
                .bind(kind.as_str())
                .bind(&uid)
                .fetch_one(&mut **tx)
                .await?;
        if !known {
            return Ok(Err(format!("the {} it belongs to is not in the cloud", kind.as_str().replace('_', " "))));
        }
    }
    // numbers another counter took meanwhile (both offline): this one gets the next free one
    let (field, taken, next) = match record.kind {
        Kind::RepairOrder => (
            "number",
            "SELECT EXISTS (SELECT 1 FROM records WHERE shop_id = $1 AND kind = 'repair_order'
                AND (record -> 'fields' ->> 'number')::bigint = $2)",
            "SELECT coalesce(max((record -> 'fields' ->> 'number')::bigint), 0) + 1 FROM records
              WHERE shop_id = $1 AND kind = 'repair_order' AND $3::text IS NOT NULL",
        ),
        Kind::Authorization => (
            "revision",
            "SELECT EXISTS (SELECT 1 FROM records WHERE shop_id = $1 AND kind = 'authorization'
                AND record -> 'fields' ->> 'repair_order_uid' = $3 AND (record -> 'fields' ->> 'revision')::bigint = $2)",
            "SELECT coalesce(max((record -> 'fields' ->> 'revision')::bigint), 0) + 1 FROM records
              WHERE shop_id = $1 AND kind = 'authorization' AND record -> 'fields' ->> 'repair_order_uid' = $3",
        ),
        _ => return Ok(Ok(record)),
    };
    let Some(wanted) = record.integer(field) else { return Ok(Err(format!("its {field} is not a number"))) };
    let parent = record.text("repair_order_uid").unwrap_or("").to_string();
    let clash: bool = sqlx::query_scalar(taken).bind(shop).bind(wanted).bind(&parent).fetch_one(&mut **tx).await?;
    if clash {
        let free: i64 = sqlx::query_scalar(next).bind(shop).bind(wanted).bind(&parent).fetch_one(&mut **tx).await?;
        record.fields.insert(field.into(), serde_json::Value::from(free));
    }
    Ok(Ok(record))
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
    if cursor < 0 {
        return Err(Error::BadRequest(format!("The cursor {cursor} is not a place in a feed; they start at 0.")));
    }
    if cursor > last_seq {
        return Err(Error::CursorOutOfRange { cursor, end: last_seq });
    }
    let rows = sqlx::query(
        "SELECT seq, device_id, device_seq, change_id, topic, entity_uid, payload, hlc, record FROM changes
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
            record: r.get::<Option<serde_json::Value>, _>(8).and_then(|v| serde_json::from_value(v).ok()),
        })
        .collect();
    let cursor = changes.last().map_or(cursor, |c| c.seq);
    Ok(Page { changes, cursor, last_seq })
}

/// A page of the shop's records as they stand, parents first: how a new counter starts.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub records: Vec<Record>,
    /// The feed's end when this page was read: pull from the first page's `feed_end` after the
    /// last page (changes made meanwhile are then applied again, in order, which changes nothing).
    pub feed_end: i64,
    /// Ask for the next page after this one; `None` on the last page.
    pub next: Option<SnapshotAfter>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotAfter {
    pub rank: i16,
    pub uid: String,
}

/// The shop's records after `after` (parents first), at most `limit`.
pub async fn snapshot(pool: &sqlx::PgPool, shop: Uuid, after: Option<SnapshotAfter>, limit: usize) -> Result<Snapshot> {
    let limit = limit.clamp(1, MAX_BATCH);
    let after = after.unwrap_or(SnapshotAfter { rank: -1, uid: String::new() });
    let mut tenant = Tenant::begin(pool, shop).await?;
    let feed_end: i64 = sqlx::query_scalar("SELECT coalesce((SELECT last_seq FROM shop_feeds WHERE shop_id = $1), 0)")
        .bind(shop)
        .fetch_one(&mut *tenant.tx)
        .await?;
    let rows: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT record FROM records WHERE shop_id = $1 AND (rank, uid) > ($2, $3) ORDER BY rank, uid LIMIT $4",
    )
    .bind(shop)
    .bind(after.rank)
    .bind(&after.uid)
    .bind(limit as i64)
    .fetch_all(&mut *tenant.tx)
    .await?;
    tenant.tx.commit().await?;
    let records = rows
        .into_iter()
        .map(serde_json::from_value::<Record>)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Internal(format!("a stored record can't be read: {e}")))?;
    let next = (records.len() == limit)
        .then(|| records.last().map(|r| SnapshotAfter { rank: r.kind.rank(), uid: r.uid.clone() }))
        .flatten();
    Ok(Snapshot { records, feed_end, next })
}
