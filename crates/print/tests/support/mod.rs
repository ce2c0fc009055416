//! A realistic repair order, stored through the real store, for the PDF tests and the bench.

use dixon_shop::{
    AuthorizationMethod, Cents, ContactMethod, HazardousWasteFee, LineKind, NewAuthorization, NewCustomer, NewLine,
    NewRepairOrder, NewVehicle, PartCondition, PartDetails, Rate, RepairOrder, ShopSettings, ShopSuppliesRule, Store,
    SuppliesBasis,
};

pub const LOGO_PNG: &[u8] = include_bytes!("../../../../assets/icons/128x128.png");

pub fn shop() -> ShopSettings {
    ShopSettings {
        name: "Dixon Smart Repair".into(),
        address_line1: "1200 Mission Street".into(),
        city: "San Francisco".into(),
        state: "CA".into(),
        postal_code: "94103".into(),
        phone: "4155550199".into(),
        email: "counter@dixonsmartrepair.com".into(),
        logo_data_url: Some(dixon_shop::logo_data_url(LOGO_PNG.to_vec()).unwrap()),
        labor_rate: Cents(14_500),
        parts_tax_rate: Rate(86_250),
        shop_supplies: ShopSuppliesRule {
            rate: Rate(50_000),
            basis: SuppliesBasis::Labor,
            minimum: Cents(0),
            cap: Some(Cents(3_500)),
            taxable: false,
        },
        hazardous_waste: HazardousWasteFee { amount: Cents(395), taxable: true },
        state_registration_number: "ARD 00291834".into(),
        epa_id: "CAL000412345".into(),
        ..ShopSettings::default()
    }
}

/// The `i`-th line of a long estimate: labor, parts (some with cores), now and then a fee.
pub fn line(i: usize) -> NewLine {
    match i % 4 {
        0 => NewLine {
            technician: Some("Zoë Ångström".into()),
            ..NewLine::simple(LineKind::Labor, &format!("Diagnose and replace item {i}"), 1_300, Cents(14_500), false)
        },
        1 => NewLine {
            part: Some(PartDetails {
                part_number: Some(format!("BP-{i:04}")),
                brand: Some("Brembo".into()),
                supplier: Some("PartsTech · AutoZone #5254".into()),
                condition: PartCondition::New,
                core_charge: Cents(0),
            }),
            ..NewLine::simple(LineKind::Part, &format!("Front brake pads, ceramic, set {i}"), 1_000, Cents(6_999), true)
        },
        2 => NewLine {
            part: Some(PartDetails {
                part_number: Some(format!("ALT-{i:04}")),
                brand: Some("Bosch".into()),
                supplier: Some("Shop inventory".into()),
                condition: PartCondition::Rebuilt,
                core_charge: Cents(4_500),
            }),
            ..NewLine::simple(
                LineKind::Part,
                &format!(
                    "Alternator, remanufactured, 150 A, with a long description that wraps onto a second line {i}"
                ),
                1_000,
                Cents(21_950),
                true,
            )
        },
        _ => NewLine::simple(LineKind::Sublet, &format!("Wheel alignment (sublet) {i}"), 1_000, Cents(8_900), false),
    }
}

/// A stored order with `lines` lines, a discount and an authorization by phone.
pub async fn order(lines: usize) -> (tempfile::TempDir, RepairOrder, ShopSettings) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("dixon.sqlite3")).await.unwrap();
    let shop = store.save_settings(&shop()).await.unwrap();
    let form = NewRepairOrder {
        customer: NewCustomer {
            name: "José Núñez-Søren".into(),
            phone: "(555) 234-5678".into(),
            email: "jose@example.com".into(),
            preferred_contact: ContactMethod::Text,
            sms_consent: true,
        },
        vehicle: NewVehicle {
            vin: "1HGCM82633A004352".into(),
            year: Some(2003),
            make: "Honda".into(),
            model: "Accord".into(),
            plate: "7ABC123".into(),
            odometer: Some(184_213),
        },
        concern: "Grinding noise when braking; battery light flickers at idle.".into(),
    };
    let number = store.create_repair_order(&form).await.unwrap().number;
    let mut all: Vec<NewLine> = (0..lines).map(line).collect();
    all.push(NewLine::simple(LineKind::Discount, "Loyalty discount", 1_000, Cents(2_500), false));
    store.add_lines(number, &all, None).await.unwrap();
    let authorization = NewAuthorization {
        method: AuthorizationMethod::Phone,
        authorized_by: "José Núñez-Søren".into(),
        phone: "(555) 234-5678".into(),
        amount: None,
        note: String::new(),
    };
    let order = store.authorize(number, &authorization).await.unwrap();
    store.close().await;
    (dir, order, shop)
}
