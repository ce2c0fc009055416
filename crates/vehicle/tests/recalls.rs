//! NHTSA recalls against a real HTTP peer on 127.0.0.1 replaying a recorded answer (see
//! fixtures/recalls/SOURCE.txt): the answer read right (both API generations' shapes), NHTSA's
//! quirks (nothing found is a 400; model names differ from vPIC's), the day-long cache on disk
//! and its stale answer offline, and the eight fault scenarios.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dixon_clock::ManualClock;
use dixon_resilience::{Integrations, Policy, RetryPolicy};
use dixon_test_peer::{recorded, Peer, Reply};
use dixon_vehicle::Recalls;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/recalls");

struct Bench {
    _dir: tempfile::TempDir,
    store: dixon_shop::Store,
    clock: Arc<ManualClock>,
}

impl Bench {
    async fn new() -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        let store = dixon_shop::Store::open_with_clock(&dir.path().join("db.sqlite3"), clock.clone()).await.unwrap();
        Bench { _dir: dir, store, clock }
    }

    /// The recalls client at `base_url`, with the production rules on short times (a new one
    /// is a counter started again: nothing in memory, the disk cache as it was).
    fn recalls(&self, base_url: &str) -> Recalls {
        let hub = Integrations::new(self.store.pool().clone(), self.clock.clone());
        let policy = Policy {
            timeout: Duration::from_millis(300),
            retry: RetryPolicy {
                base: Duration::from_millis(20),
                max_retry_after: Duration::from_secs(2),
                ..RetryPolicy::default()
            },
            ..Policy::default()
        };
        Recalls::register_with_policy(&hub, base_url, policy)
    }
}

/// Replays the recordings, except where `fault` says otherwise (by hit number).
async fn nhtsa_with(fault: impl Fn(usize) -> Option<Reply> + Send + Sync + 'static) -> Peer {
    let replay = recorded(Path::new(FIXTURES), "https://api.nhtsa.gov");
    Peer::start(move |request, hit| fault(hit).unwrap_or_else(|| replay(request, hit))).await
}

#[tokio::test]
async fn a_recorded_answer_reads_right_and_the_model_s_variants_are_tried() {
    let (bench, peer) = (Bench::new().await, nhtsa_with(|_| None).await);
    let recalls = bench.recalls(&peer.url(""));
    // vPIC says "Galant-ES"; NHTSA files it under GALANT
    let check = recalls.for_vehicle(1998, "Mitsubishi", "Galant-ES").await.unwrap();
    assert_eq!(check.tried, ["GALANT-ES", "GALANTES", "GALANT ES", "GALANT"]);
    assert_eq!(check.matched.as_deref(), Some("GALANT"));
    assert_eq!(check.recalls.len(), 2);
    let newest = &check.recalls[0];
    assert_eq!(newest.campaign, "07E055000", "newest first");
    assert_eq!(newest.reported, chrono::NaiveDate::from_ymd_opt(2007, 7, 26));
    assert!(newest.consequence.starts_with("IN THE PRESENCE OF AN IGNITION SOURCE"), "the old 'Conequence' field");
    let ball_joint = &check.recalls[1];
    assert_eq!(ball_joint.component, "SUSPENSION:FRONT:CONTROL ARM:LOWER BALL JOINT");
    assert!(ball_joint.remedy.starts_with("DEALERS WILL INSPECT"));
    assert_eq!(check.summary, "2 safety recalls for 1998 MITSUBISHI GALANT-ES");
    assert_eq!(check.source, "live");

    // asked again within the day: from the disk, NHTSA not asked
    let before = peer.requests().len();
    let again = recalls.for_vehicle(1998, "Mitsubishi", "Galant-ES").await.unwrap();
    assert_eq!((again.source.as_str(), peer.requests().len()), ("cached", before));
}

#[tokio::test]
async fn nothing_found_is_a_400_with_an_ordinary_body_and_says_what_was_asked() {
    let (bench, peer) = (Bench::new().await, nhtsa_with(|_| None).await);
    let check = bench.recalls(&peer.url("")).for_vehicle(2021, "BMW", "330i").await.unwrap();
    assert!(check.recalls.is_empty());
    assert_eq!(check.describe(), "No recalls found for 2021 BMW 330I", "never just 'no recalls'");
}

#[tokio::test]
async fn offline_the_last_answer_is_shown_marked_stale() {
    let (bench, peer) = (Bench::new().await, nhtsa_with(|_| None).await);
    bench.recalls(&peer.url("")).for_vehicle(1998, "MITSUBISHI", "GALANT").await.unwrap();
    // the next day, after a restart, NHTSA can't be reached: the saved list, said to be old
    bench.clock.advance(Duration::from_secs(25 * 3600));
    let offline = bench.recalls(&dixon_test_peer::closed_port_url("").await);
    let check = offline.for_vehicle(1998, "MITSUBISHI", "GALANT").await.unwrap();
    assert_eq!(check.recalls.len(), 2);
    assert_eq!(check.source, "stale", "{check:?}");
    assert!(check.describe().ends_with("from the last check; NHTSA can't be reached now"));
}

// ---- the eight fault scenarios ----

#[tokio::test]
async fn happy_path_is_the_recorded_answer() {
    let (bench, peer) = (Bench::new().await, nhtsa_with(|_| None).await);
    assert_eq!(bench.recalls(&peer.url("")).for_vehicle(1998, "MITSUBISHI", "GALANT").await.unwrap().recalls.len(), 2);
}

#[tokio::test]
async fn slow_responses_time_out_with_a_clear_error() {
    let bench = Bench::new().await;
    let peer = nhtsa_with(|_| Some(Reply::Delayed(Duration::from_secs(3), Box::new(Reply::json(200, "{}"))))).await;
    let started = Instant::now();
    let err = bench.recalls(&peer.url("")).for_vehicle(1998, "MITSUBISHI", "GALANT").await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(9), "within the budget a person waits");
}

#[tokio::test]
async fn service_down_says_so() {
    let bench = Bench::new().await;
    let err = bench
        .recalls(&dixon_test_peer::closed_port_url("").await)
        .for_vehicle(1998, "MITSUBISHI", "GALANT")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "unreachable");
}

#[tokio::test]
async fn partial_failure_a_500_is_retried() {
    let (bench, peer) = (Bench::new().await, nhtsa_with(|hit| (hit == 1).then(|| Reply::json(500, "{}"))).await);
    assert_eq!(bench.recalls(&peer.url("")).for_vehicle(1998, "MITSUBISHI", "GALANT").await.unwrap().recalls.len(), 2);
}

#[tokio::test]
async fn flaky_network_is_retried() {
    let (bench, peer) = (Bench::new().await, nhtsa_with(|hit| (hit <= 2).then_some(Reply::Reset)).await);
    assert_eq!(bench.recalls(&peer.url("")).for_vehicle(1998, "MITSUBISHI", "GALANT").await.unwrap().recalls.len(), 2);
}

#[tokio::test]
async fn rate_limited_waits_as_asked() {
    let bench = Bench::new().await;
    let peer = nhtsa_with(|hit| (hit == 1).then(|| Reply::json(429, "{}").with_header("Retry-After", "1"))).await;
    let started = Instant::now();
    assert_eq!(bench.recalls(&peer.url("")).for_vehicle(1998, "MITSUBISHI", "GALANT").await.unwrap().recalls.len(), 2);
    assert!(started.elapsed() >= Duration::from_millis(900), "Retry-After honoured");
}

#[tokio::test]
async fn auth_failure_is_not_retried() {
    let (bench, peer) = (Bench::new().await, nhtsa_with(|_| Some(Reply::json(403, "Forbidden"))).await);
    let err = bench.recalls(&peer.url("")).for_vehicle(1998, "MITSUBISHI", "GALANT").await.unwrap_err();
    assert_eq!(err.kind(), "auth");
    assert_eq!(peer.requests().len(), 1, "asked once");
}

#[tokio::test]
async fn a_corrupted_body_is_a_clear_error_and_nothing_is_cached() {
    for body in ["<html>Service Unavailable</html>", "{\"Count\":1}", "{\"results\":[{\"Component\":\"BRAKES\"}]}"] {
        let bench = Bench::new().await;
        let peer = nhtsa_with(move |_| Some(Reply::json(200, body))).await;
        let err = bench.recalls(&peer.url("")).for_vehicle(1998, "MITSUBISHI", "GALANT").await.unwrap_err();
        assert_eq!(err.kind(), "corrupt", "{body}: {err}");
        let cached: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM integration_cache").fetch_one(bench.store.pool()).await.unwrap();
        assert_eq!(cached, 0);
    }
}
