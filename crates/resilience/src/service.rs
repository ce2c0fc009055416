//! One service's policy stack: cache → breaker → (rate limit → timeout → request) with retries →
//! stale-if-error → fallback, and one integration event per call.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::breaker::{BreakerState, CircuitBreaker};
use crate::cache::{Cache, CacheSpec};
use crate::error::Error;
use crate::monitor::{Event, Monitor, Outcome};
use crate::policy::Policy;

/// What kind of service this is; some alert rules apply to one kind only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// Lookups: VIN decoding, parts catalogs.
    Data,
    /// Card and wallet payments; failures here get their own alert rule.
    Payments,
    /// SMS, email, push.
    Messaging,
    /// The Dixon cloud.
    Cloud,
    /// Something on this PC the screen watches like a service (the backups).
    Local,
}

/// A service's identity and policy.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Short stable id used in events and config, e.g. `vpic`.
    pub id: String,
    /// The name a service writer reads, e.g. "NHTSA vPIC (VIN decoding)".
    pub label: String,
    pub kind: ServiceKind,
    pub policy: Policy,
}

/// Whether a call changes something at the service, and so whether it may be repeated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SideEffects {
    /// A read: retried freely.
    None,
    /// A write the service de-duplicates by this key (stored by the caller before the first
    /// attempt); every retry sends the same key.
    Idempotent { key: String },
    /// A write that can't be de-duplicated: sent at most once, never retried.
    Unrepeatable,
}

/// One call through the stack.
#[derive(Debug, Clone)]
pub struct Call {
    pub operation: String,
    pub side_effects: SideEffects,
    pub cache: Option<CacheSpec>,
    /// The whole call's budget, retries included; `None` for the policy's own limits. Someone
    /// is waiting at the counter: past this, the call stops retrying and falls back.
    pub deadline: Option<Duration>,
}

impl Call {
    /// A read, retried on transient failures.
    pub fn read(operation: impl Into<String>) -> Call {
        Call { operation: operation.into(), side_effects: SideEffects::None, cache: None, deadline: None }
    }

    /// A write retried only with the same idempotency key.
    pub fn idempotent_write(operation: impl Into<String>, key: impl Into<String>) -> Call {
        Call {
            operation: operation.into(),
            side_effects: SideEffects::Idempotent { key: key.into() },
            cache: None,
            deadline: None,
        }
    }

    /// A write sent at most once.
    pub fn unrepeatable_write(operation: impl Into<String>) -> Call {
        Call { operation: operation.into(), side_effects: SideEffects::Unrepeatable, cache: None, deadline: None }
    }

    /// Answers from the cache while fresh; keeps live answers for `ttl`.
    pub fn cached(mut self, key: impl Into<String>, ttl: Duration, persistent: bool) -> Call {
        self.cache = Some(CacheSpec { key: key.into(), ttl, persistent });
        self
    }

    /// Gives the whole call at most `budget`, retries included (for calls a person waits on).
    pub fn within(mut self, budget: Duration) -> Call {
        self.deadline = Some(budget);
        self
    }
}

/// What the request closure is told about its attempt.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// 0 for the first try.
    pub number: u32,
    /// The key to send with a write (the same on every attempt).
    pub idempotency_key: Option<&'a str>,
}

/// A live answer and the HTTP status that carried it (for the events table).
#[derive(Debug, Clone)]
pub struct Reply<T> {
    pub value: T,
    pub http_status: Option<u16>,
}

/// Where an answer came from. Anything but `Live` is shown to the user as such.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    /// From the service, now.
    Live,
    /// From the cache, still fresh.
    Cache { stored_at: DateTime<Utc> },
    /// From the cache past its freshness, because the service did not answer.
    StaleCache { stored_at: DateTime<Utc> },
    /// From an alternative provider or a local answer, named here (e.g. "offline decoder").
    Fallback { name: String },
}

#[derive(Debug, Clone)]
pub struct Answer<T> {
    pub value: T,
    pub source: Source,
}

/// A local or alternative answer for when the service can't give one.
pub struct Fallback<T> {
    pub value: T,
    /// Names the source, e.g. "offline decoder".
    pub name: String,
}

/// One outside service behind the policy stack. Shared by every caller in the process.
pub struct Service {
    config: ServiceConfig,
    breaker: CircuitBreaker,
    limiter: Option<DefaultDirectRateLimiter>,
    cache: Arc<Cache>,
    monitor: Monitor,
}

impl Service {
    pub(crate) fn new(config: ServiceConfig, monitor: Monitor, cache: Arc<Cache>) -> Service {
        let limiter = config.policy.rate_limit.and_then(|limit| {
            let calls = std::num::NonZeroU32::new(limit.calls)?;
            let quota = Quota::with_period(limit.per / limit.calls)?.allow_burst(calls);
            Some(RateLimiter::direct(quota))
        });
        Service {
            breaker: CircuitBreaker::new(config.policy.breaker, monitor.clock().clone()),
            limiter,
            cache,
            monitor,
            config,
        }
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }

    /// Runs `request` through the stack; with no fallback, a failure is an error.
    pub async fn call<T, F, Fut>(&self, call: Call, request: F) -> Result<Answer<T>, Error>
    where
        T: Serialize + DeserializeOwned + Clone,
        F: FnMut(Attempt<'_>) -> Fut,
        Fut: Future<Output = Result<Reply<T>, Error>>,
    {
        self.call_or(call, request, |_| None).await
    }

    /// Runs `request` through the stack. When no live answer comes, a stale cached answer is
    /// used, else `fallback`'s answer, else the error.
    pub async fn call_or<T, F, Fut, FB>(&self, call: Call, mut request: F, fallback: FB) -> Result<Answer<T>, Error>
    where
        T: Serialize + DeserializeOwned + Clone,
        F: FnMut(Attempt<'_>) -> Fut,
        Fut: Future<Output = Result<Reply<T>, Error>>,
        FB: FnOnce(&Error) -> Option<Fallback<T>>,
    {
        let started_at = self.monitor.clock().now();
        let started = Instant::now();
        let mut event = Event {
            service: self.config.id.clone(),
            operation: call.operation.clone(),
            started_at,
            latency_ms: 0,
            outcome: Outcome::Ok,
            error_kind: None,
            http_status: None,
            retries: 0,
            cost_microusd: 0,
            detail: None,
        };
        let policy = &self.config.policy;

        let cached = match &call.cache {
            Some(spec) => self.cache.get(&self.config.id, spec, policy.max_stale).await,
            None => None,
        };
        if let Some(entry) = cached.as_ref().filter(|e| e.is_fresh(started_at)) {
            if let Ok(value) = serde_json::from_value::<T>(entry.value.clone()) {
                event.outcome = Outcome::CacheHit;
                self.finish(event, started).await;
                return Ok(Answer { value, source: Source::Cache { stored_at: entry.stored_at } });
            }
        }

        let result = self.attempts(&call, &mut request, &mut event).await;
        let error = match result {
            Ok(reply) => {
                if let Some(spec) = &call.cache {
                    match serde_json::to_value(&reply.value) {
                        Ok(json) => self.cache.put(&self.config.id, spec, json).await,
                        Err(e) => tracing::warn!(service = %self.config.id, "answer not cacheable: {e}"),
                    }
                }
                event.http_status = reply.http_status.or(event.http_status);
                self.finish(event, started).await;
                return Ok(Answer { value: reply.value, source: Source::Live });
            }
            Err(error) => error,
        };

        event.error_kind = Some(error.kind().to_string());
        event.http_status = error.http_status().or(event.http_status);
        event.detail = Some(error.to_string());
        if let Some(entry) = cached {
            if let Ok(value) = serde_json::from_value::<T>(entry.value) {
                event.outcome = Outcome::Fallback;
                event.detail = Some(format!("stale cache after: {error}"));
                self.finish(event, started).await;
                return Ok(Answer { value, source: Source::StaleCache { stored_at: entry.stored_at } });
            }
        }
        if let Some(local) = fallback(&error) {
            event.outcome = Outcome::Fallback;
            event.detail = Some(format!("{} after: {error}", local.name));
            self.finish(event, started).await;
            return Ok(Answer { value: local.value, source: Source::Fallback { name: local.name } });
        }
        event.outcome = if matches!(error, Error::BreakerOpen { .. }) { Outcome::BreakerOpen } else { Outcome::Error };
        self.finish(event, started).await;
        Err(error)
    }

    /// Breaker, then attempts with retries; each attempt waits for the rate limiter and is
    /// bounded by the timeout.
    async fn attempts<T, F, Fut>(&self, call: &Call, request: &mut F, event: &mut Event) -> Result<Reply<T>, Error>
    where
        F: FnMut(Attempt<'_>) -> Fut,
        Fut: Future<Output = Result<Reply<T>, Error>>,
    {
        let policy = &self.config.policy;
        let service = &self.config.label;
        let permit =
            self.breaker.try_acquire().map_err(|retry_in| Error::BreakerOpen { service: service.clone(), retry_in })?;
        let (max_retries, key) = match &call.side_effects {
            SideEffects::None => (policy.retry.max_retries, None),
            SideEffects::Idempotent { key } => (policy.retry.max_retries, Some(key.as_str())),
            SideEffects::Unrepeatable => (0, None),
        };
        let started = std::time::Instant::now();
        let left = || call.deadline.map(|budget| budget.saturating_sub(started.elapsed()));
        let mut number = 0;
        let outcome = loop {
            if let Err(e) = self.wait_for_rate_limit().await {
                break Err(e);
            }
            event.cost_microusd += policy.cost_per_request_microusd;
            let attempt = Attempt { number, idempotency_key: key };
            let timeout = left().map_or(policy.timeout, |left| left.min(policy.timeout));
            let result = match tokio::time::timeout(timeout, request(attempt)).await {
                Ok(result) => result,
                Err(_) => Err(Error::Timeout { service: service.clone(), after: timeout }),
            };
            let error = match result {
                Ok(reply) => break Ok(reply),
                Err(error) => error,
            };
            event.http_status = error.http_status();
            if !error.is_transient() || number >= max_retries {
                break Err(error);
            }
            let delay = match error.retry_after() {
                Some(asked) if asked > policy.retry.max_retry_after => break Err(error),
                Some(asked) => asked,
                None => policy.retry.delay(number, &mut rand::rng()),
            };
            if left().is_some_and(|left| left <= delay) {
                break Err(error); // no time for another try: fall back now
            }
            tracing::debug!(service = %self.config.id, retry = number + 1, delay_ms = delay.as_millis() as u64, "retrying after {}", error.kind());
            tokio::time::sleep(delay).await;
            number += 1;
            event.retries = number;
        };
        let failed = outcome.as_ref().err().is_some_and(Error::counts_against_service);
        self.breaker.record(permit, failed);
        outcome
    }

    /// Waits for the shared rate limiter, or fails fast when the wait would be too long.
    async fn wait_for_rate_limit(&self) -> Result<(), Error> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        loop {
            match limiter.check() {
                Ok(()) => return Ok(()),
                Err(not_until) => {
                    let wait = not_until.wait_time_from(DefaultClock::default().now());
                    if wait > self.config.policy.max_rate_limit_wait {
                        return Err(Error::LocalRateLimit { service: self.config.label.clone(), retry_in: wait });
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn finish(&self, mut event: Event, started: Instant) {
        event.latency_ms = started.elapsed().as_millis() as i64;
        self.monitor.record(event).await;
    }
}
