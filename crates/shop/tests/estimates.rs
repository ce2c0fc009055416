//! Estimates as the counter uses them: money properties over random estimates, part details,
//! canned jobs, and the authorization rule against a real SQLite file.

use dixon_shop::{
    shop_fees, AuthorizationKind, AuthorizationMethod, Cents, ContactMethod, Error, HazardousWasteFee, LineItem,
    LineKind, NewAuthorization, NewCustomer, NewLine, NewRepairOrder, NewVehicle, OverageRule, PartCondition,
    PartDetails, Rate, ShopSettings, ShopSuppliesRule, Status, Store, SuppliesBasis, Totals,
};
use proptest::prelude::*;

const KINDS: [LineKind; 5] = [LineKind::Labor, LineKind::Part, LineKind::Fee, LineKind::Sublet, LineKind::Discount];

fn arb_line() -> impl Strategy<Value = LineItem> {
    (0..5usize, 1..50_000i64, 0..200_000i64, any::<bool>(), proptest::option::of(0..5_000i64)).prop_map(
        |(kind, qty, price, taxable, core)| {
            let kind = KINDS[kind];
            let part = (kind == LineKind::Part)
                .then(|| PartDetails { core_charge: Cents(core.unwrap_or(0)), ..PartDetails::default() });
            LineItem::new(0, kind, "line".into(), qty, Cents(price), taxable).with_part(part)
        },
    )
}

fn arb_settings() -> impl Strategy<Value = ShopSettings> {
    (
        0..150_000u32,
        0..150_000u32,
        0..200_000u32,
        0..3usize,
        0..2_000i64,
        proptest::option::of(0..10_000i64),
        0..1_000i64,
    )
        .prop_map(|(parts_tax, labor_tax, supplies, basis, minimum, cap, waste)| ShopSettings {
            parts_tax_rate: Rate(parts_tax),
            labor_tax_rate: Rate(labor_tax),
            shop_supplies: ShopSuppliesRule {
                rate: Rate(supplies),
                basis: [SuppliesBasis::Labor, SuppliesBasis::Parts, SuppliesBasis::PartsAndLabor][basis],
                minimum: Cents(minimum),
                cap: cap.map(|c| Cents(c.max(minimum))),
                taxable: supplies % 2 == 0,
            },
            hazardous_waste: HazardousWasteFee { amount: Cents(waste), taxable: waste % 2 == 1 },
            ..ShopSettings::default()
        })
}

/// Half-up rounding of `numerator / denominator`, written independently of the crate's.
fn reference_round(numerator: i128, denominator: i128) -> i64 {
    let sign = if numerator < 0 { -1 } else { 1 };
    let abs = numerator.abs();
    (sign * ((abs * 2 + denominator) / (denominator * 2))) as i64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn printed_lines_and_fees_always_add_up_to_the_totals(
        lines in proptest::collection::vec(arb_line(), 0..40),
        settings in arb_settings(),
    ) {
        let fees = shop_fees(&lines, &settings);
        let totals = Totals::of(&lines, &settings);
        let by_kind = |kind| lines.iter().filter(|l| l.kind == kind).map(|l| l.amount).sum::<Cents>();
        prop_assert_eq!(totals.labor, by_kind(LineKind::Labor));
        prop_assert_eq!(totals.parts, by_kind(LineKind::Part));
        prop_assert_eq!(totals.sublet, by_kind(LineKind::Sublet));
        prop_assert_eq!(totals.discounts, by_kind(LineKind::Discount));
        prop_assert!(totals.discounts <= Cents::ZERO);
        prop_assert_eq!(totals.fees, by_kind(LineKind::Fee) + fees.iter().map(|f| f.amount).sum::<Cents>());
        // tax: each taxable line and fee rounded on its own, then summed
        let line_tax = lines.iter().filter(|l| l.taxable).map(|l| {
            let rate = if l.kind == LineKind::Labor { settings.labor_tax_rate } else { settings.parts_tax_rate };
            reference_round(l.amount.0 as i128 * rate.0 as i128, 1_000_000)
        }).sum::<i64>();
        let fee_tax = fees.iter().filter(|f| f.taxable)
            .map(|f| reference_round(f.amount.0 as i128 * settings.parts_tax_rate.0 as i128, 1_000_000)).sum::<i64>();
        prop_assert_eq!(totals.tax, Cents(line_tax + fee_tax));
        prop_assert_eq!(
            totals.total,
            totals.labor + totals.parts + totals.fees + totals.sublet + totals.discounts + totals.tax
        );
    }

    #[test]
    fn every_line_is_rounded_half_up_once(qty in 1..1_000_000i64, price in 0..10_000_000i64, core in 0..100_000i64) {
        let line = LineItem::new(0, LineKind::Part, String::new(), qty, Cents(price), false)
            .with_part(Some(PartDetails { core_charge: Cents(core), ..PartDetails::default() }));
        let expected = reference_round(qty as i128 * price as i128, 1_000) + reference_round(qty as i128 * core as i128, 1_000);
        prop_assert_eq!(line.amount, Cents(expected));
        prop_assert_eq!(line.core_total(), Cents(reference_round(qty as i128 * core as i128, 1_000)));
    }

    #[test]
    fn shop_supplies_stay_within_minimum_and_cap(lines in proptest::collection::vec(arb_line(), 1..20), settings in arb_settings()) {
        for fee in shop_fees(&lines, &settings).iter().filter(|f| f.description.starts_with("Shop supplies")) {
            prop_assert!(fee.amount >= settings.shop_supplies.minimum.min(settings.shop_supplies.cap.unwrap_or(Cents(i64::MAX))));
            if let Some(cap) = settings.shop_supplies.cap {
                prop_assert!(fee.amount <= cap);
            }
        }
    }
}

#[test]
fn tax_cases_from_the_counter() {
    // A typical California ticket: labor untaxed, parts at 8.625 %, supplies untaxed, waste taxed.
    let settings = ShopSettings {
        parts_tax_rate: Rate(86_250),
        labor_tax_rate: Rate::ZERO,
        shop_supplies: ShopSuppliesRule {
            rate: Rate(50_000),
            basis: SuppliesBasis::Labor,
            minimum: Cents::ZERO,
            cap: Some(Cents(2_500)),
            taxable: false,
        },
        hazardous_waste: HazardousWasteFee { amount: Cents(300), taxable: true },
        ..ShopSettings::default()
    };
    let lines = [
        LineItem::new(1, LineKind::Labor, "Replace front pads and rotors".into(), 2_100, Cents(14_500), false),
        LineItem::new(2, LineKind::Part, "Brake pads".into(), 1_000, Cents(6_999), true),
        LineItem::new(3, LineKind::Part, "Rotor".into(), 2_000, Cents(8_450), true)
            .with_part(Some(PartDetails { core_charge: Cents(1_000), ..PartDetails::default() })),
        LineItem::new(4, LineKind::Discount, "Loyalty".into(), 1_000, Cents(2_000), false),
    ];
    let totals = Totals::of(&lines, &settings);
    assert_eq!(totals.labor, Cents(30_450)); // 2.1 h × $145
    assert_eq!(totals.parts, Cents(6_999 + 16_900 + 2_000));
    // supplies: 5 % of $304.50 = $15.225 → $15.23; waste $3.00
    assert_eq!(totals.fees, Cents(1_523 + 300));
    // tax: pads $6.04 (6.0366), rotors with cores $189.00 → $16.30 (16.30125), waste $0.26 (0.25875)
    assert_eq!(totals.tax, Cents(604 + 1_630 + 26));
    assert_eq!(totals.discounts, Cents(-2_000));
    assert_eq!(totals.total, Cents(30_450 + 25_899 + 1_823 - 2_000 + 2_260));
}

fn db(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("dixon.sqlite3")
}

async fn open_order(store: &Store) -> i64 {
    let form = NewRepairOrder {
        customer: NewCustomer {
            name: "José Núñez".into(),
            phone: "5552345678".into(),
            email: String::new(),
            preferred_contact: ContactMethod::Call,
            sms_consent: false,
        },
        vehicle: NewVehicle { vin: "1HGCM82633A004352".into(), year: Some(2003), ..NewVehicle::default() },
        concern: "Grinding when braking".into(),
    };
    store.create_repair_order(&form).await.unwrap().number
}

fn pads() -> NewLine {
    NewLine {
        part: Some(PartDetails {
            part_number: Some("D1234".into()),
            brand: Some("Wagner".into()),
            supplier: Some("Shop inventory".into()),
            condition: PartCondition::Aftermarket,
            core_charge: Cents::ZERO,
        }),
        ..NewLine::simple(LineKind::Part, "Front brake pads", 1_000, Cents(6_999), true)
    }
}

fn by_phone(amount: Option<Cents>) -> NewAuthorization {
    NewAuthorization {
        method: AuthorizationMethod::Phone,
        authorized_by: "José Núñez".into(),
        phone: "(555) 234-5678".into(),
        amount,
        note: String::new(),
    }
}

#[tokio::test]
async fn part_details_and_technicians_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let number = open_order(&store).await;
    let labor = NewLine {
        technician: Some("Sam".into()),
        ..NewLine::simple(LineKind::Labor, "Replace pads", 1_200, Cents(15_000), false)
    };
    let ro = store.add_lines(number, &[pads(), labor], None).await.unwrap();
    assert_eq!(ro.lines[0].part.as_ref().unwrap().condition, PartCondition::Aftermarket);
    assert_eq!(ro.lines[0].part.as_ref().unwrap().part_number.as_deref(), Some("D1234"));
    assert_eq!(ro.lines[1].technician.as_deref(), Some("Sam"));
    assert_eq!(ro.lines[1].amount, Cents(18_000));

    let bad = NewLine {
        part: Some(PartDetails::default()),
        ..NewLine::simple(LineKind::Labor, "Labor with a part number", 1_000, Cents(100), false)
    };
    let error = store.add_lines(number, &[pads(), bad], None).await.unwrap_err();
    assert_eq!(error.field_errors()[0].field, "line.part");
    assert_eq!(store.repair_order(number).await.unwrap().lines.len(), 2, "a refused batch adds nothing");

    let removed = store.remove_line(number, ro.lines[0].id).await.unwrap();
    assert_eq!(removed.lines.len(), 1);
    assert!(matches!(store.remove_line(number, 999_999).await, Err(Error::NotFound(_))));
}

#[tokio::test]
async fn work_past_the_authorized_amount_needs_a_supplementary_authorization() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    // Florida's rule: 10 % or $10, whichever is greater, at most $50.
    let florida = OverageRule { rate: Rate(100_000), flat: Cents(1_000), cap: Some(Cents(5_000)) };
    store.save_settings(&ShopSettings { overage: florida, ..ShopSettings::default() }).await.unwrap();
    let number = open_order(&store).await;

    let nothing = store.authorize(number, &by_phone(None)).await.unwrap_err();
    assert!(nothing.to_string().contains("no lines"), "{nothing}");

    store.add_line(number, &NewLine::simple(LineKind::Labor, "Brakes", 2_000, Cents(15_000), false)).await.unwrap();
    let too_little = store.authorize(number, &by_phone(Some(Cents(100)))).await.unwrap_err();
    assert!(too_little.to_string().contains("$300.00"), "{too_little}");

    let ro = store.authorize(number, &by_phone(None)).await.unwrap();
    assert_eq!(ro.status, Status::Approved, "authorizing an estimate approves it");
    assert_eq!(ro.authorizations.len(), 1);
    assert_eq!(ro.authorizations[0].kind, AuthorizationKind::Initial);
    assert_eq!(ro.authorizations[0].phone.as_deref(), Some("+15552345678"));
    assert_eq!(ro.authorized_limit, Some(Cents(33_000)), "$300 + 10 %");

    // $25 more stays within the allowance
    let small = NewLine::simple(LineKind::Part, "Brake fluid", 1_000, Cents(2_500), false);
    assert_eq!(store.add_line(number, &small).await.unwrap().totals.total, Cents(32_500));
    // $69.99 more does not: refused, nothing added
    let error = store.add_line(number, &pads()).await.unwrap_err();
    assert!(matches!(error, Error::AuthorizationRequired { new_total: Cents(39_499), limit: Cents(33_000), .. }));
    assert_eq!(error.kind(), "authorization_required");
    assert!(error.to_string().contains("supplementary authorization"), "{error}");
    assert_eq!(store.repair_order(number).await.unwrap().lines.len(), 2);

    // With the customer's OK the line goes in with a new revision
    let ro = store.add_lines(number, &[pads()], Some(&by_phone(None))).await.unwrap();
    assert_eq!(ro.lines.len(), 3);
    assert_eq!(ro.authorizations.len(), 2);
    assert_eq!(ro.authorizations[1].kind, AuthorizationKind::Supplementary);
    assert_eq!(ro.authorizations[1].revision, 2);
    assert_eq!(ro.authorizations[1].amount, Cents(39_499));
    assert_eq!(ro.authorizations[0].estimate_total, Cents(30_000), "revision 1 keeps what was approved then");
    assert_eq!(ro.history.last().unwrap().note.as_deref(), Some("authorized by phone by José Núñez"));
}

#[tokio::test]
async fn california_needs_consent_for_any_increase_and_invoiced_orders_are_final() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let number = open_order(&store).await;
    store.add_line(number, &pads()).await.unwrap();
    let in_person = NewAuthorization {
        method: AuthorizationMethod::InPerson,
        authorized_by: "José Núñez".into(),
        phone: String::new(),
        amount: None,
        note: "signed at the counter".into(),
    };
    store.authorize(number, &in_person).await.unwrap();
    let one_cent = NewLine::simple(LineKind::Fee, "Rounding", 1_000, Cents(1), false);
    assert!(matches!(store.add_line(number, &one_cent).await, Err(Error::AuthorizationRequired { .. })));
    // A discount lowers the total: no authorization needed
    let discount = NewLine::simple(LineKind::Discount, "Coupon", 1_000, Cents(500), false);
    store.add_line(number, &discount).await.unwrap();

    for to in [Status::InProgress, Status::Completed, Status::Invoiced] {
        store.change_status(number, to, None).await.unwrap();
    }
    let error = store.add_lines(number, &[pads()], Some(&in_person)).await.unwrap_err();
    assert!(error.to_string().contains("invoiced"), "{error}");
    let ro = store.repair_order(number).await.unwrap();
    assert!(matches!(store.remove_line(number, ro.lines[0].id).await, Err(Error::Invalid(_))));
}

#[tokio::test]
async fn canned_jobs_add_their_lines_in_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let number = open_order(&store).await;
    let lines = vec![pads(), NewLine::simple(LineKind::Labor, "Replace front pads", 1_000, Cents(14_500), false)];
    let job = store.save_canned_job("Front brakes", &lines).await.unwrap();
    assert_eq!(job.lines, lines);
    // same name (any case) replaces it
    let job = store.save_canned_job("front BRAKES", &lines[..1]).await.unwrap();
    assert_eq!(store.canned_jobs().await.unwrap().len(), 1);
    assert_eq!(job.lines.len(), 1);
    let ro = store.add_canned_job(number, job.id, None).await.unwrap();
    assert_eq!(ro.lines[0].description, "Front brake pads");
    assert!(matches!(store.add_canned_job(number, 4242, None).await, Err(Error::NotFound(_))));
    assert!(matches!(store.save_canned_job(" ", &lines).await, Err(Error::Invalid(_))));
    assert!(matches!(store.save_canned_job("Empty", &[]).await, Err(Error::Invalid(_))));
}

#[tokio::test]
async fn lines_added_with_the_customers_ok_approve_the_estimate_too() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let number = open_order(&store).await;
    let ro = store.add_lines(number, &[pads()], Some(&by_phone(None))).await.unwrap();
    assert_eq!(ro.status, Status::Approved);
    assert_eq!(ro.authorizations[0].kind, AuthorizationKind::Initial);
    assert_eq!(ro.authorized_limit, Some(Cents(6_999)));
}

#[tokio::test]
async fn a_scanned_vin_fills_the_orders_vehicle_after_its_check() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db(&dir)).await.unwrap();
    let number = open_order(&store).await;
    let ro = store.set_vehicle_vin(number, "I1FTMW1T88MFA00001").await.unwrap();
    assert_eq!(ro.vehicle.vin.as_deref(), Some("1FTMW1T88MFA00001"), "import marker dropped");
    let bad = store.set_vehicle_vin(number, "1FTMW1T88MFA00002").await.unwrap_err();
    assert_eq!(bad.field_errors()[0].field, "vehicle.vin");
    assert_eq!(store.repair_order(number).await.unwrap().vehicle.vin.as_deref(), Some("1FTMW1T88MFA00001"));
    store.change_status(number, Status::Canceled, None).await.unwrap();
    assert!(store.set_vehicle_vin(number, "1HGCM82633A004352").await.is_err(), "a canceled order is left alone");
}
