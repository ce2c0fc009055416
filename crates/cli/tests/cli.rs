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
        // nothing but 127.0.0.1, whatever this PC's keychain holds
        .env("DIXON_PARTSTECH_URL", "http://127.0.0.1:9")
        .env("DIXON_RECALLS_URL", "http://127.0.0.1:9")
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
    assert_eq!(names, ["data folder", "database", "offline VINs", "keychain", "serial ports", "bluetooth", "cameras"]);

    std::fs::write(dir.path().join("dixon.sqlite3"), b"not a database").unwrap();
    let doctor = dixon(dir.path(), &["doctor"]);
    assert_eq!(doctor.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&doctor.stdout).contains("damaged"));
    let list = dixon(dir.path(), &["ro", "list"]);
    assert_eq!(list.status.code(), Some(1));
    assert!(stderr(&list).contains("restore your latest backup"), "{}", stderr(&list));
}

#[test]
fn vins_of_heavy_trucks_and_makers_the_offline_tables_lack() {
    let dir = tempfile::tempdir().unwrap();
    // a 2000 Freightliner FL60: 'Y' is 2000, not "no model year" (issue 12)
    let check = dixon(dir.path(), &["vin", "check", "1FV3GFBC0YHA74039"]);
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(text.contains("Model year   2000") && text.contains("Freightliner"), "{text}");
    assert!(!text.contains("warning") && stderr(&check).is_empty(), "{text}{}", stderr(&check));
    // a 2008 Harley-Davidson offline: what the VIN says, marked partial
    let decoded = ok_json(dir.path(), &["vin", "decode", "1HD1GP4558K319097", "--offline"]);
    let info = &decoded["info"];
    assert_eq!((info["make"].as_str(), info["model_year"].as_i64()), (Some("Harley-Davidson"), Some(2008)));
    assert_eq!(info["partial"], true);
    assert_eq!(info["vehicle_type"], "Motorcycle");
    // structured engine and plant fields beside the display strings
    let accord = ok_json(dir.path(), &["vin", "decode", "1HGCM82633A004352", "--offline"]);
    assert_eq!(accord["info"]["engine"], "3.0 L V6 J30A4, 240 hp");
    assert_eq!(accord["info"]["cylinders"], 6);
    assert_eq!(accord["info"]["horsepower"], 240.0);
    assert_eq!(accord["info"]["plant_state"], "OHIO");
}

#[test]
fn sync_without_a_cloud_says_how_to_enroll_and_the_counter_works_on() {
    let dir = tempfile::tempdir().unwrap();
    let status = ok_json(dir.path(), &["sync", "status"]);
    assert_eq!(status["enrolled"], false);
    let now = dixon(dir.path(), &["sync", "now"]);
    assert_eq!(now.status.code(), Some(1));
    assert!(stderr(&now).contains("dixon sync enroll --cloud URL CODE"), "{}", stderr(&now));
    let bad = dixon(dir.path(), &["sync", "enroll", "--cloud", "cloud.example", "ABCD-EFGH-JKMN-PQRS"]);
    assert!(stderr(&bad).contains("is not a cloud address"), "{}", stderr(&bad));
    let unreachable = dixon(dir.path(), &["sync", "enroll", "--cloud", "http://127.0.0.1:9", "ABCD-EFGH-JKMN-PQRS"]);
    assert!(stderr(&unreachable).contains("Enrolling did not finish"), "{}", stderr(&unreachable));
    // nothing half-done: still not enrolled, and the counter's own work goes on
    assert_eq!(ok_json(dir.path(), &["sync", "status"])["enrolled"], false);
    assert!(dixon(dir.path(), &NEW_RO).status.success());
    assert_eq!(ok_json(dir.path(), &["sync", "status"])["waiting"].as_i64().map(|n| n > 0), Some(true));
}

#[test]
fn doctor_says_what_to_install_and_start_when_no_keychain_answers() {
    let dir = tempfile::tempdir().unwrap();
    // a counter started outside any desktop session: no D-Bus session bus, no display
    let out = Command::new(env!("CARGO_BIN_EXE_dixon"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["doctor", "--json"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("DIXON_PARTSTECH_URL", "http://127.0.0.1:9")
        .env("DIXON_RECALLS_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).expect("--json prints JSON");
    let keychain = report["checks"].as_array().unwrap().iter().find(|c| c["name"] == "keychain").unwrap();
    assert_eq!(keychain["state"], "missing", "{keychain}");
    let fix = keychain["fix"].as_str().unwrap();
    assert!(fix.contains("dbus-run-session -- sh -c"), "{fix}");
    assert!(fix.contains("gnome-keyring-daemon --unlock --components=secrets"), "{fix}");
}

#[test]
fn doctor_finds_the_real_secret_service_the_tests_run_with() {
    // scripts/test.sh runs the tests inside a D-Bus session with gnome-keyring unlocked
    if std::env::var_os("DIXON_REQUIRE_KEYRING").is_none() {
        eprintln!("not under scripts/test.sh (DIXON_REQUIRE_KEYRING unset): the keychain may be absent here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = ok_json(dir.path(), &["doctor"]);
    let keychain = report["checks"].as_array().unwrap().iter().find(|c| c["name"] == "keychain").unwrap().clone();
    assert_eq!(keychain["state"], "ok", "{keychain}");
    // and a secret saved through the CLI, as a user connects PartsTech, is kept by it
    let mut connect = Command::new(env!("CARGO_BIN_EXE_dixon"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["parts", "connect", "--partner-id", "dixon", "--user-id", "shop-7", "--store", "12"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(connect.stdin.as_mut().unwrap(), b"partner-key-123\nuser-key-456\n").unwrap();
    let connected = connect.wait_with_output().unwrap();
    assert!(connected.status.success(), "{}", String::from_utf8_lossy(&connected.stderr));
    // in the keyring, under this data folder's name and no other
    let folder = std::fs::canonicalize(dir.path()).unwrap();
    let service = format!("com.dixonsmartrepair.counter ({})", folder.display());
    let lookup = |service: &str| {
        let found = Command::new("secret-tool")
            .args(["lookup", "service", service, "username", "partstech"])
            .output()
            .expect("secret-tool is missing: scripts/setup.sh --test installs libsecret-tools");
        String::from_utf8_lossy(&found.stdout).into_owned()
    };
    assert!(lookup(&service).contains("partner-key-123"), "the keyring holds the PartsTech account");
    assert_eq!(lookup("com.dixonsmartrepair.counter"), "", "not under the PC-wide name");
}

/// `dixon` with vPIC at `vpic_url` (a local peer).
fn dixon_with_vpic(data_dir: &Path, vpic_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dixon"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("DIXON_VPIC_URL", vpic_url)
        .env("DIXON_RECALLS_URL", "http://127.0.0.1:9")
        .env_remove("RUST_LOG")
        .output()
        .expect("dixon runs")
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "failed: {}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn vins_decode_health_and_events_against_a_recorded_vpic() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../vehicle/tests/fixtures/vpic"));
    let vpic = dixon_test_peer::Peer::start(dixon_test_peer::recorded(fixtures, "https://vpic.nhtsa.dot.gov")).await;
    let url = vpic.url("/api");

    let decoded = json_of(&dixon_with_vpic(dir.path(), &url, &["vin", "decode", "1ftmw1t88mfa00001", "--json"]));
    assert_eq!(decoded["info"]["make"], "FORD");
    assert_eq!(decoded["source"]["kind"], "live");
    let text = dixon_with_vpic(dir.path(), &url, &["vin", "decode", "1FTMW1T88MFA00001"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.starts_with("2021 FORD F-150") && text.contains("saved answer"), "{text}");

    let health = json_of(&dixon_with_vpic(dir.path(), &url, &["health", "--json"]));
    let vpic_row = health["services"].as_array().unwrap().iter().find(|s| s["id"] == "vpic").unwrap().clone();
    assert_eq!(vpic_row["state"], "healthy");
    assert_eq!(vpic_row["calls_today"], 2);

    let events =
        json_of(&dixon_with_vpic(dir.path(), &url, &["events", "--service", "vpic", "--since", "1h", "--json"]));
    let outcomes: Vec<(&str, &str)> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["operation"].as_str().unwrap(), e["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(outcomes, [("health_check", "ok"), ("decode_vin", "cache_hit"), ("decode_vin", "ok")]);

    // vPIC goes away: health says so, and the saved decode still answers.
    let gone = dixon_test_peer::closed_port_url("/api").await;
    let health = dixon_with_vpic(dir.path(), &gone, &["health"]);
    let table = String::from_utf8_lossy(&health.stdout);
    assert!(health.status.success());
    assert!(
        table.contains("down") && table.contains("can't be reached") && table.contains("not configured"),
        "{table}"
    );
    let offline = json_of(&dixon_with_vpic(dir.path(), &gone, &["vin", "decode", "1FTMW1T88MFA00001", "--json"]));
    assert_eq!(offline["source"]["kind"], "cache");
}

#[test]
fn vin_events_and_alerts_refuse_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let bad_vin = dixon(dir.path(), &["vin", "decode", "1FTMW1T88MFAOOOO1"]);
    assert_eq!(bad_vin.status.code(), Some(1));
    assert!(stderr(&bad_vin).contains("never contains I, O or Q"), "{}", stderr(&bad_vin));
    let bad_since = dixon(dir.path(), &["events", "--since", "yesterday"]);
    assert_eq!(bad_since.status.code(), Some(1));
    assert!(stderr(&bad_since).contains("30m, 2h, 1d"));
    let no_alert = dixon(dir.path(), &["alerts", "ack", "999"]);
    assert_eq!(no_alert.status.code(), Some(1));
    assert!(stderr(&no_alert).contains("dixon alerts"));
}

#[test]
fn vin_check_explains_and_suggests() {
    let dir = tempfile::tempdir().unwrap();
    let ok = json_of(&dixon(dir.path(), &["vin", "check", "I1HGCM82633A004352", "--json"]));
    assert_eq!((ok["vin"].as_str(), ok["model_years"][0].as_i64()), (Some("1HGCM82633A004352"), Some(2003)));
    let slip = dixon(dir.path(), &["vin", "check", "1HGCM82633A0043S2"]);
    assert_eq!(slip.status.code(), Some(1));
    assert!(
        stderr(&slip).contains("check digit") && stderr(&slip).contains("Did you mean 1HGCM82633A004352?"),
        "{}",
        stderr(&slip)
    );
    let long = "A".repeat(10_000);
    assert!(stderr(&dixon(dir.path(), &["vin", "check", &long])).contains("has 10000"));
}

#[test]
fn offline_decoding_needs_no_network_and_reads_files() {
    let dir = tempfile::tempdir().unwrap();
    let gone = "http://127.0.0.1:9/api";
    let one =
        json_of(&dixon_with_vpic(dir.path(), gone, &["vin", "decode", "--offline", "1C6RR7LT2JS179571", "--json"]));
    assert_eq!((one["info"]["make"].as_str(), one["info"]["model"].as_str()), (Some("Ram"), Some("1500")));
    assert_eq!(one["source"]["kind"], "fallback");

    let file = dir.path().join("vins.txt");
    std::fs::write(&file, "1HGCM82633A004352\n# the lot's second car\n\nnot-a-vin\n1FTMW1T88MFA00001\n").unwrap();
    let file_arg = file.display().to_string();
    let many =
        json_of(&dixon_with_vpic(dir.path(), gone, &["vin", "decode", "--offline", "--file", &file_arg, "--json"]));
    let rows = many.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["vehicle"]["model"], "Accord");
    assert!(rows[1]["problem"].as_str().unwrap().contains("17 characters"));
    assert_eq!(rows[2]["vehicle"]["model"], "F-150");
}

#[tokio::test(flavor = "multi_thread")]
async fn many_vins_go_through_the_batch_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let vpic = dixon_test_peer::Peer::start(|request, _| {
        let body = String::from_utf8_lossy(&request.body).to_string();
        let data = body.split("data=").nth(1).unwrap_or("").replace("%3B", ";").replace("%2C", ",");
        let results: Vec<String> = data
            .split(';')
            .map(|entry| {
                format!(
                    r#"{{"VIN":"{}","Make":"HONDA","Model":"Accord","ModelYear":"2003","ErrorCode":"0"}}"#,
                    &entry[..17.min(entry.len())]
                )
            })
            .collect();
        dixon_test_peer::Reply::json(200, format!(r#"{{"Count":{},"Results":[{}]}}"#, results.len(), results.join(",")))
    })
    .await;
    let out = json_of(&dixon_with_vpic(
        dir.path(),
        &vpic.url("/api"),
        &["vin", "decode", "1HGCM82633A004352", "1HGCM82633A004352", "IOQ", "--json"],
    ));
    let rows = out.as_array().unwrap();
    assert_eq!(rows[0]["vehicle"]["make"], "HONDA");
    assert!(rows[2]["problem"].as_str().is_some(), "a bad VIN is reported, not sent");
    let requests = vpic.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/api/vehicles/DecodeVINValuesBatch");
}

#[test]
fn an_estimate_is_built_priced_authorized_and_printed() {
    let dir = tempfile::tempdir().unwrap();
    ok_json(dir.path(), &["settings", "set", "name=Dixon Smart Repair", "labor_rate=145", "parts_tax_rate=8.625"]);
    ok_json(dir.path(), NEW_RO);
    let csv = dir.path().join("catalog.csv");
    std::fs::write(
        &csv,
        "part_number,brand,upc,description,category,cost,list,quantity\n\
         D1234,Wagner,012345678905,Front brake pads ceramic,Brake pads,31.50,59.99,4\n\
         D99,Wagner,,,Brake pads,1.00,,1\n\
         R500,Brembo,,Front brake rotor,Brake rotors,forty,,2\n",
    )
    .unwrap();
    let report = ok_json(dir.path(), &["parts", "import", csv.to_str().unwrap()]);
    assert_eq!(report["added"], 1);
    let lines: Vec<i64> = report["problems"].as_array().unwrap().iter().map(|p| p["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, [3, 4], "bad rows are reported by line number");

    let quote = ok_json(dir.path(), &["parts", "quote", "--part", "front brake pads", "--vin", "1HGCM82633A004352"]);
    assert_eq!(quote[0]["best"]["part_number"], "D1234");
    assert_eq!(quote[0]["best"]["price"], 5198, "$31.50 × 1.65");
    assert_eq!(quote[0]["failures"].as_array().unwrap().len(), 0, "PartsTech is not connected, so not asked");

    let ro =
        ok_json(dir.path(), &["estimate", "add", "1001", "labor", "Replace front pads and rotors", "--qty", "1.5"]);
    assert_eq!(ro["lines"][0]["unit_price"], 14500, "labor defaults to the posted rate");
    let ro = ok_json(dir.path(), &["estimate", "add-part", "1001", "front brake pads"]);
    assert_eq!(ro["lines"][1]["part"]["supplier"], "Shop inventory");
    let ro = ok_json(
        dir.path(),
        &["estimate", "authorize", "1001", "--authorized-by", "Pat Lee", "--method", "phone", "--phone", "5592345678"],
    );
    assert_eq!(ro["status"], "approved");
    let total = ro["totals"]["total"].as_i64().unwrap();

    let refused =
        dixon(dir.path(), &["estimate", "add", "1001", "part", "Rotor", "--price", "80", "--condition", "oem"]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("supplementary authorization"), "{}", stderr(&refused));
    let ro = ok_json(
        dir.path(),
        &[
            "estimate",
            "add",
            "1001",
            "part",
            "Rotor",
            "--price",
            "80",
            "--condition",
            "oem",
            "--authorized-by",
            "Pat Lee",
            "--method",
            "phone",
            "--phone",
            "5592345678",
        ],
    );
    assert_eq!(ro["authorizations"].as_array().unwrap().len(), 2);
    assert!(ro["totals"]["total"].as_i64().unwrap() > total);

    let bad = dixon(dir.path(), &["estimate", "add", "1001", "part", "Thing", "--price", "1", "--condition", "shiny"]);
    assert!(stderr(&bad).contains("not a part condition"));
    let bad = dixon(dir.path(), &["estimate", "add", "1001", "gizmo", "Thing", "--price", "1"]);
    assert!(stderr(&bad).contains("not a line kind"));

    let pdf = dir.path().join("estimate.pdf");
    let written = ok_json(dir.path(), &["estimate", "print", "1001", "--out", pdf.to_str().unwrap()]);
    assert!(written["bytes"].as_u64().unwrap() > 1000);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let under_a_file = pdf.join("e.pdf"); // a folder can't be made inside a file
    let nowhere = dixon(dir.path(), &["estimate", "print", "1001", "--out", under_a_file.to_str().unwrap()]);
    assert!(stderr(&nowhere).contains("Can't write"), "{}", stderr(&nowhere));

    let job = ok_json(dir.path(), &["estimate", "canned", "save", "Front brakes", "--from", "1001"]);
    assert_eq!(job[0]["lines"].as_array().unwrap().len(), 3);
}

#[test]
fn scans_are_classified_and_a_missing_gun_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let vin = ok_json(dir.path(), &["scan", "classify", "I1HGCM82633A004352"]);
    assert_eq!((vin["kind"].as_str(), vin["vin"].as_str()), (Some("vin"), Some("1HGCM82633A004352")));
    let upc = ok_json(dir.path(), &["scan", "classify", "036000291452"]);
    assert_eq!(upc["kind"], "product_code");
    let newer = ok_json(dir.path(), &["scan", "classify", "DIXON-PAIR:9;kind=ble;id=x;name=y"]);
    assert!(newer["problem"].as_str().unwrap().contains("update Dixon Counter"));
    ok_json(dir.path(), &["scan", "classify", "DIXON-PAIR:1;kind=ble;id=Bay 3;name=OBDII"]);
    let dongles = ok_json(dir.path(), &["scan", "dongles"]);
    assert_eq!(dongles[0]["id"], "Bay 3", "a scanned pairing code is remembered");
    let gun = dixon(dir.path(), &["scan", "listen", "--port", "/dev/ttyNOPE7"]);
    assert!(!gun.status.success());
    assert!(stderr(&gun).contains("Plug the barcode gun in"), "{}", stderr(&gun));
}

#[test]
fn image_files_are_decoded_classified_and_bad_ones_reported() {
    use rxing::Writer;
    let dir = tempfile::tempdir().unwrap();
    let matrix = rxing::MultiFormatWriter.encode("I1HGCM82633A004352", &rxing::BarcodeFormat::CODE_39, 0, 0).unwrap();
    let (width, module) = (matrix.getWidth(), 3);
    let label = image::GrayImage::from_fn(width * module + 60, 140, |x, y| {
        let inside = (30..30 + width * module).contains(&x) && (20..120).contains(&y);
        image::Luma([if inside && matrix.get((x - 30) / module, 0) { 0 } else { 255 }])
    });
    let photo = dir.path().join("door-jamb.png");
    label.save(&photo).unwrap();
    let broken = dir.path().join("broken.jpg");
    std::fs::write(&broken, b"\xff\xd8\xff not a jpeg").unwrap();

    let out = dixon(
        dir.path(),
        &["--json", "scan", "decode", photo.to_str().unwrap(), broken.to_str().unwrap(), "--formats", "vin"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(results[0]["decoded"]["text"], "I1HGCM82633A004352", "the label as printed, import marker and all");
    assert_eq!(results[0]["decoded"]["format"], "CODE_39");
    assert_eq!(results[0]["meaning"]["vin"], "1HGCM82633A004352");
    assert!(results[1]["error"].as_str().unwrap().contains("PNG or JPEG"), "{}", results[1]);
    let bad = dixon(dir.path(), &["scan", "decode", photo.to_str().unwrap(), "--formats", "everything"]);
    assert!(stderr(&bad).contains("vin, parts or all"));
}

/// A new repair order for a 2003 Honda Accord whose VIN is not known yet; its number.
fn accord_without_vin(data_dir: &Path) -> String {
    let args = ["ro", "new", "--name", "Pat Lee", "--phone", "5592345678", "--year", "2003", "--make", "Honda"];
    let opened = ok_json(data_dir, &[&args[..], &["--model", "Accord"]].concat());
    opened["number"].as_i64().unwrap().to_string()
}

#[test]
fn the_car_is_read_kept_with_the_order_and_its_vin_used() {
    let dir = tempfile::tempdir().unwrap();
    let number = accord_without_vin(dir.path());
    let read = ok_json(dir.path(), &["obd", "scan", "--sim", "--ro", &number, "--use-vin"]);
    assert_eq!(read["snapshot"]["vin"], "1HGCM82633A004352");
    assert_eq!(read["kept"]["codes"][0]["code"], "P0301");
    assert_eq!(read["kept"]["mil_on"], true);
    let ro = ok_json(dir.path(), &["ro", "show", &number]);
    assert_eq!(ro["vehicle"]["vin"], "1HGCM82633A004352", "--use-vin filled the vehicle");
    assert_eq!(ro["diagnostics"][0]["codes"].as_array().unwrap().len(), 5);
    let text = String::from_utf8_lossy(&dixon(dir.path(), &["ro", "show", &number]).stdout).into_owned();
    assert!(text.contains("check-engine light ON · P0301, P0420, P0715, P0171 (pending), P0420 (permanent)"), "{text}");

    let healthy = ok_json(dir.path(), &["obd", "scan", "--sim", "healthy"]);
    assert_eq!(healthy["snapshot"]["codes"].as_array().unwrap().len(), 0);
    assert!(healthy["kept"].is_null(), "without --ro nothing is kept");
}

#[test]
fn obd_refusals_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["obd", "scan"], "Pick an adapter"),
        (&["obd", "scan", "--sim", "motorbike"], "not a simulator scenario"),
        (&["obd", "scan", "--sim", "ignition_off"], "Turn the ignition on"),
        (&["obd", "scan", "--sim", "--ro", "4242"], "4242"),
        (&["obd", "clear", "--sim"], "--confirm CLEAR"),
        (&["obd", "watch", "--sim", "--pids", "0C,ZZ"], "'ZZ' is not a live-data PID"),
        (&["obd", "scan", "--tcp", "127.0.0.1:1"], "127.0.0.1:1"),
    ];
    for (args, says) in cases {
        let out = dixon(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    let usage = dixon(dir.path(), &["obd", "scan", "--sim", "--tcp", "127.0.0.1:35000"]);
    assert_eq!(usage.status.code(), Some(2), "two adapters at once is wrong usage");
}

#[test]
fn live_data_streams_as_json_lines_and_stops_on_time() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        dixon(dir.path(), &["obd", "watch", "--sim", "--pids", "0C,0D,05", "--hz", "10", "--seconds", "1", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let readings = lines.iter().filter(|l| l["kind"] == "readings").count();
    assert!(readings >= 5, "about ten reads a second: {readings}");
    let rpm = lines.iter().flat_map(|l| l["readings"].as_array().cloned().unwrap_or_default()).find(|r| r["pid"] == 12);
    assert_eq!(rpm.unwrap()["unit"], "rpm");
    assert!(lines.last().unwrap()["values_per_second"].as_f64().unwrap() > 10.0);
}

#[test]
fn an_invoice_is_paid_in_cash_and_by_check_and_bad_payments_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let number = accord_without_vin(dir.path());
    ok_json(dir.path(), &["estimate", "add", &number, "sublet", "Alignment", "--price", "210"]);
    let early = dixon(dir.path(), &["pay", "cash", &number, "--amount", "10"]);
    assert_eq!(early.status.code(), Some(1));
    assert!(stderr(&early).contains("invoice it first"), "{}", stderr(&early));
    for status in ["approved", "in_progress", "completed", "invoiced"] {
        ok_json(dir.path(), &["ro", "status", &number, status]);
    }
    let cash = ok_json(dir.path(), &["pay", "cash", &number, "--amount", "100", "--tendered", "120"]);
    assert_eq!((cash["status"].as_str(), cash["change"].as_i64()), (Some("succeeded"), Some(2_000)));
    let refusals: &[(&[&str], &str)] = &[
        (&["pay", "cash", &number, "--amount", "500"], "balance due, $110.00"),
        (&["pay", "cash", &number, "--amount", "50", "--tendered", "20"], "less than the amount"),
        (&["pay", "cash", &number, "--amount", "ten"], "ten"),
        (&["pay", "check", &number, "--number", " "], "check number"),
        (&["pay", "card", &number, "--reader", "tmr_1"], "dixon pay connect"),
        (&["pay", "refund", "99"], "no payment 99"),
    ];
    for (args, says) in refusals {
        let out = dixon(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    let check = ok_json(dir.path(), &["pay", "check", &number, "--number", "1047"]);
    assert_eq!(check["amount"], 11_000, "the rest of the balance by default");
    let ro = ok_json(dir.path(), &["ro", "show", &number]);
    assert_eq!(ro["status"], "paid");
    let shown = ok_json(dir.path(), &["pay", "show", &number]);
    assert_eq!(shown["balance"]["due"], 0);
    assert_eq!(shown["payments"].as_array().unwrap().len(), 2);
    assert_eq!(shown["payments"][0]["how"], "Cash (handed over $120.00, change $20.00)");
    let day = ok_json(dir.path(), &["pay", "reconcile"]);
    assert_eq!(day["totals"][0]["method"], "cash");
    assert_eq!(day["totals"][1]["amount"], 11_000);
    assert!(day["mismatches"].as_array().unwrap().is_empty());
    let receipt = dir.path().join("receipt.pdf");
    let saved = ok_json(dir.path(), &["pay", "receipt", &number, "--out", receipt.to_str().unwrap()]);
    assert!(saved["bytes"].as_u64().unwrap() > 1000);
    assert!(std::fs::read(&receipt).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn a_backup_round_trips_the_store_and_the_restore_keeps_the_current_one_aside() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(ok_json(dir.path(), NEW_RO)["number"], 1001);
    let taken = ok_json(dir.path(), &["backup", "now"]);
    assert_eq!(taken["backup"]["manifest"]["rows"]["repair_orders"], 1, "{taken}");
    let folder = taken["backup"]["path"].as_str().unwrap().to_string();
    // later work, then the restore puts the store back as it was
    assert_eq!(ok_json(dir.path(), NEW_RO)["number"], 1002);
    let listed = ok_json(dir.path(), &["backup", "list"]);
    assert_eq!(listed[0]["ok"], true, "{listed}");
    let restored = ok_json(dir.path(), &["backup", "restore", &folder]);
    let aside = restored["kept_aside"].as_str().unwrap();
    assert!(Path::new(aside).join("dixon.sqlite3").exists(), "the replaced database is kept");
    let orders = ok_json(dir.path(), &["ro", "list", "--all"]);
    let numbers: Vec<i64> = orders.as_array().unwrap().iter().map(|o| o["number"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [1001]);
    // a damaged backup is refused with what to do, and the store is untouched
    std::fs::write(Path::new(&folder).join("dixon.sqlite3"), b"not a database at all").unwrap();
    let refused = dixon(dir.path(), &["backup", "restore", &folder]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("pick another one"), "{}", stderr(&refused));
    assert_eq!(ok_json(dir.path(), &["ro", "list", "--all"]).as_array().unwrap().len(), 1);
    let missing = dixon(dir.path(), &["backup", "restore", "/no/such/backup"]);
    assert!(stderr(&missing).contains("There is no backup at /no/such/backup"), "{}", stderr(&missing));
}

#[test]
fn backups_taken_while_another_process_writes_are_whole() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(ok_json(dir.path(), NEW_RO)["number"], 1001);
    // another process opens orders one after the other while backups are taken
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (path, stop) = (dir.path().to_path_buf(), stop.clone());
        std::thread::spawn(move || {
            let mut opened = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                assert!(dixon(&path, NEW_RO).status.success());
                opened += 1;
            }
            opened
        })
    };
    let mut seen = Vec::new();
    for _ in 0..3 {
        let taken = ok_json(dir.path(), &["backup", "now", "--to", &dir.path().join("usb").to_string_lossy()]);
        seen.push(taken["backup"]["manifest"]["rows"]["repair_orders"].as_i64().unwrap());
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let opened = writer.join().unwrap();
    assert!(opened > 0);
    // each backup checked out when taken (integrity, row counts as at the copy), and they only grow
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    let listed = ok_json(dir.path(), &["backup", "list", "--from", &dir.path().join("usb").to_string_lossy()]);
    assert!(listed.as_array().unwrap().iter().all(|b| b["ok"] == true), "{listed}");
    // every order a backup holds has its customer and vehicle: restore the newest and read them all
    let newest = listed[0]["backup"]["path"].as_str().unwrap().to_string();
    ok_json(dir.path(), &["backup", "restore", &newest]);
    let orders = ok_json(dir.path(), &["ro", "list", "--all"]);
    assert_eq!(orders.as_array().unwrap().len() as i64, seen[2]);
    for order in orders.as_array().unwrap() {
        let number = order["number"].as_i64().unwrap().to_string();
        assert_eq!(ok_json(dir.path(), &["ro", "show", &number])["customer"]["name"], "Pat Lee");
    }
}

#[test]
fn notify_says_why_a_customer_can_t_be_reached_before_any_account_is_connected() {
    let dir = tempfile::tempdir().unwrap();
    ok_json(dir.path(), NEW_RO);
    ok_json(dir.path(), &["settings", "set", "name=Dixon Auto Repair", "phone=(559) 555-0100"]);
    let preview = ok_json(dir.path(), &["notify", "preview", "--ro", "1001", "--template", "estimate_ready"]);
    assert_eq!(preview["channel"], Value::Null, "{preview}");
    let reasons = preview["plan"]["not_offered"].to_string();
    assert!(reasons.contains("Twilio is not connected") && reasons.contains("SendGrid is not connected"), "{reasons}");
    assert!(
        preview["body"].as_str().unwrap().starts_with("Hi Pat, the estimate for your 2003 Honda Accord is ready"),
        "{preview}"
    );

    let send = dixon(dir.path(), &["notify", "send", "--ro", "1001", "--template", "estimate_ready"]);
    assert_eq!(send.status.code(), Some(1));
    assert!(
        stderr(&send).contains("can't be reached") && stderr(&send).contains("Settings → Messaging"),
        "{}",
        stderr(&send)
    );
    let unknown = dixon(dir.path(), &["notify", "send", "--ro", "1001", "--template", "thanks"]);
    assert!(stderr(&unknown).contains("no template called 'thanks'"), "{}", stderr(&unknown));
    let no_text = dixon(dir.path(), &["notify", "preview", "--ro", "1001", "--template", "free"]);
    assert!(stderr(&no_text).contains("Type the message"), "{}", stderr(&no_text));
    let no_address = dixon(dir.path(), &["notify", "preview", "--ro", "1001", "--template", "ready"]);
    assert!(
        stderr(&no_address).contains("{shop_address}") && stderr(&no_address).contains("Settings"),
        "{}",
        stderr(&no_address)
    );
    let channel = dixon(dir.path(), &["notify", "send", "--ro", "1001", "--template", "ready", "--channel", "fax"]);
    assert_eq!(channel.status.code(), Some(1));
    assert!(stderr(&channel).contains("use sms, email or push"), "{}", stderr(&channel));
    assert_eq!(ok_json(dir.path(), &["messages", "--ro", "1001"]), Value::Array(vec![]), "nothing was written");
}

#[test]
fn photos_are_kept_with_the_order_and_a_file_that_is_no_photo_is_named() {
    let dir = tempfile::tempdir().unwrap();
    ok_json(dir.path(), NEW_RO);
    let icon = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/icons/32x32.png");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not a photo").unwrap();
    let out = dixon(
        dir.path(),
        &["photo", "add", "1001", icon, notes.to_str().unwrap(), "--item", "tires.front_left", "--json"],
    );
    assert_eq!(out.status.code(), Some(1), "one file was refused");
    assert!(stderr(&out).contains("notes.txt is not a photo"), "{}", stderr(&out));
    let kept: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(kept[0]["original_name"], "32x32.png", "the good one is kept: {kept}");
    let listed = ok_json(dir.path(), &["photo", "list", "1001"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["inspection_item"], "tires.front_left");
    assert!(Path::new(listed[0]["thumbnail_path"].as_str().unwrap()).exists());
    let missing = dixon(dir.path(), &["photo", "add", "4242", icon]);
    assert!(stderr(&missing).contains("4242 does not exist"), "{}", stderr(&missing));
}

#[tokio::test(flavor = "multi_thread")]
async fn recalls_of_a_vin_say_what_was_asked_when_nhtsa_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../vehicle/tests/fixtures"));
    let vpic =
        dixon_test_peer::Peer::start(dixon_test_peer::recorded(&fixtures.join("vpic"), "https://vpic.nhtsa.dot.gov"))
            .await;
    let nhtsa =
        dixon_test_peer::Peer::start(dixon_test_peer::recorded(&fixtures.join("recalls"), "https://api.nhtsa.gov"))
            .await;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_dixon"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env("DIXON_VPIC_URL", vpic.url("/api"))
            .env("DIXON_RECALLS_URL", nhtsa.url(""))
            .env_remove("RUST_LOG")
            .output()
            .expect("dixon runs")
    };
    let text = run(&["vin", "recalls", "1FTMW1T88MFA00001"]);
    assert!(text.status.success(), "{}", stderr(&text));
    let text = String::from_utf8_lossy(&text.stdout);
    assert_eq!(text.trim(), "No recalls found for 2021 FORD F-150 (also tried F150, F 150)");
    let json = json_of(&run(&["vin", "recalls", "1FTMW1T88MFA00001", "--json"]));
    assert_eq!(json["tried"], serde_json::json!(["F-150", "F150", "F 150"]));
    assert_eq!(json["recalls"], serde_json::json!([]));
    let bad = run(&["vin", "recalls", "1FTMW1T88MFA0000I"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("never contains I, O or Q"), "{}", stderr(&bad));
}

/// Every file of `folder` with its size and modification time: what "untouched" means.
fn snapshot(folder: &Path) -> Vec<(std::path::PathBuf, u64, std::time::SystemTime)> {
    let mut files = Vec::new();
    let mut todo = vec![folder.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                todo.push(entry.path());
            } else {
                files.push((entry.path(), meta.len(), meta.modified().unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_demo_shop_is_made_once_beside_the_shop_and_never_touches_it() {
    let root = tempfile::tempdir().unwrap();
    let shop = root.path().join("shop");
    ok_json(&shop, NEW_RO);
    let before = snapshot(&shop);

    let made = ok_json(&shop, &["demo"]);
    let demo = root.path().join("shop-demo");
    assert_eq!(made["folder"], demo.display().to_string());
    assert_eq!(made["made_now"], true);
    let states: Vec<&str> = made["orders"].as_array().unwrap().iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(states, ["estimate", "approved", "in_progress", "invoiced", "paid"], "an order in every state");
    assert_eq!(snapshot(&shop), before, "the shop's folder is not touched");
    let marker = std::fs::read_to_string(demo.join("DEMO-SHOP.txt")).unwrap();
    assert!(marker.contains(&format!("shop: {}", shop.display())), "{marker}");

    // what it holds: the shop's profile, a decoded vehicle, a reading from the simulator, parts
    let settings = ok_json(&demo, &["settings", "show"]);
    assert_eq!(settings["name"], "Demo Auto Repair");
    let in_progress = ok_json(&demo, &["ro", "show", "1003"]);
    assert_eq!(in_progress["vehicle"]["make"], "Ram", "decoded offline: {}", in_progress["vehicle"]);
    assert_eq!(in_progress["diagnostics"].as_array().unwrap().len(), 1, "a reading from the simulator");
    let estimate = ok_json(&demo, &["ro", "show", "1001"]);
    assert!(estimate["lines"].as_array().unwrap().iter().any(|l| l["kind"] == "part"));
    let paid = ok_json(&demo, &["ro", "show", "1005"]);
    assert_eq!(paid["status"], "paid");

    // once: a second time keeps what the person did in it; the demo's demo is the demo
    ok_json(&demo, &["ro", "status", "1001", "approved"]);
    let again = ok_json(&shop, &["demo"]);
    assert_eq!(again["made_now"], false);
    assert_eq!(ok_json(&demo, &["ro", "show", "1001"])["status"], "approved", "the demo as it was left");
    assert_eq!(ok_json(&demo, &["demo"])["folder"], demo.display().to_string());
    assert!(!root.path().join("shop-demo-demo").exists());
    assert_eq!(snapshot(&shop), before, "still not touched");

    // a folder where the demo would go that holds somebody's data is never written over
    let other = root.path().join("other");
    let taken = root.path().join("other-demo");
    ok_json(&taken, NEW_RO);
    let kept = snapshot(&taken);
    let refused = dixon(&other, &["demo"]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("not the demo"), "{}", stderr(&refused));
    assert_eq!(snapshot(&taken), kept);
    assert!(!other.exists(), "nothing made for a refused demo");
}
