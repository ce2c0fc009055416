//! The demo shop: a data folder of its own beside the shop's (`<data folder>-demo`), so a new
//! owner can try every screen before typing anything real. [`prepare`] makes the folder and
//! marks it with a `DEMO-SHOP.txt` that names the shop's folder (so the app can say "demo" on
//! every screen and go back); [`seed`] fills it once: the shop's profile, and repair orders in
//! every state — an estimate with parts, an approved job, one in progress with a reading from
//! the OBD simulator, an invoiced and a paid one — with vehicles decoded by the offline decoder.
//!
//! Kept apart by construction: its own database, documents, backups and keychain entries
//! ([`Home::keychain_service`] differs per folder), never enrolled with the Dixon cloud, and
//! seeding makes no network call. The shop's folder is never opened, only named.

use std::path::PathBuf;

use dixon_home::Home;
use dixon_shop::{
    AuthorizationMethod, Cents, ContactMethod, LineKind, NewAuthorization, NewCustomer, NewLine, NewRepairOrder,
    NewVehicle, PartDetails, Rate, Status,
};

use crate::Services;

/// The file that marks a data folder as the demo shop; it holds the shop's own folder.
pub const MARKER: &str = "DEMO-SHOP.txt";

/// Why the demo shop could not be made; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0} already holds a shop that is not the demo: the demo is never written over real data. Move that folder, then try the demo again.")]
    NotADemo(PathBuf),
    #[error(
        "The demo folder {path} could not be written ({detail}). Check the disk has space and the folder is writable."
    )]
    Folder { path: PathBuf, detail: String },
    #[error("The demo shop could not be filled: {0}")]
    Seed(String),
}

/// Whether `home` is a demo shop.
pub fn is_demo(home: &Home) -> bool {
    home.data_dir().join(MARKER).is_file()
}

/// The shop folder a demo belongs to (`None` for a folder that is not a demo).
pub fn shop_of(demo: &Home) -> Option<PathBuf> {
    let text = std::fs::read_to_string(demo.data_dir().join(MARKER)).ok()?;
    text.lines().find_map(|l| l.strip_prefix("shop: ")).map(PathBuf::from)
}

/// The demo's folder for the shop in `shop` (the demo itself when `shop` is one).
pub fn demo_folder(shop: &Home) -> PathBuf {
    if is_demo(shop) {
        return shop.data_dir().to_path_buf();
    }
    let mut name = shop.data_dir().file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "dixon".into());
    name.push("-demo");
    shop.data_dir().with_file_name(name)
}

/// Makes (or finds) the demo folder of the shop in `shop` and marks it. Refuses a folder that
/// already holds a database without the mark: that is somebody's data.
pub fn prepare(shop: &Home) -> Result<Home, Error> {
    let folder = demo_folder(shop);
    let demo =
        Home::resolve(Some(&folder)).map_err(|e| Error::Folder { path: folder.clone(), detail: e.to_string() })?;
    if is_demo(&demo) {
        return Ok(demo);
    }
    if demo.database_path().exists() {
        return Err(Error::NotADemo(folder));
    }
    let failed = |e: &dyn std::fmt::Display| Error::Folder { path: folder.clone(), detail: e.to_string() };
    demo.ensure().map_err(|e| failed(&e))?;
    let marker = format!(
        "This folder is the Dixon Counter demo shop: made-up customers and orders to try the app with.\n\
         Delete the folder to start the demo over; the shop's own data is not in it.\n\
         shop: {}\n",
        shop.data_dir().display()
    );
    std::fs::write(demo.data_dir().join(MARKER), marker).map_err(|e| failed(&e))?;
    Ok(demo)
}

/// What [`seed`] put in the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    /// The repair orders made, with their states.
    pub orders: Vec<(i64, Status)>,
}

/// Fills the demo shop opened in `services`, once: nothing is done when it has repair orders
/// already (a demo tried before keeps what the person did in it). Refuses a store that is not a
/// demo's.
pub async fn seed(services: &Services, home: &Home) -> Result<Option<Seeded>, Error> {
    if !is_demo(home) {
        return Err(Error::Seed(format!("{} is not the demo shop", home.data_dir().display())));
    }
    let store = &services.store;
    let fail = |e: &dyn std::fmt::Display| Error::Seed(e.to_string());
    if !store.list_repair_orders(&Default::default()).await.map_err(|e| fail(&e))?.is_empty() {
        return Ok(None);
    }
    let mut settings = store.settings().await.map_err(|e| fail(&e))?;
    settings.name = "Demo Auto Repair".into();
    settings.address_line1 = "1200 Fulton St".into();
    settings.city = "Fresno".into();
    settings.state = "CA".into();
    settings.postal_code = "93721".into();
    settings.phone = "+15595550100".into();
    settings.email = "service@demo-auto-repair.example".into();
    settings.labor_rate = Cents(14_500);
    settings.parts_tax_rate = Rate(79_750); // 7.975 %
    settings.labor_tax_rate = Rate::ZERO;
    store.save_settings(&settings).await.map_err(|e| fail(&e))?;

    let offline = dixon_vehicle::OfflineDecoder::open().ok();
    let year = dixon_clock::local_year(chrono::Utc::now());
    let vehicle = |vin: &str, fallback: (i32, &str, &str), odometer: i64| {
        let decoded = offline.as_ref().and_then(|d| d.decode(vin, year));
        NewVehicle {
            vin: vin.into(),
            year: decoded.as_ref().and_then(|v| v.model_year).or(Some(fallback.0)),
            make: decoded.as_ref().and_then(|v| v.make.clone()).unwrap_or_else(|| fallback.1.into()),
            model: decoded.as_ref().and_then(|v| v.model.clone()).unwrap_or_else(|| fallback.2.into()),
            plate: String::new(),
            odometer: Some(odometer),
        }
    };
    let customer = |name: &str, phone: &str| NewCustomer {
        name: name.into(),
        phone: phone.into(),
        email: String::new(),
        preferred_contact: ContactMethod::Text,
        sms_consent: true,
    };
    let labor = |what: &str, hours_milli: i64| NewLine {
        technician: Some("Alex (demo)".into()),
        ..NewLine::simple(LineKind::Labor, what, hours_milli, Cents(14_500), false)
    };
    let part = |what: &str, number: &str, quantity: i64, price: i64| NewLine {
        part: Some(PartDetails {
            part_number: Some(number.into()),
            brand: Some("Demo Parts Co.".into()),
            supplier: Some("Shop inventory".into()),
            ..PartDetails::default()
        }),
        ..NewLine::simple(LineKind::Part, what, quantity * 1_000, Cents(price), true)
    };
    let in_person = |name: &str| NewAuthorization {
        method: AuthorizationMethod::InPerson,
        authorized_by: name.into(),
        phone: String::new(),
        amount: None,
        note: "demo".into(),
    };

    // (customer, phone, vehicle, concern, lines, the state it ends in)
    let orders = [
        (
            "Pat Lee",
            "(559) 234-5678",
            vehicle("1FTMW1T88MFA00001", (2021, "Ford", "F-150"), 48_210),
            "Grinding noise when braking",
            vec![
                labor("Replace front pads and rotors", 1_500),
                part("Front brake pads, ceramic", "BP-1414", 1, 6_899),
                part("Front brake rotor", "RT-5522", 2, 8_450),
            ],
            Status::Estimate,
        ),
        (
            "Dana Whitfield",
            "(559) 555-0142",
            vehicle("1HGCM82633A004352", (2003, "Honda", "Accord"), 184_020),
            "Check engine light on",
            vec![labor("Diagnose check engine light", 1_000)],
            Status::Approved,
        ),
        (
            "Sam Ortiz",
            "(559) 555-0177",
            vehicle("1C6RR7LT2JS179571", (2018, "Ram", "1500"), 96_400),
            "Rough idle, check engine light flashing",
            vec![
                labor("Replace spark plugs and ignition coil, cylinder 3", 2_200),
                part("Spark plug, iridium", "SP-5019", 8, 1_299),
                part("Ignition coil", "IC-0332", 1, 7_495),
            ],
            Status::InProgress,
        ),
        (
            "Jordan Kim",
            "(559) 555-0110",
            vehicle("2HGFC2F59KH580123", (2019, "Honda", "Civic"), 61_880),
            "Oil change and tire rotation",
            vec![
                labor("Oil and filter change, rotate tires", 800),
                part("Full synthetic oil 0W-20, quart", "OIL-0W20", 5, 899),
                part("Oil filter", "OF-2276", 1, 1_099),
            ],
            Status::Invoiced,
        ),
        (
            "Chris Patel",
            "(559) 555-0163",
            vehicle("4T1BF1FK5FU123456", (2015, "Toyota", "Camry"), 132_500),
            "Battery dead in the mornings",
            vec![labor("Test charging system, replace battery", 500), part("Battery, group 24F", "BAT-24F", 1, 18_999)],
            Status::Paid,
        ),
    ];
    let mut made = Vec::new();
    for (name, phone, vehicle, concern, lines, end) in orders {
        let new = NewRepairOrder { customer: customer(name, phone), vehicle, concern: concern.into() };
        let number = store.create_repair_order(&new).await.map_err(|e| fail(&e))?.number;
        for line in &lines {
            store.add_line(number, line).await.map_err(|e| fail(&e))?;
        }
        let path: &[Status] = match end {
            Status::Estimate => &[],
            Status::Approved => &[Status::Approved],
            Status::InProgress => &[Status::Approved, Status::InProgress],
            _ => &[Status::Approved, Status::InProgress, Status::Completed, Status::Invoiced],
        };
        for step in path {
            if *step == Status::Approved {
                store.authorize(number, &in_person(name)).await.map_err(|e| fail(&e))?;
            }
            if store.repair_order(number).await.map_err(|e| fail(&e))?.status != *step {
                store.change_status(number, *step, Some("demo")).await.map_err(|e| fail(&e))?;
            }
        }
        if end == Status::InProgress {
            // a reading from the built-in simulator, kept with the order like a real one
            let reading = simulator_reading().await.map_err(|e| fail(&e))?;
            crate::diagnostics::keep(store, number, &reading).await.map_err(|e| fail(&e))?;
        }
        if end == Status::Paid {
            let total = store.repair_order(number).await.map_err(|e| fail(&e))?.totals.total;
            let tendered = Cents((total.0 + 99) / 100 * 100);
            services.payments.cash(number, total, tendered).await.map_err(|e| fail(&e))?;
        }
        made.push((number, store.repair_order(number).await.map_err(|e| fail(&e))?.status));
    }
    Ok(Some(Seeded { orders: made }))
}

/// A full scan of the simulator's "shop demo" car (codes, readiness, live data), at once.
async fn simulator_reading() -> Result<dixon_obd::Snapshot, dixon_obd::Error> {
    let address = dixon_obd::AdapterAddress::Simulator(dixon_obd::SimConfig::instant(dixon_obd::SimScenario::ShopDemo));
    let mut session = dixon_obd::Session::connect(address, |_| {}).await?;
    session.snapshot().await
}
