//! Card payments on a Stripe Terminal reader, end to end over real sockets: a peer on 127.0.0.1
//! answers as Stripe's API does for each step (the answers scripted per test: approved,
//! declined, nobody at the reader, a dropped connection, an app that stops mid-payment, a
//! refused key). What is checked: the order is paid only when the PaymentIntent says
//! succeeded, a retry uses the same PaymentIntent, every write carries its stored idempotency
//! key, and nothing is ever charged twice. (Request shapes are checked against Stripe's own
//! OpenAPI in stripe_contract.rs.)

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dixon_clock::SystemClock;
use dixon_payments::{Error, Ledger, PaymentProgress, PaymentStatus, Payments, Stripe, StripeAccount};
use dixon_resilience::{Integrations, Policy, RetryPolicy};
use dixon_shop::{Cents, Status, Store};
use dixon_test_peer::{Peer, Reply, Request};
use serde_json::json;
use support::{invoiced, shop};

const READER: &str = "tmr_FDOt2wlRZEdpd7";

/// How the peer answers, changeable mid-test.
#[derive(Default)]
struct Script {
    /// What GET /v1/payment_intents/pi_1 says, in turn; the last one repeats.
    intent: Vec<&'static str>,
    /// The reader's failure message once it has been asked to take a card.
    reader_failure: Option<&'static str>,
    /// The first `n` requests to create a PaymentIntent get a reset connection.
    reset_creates: usize,
    /// Every request is refused as unauthorized.
    bad_key: bool,
    /// Where in `intent` the next GET is.
    read: usize,
    /// What listing the day's PaymentIntents returns: (id, status, amount).
    listed: Vec<(&'static str, &'static str, i64)>,
}

fn answer(script: &Mutex<Script>, request: &Request, hit: usize) -> Reply {
    let mut s = script.lock().unwrap();
    if s.bad_key {
        return Reply::json(
            401,
            r#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: rk_test_****"}}"#,
        );
    }
    let reader = |action: serde_json::Value| {
        Reply::json(200, json!({ "id": READER, "object": "terminal.reader", "action": action }).to_string())
    };
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/v1/payment_intents") if hit <= s.reset_creates => Reply::Reset,
        ("POST", "/v1/payment_intents") => {
            let body = String::from_utf8_lossy(&request.body).into_owned();
            let amount: i64 =
                body.split('&').find_map(|kv| kv.strip_prefix("amount=")).and_then(|a| a.parse().ok()).unwrap_or(0);
            Reply::json(200, json!({ "id": "pi_1", "object": "payment_intent", "status": "requires_payment_method", "amount": amount }).to_string())
        }
        ("GET", "/v1/payment_intents/pi_1") => {
            let status = s.intent[s.read.min(s.intent.len() - 1)];
            s.read += 1;
            let mut intent = json!({ "id": "pi_1", "object": "payment_intent", "status": status, "amount": 48_213 });
            if status == "succeeded" {
                intent["latest_charge"] = json!({ "id": "ch_1", "payment_method_details": { "type": "card_present",
                    "card_present": { "brand": "visa", "last4": "4242", "wallet": { "type": "apple_pay" } } } });
            }
            Reply::json(200, intent.to_string())
        }
        ("POST", path) if path == format!("/v1/terminal/readers/{READER}/process_payment_intent") => {
            reader(json!({ "type": "process_payment_intent", "status": "in_progress" }))
        }
        ("GET", path) if path == format!("/v1/terminal/readers/{READER}") => match s.reader_failure {
            Some(message) => {
                reader(json!({ "type": "process_payment_intent", "status": "failed", "failure_message": message }))
            }
            None => reader(json!({ "type": "process_payment_intent", "status": "in_progress" })),
        },
        ("POST", path) if path == format!("/v1/terminal/readers/{READER}/cancel_action") => reader(json!(null)),
        ("POST", "/v1/payment_intents/pi_1/capture") => {
            let body = String::from_utf8_lossy(&request.body).into_owned();
            let amount: i64 = body
                .split('&')
                .find_map(|kv| kv.strip_prefix("amount_to_capture="))
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            Reply::json(
                200,
                json!({ "id": "pi_1", "object": "payment_intent", "status": "succeeded", "amount": amount })
                    .to_string(),
            )
        }
        ("POST", "/v1/payment_intents/pi_1/cancel") => Reply::json(
            200,
            json!({ "id": "pi_1", "object": "payment_intent", "status": "canceled", "amount": 48_213 }).to_string(),
        ),
        ("GET", "/v1/payment_intents") => {
            let data: Vec<_> = s.listed.iter().map(|(id, status, amount)| json!({ "id": id, "object": "payment_intent", "status": status, "amount": amount })).collect();
            Reply::json(200, json!({ "object": "list", "data": data, "has_more": false }).to_string())
        }
        ("POST", "/v1/refunds") => {
            Reply::json(200, r#"{"id":"re_1","object":"refund","status":"succeeded","amount":1000}"#)
        }
        _ => Reply::json(404, r#"{"error":{"message":"Unrecognized request URL"}}"#),
    }
}

struct Counter {
    store: Store,
    payments: Payments,
    peer: Peer,
    script: Arc<Mutex<Script>>,
    number: i64,
    _shop: support::Shop,
}

async fn counter(script: Script) -> Counter {
    let shop = shop().await;
    let store = shop.store.clone();
    let number = invoiced(&store, 48_213).await;
    let script = Arc::new(Mutex::new(script));
    let answering = script.clone();
    let peer = Peer::start(move |request, hit| answer(&answering, request, hit)).await;
    let hub = Integrations::new(store.pool().clone(), Arc::new(SystemClock));
    let policy = Policy {
        timeout: Duration::from_secs(2),
        retry: RetryPolicy { base: Duration::from_millis(10), ..RetryPolicy::default() },
        ..Policy::default()
    };
    let account = StripeAccount {
        secret_key: "rk_test_counter".into(),
        location: None,
        webhook_secret: Some("whsec_test".into()),
    };
    let stripe = Stripe::register_with_policy(&hub, &peer.url(""), account, policy);
    let mut payments =
        Payments::new(Ledger::new(store.clone(), Arc::new(SystemClock)), Some(stripe), "Dixon Auto Repair");
    payments.poll_every = Duration::from_millis(20);
    payments.reader_timeout = Duration::from_secs(5);
    Counter { store, payments, peer, script, number, _shop: shop }
}

impl Counter {
    fn sent(&self, method: &str, path: &str) -> Vec<Request> {
        self.peer.requests().into_iter().filter(|r| r.method == method && r.path == path).collect()
    }

    fn keys(&self, path: &str) -> Vec<String> {
        self.sent("POST", path).iter().map(|r| r.header("idempotency-key").unwrap_or("none").to_string()).collect()
    }
}

fn recorder() -> (Arc<Mutex<Vec<PaymentProgress>>>, impl FnMut(PaymentProgress)) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    (seen, move |step| keep.lock().unwrap().push(step))
}

#[tokio::test]
async fn a_card_approved_on_the_reader_pays_the_order() {
    let c = counter(Script {
        intent: vec!["requires_payment_method", "requires_payment_method", "processing", "succeeded"],
        ..Script::default()
    })
    .await;
    let (steps, progress) = recorder();
    let payment = c.payments.card(c.number, Cents(48_213), READER, progress).await.unwrap();
    assert_eq!(payment.status, PaymentStatus::Succeeded);
    assert_eq!((payment.card.as_deref(), payment.wallet.as_deref()), (Some("Visa •••• 4242"), Some("apple_pay")));
    assert_eq!(
        *steps.lock().unwrap(),
        [
            PaymentProgress::Preparing,
            PaymentProgress::WaitingForCard { reader: READER.into() },
            PaymentProgress::Processing,
            PaymentProgress::Approved { card: Some("Visa •••• 4242".into()), wallet: Some("apple_pay".into()) },
        ]
    );
    assert_eq!(c.store.repair_order(c.number).await.unwrap().status, Status::Paid);

    let created = c.sent("POST", "/v1/payment_intents");
    assert_eq!(created.len(), 1);
    let body = String::from_utf8_lossy(&created[0].body).into_owned();
    for field in [
        "amount=48213",
        "currency=usd",
        "payment_method_types%5B%5D=card_present",
        &format!("metadata%5Brepair_order%5D={}", c.number),
    ] {
        assert!(body.contains(field), "{field} in {body}");
    }
    assert_eq!(created[0].header("stripe-version"), Some("2023-08-16"));
    assert!(created[0].header("idempotency-key").unwrap().starts_with("dixon-pi-"));
    assert_eq!(created[0].header("authorization"), Some("Bearer rk_test_counter"));
}

#[tokio::test]
async fn a_declined_card_is_tried_again_on_the_same_payment_intent() {
    let c = counter(Script {
        intent: vec!["requires_payment_method"],
        reader_failure: Some("Your card has insufficient funds."),
        ..Script::default()
    })
    .await;
    let (steps, progress) = recorder();
    let declined = c.payments.card(c.number, Cents(48_213), READER, progress).await.unwrap();
    assert_eq!(declined.status, PaymentStatus::Failed);
    assert_eq!(declined.failure.as_deref(), Some("Your card has insufficient funds."));
    assert_eq!(
        steps.lock().unwrap().last(),
        Some(&PaymentProgress::Declined { reason: "Your card has insufficient funds.".into() })
    );
    assert_eq!(c.store.repair_order(c.number).await.unwrap().status, Status::Invoiced, "nothing paid");
    assert_eq!(c.payments.ledger().balance(c.number).await.unwrap().due, Cents(48_213));

    {
        let mut s = c.script.lock().unwrap();
        s.reader_failure = None;
        s.intent = vec!["requires_payment_method", "requires_payment_method", "succeeded"];
        s.read = 0;
    }
    let paid = c.payments.retry_card(declined.id, READER, |_| {}).await.unwrap();
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    assert_eq!(paid.id, declined.id);
    assert_eq!(c.sent("POST", "/v1/payment_intents").len(), 1, "one PaymentIntent for both tries");
    let keys = c.keys(&format!("/v1/terminal/readers/{READER}/process_payment_intent"));
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1], "each reader attempt has its own stored key");
    assert_eq!(c.store.repair_order(c.number).await.unwrap().status, Status::Paid);

    let again = c.payments.retry_card(paid.id, READER, |_| {}).await.unwrap_err();
    assert!(matches!(again, Error::WrongState { .. }), "a succeeded payment is never sent again: {again}");
}

#[tokio::test]
async fn nobody_at_the_reader_clears_it_and_charges_nothing() {
    let mut c = counter(Script { intent: vec!["requires_payment_method"], ..Script::default() }).await;
    c.payments.reader_timeout = Duration::from_millis(300);
    let (steps, progress) = recorder();
    let payment = c.payments.card(c.number, Cents(10_000), READER, progress).await.unwrap();
    assert_eq!(payment.status, PaymentStatus::Failed);
    assert!(payment.failure.as_deref().unwrap().contains("No card was presented"), "{:?}", payment.failure);
    assert_eq!(steps.lock().unwrap().last(), Some(&PaymentProgress::TimedOut));
    assert_eq!(
        c.sent("POST", &format!("/v1/terminal/readers/{READER}/cancel_action")).len(),
        1,
        "the reader was cleared"
    );
    assert_eq!(c.payments.ledger().balance(c.number).await.unwrap().paid, Cents(0));
    // the drawer can take it instead
    c.payments.cash(c.number, Cents(48_213), Cents(50_000)).await.unwrap();
    assert_eq!(c.store.repair_order(c.number).await.unwrap().status, Status::Paid);
}

#[tokio::test]
async fn a_dropped_connection_is_retried_with_the_same_idempotency_key() {
    let c =
        counter(Script { intent: vec!["requires_payment_method", "succeeded"], reset_creates: 1, ..Script::default() })
            .await;
    let payment = c.payments.card(c.number, Cents(48_213), READER, |_| {}).await.unwrap();
    assert_eq!(payment.status, PaymentStatus::Succeeded);
    let keys = c.keys("/v1/payment_intents");
    assert_eq!(keys.len(), 2, "the reset attempt and its retry");
    assert_eq!(keys[0], keys[1], "Stripe sees one request, so one PaymentIntent");
}

#[tokio::test]
async fn an_app_that_stops_mid_payment_resumes_without_charging_twice() {
    let c = counter(Script { intent: vec!["requires_payment_method"], ..Script::default() }).await;
    let payments = c.payments.clone();
    let number = c.number;
    let waiting = tokio::spawn(async move { payments.card(number, Cents(48_213), READER, |_| {}).await });
    // the card is on the reader when the app goes away
    for _ in 0..100 {
        if !c.sent("POST", &format!("/v1/terminal/readers/{READER}/process_payment_intent")).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    waiting.abort();
    let _ = waiting.await;
    let in_flight = c.payments.ledger().in_flight().await.unwrap();
    assert_eq!(in_flight.len(), 1);
    assert_eq!(in_flight[0].status, PaymentStatus::SentToReader);

    // meanwhile: no second card payment, and the drawer can't take what the card may be paying
    let second = c.payments.card(c.number, Cents(48_213), READER, |_| {}).await.unwrap_err();
    assert!(matches!(second, Error::CardInProgress { .. }), "{second}");
    let cash = c.payments.cash(c.number, Cents(48_213), Cents(48_213)).await.unwrap_err();
    assert!(matches!(cash, Error::CardInProgress { .. }), "{cash}");

    // the customer's tap went through while the app was down: resuming finds it
    c.script.lock().unwrap().intent = vec!["succeeded"];
    let resumed = c.payments.resume().await.unwrap();
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].status, PaymentStatus::Succeeded);
    assert_eq!(c.store.repair_order(c.number).await.unwrap().status, Status::Paid);
    assert_eq!(c.sent("POST", "/v1/payment_intents").len(), 1, "never a second PaymentIntent");
}

#[tokio::test]
async fn a_payment_that_never_reached_stripe_is_created_once_on_resume() {
    let c = counter(Script { intent: vec!["requires_payment_method"], reset_creates: 100, ..Script::default() }).await;
    let error = c.payments.card(c.number, Cents(48_213), READER, |_| {}).await.unwrap_err();
    assert_eq!(error.kind(), "unreachable", "{error}");
    let stuck = c.payments.ledger().in_flight().await.unwrap();
    assert_eq!((stuck.len(), stuck[0].provider_id.as_deref()), (1, None));

    c.script.lock().unwrap().reset_creates = 0;
    let resumed = c.payments.resume().await.unwrap();
    assert_eq!(resumed[0].status, PaymentStatus::Failed, "interrupted before the card: ready to try again");
    assert!(resumed[0].failure.as_deref().unwrap().contains("Charge again"));
    let keys = c.keys("/v1/payment_intents");
    assert!(keys.iter().all(|k| k == &keys[0]), "every attempt, before and after the restart, used the stored key");
    assert_eq!(c.payments.ledger().balance(c.number).await.unwrap().paid, Cents(0));
}

#[tokio::test]
async fn a_refused_key_says_what_to_do_and_blocks_nothing() {
    let c = counter(Script { intent: vec!["requires_payment_method"], bad_key: true, ..Script::default() }).await;
    let error = c.payments.card(c.number, Cents(48_213), READER, |_| {}).await.unwrap_err();
    assert_eq!(error.kind(), "auth");
    assert!(error.to_string().contains("Check the account key"), "{error}");
    assert!(!error.to_string().contains("rk_test_counter"));
    assert!(c.payments.ledger().in_flight().await.unwrap().is_empty(), "the refused payment is not left in flight");
    c.payments.cash(c.number, Cents(48_213), Cents(48_213)).await.unwrap();
}

#[tokio::test]
async fn a_signed_webhook_confirms_a_payment_only_as_stripe_holds_it() {
    let mut c = counter(Script { intent: vec!["requires_payment_method"], ..Script::default() }).await;
    c.payments.reader_timeout = Duration::from_millis(200);
    let payment = c.payments.card(c.number, Cents(48_213), READER, |_| {}).await.unwrap();
    assert_eq!(payment.status, PaymentStatus::Failed);

    let event = br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","object":"payment_intent","status":"succeeded"}}}"#;
    let now = chrono::Utc::now().timestamp();
    // a forged event is refused, and changes nothing
    let forged = dixon_payments::webhook::sign(event, "whsec_attacker", now);
    assert!(c.payments.apply_webhook(event, &forged, now).await.is_err());
    // a signed one is only a notice: Stripe still says requires_payment_method, so not paid
    let signed = dixon_payments::webhook::sign(event, "whsec_test", now);
    let unchanged = c.payments.apply_webhook(event, &signed, now).await.unwrap().unwrap();
    assert_eq!(unchanged.status, PaymentStatus::Failed);
    c.script.lock().unwrap().intent = vec!["succeeded"];
    let applied = c.payments.apply_webhook(event, &signed, now).await.unwrap().unwrap();
    assert_eq!(applied.status, PaymentStatus::Succeeded);
    assert_eq!(c.store.repair_order(c.number).await.unwrap().status, Status::Paid);
    let stale = c.payments.apply_webhook(event, &signed, now + 301).await.unwrap_err();
    assert!(stale.to_string().contains("300 s"), "{stale}");

    let refunded = c.payments.refund(applied.id, Some(Cents(1_000))).await.unwrap();
    assert_eq!(refunded.refunded, Cents(1_000));
    let refund = c.sent("POST", "/v1/refunds");
    assert!(String::from_utf8_lossy(&refund[0].body).contains("payment_intent=pi_1"));
    assert!(refund[0].header("idempotency-key").unwrap().starts_with("dixon-refund-"));
}

/// A Stripe event as the sync stores it when the Dixon cloud relays it (a `relay_event` record).
async fn relayed(store: &dixon_shop::Store, uid: &str, event: &[u8], signature: &str, received: i64) {
    let received_at = chrono::DateTime::from_timestamp(received, 0).unwrap().to_rfc3339();
    let fields = serde_json::json!({
        "provider": "stripe", "event_key": uid, "payload": String::from_utf8_lossy(event),
        "signature": signature, "received_at": received_at,
    });
    let record = dixon_shop::replica::Record {
        kind: dixon_shop::replica::Kind::RelayEvent,
        uid: format!("stripe:{uid}"),
        fields: fields.as_object().unwrap().clone(),
        stamps: Default::default(),
        deleted: false,
    };
    let mut tx = store.pool().begin().await.unwrap();
    dixon_shop::records::write(&mut tx, &record).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn stripe_events_relayed_by_the_cloud_are_checked_and_applied_once() {
    let mut c = counter(Script { intent: vec!["requires_payment_method"], ..Script::default() }).await;
    c.payments.reader_timeout = Duration::from_millis(200);
    let payment = c.payments.card(c.number, Cents(48_213), READER, |_| {}).await.unwrap();
    assert_eq!(payment.status, PaymentStatus::Failed);
    c.script.lock().unwrap().intent = vec!["succeeded"];

    let event = br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","object":"payment_intent","status":"succeeded"}}}"#;
    // received by the cloud an hour ago, while this counter was offline: still good (the cloud
    // checked it was fresh when it came); a forged one is set aside
    let received = chrono::Utc::now().timestamp() - 3600;
    relayed(&c.store, "evt_forged", event, &dixon_payments::webhook::sign(event, "whsec_attacker", received), received)
        .await;
    relayed(&c.store, "evt_1", event, &dixon_payments::webhook::sign(event, "whsec_test", received), received).await;
    assert_eq!(c.payments.apply_relayed().await.unwrap(), 1);
    assert_eq!(c.payments.ledger().payment(payment.id).await.unwrap().status, PaymentStatus::Succeeded);
    assert_eq!(c.payments.apply_relayed().await.unwrap(), 0, "each relayed event is acted on once");
    let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM relayed_events WHERE handled_at IS NULL")
        .fetch_one(c.store.pool())
        .await
        .unwrap();
    assert_eq!(waiting, 0);
}

#[tokio::test]
async fn the_days_reconciliation_flags_what_stripe_and_the_app_disagree_on() {
    let c = counter(Script {
        intent: vec!["requires_payment_method", "succeeded"],
        listed: vec![
            ("pi_1", "succeeded", 40_000),
            ("pi_elsewhere", "succeeded", 5_000),
            ("pi_abandoned", "canceled", 900),
        ],
        ..Script::default()
    })
    .await;
    c.payments.cash(c.number, Cents(8_213), Cents(10_000)).await.unwrap();
    let card = c.payments.card(c.number, Cents(40_000), READER, |_| {}).await.unwrap();
    assert_eq!(card.status, PaymentStatus::Succeeded);
    let now = chrono::Utc::now();
    let from = now - chrono::Duration::hours(1);
    let report = c.payments.reconcile(now.date_naive(), from, now + chrono::Duration::hours(1)).await.unwrap();
    let totals: Vec<(dixon_payments::Method, u32, Cents)> =
        report.totals.iter().map(|t| (t.method, t.count, t.amount)).collect();
    assert_eq!(
        totals,
        [(dixon_payments::Method::Cash, 1, Cents(8_213)), (dixon_payments::Method::Card, 1, Cents(40_000))]
    );
    let problems: Vec<&str> = report.mismatches.iter().map(|m| m.problem.as_str()).collect();
    assert_eq!(report.mismatches.len(), 1, "{problems:?}");
    assert_eq!(report.mismatches[0].provider_id.as_deref(), Some("pi_elsewhere"));
    assert!(problems[0].contains("$50.00") && problems[0].contains("no payment for"), "{problems:?}");
    assert!(report.unchecked.is_empty(), "{:?}", report.unchecked);

    // Stripe down: the report says what it could not check instead of failing
    c.script.lock().unwrap().bad_key = true;
    let report = c.payments.reconcile(now.date_naive(), from, now + chrono::Duration::hours(1)).await.unwrap();
    assert!(report.unchecked[0].contains("Card payments were not checked"), "{:?}", report.unchecked);
    assert_eq!(report.totals.len(), 2, "the drawer totals are there all the same");
}

#[tokio::test]
async fn a_hold_is_captured_for_the_final_amount_or_released() {
    let c = counter(Script { intent: vec!["requires_payment_method", "requires_capture"], ..Script::default() }).await;
    let (steps, progress) = recorder();
    let held = c.payments.hold_card(c.number, Cents(48_213), READER, progress).await.unwrap();
    assert_eq!(held.status, PaymentStatus::Authorized);
    assert!(matches!(steps.lock().unwrap().last(), Some(PaymentProgress::Authorized { .. })));
    let created = c.sent("POST", "/v1/payment_intents");
    assert!(String::from_utf8_lossy(&created[0].body).contains("capture_method=manual"));
    let balance = c.payments.ledger().balance(c.number).await.unwrap();
    assert_eq!(
        (balance.paid, balance.pending, balance.due),
        (Cents(0), Cents(48_213), Cents(0)),
        "a hold is not a payment"
    );
    assert!(c.payments.cash(c.number, Cents(100), Cents(100)).await.is_err(), "the hold covers the balance");

    let too_much = c.payments.capture(held.id, Some(Cents(50_000))).await.unwrap_err();
    assert!(too_much.to_string().contains("$482.13"), "{too_much}");
    let captured = c.payments.capture(held.id, Some(Cents(40_000))).await.unwrap();
    assert_eq!((captured.status, captured.amount), (PaymentStatus::Succeeded, Cents(40_000)));
    let capture = c.sent("POST", "/v1/payment_intents/pi_1/capture");
    assert!(String::from_utf8_lossy(&capture[0].body).contains("amount_to_capture=40000"));
    assert!(capture[0].header("idempotency-key").unwrap().starts_with("dixon-capture-"));
    assert!(matches!(c.payments.capture(held.id, None).await, Err(Error::WrongState { .. })), "captured once");
    assert_eq!(c.payments.ledger().balance(c.number).await.unwrap().due, Cents(8_213));
    c.payments.cash(c.number, Cents(8_213), Cents(8_213)).await.unwrap();
    assert_eq!(c.store.repair_order(c.number).await.unwrap().status, Status::Paid);
}

#[tokio::test]
async fn a_released_hold_takes_nothing() {
    let c = counter(Script { intent: vec!["requires_payment_method", "requires_capture"], ..Script::default() }).await;
    let held = c.payments.hold_card(c.number, Cents(48_213), READER, |_| {}).await.unwrap();
    let released = c.payments.release(held.id).await.unwrap();
    assert_eq!(released.status, PaymentStatus::Canceled);
    assert_eq!(c.sent("POST", "/v1/payment_intents/pi_1/cancel").len(), 1);
    assert_eq!(c.payments.ledger().balance(c.number).await.unwrap().due, Cents(48_213));
}
