//! PayPal from the customer's phone, end to end over real sockets: a peer on 127.0.0.1 answers
//! as PayPal's REST API does (token, order, approval, capture, refund), scripted per test; and a
//! contract test against Prism serving PayPal's own Orders v2 OpenAPI description.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dixon_clock::SystemClock;
use dixon_payments::{Error, Ledger, Method, PayPal, PayPalAccount, PaymentProgress, PaymentStatus, Payments};
use dixon_resilience::{Integrations, Policy, RetryPolicy};
use dixon_shop::{Cents, Status};
use dixon_test_peer::{Peer, Prism, Reply, Request};
use serde_json::json;
use support::{invoiced, shop};

/// What GET /v2/checkout/orders/ORDER-1 says in turn (the last repeats), and how capture ends.
struct Script {
    statuses: Vec<&'static str>,
    read: usize,
    capture: &'static str,
}

fn answer(script: &Mutex<Script>, request: &Request) -> Reply {
    let mut s = script.lock().unwrap();
    let order = |status: &str, capture: Option<&str>| {
        let mut order = json!({ "id": "ORDER-1", "status": status,
            "links": [{ "href": "https://www.sandbox.paypal.com/checkoutnow?token=ORDER-1", "rel": "payer-action", "method": "GET" }] });
        if let Some(capture) = capture {
            order["purchase_units"] =
                json!([{ "payments": { "captures": [{ "id": "CAPTURE-1", "status": capture }] } }]);
        }
        Reply::json(200, order.to_string())
    };
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/v1/oauth2/token") => {
            Reply::json(200, r#"{"access_token":"A21AA-token","token_type":"Bearer","expires_in":32400}"#)
        }
        ("POST", "/v2/checkout/orders") => order("PAYER_ACTION_REQUIRED", None),
        ("GET", "/v2/checkout/orders/ORDER-1") => {
            let status = s.statuses[s.read.min(s.statuses.len() - 1)];
            s.read += 1;
            order(status, (status == "COMPLETED").then_some("COMPLETED"))
        }
        ("POST", "/v2/checkout/orders/ORDER-1/capture") => order("COMPLETED", Some(s.capture)),
        ("POST", "/v2/payments/captures/CAPTURE-1/refund") => {
            Reply::json(201, r#"{"id":"REFUND-1","status":"COMPLETED"}"#)
        }
        _ => Reply::json(404, r#"{"name":"RESOURCE_NOT_FOUND"}"#),
    }
}

fn fast() -> Policy {
    Policy { retry: RetryPolicy { base: Duration::from_millis(10), ..RetryPolicy::default() }, ..Policy::default() }
}

async fn counter(statuses: Vec<&'static str>, capture: &'static str) -> (support::Shop, Payments, Peer, i64) {
    let shop = shop().await;
    let number = invoiced(&shop.store, 48_213).await;
    let script = Arc::new(Mutex::new(Script { statuses, read: 0, capture }));
    let peer = Peer::start(move |request, _| answer(&script, request)).await;
    let hub = Integrations::new(shop.store.pool().clone(), Arc::new(SystemClock));
    let account = PayPalAccount { client_id: "dixon-app".into(), client_secret: "paypal-secret".into() };
    let paypal = PayPal::register_with(&hub, &peer.url(""), &peer.url("/v1/oauth2/token"), account, fast());
    let mut payments = Payments::new(Ledger::new(shop.store.clone(), Arc::new(SystemClock)), None, "Dixon Auto Repair")
        .with_paypal(Some(paypal));
    payments.poll_every = Duration::from_millis(20);
    (shop, payments, peer, number)
}

#[tokio::test]
async fn approved_on_the_phone_captured_once_and_the_order_paid() {
    let (shop, payments, peer, number) =
        counter(vec!["PAYER_ACTION_REQUIRED", "PAYER_ACTION_REQUIRED", "APPROVED"], "COMPLETED").await;
    let (started, url) = payments.paypal_start(number, Cents(48_213)).await.unwrap();
    assert_eq!(url, "https://www.sandbox.paypal.com/checkoutnow?token=ORDER-1");
    assert_eq!((started.method, started.provider_id.as_deref()), (Method::PayPal, Some("ORDER-1")));
    let steps = Arc::new(Mutex::new(Vec::new()));
    let seen = steps.clone();
    let paid = payments.paypal_follow(started.id, move |s| seen.lock().unwrap().push(s)).await.unwrap();
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    assert_eq!(paid.how, "PayPal");
    assert_eq!(
        steps.lock().unwrap().last(),
        Some(&PaymentProgress::Approved { card: Some("PayPal".into()), wallet: None })
    );
    assert_eq!(shop.store.repair_order(number).await.unwrap().status, Status::Paid);

    let requests = peer.requests();
    let tokens = requests.iter().filter(|r| r.path == "/v1/oauth2/token").count();
    assert_eq!(tokens, 1, "one token for every request");
    let create = requests.iter().find(|r| r.path == "/v2/checkout/orders").unwrap();
    let body: serde_json::Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(body["purchase_units"][0]["amount"]["value"], "482.13");
    assert_eq!(body["purchase_units"][0]["reference_id"], format!("RO-{number}"));
    assert!(create.header("paypal-request-id").unwrap().starts_with("dixon-order-"));
    assert_eq!(create.header("authorization"), Some("Bearer A21AA-token"));
    let captures: Vec<&Request> = requests.iter().filter(|r| r.path.ends_with("/capture")).collect();
    assert_eq!(captures.len(), 1);
    assert!(captures[0].header("paypal-request-id").unwrap().starts_with("dixon-capture-"));

    let refunded = payments.refund(paid.id, Some(Cents(1_000))).await.unwrap();
    assert_eq!(refunded.refunded, Cents(1_000));
    let refund = peer.requests().into_iter().find(|r| r.path.ends_with("/refund")).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&refund.body).unwrap();
    assert_eq!(body["amount"]["value"], "10.00");
}

#[tokio::test]
async fn a_customer_who_never_approves_pays_nothing_and_blocks_nothing() {
    let (shop, mut payments, _peer, number) = counter(vec!["PAYER_ACTION_REQUIRED"], "COMPLETED").await;
    payments.paypal_timeout = Duration::from_millis(200);
    let (started, _) = payments.paypal_start(number, Cents(48_213)).await.unwrap();
    let second = payments.paypal_start(number, Cents(1_000)).await.unwrap_err();
    assert!(matches!(second, Error::CardInProgress { .. }), "one payment in flight at a time: {second}");
    let ended = payments.paypal_follow(started.id, |_| {}).await.unwrap();
    assert_eq!(ended.status, PaymentStatus::Canceled);
    assert!(ended.failure.as_deref().unwrap().contains("did not approve"), "{:?}", ended.failure);
    assert_eq!(shop.store.repair_order(number).await.unwrap().status, Status::Invoiced);
    payments.cash(number, Cents(48_213), Cents(48_213)).await.unwrap();
}

#[tokio::test]
async fn a_declined_capture_and_a_voided_order_are_never_paid() {
    let (shop, payments, _peer, number) = counter(vec!["APPROVED"], "DECLINED").await;
    let (started, _) = payments.paypal_start(number, Cents(48_213)).await.unwrap();
    let declined = payments.paypal_follow(started.id, |_| {}).await.unwrap();
    assert_eq!(declined.status, PaymentStatus::Failed);
    assert_eq!(declined.failure.as_deref(), Some("PayPal declined the payment."));

    let (shop2, payments2, _peer2, number2) = counter(vec!["VOIDED"], "COMPLETED").await;
    let (started, _) = payments2.paypal_start(number2, Cents(48_213)).await.unwrap();
    let voided = payments2.paypal_follow(started.id, |_| {}).await.unwrap();
    assert_eq!(voided.status, PaymentStatus::Canceled);
    for (shop, number) in [(&shop, number), (&shop2, number2)] {
        assert_eq!(shop.store.repair_order(number).await.unwrap().status, Status::Invoiced);
    }
}

#[tokio::test]
async fn an_app_that_stops_while_the_customer_approves_captures_on_resume() {
    let (shop, payments, peer, number) = counter(vec!["APPROVED"], "COMPLETED").await;
    let (started, _) = payments.paypal_start(number, Cents(48_213)).await.unwrap();
    assert!(started.status.in_flight());
    // the app stopped before following it; on the next start:
    let resumed = payments.resume().await.unwrap();
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].status, PaymentStatus::Succeeded);
    assert_eq!(shop.store.repair_order(number).await.unwrap().status, Status::Paid);
    assert_eq!(peer.requests().iter().filter(|r| r.path == "/v2/checkout/orders").count(), 1);
}

#[tokio::test]
async fn every_order_request_we_send_is_valid_paypal() {
    let prism = Prism::start("checkout_orders_v2.prism.json").await;
    // Orders v2's description has no token endpoint: a peer stands in for it
    let token = Peer::start(|_, _| Reply::json(200, r#"{"access_token":"A21AA-token","expires_in":32400}"#)).await;
    let dir = tempfile::tempdir().unwrap();
    let store = dixon_shop::Store::open(&dir.path().join("dixon.sqlite3")).await.unwrap();
    let hub = Integrations::new(store.pool().clone(), Arc::new(SystemClock));
    let account = PayPalAccount { client_id: "dixon-app".into(), client_secret: "paypal-secret".into() };
    let paypal = PayPal::register_with(&hub, &prism.url, &token.url("/v1/oauth2/token"), account, fast());
    let order = paypal.create_order(Cents(48_213), 1001, "Dixon Auto Repair", "dixon-order-contract").await.unwrap();
    assert!(!order.id.is_empty());
    // Prism answers with placeholder ids ("string"); PayPal's own are upper-case letters and digits
    paypal.order("5O190127TN364715T").await.unwrap();
    paypal.capture("5O190127TN364715T", "dixon-capture-contract").await.unwrap();
    // Prism enforces the schema: an order without purchase units is refused
    let refused = reqwest::Client::new()
        .post(format!("{}/v2/checkout/orders", prism.url))
        .bearer_auth("A21AA-token")
        .json(&json!({ "intent": "CAPTURE" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 422);
}
