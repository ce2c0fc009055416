//! Contract test: our Stripe client against Stoplight Prism serving Stripe's own OpenAPI
//! description (PaymentIntents, Refunds, Terminal) on 127.0.0.1. Prism refuses (422) any
//! request that breaks Stripe's schema, so every request sent here is one Stripe would accept.

use std::sync::Arc;

use dixon_clock::SystemClock;
use dixon_payments::{Stripe, StripeAccount};
use dixon_resilience::{HealthState, Integrations};
use dixon_shop::Cents;
use dixon_test_peer::Prism;

#[tokio::test]
async fn every_request_we_send_is_valid_stripe() {
    let prism = Prism::start("stripe-terminal.prism.json").await;
    let dir = tempfile::tempdir().unwrap();
    let store = dixon_shop::Store::open(&dir.path().join("dixon.sqlite3")).await.unwrap();
    let hub = Integrations::new(store.pool().clone(), Arc::new(SystemClock));
    let account = StripeAccount {
        secret_key: "rk_test_contract".into(),
        location: Some("tml_FDOtHwxAAdIJOh".into()),
        webhook_secret: None,
    };
    let stripe = Stripe::register(&hub, &prism.url, account);

    let intent =
        stripe.create_intent(Cents(48_213), 1001, "Dixon Auto Repair", "dixon-pi-contract", false).await.unwrap();
    stripe.create_intent(Cents(90_000), 1001, "Dixon Auto Repair", "dixon-pi-hold-contract", true).await.unwrap();
    assert!(!intent.id.is_empty());
    stripe.intent(&intent.id).await.unwrap();
    let reader = stripe.process("tmr_FDOt2wlRZEdpd7", &intent.id, "dixon-process-contract").await.unwrap();
    assert!(!reader.id.is_empty());
    stripe.reader("tmr_FDOt2wlRZEdpd7").await.unwrap();
    stripe.cancel_action("tmr_FDOt2wlRZEdpd7", "dixon-cancel-contract").await.unwrap();
    stripe.capture(&intent.id, Some(Cents(60_000)), "dixon-capture-contract").await.unwrap();
    stripe.cancel_intent(&intent.id, "dixon-cancel-pi-contract").await.unwrap();
    stripe.refund(&intent.id, Some(Cents(1_000)), "dixon-refund-contract").await.unwrap();
    stripe.refund(&intent.id, None, "dixon-refund-all-contract").await.unwrap();
    stripe.readers().await.unwrap();
    stripe.intents_created(1_764_547_200, 1_764_633_600).await.unwrap();
    stripe
        .register_reader("simulated-wpe", "Front counter", "tml_FDOtHwxAAdIJOh", "dixon-reader-contract")
        .await
        .unwrap();

    // Prism does enforce Stripe's schema: a PaymentIntent without an amount is refused
    let refused = reqwest::Client::new()
        .post(format!("{}/v1/payment_intents", prism.url))
        .bearer_auth("rk_test_contract")
        .form(&[("currency", "usd")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 422, "prism validates requests");

    hub.check_health().await;
    let status = hub.overview().await.unwrap().into_iter().find(|s| s.id == "stripe").unwrap();
    assert_eq!(status.state, HealthState::Healthy, "{:?}", status.state_detail);
    let events = hub.monitor().events(Some("stripe"), None, 50).await.unwrap();
    assert!(events.iter().all(|e| !format!("{e:?}").contains("rk_test_contract")), "the key is never recorded");
}
