//! Alert rules over the events and health of each service, stored until acknowledged and handed
//! to a [`Notifier`].

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::health::BoxFuture;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
        }
    }
}

/// A stored alert.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Alert {
    pub id: i64,
    pub service: String,
    /// The rule's stable name, e.g. `unavailable`, `error_rate_critical`.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub raised_at: DateTime<Utc>,
    /// When the condition ended; `None` while it holds.
    pub cleared_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// When alerts fire. The defaults are the platform's integration architecture's.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRules {
    /// Critical: the service has been down this long.
    pub unavailable_for: Duration,
    /// Critical: this error rate over this window.
    pub critical_error_rate: (f64, Duration),
    /// Critical, payment services only: this failure rate over this window.
    pub payment_failure_rate: (f64, Duration),
    /// Warning: p95 latency above this over this window.
    pub slow_p95: (Duration, Duration),
    /// Warning: this error rate over this window.
    pub warning_error_rate: (f64, Duration),
    /// Rates are judged only over at least this many calls (two failures of three calls at
    /// 7 a.m. are not an outage).
    pub min_calls: u64,
    /// Warning: a service's cost today above this, in millionths of a dollar, by service id.
    pub daily_cost_microusd: HashMap<String, i64>,
}

impl Default for AlertRules {
    fn default() -> AlertRules {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        AlertRules {
            unavailable_for: minutes(5),
            critical_error_rate: (0.05, minutes(10)),
            payment_failure_rate: (0.10, minutes(5)),
            slow_p95: (Duration::from_secs(3), minutes(15)),
            warning_error_rate: (0.02, minutes(30)),
            min_calls: 5,
            daily_cost_microusd: HashMap::new(),
        }
    }
}

/// Where alerts go besides the screen (SMS and email arrive with the notifications work).
pub trait Notifier: Send + Sync {
    fn notify<'a>(&'a self, alert: &'a Alert) -> BoxFuture<'a, ()>;
}

/// Writes alerts to the log.
pub struct LogNotifier;

impl Notifier for LogNotifier {
    fn notify<'a>(&'a self, alert: &'a Alert) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            tracing::warn!(service = %alert.service, rule = %alert.rule, severity = alert.severity.as_str(), "alert: {}", alert.message);
        })
    }
}
