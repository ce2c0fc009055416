//! The integration monitor: one row per call in `integration_events`, metrics over rolling
//! windows, the latest health of each service, and alerts.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use dixon_clock::{to_stored, Clock};
use serde::Serialize;
use sqlx::{Row, SqlitePool};

use crate::error::Error;
use crate::redact::redact;

/// How a call ended, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A live answer from the service.
    Ok,
    /// No answer, and nothing to fall back on.
    Error,
    /// Not attempted: the breaker is open (and nothing to fall back on).
    BreakerOpen,
    /// The service failed or was not called; a stale cached or local answer was given instead.
    Fallback,
    /// A fresh cached answer; the service was not called.
    CacheHit,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::BreakerOpen => "breaker_open",
            Outcome::Fallback => "fallback",
            Outcome::CacheHit => "cache_hit",
        }
    }
}

/// One call to an outside service.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Event {
    pub service: String,
    pub operation: String,
    pub started_at: DateTime<Utc>,
    pub latency_ms: i64,
    pub outcome: Outcome,
    pub error_kind: Option<String>,
    pub http_status: Option<u16>,
    pub retries: u32,
    pub cost_microusd: i64,
    /// Redacted before it is stored.
    pub detail: Option<String>,
}

/// Stores events and reads metrics. Cheap to clone.
#[derive(Clone)]
pub struct Monitor {
    pool: SqlitePool,
    clock: Arc<dyn Clock>,
    /// Values that must never be stored (API keys, tokens); registered by each client.
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Monitor {
    /// `pool` is the shop's SQLite database (migrated by `dixon_shop::Store::open`).
    pub fn new(pool: SqlitePool, clock: Arc<dyn Clock>) -> Monitor {
        Monitor { pool, clock, secrets: Arc::default() }
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Never store or log this value (an API key, a token).
    pub fn register_secret(&self, secret: impl Into<String>) {
        self.secrets.write().unwrap_or_else(|p| p.into_inner()).push(secret.into());
    }

    /// Scrubs text of secrets and customer contact details.
    pub fn redact(&self, text: &str) -> String {
        redact(text, &self.secrets.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Stores one event (its detail redacted). A monitor that can't write never fails the call.
    pub async fn record(&self, mut event: Event) {
        event.detail = event.detail.map(|d| self.redact(&d));
        let result = sqlx::query(
            "INSERT INTO integration_events
                (service, operation, started_at, latency_ms, outcome, error_kind, http_status, retries, cost_microusd, detail)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&event.service)
        .bind(&event.operation)
        .bind(to_stored(event.started_at))
        .bind(event.latency_ms)
        .bind(event.outcome.as_str())
        .bind(&event.error_kind)
        .bind(event.http_status)
        .bind(event.retries)
        .bind(event.cost_microusd)
        .bind(&event.detail)
        .execute(&self.pool)
        .await;
        if let Err(e) = result {
            tracing::warn!(service = %event.service, "integration event not stored: {e}");
        }
        match event.outcome {
            Outcome::Ok | Outcome::CacheHit => {
                tracing::debug!(service = %event.service, operation = %event.operation, latency_ms = event.latency_ms, outcome = event.outcome.as_str())
            }
            _ => tracing::info!(
                service = %event.service,
                operation = %event.operation,
                latency_ms = event.latency_ms,
                outcome = event.outcome.as_str(),
                error = event.error_kind.as_deref().unwrap_or(""),
                "integration call did not get a live answer"
            ),
        }
    }

    /// Events, newest first: all services or one, since a time, at most `limit`.
    pub async fn events(
        &self,
        service: Option<&str>,
        since: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<Vec<Event>, Error> {
        let rows = sqlx::query(
            "SELECT service, operation, started_at, latency_ms, outcome, error_kind, http_status, retries, cost_microusd, detail
             FROM integration_events
             WHERE (?1 IS NULL OR service = ?1) AND (?2 IS NULL OR started_at >= ?2)
             ORDER BY started_at DESC, id DESC LIMIT ?3",
        )
        .bind(service)
        .bind(since.map(to_stored))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let outcome: String = r.try_get("outcome")?;
                Ok(Event {
                    service: r.try_get("service")?,
                    operation: r.try_get("operation")?,
                    started_at: r.try_get("started_at")?,
                    latency_ms: r.try_get("latency_ms")?,
                    outcome: match outcome.as_str() {
                        "ok" => Outcome::Ok,
                        "breaker_open" => Outcome::BreakerOpen,
                        "fallback" => Outcome::Fallback,
                        "cache_hit" => Outcome::CacheHit,
                        _ => Outcome::Error,
                    },
                    error_kind: r.try_get("error_kind")?,
                    http_status: r.try_get::<Option<i64>, _>("http_status")?.map(|s| s as u16),
                    retries: r.try_get::<i64, _>("retries")? as u32,
                    cost_microusd: r.try_get("cost_microusd")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }

    /// Calls of `service` over the last `window` (health checks excluded).
    pub async fn window(&self, service: &str, window: Duration) -> Result<WindowStats, Error> {
        let since = self.clock.now() - chrono::Duration::from_std(window).unwrap_or_default();
        let rows = sqlx::query(
            "SELECT outcome, latency_ms FROM integration_events
             WHERE service = ? AND started_at >= ? AND operation <> 'health_check' AND outcome <> 'cache_hit'",
        )
        .bind(service)
        .bind(to_stored(since))
        .fetch_all(&self.pool)
        .await?;
        let mut stats = WindowStats::default();
        let mut latencies = Vec::with_capacity(rows.len());
        for row in &rows {
            let outcome: &str = row.try_get("outcome")?;
            stats.calls += 1;
            if outcome != "ok" {
                stats.failures += 1;
            }
            if outcome == "ok" || outcome == "error" || outcome == "fallback" {
                latencies.push(row.try_get::<i64, _>("latency_ms")?);
            }
        }
        stats.p95_ms = percentile(&mut latencies, 0.95);
        Ok(stats)
    }
}

/// Calls and failures over a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct WindowStats {
    pub calls: u64,
    /// Calls without a live answer (errors, breaker open, fallbacks).
    pub failures: u64,
    /// 95th percentile latency of calls that reached the service; `None` without any.
    pub p95_ms: Option<i64>,
}

impl WindowStats {
    /// Failed share of calls, 0.0–1.0; `None` without calls.
    pub fn error_rate(&self) -> Option<f64> {
        (self.calls > 0).then(|| self.failures as f64 / self.calls as f64)
    }
}

/// Nearest-rank percentile.
pub(crate) fn percentile(values: &mut [i64], p: f64) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_is_nearest_rank() {
        let mut v: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&mut v, 0.95), Some(95));
        assert_eq!(percentile(&mut [7], 0.95), Some(7));
        assert_eq!(percentile(&mut [], 0.95), None);
    }
}
