//! Contract test: our PartsTech client against Stoplight Prism serving PartsTech's own OpenAPI
//! description on 127.0.0.1. Prism refuses (422) any request that breaks the schema, so every
//! request we send here is one PartsTech would accept.

use std::sync::Arc;

use dixon_clock::SystemClock;
use dixon_parts::{PartQuery, PartSearch, PartsTech, PartsTechCredentials};
use dixon_resilience::{HealthState, Integrations};
use dixon_test_peer::Prism;

#[tokio::test]
async fn every_request_we_send_is_valid_partstech() {
    let prism = Prism::start("partstech-openapi.prism.yaml").await;
    let dir = tempfile::tempdir().unwrap();
    let store = dixon_shop::Store::open(&dir.path().join("dixon.sqlite3")).await.unwrap();
    let hub = Integrations::new(store.pool().clone(), Arc::new(SystemClock));
    let credentials = PartsTechCredentials {
        partner_id: "dixon".into(),
        partner_key: "partner-key".into(),
        user_id: "shop-42".into(),
        user_key: "user-key".into(),
        store_ids: vec![1, 228621],
    };
    let partstech = PartsTech::register(&hub, &prism.url, credentials, 1_000);

    // VIN + keyword, from two stores at once
    let offers = partstech.quote(&PartQuery::keyword("front brake pads", Some("1HGCM82633A004352"))).await.unwrap();
    assert_eq!(offers.len(), 2, "the spec's example part, once per store");
    assert_eq!(offers[0].part_number, "24CA");
    assert_eq!(offers[0].brand, "Bosch");
    assert_eq!(offers[0].cost, dixon_shop::Cents(124), "$1.24 in the spec's example");
    assert_eq!(offers[0].core, dixon_shop::Cents(40));

    // by part number
    let by_number = PartQuery { search: PartSearch::PartNumber("D1234".into()), vin: None };
    assert!(!partstech.quote(&by_number).await.unwrap().is_empty());

    // the health check: a token and the user's profile
    hub.check_health().await;
    let overview = hub.overview().await.unwrap();
    let status = overview.iter().find(|s| s.id == "partstech").unwrap();
    assert_eq!(status.state, HealthState::Healthy, "{status:?}");

    // Prism does enforce the schema: a request without storeId is refused
    let refused = reqwest::Client::new()
        .post(format!("{}/catalog/quote", prism.url))
        .bearer_auth("token")
        .json(&serde_json::json!({ "searchParams": { "vin": "1HGCM82633A004352", "keyword": "pads" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 422);

    let events = hub.monitor().events(Some("partstech"), None, 100).await.unwrap();
    assert!(events.iter().all(|e| e.http_status.is_none_or(|s| s < 400)), "{events:?}");
}
