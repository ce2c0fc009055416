//! Live data: polls a watched set of PIDs, each at its own rate, packing the PIDs that are due
//! into as few requests as the adapter allows (six per request on CAN), and reconnecting when
//! the adapter drops.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::session::Session;
use crate::{Error, Reading, Result};

/// A PID to watch and how often.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Watched {
    pub pid: u8,
    /// Reads per second; `None` as often as the link allows.
    pub hz: Option<f64>,
}

impl Watched {
    /// A rate of 1–10 Hz, as the dashboard offers.
    pub fn at(pid: u8, hz: f64) -> Watched {
        Watched { pid, hz: Some(hz.clamp(0.1, 50.0)) }
    }
}

/// What the watcher reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WatchEvent {
    /// Values read by one request; `at_ms` counts from the start of the watch.
    Readings {
        at_ms: u64,
        readings: Vec<Reading>,
    },
    /// The adapter dropped; the watcher keeps trying to reconnect.
    Lost {
        error: String,
    },
    Reconnected,
}

/// Totals when the watch ends.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct WatchStats {
    pub requests: u64,
    pub values: u64,
    pub seconds: f64,
}

impl WatchStats {
    pub fn values_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.values as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Polls `watched` until `stop` is set (or `limit` requests were made, for benchmarks).
pub async fn watch(
    session: &mut Session,
    watched: &[Watched],
    stop: &AtomicBool,
    limit: Option<u64>,
    mut on_event: impl FnMut(WatchEvent),
) -> Result<WatchStats> {
    if watched.is_empty() {
        return Err(Error::Unsupported("any of the chosen values (pick at least one)".into()));
    }
    let started = Instant::now();
    let mut due: Vec<(Instant, Watched)> = watched.iter().map(|w| (started, *w)).collect();
    let mut stats = WatchStats { requests: 0, values: 0, seconds: 0.0 };
    while !stop.load(Ordering::Relaxed) && limit.is_none_or(|l| stats.requests < l) {
        let now = Instant::now();
        let earliest = due.iter().map(|(at, _)| *at).min().unwrap_or(now);
        if earliest > now {
            // wake at the next due time, or in 50 ms to notice `stop`
            tokio::time::sleep_until(earliest.min(now + Duration::from_millis(50))).await;
            continue;
        }
        // most overdue first, up to what one request carries
        due.sort_by_key(|(at, _)| *at);
        let per_request = if session.speedups().0 { 6 } else { 1 };
        let batch: Vec<u8> = due.iter().filter(|(at, _)| *at <= now).take(per_request).map(|(_, w)| w.pid).collect();
        match session.read(&batch).await {
            Ok(readings) => {
                stats.requests += 1;
                stats.values += readings.len() as u64;
                let sent = Instant::now();
                for (at, w) in due.iter_mut().filter(|(_, w)| batch.contains(&w.pid)) {
                    *at = match w.hz {
                        Some(hz) => (*at + Duration::from_secs_f64(1.0 / hz)).max(sent - Duration::from_secs(1)),
                        None => sent,
                    };
                }
                if !readings.is_empty() {
                    on_event(WatchEvent::Readings { at_ms: started.elapsed().as_millis() as u64, readings });
                }
            }
            Err(error) if error.is_link_lost() => {
                on_event(WatchEvent::Lost { error: error.to_string() });
                if !reconnect(session, stop).await {
                    break;
                }
                on_event(WatchEvent::Reconnected);
            }
            Err(error) => return Err(error),
        }
    }
    stats.seconds = started.elapsed().as_secs_f64();
    Ok(stats)
}

/// Tries to reconnect with growing pauses (0.5 s up to 5 s) until it works or `stop` is set.
async fn reconnect(session: &mut Session, stop: &AtomicBool) -> bool {
    let mut pause = Duration::from_millis(500);
    while !stop.load(Ordering::Relaxed) {
        if session.reconnect().await.is_ok() {
            return true;
        }
        let until = Instant::now() + pause;
        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        pause = (pause * 2).min(Duration::from_secs(5));
    }
    false
}
