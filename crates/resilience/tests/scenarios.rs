//! The policy stack against a real HTTP peer on 127.0.0.1: the eight fault scenarios, the
//! breaker, the cache, the rate limit, side effects, alerts and redaction of stored events
//! (redaction in the logs is `tests/redaction.rs`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dixon_resilience::{
    http, Alert, AlertRules, BoxFuture, BreakerState, Call, Error, Fallback, HealthCheck, HealthState, Notifier,
    Outcome, Policy, RateLimit, RetryPolicy, Service, Source,
};
use dixon_test_peer::closed_port_url;

mod support;

use support::{config, fault_peer, quick_policy, Greeting, Harness};

#[tokio::test]
async fn happy_path_answers_live_and_records_one_event() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    let service = h.service(quick_policy());
    let answer = h.get(&service, &peer.url("/ok")).await.unwrap();
    assert_eq!(answer.value.value, "hello");
    assert_eq!(answer.source, Source::Live);
    let events = h.events().await;
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].outcome, events[0].http_status, events[0].retries), (Outcome::Ok, Some(200), 0));
}

#[tokio::test]
async fn slow_responses_time_out_after_every_retry() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    let service = h.service(quick_policy());
    let started = Instant::now();
    let err = h.get(&service, &peer.url("/slow")).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("did not answer within 0.3 s"), "{err}");
    assert_eq!(peer.hits("/slow"), 4, "one try and three retries");
    assert!(started.elapsed() < Duration::from_secs(3), "each attempt is cut at the timeout");
    assert_eq!(h.events().await[0].error_kind.as_deref(), Some("timeout"));
}

#[tokio::test]
async fn a_service_that_is_down_falls_back_and_says_so() {
    let h = Harness::new().await;
    let service = h.service(quick_policy());
    let url = closed_port_url("/ok").await;
    let label = service.config().label.clone();
    let answer = service
        .call_or(
            Call::read("get"),
            |_| http::send_json::<Greeting>(&label, h.client.get(&url)),
            |error| {
                assert_eq!(error.kind(), "unreachable");
                Some(Fallback { value: Greeting { value: "local".into() }, name: "offline table".into() })
            },
        )
        .await
        .unwrap();
    assert_eq!(answer.value.value, "local");
    assert_eq!(answer.source, Source::Fallback { name: "offline table".into() });
    let event = &h.events().await[0];
    assert_eq!((event.outcome, event.retries), (Outcome::Fallback, 3));
    assert!(event.detail.as_deref().unwrap().starts_with("offline table after:"));

    let err = h.get(&service, &url).await.unwrap_err();
    assert!(err.to_string().contains("can't be reached"), "{err}");
}

#[tokio::test]
async fn partial_failure_keeps_the_working_endpoints_working() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    let service = h.service(Policy { retry: RetryPolicy::none(), ..quick_policy() });
    for _ in 0..3 {
        assert!(h.get(&service, &peer.url("/partial/bad")).await.is_err());
        assert_eq!(h.get(&service, &peer.url("/partial/good")).await.unwrap().source, Source::Live);
    }
    assert_eq!(service.breaker_state(), BreakerState::Closed, "3 failures in a minute do not open it");
}

#[tokio::test]
async fn a_flaky_network_is_retried_until_it_answers() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    let service = h.service(quick_policy());
    let answer = h.get(&service, &peer.url("/flaky")).await.unwrap();
    assert_eq!(answer.value.value, "steady");
    assert_eq!(peer.hits("/flaky"), 3);
    assert_eq!(h.events().await[0].retries, 2);
}

#[tokio::test]
async fn rate_limited_calls_wait_as_asked_or_give_up_when_asked_too_long() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    let service = h.service(quick_policy());
    let started = Instant::now();
    let answer = h.get(&service, &peer.url("/rate")).await.unwrap();
    assert_eq!(answer.value.value, "patient");
    assert!(started.elapsed() >= Duration::from_millis(950), "Retry-After: 1 is honoured ({:?})", started.elapsed());

    let started = Instant::now();
    let err = h.get(&service, &peer.url("/rate-long")).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(120)), "{err:?}");
    assert_eq!(peer.hits("/rate-long"), 1, "a two-minute wait is not worth blocking the counter");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(service.breaker_state(), BreakerState::Closed, "429 means the service is alive");
}

#[tokio::test]
async fn auth_failures_are_not_retried_and_say_what_to_do() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    let service = h.service(quick_policy());
    for _ in 0..6 {
        let err = h.get(&service, &peer.url("/auth")).await.unwrap_err();
        assert!(matches!(err, Error::Auth { status: 401, .. }));
        assert!(err.to_string().contains("Check the account key"), "{err}");
    }
    assert_eq!(peer.hits("/auth"), 6, "one request per call, no retries");
    assert_eq!(service.breaker_state(), BreakerState::Closed, "wrong credentials are not an outage");
}

#[tokio::test]
async fn corrupted_bodies_are_clear_errors_and_count_against_the_service() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    let service = h.service(quick_policy());
    for path in ["/corrupt", "/wrong-shape"] {
        let err = h.get(&service, &peer.url(path)).await.unwrap_err();
        assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("can't read"), "{err}");
        assert_eq!(peer.hits(path), 1, "garbage is not asked for twice");
    }
    for _ in 0..3 {
        let _ = h.get(&service, &peer.url("/corrupt")).await;
    }
    assert_eq!(service.breaker_state(), BreakerState::Open, "five unreadable answers open the breaker");
    let err = h.get(&service, &peer.url("/corrupt")).await.unwrap_err();
    assert!(matches!(err, Error::BreakerOpen { .. }));
    assert_eq!(peer.hits("/corrupt"), 4);
}

#[tokio::test]
async fn an_open_breaker_sends_nothing_until_it_half_opens() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    let service = h.service(Policy { retry: RetryPolicy::none(), ..quick_policy() });
    for _ in 0..5 {
        assert!(matches!(
            h.get(&service, &peer.url("/unavailable")).await,
            Err(Error::ServerError { status: 503, .. })
        ));
    }
    assert_eq!(service.breaker_state(), BreakerState::Open);
    for _ in 0..20 {
        assert!(matches!(h.get(&service, &peer.url("/unavailable")).await, Err(Error::BreakerOpen { .. })));
    }
    assert_eq!(peer.hits("/unavailable"), 5, "no request storm while open");
    let events = h.events().await;
    assert_eq!(events.iter().filter(|e| e.outcome == Outcome::BreakerOpen).count(), 20);

    h.clock.advance(Duration::from_secs(30));
    assert_eq!(service.breaker_state(), BreakerState::HalfOpen);
    for _ in 0..3 {
        h.get(&service, &peer.url("/ok")).await.unwrap();
    }
    assert_eq!(service.breaker_state(), BreakerState::Closed);
}

#[tokio::test]
async fn the_cache_answers_while_fresh_then_stale_when_the_service_is_down_even_after_a_restart() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    let policy = Policy { retry: RetryPolicy::none(), ..quick_policy() };
    let service = h.service(policy.clone());
    let label = service.config().label.clone();
    let call = || Call::read("decode").cached("decode:1HGCM82633A004352", Duration::from_secs(24 * 3600), true);
    let fetch = |service: Arc<Service>, path: &'static str| {
        let (client, url, label, call) = (h.client.clone(), peer.url(path), label.clone(), call());
        async move { service.call(call, |_| http::send_json::<Greeting>(&label, client.get(&url))).await }
    };

    assert_eq!(fetch(service.clone(), "/ok").await.unwrap().source, Source::Live);
    let cached = fetch(service.clone(), "/ok").await.unwrap();
    assert!(matches!(cached.source, Source::Cache { .. }));
    assert_eq!(peer.hits("/ok"), 1, "a fresh answer is not fetched again");

    h.clock.advance(Duration::from_secs(24 * 3600 + 1));
    let stale = fetch(service.clone(), "/unavailable").await.unwrap();
    assert!(matches!(stale.source, Source::StaleCache { .. }), "{:?}", stale.source);
    assert_eq!(stale.value.value, "hello");

    // After a restart the memory is empty: the answer comes from SQLite.
    let restarted = h.restart().register(config("test", policy), None);
    let after_restart = fetch(restarted, "/unavailable").await.unwrap();
    assert!(matches!(after_restart.source, Source::StaleCache { .. }));

    h.clock.advance(Duration::from_secs(8 * 24 * 3600));
    assert!(fetch(service, "/unavailable").await.is_err(), "too old to use, even stale");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_rate_limit_holds_under_fifty_concurrent_callers() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    let service = h.service(Policy {
        rate_limit: Some(RateLimit::per_hour(10)),
        max_rate_limit_wait: Duration::from_millis(100),
        ..quick_policy()
    });
    let url = peer.url("/ok");
    let calls = (0..50).map(|_| {
        let (service, client, url) = (service.clone(), h.client.clone(), url.clone());
        tokio::spawn(async move {
            let label = service.config().label.clone();
            service.call(Call::read("get"), |_| http::send_json::<Greeting>(&label, client.get(&url))).await
        })
    });
    let mut results = Vec::new();
    for call in calls {
        results.push(call.await.unwrap());
    }
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let limited = results.iter().filter(|r| matches!(r, Err(Error::LocalRateLimit { .. }))).count();
    assert_eq!((ok, limited), (10, 40));
    assert_eq!(peer.hits("/ok"), 10, "the limit is shared by every caller");
}

#[tokio::test]
async fn writes_are_repeated_only_with_their_idempotency_key() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    let service = h.service(quick_policy());
    let label = service.config().label.clone();
    let url = peer.url("/flaky");
    let once = service
        .call(Call::unrepeatable_write("charge"), |_| http::send_json::<Greeting>(&label, h.client.post(&url)))
        .await;
    assert!(once.is_err());
    assert_eq!(peer.hits("/flaky"), 1, "an unrepeatable write is sent once");

    let answer = service
        .call(Call::idempotent_write("charge", "ro-1001-pay-1"), |attempt| {
            let key = attempt.idempotency_key.unwrap().to_string();
            http::send_json::<Greeting>(&label, h.client.post(&url).header("Idempotency-Key", key))
        })
        .await
        .unwrap();
    assert_eq!(answer.value.value, "steady");
    let keys: Vec<String> =
        peer.requests().iter().filter_map(|r| r.header("idempotency-key").map(str::to_string)).collect();
    assert_eq!(keys, ["ro-1001-pay-1", "ro-1001-pay-1"], "every retry sends the same key");
}

struct PeerCheck(Arc<Service>, String);

impl HealthCheck for PeerCheck {
    fn check(&self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            http::send_json::<Greeting>(&self.0.config().label, http::client().get(&self.1)).await.map(|_| ())
        })
    }
}

#[derive(Default)]
struct Collect(Mutex<Vec<Alert>>);

impl Notifier for Collect {
    fn notify<'a>(&'a self, alert: &'a Alert) -> BoxFuture<'a, ()> {
        Box::pin(async move { self.0.lock().unwrap().push(alert.clone()) })
    }
}

#[tokio::test]
async fn health_and_alerts_fire_clear_and_wait_for_acknowledgement() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    let policy = Policy { retry: RetryPolicy::none(), cost_per_request_microusd: 7_900, ..quick_policy() };
    let down = h.hub.register(config("down", policy.clone()), None);
    let down_url = closed_port_url("/ok").await;
    h.hub.register(config("down", policy.clone()), Some(Arc::new(PeerCheck(down.clone(), down_url.clone()))));
    let up = h.hub.register(config("up", policy.clone()), None);
    let up = h.hub.register(config("up", policy.clone()), Some(Arc::new(PeerCheck(up, peer.url("/ok")))));
    h.hub.register(config("paypal", policy), None);

    let mut rules = AlertRules::default();
    rules.daily_cost_microusd.insert("up".into(), 20_000);
    let notifier = Collect::default();

    h.hub.check_health().await;
    for _ in 0..3 {
        h.get(&up, &peer.url("/ok")).await.unwrap();
    }
    let overview = h.hub.overview().await.unwrap();
    let state = |id: &str| overview.iter().find(|s| s.id == id).unwrap().clone();
    assert_eq!(state("down").state, HealthState::Down);
    assert!(state("down").state_detail.unwrap().contains("can't be reached"));
    assert_eq!(state("up").state, HealthState::Healthy);
    assert_eq!(state("up").calls_today, 3);
    assert_eq!(state("up").cost_today_microusd, 23_700);
    assert_eq!(state("up").recent_latency_ms.len(), 3);
    assert_eq!(state("paypal").state, HealthState::NotConfigured);

    // Down, but not yet for five minutes; the cost is already over its limit.
    h.hub.evaluate_alerts(&rules, &notifier).await.unwrap();
    let raised: Vec<String> = notifier.0.lock().unwrap().iter().map(|a| format!("{}:{}", a.service, a.rule)).collect();
    assert_eq!(raised, ["up:daily_cost"]);

    // Failing calls: error rates over the threshold.
    let service = h.hub.register(
        config("down", Policy { retry: RetryPolicy::none(), ..quick_policy() }),
        Some(Arc::new(PeerCheck(down, down_url.clone()))),
    );
    for _ in 0..6 {
        let _ = h.get(&service, &down_url).await;
    }
    h.clock.advance(Duration::from_secs(5 * 60));
    h.hub.check_health().await;
    h.hub.evaluate_alerts(&rules, &notifier).await.unwrap();
    h.hub.evaluate_alerts(&rules, &notifier).await.unwrap();
    let mut rules_raised: Vec<String> =
        notifier.0.lock().unwrap().iter().map(|a| format!("{}:{}", a.service, a.rule)).collect();
    rules_raised.sort();
    assert_eq!(
        rules_raised,
        ["down:error_rate_critical", "down:error_rate_warning", "down:unavailable", "up:daily_cost"],
        "each raised once"
    );
    let unavailable = h.hub.alerts().await.unwrap().into_iter().find(|a| a.rule == "unavailable").unwrap();
    assert!(unavailable.message.contains("down for 5 minutes"), "{}", unavailable.message);

    // An hour later the failures are out of every window; the service is still down.
    h.clock.advance(Duration::from_secs(3600));
    h.hub.evaluate_alerts(&rules, &notifier).await.unwrap();
    let alerts = h.hub.alerts().await.unwrap();
    let cleared: Vec<&str> = alerts.iter().filter(|a| a.cleared_at.is_some()).map(|a| a.rule.as_str()).collect();
    assert!(cleared.contains(&"error_rate_critical") && cleared.contains(&"error_rate_warning"), "{cleared:?}");
    assert!(alerts.iter().any(|a| a.rule == "unavailable" && a.cleared_at.is_none()), "still down");
    assert_eq!(alerts.len(), 4, "cleared alerts stay on screen until acknowledged");
    for alert in &alerts {
        assert!(h.hub.acknowledge(alert.id).await.unwrap());
    }
    assert!(h.hub.alerts().await.unwrap().is_empty());
    assert!(!h.hub.acknowledge(alerts[0].id).await.unwrap(), "acknowledging twice does nothing");
}

/// Collects everything logged, for the redaction test.
#[tokio::test]
async fn a_deadline_stops_retrying_and_falls_back_in_time() {
    let (h, peer) = (Harness::new().await, fault_peer().await);
    // Production-like backoff (1 s, 2 s, 4 s) would take 7 s; the caller allows 1.5 s.
    let service = h.service(Policy { timeout: Duration::from_millis(300), ..Policy::default() });
    let label = service.config().label.clone();
    let url = peer.url("/unavailable");
    let started = Instant::now();
    let answer = service
        .call_or(
            Call::read("get").within(Duration::from_millis(1500)),
            |_| http::send_json::<Greeting>(&label, h.client.get(&url)),
            |_| Some(Fallback { value: Greeting { value: "local".into() }, name: "offline".into() }),
        )
        .await
        .unwrap();
    assert_eq!(answer.source, Source::Fallback { name: "offline".into() });
    assert!(started.elapsed() < Duration::from_millis(1600), "{:?}", started.elapsed());
    assert!(peer.hits("/unavailable") <= 2, "only the tries that fit the budget");
}
