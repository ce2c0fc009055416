//! Prometheus metrics for `GET /metrics`: pushes, pulls, changes applied / duplicate / refused,
//! push latency as a histogram, and each shop's lag (how far its slowest counter's cursor is
//! behind the shop's feed, as this server has seen them since it started). Kept in atomics and
//! one small map: a scrape never waits on the database, and no customer data or shop name ever
//! appears in a label (shops by id only).

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the push latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
pub struct Metrics {
    pushes: AtomicU64,
    pulls: AtomicU64,
    applied: AtomicU64,
    duplicates: AtomicU64,
    rejected: AtomicU64,
    out_of_order: AtomicU64,
    failed_requests: AtomicU64,
    push_buckets: [AtomicU64; BUCKETS.len()],
    push_count: AtomicU64,
    push_micros: AtomicU64,
    shops: Mutex<HashMap<uuid::Uuid, Feed>>,
}

/// One shop's feed end and its counters' cursors, as seen by this server.
#[derive(Default)]
struct Feed {
    last_seq: i64,
    cursors: HashMap<uuid::Uuid, i64>,
}

impl Metrics {
    pub fn pushed(&self, took: Duration, applied: u64, duplicates: u64, rejected: u64, out_of_order: u64) {
        self.pushes.fetch_add(1, Relaxed);
        self.applied.fetch_add(applied, Relaxed);
        self.duplicates.fetch_add(duplicates, Relaxed);
        self.rejected.fetch_add(rejected, Relaxed);
        self.out_of_order.fetch_add(out_of_order, Relaxed);
        let seconds = took.as_secs_f64();
        for (bucket, bound) in self.push_buckets.iter().zip(BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.push_count.fetch_add(1, Relaxed);
        self.push_micros.fetch_add(took.as_micros() as u64, Relaxed);
    }

    pub fn pulled(&self) {
        self.pulls.fetch_add(1, Relaxed);
    }

    /// The shop's feed ends at `last_seq` (after a push).
    pub fn feed_at(&self, shop: uuid::Uuid, last_seq: i64) {
        let mut shops = self.shops.lock().unwrap_or_else(|p| p.into_inner());
        let feed = shops.entry(shop).or_default();
        feed.last_seq = feed.last_seq.max(last_seq);
    }

    /// A counter of the shop has read its feed up to `cursor` (after a pull).
    pub fn read_up_to(&self, shop: uuid::Uuid, device: uuid::Uuid, cursor: i64, last_seq: i64) {
        let mut shops = self.shops.lock().unwrap_or_else(|p| p.into_inner());
        let feed = shops.entry(shop).or_default();
        feed.last_seq = feed.last_seq.max(last_seq);
        feed.cursors.insert(device, cursor);
    }

    pub fn failed(&self) {
        self.failed_requests.fetch_add(1, Relaxed);
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str, value: &AtomicU64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", value.load(Relaxed));
        };
        counter(&mut out, "dixon_cloud_pushes_total", "Batches pushed by counters.", &self.pushes);
        counter(&mut out, "dixon_cloud_pulls_total", "Pages of the change feed handed out.", &self.pulls);
        counter(&mut out, "dixon_cloud_changes_applied_total", "Changes added to a shop's feed.", &self.applied);
        counter(
            &mut out,
            "dixon_cloud_changes_duplicate_total",
            "Changes sent again and recognised.",
            &self.duplicates,
        );
        counter(&mut out, "dixon_cloud_changes_rejected_total", "Changes refused for what they hold.", &self.rejected);
        counter(
            &mut out,
            "dixon_cloud_changes_out_of_order_total",
            "Changes that came before their turn.",
            &self.out_of_order,
        );
        counter(
            &mut out,
            "dixon_cloud_failed_requests_total",
            "Requests answered with an error.",
            &self.failed_requests,
        );
        let name = "dixon_cloud_push_seconds";
        let _ = writeln!(out, "# HELP {name} Time to apply one pushed batch.\n# TYPE {name} histogram");
        for (bucket, bound) in self.push_buckets.iter().zip(BUCKETS) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {}", bucket.load(Relaxed));
        }
        let count = self.push_count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {}", self.push_micros.load(Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {count}");
        let name = "dixon_cloud_shop_lag_changes";
        let _ = writeln!(
            out,
            "# HELP {name} Changes in the shop's feed its slowest counter has not pulled yet.\n# TYPE {name} gauge"
        );
        let shops = self.shops.lock().unwrap_or_else(|p| p.into_inner());
        let mut lags: Vec<(String, i64)> = shops
            .iter()
            .map(|(shop, feed)| {
                let slowest = feed.cursors.values().min().copied().unwrap_or(0);
                (shop.to_string(), (feed.last_seq - slowest).max(0))
            })
            .collect();
        lags.sort();
        for (shop, lag) in lags {
            let _ = writeln!(out, "{name}{{shop=\"{shop}\"}} {lag}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_lands_in_its_buckets_and_the_totals() {
        let metrics = Metrics::default();
        metrics.pushed(Duration::from_millis(30), 3, 1, 1, 0);
        metrics.pulled();
        let text = metrics.render();
        assert!(text.contains("dixon_cloud_changes_applied_total 3"), "{text}");
        assert!(text.contains("dixon_cloud_push_seconds_bucket{le=\"0.025\"} 0"), "{text}");
        assert!(text.contains("dixon_cloud_push_seconds_bucket{le=\"0.05\"} 1"), "{text}");
        assert!(text.contains("dixon_cloud_push_seconds_count 1"), "{text}");
        assert!(text.contains("dixon_cloud_pulls_total 1"), "{text}");
        let (shop, front, back) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        metrics.feed_at(shop, 10);
        metrics.read_up_to(shop, front, 10, 10);
        metrics.read_up_to(shop, back, 4, 10);
        assert!(metrics.render().contains(&format!("dixon_cloud_shop_lag_changes{{shop=\"{shop}\"}} 6")));
    }
}
