//! The store, against a real SQLite file: migrations, round trips, the lifecycle, bad input,
//! damaged and newer databases, and two writers at once.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Duration, Utc};
use dixon_shop::{
    Cents, ContactMethod, Error, FixedClock, LineKind, ListScope, NewCustomer, NewLine, NewRepairOrder, NewVehicle,
    Rate, RepairOrderQuery, ShopSettings, Status, Store,
};

fn db(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("dixon.sqlite3")
}

fn form(name: &str, phone: &str, vin: &str) -> NewRepairOrder {
    NewRepairOrder {
        customer: NewCustomer {
            name: name.into(),
            phone: phone.into(),
            email: "pat@example.com".into(),
            preferred_contact: ContactMethod::Text,
            sms_consent: true,
        },
        vehicle: NewVehicle {
            vin: vin.into(),
            year: Some(2019),
            make: "Honda".into(),
            model: "Civic".into(),
            plate: "7abc123".into(),
            odometer: Some(84_213),
        },
        concern: "Grinding noise when braking".into(),
    }
}

async fn count(store_path: &Path, table: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", store_path.display())).await.unwrap();
    let n = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

#[tokio::test]
async fn an_empty_folder_gets_the_whole_schema() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let schema = store.schema_status().await.unwrap();
    assert_eq!(schema.version, schema.latest_known);
    assert!(schema.version > 0);
    assert!(store.integrity_check().await.unwrap().is_empty());
    let settings = store.settings().await.unwrap();
    assert_eq!(settings, ShopSettings::default(), "a new shop starts from the embedded defaults");
    store.close().await;
    // Opening again applies nothing and loses nothing.
    let again = Store::open(&db(&dir)).await.unwrap();
    assert_eq!(again.schema_status().await.unwrap(), schema);
}

#[tokio::test]
async fn a_repair_order_round_trips_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let ro = store.create_repair_order(&form("  Pat   Lee ", "(555) 234-5678", "1hgcm82633a004352")).await.unwrap();
    assert_eq!(ro.number, 1001);
    assert_eq!(ro.status, Status::Estimate);
    assert_eq!(ro.customer.name, "Pat Lee");
    assert_eq!(ro.customer.phone.as_deref(), Some("+15552345678"));
    assert!(ro.customer.sms_consent_at.is_some(), "consent is time-stamped");
    assert_eq!(ro.vehicle.vin.as_deref(), Some("1HGCM82633A004352"));
    assert_eq!(ro.vehicle.plate.as_deref(), Some("7ABC123"));
    assert_eq!(ro.odometer_in, Some(84_213));
    assert_eq!(ro.history.len(), 1);
    assert_eq!(ro.next_statuses, vec![Status::Approved, Status::Canceled]);
    store.close().await;

    let reopened = Store::open(&db(&dir)).await.unwrap();
    let again = reopened.repair_order(1001).await.unwrap();
    assert_eq!(again.customer, ro.customer);
    assert_eq!(again.vehicle, ro.vehicle);
    assert_eq!(again.concern, ro.concern);
    let second = reopened.create_repair_order(&form("Sam Ortiz", "555 876 5432", "")).await.unwrap();
    assert_eq!(second.number, 1002, "numbers continue after a restart");
    assert_eq!(second.vehicle.vin, None, "year, make and model are enough without a VIN");
}

#[tokio::test]
async fn the_lifecycle_allows_the_happy_path_and_records_every_move() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let number = store.create_repair_order(&form("Pat Lee", "5552345678", "")).await.unwrap().number;
    for to in [Status::Approved, Status::InProgress, Status::Completed, Status::Invoiced, Status::Paid, Status::Closed]
    {
        let ro = store.change_status(number, to, Some("at the counter")).await.unwrap();
        assert_eq!(ro.status, to);
    }
    let ro = store.repair_order(number).await.unwrap();
    assert_eq!(ro.history.len(), 7);
    assert_eq!(ro.history[1].from, Some(Status::Estimate));
    assert_eq!(ro.history[6].to, Status::Closed);
    assert!(ro.next_statuses.is_empty());
    // the customer, the vehicle and the order as records, then each of the six moves
    assert_eq!(count(store.path(), "outbox").await, 9, "every change waits in the outbox for the cloud");
}

#[tokio::test]
async fn illegal_moves_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let number = store.create_repair_order(&form("Pat Lee", "5552345678", "")).await.unwrap().number;
    let err = store.change_status(number, Status::Paid, None).await.unwrap_err();
    assert!(matches!(err, Error::IllegalTransition { from: Status::Estimate, to: Status::Paid, .. }));
    let message = err.to_string();
    assert!(message.contains("Estimate") && message.contains("Approved, Canceled"), "{message}");
    let ro = store.repair_order(number).await.unwrap();
    assert_eq!(ro.status, Status::Estimate);
    assert_eq!(ro.history.len(), 1);

    store.change_status(number, Status::Canceled, None).await.unwrap();
    assert!(
        store.change_status(number, Status::Approved, None).await.is_err(),
        "a canceled order must be reopened first"
    );
    assert_eq!(
        store.change_status(number, Status::Estimate, Some("customer came back")).await.unwrap().status,
        Status::Estimate
    );

    assert!(matches!(store.change_status(4242, Status::Approved, None).await, Err(Error::RepairOrderNotFound(4242))));
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let cases: Vec<(&str, Box<dyn Fn(&mut NewRepairOrder)>)> = vec![
        ("customer.name", Box::new(|f| f.customer.name = "   ".into())),
        ("customer.name", Box::new(|f| f.customer.name = "x".repeat(101))),
        ("customer.phone", Box::new(|f| f.customer.phone = "555-1234".into())),
        ("customer.email", Box::new(|f| f.customer.email = "pat@example".into())),
        ("customer.sms_consent", Box::new(|f| f.customer.sms_consent = false)),
        ("vehicle.vin", Box::new(|f| f.vehicle.vin = "1HGCM82633A00435O".into())),
        ("vehicle.vin", Box::new(|f| f.vehicle.vin = "1HGCM8263".into())),
        ("vehicle.odometer", Box::new(|f| f.vehicle.odometer = Some(-5))),
        ("vehicle.year", Box::new(|f| f.vehicle.year = Some(1850))),
        (
            "vehicle.vin",
            Box::new(|f| {
                f.vehicle.vin.clear();
                f.vehicle.make.clear();
            }),
        ),
    ];
    for (field, spoil) in cases {
        let mut bad = form("Pat Lee", "5552345678", "1HGCM82633A004352");
        spoil(&mut bad);
        match store.create_repair_order(&bad).await {
            Err(Error::Invalid(errors)) => {
                assert!(errors.iter().any(|e| e.field == field), "{field} not reported in {errors:?}")
            }
            other => panic!("{field}: expected a validation error, got {other:?}"),
        }
    }
    for table in ["customers", "vehicles", "repair_orders", "repair_order_status_history", "outbox"] {
        assert_eq!(count(store.path(), table).await, 0, "{table} must stay empty");
    }
}

#[tokio::test]
async fn several_problems_are_reported_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let mut bad = form("", "12", "IOQ");
    bad.vehicle.odometer = Some(-1);
    let err = store.create_repair_order(&bad).await.unwrap_err();
    let fields: Vec<&str> = err.field_errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["customer.name", "customer.phone", "vehicle.vin", "vehicle.odometer"]);
}

#[tokio::test]
async fn settings_round_trip_with_a_logo_and_refuse_bad_values_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let logo = dixon_shop::logo_data_url(
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/icons/32x32.png")).unwrap(),
    )
    .unwrap();
    let mut settings = ShopSettings {
        name: "Dixon Auto Repair".into(),
        address_line1: "100 Main St".into(),
        city: "Fresno".into(),
        state: "ca".into(),
        postal_code: "93721".into(),
        phone: "559 555 0100".into(),
        logo_data_url: Some(logo.clone()),
        labor_rate: Cents(14_500),
        parts_tax_rate: Rate(79_750),
        state_registration_number: "ARD 123456".into(),
        epa_id: "cal000123456".into(),
        ..ShopSettings::default()
    };
    settings.shop_supplies.rate = Rate(50_000);
    settings.shop_supplies.cap = Some(Cents(3_500));
    settings.hazardous_waste.amount = Cents(300);
    let saved = store.save_settings(&settings).await.unwrap();
    assert_eq!(saved.state, "CA");
    assert_eq!(saved.phone, "+15595550100");
    assert_eq!(saved.logo_data_url.as_deref(), Some(logo.as_str()));
    assert!(saved.updated_at.is_some());
    store.close().await;

    let store = Store::open(&db(&dir)).await.unwrap();
    let loaded = store.settings().await.unwrap();
    assert_eq!(loaded, saved);

    let mut bad = loaded.clone();
    bad.name = "Renamed".into();
    bad.labor_rate = Cents(-100);
    assert!(matches!(store.save_settings(&bad).await, Err(Error::Invalid(_))));
    assert_eq!(store.settings().await.unwrap().name, "Dixon Auto Repair", "a refused save changes nothing");
}

#[tokio::test]
async fn totals_follow_the_lines_and_the_shop_tax_rates() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    store.save_settings(&ShopSettings { parts_tax_rate: Rate(82_500), ..ShopSettings::default() }).await.unwrap();
    let number = store.create_repair_order(&form("Pat Lee", "5552345678", "")).await.unwrap().number;
    let line =
        |kind, quantity_milli, cents, taxable| NewLine::simple(kind, "line", quantity_milli, Cents(cents), taxable);
    store.add_line(number, &line(LineKind::Labor, 1_500, 12_000, false)).await.unwrap();
    let ro = store.add_line(number, &line(LineKind::Part, 2_000, 4_999, true)).await.unwrap();
    assert_eq!(ro.totals.total, Cents(18_000 + 9_998 + 825));
    let listed = store.list_repair_orders(&RepairOrderQuery::default()).await.unwrap();
    assert_eq!(listed[0].total, ro.totals.total, "the list shows the same total as the order");
    assert!(matches!(store.add_line(number, &line(LineKind::Part, 0, 100, true)).await, Err(Error::Invalid(_))));
}

#[tokio::test]
async fn the_list_searches_and_shows_today_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let yesterday =
        Store::open_with_clock(&db(&dir), Arc::new(FixedClock(Utc::now() - Duration::days(2)))).await.unwrap();
    let old = yesterday.create_repair_order(&form("Old Closed", "5552110000", "")).await.unwrap().number;
    for to in [Status::Approved, Status::InProgress, Status::Completed, Status::Invoiced, Status::Paid, Status::Closed]
    {
        yesterday.change_status(old, to, None).await.unwrap();
    }
    let waiting = yesterday.create_repair_order(&form("Still Waiting", "5552220000", "")).await.unwrap().number;
    yesterday.close().await;

    let store = Store::open(&db(&dir)).await.unwrap();
    let today = store.create_repair_order(&form("María José", "5553334444", "1HGCM82633A004352")).await.unwrap().number;
    let numbers = |list: Vec<dixon_shop::RepairOrderSummary>| list.into_iter().map(|r| r.number).collect::<Vec<_>>();
    let search = |text: &str, scope| RepairOrderQuery { search: text.into(), scope };

    assert_eq!(numbers(store.list_repair_orders(&search("", ListScope::Today)).await.unwrap()), [today, waiting]);
    assert_eq!(numbers(store.list_repair_orders(&search("", ListScope::All)).await.unwrap()), [today, waiting, old]);
    assert_eq!(numbers(store.list_repair_orders(&search("maría", ListScope::All)).await.unwrap()), [today]);
    assert_eq!(numbers(store.list_repair_orders(&search("3334444", ListScope::All)).await.unwrap()), [today]);
    assert_eq!(numbers(store.list_repair_orders(&search("A004352", ListScope::All)).await.unwrap()), [today]);
    assert_eq!(numbers(store.list_repair_orders(&search(&format!("#{old}"), ListScope::All)).await.unwrap()), [old]);
    assert_eq!(numbers(store.list_repair_orders(&search("civic", ListScope::All)).await.unwrap()).len(), 3);
    assert!(
        store.list_repair_orders(&search("%", ListScope::All)).await.unwrap().is_empty(),
        "LIKE wildcards are literal"
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let original = b"Customer list exported from Excel, please keep".to_vec();
    std::fs::write(&path, &original).unwrap();
    let err = Store::open(&path).await.err().expect("must refuse");
    assert!(matches!(err, Error::DatabaseCorrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("restore your latest backup"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), original, "the file is left exactly as it was");
}

#[tokio::test]
async fn a_damaged_database_is_reported_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let store = Store::open(&path).await.unwrap();
    store.create_repair_order(&form("Pat Lee", "5552345678", "")).await.unwrap();
    store.close().await;
    // Keep SQLite's header but overwrite the pages behind it, and drop the write-ahead log that
    // would otherwise still hold good copies of them.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().skip(100) {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    let result = match Store::open(&path).await {
        Err(e) => Err(e),
        Ok(store) => store.repair_order(1001).await.map(|_| ()),
    };
    let err = result.expect_err("garbage pages must not read as data");
    assert!(matches!(err, Error::DatabaseCorrupt { .. } | Error::Database(_)), "{err:?}");
    assert!(!err.to_string().is_empty());
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    Store::open(&path).await.unwrap().close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (29991231000000, 'from the future', 1, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let err = Store::open(&path).await.err().expect("must refuse");
    assert!(matches!(err, Error::DatabaseTooNew { version: 29991231000000, .. }), "{err:?}");
    assert!(err.to_string().contains("Update Dixon Counter"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_writers_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    // Two stores = two connection pools, like the app and the CLI on the same PC.
    let a = Store::open(&db(&dir)).await.unwrap();
    let b = Store::open(&db(&dir)).await.unwrap();
    let number = a.create_repair_order(&form("Pat Lee", "5552345678", "")).await.unwrap().number;

    let writer = |store: Store, who: &'static str| {
        tokio::spawn(async move {
            for i in 0..25 {
                let line = NewLine::simple(LineKind::Part, &format!("{who} part {i}"), 1_000, Cents(100), false);
                store.add_line(number, &line).await.unwrap();
                store.create_repair_order(&form(&format!("{who} {i}"), "5552345678", "")).await.unwrap();
            }
        })
    };
    let (ra, rb) = tokio::join!(writer(a.clone(), "a"), writer(b.clone(), "b"));
    ra.unwrap();
    rb.unwrap();

    let ro = a.repair_order(number).await.unwrap();
    assert_eq!(ro.lines.len(), 50, "every line of both writers is kept");
    assert_eq!(ro.totals.total, Cents(5_000));
    let all = a.list_repair_orders(&RepairOrderQuery { search: String::new(), scope: ListScope::All }).await.unwrap();
    let mut numbers: Vec<i64> = all.iter().map(|r| r.number).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 51, "every order got its own number");

    // Both stations press "Customer approved" at once: one wins, the other is told why.
    let (x, y) =
        tokio::join!(a.change_status(number, Status::Approved, None), b.change_status(number, Status::Approved, None));
    assert_eq!([x.is_ok(), y.is_ok()].iter().filter(|ok| **ok).count(), 1);
    let loser = x.err().or(y.err()).unwrap();
    assert!(matches!(loser, Error::IllegalTransition { from: Status::Approved, .. }), "{loser:?}");
    assert_eq!(a.repair_order(number).await.unwrap().history.len(), 2, "one move, recorded once");
}

#[tokio::test]
async fn a_diagnostic_reading_is_kept_with_the_order_and_refused_on_closed_ones() {
    use dixon_shop::{NewDiagnostic, TroubleCode, TroubleCodeKind};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let ro = store.create_repair_order(&form("Pat Lee", "5552345678", "")).await.unwrap();
    let reading = NewDiagnostic {
        adapter: "Simulator (shop demo car) · ELM327 v1.5".into(),
        protocol: "ISO 15765-4 CAN (11 bit, 500 kbaud)".into(),
        vin: Some("1hgcm82633a004352".into()),
        mil_on: Some(true),
        odometer_km: Some(123_456),
        codes: vec![TroubleCode {
            code: "P0301".into(),
            kind: TroubleCodeKind::Stored,
            ecu: "Engine (7E8)".into(),
            description: "Cylinder 1 misfire detected".into(),
        }],
        detail: serde_json::json!({ "freeze_frame": { "code": "P0301" } }),
    };
    let queued = count(&db(&dir), "outbox").await;
    let saved = store.save_diagnostic(ro.number, &reading).await.unwrap();
    assert_eq!(saved.vin.as_deref(), Some("1HGCM82633A004352"));
    let garbled = NewDiagnostic { vin: Some("1HG\u{0}??".into()), codes: vec![], ..reading.clone() };
    let second = store.save_diagnostic(ro.number, &garbled).await.unwrap();
    assert_eq!(second.vin, None, "a VIN that can't be one is left out, the reading is kept");

    let again = store.repair_order(ro.number).await.unwrap();
    assert_eq!(again.diagnostics.len(), 2);
    assert_eq!(again.diagnostics[1], saved, "newest first, read back as saved");
    assert_eq!(again.vehicle.vin, None, "a reading never changes the vehicle by itself");
    let detail = store.diagnostic_detail(saved.id).await.unwrap();
    assert_eq!(detail["freeze_frame"]["code"], "P0301");
    assert_eq!(count(&db(&dir), "outbox").await, queued + 2, "both readings wait for sync");

    let blank = NewDiagnostic { adapter: "  ".into(), ..reading.clone() };
    assert!(matches!(store.save_diagnostic(ro.number, &blank).await, Err(Error::Invalid(_))));
    assert!(matches!(store.save_diagnostic(999_999, &reading).await, Err(Error::RepairOrderNotFound(999_999))));
    store.change_status(ro.number, Status::Canceled, None).await.unwrap();
    let refused = store.save_diagnostic(ro.number, &reading).await.unwrap_err();
    assert!(refused.to_string().to_lowercase().contains("canceled"), "{refused}");
    assert_eq!(count(&db(&dir), "diagnostic_snapshots").await, 2, "nothing half-written");
}
