//! Push and pull against the real server and PostgreSQL: batches applied once, resent batches
//! recognised, bad changes rejected with their reason while good ones in the same batch land,
//! the shop's feed read by cursor and long-poll, and nothing of another shop ever in it.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::{change, cloud};

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_is_applied_once_and_the_other_counter_reads_it_from_the_feed() {
    let cloud = cloud().await;
    let (shop, front) = cloud.shop_with_counter("Shop A").await;
    let back = cloud.another_counter(shop, "Back counter").await;

    let batch = json!({ "protocol": 2, "changes": [change(1, "ro-1"), change(2, "ro-2"), change(3, "ro-1")] });
    let (status, answer) = cloud.push(&front, batch.clone()).await;
    assert_eq!(status, 200, "{answer}");
    let statuses: Vec<&str> =
        answer["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["applied", "applied", "applied"]);
    assert_eq!(answer["device_seq"], 3);

    // the answer was lost and the counter sends the same batch again: nothing changes
    let (status, again) = cloud.push(&front, batch).await;
    assert_eq!(status, 200);
    let seqs = |a: &serde_json::Value| {
        a["results"].as_array().unwrap().iter().map(|r| r["seq"].as_i64().unwrap()).collect::<Vec<_>>()
    };
    assert!(again["results"].as_array().unwrap().iter().all(|r| r["status"] == "duplicate"), "{again}");
    assert_eq!(seqs(&again), seqs(&answer), "the same places in the feed");

    // the other counter reads the feed in pages, by cursor
    let (status, page) = cloud.pull(&back, "after=0&limit=2").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["changes"].as_array().unwrap().len(), 2);
    assert_eq!((page["cursor"].as_i64(), page["last_seq"].as_i64()), (Some(2), Some(3)));
    let (_, rest) = cloud.pull(&back, "after=2").await;
    assert_eq!(rest["changes"][0]["entity_uid"], "ro-1");
    assert_eq!(rest["changes"][0]["payload"]["fields"]["notes"], "brakes squeal");
    assert_eq!(rest["changes"][0]["record"]["fields"]["name"], "Customer ro-1", "the record after the change");
    assert_eq!(rest["cursor"], 3);
    let (_, empty) = cloud.pull(&back, "after=3").await;
    assert!(empty["changes"].as_array().unwrap().is_empty());

    // what the operator's monitoring scrapes
    let metrics = cloud.http.get(format!("{}/metrics", cloud.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("dixon_cloud_changes_applied_total 3"), "{metrics}");
    assert!(metrics.contains("dixon_cloud_changes_duplicate_total 3"), "{metrics}");
    assert!(metrics.contains("dixon_cloud_push_seconds_count 2"), "{metrics}");
    // the other counter read up to 2 of 3 last time, then to 3: the shop is caught up
    assert!(metrics.contains(&format!("dixon_cloud_shop_lag_changes{{shop=\"{shop}\"}} 0")), "{metrics}");
    assert!(!metrics.contains("Shop A"), "no shop name in the labels");

    // another shop's counter sees an empty feed
    let (_, other) = cloud.shop_with_counter("Shop B").await;
    let (_, theirs) = cloud.pull(&other, "after=0").await;
    assert_eq!(theirs["last_seq"], 0, "{theirs}");
    assert_eq!(cloud.pull(&other, "after=3").await.0, 409, "shop A's cursor is not in shop B's feed");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_changes_are_rejected_with_reasons_and_good_ones_still_land() {
    let cloud = cloud().await;
    let (_, front) = cloud.shop_with_counter("Shop A").await;
    let mut future = change(2, "ro-2");
    future["hlc"] = json!(format!("{}.0.front", 4_000_000_000_000i64)); // the year 2096
    let mut not_a_record = change(3, "ro-3");
    not_a_record["payload"] = json!("text");
    let mut no_topic = change(4, "ro-4");
    no_topic["topic"] = json!("");
    let batch = json!({ "protocol": 2, "changes": [change(1, "ro-1"), future, not_a_record, no_topic.clone(), change(6, "ro-6"), change(5, "ro-5")] });
    let (status, answer) = cloud.push(&front, batch).await;
    assert_eq!(status, 200, "{answer}");
    let results = answer["results"].as_array().unwrap();
    let reason = |i: usize| results[i]["reason"].as_str().unwrap_or("").to_string();
    assert_eq!(results[0]["status"], "applied");
    assert!(reason(1).contains("clock is ahead"), "{}", reason(1));
    assert!(reason(2).contains("not a record"), "{}", reason(2));
    assert!(reason(3).contains("not a change topic"), "{}", reason(3));
    assert_eq!(
        (results[4]["status"].as_str(), results[4]["expected"].as_i64()),
        (Some("out_of_order"), Some(5)),
        "a gap uses nothing up"
    );
    assert_eq!(results[5]["status"], "applied", "the refused ones used up their numbers: {answer}");
    assert_eq!(answer["device_seq"], 5);
    // a refused change sent again gets the same answer
    let (_, resent) = cloud.push(&front, json!({ "protocol": 2, "changes": [no_topic] })).await;
    assert!(resent["results"][0]["reason"].as_str().unwrap().contains("not a change topic"), "{resent}");
    // a different change under a sequence number already used
    let (_, reused) = cloud.push(&front, json!({ "protocol": 2, "changes": [change(2, "ro-7")] })).await;
    assert!(reused["results"][0]["reason"].as_str().unwrap().contains("already used"), "{reused}");

    // whole batches refused before anything is written
    let too_many: Vec<_> = (6..=506).map(|n| change(n, "ro")).collect();
    assert_eq!(cloud.push(&front, json!({ "protocol": 2, "changes": too_many })).await.0, 400);
    let (status, newer) = cloud.push(&front, json!({ "protocol": 3, "changes": [change(6, "ro")] })).await;
    assert_eq!(status, 400);
    assert!(newer["message"].as_str().unwrap().contains("Nothing was lost"), "{newer}");
    let (status, older) = cloud.push(&front, json!({ "protocol": 1, "changes": [change(6, "ro")] })).await;
    assert_eq!(status, 426);
    assert!(older["message"].as_str().unwrap().contains("update"), "{older}");
    let (status, unreadable) = cloud.push(&front, json!({ "changes": "nope" })).await;
    assert_eq!(status, 400);
    assert!(unreadable["message"].as_str().unwrap().contains("Nothing was changed"), "{unreadable}");
    assert_eq!(cloud.push("dxd.nobody", json!({ "protocol": 2, "changes": [] })).await.0, 401);
    let (_, feed) = cloud.pull(&front, "after=0").await;
    assert_eq!(feed["last_seq"], 2, "only the two good changes are in the feed: {feed}");
    assert_eq!(cloud.pull(&front, "after=-1").await.0, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_waiting_pull_wakes_when_the_other_counter_pushes() {
    let cloud = cloud().await;
    let (shop, front) = cloud.shop_with_counter("Shop A").await;
    let back = cloud.another_counter(shop, "Back counter").await;
    let waiting = {
        let (http, url, token) =
            (cloud.http.clone(), format!("{}/v1/changes?after=0&wait=20", cloud.base), back.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let page: serde_json::Value = http.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap();
            (page, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(cloud.push(&front, json!({ "protocol": 2, "changes": [change(1, "ro-1")] })).await.0, 200);
    let (page, waited) = waiting.await.unwrap();
    assert_eq!(page["changes"][0]["entity_uid"], "ro-1", "{page}");
    // woken by the push, not by the 20 s timeout (a generous bound: this is not a speed test)
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    // with nothing new, a short wait answers empty
    let (status, empty) = cloud.pull(&back, "after=1&wait=1").await;
    assert_eq!(status, 200);
    assert!(empty["changes"].as_array().unwrap().is_empty());
}
