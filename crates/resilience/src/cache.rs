//! Answers kept for reuse: in memory for speed (moka, bounded), and in SQLite for answers that
//! must survive a restart. Freshness is judged on our [`Clock`]; an entry past its TTL is kept
//! (up to the policy's `max_stale`) so it can still answer, marked stale, while a service is down.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dixon_clock::{to_stored, Clock};
use sqlx::SqlitePool;

/// How a call's answer is cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSpec {
    /// Identifies the answer within the service, e.g. `decode:1HGCM82633A004352:2003`.
    pub key: String,
    /// How long the answer is fresh.
    pub ttl: Duration,
    /// Also keep it in SQLite, so it answers after a restart.
    pub persistent: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub value: serde_json::Value,
    pub stored_at: DateTime<Utc>,
    fresh_until: DateTime<Utc>,
}

impl Entry {
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        now < self.fresh_until
    }
}

/// Most answers kept in memory at once, across all services.
const MEMORY_ENTRIES: u64 = 10_000;

pub(crate) struct Cache {
    memory: moka::sync::Cache<(String, String), Entry>,
    pool: Option<SqlitePool>,
    clock: Arc<dyn Clock>,
}

impl Cache {
    pub fn new(pool: Option<SqlitePool>, clock: Arc<dyn Clock>) -> Cache {
        Cache { memory: moka::sync::Cache::new(MEMORY_ENTRIES), pool, clock }
    }

    /// The entry for `key`, fresh or not, if it is younger than `max_stale` past its freshness.
    pub async fn get(&self, service: &str, spec: &CacheSpec, max_stale: Duration) -> Option<Entry> {
        let now = self.clock.now();
        let id = (service.to_string(), spec.key.clone());
        let entry = match self.memory.get(&id) {
            Some(entry) => Some(entry),
            None if spec.persistent => {
                let entry = self.load(service, &spec.key).await;
                if let Some(entry) = &entry {
                    self.memory.insert(id, entry.clone());
                }
                entry
            }
            None => None,
        }?;
        let too_old = entry.fresh_until + chrono::Duration::from_std(max_stale).unwrap_or(chrono::Duration::MAX);
        (now < too_old).then_some(entry)
    }

    pub async fn put(&self, service: &str, spec: &CacheSpec, value: serde_json::Value) {
        let now = self.clock.now();
        let entry = Entry {
            value,
            stored_at: now,
            fresh_until: now + chrono::Duration::from_std(spec.ttl).unwrap_or(chrono::Duration::MAX),
        };
        if spec.persistent {
            if let Some(pool) = &self.pool {
                let stored = sqlx::query(
                    "INSERT INTO integration_cache (service, key, value, stored_at, fresh_until) VALUES (?, ?, ?, ?, ?)
                     ON CONFLICT (service, key) DO UPDATE SET value = excluded.value, stored_at = excluded.stored_at,
                        fresh_until = excluded.fresh_until",
                )
                .bind(service)
                .bind(&spec.key)
                .bind(entry.value.to_string())
                .bind(to_stored(entry.stored_at))
                .bind(to_stored(entry.fresh_until))
                .execute(pool)
                .await;
                if let Err(e) = stored {
                    tracing::warn!(service, "could not keep an answer in the persistent cache: {e}");
                }
            }
        }
        self.memory.insert((service.to_string(), spec.key.clone()), entry);
    }

    async fn load(&self, service: &str, key: &str) -> Option<Entry> {
        let pool = self.pool.as_ref()?;
        let row: (String, DateTime<Utc>, DateTime<Utc>) = sqlx::query_as::<_, (String, DateTime<Utc>, DateTime<Utc>)>(
            "SELECT value, stored_at, fresh_until FROM integration_cache WHERE service = ? AND key = ?",
        )
        .bind(service)
        .bind(key)
        .fetch_optional(pool)
        .await
        .map_err(|e| tracing::warn!(service, "persistent cache unreadable: {e}"))
        .ok()??;
        let value = serde_json::from_str(&row.0).ok()?;
        Some(Entry { value, stored_at: row.1, fresh_until: row.2 })
    }
}
