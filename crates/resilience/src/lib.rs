//! One shape for every outside service (vPIC, parts suppliers, Stripe, PayPal, Twilio, SendGrid,
//! SNS, the Dixon cloud): each is a thin typed client whose requests run through the same policy
//! stack and report to the same monitor.
//!
//! - [`Integrations`] is the registry: [`Integrations::register`] gives a [`Service`] for a
//!   [`ServiceConfig`] (id, label, kind, [`Policy`]) and its [`HealthCheck`].
//! - [`Service::call_or`] runs one request: a fresh cached answer if there is one; else, unless
//!   the [`CircuitBreaker`] is open, up to 1 + `max_retries` attempts, each waiting for the
//!   shared rate limit and bounded by the timeout, retried with jittered exponential backoff (or
//!   the service's `Retry-After`) only when the failure is transient and repeating is safe
//!   ([`SideEffects`]); else a stale cached answer, else the caller's [`Fallback`]. The answer
//!   says where it came from ([`Source`]).
//! - Every call leaves one [`Event`] in `integration_events` (redacted: no secrets, phone numbers
//!   or emails); [`Integrations::overview`] turns them into per-service metrics,
//!   [`Integrations::check_health`] asks each service its cheapest question, and
//!   [`Integrations::evaluate_alerts`] applies the [`AlertRules`], storing alerts until
//!   acknowledged and handing new ones to a [`Notifier`].
//! - [`http::send_json`] maps whatever an HTTP peer does (answers, refuses, resets, sends garbage)
//!   to an [`Error`] that says what happened and what to do.
//!
//! Crates used where they fit: governor (the shared rate limiter), moka (the bounded in-memory
//! cache). The breaker and the backoff are our own: they run on [`dixon_clock::Clock`] and follow
//! the platform's exact rules (see `breaker.rs`).

mod alerts;
mod breaker;
mod cache;
mod error;
mod health;
pub mod http;
mod hub;
mod monitor;
mod policy;
mod redact;
mod service;

pub use alerts::{Alert, AlertRules, LogNotifier, Notifier, Severity};
pub use breaker::{BreakerState, CircuitBreaker, Permit};
pub use cache::CacheSpec;
pub use error::Error;
pub use health::{BoxFuture, HealthCheck, HealthState};
pub use hub::{Integrations, ServiceStatus};
pub use monitor::{Event, Monitor, Outcome, WindowStats};
pub use policy::{BreakerPolicy, Policy, RateLimit, RetryPolicy};
pub use redact::redact;
pub use service::{Answer, Attempt, Call, Fallback, Reply, Service, ServiceConfig, ServiceKind, SideEffects, Source};
