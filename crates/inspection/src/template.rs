//! The multi-point inspection a shop starts with: every item a technician checks, the
//! measurements it takes (with the limits at which a reading turns yellow or red), and the
//! repair it recommends. Pure data and rules.

use serde::Serialize;

/// A reading taken on an item, and when it is worrying.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Measure {
    pub key: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    /// At or below this (or above, when `higher_is_worse`) the item is yellow…
    pub yellow: f64,
    /// …and red.
    pub red: f64,
    pub higher_is_worse: bool,
}

/// The repair an item recommends when it is yellow or red.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Repair {
    pub description: &'static str,
    /// Labor hours, in thousandths (1.5 h = 1500), at the shop's posted rate.
    pub hours_milli: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ItemSpec {
    /// `brakes.front`: stable, used by the CLI and photos.
    pub key: &'static str,
    pub label: &'static str,
    pub measures: Vec<Measure>,
    pub repair: Option<Repair>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Section {
    pub name: &'static str,
    pub items: Vec<ItemSpec>,
}

const fn mm_pad(key: &'static str, label: &'static str) -> Measure {
    // pads: 3 mm is the usual replace-now point, 5 mm "soon"
    Measure { key, label, unit: "mm", yellow: 5.0, red: 3.0, higher_is_worse: false }
}

const fn tread(key: &'static str, label: &'static str) -> Measure {
    // 2/32" is the legal minimum in most states; 4/32" loses grip in the wet
    Measure { key, label, unit: "/32 in", yellow: 4.0, red: 2.0, higher_is_worse: false }
}

fn item(
    key: &'static str,
    label: &'static str,
    measures: Vec<Measure>,
    repair: Option<(&'static str, i64)>,
) -> ItemSpec {
    ItemSpec {
        key,
        label,
        measures,
        repair: repair.map(|(description, hours_milli)| Repair { description, hours_milli }),
    }
}

/// The default multi-point inspection.
pub fn multi_point() -> Vec<Section> {
    vec![
        Section {
            name: "Brakes",
            items: vec![
                item(
                    "brakes.front",
                    "Front pads and rotors",
                    vec![mm_pad("pads_mm", "Pad thickness")],
                    Some(("Replace front brake pads and resurface rotors", 1500)),
                ),
                item(
                    "brakes.rear",
                    "Rear pads/shoes and rotors/drums",
                    vec![mm_pad("pads_mm", "Pad thickness")],
                    Some(("Replace rear brake pads", 1300)),
                ),
                item(
                    "brakes.fluid",
                    "Brake fluid",
                    vec![Measure {
                        key: "moisture_pct",
                        label: "Moisture",
                        unit: "%",
                        yellow: 2.0,
                        red: 3.0,
                        higher_is_worse: true,
                    }],
                    Some(("Brake fluid flush", 1000)),
                ),
            ],
        },
        Section {
            name: "Tires",
            items: vec![
                item(
                    "tires.tread",
                    "Tread depth",
                    vec![
                        tread("lf", "Left front"),
                        tread("rf", "Right front"),
                        tread("lr", "Left rear"),
                        tread("rr", "Right rear"),
                    ],
                    Some(("Replace tires (mount and balance)", 1000)),
                ),
                item("tires.pressure", "Pressure (set to door placard)", vec![], None),
            ],
        },
        Section {
            name: "Fluids",
            items: vec![
                item("fluids.oil", "Engine oil", vec![], Some(("Oil and filter change", 500))),
                item("fluids.coolant", "Coolant", vec![], Some(("Cooling system flush", 1000))),
                item("fluids.transmission", "Transmission fluid", vec![], Some(("Transmission fluid service", 1200))),
                item("fluids.power_steering", "Power steering fluid", vec![], None),
                item("fluids.washer", "Washer fluid", vec![], None),
            ],
        },
        Section {
            name: "Under the hood",
            items: vec![
                item(
                    "battery",
                    "Battery test",
                    vec![Measure {
                        key: "cca_pct",
                        label: "Cranking amps vs rated",
                        unit: "%",
                        yellow: 75.0,
                        red: 60.0,
                        higher_is_worse: false,
                    }],
                    Some(("Replace battery", 500)),
                ),
                item("belts", "Drive belts", vec![], Some(("Replace serpentine belt", 800))),
                item("hoses", "Hoses", vec![], None),
                item("air_filter", "Engine air filter", vec![], Some(("Replace engine air filter", 200))),
                item("cabin_filter", "Cabin air filter", vec![], Some(("Replace cabin air filter", 300))),
            ],
        },
        Section {
            name: "Visibility",
            items: vec![
                item("lights", "Lights", vec![], None),
                item("wipers", "Wiper blades", vec![], Some(("Replace wiper blades", 200))),
            ],
        },
        Section {
            name: "Chassis",
            items: vec![
                item("suspension", "Suspension and steering", vec![], None),
                item("leaks", "Leaks", vec![], None),
                item("exhaust", "Exhaust", vec![], None),
            ],
        },
    ]
}

/// The item called `key` in the template.
pub fn find(key: &str) -> Option<ItemSpec> {
    multi_point().into_iter().flat_map(|s| s.items).find(|i| i.key == key)
}

/// What the readings say: red if any reading is red, yellow if any is yellow, green when all
/// are fine; `None` without readings.
pub fn judge(spec: &ItemSpec, readings: &serde_json::Map<String, serde_json::Value>) -> Option<&'static str> {
    let mut worst: Option<&'static str> = None;
    for measure in &spec.measures {
        let Some(value) = readings.get(measure.key).and_then(serde_json::Value::as_f64) else { continue };
        let past = |limit: f64| if measure.higher_is_worse { value >= limit } else { value <= limit };
        let status = if past(measure.red) {
            "red"
        } else if past(measure.yellow) {
            "yellow"
        } else {
            "green"
        };
        worst = Some(match (worst, status) {
            (Some("red"), _) | (_, "red") => "red",
            (Some("yellow"), _) | (_, "yellow") => "yellow",
            _ => "green",
        });
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn readings(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn readings_turn_an_item_yellow_or_red() {
        let pads = find("brakes.front").unwrap();
        assert_eq!(judge(&pads, &readings(json!({"pads_mm": 8}))), Some("green"));
        assert_eq!(judge(&pads, &readings(json!({"pads_mm": 4.5}))), Some("yellow"));
        assert_eq!(judge(&pads, &readings(json!({"pads_mm": 2}))), Some("red"));
        let tires = find("tires.tread").unwrap();
        assert_eq!(
            judge(&tires, &readings(json!({"lf": 7, "rf": 7, "lr": 3, "rr": 6}))),
            Some("yellow"),
            "the worst wheel counts"
        );
        assert_eq!(judge(&tires, &readings(json!({}))), None);
        let fluid = find("brakes.fluid").unwrap();
        assert_eq!(judge(&fluid, &readings(json!({"moisture_pct": 3.5}))), Some("red"), "more moisture is worse");
    }

    #[test]
    fn every_item_key_is_unique() {
        let keys: Vec<&str> = multi_point().iter().flat_map(|s| s.items.iter().map(|i| i.key)).collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(keys.len(), unique.len());
        assert!(keys.len() >= 20, "a real multi-point inspection: {} items", keys.len());
    }
}
