//! What the resilience scenarios share: the fault-injecting peer and a registry on a fresh
//! database with a manual clock.
#![allow(dead_code)] // each test binary uses its own part of it

use std::sync::Arc;
use std::time::Duration;

use dixon_clock::ManualClock;
use dixon_resilience::{http, Call, Error, Integrations, Policy, RetryPolicy, Service, ServiceConfig, ServiceKind};
use dixon_test_peer::{Peer, Reply};
use serde::{Deserialize, Serialize};

/// The fault-injecting peer of these tests.
///
/// | path | behaviour |
/// |---|---|
/// | `/ok`, `/partial/good` | 200 `{"value":"hello"}` |
/// | `/slow` | waits 2 s, then 200 |
/// | `/partial/bad`, `/unavailable` | 503 |
/// | `/flaky` | the first two connections are reset without an answer, then 200 |
/// | `/rate` | 429 with `Retry-After: 1` once, then 200 |
/// | `/rate-long` | 429 with `Retry-After: 120` |
/// | `/auth` | 401 |
/// | `/corrupt`, `/wrong-shape` | 200 with truncated JSON / JSON of another shape |
/// | `/echo-phone` | 400 whose body echoes a phone number and an API key |
pub async fn fault_peer() -> Peer {
    Peer::start(|request, hit| match (request.path.as_str(), hit) {
        ("/ok" | "/partial/good", _) => Reply::json(200, r#"{"value":"hello"}"#),
        ("/slow", _) => Reply::Delayed(Duration::from_secs(2), Box::new(Reply::json(200, r#"{"value":"slow"}"#))),
        ("/partial/bad" | "/unavailable", _) => Reply::json(503, r#"{"error":"maintenance"}"#),
        ("/flaky", 1 | 2) => Reply::Reset,
        ("/flaky", _) => Reply::json(200, r#"{"value":"steady"}"#),
        ("/rate", 1) => Reply::json(429, r#"{"error":"slow down"}"#).with_header("Retry-After", "1"),
        ("/rate", _) => Reply::json(200, r#"{"value":"patient"}"#),
        ("/rate-long", _) => Reply::json(429, r#"{"error":"slow down"}"#).with_header("Retry-After", "120"),
        ("/auth", _) => Reply::json(401, r#"{"error":"invalid api key"}"#),
        ("/corrupt", _) => Reply::json(200, r#"{"value": "hel"#),
        ("/wrong-shape", _) => Reply::json(200, r#"{"values":[1,2,3]}"#),
        ("/echo-phone", _) => {
            Reply::json(400, r#"{"error":"bad number +1 (559) 234-5678 for key sk_test_4eC39HqLyjWDarjtT1zdp7dc"}"#)
        }
        _ => Reply::json(404, r#"{"error":"no such path"}"#),
    })
    .await
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Greeting {
    pub value: String,
}

pub struct Harness {
    _dir: tempfile::TempDir,
    pub store: dixon_shop::Store,
    pub clock: Arc<ManualClock>,
    pub hub: Arc<Integrations>,
    pub client: reqwest::Client,
}

/// Fast policies for tests: the same rules, shorter times.
pub fn quick_policy() -> Policy {
    Policy {
        timeout: Duration::from_millis(300),
        retry: RetryPolicy {
            base: Duration::from_millis(40),
            cap: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(2),
            ..RetryPolicy::default()
        },
        ..Policy::default()
    }
}

impl Harness {
    pub async fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        let store = dixon_shop::Store::open_with_clock(&dir.path().join("dixon.sqlite3"), clock.clone()).await.unwrap();
        let hub = Integrations::new(store.pool().clone(), clock.clone());
        Harness { _dir: dir, store, clock, hub, client: http::client() }
    }

    /// A restart: a new registry on the same database.
    pub fn restart(&self) -> Arc<Integrations> {
        Integrations::new(self.store.pool().clone(), self.clock.clone())
    }

    pub fn service(&self, policy: Policy) -> Arc<Service> {
        self.hub.register(config("test", policy), None)
    }

    pub async fn get(&self, service: &Service, url: &str) -> Result<dixon_resilience::Answer<Greeting>, Error> {
        let label = service.config().label.clone();
        service.call(Call::read("get"), |_| http::send_json::<Greeting>(&label, self.client.get(url))).await
    }

    pub async fn events(&self) -> Vec<dixon_resilience::Event> {
        self.hub.monitor().events(None, None, 1000).await.unwrap()
    }
}

pub fn config(id: &str, policy: Policy) -> ServiceConfig {
    ServiceConfig { id: id.into(), label: format!("Test service {id}"), kind: ServiceKind::Data, policy }
}
