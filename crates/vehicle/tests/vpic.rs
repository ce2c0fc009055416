//! The vPIC client against NHTSA's own answers, recorded and replayed by a real HTTP peer on
//! 127.0.0.1 (the peer answers 404 to any request that differs from the recorded one).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use dixon_clock::ManualClock;
use dixon_resilience::{Integrations, Policy, RetryPolicy, Source};
use dixon_test_peer::{recorded, Peer, Reply};
use dixon_vehicle::Vpic;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vpic");

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

    fn vpic(&self, base_url: &str) -> Vpic {
        let hub = Integrations::new(self.store.pool().clone(), self.clock.clone());
        let policy = Policy {
            retry: RetryPolicy { base: Duration::from_millis(20), ..RetryPolicy::default() },
            ..Policy::default()
        };
        Vpic::register_with_policy(&hub, base_url, policy)
    }
}

async fn recorded_vpic() -> Peer {
    Peer::start(recorded(Path::new(FIXTURES), "https://vpic.nhtsa.dot.gov")).await
}

#[tokio::test]
async fn a_clean_decode_maps_every_field() {
    let (bench, peer) = (Bench::new().await, recorded_vpic().await);
    let vpic = bench.vpic(&peer.url("/api"));
    let answer = vpic.decode("1ftmw1t88mfa00001", None).await.unwrap();
    assert_eq!(answer.source, Source::Live);
    let info = answer.value;
    assert!(info.decoded_clean());
    assert_eq!(info.label(), "2021 FORD F-150 SuperCrew-SSV");
    assert_eq!(info.engine.as_deref(), Some("3.5 L V6 GTDI, 375 hp"));
    assert_eq!(info.body_class.as_deref(), Some("Pickup"));
    assert_eq!(info.fuel.as_deref(), Some("Gasoline"));
    assert_eq!(info.drive.as_deref(), Some("4WD/4-Wheel Drive/4x4"));
    assert_eq!(info.plant.as_deref(), Some("DEARBORN, MICHIGAN, UNITED STATES (USA)"));
    assert_eq!(info.vehicle_type.as_deref(), Some("TRUCK"), "vPIC's trailing spaces are trimmed");
    assert_eq!(info.suggested_vin, None, "empty strings are unknown");
    assert_eq!(peer.requests()[0].target, "/api/vehicles/DecodeVinValues/1FTMW1T88MFA00001?format=json");
}

#[tokio::test]
async fn the_model_year_hint_and_partial_vins_are_sent_as_vpic_expects() {
    let (bench, peer) = (Bench::new().await, recorded_vpic().await);
    let vpic = bench.vpic(&peer.url("/api"));
    let with_year = vpic.decode("1FTMW1T88MFA00001", Some(2021)).await.unwrap().value;
    assert_eq!(with_year.model_year, Some(2021));
    let partial = vpic.decode("5UXWX7C5*BA", Some(2011)).await.unwrap().value;
    assert_eq!(partial.error_codes, [6]);
    assert!(!partial.decoded_clean());
    assert!(partial.error_text.unwrap().contains("Incomplete VIN"));
    let targets: Vec<String> = peer.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/api/vehicles/DecodeVinValues/1FTMW1T88MFA00001?modelyear=2021&format=json",
            "/api/vehicles/DecodeVinValues/5UXWX7C5*BA?modelyear=2011&format=json"
        ]
    );
}

#[tokio::test]
async fn a_decode_survives_a_restart_with_the_network_down() {
    let (bench, peer) = (Bench::new().await, recorded_vpic().await);
    bench.vpic(&peer.url("/api")).decode("1FTMW1T88MFA00001", None).await.unwrap();

    // Next day, after a restart, vPIC is unreachable.
    bench.clock.advance(Duration::from_secs(25 * 3600));
    let offline = bench.vpic(&dixon_test_peer::closed_port_url("/api").await);
    let answer = offline.decode("1FTMW1T88MFA00001", None).await.unwrap();
    assert!(matches!(answer.source, Source::StaleCache { .. }), "{:?}", answer.source);
    assert_eq!(answer.value.make.as_deref(), Some("FORD"));
    assert!(offline.decode("1HGCM82633A004352", None).await.is_err(), "never seen: no answer offline yet");
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_a_clear_error() {
    let bench = Bench::new().await;
    let peer = Peer::start(|_, _| Reply::json(200, r#"{"Count":0,"Message":"ok","Results":[]}"#)).await;
    let err = bench.vpic(&peer.url("/api")).decode("1FTMW1T88MFA00001", None).await.unwrap_err();
    assert_eq!(err.kind(), "corrupt");
    assert!(err.to_string().contains("NHTSA vPIC") && err.to_string().contains("no result"), "{err}");
}
