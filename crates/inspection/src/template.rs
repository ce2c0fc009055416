//! The inspection template: every item a technician checks, the measurements it takes (with the
//! limits at which a reading turns yellow or red), and the repair it recommends. A shop starts
//! with [`multi_point`] and may replace it with its own ([`check`] says what is wrong with one).
//! Pure data and rules.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// A reading taken on an item, and when it is worrying.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Measure {
    pub key: String,
    pub label: String,
    pub unit: String,
    /// At or below this (or above, when `higher_is_worse`) the item is yellow…
    pub yellow: f64,
    /// …and red.
    pub red: f64,
    #[serde(default)]
    pub higher_is_worse: bool,
}

/// The repair an item recommends when it is yellow or red.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Repair {
    pub description: String,
    /// Labor hours, in thousandths (1.5 h = 1500), at the shop's posted rate.
    pub hours_milli: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ItemSpec {
    /// `brakes.front`: stable, used by the CLI and photos.
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub measures: Vec<Measure>,
    #[serde(default)]
    pub repair: Option<Repair>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Section {
    pub name: String,
    pub items: Vec<ItemSpec>,
}

fn measure(key: &str, label: &str, unit: &str, yellow: f64, red: f64, higher_is_worse: bool) -> Measure {
    Measure { key: key.into(), label: label.into(), unit: unit.into(), yellow, red, higher_is_worse }
}

fn mm_pad(key: &str, label: &str) -> Measure {
    // pads: 3 mm is the usual replace-now point, 5 mm "soon"
    measure(key, label, "mm", 5.0, 3.0, false)
}

fn tread(key: &str, label: &str) -> Measure {
    // 2/32" is the legal minimum in most states; 4/32" loses grip in the wet
    measure(key, label, "/32 in", 4.0, 2.0, false)
}

fn item(key: &str, label: &str, measures: Vec<Measure>, repair: Option<(&str, i64)>) -> ItemSpec {
    ItemSpec {
        key: key.into(),
        label: label.into(),
        measures,
        repair: repair.map(|(description, hours_milli)| Repair { description: description.into(), hours_milli }),
    }
}

fn section(name: &str, items: Vec<ItemSpec>) -> Section {
    Section { name: name.into(), items }
}

/// The default multi-point inspection.
pub fn multi_point() -> Vec<Section> {
    vec![
        section(
            "Brakes",
            vec![
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
                    vec![measure("moisture_pct", "Moisture", "%", 2.0, 3.0, true)],
                    Some(("Brake fluid flush", 1000)),
                ),
            ],
        ),
        section(
            "Tires",
            vec![
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
        ),
        section(
            "Fluids",
            vec![
                item("fluids.oil", "Engine oil", vec![], Some(("Oil and filter change", 500))),
                item("fluids.coolant", "Coolant", vec![], Some(("Cooling system flush", 1000))),
                item("fluids.transmission", "Transmission fluid", vec![], Some(("Transmission fluid service", 1200))),
                item("fluids.power_steering", "Power steering fluid", vec![], None),
                item("fluids.washer", "Washer fluid", vec![], None),
            ],
        ),
        section(
            "Under the hood",
            vec![
                item(
                    "battery",
                    "Battery test",
                    vec![measure("cca_pct", "Cranking amps vs rated", "%", 75.0, 60.0, false)],
                    Some(("Replace battery", 500)),
                ),
                item("belts", "Drive belts", vec![], Some(("Replace serpentine belt", 800))),
                item("hoses", "Hoses", vec![], None),
                item("air_filter", "Engine air filter", vec![], Some(("Replace engine air filter", 200))),
                item("cabin_filter", "Cabin air filter", vec![], Some(("Replace cabin air filter", 300))),
            ],
        ),
        section(
            "Visibility",
            vec![
                item("lights", "Lights", vec![], None),
                item("wipers", "Wiper blades", vec![], Some(("Replace wiper blades", 200))),
            ],
        ),
        section(
            "Chassis",
            vec![
                item("suspension", "Suspension and steering", vec![], None),
                item("leaks", "Leaks", vec![], None),
                item("exhaust", "Exhaust", vec![], None),
            ],
        ),
    ]
}

/// The item called `key` in `template`.
pub fn find(template: &[Section], key: &str) -> Option<ItemSpec> {
    template.iter().flat_map(|s| &s.items).find(|i| i.key == key).cloned()
}

/// What is wrong with a shop's own template, if anything: every problem, each saying where.
pub fn check(template: &[Section]) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    if template.is_empty() {
        problems.push("The template has no section; start from `dixon inspect template show --json`.".to_string());
    }
    let mut keys = BTreeSet::new();
    let good_key = |key: &str| {
        !key.is_empty()
            && key.len() <= 40
            && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_'))
    };
    for section in template {
        if section.name.trim().is_empty() {
            problems.push("A section has no name.".into());
        }
        if section.items.is_empty() {
            problems.push(format!("Section \"{}\" has no item.", section.name));
        }
        for item in &section.items {
            let at = format!("Item \"{}\"", item.key);
            if !good_key(&item.key) {
                problems.push(format!(
                    "{at}: a key is 1 to 40 lower-case letters, digits, dots or underscores (brakes.front)."
                ));
            }
            if !keys.insert(item.key.clone()) {
                problems.push(format!("{at} is in the template twice; keys must be unique."));
            }
            if item.label.trim().is_empty() || item.label.chars().count() > 80 {
                problems.push(format!("{at}: its label must have 1 to 80 characters."));
            }
            let mut measure_keys = BTreeSet::new();
            for m in &item.measures {
                if !good_key(&m.key) || !measure_keys.insert(m.key.clone()) {
                    problems.push(format!(
                        "{at}: reading \"{}\" needs a unique key of lower-case letters, digits, dots or underscores.",
                        m.key
                    ));
                }
                if m.label.trim().is_empty() {
                    problems.push(format!("{at}: reading \"{}\" has no label.", m.key));
                }
                let ordered = if m.higher_is_worse { m.red >= m.yellow } else { m.red <= m.yellow };
                if !m.yellow.is_finite() || !m.red.is_finite() || !ordered {
                    problems.push(format!(
                        "{at}: reading \"{}\" turns red before it turns yellow ({} then {}); {}.",
                        m.key,
                        m.yellow,
                        m.red,
                        if m.higher_is_worse {
                            "with higher_is_worse, red must be at or above yellow"
                        } else {
                            "lower is worse, so red must be at or below yellow"
                        }
                    ));
                }
            }
            if let Some(repair) = &item.repair {
                if repair.description.trim().is_empty() || !(1..=100_000).contains(&repair.hours_milli) {
                    problems.push(format!(
                        "{at}: its repair needs a description and 0.001 to 100 hours (hours_milli 1 to 100000)."
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// What the readings say: red if any reading is red, yellow if any is yellow, green when all
/// are fine; `None` without readings.
pub fn judge(spec: &ItemSpec, readings: &serde_json::Map<String, serde_json::Value>) -> Option<&'static str> {
    let mut worst: Option<&'static str> = None;
    for measure in &spec.measures {
        let Some(value) = readings.get(&measure.key).and_then(serde_json::Value::as_f64) else { continue };
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
        let template = multi_point();
        let pads = find(&template, "brakes.front").unwrap();
        assert_eq!(judge(&pads, &readings(json!({"pads_mm": 8}))), Some("green"));
        assert_eq!(judge(&pads, &readings(json!({"pads_mm": 4.5}))), Some("yellow"));
        assert_eq!(judge(&pads, &readings(json!({"pads_mm": 2}))), Some("red"));
        let tires = find(&template, "tires.tread").unwrap();
        assert_eq!(
            judge(&tires, &readings(json!({"lf": 7, "rf": 7, "lr": 3, "rr": 6}))),
            Some("yellow"),
            "the worst wheel counts"
        );
        assert_eq!(judge(&tires, &readings(json!({}))), None);
        let fluid = find(&template, "brakes.fluid").unwrap();
        assert_eq!(judge(&fluid, &readings(json!({"moisture_pct": 3.5}))), Some("red"), "more moisture is worse");
    }

    #[test]
    fn every_item_key_is_unique() {
        let template = multi_point();
        let keys: Vec<&str> = template.iter().flat_map(|s| s.items.iter().map(|i| i.key.as_str())).collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(keys.len(), unique.len());
        assert!(keys.len() >= 20, "a real multi-point inspection: {} items", keys.len());
        assert_eq!(check(&template), Ok(()), "the default passes its own check");
    }

    #[test]
    fn a_shop_template_is_checked_and_every_problem_named() {
        let mut template = multi_point();
        template[0].items[1].key = "brakes.front".into();
        template[0].items[0].measures[0].red = 6.0;
        template[1].items[0].label = String::new();
        template.push(section("Empty", vec![]));
        let problems = check(&template).unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems.iter().any(|p| p.contains("in the template twice")));
        assert!(problems.iter().any(|p| p.contains("turns red before it turns yellow (5 then 6)")));
        assert!(problems.iter().any(|p| p.contains("label must have")));
        assert!(problems.iter().any(|p| p.contains("Section \"Empty\" has no item")));
        assert!(check(&[]).is_err());
        let json = serde_json::to_string(&multi_point()).unwrap();
        let back: Vec<Section> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, multi_point(), "a template survives the round trip through JSON");
    }
}
