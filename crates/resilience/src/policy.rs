//! What each service's policy stack does, with the platform's defaults.

use std::time::Duration;

use rand::Rng;

/// Everything configurable about one service.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Longest a single request may take.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub breaker: BreakerPolicy,
    /// Requests allowed per period, shared by every caller in the process; `None` for no limit.
    pub rate_limit: Option<RateLimit>,
    /// Longest a caller waits for the rate limiter before the call fails fast.
    pub max_rate_limit_wait: Duration,
    /// Price of one request, in millionths of a dollar (Twilio's $0.0079 is 7 900).
    pub cost_per_request_microusd: i64,
    /// How long an expired cache entry may still answer while the service is down.
    pub max_stale: Duration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            breaker: BreakerPolicy::default(),
            rate_limit: None,
            max_rate_limit_wait: Duration::from_secs(10),
            cost_per_request_microusd: 0,
            max_stale: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Exponential backoff with jitter: attempt n waits `base × factorⁿ`, capped, ± `jitter`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base: Duration,
    pub factor: f64,
    pub cap: Duration,
    /// Fraction of the delay added or removed at random (0.25 = ±25 %), so that many counters
    /// coming back online do not retry in lockstep.
    pub jitter: f64,
    /// A `Retry-After` longer than this is not waited for: the call fails and falls back instead.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            base: Duration::from_secs(1),
            factor: 2.0,
            cap: Duration::from_secs(10),
            jitter: 0.25,
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (0 for the first retry), without jitter.
    pub fn nominal_delay(&self, retry: u32) -> Duration {
        let secs = self.base.as_secs_f64() * self.factor.powi(retry as i32);
        Duration::from_secs_f64(secs.min(self.cap.as_secs_f64()))
    }

    /// The delay before retry number `retry`, with jitter drawn from `rng`.
    pub fn delay(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let nominal = self.nominal_delay(retry).as_secs_f64();
        let spread = if self.jitter > 0.0 { rng.random_range(-self.jitter..=self.jitter) } else { 0.0 };
        Duration::from_secs_f64((nominal * (1.0 + spread)).max(0.0))
    }

    /// No retries at all (for calls whose side effects can't be repeated safely).
    pub fn none() -> RetryPolicy {
        RetryPolicy { max_retries: 0, ..RetryPolicy::default() }
    }
}

/// When the breaker opens, how long it stays open, and what closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Failed calls within `window` that open the breaker.
    pub failures_to_open: u32,
    pub window: Duration,
    /// How long the breaker stays open before letting a trial call through (half-open).
    pub open_for: Duration,
    /// Successful trial calls in a row that close it again.
    pub successes_to_close: u32,
}

impl Default for BreakerPolicy {
    fn default() -> BreakerPolicy {
        BreakerPolicy {
            failures_to_open: 5,
            window: Duration::from_secs(60),
            open_for: Duration::from_secs(30),
            successes_to_close: 3,
        }
    }
}

/// `calls` requests per `per`, e.g. vPIC's 5 000 per hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub calls: u32,
    pub per: Duration,
}

impl RateLimit {
    pub fn per_hour(calls: u32) -> RateLimit {
        RateLimit { calls, per: Duration::from_secs(3600) }
    }

    pub fn per_second(calls: u32) -> RateLimit {
        RateLimit { calls, per: Duration::from_secs(1) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn delays_double_up_to_the_cap() {
        let retry = RetryPolicy::default();
        let secs: Vec<f64> = (0..6).map(|n| retry.nominal_delay(n).as_secs_f64()).collect();
        assert_eq!(secs, [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]);
    }

    #[test]
    fn jitter_stays_within_a_quarter_and_spreads() {
        let retry = RetryPolicy::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for n in 0..5 {
            let nominal = retry.nominal_delay(n).as_secs_f64();
            let samples: Vec<f64> = (0..2_000).map(|_| retry.delay(n, &mut rng).as_secs_f64()).collect();
            let (lo, hi) = samples.iter().fold((f64::MAX, f64::MIN), |(lo, hi), s| (lo.min(*s), hi.max(*s)));
            assert!(lo >= nominal * 0.75 - 1e-9 && hi <= nominal * 1.25 + 1e-9, "retry {n}: {lo}..{hi}");
            assert!(lo < nominal * 0.8 && hi > nominal * 1.2, "retry {n} uses the whole ±25 %: {lo}..{hi}");
        }
    }
}
