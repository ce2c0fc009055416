//! What the payments tests share: a store on a real SQLite file with an invoiced repair order.
#![allow(dead_code)] // each test binary uses part of it

use std::sync::Arc;

use dixon_clock::SystemClock;
use dixon_payments::{Ledger, Payments};
use dixon_shop::{Cents, ContactMethod, LineKind, NewCustomer, NewLine, NewRepairOrder, NewVehicle, Status, Store};

pub struct Shop {
    pub store: Store,
    pub payments: Payments,
    _dir: tempfile::TempDir,
}

pub async fn shop() -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("dixon.sqlite3")).await.unwrap();
    let payments = Payments::new(Ledger::new(store.clone(), Arc::new(SystemClock)), None, "Dixon Auto Repair");
    Shop { store, payments, _dir: dir }
}

/// A repair order invoiced for exactly `cents` (one untaxed line, no shop fees by default).
pub async fn invoiced(store: &Store, cents: i64) -> i64 {
    let form = NewRepairOrder {
        customer: NewCustomer {
            name: "Pat Lee".into(),
            phone: "5592345678".into(),
            email: String::new(),
            preferred_contact: ContactMethod::Call,
            sms_consent: false,
        },
        vehicle: NewVehicle {
            vin: "1HGCM82633A004352".into(),
            year: Some(2003),
            make: "Honda".into(),
            model: "Accord".into(),
            ..NewVehicle::default()
        },
        concern: "Brakes".into(),
    };
    let ro = store.create_repair_order(&form).await.unwrap();
    store
        .add_line(ro.number, &NewLine::simple(LineKind::Sublet, "Brake job", 1000, Cents(cents), false))
        .await
        .unwrap();
    for status in [Status::Approved, Status::InProgress, Status::Completed, Status::Invoiced] {
        store.change_status(ro.number, status, None).await.unwrap();
    }
    let ro = store.repair_order(ro.number).await.unwrap();
    assert_eq!(ro.totals.total, Cents(cents), "no shop fees or tax on a sublet line by default");
    ro.number
}
