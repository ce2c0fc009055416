//! End to end: the real Dixon Counter binary in a real webview (WebKitGTK), driven over WebDriver
//! by tauri-driver under a virtual X display. A service writer opens a repair order through the
//! UI, makes one typing mistake, fixes it, builds the estimate (a barcode-gun scan included), has
//! it authorized twice, saves the PDF, and finds the order on the counter list. The counter is in
//! a shop on a Dixon cloud (a real PostgreSQL and server, started here): an order opened at
//! another counter appears on its list without anyone touching it.
//!
//! Needs `tauri-driver` (cargo install tauri-driver --locked), `WebKitWebDriver`
//! (apt webkit2gtk-driver) and `Xvfb` (apt xvfb); `scripts/test.sh` installs them. Set
//! `DIXON_SKIP_E2E=1` to skip on a machine without a display stack. The screenshot lands in
//! `artifacts/e2e/` (or `$DIXON_ARTIFACTS_DIR`).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dixon_test_peer::{recorded, Peer, Reply};
use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use fantoccini::{Client, ClientBuilder, Locator};

/// Ends a helper process and everything it started (tauri-driver starts WebKitWebDriver) when
/// the test ends, pass or fail. Helpers run in their own process group for this.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A POSIX time zone where it is about noon now ("XXX-3" is three hours ahead of UTC).
fn midday_zone() -> String {
    use chrono::Timelike;
    let ahead = 12 - chrono::Utc::now().hour() as i32;
    format!("XXX{}", -ahead)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn tool(name: &str) -> Option<PathBuf> {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin").join(name));
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path.into_iter().chain(cargo_bin).find(|p| p.is_file())
}

/// Starts Xvfb on a free display and returns its number.
fn start_xvfb() -> (Reaper, String) {
    let mut xvfb = Command::new(tool("Xvfb").expect("Xvfb is missing: sudo apt install xvfb"))
        .args(["-displayfd", "1", "-screen", "0", "1366x768x24", "-nolisten", "tcp"])
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb starts");
    let mut line = String::new();
    BufReader::new(xvfb.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (Reaper(xvfb), format!(":{}", line.trim()))
}

const CAMERA_VIN: &str = "5XYRLDLC3NG097496";

/// A webcam's photo of a 1998 Mitsubishi Galant's windshield VIN plate (no barcode), written by
/// tests/peers/make_windshield_plate.py.
const PLATE_PHOTO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/windshield-plate.jpg");
const PLATE_VIN: &str = "4A3AA46G3WE014285";

/// A 1280×720 frame of a Code 39 VIN label turned by 15°, twice (a label held still).
fn write_camera_frames(dir: &Path) {
    use rxing::Writer;
    let matrix = rxing::MultiFormatWriter.encode(CAMERA_VIN, &rxing::BarcodeFormat::CODE_39, 0, 0).unwrap();
    let (modules, module) = (matrix.getWidth(), 2);
    let label = image::GrayImage::from_fn(modules * module + 40, 130, |x, y| {
        let bar =
            (20..20 + modules * module).contains(&x) && (20..110).contains(&y) && matrix.get((x - 20) / module, 0);
        image::Luma([if bar { 0 } else { 255 }])
    });
    let turned = dixon_camera::rotate(&label, 15.0);
    let mut frame = image::GrayImage::from_pixel(1280, 720, image::Luma([140]));
    image::imageops::overlay(
        &mut frame,
        &turned,
        (1280 - turned.width() as i64) / 2,
        (720 - turned.height() as i64) / 2,
    );
    frame.save(dir.join("frame-1.png")).unwrap();
    frame.save(dir.join("frame-2.png")).unwrap();
}

/// Removes a folder the test made outside its temporary folders.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file of `folder` (but its logs) with its size and modification time.
fn files_of(folder: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut files = Vec::new();
    let mut todo = vec![folder.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                if entry.file_name() != "logs" {
                    todo.push(entry.path());
                }
            } else {
                files.push((entry.path(), meta.len(), meta.modified().unwrap()));
            }
        }
    }
    files.sort();
    files
}

async fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "tauri-driver did not listen on {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of the element `css`, once it has some (elements are often drawn empty and filled
/// when an answer arrives); after 10 s, whatever it holds.
async fn text_of(client: &Client, css: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let element = client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await.unwrap();
        let text = element.text().await.unwrap_or_default();
        if !text.trim().is_empty() || Instant::now() > deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A Dixon cloud for the shop: a throwaway PostgreSQL cluster and the server on 127.0.0.1.
struct ShopCloud {
    _postgres: dixon_test_peer::Postgres,
    admin: dixon_cloud::Admin,
    shop: uuid::Uuid,
    url: String,
}

impl ShopCloud {
    async fn start() -> ShopCloud {
        let postgres = dixon_test_peer::Postgres::start();
        let database = postgres.create_database("dixon");
        let admin = dixon_cloud::Admin::connect(&database).await.unwrap();
        admin.migrate().await.unwrap();
        let pool = dixon_cloud::connect_as_app(&database, 4).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { dixon_cloud::server::serve(listener, pool).await });
        let (shop, _) = admin.create_shop("Dixon Auto Repair").await.unwrap();
        ShopCloud { _postgres: postgres, admin, shop, url }
    }

    /// The sync client of the counter whose data folder is `folder`.
    async fn counter(&self, folder: &Path) -> (dixon_shop::Store, dixon_sync::SyncClient) {
        let home = dixon_home::Home::resolve(Some(folder)).unwrap();
        home.ensure().unwrap();
        let store = dixon_shop::Store::open(&home.database_path()).await.unwrap();
        let integrations =
            dixon_resilience::Integrations::new(store.pool().clone(), Arc::new(dixon_clock::SystemClock));
        let sync = dixon_sync::SyncClient::register(store.pool().clone(), &integrations)
            .await
            .keep_secrets_in(dixon_secrets::Keychain::of(&home));
        (store, sync)
    }

    async fn enroll(&self, folder: &Path, name: &str) -> (dixon_shop::Store, dixon_sync::SyncClient) {
        let (store, sync) = self.counter(folder).await;
        let code = self.admin.enrollment_code(self.shop).await.unwrap();
        sync.enroll(&self.url, &code.0, name).await.unwrap();
        (store, sync)
    }

    /// Another counter joins the shop, catches up, opens an order and sends it; its number.
    async fn open_order_elsewhere(&self, folder: &Path, customer: &str) -> i64 {
        let (store, sync) = self.enroll(folder, "Back counter").await;
        sync.sync_now().await.unwrap();
        let mut form = dixon_shop::NewRepairOrder::default();
        form.customer.name = customer.into();
        form.customer.phone = "(559) 555-0142".into();
        form.vehicle.vin = "1HGCM82633A004352".into();
        form.vehicle.year = Some(2003);
        form.vehicle.make = "Honda".into();
        form.vehicle.model = "Accord".into();
        form.concern = "Check engine light".into();
        let order = store.create_repair_order(&form).await.unwrap();
        sync.sync_now().await.unwrap();
        order.number
    }
}

/// The customer's phone: headless Chromium (Debian `chromium` and `chromium-driver`) at 360 px
/// wide with a phone's user agent and touch, driven over WebDriver.
struct Phone {
    client: Client,
    _driver: Reaper,
}

impl Phone {
    async fn start() -> Phone {
        let chromedriver = tool("chromedriver").expect("chromedriver is missing: sudo apt install chromium-driver");
        let port = free_port();
        let driver = Reaper(
            Command::new(chromedriver)
                .arg(format!("--port={port}"))
                .process_group(0)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts"),
        );
        wait_for_port(port).await;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "chrome".into());
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": tool("chromium").map(|p| p.display().to_string()).unwrap_or_else(|| "/usr/bin/chromium".into()),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"],
                "mobileEmulation": {
                    "deviceMetrics": { "width": 360, "height": 780, "pixelRatio": 2.0, "touch": true },
                    "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
                }
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session with headless Chromium");
        Phone { client, _driver: driver }
    }

    async fn screenshot(&self, artifacts: &Path, name: &str) -> Result<(), fantoccini::error::CmdError> {
        let path = artifacts.join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await?).unwrap();
        eprintln!("screenshot: {}", path.display());
        Ok(())
    }

    async fn close(self) {
        let _ = self.client.close().await;
    }
}

#[path = "../crates/notify/tests/support/mod.rs"]
mod twilio_peer;

async fn type_into(client: &Client, css: &str, text: &str) {
    client.find(Locator::Css(css)).await.unwrap().send_keys(text).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_writer_opens_a_repair_order_and_sees_it_on_the_counter() {
    if std::env::var_os("DIXON_SKIP_E2E").is_some() {
        eprintln!("DIXON_SKIP_E2E is set: skipping the WebDriver test");
        return;
    }
    let driver = tool("tauri-driver").expect("tauri-driver is missing: cargo install tauri-driver --locked");
    assert!(tool("WebKitWebDriver").is_some(), "WebKitWebDriver is missing: sudo apt install webkit2gtk-driver");

    let data = tempfile::tempdir().unwrap();
    let (_xvfb, display) = match std::env::var("DISPLAY") {
        Ok(display) if !display.is_empty() && std::env::var_os("DIXON_E2E_OWN_DISPLAY").is_none() => (None, display),
        _ => {
            let (reaper, display) = start_xvfb();
            (Some(reaper), display)
        }
    };
    // vPIC, replayed from NHTSA's recorded answers; `vpic_down` makes it reset every connection.
    let vpic_down = Arc::new(AtomicBool::new(false));
    let replay = recorded(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/crates/vehicle/tests/fixtures/vpic")),
        "https://vpic.nhtsa.dot.gov",
    );
    let down = vpic_down.clone();
    let vpic =
        Peer::start(move |request, hit| if down.load(Ordering::SeqCst) { Reply::Reset } else { replay(request, hit) })
            .await;

    // NHTSA's recalls, replayed from recorded answers (crates/vehicle/tests/fixtures/recalls).
    let recalls = Peer::start(recorded(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/crates/vehicle/tests/fixtures/recalls")),
        "https://api.nhtsa.gov",
    ))
    .await;

    // The shop's parts catalog, imported before the app starts (as `dixon parts import` would).
    {
        let store = dixon_shop::Store::open(&data.path().join("dixon.sqlite3")).await.unwrap();
        let catalog = dixon_parts::LocalCatalog::new(store.pool().clone(), Arc::new(dixon_clock::SystemClock));
        let csv = "part_number,brand,upc,description,category,cost,list,quantity\n\
                   D1234,Wagner,012345678905,Front brake pads ceramic,Brake pads,31.50,59.99,4\n\
                   D1200,Bosch,,Front brake pads economy,Brake pads,22.00,,2\n";
        catalog.import_csv(csv.as_bytes()).await.unwrap();
        store.close().await;
    }

    // The shop's Dixon cloud, and this counter enrolled in it before the app starts (as Settings →
    // Dixon cloud would). The credential goes to the real keychain, under this data folder.
    let shop_cloud = if std::env::var_os("DIXON_REQUIRE_KEYRING").is_some() {
        let cloud = ShopCloud::start().await;
        cloud.enroll(data.path(), "Front counter").await;
        Some(cloud)
    } else {
        eprintln!("no Secret Service (DIXON_REQUIRE_KEYRING unset): the counter runs without a cloud");
        None
    };

    // The shop's Twilio account (a stateful peer that keeps what it accepted), saved in the real
    // keychain under this data folder as Settings → Messaging would.
    let twilio = twilio_peer::TwilioPeer::start().await;
    if shop_cloud.is_some() {
        let account = dixon_notify::TwilioAccount {
            account_sid: twilio_peer::ACCOUNT_SID.into(),
            auth_token: "token".into(),
            from: "+15595550199".into(),
            messaging_service_sid: None,
        };
        let home = dixon_home::Home::resolve(Some(data.path())).unwrap();
        dixon_secrets::Keychain::of(&home).save("twilio", &account).unwrap();
    }

    // The "webcam": two frames of a Code 39 VIN label held at 15°, played over and over.
    let camera_frames = tempfile::tempdir().unwrap();
    write_camera_frames(camera_frames.path());

    let (port, native_port) = (free_port(), free_port());
    let _driver = Reaper(
        Command::new(driver)
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("DISPLAY", &display)
            .env("DIXON_DATA_DIR", data.path())
            .env("DIXON_VPIC_URL", vpic.url("/api"))
            .env("DIXON_PARTSTECH_URL", "http://127.0.0.1:9")
            .env("DIXON_RECALLS_URL", recalls.url(""))
            // the shop's clock at midday, whenever the test runs: texts are held in quiet hours
            .env("TZ", midday_zone())
            .env("DIXON_TWILIO_URL", &twilio.url)
            .env("DIXON_CAMERA_FILES", camera_frames.path())
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver starts"),
    );
    wait_for_port(port).await;

    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), "wry".into());
    capabilities
        .insert("tauri:options".into(), serde_json::json!({ "application": env!("CARGO_BIN_EXE_dixon-counter") }));
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with the app");

    // The webview is ready once it shows our own page.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !client.current_url().await.map(|u| u.as_str().starts_with("tauri://")).unwrap_or(false) {
        assert!(Instant::now() < deadline, "the app never loaded its UI");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let artifacts = std::env::var_os("DIXON_ARTIFACTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts"))
        .join("e2e");
    std::fs::create_dir_all(&artifacts).unwrap();
    let screenshot = |name: &'static str| {
        let (client, path) = (client.clone(), artifacts.join(format!("{name}.png")));
        async move {
            // Let WebKit paint what the last command changed before capturing it.
            client.execute_async("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))", vec![]).await?;
            std::fs::write(&path, client.screenshot().await?).unwrap();
            eprintln!("screenshot: {}", path.display());
            Ok::<(), fantoccini::error::CmdError>(())
        }
    };

    let result = async {
        let summary = text_of(&client, "#list-summary").await;
        assert!(summary.starts_with("0 "), "a new shop starts empty: {summary}");
        // a new shop is offered two ways to start (the demo opens in a new window: see the end)
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#welcome #setup-shop")).await?;
        client.find(Locator::Css("#welcome #try-demo")).await?;
        screenshot("first-run-welcome").await?;
        client.find(Locator::Css("#new-ro")).await?.click().await?;

        // A typing slip: no name, a VIN with an O in it.
        type_into(&client, "#f-customer-phone", "(559) 234-5678").await;
        type_into(&client, "#f-vehicle-vin", "1HGCM82633A0O4352").await;
        client.find(Locator::Css("#create-ro")).await?.click().await?;
        let name_error = text_of(&client, ".field[data-field='customer.name'] .field-error").await;
        assert!(name_error.contains("name"), "inline error for the name: {name_error}");
        let vin_error = text_of(&client, ".field[data-field='vehicle.vin'] .field-error").await;
        assert!(vin_error.contains("never contains I, O or Q"), "inline error for the VIN: {vin_error}");
        screenshot("new-repair-order-with-errors").await?;

        type_into(&client, "#f-customer-name", "Pat Lee").await;
        // A slip in the last characters: live validation offers the intended VIN.
        client.find(Locator::Css("#f-vehicle-vin")).await?.clear().await?;
        type_into(&client, "#f-vehicle-vin", "1FTMW1T88MFA0000I").await;
        let suggestion = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("button.suggestion[data-vin='1FTMW1T88MFA00001']"))
            .await?;
        screenshot("vin-live-validation").await?;
        suggestion.click().await?;
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#vin-hint .ok")).await?;
        client.find(Locator::Css("#decode-vin")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//div[@id='vin-decoded' and contains(., 'Source: NHTSA vPIC')]"))
            .await?;
        let decoded = text_of(&client, "#vin-decoded").await;
        assert!(decoded.contains("2021 FORD F-150") && decoded.contains("3.5 L V6"), "{decoded}");
        assert_eq!(client.find(Locator::Css("#f-vehicle-model")).await?.prop("value").await?.as_deref(), Some("F-150"));
        // the vehicle is known: its safety recalls (NHTSA files none for it: said with what was asked)
        let recalls = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(
                "//div[@id='new-ro-recalls']//strong[contains(., 'recalls found for 2021 FORD F-150')]",
            ))
            .await?;
        assert!(recalls.text().await?.contains("also tried F150"), "the model's variants were tried");
        screenshot("new-repair-order-decoded").await?;
        // the customer agrees to texts (the estimate-ready and pickup texts go to them)
        client.find(Locator::Css("#f-customer-sms_consent")).await?.click().await?;
        type_into(&client, "#f-vehicle-odometer", "184,213").await;
        type_into(&client, "#f-concern", "Grinding noise when braking").await;
        client.find(Locator::Css("#create-ro")).await?.click().await?;
        let heading = text_of(&client, ".ro-head h1").await;
        assert!(heading.contains("RO 1001") && heading.contains("Estimate"), "the new order opens: {heading}");
        screenshot("repair-order").await?;

        // The estimate: labor, a part priced from the shop's catalog, the customer's OK; then more
        // work than they authorized, which asks for a supplementary authorization first.
        type_into(&client, "#f-line-description", "Replace front pads and rotors").await;
        client.find(Locator::Css("#f-line-quantity")).await?.clear().await?;
        type_into(&client, "#f-line-quantity", "1.5").await;
        client.find(Locator::Css("#f-line-unit_price")).await?.clear().await?;
        type_into(&client, "#f-line-unit_price", "145").await;
        client.find(Locator::Css("#line-add")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//table[@class='estimate-lines']//td[contains(., 'Replace front pads')]"))
            .await?;
        // A keyboard-wedge gun scans the pads' UPC while the description field has focus: the
        // scan is told from typing, taken back out of the field, and the part goes on the estimate.
        client.find(Locator::Css("#f-line-description")).await?.click().await?;
        let enter: char = fantoccini::key::Key::Enter.into();
        client.active_element().await?.send_keys(&format!("012345678905{enter}")).await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(
                "//table[@class='estimate-lines']//td[contains(., 'Front brake pads ceramic')]",
            ))
            .await?;
        let description = client.find(Locator::Css("#f-line-description")).await?.prop("value").await?;
        assert_eq!(description.as_deref(), Some(""), "the scan did not stay in the field it was typed into");
        screenshot("estimate-after-scan").await?;
        type_into(&client, "#f-part-search", "front brake pads").await;
        client.find(Locator::Css("#part-search-go")).await?.click().await?;
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".offers tr.best button")).await?;
        screenshot("estimate-part-offers").await?;
        client.find(Locator::Css(".offers tr.best button")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(
                "//table[@class='estimate-lines']//td[contains(., 'Front brake pads economy')]",
            ))
            .await?;
        client.find(Locator::Css("#authorize")).await?.click().await?;
        client.find(Locator::Css("#auth-save")).await?.click().await?;
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".auth-status.ok")).await?;
        type_into(&client, "#f-line-description", "Brake fluid flush").await;
        client.find(Locator::Css("#f-line-unit_price")).await?.clear().await?;
        type_into(&client, "#f-line-unit_price", "89.99").await;
        client.find(Locator::Css("#line-add")).await?.click().await?;
        let why = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".authorization .why"))
            .await?
            .text()
            .await?;
        assert!(why.contains("supplementary authorization"), "{why}");
        client.find(Locator::Css("#f-authorization-method")).await?.select_by_value("phone").await?;
        screenshot("estimate-needs-authorization").await?;
        client.find(Locator::Css("#auth-save")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//p[contains(@class, 'auth-status') and contains(., 'revision 2')]"))
            .await?;
        screenshot("estimate").await?;
        client.find(Locator::Css("#save-pdf")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//div[@class='toast' and contains(., 'Estimate-1001.pdf')]"))
            .await?;
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".ro-head .status-approved")).await?;

        // Diagnostics from the order: the built-in simulator (the embedded default) is read, its
        // codes shown with their meaning and kept with the order; live data fills the gauges.
        client.find(Locator::Css("#read-car")).await?.click().await?;
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#obd-connect")).await?;
        client.find(Locator::Css("#obd-connect")).await?.click().await?;
        let codes = client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#obd-codes tr[data-code='P0301']"))
            .await?
            .text()
            .await?;
        assert!(codes.contains("Cylinder 1 misfire detected") && codes.contains("Engine (7E8)"), "{codes}");
        let progress = text_of(&client, "#obd-progress").await;
        assert!(progress.contains("kept with repair order 1001"), "{progress}");
        screenshot("diagnostics").await?;
        client.find(Locator::Css("#obd-live")).await?.click().await?;
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".gauge[data-pid='c']")).await?;
        // one more value (intake manifold pressure) joins the watch as a tile
        client.find(Locator::Css("#live-chooser summary")).await?.click().await?;
        client.find(Locator::Css("#live-chooser input[data-pid='b']")).await?.click().await?;
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".tile[data-pid='b']")).await?;
        tokio::time::sleep(Duration::from_secs(3)).await; // a few seconds of chart
        screenshot("diagnostics-live").await?;
        client.find(Locator::Css("#obd-live")).await?.click().await?;
        client.find(Locator::Css("#obd-back")).await?.click().await?;
        let line = text_of(&client, "#ro-diagnostics").await;
        assert!(line.contains("check-engine light ON") && line.contains("P0301"), "{line}");

        // The work is done and invoiced; the customer pays part in cash and the rest by check.
        // Stripe is not set up on this counter: the panel says so and offers cash and checks.
        for status in ["in_progress", "completed", "invoiced"] {
            client.find(Locator::Css(&format!("button[data-status='{status}']"))).await?.click().await?;
            client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css(&format!(".ro-head .status-{status}")))
                .await?;
        }
        let problem = text_of(&client, "#card-problem").await;
        assert!(problem.contains("Stripe is not set up"), "{problem}");
        client.find(Locator::Css("#pay-cash")).await?.click().await?;
        client.find(Locator::Css("#pay-cash-amount")).await?.clear().await?;
        type_into(&client, "#pay-cash-amount", "100").await;
        type_into(&client, "#pay-cash-tendered", "120").await;
        let change = text_of(&client, "#pay-change").await;
        assert_eq!(change, "Change due $20.00");
        screenshot("payment-cash").await?;
        client.find(Locator::Css("#pay-cash-go")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//table[@id='payments']//td[contains(., 'change $20.00')]"))
            .await?;
        client.find(Locator::Css("#pay-check")).await?.click().await?;
        type_into(&client, "#pay-check-number", "1047").await;
        client.find(Locator::Css("#pay-check-go")).await?.click().await?;
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".ro-head .status-paid")).await?;
        let due = text_of(&client, "#pay-due").await;
        assert!(due.to_lowercase().contains("paid in full"), "{due}");
        screenshot("payment-paid").await?;
        client.find(Locator::Css("#receipt-save")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//p[@id='pay-status' and contains(., 'Receipt-1001.pdf')]"))
            .await?;

        client.find(Locator::Css("#nav-counter")).await?.click().await?;
        let row = text_of(&client, "#ro-list tr[data-number='1001']").await;
        assert!(row.contains("Pat Lee") && row.contains("2021 FORD F-150") && row.contains("Paid"), "{row}");
        screenshot("counter-with-new-repair-order").await?;
        client.find(Locator::Css("#theme")).await?.click().await?;
        screenshot("counter-dark").await?;
        client.find(Locator::Css("#theme")).await?.click().await?;

        client.find(Locator::Css("#nav-settings")).await?.click().await?;
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#settings-form")).await?;
        type_into(&client, "#f-name", "Dixon Auto Repair").await;
        type_into(&client, "#f-address_line1", "2250 N Blackstone Ave").await;
        type_into(&client, "#f-city", "Fresno").await;
        type_into(&client, "#f-state", "ZZ").await;
        client.find(Locator::Css("#save-settings")).await?.click().await?;
        let state_error = text_of(&client, ".field[data-field='state'] .field-error").await;
        assert!(state_error.contains("not a US state"), "{state_error}");
        client.find(Locator::Css("#f-state")).await?.clear().await?;
        type_into(&client, "#f-state", "CA").await;
        client.find(Locator::Css("#f-labor_rate")).await?.clear().await?;
        type_into(&client, "#f-labor_rate", "145.50").await;
        client.find(Locator::Css("#save-settings")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//span[@class='shop-name' and text()='Dixon Auto Repair']"))
            .await?;
        screenshot("settings").await?;
        client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#connect-twilio")).await?;
        client.execute("document.getElementById('messaging-settings').scrollIntoView()", vec![]).await?;
        screenshot("settings-messaging").await?;

        // vPIC goes down: the Integrations screen says so after the next check.
        vpic_down.store(true, Ordering::SeqCst);
        client.find(Locator::Css("#nav-integrations")).await?.click().await?;
        client.find(Locator::Css("#check-now")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("tr[data-service='vpic'].state-down"))
            .await?;
        let row = text_of(&client, "tr[data-service='vpic']").await;
        assert!(row.contains("Down") && row.contains("can't be reached"), "{row}");
        assert!(text_of(&client, "tr[data-service='stripe']").await.contains("Not configured"));
        screenshot("integrations-vpic-down").await?;

        // With vPIC cut off, a VIN never decoded before still decodes, from the data on this PC.
        client.find(Locator::Css("#nav-new")).await?.click().await?;
        type_into(&client, "#f-vehicle-vin", "1C6RR7LT2JS179571").await;
        client.find(Locator::Css("#decode-vin")).await?.click().await?;
        let card = client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::XPath("//div[@id='vin-decoded' and contains(., 'offline decoder')]"))
            .await?
            .text()
            .await?;
        assert!(card.contains("2018 Ram 1500") && card.contains("vPIC unreachable"), "{card}");
        screenshot("decode-offline").await?;

        // The webcam (here a folder of frames): a VIN label held at 15° is read inside the guide
        // and fills the VIN of a new repair order.
        client.find(Locator::Css("#nav-new")).await?.click().await?;
        client.find(Locator::Css("#camera-vin")).await?.click().await?;
        // the folder camera can confirm its two frames before a preview is seen: look for the
        // preview only while the scanner is open
        let preview = Locator::XPath("//img[@id='camera-preview' and starts-with(@src, 'data:image/jpeg')]");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && client.find(Locator::Css(".camera-panel")).await.is_ok() {
            if client.find(preview).await.is_ok() {
                screenshot("camera-scanner").await?;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // the form re-renders as the scan lands: a field read mid-render is read again
            let vin = match client.find(Locator::Css("#f-vehicle-vin")).await {
                Ok(field) => field.prop("value").await.ok().flatten().unwrap_or_default(),
                Err(_) => String::new(),
            };
            if vin == CAMERA_VIN {
                break;
            }
            assert!(Instant::now() < deadline, "the camera never filled the VIN (field holds '{vin}')");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(client.find(Locator::Css(".camera-panel")).await.is_err(), "the scanner closes once it has read");

        // A windshield VIN plate has no barcode: the same camera reads its stamped text (OCR), the
        // VIN fills a new repair order, decodes (offline: vPIC is still down) and the 1998
        // Galant's two safety recalls show on it.
        for old in std::fs::read_dir(camera_frames.path()).unwrap().flatten() {
            std::fs::remove_file(old.path()).unwrap();
        }
        for n in 1..=2 {
            std::fs::copy(PLATE_PHOTO, camera_frames.path().join(format!("plate-{n}.jpg"))).unwrap();
        }
        client.find(Locator::Css("#nav-new")).await?.click().await?;
        client.find(Locator::Css("#camera-vin")).await?.click().await?;
        client.wait().at_most(Duration::from_secs(10)).for_element(preview).await?;
        screenshot("camera-windshield-plate").await?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let vin = match client.find(Locator::Css("#f-vehicle-vin")).await {
                Ok(field) => field.prop("value").await.ok().flatten().unwrap_or_default(),
                Err(_) => String::new(),
            };
            if vin == PLATE_VIN {
                break;
            }
            assert!(Instant::now() < deadline, "the plate's text never filled the VIN (field holds '{vin}')");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let read = text_of(&client, "#ocr-vin").await;
        assert!(read.contains("Read from the plate's text") && read.contains("% sure"), "{read}");
        let recalls = client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::XPath(
                "//div[@id='new-ro-recalls']//strong[contains(., '2 safety recalls for 1998 MITSUBISHI GALANT')]",
            ))
            .await?;
        assert!(recalls.text().await?.contains("GALANT"));
        let campaigns = client.find_all(Locator::Css("#new-ro-recalls li[data-campaign]")).await?;
        assert_eq!(campaigns.len(), 2, "each campaign listed");
        screenshot("new-repair-order-from-windshield-plate").await?;

        // Another counter of the shop opens an order: it shows up here without a click.
        if let Some(cloud) = &shop_cloud {
            client.find(Locator::Css("#nav-counter")).await?.click().await?;
            client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css("#ro-list tr[data-number='1001']"))
                .await?;
            let other = tempfile::tempdir().unwrap();
            let number = cloud.open_order_elsewhere(other.path(), "Dana Whitfield").await;
            assert_eq!(number, 1002, "the other counter saw 1001 in the shop and took the next number");
            let row = client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css("#ro-list tr[data-number='1002']"))
                .await?
                .text()
                .await?;
            assert!(row.contains("Dana Whitfield"), "{row}");
            let bar = text_of(&client, "#sync-status").await;
            assert!(bar.contains("Front counter") && bar.contains("Synced"), "{bar}");
            screenshot("sync-order-from-another-counter").await?;

            // Text the customer that the truck is ready, and see the text delivered.
            client.find(Locator::Css("#ro-list tr[data-number='1001'] td")).await?.click().await?;
            client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#message-preview")).await?;
            client.find(Locator::Css("#message-template option[value='ready']")).await?.click().await?;
            let summary = text_of(&client, "#message-summary").await;
            assert!(summary.starts_with("Goes by text") && summary.contains("segment"), "{summary}");
            client.find(Locator::Css("#send-message")).await?.click().await?;
            client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css("#conversation li[data-state='sent']"))
                .await?;
            assert_eq!(twilio.count(), 1, "one text reached Twilio");
            let sent = twilio.sent.lock().unwrap()[0].clone();
            assert_eq!(sent.to, "+15592345678");
            assert!(
                sent.body.contains(
                    "your 2021 FORD F-150 is ready for pickup at Dixon Auto Repair, 2250 N Blackstone Ave, Fresno, CA."
                ),
                "{}",
                sent.body
            );
            // the carrier delivers it; the counter reads the report in the background
            twilio.report(&sent.sid, "delivered", None);
            client
                .wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css("#conversation li[data-state='delivered']"))
                .await?;
            // Pat answers; Twilio calls the shop's Dixon cloud, which relays the reply to this counter
            cloud.admin.set_relay_secret(cloud.shop, "twilio", "twilio_auth_token").await.unwrap();
            let relay = format!("{}/v1/relay/{}/twilio", cloud.url, cloud.shop);
            let reply = [
                ("MessageSid", "SMreply1"),
                ("SmsStatus", "received"),
                ("From", "+15592345678"),
                ("Body", "Great, I'll be there at 5."),
            ];
            let params: Vec<(String, String)> = reply.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let signature = dixon_webhooks::twilio::sign(&relay, &params, "twilio_auth_token");
            let relayed = reqwest::Client::new()
                .post(&relay)
                .header("x-twilio-signature", signature)
                .form(&reply)
                .send()
                .await
                .unwrap();
            assert_eq!(relayed.status().as_u16(), 200);
            client
                .wait()
                .at_most(Duration::from_secs(30))
                .for_element(Locator::Css("#conversation li[data-state='received']"))
                .await?;
            client.execute("document.getElementById('messages-panel').scrollIntoView()", vec![]).await?;
            screenshot("text-delivered-and-reply").await?;
            // the reply is in the counter screen's inbox too, on every counter of the shop
            client.find(Locator::Css("#nav-counter")).await?.click().await?;
            let inbox = client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::XPath("//section[@id='inbox']//li[contains(., 'there at 5')]"))
                .await?
                .text()
                .await?;
            assert!(inbox.contains("Pat Lee") && inbox.contains("RO 1001"), "{inbox}");
            screenshot("counter-inbox").await?;

            // A technician inspects Dana's Accord: pads at 2 mm turn the front brakes red, and the
            // repair goes onto the estimate in one step.
            client.find(Locator::Css("#ro-list tr[data-number='1002'] td")).await?.click().await?;
            client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css("#inspection-panel summary"))
                .await?
                .click()
                .await?;
            let pads = client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css("li[data-item='brakes.front'] input[data-measure='pads_mm']"))
                .await?;
            pads.send_keys("2\u{E007}").await?;
            client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css("li[data-item='brakes.front'].red"))
                .await?;
            client.find(Locator::Css("li[data-item='wipers'] button.colour.yellow")).await?.click().await?;
            client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css("li[data-item='wipers'].yellow"))
                .await?;
            let summary = text_of(&client, "#inspection-panel summary").await;
            assert!(summary.contains("1 red · 1 yellow"), "{summary}");
            client.execute("document.getElementById('inspection-panel').scrollIntoView()", vec![]).await?;
            screenshot("inspection").await?;
            client.find(Locator::Css("#recommend-repairs")).await?.click().await?;
            client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::XPath(
                    "//td[contains(., 'Replace front brake pads and resurface rotors (needed now, from inspection)')]",
                ))
                .await?;

            // A photo of the worn pads from the webcam, onto the red item, marked with an arrow
            // and a label; the shop adds one more line; the order goes to Dana's phone.
            // the order re-rendered with its repairs: the inspection opens again
            client.find(Locator::Css("#inspection-panel summary")).await?.click().await?;
            let take = client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css("button[data-take-photo='brakes.front']"))
                .await?;
            client
                .execute("arguments[0].scrollIntoView({block: 'center'})", vec![serde_json::to_value(&take)?])
                .await?;
            take.click().await?;
            client
                .wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css("[data-photos-of='brakes.front'] button[data-photo]"))
                .await?
                .click()
                .await?;
            let layer = client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#mark-layer")).await?;
            // the picture must be there before drawing on it
            let deadline = Instant::now() + Duration::from_secs(10);
            while client
                .execute("return document.querySelector('#mark-editor img').naturalWidth", vec![])
                .await?
                .as_u64()
                == Some(0)
            {
                assert!(Instant::now() < deadline, "the photo never showed in the mark editor");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let click_at = |x: f64, y: f64| {
                let layer = layer.clone();
                MouseActions::new("mouse".into())
                    .then(PointerAction::MoveToElement { element: layer, duration: None, x, y })
                    .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
                    .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT })
            };
            // an arrow: where it starts, then where it points
            client.perform_actions(click_at(-120.0, -80.0)).await?;
            client.perform_actions(click_at(10.0, 10.0)).await?;
            client.find(Locator::Css("[data-tool='text']")).await?.click().await?;
            client.find(Locator::Css("#mark-label")).await?.clear().await?;
            type_into(&client, "#mark-label", "Pads at 2 mm").await;
            client.perform_actions(click_at(-150.0, 60.0)).await?;
            client.wait().at_most(Duration::from_secs(5)).for_element(Locator::Css("#mark-layer line")).await?;
            client.wait().at_most(Duration::from_secs(5)).for_element(Locator::Css("#mark-layer text")).await?;
            screenshot("photo-marking").await?;
            client.find(Locator::Css("#mark-save")).await?.click().await?;
            client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css("[data-photos-of='brakes.front'] button.thumb.marked"))
                .await?;
            let strip = client.find(Locator::Css("li[data-item='brakes.front']")).await?;
            client
                .execute("arguments[0].scrollIntoView({block: 'center'})", vec![serde_json::to_value(&strip)?])
                .await?;
            screenshot("inspection-photo-marked-red").await?;

            type_into(&client, "#f-line-description", "Replace cabin air filter").await;
            client.find(Locator::Css("#f-line-quantity")).await?.clear().await?;
            type_into(&client, "#f-line-quantity", "0.3").await;
            client.find(Locator::Css("#line-add")).await?.click().await?;
            client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::XPath(
                    "//table[@class='estimate-lines']//td[contains(., 'Replace cabin air filter')]",
                ))
                .await?;
            client.find(Locator::Css("#send-approval")).await?.click().await?;
            let url_field =
                client.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("#approval-url")).await?;
            let link = url_field.prop("value").await?.unwrap_or_default();
            assert!(link.contains("/a/"), "the link: {link}");
            client.execute("document.getElementById('approval-panel').scrollIntoView()", vec![]).await?;
            screenshot("approval-link-and-qr").await?;

            // Dana opens the link on her phone: headless Chromium at 360 px.
            let phone = Phone::start().await;
            phone.client.goto(&link).await?;
            phone.client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#approval")).await?;
            let (bytes, load_ms): (u64, f64) = {
                let v = phone
                    .client
                    .execute(
                        "const n = performance.getEntriesByType('navigation')[0]; \
                         return [document.documentElement.outerHTML.length, n.loadEventEnd - n.startTime];",
                        vec![],
                    )
                    .await?;
                (v[0].as_u64().unwrap_or(0), v[1].as_f64().unwrap_or(0.0))
            };
            let figures = format!(
                "approval page: {bytes} bytes of HTML, loaded in {load_ms:.0} ms (headless Chromium, 360 px)\n"
            );
            eprint!("{figures}");
            std::fs::write(artifacts.join("approval-page-figures.txt"), figures).unwrap();
            assert!(bytes < 100 * 1024, "the page itself is {bytes} bytes");
            phone.screenshot(&artifacts, "approval-phone-1-findings").await?;
            let radio = |text: &str, choice: &str| {
                format!("//fieldset[legend[contains(., '{text}')]]//input[@value='{choice}']")
            };
            for (text, choice) in
                [("front brake pads", "approve"), ("cabin air filter", "approve"), ("wiper", "decline")]
            {
                let input = phone.client.find(Locator::XPath(&radio(text, choice))).await?;
                phone
                    .client
                    .execute("arguments[0].scrollIntoView({block: 'center'})", vec![serde_json::to_value(&input)?])
                    .await?;
                input.click().await?;
            }
            // the total follows (JavaScript asks the cloud)
            phone
                .client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::XPath("//div[@id='totals']//dt[contains(., 'Total of approved work')]"))
                .await?;
            phone.screenshot(&artifacts, "approval-phone-2-choices").await?;
            let name = phone.client.find(Locator::Css("#name")).await?;
            phone
                .client
                .execute("arguments[0].scrollIntoView({block: 'center'})", vec![serde_json::to_value(&name)?])
                .await?;
            name.send_keys("Dana Whitfield").await?;
            let pad = phone.client.find(Locator::Css("#signature-canvas")).await?;
            phone
                .client
                .execute("arguments[0].scrollIntoView({block: 'center'})", vec![serde_json::to_value(&pad)?])
                .await?;
            let stroke = MouseActions::new("finger".into())
                .then(PointerAction::MoveToElement { element: pad.clone(), duration: None, x: -120.0, y: 20.0 })
                .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
                .then(PointerAction::MoveToElement {
                    element: pad.clone(),
                    duration: Some(Duration::from_millis(150)),
                    x: -60.0,
                    y: -25.0,
                })
                .then(PointerAction::MoveToElement {
                    element: pad.clone(),
                    duration: Some(Duration::from_millis(150)),
                    x: 0.0,
                    y: 20.0,
                })
                .then(PointerAction::MoveToElement {
                    element: pad.clone(),
                    duration: Some(Duration::from_millis(150)),
                    x: 70.0,
                    y: -20.0,
                })
                .then(PointerAction::MoveToElement {
                    element: pad.clone(),
                    duration: Some(Duration::from_millis(150)),
                    x: 120.0,
                    y: 15.0,
                })
                .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
            phone.client.perform_actions(stroke).await?;
            let signed = phone.client.find(Locator::Css("#signature")).await?.prop("value").await?.unwrap_or_default();
            assert!(signed.starts_with("data:image/png;base64,"), "the drawn signature is in the form");
            phone.client.find(Locator::Css("input[name='agree']")).await?.click().await?;
            phone.screenshot(&artifacts, "approval-phone-3-signed").await?;
            phone.client.find(Locator::Css("button.primary[value='sign']")).await?.click().await?;
            // posted, then redirected to the page, which now shows the answer
            phone
                .client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::XPath("//main/h2[contains(., 'has your answer')]"))
                .await?;
            phone.screenshot(&artifacts, "approval-phone-4-thank-you").await?;
            phone.close().await;

            // The answer comes back through the cloud: the counter shows it without a click.
            let summary = client
                .wait()
                .at_most(Duration::from_secs(30))
                .for_element(Locator::XPath(
                    "//p[@id='approval-summary' and starts-with(., 'Approved by Dana Whitfield from their phone')]",
                ))
                .await?;
            let text = summary.text().await?;
            assert!(text.contains("declined 1 item"), "{text}");
            client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::XPath("//tr[contains(., 'wiper')]//span[contains(@class, 'line-declined')]"))
                .await?;
            client.execute("document.getElementById('approval-panel').scrollIntoView()", vec![]).await?;
            screenshot("approval-on-the-counter").await?;
        }
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        // what the screen showed when a step failed, for whoever reads the CI log
        if let Ok(png) = client.screenshot().await {
            let path = artifacts.join("failure.png");
            std::fs::write(&path, png).unwrap();
            eprintln!("screenshot of the failure: {}", path.display());
        }
        // and what the app itself said
        for log in std::fs::read_dir(data.path().join("logs")).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(log.path()).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            eprintln!(
                "--- {} (last lines)\n{}",
                log.path().display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
    }
    let _ = client.close().await;
    result.expect("WebDriver commands succeed");

    // "Try it with a demo shop" starts the app again on the demo folder beside this one (here a
    // second session with the argument the button passes): it fills itself, says DEMO on every
    // screen, and the shop's folder is not touched.
    let shop_home = dixon_home::Home::resolve(Some(data.path())).unwrap();
    let demo_home = dixon_services::demo::prepare(&shop_home).expect("the demo folder is made");
    let _remove_demo = RemoveOnDrop(demo_home.data_dir().to_path_buf());
    tokio::time::sleep(Duration::from_secs(1)).await; // the first window's app has ended
    let shop_before = files_of(data.path());
    let mut demo_capabilities = serde_json::Map::new();
    demo_capabilities.insert("browserName".into(), "wry".into());
    demo_capabilities.insert(
        "tauri:options".into(),
        serde_json::json!({
            "application": env!("CARGO_BIN_EXE_dixon-counter"),
            "args": ["--data-dir", demo_home.data_dir()],
        }),
    );
    let demo = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(demo_capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with the demo shop");
    let demo_result = async {
        demo.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("#demo-banner #leave-demo")).await?;
        let rows = Locator::Css("#ro-list tr[data-number]");
        let deadline = Instant::now() + Duration::from_secs(20);
        // the demo's orders are open ones and today's; the counter lists them
        while demo.find_all(rows).await?.len() < 5 {
            assert!(Instant::now() < deadline, "the demo shop's five orders never showed");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(demo.find(Locator::Css("#welcome")).await.is_err(), "no first-run offer in the demo");
        demo.execute_async("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))", vec![]).await?;
        std::fs::write(artifacts.join("demo-shop.png"), demo.screenshot().await?).unwrap();
        demo.find(Locator::Css("#ro-list tr[data-number='1003'] td")).await?.click().await?;
        demo.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".ro-head")).await?;
        demo.execute_async("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))", vec![]).await?;
        std::fs::write(artifacts.join("demo-shop-repair-order.png"), demo.screenshot().await?).unwrap();
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = demo.close().await;
    demo_result.expect("the demo shop's WebDriver commands succeed");
    assert_eq!(files_of(data.path()), shop_before, "the demo never touched the shop's folder");

    // What the UI did is in the database: the CLI's store sees it too.
    let store = dixon_shop::Store::open(&data.path().join("dixon.sqlite3")).await.unwrap();
    let ro = store.repair_order(1001).await.unwrap();
    assert_eq!(ro.customer.phone.as_deref(), Some("+15592345678"));
    assert_eq!(ro.odometer_in, Some(184_213));
    assert_eq!(ro.status, dixon_shop::Status::Paid, "invoiced, then paid in cash and by check");
    let scans = dixon_scan::recent(store.pool(), 10).await.unwrap();
    assert_eq!(ro.lines.len(), 4, "labor, the scanned pads, the searched pads, the fluid flush");
    let logged: Vec<(&str, &str, Option<i64>)> =
        scans.iter().map(|s| (s.source.as_str(), s.meaning.as_str(), s.repair_order_number)).collect();
    assert_eq!(
        logged,
        [("ocr", "vin", None), ("camera", "vin", None), ("wedge", "product_code", Some(1001))],
        "every scan, with its source"
    );
    let sure: Option<f64> =
        sqlx::query_scalar("SELECT confidence FROM scans WHERE source = 'ocr'").fetch_one(store.pool()).await.unwrap();
    assert!(sure.is_some_and(|c| c > 0.5 && c <= 1.0), "the plate's reading is logged with how sure: {sure:?}");
    assert_eq!(ro.authorizations.len(), 2, "the estimate and the supplementary authorization");
    assert_eq!(ro.diagnostics.len(), 1, "the reading from the car is kept with the order");
    assert_eq!(ro.diagnostics[0].codes.len(), 5);
    let pdf = std::fs::read(data.path().join("documents/Estimate-1001.pdf")).expect("Save PDF wrote the estimate");
    assert!(pdf.starts_with(b"%PDF-"));
    let receipt = std::fs::read(data.path().join("documents/Receipt-1001.pdf")).expect("the receipt was saved");
    assert!(receipt.starts_with(b"%PDF-"));
    let settings = store.settings().await.unwrap();
    assert_eq!(
        (settings.name.as_str(), settings.state.as_str(), settings.labor_rate.0),
        ("Dixon Auto Repair", "CA", 14_550)
    );
    if shop_cloud.is_some() {
        // Dana's answer from her phone is the order's authorization, with what she declined
        let accord = store.repair_order(1002).await.unwrap();
        assert_eq!(accord.status, dixon_shop::Status::Approved);
        assert_eq!(accord.authorizations.len(), 1);
        assert_eq!(accord.authorizations[0].method, dixon_shop::AuthorizationMethod::Online);
        assert_eq!(accord.authorizations[0].authorized_by, "Dana Whitfield");
        let declined: Vec<&str> = accord.lines.iter().filter(|l| l.declined).map(|l| l.description.as_str()).collect();
        assert_eq!(declined.len(), 1, "{declined:?}");
        assert_eq!(accord.totals.total, accord.authorizations[0].amount);
    }
}
