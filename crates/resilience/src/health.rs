//! Health checks: each configured service is asked a cheap question every 30 s.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::error::Error;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A service's cheapest question (its health endpoint, or a tiny lookup).
pub trait HealthCheck: Send + Sync {
    fn check(&self) -> BoxFuture<'_, Result<(), Error>>;
}

/// What the Integrations screen shows for a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    /// Answers quickly and the breaker is closed.
    Healthy,
    /// Answers, but slowly, or the breaker is not closed.
    Degraded,
    /// Does not answer.
    Down,
    /// No account or address set up on this counter.
    NotConfigured,
}

impl HealthState {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::Healthy => "healthy",
            HealthState::Degraded => "degraded",
            HealthState::Down => "down",
            HealthState::NotConfigured => "not_configured",
        }
    }

    pub fn parse(text: &str) -> HealthState {
        match text {
            "healthy" => HealthState::Healthy,
            "degraded" => HealthState::Degraded,
            "not_configured" => HealthState::NotConfigured,
            _ => HealthState::Down,
        }
    }
}
