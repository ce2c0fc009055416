//! A technician's multi-point inspection on a real store: readings set the colour, notes are
//! kept, the yellow and red repairs go onto the estimate once, and bad input is refused.

use std::collections::BTreeMap;

use dixon_inspection::{Error, Inspections};
use dixon_shop::{Cents, ContactMethod, NewCustomer, NewRepairOrder, NewVehicle, Store};

async fn shop() -> (tempfile::TempDir, Store, i64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("dixon.sqlite3")).await.unwrap();
    let mut settings = store.settings().await.unwrap();
    settings.labor_rate = Cents(14500);
    store.save_settings(&settings).await.unwrap();
    let order = NewRepairOrder {
        customer: NewCustomer {
            name: "Pat Lee".into(),
            phone: "(559) 234-5678".into(),
            preferred_contact: ContactMethod::Call,
            ..NewCustomer::default()
        },
        vehicle: NewVehicle { year: Some(2019), make: "Honda".into(), model: "Civic".into(), ..NewVehicle::default() },
        concern: "Brakes squeal".into(),
    };
    let number = store.create_repair_order(&order).await.unwrap().number;
    (dir, store, number)
}

fn readings(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[tokio::test]
async fn readings_colour_the_items_and_their_repairs_go_on_the_estimate_once() {
    let (_dir, store, number) = shop().await;
    let inspections = Inspections::new(store.clone());
    let blank = inspections.show(number).await.unwrap();
    assert_eq!((blank.red, blank.yellow, blank.green), (0, 0, 0));
    assert!(blank.unchecked >= 20);

    inspections
        .set(number, "brakes.front", None, Some("Pads down to the wear indicator"), &readings(&[("pads_mm", 2.5)]))
        .await
        .unwrap();
    inspections
        .set(number, "tires.tread", None, None, &readings(&[("lf", 6.0), ("rf", 6.0), ("lr", 4.0), ("rr", 5.0)]))
        .await
        .unwrap();
    inspections.set(number, "lights", Some("green"), None, &BTreeMap::new()).await.unwrap();
    // the technician overrides the readings' colour when they know better
    inspections
        .set(number, "battery", Some("yellow"), Some("Slow crank on a cold morning"), &readings(&[("cca_pct", 82.0)]))
        .await
        .unwrap();
    let shown = inspections.show(number).await.unwrap();
    assert_eq!((shown.red, shown.yellow, shown.green), (1, 2, 1));
    let front = shown.sections[0].items.iter().find(|i| i.key == "brakes.front").unwrap();
    assert_eq!((front.status.as_deref(), front.note.as_str()), (Some("red"), "Pads down to the wear indicator"));
    assert_eq!(front.measurements.get("pads_mm"), Some(&2.5));
    // a later reading on one wheel keeps the others
    let after = inspections.set(number, "tires.tread", None, None, &readings(&[("lr", 7.0)])).await.unwrap();
    let tires = after.sections[1].items.iter().find(|i| i.key == "tires.tread").unwrap();
    assert_eq!(tires.measurements.len(), 4);
    assert_eq!(tires.status.as_deref(), Some("green"), "new left rear tire: every wheel above 4/32 now");

    let (order, added) = inspections.recommend(number).await.unwrap();
    assert_eq!(added, 2, "front brakes and battery (the tires are green now)");
    let brakes = order.lines.iter().find(|l| l.description.starts_with("Replace front brake pads")).unwrap();
    assert!(brakes.description.contains("needed now"), "{}", brakes.description);
    assert_eq!((brakes.quantity_milli, brakes.unit_price), (1500, Cents(14500)), "1.5 h at the posted rate");
    let (again, more) = inspections.recommend(number).await.unwrap();
    assert_eq!((more, again.lines.len()), (0, 2), "each repair goes on once");
    assert!(inspections.show(number).await.unwrap().sections[0].items[0].on_estimate);
}

#[tokio::test]
async fn bad_input_is_refused_with_what_to_do() {
    let (_dir, store, number) = shop().await;
    let inspections = Inspections::new(store);
    let none = BTreeMap::new();
    let cases: [(Result<_, Error>, &str); 5] = [
        (
            inspections.set(number, "brakes.middle", Some("red"), None, &none).await,
            "no inspection item 'brakes.middle'",
        ),
        (inspections.set(number, "brakes.front", Some("purple"), None, &none).await, "use green, yellow or red"),
        (inspections.set(number, "brakes.front", None, None, &readings(&[("tread", 3.0)])).await, "pads_mm (mm)"),
        (inspections.set(number, "brakes.front", None, None, &readings(&[("pads_mm", -1.0)])).await, "can't be right"),
        (inspections.set(4242, "brakes.front", Some("red"), None, &none).await, "4242 does not exist"),
    ];
    for (result, says) in cases {
        let error = result.unwrap_err().to_string();
        assert!(error.contains(says), "{error}");
    }
    assert_eq!(
        inspections.show(number).await.unwrap().unchecked,
        inspections.show(number).await.unwrap().sections.iter().map(|s| s.items.len() as u32).sum::<u32>(),
        "nothing was written"
    );
}

#[tokio::test]
async fn the_shop_s_own_template_replaces_the_default_and_a_bad_one_changes_nothing() {
    let (_dir, store, number) = shop().await;
    let inspections = Inspections::new(store.clone());
    inspections.set(number, "brakes.front", None, None, &readings(&[("pads_mm", 2.0)])).await.unwrap();
    let mut template = inspections.template().await.unwrap();
    // a diesel shop: DEF level, with a repair, in its own section
    let extra: dixon_inspection::Section = serde_json::from_value(serde_json::json!({
        "name": "Diesel",
        "items": [{
            "key": "diesel.def", "label": "DEF level",
            "measures": [{ "key": "def_pct", "label": "DEF", "unit": "%", "yellow": 25.0, "red": 10.0 }],
            "repair": { "description": "Top up diesel exhaust fluid", "hours_milli": 200 }
        }]
    }))
    .unwrap();
    template.push(extra);
    inspections.set_template(&template).await.unwrap();
    let shown = inspections.set(number, "diesel.def", None, None, &readings(&[("def_pct", 8.0)])).await.unwrap();
    let def = shown.sections.iter().flat_map(|s| &s.items).find(|i| i.key == "diesel.def").unwrap();
    assert_eq!(def.status.as_deref(), Some("red"), "its limits colour it like the built-in ones");
    assert_eq!(shown.red, 2, "what was found before stays");
    let (order, added) = inspections.recommend(number).await.unwrap();
    assert_eq!(added, 2);
    assert!(order.lines.iter().any(|l| l.description.starts_with("Top up diesel exhaust fluid")));

    // a broken template: every problem named, the shop's template as it was
    let mut broken = template.clone();
    broken[0].items[0].measures[0].red = 9.0;
    broken[1].items[0].key = "Tires Tread".into();
    let error = inspections.set_template(&broken).await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("turns red before it turns yellow") && text.contains("lower-case letters"), "{text}");
    assert_eq!(error.kind(), "invalid");
    assert_eq!(inspections.template().await.unwrap(), template);

    inspections.reset_template().await.unwrap();
    let back = inspections.show(number).await.unwrap();
    assert!(back.sections.iter().all(|s| s.name != "Diesel"), "back to the multi-point inspection");
    assert!(matches!(
        inspections.set(number, "diesel.def", Some("red"), None, &BTreeMap::new()).await,
        Err(Error::NoSuchItem(_))
    ));
}
