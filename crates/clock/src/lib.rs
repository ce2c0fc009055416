//! The one clock of Dixon Counter.
//!
//! Everything that reads the time (the store's timestamps, circuit breakers, caches, alert rules)
//! takes an `Arc<dyn Clock>`, so tests can pin time ([`FixedClock`]) or move it by hand
//! ([`ManualClock`]) instead of sleeping. Timestamps are stored with [`to_stored`]: fixed-width
//! UTC text, so that text order is time order in SQL.
//!
//! ```
//! use dixon_clock::{Clock, ManualClock};
//! let clock = ManualClock::starting_now();
//! let before = clock.now();
//! clock.advance(std::time::Duration::from_secs(30));
//! assert_eq!((clock.now() - before).num_seconds(), 30);
//! ```

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Local, NaiveTime, SecondsFormat, TimeZone, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The PC's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same time.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock(Mutex::new(start))
    }

    pub fn starting_now() -> ManualClock {
        ManualClock::new(Utc::now())
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// How every timestamp is stored: `2026-11-25T10:42:07.123456Z`.
pub fn to_stored(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The year on this PC's calendar at `now` (for model-year bounds).
pub fn local_year(now: DateTime<Utc>) -> i32 {
    chrono::Datelike::year(&now.with_timezone(&Local))
}

/// Midnight at the start of `now`'s day on this PC's clock, in UTC ("today" on the counter).
pub fn local_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    let date = now.with_timezone(&Local).date_naive();
    Local.from_local_datetime(&date.and_time(NaiveTime::MIN)).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or(now)
}
