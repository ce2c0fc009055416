//! Three counters (real SQLite data folders) and one Dixon cloud (a real PostgreSQL, the real
//! server) with a hostile network between them: seeded random work at every counter — orders
//! opened, lines added and removed, statuses moved, estimates authorized, cash taken — while each
//! counter's link to the cloud is cut, delayed, duplicated (the copy arriving later, out of
//! order) or loses the cloud's answer after the cloud committed, and the cloud itself is killed
//! and restarted. Then the network heals and everything must converge: the same repair orders,
//! lines, authorizations and payments on every counter and in PostgreSQL, each payment once, and
//! no status move in the shop's history that the lifecycle forbids.
//!
//! `DIXON_CHAOS_SEED=<n>` replays a run (the seed is printed first); `DIXON_CHAOS_STEPS` sets its
//! length (default 300).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use dixon_cloud::{connect_as_app, server, Admin};
use dixon_home::Home;
use dixon_payments::{Ledger, Payments};
use dixon_resilience::{BreakerPolicy, Integrations, Policy, RetryPolicy};
use dixon_shop::{
    AuthorizationMethod, Cents, ContactMethod, LineKind, ListScope, NewAuthorization, NewCustomer, NewLine,
    NewRepairOrder, NewVehicle, RepairOrderQuery, Status, Store, SystemClock,
};
use dixon_sync::SyncClient;
use dixon_test_peer::Postgres;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

/// What the network does to one request, decided by the seeded generator.
#[derive(Clone)]
struct Chaos {
    on: Arc<AtomicBool>,
    /// How many requests were cut, delayed, lost their answer, duplicated.
    tally: Arc<Mutex<[u32; 4]>>,
    rng: Arc<Mutex<StdRng>>,
    cloud: String,
    http: reqwest::Client,
}

enum Fate {
    Deliver,
    Cut,
    Delay(Duration),
    /// The cloud commits; its answer never reaches the counter.
    LoseAnswer,
    /// Delivered now, and a copy again later (after the counter's next requests).
    Duplicate(Duration),
}

impl Chaos {
    fn fate(&self) -> Fate {
        if !self.on.load(Ordering::SeqCst) {
            return Fate::Deliver;
        }
        let mut rng = self.rng.lock().unwrap();
        let fate = match rng.random_range(0..100) {
            0..=14 => Fate::Cut,
            15..=29 => Fate::Delay(Duration::from_millis(rng.random_range(10..250))),
            30..=41 => Fate::LoseAnswer,
            42..=51 => Fate::Duplicate(Duration::from_millis(rng.random_range(50..600))),
            _ => return Fate::Deliver,
        };
        let slot = match fate {
            Fate::Cut => 0,
            Fate::Delay(_) => 1,
            Fate::LoseAnswer => 2,
            _ => 3,
        };
        self.tally.lock().unwrap()[slot] += 1;
        fate
    }

    async fn forward(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Option<(u16, Bytes)> {
        let url = format!("{}{}", self.cloud, uri.path_and_query().map_or("/", |p| p.as_str()));
        let mut request = self.http.request(method.clone(), url).body(body);
        if let Some(auth) = headers.get("authorization") {
            request = request.header("authorization", auth.clone());
        }
        if let Some(kind) = headers.get("content-type") {
            request = request.header("content-type", kind.clone());
        }
        let reply = request.send().await.ok()?;
        let status = reply.status().as_u16();
        Some((status, reply.bytes().await.ok()?))
    }
}

async fn proxy(
    State(chaos): State<Chaos>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Bytes) {
    let gone = (StatusCode::BAD_GATEWAY, Bytes::from_static(b"{\"error\":\"network\",\"message\":\"cut\"}"));
    let answer = |reply: Option<(u16, Bytes)>| match reply {
        Some((status, body)) => (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY), body),
        None => gone.clone(),
    };
    match chaos.fate() {
        Fate::Deliver => answer(chaos.forward(&method, &uri, &headers, body).await),
        Fate::Cut => gone,
        Fate::Delay(by) => {
            tokio::time::sleep(by).await;
            answer(chaos.forward(&method, &uri, &headers, body).await)
        }
        Fate::LoseAnswer => {
            let _ = chaos.forward(&method, &uri, &headers, body).await;
            gone
        }
        Fate::Duplicate(later) => {
            let reply = chaos.forward(&method, &uri, &headers, body.clone()).await;
            let copy = chaos.clone();
            tokio::spawn(async move {
                tokio::time::sleep(later).await;
                let _ = copy.forward(&method, &uri, &headers, body).await;
            });
            answer(reply)
        }
    }
}

/// The cloud on a fixed address, killed and started again on demand.
struct Cloud {
    addr: SocketAddr,
    url: String,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Cloud {
    async fn start(url: &str, addr: SocketAddr) -> tokio::task::JoinHandle<()> {
        let pool = connect_as_app(url, 8).await.unwrap();
        let listener = loop {
            match tokio::net::TcpListener::bind(addr).await {
                Ok(listener) => break listener,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        tokio::spawn(async move {
            let _ = server::serve(listener, pool).await;
        })
    }

    async fn restart(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
        self.task = Some(Cloud::start(&self.url, self.addr).await);
    }
}

struct Counter {
    name: String,
    store: Store,
    payments: Payments,
    sync: SyncClient,
    _dir: tempfile::TempDir,
}

impl Counter {
    async fn new(name: &str) -> Counter {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::resolve(Some(dir.path())).unwrap();
        home.ensure().unwrap();
        let store = Store::open(&home.database_path()).await.unwrap();
        let clock = Arc::new(SystemClock);
        let integrations = Integrations::new(store.pool().clone(), clock.clone());
        // a hostile network on purpose: quick retries and a breaker that recovers in a moment
        let policy = Policy {
            timeout: Duration::from_secs(5),
            retry: RetryPolicy { max_retries: 1, base: Duration::from_millis(20), ..RetryPolicy::default() },
            breaker: BreakerPolicy {
                open_for: Duration::from_millis(200),
                successes_to_close: 1,
                ..BreakerPolicy::default()
            },
            ..Policy::default()
        };
        let sync = SyncClient::register_with(store.pool().clone(), &integrations, policy)
            .await
            .keep_secrets_in(dixon_secrets::Keychain::of(&home));
        let payments = Payments::new(Ledger::new(store.clone(), clock), None, "Dixon Auto Repair");
        Counter { name: name.into(), store, payments, sync, _dir: dir }
    }

    fn sync(&self) -> &SyncClient {
        &self.sync
    }

    async fn numbers(&self) -> Vec<i64> {
        let query = RepairOrderQuery { search: String::new(), scope: ListScope::All };
        self.store.list_repair_orders(&query).await.unwrap().iter().map(|o| o.number).collect()
    }

    /// Everything that must be the same everywhere, as sorted rows.
    async fn state(&self) -> BTreeSet<String> {
        let sql = [
            "SELECT 'customer ' || uid || ' ' || name || ' ' || coalesce(phone, '') FROM customers",
            "SELECT 'vehicle ' || v.uid || ' ' || c.uid || ' ' || coalesce(v.vin, '') FROM vehicles v JOIN customers c ON c.id = v.customer_id",
            "SELECT 'order ' || ro.uid || ' #' || ro.number || ' ' || ro.status || ' ' || c.uid || ' ' || v.uid
               FROM repair_orders ro JOIN customers c ON c.id = ro.customer_id JOIN vehicles v ON v.id = ro.vehicle_id",
            "SELECT 'line ' || l.uid || ' ' || ro.uid || ' ' || l.description || ' ' || l.quantity_milli || ' ' || l.unit_price_cents
               FROM line_items l JOIN repair_orders ro ON ro.id = l.repair_order_id",
            "SELECT 'authorization ' || a.uid || ' ' || ro.uid || ' r' || a.revision || ' ' || a.amount_cents
               FROM authorizations a JOIN repair_orders ro ON ro.id = a.repair_order_id",
            "SELECT 'payment ' || p.uid || ' ' || ro.uid || ' ' || p.method || ' ' || p.amount || ' ' || p.status
               FROM payments p JOIN repair_orders ro ON ro.id = p.repair_order_id",
        ];
        let mut rows = BTreeSet::new();
        for sql in sql {
            for row in sqlx::query_scalar::<_, String>(sql).fetch_all(self.store.pool()).await.unwrap() {
                rows.insert(row);
            }
        }
        rows
    }
}

/// The same rows, from the cloud's records (read through a snapshot, as a new counter would).
fn cloud_state(records: &[Value]) -> BTreeSet<String> {
    let text = |r: &Value, f: &str| match &r["fields"][f] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    records
        .iter()
        .filter(|r| r["deleted"] != Value::Bool(true))
        .map(|r| {
            let uid = r["uid"].as_str().unwrap();
            match r["kind"].as_str().unwrap() {
                "customer" => format!("customer {uid} {} {}", text(r, "name"), text(r, "phone")),
                "vehicle" => format!("vehicle {uid} {} {}", text(r, "customer_uid"), text(r, "vin")),
                "repair_order" => format!(
                    "order {uid} #{} {} {} {}",
                    text(r, "number"),
                    text(r, "status"),
                    text(r, "customer_uid"),
                    text(r, "vehicle_uid")
                ),
                "line" => format!(
                    "line {uid} {} {} {} {}",
                    text(r, "repair_order_uid"),
                    text(r, "description"),
                    text(r, "quantity_milli"),
                    text(r, "unit_price_cents")
                ),
                "authorization" => format!(
                    "authorization {uid} {} r{} {}",
                    text(r, "repair_order_uid"),
                    text(r, "revision"),
                    text(r, "amount_cents")
                ),
                "payment" => format!(
                    "payment {uid} {} {} {} {}",
                    text(r, "repair_order_uid"),
                    text(r, "method"),
                    text(r, "amount"),
                    text(r, "status")
                ),
                other => format!("{other} {uid}"),
            }
        })
        .collect()
}

fn new_order(rng: &mut StdRng, n: usize) -> NewRepairOrder {
    NewRepairOrder {
        customer: NewCustomer {
            name: format!("Customer {n}"),
            phone: format!("(559) 234-{:04}", rng.random_range(0..10_000)),
            email: String::new(),
            preferred_contact: ContactMethod::Call,
            sms_consent: false,
        },
        vehicle: NewVehicle {
            vin: "1HGCM82633A004352".into(),
            year: Some(2003),
            make: "Honda".into(),
            model: "Accord".into(),
            plate: String::new(),
            odometer: None,
        },
        concern: "Brakes squeal".into(),
    }
}

/// One random thing a service writer does at `counter`; refusals (an order closed meanwhile, a
/// total past the authorization) are part of the game.
async fn random_work(counter: &Counter, rng: &mut StdRng, step: usize) {
    let numbers = counter.numbers().await;
    let pick = |rng: &mut StdRng| numbers[rng.random_range(0..numbers.len())];
    let roll = rng.random_range(0..100);
    if numbers.is_empty() || roll < 18 {
        counter.store.create_repair_order(&new_order(rng, step)).await.unwrap();
        return;
    }
    let number = pick(rng);
    let Ok(order) = counter.store.repair_order(number).await else { return };
    // an invoiced order is mostly paid next (cash, in one or two parts)
    let roll = if order.status == Status::Invoiced && rng.random_range(0..100) < 70 { 61 } else { roll };
    match roll {
        18..=44 => {
            let line = NewLine::simple(
                LineKind::Labor,
                &format!("Job {step}"),
                1000,
                Cents(rng.random_range(1..500) * 100),
                true,
            );
            let _ = counter.store.add_line(number, &line).await;
        }
        45..=52 if !order.lines.is_empty() => {
            let line = &order.lines[rng.random_range(0..order.lines.len())];
            let _ = counter.store.remove_line(number, line.id).await;
        }
        53..=60 if !order.lines.is_empty() => {
            let yes = NewAuthorization {
                method: AuthorizationMethod::InPerson,
                authorized_by: "Customer".into(),
                phone: String::new(),
                amount: None,
                note: String::new(),
            };
            let _ = counter.store.authorize(number, &yes).await;
        }
        61..=70 if order.status == Status::Invoiced => {
            if let Ok(balance) = counter.payments.ledger().balance(number).await {
                if balance.due.0 > 0 {
                    let amount = Cents(balance.due.0.min(rng.random_range(1..4) * balance.due.0 / 2).max(1));
                    let _ = counter.payments.cash(number, amount, amount).await;
                }
            }
        }
        _ => {
            let next = order.status.next();
            if !next.is_empty() {
                // mostly forward (the first move the lifecycle offers), sometimes back or canceled
                let to = if rng.random_range(0..100) < 80 { next[0] } else { next[rng.random_range(0..next.len())] };
                let _ = counter.store.change_status(number, to, None).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_counters_converge_through_a_hostile_network() {
    if std::env::var_os("DIXON_REQUIRE_KEYRING").is_none() {
        eprintln!("not under scripts/test.sh (DIXON_REQUIRE_KEYRING unset): no keychain to keep the credentials");
        return;
    }
    let seed: u64 = std::env::var("DIXON_CHAOS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    let steps: usize = std::env::var("DIXON_CHAOS_STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    println!("DIXON_CHAOS_SEED={seed} DIXON_CHAOS_STEPS={steps}");
    let mut rng = StdRng::seed_from_u64(seed);

    let pg = Postgres::start();
    let url = pg.create_database("dixon");
    let admin = Admin::connect(&url).await.unwrap();
    admin.migrate().await.unwrap();
    let addr = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let mut cloud = Cloud { addr, url: url.clone(), task: None };
    cloud.restart().await;
    let cloud_url = format!("http://{addr}");
    let (shop, _) = admin.create_shop("Dixon Auto Repair").await.unwrap();

    let chaos_on = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Mutex::new([0u32; 4]));
    let mut counters = Vec::new();
    for (i, name) in ["Front counter", "Back counter", "Tablet"].into_iter().enumerate() {
        let chaos = Chaos {
            on: chaos_on.clone(),
            tally: tally.clone(),
            rng: Arc::new(Mutex::new(StdRng::seed_from_u64(seed.wrapping_add(i as u64 + 1)))),
            cloud: cloud_url.clone(),
            http: reqwest::Client::new(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(proxy).with_state(chaos);
        tokio::spawn(async move { axum::serve(listener, app).await });
        let counter = Counter::new(name).await;
        let code = admin.enrollment_code(shop).await.unwrap();
        counter.sync().enroll(&proxy_url, &code.0, name).await.unwrap();
        counters.push(counter);
    }

    chaos_on.store(true, Ordering::SeqCst);
    let mut refused = 0;
    let mut restarts = 0;
    for step in 0..steps {
        let i = rng.random_range(0..counters.len());
        let counter = &counters[i];
        if rng.random_range(0..100) < 30 {
            if let Ok(report) = counter.sync().sync_now().await {
                refused += report.refused;
            }
        } else {
            random_work(counter, &mut rng, step).await;
        }
        if rng.random_range(0..100) < 3 {
            cloud.restart().await;
            restarts += 1;
        }
    }

    // the network heals: a few rounds bring everyone up to date
    chaos_on.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(800)).await; // late duplicates land
    for _ in 0..3 {
        for counter in &counters {
            let report =
                counter.sync().sync_now().await.unwrap_or_else(|e| panic!("{}: {e} (seed {seed})", counter.name));
            refused += report.refused;
        }
    }
    for counter in &counters {
        let status = counter.sync().status().await.unwrap();
        assert_eq!(status.waiting, 0, "{}: {status:?} (seed {seed})", counter.name);
    }

    // every counter holds the same, and that is what PostgreSQL holds
    let first = counters[0].state().await;
    for counter in &counters[1..] {
        let other = counter.state().await;
        let differ: Vec<_> = first.symmetric_difference(&other).collect();
        assert!(differ.is_empty(), "{} differs from {}: {differ:#?} (seed {seed})", counter.name, counters[0].name);
    }
    let reader = admin.enrollment_code(shop).await.unwrap();
    let http = reqwest::Client::new();
    let enrolled: Value = http
        .post(format!("{cloud_url}/v1/enroll"))
        .json(&serde_json::json!({"code": reader.0, "name": "auditor"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = enrolled["token"].as_str().unwrap();
    let mut records = Vec::new();
    let mut query = String::from("limit=500");
    loop {
        let page: Value = http
            .get(format!("{cloud_url}/v1/snapshot?{query}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        records.extend(page["records"].as_array().unwrap().iter().cloned());
        match page["next"].as_object() {
            Some(next) => {
                query = format!("limit=500&after_rank={}&after_uid={}", next["rank"], next["uid"].as_str().unwrap())
            }
            None => break,
        }
    }
    let in_cloud = cloud_state(&records);
    let differ: Vec<_> = first.symmetric_difference(&in_cloud).collect();
    assert!(differ.is_empty(), "the counters and PostgreSQL differ: {differ:#?} (seed {seed})");

    // numbers unique, each payment once, and the feed's status history legal
    let orders: Vec<&String> = first.iter().filter(|r| r.starts_with("order ")).collect();
    let numbers: BTreeSet<&str> = orders.iter().map(|r| r.split(' ').nth(2).unwrap()).collect();
    assert_eq!(numbers.len(), orders.len(), "repair-order numbers are unique (seed {seed})");
    let mut feed = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = http
            .get(format!("{cloud_url}/v1/changes?after={after}&limit=500"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let changes = page["changes"].as_array().unwrap().clone();
        if changes.is_empty() {
            break;
        }
        after = page["cursor"].as_i64().unwrap();
        feed.extend(changes);
    }
    let mut last_status = std::collections::HashMap::<String, Status>::new();
    let mut payments_made = BTreeSet::new();
    for change in &feed {
        let record = &change["record"];
        match record["kind"].as_str() {
            Some("repair_order") => {
                let status: Status = record["fields"]["status"].as_str().unwrap().parse().unwrap();
                let uid = record["uid"].as_str().unwrap().to_string();
                if let Some(before) = last_status.insert(uid, status) {
                    assert!(
                        before == status || before.can_move_to(status),
                        "{before} → {status} in the feed (seed {seed})"
                    );
                }
            }
            Some("payment") => {
                payments_made.insert(record["uid"].as_str().unwrap().to_string());
            }
            _ => {}
        }
    }
    let payments_here = first.iter().filter(|r| r.starts_with("payment ")).count();
    assert_eq!(payments_here, payments_made.len(), "each payment once (seed {seed})");
    let [cut, delayed, lost, duplicated] = *tally.lock().unwrap();
    println!("network: {cut} cut, {delayed} delayed, {lost} answers lost, {duplicated} duplicated; cloud restarted {restarts}×");
    assert!(cut > 0 && lost > 0 && duplicated > 0, "the network did its worst");
    println!(
        "converged: {} orders, {} lines, {} payments, {} changes in the feed, {refused} refused",
        orders.len(),
        first.iter().filter(|r| r.starts_with("line ")).count(),
        payments_here,
        feed.len()
    );
    assert!(orders.len() > 5, "the run did some work");
}
