//! The digital vehicle inspection of a repair order: the shop's multi-point template
//! ([`template`]), each item green / yellow / red with a note and measurements (a reading past
//! its limit sets the colour when the technician gives none), and the repairs of the yellow and
//! red items put on the estimate in one step — each once.

pub mod scan;
pub mod template;

use std::collections::BTreeMap;

use dixon_clock::to_stored;
use dixon_shop::{LineKind, NewLine, RepairOrder, Store};
use serde::Serialize;
use sqlx::Row;

pub use template::Section;
use template::{ItemSpec, Measure, Repair};

/// Why an inspection could not be read or changed; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Repair order {0} does not exist. Check the number (`dixon ro list`).")]
    NoSuchOrder(i64),
    #[error("There is no inspection item '{0}'. `dixon inspect show RO` lists them (e.g. brakes.front, tires.tread).")]
    NoSuchItem(String),
    #[error("{item} takes no reading called '{measure}'; it takes: {takes}.")]
    NoSuchMeasure { item: String, measure: String, takes: String },
    #[error("'{0}' is not a status; use green, yellow or red.")]
    BadStatus(String),
    #[error("The template was not saved: {}", .0.join(" "))]
    BadTemplate(Vec<String>),
    #[error("A reading of {value} {unit} for {label} can't be right: readings are zero or more.")]
    BadReading { label: String, value: f64, unit: String },
    #[error(transparent)]
    Shop(#[from] dixon_shop::Error),
    #[error("The inspection could not be read or written ({0}). Try again; `dixon doctor` checks the database.")]
    Database(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        Error::Database(e.to_string())
    }
}

impl Error {
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NoSuchOrder(_) | Error::NoSuchItem(_) => "not_found",
            Error::Shop(e) => e.kind(),
            Error::Database(_) => "database",
            _ => "invalid",
        }
    }
}

/// One item as the screens show it: what it is, what was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Item {
    pub key: String,
    pub label: String,
    /// green, yellow, red; `None` until checked.
    pub status: Option<String>,
    pub note: String,
    pub measurements: BTreeMap<String, f64>,
    pub measures: Vec<Measure>,
    pub repair: Option<Repair>,
    /// Its repair is on the estimate already.
    pub on_estimate: bool,
}

impl Item {
    /// The readings in words: "Pad thickness 2 mm", "Left front 3 /32 in, right front 4 /32 in".
    pub fn reading(&self) -> Option<String> {
        let parts: Vec<String> = self
            .measures
            .iter()
            .filter_map(|m| self.measurements.get(&m.key).map(|v| format!("{} {v} {}", m.label, m.unit)))
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SectionView {
    pub name: String,
    pub items: Vec<Item>,
}

/// A repair order's inspection.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Inspection {
    pub repair_order: i64,
    pub sections: Vec<SectionView>,
    pub red: u32,
    pub yellow: u32,
    pub green: u32,
    pub unchecked: u32,
}

/// The inspections of one store.
#[derive(Clone)]
pub struct Inspections {
    store: Store,
}

impl Inspections {
    pub fn new(store: Store) -> Inspections {
        Inspections { store }
    }

    /// The template this counter inspects with: the shop's own, else the default multi-point.
    pub async fn template(&self) -> Result<Vec<Section>, Error> {
        let own: Option<String> = sqlx::query_scalar("SELECT template FROM inspection_template WHERE id = 1")
            .fetch_optional(self.store.pool())
            .await?;
        Ok(own.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_else(template::multi_point))
    }

    /// Makes `sections` the shop's template, once it passes [`template::check`]. Items already
    /// inspected keep what was found; an item the template no longer has is no longer shown.
    pub async fn set_template(&self, sections: &[Section]) -> Result<Vec<Section>, Error> {
        template::check(sections).map_err(Error::BadTemplate)?;
        sqlx::query(
            "INSERT INTO inspection_template (id, template, updated_at) VALUES (1, ?, ?)
             ON CONFLICT (id) DO UPDATE SET template = excluded.template, updated_at = excluded.updated_at",
        )
        .bind(serde_json::to_string(sections).unwrap_or_default())
        .bind(to_stored(chrono::Utc::now()))
        .execute(self.store.pool())
        .await?;
        self.template().await
    }

    /// Goes back to the default multi-point template.
    pub async fn reset_template(&self) -> Result<Vec<Section>, Error> {
        sqlx::query("DELETE FROM inspection_template").execute(self.store.pool()).await?;
        self.template().await
    }

    async fn order_id(&self, number: i64) -> Result<i64, Error> {
        sqlx::query_scalar("SELECT id FROM repair_orders WHERE number = ?")
            .bind(number)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(Error::NoSuchOrder(number))
    }

    /// The inspection of order `number`: every template item, with what was found so far.
    pub async fn show(&self, number: i64) -> Result<Inspection, Error> {
        let id = self.order_id(number).await?;
        let rows = sqlx::query(
            "SELECT item, status, note, measurements, estimate_line_id FROM inspection_items WHERE repair_order_id = ?",
        )
        .bind(id)
        .fetch_all(self.store.pool())
        .await?;
        let mut found: BTreeMap<String, (Option<String>, String, BTreeMap<String, f64>, bool)> = BTreeMap::new();
        for row in rows {
            let measurements: String = row.try_get("measurements")?;
            found.insert(
                row.try_get("item")?,
                (
                    row.try_get("status")?,
                    row.try_get("note")?,
                    serde_json::from_str(&measurements).unwrap_or_default(),
                    row.try_get::<Option<i64>, _>("estimate_line_id")?.is_some(),
                ),
            );
        }
        let mut inspection =
            Inspection { repair_order: number, sections: Vec::new(), red: 0, yellow: 0, green: 0, unchecked: 0 };
        for section in self.template().await? {
            let items = section
                .items
                .into_iter()
                .map(|spec| {
                    let (status, note, measurements, on_estimate) = found.remove(&spec.key).unwrap_or_default();
                    match status.as_deref() {
                        Some("red") => inspection.red += 1,
                        Some("yellow") => inspection.yellow += 1,
                        Some("green") => inspection.green += 1,
                        _ => inspection.unchecked += 1,
                    }
                    Item {
                        key: spec.key,
                        label: spec.label,
                        status,
                        note,
                        measurements,
                        measures: spec.measures,
                        repair: spec.repair,
                        on_estimate,
                    }
                })
                .collect();
            inspection.sections.push(SectionView { name: section.name, items });
        }
        Ok(inspection)
    }

    /// The newest reading from the car kept with order `number`, as an inspection finding
    /// (`None` when the car was not read).
    pub async fn computer_scan(&self, number: i64) -> Result<Option<scan::ScanFinding>, Error> {
        let order = self.store.repair_order(number).await?;
        let Some(newest) = order.diagnostics.first() else { return Ok(None) };
        let detail: Option<String> = sqlx::query_scalar("SELECT detail FROM diagnostic_snapshots WHERE id = ?")
            .bind(newest.id)
            .fetch_optional(self.store.pool())
            .await?;
        let detail = detail.and_then(|d| serde_json::from_str(&d).ok()).unwrap_or_default();
        Ok(Some(scan::finding(newest, &detail)))
    }

    /// Records what was found on `item`: a status (or, without one, what the readings say), a
    /// note, readings. What is not given stays as it was.
    pub async fn set(
        &self,
        number: i64,
        item: &str,
        status: Option<&str>,
        note: Option<&str>,
        readings: &BTreeMap<String, f64>,
    ) -> Result<Inspection, Error> {
        let id = self.order_id(number).await?;
        let spec = template::find(&self.template().await?, item).ok_or_else(|| Error::NoSuchItem(item.to_string()))?;
        check_readings(&spec, readings)?;
        let status = match status.map(|s| s.trim().to_ascii_lowercase()) {
            Some(s) if ["green", "yellow", "red"].contains(&s.as_str()) => Some(s),
            Some(s) => return Err(Error::BadStatus(s)),
            None => None,
        };
        let mut tx = self.store.pool().begin_with("BEGIN IMMEDIATE").await?;
        let before: Option<(Option<String>, String, String)> = sqlx::query_as(
            "SELECT status, note, measurements FROM inspection_items WHERE repair_order_id = ? AND item = ?",
        )
        .bind(id)
        .bind(item)
        .fetch_optional(&mut *tx)
        .await?;
        let (old_status, old_note, old_readings) = before.unwrap_or_default();
        let mut all: BTreeMap<String, f64> = serde_json::from_str(&old_readings).unwrap_or_default();
        all.extend(readings.iter().map(|(k, v)| (k.clone(), *v)));
        let as_json: serde_json::Map<String, serde_json::Value> =
            all.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(*v))).collect();
        let judged = template::judge(&spec, &as_json).map(str::to_string);
        let status = status.or(if readings.is_empty() { None } else { judged }).or(old_status);
        sqlx::query(
            "INSERT INTO inspection_items (repair_order_id, item, status, note, measurements, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (repair_order_id, item) DO UPDATE SET status = excluded.status, note = excluded.note,
                 measurements = excluded.measurements, updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(item)
        .bind(&status)
        .bind(note.map(str::trim).map(str::to_string).unwrap_or(old_note))
        .bind(serde_json::Value::Object(as_json).to_string())
        .bind(to_stored(chrono::Utc::now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.show(number).await
    }

    /// Puts the repairs of the yellow and red items on the estimate (labor at the shop's posted
    /// rate), each once; the order after, and how many lines were added.
    pub async fn recommend(&self, number: i64) -> Result<(RepairOrder, usize), Error> {
        let inspection = self.show(number).await?;
        let rate = self.store.settings().await?.labor_rate;
        let wanted: Vec<(String, Repair, String)> = inspection
            .sections
            .iter()
            .flat_map(|s| s.items.iter())
            .filter(|i| matches!(i.status.as_deref(), Some("red" | "yellow")) && !i.on_estimate)
            .filter_map(|i| i.repair.clone().map(|r| (i.key.clone(), r, i.status.clone().unwrap_or_default())))
            .collect();
        if wanted.is_empty() {
            return Ok((self.store.repair_order(number).await?, 0));
        }
        let before: Vec<i64> = self.store.repair_order(number).await?.lines.iter().map(|l| l.id).collect();
        let lines: Vec<NewLine> = wanted
            .iter()
            .map(|(_, repair, status)| {
                let urgency = if status == "red" { "needed now" } else { "soon" };
                NewLine::simple(
                    LineKind::Labor,
                    &format!("{} ({urgency}, from inspection)", repair.description),
                    repair.hours_milli,
                    rate,
                    false,
                )
            })
            .collect();
        let order = self.store.add_lines(number, &lines, None).await?;
        let added: Vec<i64> = order.lines.iter().map(|l| l.id).filter(|id| !before.contains(id)).collect();
        let id = self.order_id(number).await?;
        for ((item, _, _), line) in wanted.iter().zip(&added) {
            sqlx::query("UPDATE inspection_items SET estimate_line_id = ? WHERE repair_order_id = ? AND item = ?")
                .bind(line)
                .bind(id)
                .bind(item)
                .execute(self.store.pool())
                .await?;
        }
        Ok((order, added.len()))
    }
}

fn check_readings(spec: &ItemSpec, readings: &BTreeMap<String, f64>) -> Result<(), Error> {
    for (key, value) in readings {
        let Some(measure) = spec.measures.iter().find(|m| &m.key == key) else {
            let takes = spec.measures.iter().map(|m| format!("{} ({})", m.key, m.unit)).collect::<Vec<_>>();
            return Err(Error::NoSuchMeasure {
                item: spec.key.clone(),
                measure: key.clone(),
                takes: if takes.is_empty() { "none".into() } else { takes.join(", ") },
            });
        };
        if !value.is_finite() || *value < 0.0 {
            return Err(Error::BadReading { label: measure.label.clone(), value: *value, unit: measure.unit.clone() });
        }
    }
    Ok(())
}
