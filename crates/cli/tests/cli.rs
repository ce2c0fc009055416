//! `dixon` as a user runs it: the built binary, a fresh data folder, real output and exit codes.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn dixon(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dixon"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("dixon runs")
}

fn ok_json(data_dir: &Path, args: &[&str]) -> Value {
    let out = dixon(data_dir, &[args, &["--json"]].concat());
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const NEW_RO: &[&str] = &[
    "ro",
    "new",
    "--name",
    "Pat Lee",
    "--phone",
    "(559) 234-5678",
    "--email",
    "pat.lee@example.com",
    "--contact",
    "text",
    "--sms-consent",
    "--vin",
    "1hgcm82633a004352",
    "--year",
    "2003",
    "--make",
    "Honda",
    "--model",
    "Accord",
    "--plate",
    "7abc123",
    "--odometer",
    "184213",
    "--concern",
    "Grinding noise when braking",
];

#[test]
fn a_repair_order_goes_from_new_to_closed() {
    let dir = tempfile::tempdir().unwrap();
    let ro = ok_json(dir.path(), NEW_RO);
    assert_eq!(ro["number"], 1001);
    assert_eq!(ro["status"], "estimate");
    assert_eq!(ro["customer"]["phone"], "+15592345678");
    assert_eq!(ro["vehicle"]["vin"], "1HGCM82633A004352");

    for status in ["approved", "in_progress", "completed", "invoiced", "paid", "closed"] {
        let moved = ok_json(dir.path(), &["ro", "status", "1001", status, "--note", "cli test"]);
        assert_eq!(moved["status"], status);
    }
    let shown = ok_json(dir.path(), &["ro", "show", "1001"]);
    assert_eq!(shown["history"].as_array().unwrap().len(), 7);

    // Closed orders from today are still on today's list; text output names them.
    let text = dixon(dir.path(), &["ro", "list"]);
    let listing = String::from_utf8_lossy(&text.stdout);
    assert!(
        listing.contains("1001") && listing.contains("Closed") && listing.contains("2003 Honda Accord"),
        "{listing}"
    );
}

#[test]
fn refusals_say_why_and_exit_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    ok_json(dir.path(), NEW_RO);

    let illegal = dixon(dir.path(), &["ro", "status", "1001", "paid"]);
    assert_eq!(illegal.status.code(), Some(1));
    assert!(
        stderr(&illegal).contains("can't go to Paid") && stderr(&illegal).contains("Approved, Canceled"),
        "{}",
        stderr(&illegal)
    );

    let unknown = dixon(dir.path(), &["ro", "status", "1001", "done"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("in_progress"), "lists the statuses: {}", stderr(&unknown));

    let missing = dixon(dir.path(), &["ro", "show", "999"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("999 does not exist"));

    let usage = dixon(dir.path(), &["ro", "frobnicate"]);
    assert_eq!(usage.status.code(), Some(2), "wrong usage is exit 2");
}

#[test]
fn bad_input_lists_every_problem_and_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dixon(
        dir.path(),
        &["ro", "new", "--name", " ", "--phone", "12", "--vin", "1HGCM82633A00435Q", "--odometer", "-5"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for field in ["customer.name", "customer.phone", "vehicle.vin", "vehicle.odometer"] {
        assert!(err.contains(field), "{field} missing from: {err}");
    }
    let json = dixon(dir.path(), &["ro", "new", "--name", "Pat", "--phone", "5552345678", "--vin", "SHORT", "--json"]);
    let body: Value = serde_json::from_slice(&json.stderr).expect("errors are JSON with --json");
    assert_eq!(body["error"]["kind"], "invalid");
    assert_eq!(body["error"]["fields"][0]["field"], "vehicle.vin");
    assert_eq!(ok_json(dir.path(), &["ro", "list", "--all"]), Value::Array(vec![]), "nothing half-written");
}

#[test]
fn settings_are_set_checked_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let logo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/icons/32x32.png");
    let logo_arg = format!("logo={logo}");
    let saved = ok_json(
        dir.path(),
        &[
            "settings",
            "set",
            "name=Dixon Auto Repair",
            "state=ca",
            "postal_code=93721",
            "phone=559 555 0100",
            "labor_rate=145.50",
            "parts_tax_rate=7.975%",
            "supplies_rate=5",
            "supplies_cap=35",
            "hazardous_waste_fee=3",
            "supplies_taxable=yes",
            "epa_id=CAL000123456",
            &logo_arg,
        ],
    );
    assert_eq!(saved["labor_rate"], 14_550);
    assert_eq!(saved["parts_tax_rate"], 79_750);
    assert_eq!(saved["shop_supplies"]["cap"], 3_500);
    assert!(saved["logo_data_url"].as_str().unwrap().starts_with("data:image/png;base64,"));

    let shown = ok_json(dir.path(), &["settings", "show"]);
    assert_eq!(shown, saved, "a new process reads what was saved");

    let bad =
        dixon(dir.path(), &["settings", "set", "labor_rate=lots", "colour=blue", "state=XX", "logo=/etc/hostname"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = stderr(&bad);
    assert!(err.contains("labor_rate") && err.contains("colour") && err.contains("logo"), "{err}");
    let bad_state = dixon(dir.path(), &["settings", "set", "state=XX"]);
    assert!(stderr(&bad_state).contains("not a US state"), "{}", stderr(&bad_state));
    assert_eq!(
        ok_json(dir.path(), &["settings", "show"])["name"],
        "Dixon Auto Repair",
        "refused changes are not saved"
    );
}

#[test]
fn logs_never_hold_customer_contact_details() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dixon"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(NEW_RO)
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut logged = stderr(&out);
    for entry in std::fs::read_dir(dir.path().join("logs")).unwrap() {
        logged.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    assert!(logged.contains("repair order opened"), "the action itself is logged");
    for secret in ["5592345678", "234-5678", "pat.lee@example.com"] {
        assert!(!logged.contains(secret), "{secret} leaked into the logs");
    }
}

#[test]
fn doctor_reports_every_check_and_fails_on_a_damaged_database() {
    let dir = tempfile::tempdir().unwrap();
    let report = ok_json(dir.path(), &["doctor"]);
    let names: Vec<&str> = report["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["data folder", "database", "keychain", "serial ports", "bluetooth", "cameras"]);

    std::fs::write(dir.path().join("dixon.sqlite3"), b"not a database").unwrap();
    let doctor = dixon(dir.path(), &["doctor"]);
    assert_eq!(doctor.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&doctor.stdout).contains("damaged"));
    let list = dixon(dir.path(), &["ro", "list"]);
    assert_eq!(list.status.code(), Some(1));
    assert!(stderr(&list).contains("restore your latest backup"), "{}", stderr(&list));
}
