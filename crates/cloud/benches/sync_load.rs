//! How much sync one Dixon cloud takes on this machine: `cargo bench -p dixon-cloud --bench
//! sync_load`. A PostgreSQL cluster and the server start on 127.0.0.1; 100 simulated counters
//! (34 shops of about three) each push batches of changes and long-poll their shop's feed.
//! Prints ops applied per second beside the raw rate of inserting the same rows into the same
//! PostgreSQL in batches (and the ratio), the p99 push latency, and the time from a change being
//! pushed at one counter to its arrival at another (median and p99) — both while every counter
//! pushes flat out and at a shop's pace (one change a second per counter).

use std::sync::Arc;
use std::time::{Duration, Instant};

use dixon_cloud::{connect_as_app, server, Admin};
use dixon_test_peer::Postgres;
use serde_json::{json, Value};
use tokio::sync::Mutex;

const COUNTERS: usize = 100;
const PER_SHOP: usize = 3;
const BATCHES: usize = 20;
const BATCH: usize = 50;

fn change(device_seq: i64, at_ms: i64) -> Value {
    json!({
        "id": uuid::Uuid::new_v4(),
        "device_seq": device_seq,
        // a new customer: a record that needs no other, merged like every edit
        "topic": "customer.put",
        "entity_uid": uuid::Uuid::new_v4().to_string(),
        "payload": { "fields": { "name": "Pat Lee", "phone": "+15552345678", "notes": "Front brake pads", "sent_at_ms": at_ms } },
        "hlc": format!("{at_ms}.0.bench"),
    })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A start offset under a second, different per counter (no random crate needed).
fn rand_ms(token: &str) -> u64 {
    token.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64)) % 1000
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let pg = Postgres::start();
    let url = pg.create_database("dixon");
    let admin = Admin::connect(&url).await.unwrap();
    admin.migrate().await.unwrap();
    let pool = connect_as_app(&url, 40).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { server::serve(listener, pool).await });
    let http = reqwest::Client::builder().pool_max_idle_per_host(200).build().unwrap();

    // enroll: 34 shops, 100 counters
    let mut counters: Vec<(usize, String)> = Vec::new();
    let mut shop_of = Vec::new();
    for shop_index in 0..COUNTERS.div_ceil(PER_SHOP) {
        let (shop, _) = admin.create_shop(&format!("Shop {shop_index}")).await.unwrap();
        shop_of.push(shop);
        for _ in 0..PER_SHOP.min(COUNTERS - counters.len()) {
            let code = admin.enrollment_code(shop).await.unwrap();
            let enrolled: Value = http
                .post(format!("{base}/v1/enroll"))
                .json(&json!({ "code": code.0, "name": "Counter" }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            counters.push((shop_index, enrolled["token"].as_str().unwrap().to_string()));
        }
    }
    println!(
        "{} counters in {} shops; each pushes {BATCHES} batches of {BATCH} changes",
        counters.len(),
        shop_of.len()
    );

    // each shop's first counter listens on the feed (long-poll) and times arrivals from the others
    let arrivals = Arc::new(Mutex::new(Vec::<f64>::new()));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut listeners = Vec::new();
    for (_, token) in counters.iter().step_by(PER_SHOP).cloned() {
        let (http, base, arrivals, done) = (http.clone(), base.clone(), arrivals.clone(), done.clone());
        let own_device = token.split('.').nth(2).unwrap().to_string();
        listeners.push(tokio::spawn(async move {
            let mut cursor = 0i64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let page: Value =
                    match http.get(format!("{base}/v1/changes?after={cursor}&wait=2")).bearer_auth(&token).send().await
                    {
                        Ok(reply) => reply.json().await.unwrap_or_default(),
                        Err(_) => continue,
                    };
                let received = now_ms();
                let mut seen = arrivals.lock().await;
                // only changes made at the shop's other counters
                for change in
                    page["changes"].as_array().into_iter().flatten().filter(|c| c["device_id"] != own_device.as_str())
                {
                    if let Some(sent) = change["payload"]["fields"]["sent_at_ms"].as_i64() {
                        seen.push((received - sent) as f64);
                    }
                }
                cursor = page["cursor"].as_i64().unwrap_or(cursor);
            }
        }));
    }

    // every counter pushes its batches as fast as the cloud answers
    let started = Instant::now();
    let mut pushers = Vec::new();
    for (_, token) in counters.iter().cloned() {
        let (http, base) = (http.clone(), base.clone());
        pushers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut seq = 0i64;
            for _ in 0..BATCHES {
                let changes: Vec<Value> = (0..BATCH)
                    .map(|_| {
                        seq += 1;
                        change(seq, now_ms())
                    })
                    .collect();
                let sent = Instant::now();
                let reply = http
                    .post(format!("{base}/v1/push"))
                    .bearer_auth(&token)
                    .json(&json!({ "protocol": 2, "changes": changes }))
                    .send()
                    .await
                    .unwrap();
                assert!(reply.status().is_success(), "{}", reply.text().await.unwrap());
                latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
            }
            latencies
        }));
    }
    let mut push_ms: Vec<f64> = Vec::new();
    for pusher in pushers {
        push_ms.extend(pusher.await.unwrap());
    }
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await; // let the listeners drain the feeds
    let saturated: Vec<f64> = std::mem::take(&mut *arrivals.lock().await);

    // then the shop day: every counter pushes one change a second for 10 s (100 changes/s in all)
    let mut paced = Vec::new();
    for (_, token) in counters.iter().cloned() {
        let (http, base) = (http.clone(), base.clone());
        paced.push(tokio::spawn(async move {
            // each counter starts at its own moment within the first second
            tokio::time::sleep(Duration::from_millis(rand_ms(&token))).await;
            for n in 0..10 {
                let seq = (BATCHES * BATCH) as i64 + 1 + n;
                let batch = json!({ "protocol": 2, "changes": [change(seq, now_ms())] });
                let _ = http.post(format!("{base}/v1/push")).bearer_auth(&token).json(&batch).send().await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }));
    }
    for task in paced {
        task.await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    for listener in listeners {
        let _ = listener.await;
    }
    let ops = (COUNTERS * BATCHES * BATCH) as f64;
    let rate = ops / took.as_secs_f64();
    push_ms.sort_by(f64::total_cmp);

    // the raw rate: the same rows inserted into the same table in batches of the same size
    let raw_pool = sqlx::postgres::PgPoolOptions::new().max_connections(8).connect(&url).await.unwrap();
    sqlx::query("CREATE TABLE raw_changes (LIKE changes INCLUDING ALL)").execute(&raw_pool).await.unwrap();
    let raw_started = Instant::now();
    let mut raw_tasks = Vec::new();
    for worker in 0..8i64 {
        let pool = raw_pool.clone();
        let shop = shop_of[worker as usize % shop_of.len()];
        raw_tasks.push(tokio::spawn(async move {
            let rows = (COUNTERS * BATCHES * BATCH) as i64 / 8;
            let mut seq = worker * rows;
            while seq < (worker + 1) * rows {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO raw_changes (shop_id, seq, device_id, device_seq, change_id, topic, entity_uid, payload, hlc) ",
                );
                let batch: Vec<i64> = (seq..(seq + BATCH as i64).min((worker + 1) * rows)).collect();
                insert.push_values(&batch, |mut row, n| {
                    let c = change(*n, now_ms());
                    row.push_bind(shop)
                        .push_bind(*n)
                        .push_bind(uuid::Uuid::nil())
                        .push_bind(*n)
                        .push_bind(uuid::Uuid::new_v4())
                        .push_bind(c["topic"].as_str().unwrap().to_string())
                        .push_bind(c["entity_uid"].as_str().unwrap().to_string())
                        .push_bind(c["payload"].clone())
                        .push_bind(c["hlc"].as_str().unwrap().to_string());
                });
                insert.build().execute(&pool).await.unwrap();
                seq += BATCH as i64;
            }
        }));
    }
    for task in raw_tasks {
        task.await.unwrap();
    }
    let raw_rate = ops / raw_started.elapsed().as_secs_f64();

    let mut seen = arrivals.lock().await.clone();
    seen.sort_by(f64::total_cmp);
    let mut saturated = saturated;
    saturated.sort_by(f64::total_cmp);
    println!("ops applied: {ops} in {took:.2?} = {rate:.0} ops/s (target ≥ 3,000)");
    println!(
        "raw batched INSERTs of the same rows into the same PostgreSQL: {raw_rate:.0} rows/s; ours is {:.0} % of it",
        100.0 * rate / raw_rate
    );
    println!(
        "push latency ({} batches of {BATCH}): median {:.1} ms, p99 {:.1} ms",
        push_ms.len(),
        percentile(&push_ms, 0.5),
        percentile(&push_ms, 0.99)
    );
    for (when, arrived) in
        [("while every counter pushes flat out", &saturated), ("at one change a second per counter", &seen)]
    {
        if arrived.is_empty() {
            println!("change to arrival at another counter, {when}: nothing arrived");
        } else {
            println!(
                "change to arrival at another counter, {when} ({} changes): median {:.0} ms, p99 {:.0} ms (targets ≤ 200 ms, ≤ 1 s)",
                arrived.len(),
                percentile(arrived, 0.5),
                percentile(arrived, 0.99)
            );
        }
    }
    drop(pg);
}
