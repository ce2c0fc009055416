//! [`Integrations`]: every service of the counter, their health, their metrics and the alerts.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use dixon_clock::{local_midnight, to_stored, Clock};
use serde::Serialize;
use sqlx::{Row, SqlitePool};

use crate::alerts::{Alert, AlertRules, Notifier, Severity};
use crate::breaker::BreakerState;
use crate::cache::Cache;
use crate::error::Error;
use crate::health::{HealthCheck, HealthState};
use crate::monitor::{Event, Monitor, Outcome};
use crate::service::{Service, ServiceConfig, ServiceKind};

/// A health check slower than this marks the service degraded.
const SLOW_HEALTH_CHECK: Duration = Duration::from_secs(3);
/// Latencies drawn in each service's little chart.
const CHART_POINTS: u32 = 30;

struct Registered {
    service: Arc<Service>,
    check: Option<Arc<dyn HealthCheck>>,
}

/// The registry of outside services. One per process, shared by every caller.
pub struct Integrations {
    monitor: Monitor,
    cache: Arc<Cache>,
    registered: RwLock<Vec<Registered>>,
}

/// One row of the Integrations screen and of `dixon health`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceStatus {
    pub id: String,
    pub label: String,
    pub kind: ServiceKind,
    pub state: HealthState,
    /// Why, in words (the last check's error), when not healthy.
    pub state_detail: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
    pub breaker: BreakerState,
    pub last_success_at: Option<DateTime<Utc>>,
    /// Over the last hour.
    pub p95_ms: Option<i64>,
    /// Over the last hour, 0.0–1.0.
    pub error_rate: Option<f64>,
    /// Share of the last hour's health checks that passed, 0.0–1.0.
    pub availability: Option<f64>,
    pub calls_today: i64,
    pub cost_today_microusd: i64,
    /// Latencies of the latest calls, oldest first, for the chart.
    pub recent_latency_ms: Vec<i64>,
}

impl Integrations {
    /// `pool` is the shop's database, already migrated.
    pub fn new(pool: SqlitePool, clock: Arc<dyn Clock>) -> Arc<Integrations> {
        let monitor = Monitor::new(pool.clone(), clock.clone());
        Arc::new(Integrations {
            cache: Arc::new(Cache::new(Some(pool), clock)),
            monitor,
            registered: RwLock::default(),
        })
    }

    pub fn monitor(&self) -> &Monitor {
        &self.monitor
    }

    /// Adds a service behind the policy stack. `check` is its health check; `None` lists it as
    /// not configured (no account on this counter).
    pub fn register(&self, config: ServiceConfig, check: Option<Arc<dyn HealthCheck>>) -> Arc<Service> {
        let service = Arc::new(Service::new(config, self.monitor.clone(), self.cache.clone()));
        let mut registered = self.registered.write().unwrap_or_else(|p| p.into_inner());
        registered.retain(|r| r.service.config().id != service.config().id);
        registered.push(Registered { service: service.clone(), check });
        service
    }

    fn entries(&self) -> Vec<(Arc<Service>, Option<Arc<dyn HealthCheck>>)> {
        let registered = self.registered.read().unwrap_or_else(|p| p.into_inner());
        registered.iter().map(|r| (r.service.clone(), r.check.clone())).collect()
    }

    /// Asks every service its health question now (concurrently), and stores the answers.
    pub async fn check_health(&self) {
        let checks =
            self.entries().into_iter().map(|(service, check)| async move { self.check_one(&service, check).await });
        futures_util::future::join_all(checks).await;
    }

    async fn check_one(&self, service: &Service, check: Option<Arc<dyn HealthCheck>>) {
        let config = service.config();
        let now = self.monitor.clock().now();
        let (state, detail) = match check {
            None => (HealthState::NotConfigured, None),
            Some(check) => {
                let started = Instant::now();
                let result = match tokio::time::timeout(config.policy.timeout, check.check()).await {
                    Ok(result) => result,
                    Err(_) => Err(Error::Timeout { service: config.label.clone(), after: config.policy.timeout }),
                };
                let latency = started.elapsed();
                self.monitor
                    .record(Event {
                        service: config.id.clone(),
                        operation: "health_check".into(),
                        started_at: now,
                        latency_ms: latency.as_millis() as i64,
                        outcome: if result.is_ok() { Outcome::Ok } else { Outcome::Error },
                        error_kind: result.as_ref().err().map(|e| e.kind().to_string()),
                        http_status: result.as_ref().err().and_then(|e| e.http_status()),
                        retries: 0,
                        cost_microusd: 0,
                        detail: result.as_ref().err().map(|e| e.to_string()),
                    })
                    .await;
                match result {
                    Err(e) => (HealthState::Down, Some(e.to_string())),
                    Ok(()) if latency > SLOW_HEALTH_CHECK => {
                        (HealthState::Degraded, Some(format!("answers slowly ({} ms)", latency.as_millis())))
                    }
                    Ok(()) if service.breaker_state() != BreakerState::Closed => {
                        (HealthState::Degraded, Some("recovering: recent calls failed".to_string()))
                    }
                    Ok(()) => (HealthState::Healthy, None),
                }
            }
        };
        let stored = sqlx::query(
            "INSERT INTO integration_health (service, state, detail, checked_at, state_since) VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (service) DO UPDATE SET
                state_since = CASE WHEN integration_health.state = excluded.state THEN integration_health.state_since ELSE excluded.checked_at END,
                state = excluded.state, detail = excluded.detail, checked_at = excluded.checked_at",
        )
        .bind(&config.id)
        .bind(state.as_str())
        .bind(detail.map(|d| self.monitor.redact(&d)))
        .bind(to_stored(now))
        .execute(self.monitor.pool())
        .await;
        if let Err(e) = stored {
            tracing::warn!(service = %config.id, "health not stored: {e}");
        }
    }

    /// Every service's state and metrics, in registration order.
    pub async fn overview(&self) -> Result<Vec<ServiceStatus>, Error> {
        let now = self.monitor.clock().now();
        let today = to_stored(local_midnight(now));
        let hour_ago = to_stored(now - chrono::Duration::hours(1));
        let mut rows = Vec::new();
        for (service, check) in self.entries() {
            let config = service.config();
            let id = config.id.as_str();
            let pool = self.monitor.pool();
            let health = sqlx::query("SELECT state, detail, checked_at FROM integration_health WHERE service = ?")
                .bind(id)
                .fetch_optional(pool)
                .await?;
            let (state, state_detail, checked_at) = match (&health, &check) {
                (_, None) => (HealthState::NotConfigured, None, None),
                (Some(h), Some(_)) => (
                    HealthState::parse(h.try_get("state")?),
                    h.try_get("detail")?,
                    h.try_get::<Option<DateTime<Utc>>, _>("checked_at")?,
                ),
                (None, Some(_)) => (HealthState::Degraded, Some("not checked yet".to_string()), None),
            };
            let today_row = sqlx::query(
                "SELECT COUNT(*) AS calls, COALESCE(SUM(cost_microusd), 0) AS cost,
                        (SELECT MAX(started_at) FROM integration_events WHERE service = ?1 AND outcome = 'ok') AS last_ok
                 FROM integration_events WHERE service = ?1 AND started_at >= ?2 AND operation <> 'health_check'",
            )
            .bind(id)
            .bind(&today)
            .fetch_one(pool)
            .await?;
            let checks = sqlx::query(
                "SELECT COUNT(*) AS total, COALESCE(SUM(outcome = 'ok'), 0) AS ok FROM integration_events
                 WHERE service = ? AND operation = 'health_check' AND started_at >= ?",
            )
            .bind(id)
            .bind(&hour_ago)
            .fetch_one(pool)
            .await?;
            let (total, ok): (i64, i64) = (checks.try_get("total")?, checks.try_get("ok")?);
            let mut recent: Vec<i64> = sqlx::query_scalar(
                "SELECT latency_ms FROM integration_events
                 WHERE service = ? AND operation <> 'health_check' AND outcome IN ('ok', 'error', 'fallback')
                 ORDER BY started_at DESC, id DESC LIMIT ?",
            )
            .bind(id)
            .bind(CHART_POINTS)
            .fetch_all(pool)
            .await?;
            recent.reverse();
            let hour = self.monitor.window(id, Duration::from_secs(3600)).await?;
            rows.push(ServiceStatus {
                id: config.id.clone(),
                label: config.label.clone(),
                kind: config.kind,
                state,
                state_detail,
                checked_at,
                breaker: service.breaker_state(),
                last_success_at: today_row.try_get::<Option<DateTime<Utc>>, _>("last_ok")?,
                p95_ms: hour.p95_ms,
                error_rate: hour.error_rate(),
                availability: (total > 0).then(|| ok as f64 / total as f64),
                calls_today: today_row.try_get("calls")?,
                cost_today_microusd: today_row.try_get("cost")?,
                recent_latency_ms: recent,
            });
        }
        Ok(rows)
    }

    /// Applies the alert rules now: raises what newly holds (and notifies), clears what no
    /// longer does.
    pub async fn evaluate_alerts(&self, rules: &AlertRules, notifier: &dyn Notifier) -> Result<(), Error> {
        let now = self.monitor.clock().now();
        let pool = self.monitor.pool();
        for (service, _) in self.entries() {
            let config = service.config();
            let mut firing: Vec<(&str, Severity, String)> = Vec::new();

            let down_since: Option<DateTime<Utc>> =
                sqlx::query_scalar("SELECT state_since FROM integration_health WHERE service = ? AND state = 'down'")
                    .bind(&config.id)
                    .fetch_optional(pool)
                    .await?;
            if let Some(since) = down_since {
                if now - since >= chrono::Duration::from_std(rules.unavailable_for).unwrap_or_default() {
                    let minutes = (now - since).num_minutes();
                    firing.push((
                        "unavailable",
                        Severity::Critical,
                        format!("{} has been down for {minutes} minutes.", config.label),
                    ));
                }
            }
            let rate_rule = |window: crate::monitor::WindowStats, threshold: f64| {
                window.calls >= rules.min_calls && window.error_rate().is_some_and(|r| r > threshold)
            };
            let (threshold, window) = rules.critical_error_rate;
            let stats = self.monitor.window(&config.id, window).await?;
            if rate_rule(stats, threshold) {
                firing.push((
                    "error_rate_critical",
                    Severity::Critical,
                    format!(
                        "{}: {:.0} % of calls failed in the last {} minutes.",
                        config.label,
                        percent(stats),
                        window.as_secs() / 60
                    ),
                ));
            }
            if config.kind == ServiceKind::Payments {
                let (threshold, window) = rules.payment_failure_rate;
                let stats = self.monitor.window(&config.id, window).await?;
                if rate_rule(stats, threshold) {
                    firing.push((
                        "payment_failures",
                        Severity::Critical,
                        format!(
                            "{}: {:.0} % of payment calls failed in the last {} minutes.",
                            config.label,
                            percent(stats),
                            window.as_secs() / 60
                        ),
                    ));
                }
            }
            let (slow, window) = rules.slow_p95;
            let stats = self.monitor.window(&config.id, window).await?;
            if stats.calls >= rules.min_calls && stats.p95_ms.is_some_and(|p95| p95 > slow.as_millis() as i64) {
                firing.push((
                    "slow",
                    Severity::Warning,
                    format!(
                        "{} is slow: 95 % of calls took up to {} ms in the last {} minutes.",
                        config.label,
                        stats.p95_ms.unwrap_or(0),
                        window.as_secs() / 60
                    ),
                ));
            }
            let (threshold, window) = rules.warning_error_rate;
            let stats = self.monitor.window(&config.id, window).await?;
            if rate_rule(stats, threshold) {
                firing.push((
                    "error_rate_warning",
                    Severity::Warning,
                    format!(
                        "{}: {:.1} % of calls failed in the last {} minutes.",
                        config.label,
                        percent(stats),
                        window.as_secs() / 60
                    ),
                ));
            }
            if let Some(limit) = rules.daily_cost_microusd.get(&config.id) {
                let cost: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(SUM(cost_microusd), 0) FROM integration_events WHERE service = ? AND started_at >= ?",
                )
                .bind(&config.id)
                .bind(to_stored(local_midnight(now)))
                .fetch_one(pool)
                .await?;
                if cost > *limit {
                    firing.push((
                        "daily_cost",
                        Severity::Warning,
                        format!(
                            "{} has cost ${:.2} today, over the ${:.2} limit.",
                            config.label,
                            cost as f64 / 1e6,
                            *limit as f64 / 1e6
                        ),
                    ));
                }
            }

            let active: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, rule FROM integration_alerts WHERE service = ? AND cleared_at IS NULL")
                    .bind(&config.id)
                    .fetch_all(pool)
                    .await?;
            for (id, rule) in &active {
                if !firing.iter().any(|(r, ..)| r == rule) {
                    sqlx::query("UPDATE integration_alerts SET cleared_at = ? WHERE id = ?")
                        .bind(to_stored(now))
                        .bind(id)
                        .execute(pool)
                        .await?;
                    tracing::info!(service = %config.id, rule, "alert cleared");
                }
            }
            for (rule, severity, message) in firing {
                if active.iter().any(|(_, r)| r == rule) {
                    continue;
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO integration_alerts (service, rule, severity, message, raised_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(&config.id)
                .bind(rule)
                .bind(severity.as_str())
                .bind(&message)
                .bind(to_stored(now))
                .fetch_one(pool)
                .await?;
                let alert = Alert {
                    id,
                    service: config.id.clone(),
                    rule: rule.to_string(),
                    severity,
                    message,
                    raised_at: now,
                    cleared_at: None,
                    acknowledged_at: None,
                };
                notifier.notify(&alert).await;
            }
        }
        Ok(())
    }

    /// Alerts not yet acknowledged, newest first.
    pub async fn alerts(&self) -> Result<Vec<Alert>, Error> {
        let rows = sqlx::query(
            "SELECT id, service, rule, severity, message, raised_at, cleared_at, acknowledged_at FROM integration_alerts
             WHERE acknowledged_at IS NULL ORDER BY raised_at DESC, id DESC",
        )
        .fetch_all(self.monitor.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Alert {
                    id: r.try_get("id")?,
                    service: r.try_get("service")?,
                    rule: r.try_get("rule")?,
                    severity: if r.try_get::<&str, _>("severity")? == "critical" {
                        Severity::Critical
                    } else {
                        Severity::Warning
                    },
                    message: r.try_get("message")?,
                    raised_at: r.try_get("raised_at")?,
                    cleared_at: r.try_get("cleared_at")?,
                    acknowledged_at: r.try_get("acknowledged_at")?,
                })
            })
            .collect()
    }

    /// Marks an alert as seen; it leaves the screen (and is raised again if its rule fires anew
    /// after clearing). Returns false when there was no such unacknowledged alert.
    pub async fn acknowledge(&self, id: i64) -> Result<bool, Error> {
        let done =
            sqlx::query("UPDATE integration_alerts SET acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL")
                .bind(to_stored(self.monitor.clock().now()))
                .bind(id)
                .execute(self.monitor.pool())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Checks health and applies the alert rules every `every`, until the returned task is
    /// aborted or the process ends.
    pub fn spawn_monitoring(
        self: &Arc<Self>,
        every: Duration,
        rules: AlertRules,
        notifier: Arc<dyn Notifier>,
    ) -> tokio::task::JoinHandle<()> {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                hub.check_health().await;
                if let Err(e) = hub.evaluate_alerts(&rules, notifier.as_ref()).await {
                    tracing::warn!("alert rules not applied: {e}");
                }
            }
        })
    }
}

fn percent(stats: crate::monitor::WindowStats) -> f64 {
    stats.error_rate().unwrap_or(0.0) * 100.0
}
