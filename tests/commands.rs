//! The desktop shell's commands, invoked headlessly through Tauri's mock runtime exactly as the
//! web UI invokes them (same command names, same JSON), against a real store on disk.

use dixon_counter::{configure, AppState};
use dixon_home::Home;
use dixon_services::Services;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

struct Counter {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

impl Counter {
    fn start(data_dir: &std::path::Path) -> Counter {
        // Every test points vPIC at the same address where nothing listens: no traffic leaves
        // 127.0.0.1, and the Integrations view has a service that is down.
        std::env::set_var(dixon_services::VPIC_URL_ENV, "http://127.0.0.1:9/api");
        std::env::set_var(dixon_services::PARTSTECH_URL_ENV, "http://127.0.0.1:9");
        std::env::set_var(dixon_services::RECALLS_URL_ENV, "http://127.0.0.1:9");
        let home = Home::resolve(Some(data_dir)).unwrap();
        home.ensure().unwrap();
        let services = tauri::async_runtime::block_on(Services::open(&home));
        let app = configure(mock_builder(), AppState::new(home, services)).build(mock_context(noop_assets())).unwrap();
        let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
        Counter { _app: app, window }
    }

    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.window, request).map(|body| body.deserialize::<Value>().unwrap())
    }
}

fn new_ro_form() -> Value {
    json!({
        "customer": { "name": "Pat Lee", "phone": "559-234-5678", "email": "", "preferred_contact": "call", "sms_consent": false },
        "vehicle": { "vin": "1HGCM82633A004352", "year": 2003, "make": "Honda", "model": "Accord", "plate": "7ABC123", "odometer": 184213 },
        "concern": "Check engine light"
    })
}

#[test]
fn the_counter_opens_lists_and_moves_a_repair_order() {
    let dir = tempfile::tempdir().unwrap();
    let counter = Counter::start(dir.path());

    let status = counter.invoke("app_status", json!({})).unwrap();
    assert_eq!(status["startup_error"], Value::Null);

    let ro = counter.invoke("create_repair_order", json!({ "form": new_ro_form() })).unwrap();
    assert_eq!(ro["number"], 1001);
    assert_eq!(ro["next_statuses"], json!(["approved", "canceled"]));

    let list =
        counter.invoke("list_repair_orders", json!({ "query": { "search": "accord", "scope": "today" } })).unwrap();
    assert_eq!(list[0]["number"], 1001);
    assert_eq!(list[0]["vehicle"], "2003 Honda Accord");
    assert_eq!(list[0]["total"], 0);

    let moved = counter.invoke("change_status", json!({ "number": 1001, "status": "approved", "note": null })).unwrap();
    assert_eq!(moved["status"], "approved");
    let shown = counter.invoke("get_repair_order", json!({ "number": 1001 })).unwrap();
    assert_eq!(shown["history"].as_array().unwrap().len(), 2);
}

#[test]
fn refusals_reach_the_ui_as_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let counter = Counter::start(dir.path());

    let mut form = new_ro_form();
    form["customer"]["name"] = json!("");
    form["vehicle"]["odometer"] = json!(-1);
    let err = counter.invoke("create_repair_order", json!({ "form": form })).unwrap_err();
    assert_eq!(err["kind"], "invalid");
    let fields: Vec<&str> = err["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["customer.name", "vehicle.odometer"]);

    counter.invoke("create_repair_order", json!({ "form": new_ro_form() })).unwrap();
    let err = counter.invoke("change_status", json!({ "number": 1001, "status": "paid", "note": null })).unwrap_err();
    assert_eq!(err["kind"], "illegal_transition");
    assert!(err["message"].as_str().unwrap().contains("can't go to Paid"));

    let err = counter.invoke("change_status", json!({ "number": 1001, "status": "done", "note": null })).unwrap_err();
    assert!(err.as_str().is_some_and(|m| m.contains("done")), "an unknown status is refused by the IPC layer: {err}");
}

#[test]
fn settings_are_saved_and_bad_ones_refused() {
    let dir = tempfile::tempdir().unwrap();
    let counter = Counter::start(dir.path());
    let mut settings = counter.invoke("get_settings", json!({})).unwrap();
    settings["name"] = json!("Dixon Auto Repair");
    settings["labor_rate"] = json!(14_500);
    let saved = counter.invoke("save_settings", json!({ "settings": settings })).unwrap();
    assert_eq!(saved["name"], "Dixon Auto Repair");

    let mut bad = saved.clone();
    bad["state"] = json!("ZZ");
    let err = counter.invoke("save_settings", json!({ "settings": bad })).unwrap_err();
    assert_eq!(err["fields"][0]["field"], "state");
    assert_eq!(counter.invoke("get_settings", json!({})).unwrap()["state"], "");
}

#[test]
fn a_damaged_database_is_explained_instead_of_crashing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dixon.sqlite3"), b"definitely not sqlite").unwrap();
    let counter = Counter::start(dir.path());
    let status = counter.invoke("app_status", json!({})).unwrap();
    assert_eq!(status["startup_error"]["kind"], "database_corrupt");
    let err = counter.invoke("list_repair_orders", json!({ "query": {} })).unwrap_err();
    assert_eq!(err["kind"], "database_corrupt");
}

#[test]
fn the_integrations_view_shows_every_service_and_a_failing_one_as_down() {
    let dir = tempfile::tempdir().unwrap();
    let counter = Counter::start(dir.path());
    let view = counter.invoke("check_integrations_now", json!({})).unwrap();
    let services = view["services"].as_array().unwrap();
    let vpic = services.iter().find(|s| s["id"] == "vpic").unwrap();
    assert_eq!(vpic["state"], "down");
    assert!(vpic["state_detail"].as_str().unwrap().contains("can't be reached"), "{vpic}");
    let stripe = services.iter().find(|s| s["id"] == "stripe").unwrap();
    assert_eq!(stripe["state"], "not_configured");
    // a new counter has no backup yet: the screen says so, and what to do
    let backups = services.iter().find(|s| s["id"] == "backup").unwrap();
    assert_eq!(backups["state"], "down");
    assert!(backups["state_detail"].as_str().unwrap().contains("no backup yet"), "{backups}");
    assert_eq!(services.len(), 10);
    let recalls = services.iter().find(|s| s["id"] == "recalls").unwrap();
    assert_eq!(recalls["state"], "down", "NHTSA's recalls, unreachable here, say so");

    // vPIC is unreachable: the offline decoder answers, and says so.
    let decoded = counter.invoke("decode_vin", json!({ "vin": "1FTMW1T88MFA00001" })).unwrap();
    assert_eq!(decoded["info"]["model"], "F-150");
    assert_eq!(decoded["source"]["kind"], "fallback");
    assert!(decoded["source"]["name"].as_str().unwrap().contains("offline decoder"));

    // A VIN that can't be right is refused before any request, with the likely intended VIN.
    let err = counter.invoke("decode_vin", json!({ "vin": "1FTMW1T88MFA0OOO1" })).unwrap_err();
    assert_eq!(err["kind"], "invalid");
    assert_eq!(err["fields"][0]["field"], "vehicle.vin");
    assert!(err["message"].as_str().unwrap().contains("Did you mean 1FTMW1T88MFA00001?"), "{err}");
}

#[test]
fn the_estimate_is_built_authorized_and_saved_as_a_pdf_through_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let counter = Counter::start(dir.path());
    counter.invoke("create_repair_order", json!({ "form": new_ro_form() })).unwrap();
    let labor = json!({ "kind": "labor", "description": "Diagnose check engine light", "quantity_milli": 1000,
                        "unit_price": 14500, "taxable": false, "technician": "Sam" });
    let ro = counter
        .invoke("add_estimate_lines", json!({ "number": 1001, "lines": [labor], "authorization": null }))
        .unwrap();
    assert_eq!(ro["totals"]["total"], 14500);

    let empty = counter.invoke(
        "search_parts",
        json!({ "number": 1001, "search": { "by": "keyword", "text": "  " }, "tier": "standard" }),
    );
    assert_eq!(empty.unwrap_err()["fields"][0]["field"], "part.search");
    let priced = counter
        .invoke(
            "search_parts",
            json!({ "number": 1001, "search": { "by": "keyword", "text": "spark plugs" }, "tier": "budget" }),
        )
        .unwrap();
    assert_eq!(priced["best"], Value::Null, "an empty catalog and no supplier: no price, no error");

    let auth =
        json!({ "method": "text", "authorized_by": "Pat Lee", "phone": "559-234-5678", "amount": null, "note": "" });
    let ro = counter.invoke("authorize_estimate", json!({ "number": 1001, "authorization": auth })).unwrap();
    assert_eq!(ro["status"], "approved");
    let more = json!({ "kind": "part", "description": "O2 sensor", "quantity_milli": 1000, "unit_price": 8999, "taxable": true,
                       "part": { "part_number": "234-4209", "brand": "Denso", "condition": "oem", "core_charge": 0 } });
    let refused = counter
        .invoke("add_estimate_lines", json!({ "number": 1001, "lines": [more.clone()], "authorization": null }))
        .unwrap_err();
    assert_eq!(refused["kind"], "authorization_required");
    let ro = counter
        .invoke("add_estimate_lines", json!({ "number": 1001, "lines": [more], "authorization": auth }))
        .unwrap();
    assert_eq!(ro["authorizations"].as_array().unwrap().len(), 2);
    assert_eq!(ro["lines"][1]["part"]["condition"], "oem");

    let saved = counter
        .invoke("print_document", json!({ "number": 1001, "document": "estimate", "paper": "a4", "action": "save" }))
        .unwrap();
    let path = std::path::PathBuf::from(saved["path"].as_str().unwrap());
    assert_eq!(path, dir.path().join("documents").join("Estimate-1001.pdf"));
    assert!(std::fs::read(&path).unwrap().starts_with(b"%PDF-"));
    assert!(!dir.path().join("documents").join("Estimate-1001.pdf.partial").exists());
}

#[test]
fn scans_are_logged_classified_and_a_scanned_vin_fills_the_vehicle() {
    let dir = tempfile::tempdir().unwrap();
    let counter = Counter::start(dir.path());
    counter.invoke("create_repair_order", json!({ "form": new_ro_form() })).unwrap();
    let meaning = counter
        .invoke("classify_scan", json!({ "text": "I1FTMW1T88MFA00001", "source": "wedge", "repairOrder": 1001 }))
        .unwrap();
    assert_eq!(meaning, json!({ "kind": "vin", "vin": "1FTMW1T88MFA00001", "warnings": [] }));
    let ro = counter.invoke("set_vehicle_vin", json!({ "number": 1001, "vin": "1FTMW1T88MFA00001" })).unwrap();
    assert_eq!(ro["vehicle"]["vin"], "1FTMW1T88MFA00001");
    let refused = counter.invoke("set_vehicle_vin", json!({ "number": 1001, "vin": "1FTMW1T88MFA0000" })).unwrap_err();
    assert_eq!(refused["fields"][0]["field"], "vehicle.vin");
    let unknown =
        counter.invoke("classify_scan", json!({ "text": "?!", "source": "camera", "repairOrder": null })).unwrap();
    assert_eq!(unknown["kind"], "unknown");
}

#[test]
fn a_damaged_database_offers_the_newest_backup_and_restores_it() {
    std::env::set_var("DIXON_NO_RESTART", "1");
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("dixon.sqlite3");
    tauri::async_runtime::block_on(async {
        let store = dixon_shop::Store::open(&database).await.unwrap();
        let mut form = dixon_shop::NewRepairOrder::default();
        form.customer.name = "Pat Lee".into();
        form.customer.phone = "(559) 234-5678".into();
        form.vehicle.vin = "1HGCM82633A004352".into();
        store.create_repair_order(&form).await.unwrap();
        store.close().await;
        let backups = dir.path().join("backups");
        dixon_backup::backup(&database, None, &backups, dixon_backup::Reason::Daily, chrono::Utc::now()).await.unwrap();
    });
    std::fs::write(&database, b"definitely not sqlite").unwrap();

    let counter = Counter::start(dir.path());
    assert_eq!(counter.invoke("app_status", json!({})).unwrap()["startup_error"]["kind"], "database_corrupt");
    let backups = counter.invoke("list_backups", json!({})).unwrap();
    assert_eq!(backups[0]["repair_orders"], 1, "{backups}");
    assert!(backups[0]["problem"].is_null());
    let restored = counter.invoke("restore_backup", json!({ "path": backups[0]["path"] })).unwrap();
    assert!(restored.as_str().unwrap().contains("damaged database is kept"), "{restored}");
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("replaced-"))
        .collect();
    assert_eq!(
        std::fs::read(aside[0].path().join("dixon.sqlite3")).unwrap(),
        b"definitely not sqlite",
        "kept, not deleted"
    );
    let store = tauri::async_runtime::block_on(dixon_shop::Store::open(&database)).unwrap();
    assert_eq!(tauri::async_runtime::block_on(store.repair_order(1001)).unwrap().customer.name, "Pat Lee");
}
