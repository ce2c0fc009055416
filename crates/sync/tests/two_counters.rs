//! Two counters of one shop (each its own SQLite data folder) and a Dixon cloud (a real
//! PostgreSQL and the real server on 127.0.0.1): a repair order opened at one counter reaches the
//! other through the cloud; a resend after a lost answer changes nothing; with the cloud
//! gone the counter keeps its changes and says since when it is offline. Credentials live in the
//! real keychain (scripts/test.sh runs the tests with a Secret Service).

mod support;

use std::sync::Arc;

use dixon_cloud::{connect_as_app, server, Admin};
use dixon_home::Home;
use dixon_resilience::Integrations;
use dixon_shop::{ContactMethod, NewCustomer, NewRepairOrder, NewVehicle, Store, SystemClock};
use dixon_sync::{Error, SyncClient};
use dixon_test_peer::Postgres;

struct Counter {
    store: Store,
    sync: SyncClient,
    _dir: tempfile::TempDir,
}

impl Counter {
    async fn new() -> Counter {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::resolve(Some(dir.path())).unwrap();
        home.ensure().unwrap();
        let store = Store::open(&home.database_path()).await.unwrap();
        let integrations = Integrations::new(store.pool().clone(), Arc::new(SystemClock));
        let sync = SyncClient::register(store.pool().clone(), &integrations)
            .await
            .keep_secrets_in(dixon_secrets::Keychain::of(&home));
        Counter { store, sync, _dir: dir }
    }

    /// (Each counter's client keeps its credential with its own data folder.)
    fn active(&self) -> &SyncClient {
        &self.sync
    }
}

fn order(name: &str) -> NewRepairOrder {
    NewRepairOrder {
        customer: NewCustomer {
            name: name.into(),
            phone: "(559) 234-5678".into(),
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

#[tokio::test(flavor = "multi_thread")]
async fn an_order_opened_at_one_counter_reaches_the_other_through_the_cloud() {
    if std::env::var_os("DIXON_REQUIRE_KEYRING").is_none() {
        eprintln!("not under scripts/test.sh (DIXON_REQUIRE_KEYRING unset): no keychain to keep the credentials");
        return;
    }
    let pg = Postgres::start();
    let url = pg.create_database("dixon");
    let admin = Admin::connect(&url).await.unwrap();
    admin.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cloud_url = format!("http://{}", listener.local_addr().unwrap());
    let pool = connect_as_app(&url, 8).await.unwrap();
    let server = tokio::spawn(async move { server::serve(listener, pool).await });
    let (shop, code) = admin.create_shop("Dixon Auto Repair").await.unwrap();

    let front = Counter::new().await;
    let back = Counter::new().await;
    // an order opened before enrolling waits in the outbox and goes with the first sync
    front.store.create_repair_order(&order("Pat Lee")).await.unwrap();
    assert!(matches!(front.active().sync_now().await, Err(Error::NotEnrolled)));
    let status = front.active().enroll(&cloud_url, &code.0, "Front counter").await.unwrap();
    assert_eq!(status.shop_id, Some(shop.to_string()));
    assert!(status.waiting > 0, "{status:?}");
    let second = admin.enrollment_code(shop).await.unwrap();
    back.active().enroll(&cloud_url, &second.0, "Back counter").await.unwrap();
    assert!(matches!(back.active().enroll(&cloud_url, &second.0, "again").await, Err(Error::AlreadyEnrolled(_))));

    let sent = front.active().sync_now().await.unwrap();
    assert!(sent.sent >= 1 && sent.refused == 0, "{sent:?}");
    assert_eq!(front.active().status().await.unwrap().summary(), "synced");

    // the back counter is new to the shop: it starts from a snapshot of the shop's records
    let received = back.active().sync_now().await.unwrap();
    assert_eq!(received.cursor, 3, "{received:?}");
    let there = back.store.repair_order(1001).await.unwrap();
    assert_eq!((there.customer.name.as_str(), there.concern.as_deref()), ("Pat Lee", Some("Brakes squeal")));

    // the same changes sent again (the answer was lost): the cloud recognises them
    sqlx::query("UPDATE outbox SET delivered_at = NULL WHERE device_seq IS NOT NULL")
        .execute(front.store.pool())
        .await
        .unwrap();
    let resent = front.active().sync_now().await.unwrap();
    assert_eq!(resent.sent, sent.sent);
    assert_eq!(back.active().sync_now().await.unwrap().received, 0, "nothing new in the feed");

    // the cloud was restored from an older backup: the counter's cursor is past the feed's end;
    // it reads the shop's records again and goes on
    sqlx::query("UPDATE sync_state SET cursor = 999").execute(back.store.pool()).await.unwrap();
    let again = back.active().sync_now().await.unwrap();
    assert_eq!(again.cursor, 3, "{again:?}");
    assert_eq!(back.store.repair_order(1001).await.unwrap().customer.name, "Pat Lee");

    // the cloud goes away: the counter keeps working, its change waits, and it says so
    server.abort();
    let _ = server.await;
    drop(pg);
    front.store.create_repair_order(&order("Sam Ortiz")).await.unwrap();
    let offline = front.active().sync_now().await.unwrap_err();
    assert!(matches!(offline, Error::Offline(_)), "{offline:?}");
    assert!(offline.to_string().contains("keeps working"), "{offline}");
    let status = front.active().status().await.unwrap();
    assert!(status.offline_since.is_some() && status.waiting >= 1, "{status:?}");
    assert!(status.summary().starts_with("offline since"), "{}", status.summary());
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_opened_offline_at_two_counters_end_with_one_number_each() {
    if std::env::var_os("DIXON_REQUIRE_KEYRING").is_none() {
        eprintln!("not under scripts/test.sh (DIXON_REQUIRE_KEYRING unset): no keychain to keep the credentials");
        return;
    }
    let (_pg, admin, shop, cloud_url) = support::shop_cloud().await;
    let (front, back) = (Counter::new().await, Counter::new().await);
    for (counter, name) in [(&front, "Front counter"), (&back, "Back counter")] {
        let code = admin.enrollment_code(shop).await.unwrap();
        counter.active().enroll(&cloud_url, &code.0, name).await.unwrap();
    }
    // both offline: each opens "1001", shown as provisional
    let pat = front.store.create_repair_order(&order("Pat Lee")).await.unwrap();
    let sam = back.store.create_repair_order(&order("Sam Ortiz")).await.unwrap();
    assert_eq!((pat.number, sam.number), (1001, 1001));
    assert!(pat.provisional && sam.provisional);

    front.active().sync_now().await.unwrap();
    back.active().sync_now().await.unwrap();
    front.active().sync_now().await.unwrap();
    for counter in [&front, &back] {
        let first = counter.store.repair_order(1001).await.unwrap();
        let second = counter.store.repair_order(1002).await.unwrap();
        assert_eq!((first.customer.name.as_str(), second.customer.name.as_str()), ("Pat Lee", "Sam Ortiz"));
        assert!(!first.provisional && !second.provisional, "confirmed by the cloud");
    }
    // the back counter's order moved to 1002; its outbox is empty
    assert_eq!(back.active().status().await.unwrap().waiting, 0);

    // the back counter leaves the shop and joins again with a new code: a new device to the
    // cloud, its numbering starts over, and its orders are still there
    let left = back.active().leave().await.unwrap();
    assert!(!left.enrolled);
    let code = admin.enrollment_code(shop).await.unwrap();
    back.active().enroll(&cloud_url, &code.0, "Back counter").await.unwrap();
    back.store.change_status(1002, dixon_shop::Status::Approved, None).await.unwrap();
    let report = back.active().sync_now().await.unwrap();
    assert_eq!(report.refused, 0, "{report:?}");
    front.active().sync_now().await.unwrap();
    assert_eq!(front.store.repair_order(1002).await.unwrap().status, dixon_shop::Status::Approved);
}
