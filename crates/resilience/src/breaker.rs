//! The circuit breaker: stop calling a service that keeps failing, then test it carefully.
//!
//! Written here rather than taken from a crate because it must run on our [`Clock`] (so tests
//! move time by hand), count failures in a sliding window, let exactly one trial call through at a
//! time while half-open, and need several successes in a row to close — a combination the
//! available breaker crates do not offer together.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use dixon_clock::Clock;
use serde::Serialize;

use crate::policy::BreakerPolicy;

/// What the breaker lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls go through; failures are counted.
    Closed,
    /// Calls fail fast without touching the service.
    Open,
    /// One trial call at a time goes through; enough successes close the breaker, a failure
    /// opens it again.
    HalfOpen,
}

#[derive(Debug)]
enum State {
    Closed { failures: VecDeque<DateTime<Utc>> },
    Open { until: DateTime<Utc> },
    HalfOpen { successes: u32, trial_in_flight: bool },
}

/// Permission to make one call; report its outcome with [`CircuitBreaker::record`].
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub struct Permit {
    trial: bool,
}

pub struct CircuitBreaker {
    policy: BreakerPolicy,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl CircuitBreaker {
    pub fn new(policy: BreakerPolicy, clock: Arc<dyn Clock>) -> CircuitBreaker {
        CircuitBreaker { policy, clock, state: Mutex::new(State::Closed { failures: VecDeque::new() }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The state now (an open breaker whose time is up reads as half-open).
    pub fn state(&self) -> BreakerState {
        let now = self.clock.now();
        match &*self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if now < *until => BreakerState::Open,
            State::Open { .. } | State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Asks to make a call. `Err(retry_in)` when the breaker is open (or a trial call is already
    /// in flight): fail fast, don't touch the service.
    pub fn try_acquire(&self) -> Result<Permit, Duration> {
        let now = self.clock.now();
        let mut state = self.lock();
        if let State::Open { until } = &*state {
            if now < *until {
                return Err((*until - now).to_std().unwrap_or_default());
            }
            *state = State::HalfOpen { successes: 0, trial_in_flight: false };
        }
        match &mut *state {
            State::Closed { .. } => Ok(Permit { trial: false }),
            State::HalfOpen { trial_in_flight, .. } if !*trial_in_flight => {
                *trial_in_flight = true;
                Ok(Permit { trial: true })
            }
            State::HalfOpen { .. } => Err(Duration::from_secs(1)),
            State::Open { .. } => unreachable!("an expired open state became half-open above"),
        }
    }

    /// Reports how the permitted call went. `failed` is true only for failures that say the
    /// service is unhealthy (see `Error::counts_against_service`).
    pub fn record(&self, permit: Permit, failed: bool) {
        let now = self.clock.now();
        let policy = self.policy;
        let mut state = self.lock();
        let open = || State::Open { until: now + chrono::Duration::from_std(policy.open_for).unwrap_or_default() };
        match &mut *state {
            State::Closed { failures } => {
                if failed {
                    let window = chrono::Duration::from_std(policy.window).unwrap_or_default();
                    failures.push_back(now);
                    while failures.front().is_some_and(|t| *t <= now - window) {
                        failures.pop_front();
                    }
                    if failures.len() as u32 >= policy.failures_to_open {
                        tracing::warn!("circuit breaker opened after {} failures", failures.len());
                        *state = open();
                    }
                }
            }
            State::HalfOpen { successes, trial_in_flight } if permit.trial => {
                *trial_in_flight = false;
                if failed {
                    *state = open();
                } else {
                    *successes += 1;
                    if *successes >= policy.successes_to_close {
                        tracing::info!("circuit breaker closed after {successes} successful trial calls");
                        *state = State::Closed { failures: VecDeque::new() };
                    }
                }
            }
            // A call permitted before the breaker changed state: its outcome is old news.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dixon_clock::ManualClock;

    fn breaker() -> (CircuitBreaker, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::starting_now());
        (CircuitBreaker::new(BreakerPolicy::default(), clock.clone()), clock)
    }

    fn fail(b: &CircuitBreaker) {
        let permit = b.try_acquire().expect("closed breakers let calls through");
        b.record(permit, true);
    }

    #[test]
    fn opens_after_five_failures_within_a_minute() {
        let (b, clock) = breaker();
        for _ in 0..4 {
            fail(&b);
            clock.advance(Duration::from_secs(10));
        }
        assert_eq!(b.state(), BreakerState::Closed);
        fail(&b);
        assert_eq!(b.state(), BreakerState::Open);
        let retry_in = b.try_acquire().unwrap_err();
        assert_eq!(retry_in, Duration::from_secs(30));
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let (b, clock) = breaker();
        for _ in 0..4 {
            fail(&b);
        }
        clock.advance(Duration::from_secs(61));
        fail(&b);
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn half_opens_after_thirty_seconds_and_closes_after_three_successes() {
        let (b, clock) = breaker();
        for _ in 0..5 {
            fail(&b);
        }
        clock.advance(Duration::from_secs(29));
        assert!(b.try_acquire().is_err(), "still open at 29 s");
        clock.advance(Duration::from_secs(1));
        assert_eq!(b.state(), BreakerState::HalfOpen);
        for i in 0..3 {
            let trial = b.try_acquire().expect("a trial call");
            assert!(b.try_acquire().is_err(), "one trial at a time");
            b.record(trial, false);
            let expected = if i < 2 { BreakerState::HalfOpen } else { BreakerState::Closed };
            assert_eq!(b.state(), expected);
        }
    }

    #[test]
    fn a_failed_trial_opens_it_again() {
        let (b, clock) = breaker();
        for _ in 0..5 {
            fail(&b);
        }
        clock.advance(Duration::from_secs(30));
        let trial = b.try_acquire().unwrap();
        b.record(trial, true);
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.try_acquire().unwrap_err(), Duration::from_secs(30));
    }
}
