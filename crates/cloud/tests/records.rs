//! The shop's records in PostgreSQL, merged by the replica rules: a repair-order number taken by
//! another counter meanwhile is renumbered, a status move no longer legal and a line of an
//! unknown order are refused with why, and a new counter reads it all back as a snapshot.

mod support;

use serde_json::{json, Value};
use support::cloud;

fn edit(seq: i64, topic: &str, uid: &str, payload: Value) -> Value {
    json!({
        "id": uuid::Uuid::new_v4(), "device_seq": seq, "topic": topic, "entity_uid": uid, "payload": payload,
        "hlc": format!("{}.0.dev", 1_780_000_000_000i64 + seq),
    })
}

fn new_order(first_seq: i64, tag: &str, number: i64) -> Vec<Value> {
    vec![
        edit(
            first_seq,
            "customer.put",
            &format!("c-{tag}"),
            json!({"fields": {"name": format!("Pat {tag}"), "phone": "+15552345678"}}),
        ),
        edit(
            first_seq + 1,
            "vehicle.put",
            &format!("v-{tag}"),
            json!({"fields": {"customer_uid": format!("c-{tag}"), "make": "Honda"}}),
        ),
        edit(
            first_seq + 2,
            "repair_order.put",
            &format!("ro-{tag}"),
            json!({"fields": {
            "number": number, "customer_uid": format!("c-{tag}"), "vehicle_uid": format!("v-{tag}"), "status": "estimate"}}),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn records_merge_in_the_cloud_by_the_shared_rules() {
    let cloud = cloud().await;
    let (shop, front) = cloud.shop_with_counter("Shop A").await;
    let back = cloud.another_counter(shop, "Back counter").await;

    // both counters opened order 1001 while offline
    let (status, a) = cloud.push(&front, json!({"protocol": 2, "changes": new_order(1, "a", 1001)})).await;
    assert_eq!(status, 200, "{a}");
    let (_, b) = cloud.push(&back, json!({"protocol": 2, "changes": new_order(1, "b", 1001)})).await;
    assert!(b["results"].as_array().unwrap().iter().all(|r| r["status"] == "applied"), "{b}");
    let (_, feed) = cloud.pull(&front, "after=0").await;
    let numbers: Vec<(String, i64)> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["topic"] == "repair_order.put")
        .map(|c| (c["entity_uid"].as_str().unwrap().to_string(), c["record"]["fields"]["number"].as_i64().unwrap()))
        .collect();
    assert_eq!(numbers, [("ro-a".to_string(), 1001), ("ro-b".to_string(), 1002)], "the later one is renumbered");

    // front cancels order a; back, not knowing, approves it: refused with why
    let cancel = edit(4, "repair_order.status", "ro-a", json!({"from": "estimate", "to": "canceled"}));
    assert_eq!(cloud.push(&front, json!({"protocol": 2, "changes": [cancel]})).await.0, 200);
    let approve = edit(4, "repair_order.status", "ro-a", json!({"from": "estimate", "to": "approved"}));
    let orphan = edit(
        5,
        "line.put",
        "l-x",
        json!({"fields": {"repair_order_uid": "ro-nowhere", "kind": "labor",
        "description": "Brakes", "quantity_milli": 1000, "unit_price_cents": 12000, "taxable": 1}}),
    );
    let line = edit(
        6,
        "line.put",
        "l-b",
        json!({"fields": {"repair_order_uid": "ro-b", "kind": "labor",
        "description": "Brakes", "quantity_milli": 1000, "unit_price_cents": 12000, "taxable": 1}}),
    );
    let (_, answer) = cloud.push(&back, json!({"protocol": 2, "changes": [approve, orphan, line]})).await;
    let results = answer["results"].as_array().unwrap();
    assert!(results[0]["reason"].as_str().unwrap().contains("is canceled"), "{answer}");
    assert!(
        results[1]["reason"].as_str().unwrap().contains("repair order it belongs to is not in the cloud"),
        "{answer}"
    );
    assert_eq!(results[2]["status"], "applied");

    // a new counter starts from a snapshot: parents first, in pages
    let third = cloud.another_counter(shop, "Tablet").await;
    let mut records = Vec::new();
    let mut query = "limit=2".to_string();
    let mut feed_end = None;
    loop {
        let reply =
            cloud.http.get(format!("{}/v1/snapshot?{query}", cloud.base)).bearer_auth(&third).send().await.unwrap();
        assert_eq!(reply.status(), 200);
        let page: Value = reply.json().await.unwrap();
        feed_end.get_or_insert(page["feed_end"].as_i64().unwrap());
        records.extend(page["records"].as_array().unwrap().iter().cloned());
        match page["next"].as_object() {
            Some(next) => {
                query = format!("limit=2&after_rank={}&after_uid={}", next["rank"], next["uid"].as_str().unwrap())
            }
            None => break,
        }
    }
    let kinds: Vec<&str> = records.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["customer", "customer", "vehicle", "vehicle", "repair_order", "repair_order", "line"]);
    assert_eq!(records[4]["fields"]["status"], "canceled");
    assert_eq!(feed_end, Some(8));
    // another shop's snapshot is empty
    let (_, other) = cloud.shop_with_counter("Shop B").await;
    let theirs: Value = cloud
        .http
        .get(format!("{}/v1/snapshot", cloud.base))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["records"], json!([]), "{theirs}");
}
