//! What the messaging tests share: a shop on a real SQLite file with a repair order whose
//! customer can be texted and emailed, and stateful Twilio and SendGrid peers on 127.0.0.1 that
//! keep what they accepted and answer list, status and activity queries as the providers do.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dixon_clock::{Clock, ManualClock};
use dixon_notify::{Messenger, SendGrid, SendGridAccount, Twilio, TwilioAccount};
use dixon_resilience::{Integrations, Policy, RetryPolicy};
use dixon_shop::{Cents, ContactMethod, LineKind, NewCustomer, NewLine, NewRepairOrder, NewVehicle, Store};
use dixon_test_peer::{Peer, Reply, Request};

pub const PHONE: &str = "+15592345678";
pub const EMAIL: &str = "pat@example.com";
pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000001";

pub struct Shop {
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub integrations: Arc<Integrations>,
    pub number: i64,
    _dir: tempfile::TempDir,
}

/// A policy that fails fast, so fault scenarios take milliseconds.
pub fn quick() -> Policy {
    Policy {
        timeout: Duration::from_millis(800),
        retry: RetryPolicy {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(50),
            ..RetryPolicy::default()
        },
        ..Policy::default()
    }
}

/// A shop at noon in Los Angeles with one repair order; the customer agreed to texts when
/// `consent`, and prefers texts.
pub async fn shop(consent: bool) -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let noon = chrono::DateTime::parse_from_rfc3339("2026-12-04T20:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let clock = Arc::new(ManualClock::new(noon));
    let store = Store::open_with_clock(&dir.path().join("dixon.sqlite3"), clock.clone()).await.unwrap();
    let mut settings = store.settings().await.unwrap();
    settings.name = "Dixon Auto Repair".into();
    settings.phone = "+15595550100".into();
    settings.address_line1 = "12 Main St".into();
    settings.city = "Fresno".into();
    settings.state = "CA".into();
    settings.postal_code = "93721".into();
    store.save_settings(&settings).await.unwrap();
    sqlx::query("UPDATE messaging_settings SET time_zone = 'America/Los_Angeles'").execute(store.pool()).await.unwrap();
    let form = NewRepairOrder {
        customer: NewCustomer {
            name: "Pat Lee".into(),
            phone: PHONE.into(),
            email: EMAIL.into(),
            preferred_contact: if consent { ContactMethod::Text } else { ContactMethod::Email },
            sms_consent: consent,
        },
        vehicle: NewVehicle { year: Some(2019), make: "Honda".into(), model: "Civic".into(), ..NewVehicle::default() },
        concern: "Brakes squeal".into(),
    };
    let ro = store.create_repair_order(&form).await.unwrap();
    store
        .add_line(ro.number, &NewLine::simple(LineKind::Sublet, "Brake job", 1000, Cents(41250), false))
        .await
        .unwrap();
    let integrations = Integrations::new(store.pool().clone(), clock.clone() as Arc<dyn Clock>);
    Shop { store, clock, integrations, number: ro.number, _dir: dir }
}

impl Shop {
    pub fn messenger(&self) -> Messenger {
        Messenger::new(self.store.clone(), self.clock.clone()).with_look_up_after(Duration::from_millis(10))
    }

    pub fn twilio(&self, peer: &TwilioPeer) -> Arc<Twilio> {
        let account = TwilioAccount {
            account_sid: ACCOUNT_SID.into(),
            auth_token: "token".into(),
            from: "+15595550199".into(),
            messaging_service_sid: None,
        };
        Arc::new(Twilio::register(&self.integrations, &peer.url, account, quick()))
    }

    pub fn sendgrid(&self, peer: &SendGridPeer) -> Arc<SendGrid> {
        let account = SendGridAccount { api_key: "SG.test".into(), from_email: "shop@example.com".into() };
        Arc::new(SendGrid::register(&self.integrations, &peer.url, account, quick()))
    }
}

/// How the Twilio peer answers the next message create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// Keeps the message, then drops the connection before answering (the answer is lost).
    AcceptThenReset,
    /// Drops the connection without keeping anything.
    Reset,
    /// Drops the first create without keeping it, then accepts.
    ResetOnce,
    /// Keeps the message, answers after longer than the client's timeout.
    AcceptSlowly,
    /// Takes 300 ms to create the message (within the client's timeout), then answers.
    CreateSlowly,
    /// Keeps the message, answers 200 with a body that is not JSON.
    AcceptCorrupt,
    /// 500 without keeping it.
    ServerError,
    RateLimited,
    Unauthorized,
    /// 400 with Twilio's error 21610 (the recipient texted STOP).
    OptedOut,
}

/// The eight fault scenarios, as the Twilio and SendGrid peers play them (`None`: nothing
/// listening), with the state the message ends in and how many reach the provider.
pub const FAULTS: [(&str, Option<Mode>, &str, usize); 8] = [
    ("happy path", Some(Mode::Accept), "sent", 1),
    ("slow response", Some(Mode::AcceptSlowly), "sent", 1),
    ("service down", None, "not_sent", 0),
    ("partial failure", Some(Mode::AcceptThenReset), "sent", 1),
    ("flaky network", Some(Mode::ResetOnce), "sent", 1),
    ("rate limited", Some(Mode::RateLimited), "not_sent", 0),
    ("auth failure", Some(Mode::Unauthorized), "failed", 0),
    ("corrupted body", Some(Mode::AcceptCorrupt), "sent", 1),
];

/// An address on 127.0.0.1 with nothing listening: the service is down.
pub fn nothing_listening() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}")
}

#[derive(Debug, Clone)]
pub struct Sent {
    pub sid: String,
    pub to: String,
    pub body: String,
    pub status: String,
    pub error_code: Option<u32>,
}

/// Twilio's Messages resource, with state.
#[derive(Clone)]
pub struct TwilioPeer {
    pub url: String,
    pub sent: Arc<Mutex<Vec<Sent>>>,
    pub mode: Arc<Mutex<Mode>>,
    pub peer: Peer,
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn resource(m: &Sent) -> serde_json::Value {
    serde_json::json!({
        "sid": m.sid, "account_sid": ACCOUNT_SID, "to": m.to, "from": "+15595550199", "body": m.body,
        "status": m.status, "error_code": m.error_code, "direction": "outbound-api", "num_segments": "1",
        "date_created": "Fri, 04 Dec 2026 20:00:00 +0000",
    })
}

impl TwilioPeer {
    pub async fn start() -> TwilioPeer {
        let sent: Arc<Mutex<Vec<Sent>>> = Arc::default();
        let mode = Arc::new(Mutex::new(Mode::Accept));
        let (list, now) = (sent.clone(), mode.clone());
        let peer = Peer::start(move |request: &Request, _| {
            let base = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages");
            if request.method == "POST" && request.path == format!("{base}.json") {
                let fields = form(&request.body);
                let mode = *now.lock().unwrap();
                let keep = || {
                    let mut list = list.lock().unwrap();
                    let m = Sent {
                        sid: format!("SM{:032}", list.len() + 1),
                        to: field(&fields, "To").unwrap_or_default(),
                        body: field(&fields, "Body").unwrap_or_default(),
                        status: "queued".into(),
                        error_code: None,
                    };
                    list.push(m.clone());
                    m
                };
                return match mode {
                    Mode::Accept => Reply::json(201, resource(&keep()).to_string()),
                    Mode::AcceptThenReset => {
                        keep();
                        Reply::Reset
                    }
                    Mode::Reset => Reply::Reset,
                    Mode::ResetOnce => {
                        *now.lock().unwrap() = Mode::Accept;
                        Reply::Reset
                    }
                    Mode::AcceptSlowly => Reply::Delayed(Duration::from_secs(3), Box::new(Reply::json(201, resource(&keep()).to_string()))),
                    Mode::CreateSlowly => {
                        std::thread::sleep(Duration::from_millis(300));
                        Reply::json(201, resource(&keep()).to_string())
                    }
                    Mode::AcceptCorrupt => {
                        keep();
                        Reply::json(201, "<html>gateway</html>")
                    }
                    Mode::ServerError => Reply::json(500, r#"{"code":20500,"message":"Internal Server Error"}"#),
                    Mode::RateLimited => Reply::json(429, r#"{"code":20429,"message":"Too Many Requests"}"#).with_header("Retry-After", "60"),
                    Mode::Unauthorized => Reply::json(401, r#"{"code":20003,"message":"Authenticate"}"#),
                    Mode::OptedOut => Reply::json(400, r#"{"code":21610,"message":"Attempt to send to unsubscribed recipient","more_info":"https://www.twilio.com/docs/errors/21610","status":400}"#),
                };
            }
            if request.method == "GET" && request.path == format!("{base}.json") {
                let query = form(request.query.as_bytes());
                let to = field(&query, "To");
                let messages: Vec<_> = list.lock().unwrap().iter().rev().filter(|m| to.as_deref().is_none_or(|t| t == m.to)).map(resource).collect();
                return Reply::json(200, serde_json::json!({ "messages": messages, "page": 0 }).to_string());
            }
            if request.method == "GET" {
                if let Some(sid) = request.path.strip_prefix(&format!("{base}/")).and_then(|s| s.strip_suffix(".json")) {
                    return match list.lock().unwrap().iter().find(|m| m.sid == sid) {
                        Some(m) => Reply::json(200, resource(m).to_string()),
                        None => Reply::json(404, r#"{"code":20404,"message":"not found"}"#),
                    };
                }
            }
            Reply::json(404, r#"{"code":20404}"#)
        })
        .await;
        TwilioPeer { url: peer.url(""), sent, mode, peer }
    }

    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn count(&self) -> usize {
        self.sent.lock().unwrap().len()
    }

    /// Moves a message along at the "carrier".
    pub fn report(&self, sid: &str, status: &str, error_code: Option<u32>) {
        let mut list = self.sent.lock().unwrap();
        let m = list.iter_mut().find(|m| m.sid == sid).unwrap();
        m.status = status.into();
        m.error_code = error_code;
    }
}

/// SendGrid's mail/send and Email Activity API, with state.
#[derive(Clone)]
pub struct SendGridPeer {
    pub url: String,
    /// (our message id, to, subject, has attachment)
    pub sent: Arc<Mutex<Vec<(String, String, String, bool)>>>,
    pub mode: Arc<Mutex<Mode>>,
}

impl SendGridPeer {
    pub async fn start() -> SendGridPeer {
        let sent: Arc<Mutex<Vec<(String, String, String, bool)>>> = Arc::default();
        let mode = Arc::new(Mutex::new(Mode::Accept));
        let (list, now) = (sent.clone(), mode.clone());
        let peer = Peer::start(move |request: &Request, _| {
            if request.method == "POST" && request.path == "/v3/mail/send" {
                let keep = || {
                    let mail: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
                    let args = &mail["personalizations"][0]["custom_args"];
                    let id = args["dixon_message_id"].as_str().unwrap_or_default().to_string();
                    let to = mail["personalizations"][0]["to"][0]["email"].as_str().unwrap_or_default().to_string();
                    let subject = mail["subject"].as_str().unwrap_or_default().to_string();
                    let attached = mail["attachments"][0]["content"].as_str().is_some_and(|c| !c.is_empty());
                    let mut list = list.lock().unwrap();
                    list.push((id, to, subject, attached));
                    list.len()
                };
                let accepted = |n: usize| Reply::Answer {
                    status: 202,
                    headers: vec![("X-Message-Id".into(), format!("sgmsg{n}"))],
                    body: Vec::new(),
                };
                let mode = *now.lock().unwrap();
                return match mode {
                    Mode::Accept | Mode::AcceptCorrupt | Mode::CreateSlowly => accepted(keep()),
                    Mode::AcceptThenReset => {
                        keep();
                        Reply::Reset
                    }
                    Mode::Reset => Reply::Reset,
                    Mode::ResetOnce => {
                        *now.lock().unwrap() = Mode::Accept;
                        Reply::Reset
                    }
                    Mode::AcceptSlowly => Reply::Delayed(Duration::from_secs(3), Box::new(accepted(keep()))),
                    Mode::ServerError => Reply::json(500, r#"{"errors":[{"message":"internal error"}]}"#),
                    Mode::RateLimited => Reply::json(429, r#"{"errors":[{"message":"too many requests"}]}"#)
                        .with_header("Retry-After", "60"),
                    Mode::Unauthorized => Reply::json(401, r#"{"errors":[{"message":"authorization required"}]}"#),
                    Mode::OptedOut => Reply::json(
                        400,
                        r#"{"errors":[{"message":"The from address does not match a verified Sender Identity.","field":"from"}]}"#,
                    ),
                };
            }
            if request.method == "GET" && request.path == "/v3/messages" {
                let query = form(request.query.as_bytes());
                let q = field(&query, "query").unwrap_or_default();
                let list = list.lock().unwrap();
                let found: Vec<_> = list
                    .iter()
                    .enumerate()
                    .filter(|(_, (id, ..))| q.contains(&format!("\"{id}\"")))
                    .map(|(i, _)| serde_json::json!({ "msg_id": format!("sgmsg{}", i + 1), "status": "delivered" }))
                    .collect();
                return Reply::json(200, serde_json::json!({ "messages": found }).to_string());
            }
            Reply::json(404, "{}")
        })
        .await;
        SendGridPeer { url: peer.url(""), sent, mode }
    }

    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn count(&self) -> usize {
        self.sent.lock().unwrap().len()
    }
}

/// A relayed event as the sync stores it (what the Dixon cloud hands every counter).
pub async fn relay(store: &Store, provider: &str, key: &str, payload: serde_json::Value) {
    sqlx::query("INSERT INTO relayed_events (uid, provider, event_key, payload, received_at) VALUES (?, ?, ?, ?, ?)")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(provider)
        .bind(key)
        .bind(payload.to_string())
        .bind("2026-12-04T20:05:00.000000Z")
        .execute(store.pool())
        .await
        .unwrap();
}
