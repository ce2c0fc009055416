//! The eight fault scenarios, for the vPIC client itself: a real HTTP peer on 127.0.0.1 that
//! misbehaves the way vPIC (or the network to it) does. Offline answers are switched off here
//! so that each failure shows; with them on, every failure below becomes an offline answer.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dixon_clock::ManualClock;
use dixon_resilience::{Integrations, Policy, RetryPolicy, Source};
use dixon_test_peer::{recorded, Peer, Reply};
use dixon_vehicle::Vpic;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vpic");
const VIN: &str = "1FTMW1T88MFA00001";

struct Bench {
    _dir: tempfile::TempDir,
    store: dixon_shop::Store,
}

impl Bench {
    async fn new() -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        let store = dixon_shop::Store::open_with_clock(&dir.path().join("db.sqlite3"), clock).await.unwrap();
        Bench { _dir: dir, store }
    }

    /// vPIC at `base_url` with the production rules on short times, without offline answers.
    fn vpic(&self, base_url: &str) -> Vpic {
        let hub = Integrations::new(self.store.pool().clone(), Arc::new(dixon_clock::SystemClock));
        let policy = Policy {
            timeout: Duration::from_millis(300),
            retry: RetryPolicy {
                base: Duration::from_millis(20),
                max_retry_after: Duration::from_secs(2),
                ..RetryPolicy::default()
            },
            ..Policy::default()
        };
        Vpic::register_with_policy(&hub, base_url, policy).without_offline_decoder()
    }

    async fn cached_rows(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM integration_cache").fetch_one(self.store.pool()).await.unwrap()
    }
}

/// Replays recorded vPIC, except where `fault` says otherwise (by hit number).
async fn vpic_with(fault: impl Fn(usize) -> Option<Reply> + Send + Sync + 'static) -> Peer {
    let replay = recorded(Path::new(FIXTURES), "https://vpic.nhtsa.dot.gov");
    Peer::start(move |request, hit| fault(hit).unwrap_or_else(|| replay(request, hit))).await
}

#[tokio::test]
async fn happy_path() {
    let (bench, peer) = (Bench::new().await, vpic_with(|_| None).await);
    let answer = bench.vpic(&peer.url("/api")).decode(VIN, None).await.unwrap();
    assert_eq!((answer.source, answer.value.model.as_deref()), (Source::Live, Some("F-150")));
}

#[tokio::test]
async fn slow_responses_time_out() {
    let bench = Bench::new().await;
    let peer = vpic_with(|_| Some(Reply::Delayed(Duration::from_secs(2), Box::new(Reply::json(200, "{}"))))).await;
    let started = Instant::now();
    let err = bench.vpic(&peer.url("/api")).decode(VIN, None).await.unwrap_err();
    assert_eq!(err.kind(), "timeout");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn service_down() {
    let bench = Bench::new().await;
    let err = bench.vpic(&dixon_test_peer::closed_port_url("/api").await).decode(VIN, None).await.unwrap_err();
    assert_eq!(err.kind(), "unreachable");
    assert!(err.to_string().contains("keeps working offline"), "{err}");
}

#[tokio::test]
async fn partial_failure_of_one_endpoint() {
    let bench = Bench::new().await;
    // Batch decoding is broken at vPIC; single decodes still work.
    let replay = recorded(Path::new(FIXTURES), "https://vpic.nhtsa.dot.gov");
    let peer = Peer::start(
        move |request, hit| {
            if request.path.contains("Batch") {
                Reply::json(500, "{}")
            } else {
                replay(request, hit)
            }
        },
    )
    .await;
    let vpic = bench.vpic(&peer.url("/api"));
    assert_eq!(vpic.decode_batch(&[(VIN.into(), None)]).await.unwrap_err().kind(), "server_error");
    assert_eq!(vpic.decode(VIN, None).await.unwrap().value.make.as_deref(), Some("FORD"));
}

#[tokio::test]
async fn flaky_network_is_retried() {
    let (bench, peer) = (Bench::new().await, vpic_with(|hit| (hit <= 2).then_some(Reply::Reset)).await);
    let answer = bench.vpic(&peer.url("/api")).decode(VIN, None).await.unwrap();
    assert_eq!(answer.value.make.as_deref(), Some("FORD"));
    assert_eq!(peer.hits(&format!("/api/vehicles/DecodeVinValues/{VIN}")), 3);
}

#[tokio::test]
async fn rate_limited_waits_as_asked() {
    let bench = Bench::new().await;
    let peer = vpic_with(|hit| (hit == 1).then(|| Reply::json(429, "{}").with_header("Retry-After", "1"))).await;
    let started = Instant::now();
    assert!(bench.vpic(&peer.url("/api")).decode(VIN, None).await.is_ok());
    assert!(started.elapsed() >= Duration::from_millis(950));
}

#[tokio::test]
async fn auth_failure_is_not_retried() {
    let (bench, peer) = (Bench::new().await, vpic_with(|_| Some(Reply::json(403, "Forbidden"))).await);
    let err = bench.vpic(&peer.url("/api")).decode(VIN, None).await.unwrap_err();
    assert_eq!(err.kind(), "auth");
    assert_eq!(peer.requests().len(), 1);
}

#[tokio::test]
async fn a_corrupted_body_is_a_clear_error_and_nothing_is_cached() {
    let bench = Bench::new().await;
    for body in [r#"{"Count":1,"Results":[{"VIN":"#, "<html>Service Unavailable</html>", r#"{"Results":"none"}"#] {
        let peer = vpic_with(move |_| Some(Reply::json(200, body))).await;
        let err = bench.vpic(&peer.url("/api")).decode(VIN, None).await.unwrap_err();
        assert_eq!(err.kind(), "corrupt", "{body}");
        assert_eq!(peer.requests().len(), 1, "garbage is not asked for twice");
    }
    assert_eq!(bench.cached_rows().await, 0, "nothing is cached from a bad answer");
}
