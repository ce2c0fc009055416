//! Reads and writes of repair orders, their customers, vehicles, lines and status history.

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use super::outbox::{enqueue, enqueue_row};
use super::Store;
use crate::customer::{ContactMethod, Customer};
use crate::error::{Error, FieldError, Result};
use crate::estimate::{shop_fees, PartCondition, PartDetails};
use crate::repair_order::{
    LineItem, LineKind, NewLine, NewRepairOrder, RepairOrder, RepairOrderSummary, Status, StatusChange, Totals,
};
use crate::replica::{Edit, Kind, Op};
use crate::settings::ShopSettings;
use crate::validate;
use crate::vehicle::{vehicle_label, Vehicle};
use dixon_clock::{local_midnight, local_year, to_stored as stored};

/// Whether an order's number is provisional: this counter is in a shop and the cloud has not
/// confirmed the order yet (another counter may have taken the number while this one was offline).
const PROVISIONAL: &str = "(EXISTS (SELECT 1 FROM sync_state) AND NOT EXISTS
    (SELECT 1 FROM sync_records s WHERE s.kind = 'repair_order' AND s.uid = ro.uid)) AS provisional";

/// The first repair order number a new shop gets.
const FIRST_NUMBER: i64 = 1001;

/// Which repair orders the counter list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ListScope {
    /// Every order still on the shop's plate, plus any closed or canceled today.
    #[default]
    Today,
    All,
}

/// A search of the repair order list.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RepairOrderQuery {
    /// Matches the RO number, customer name, phone digits, VIN, plate, make or model.
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub scope: ListScope,
}

impl Store {
    /// Validates the form and stores the customer, the vehicle and the new order (status
    /// `estimate`) in one transaction: either all of it is saved or none of it.
    pub async fn create_repair_order(&self, new: &NewRepairOrder) -> Result<RepairOrder> {
        let now = self.now();
        let mut errors = Vec::new();
        let customer = new.customer.validate(&mut errors);
        let vehicle = new.vehicle.validate(local_year(now), &mut errors);
        let concern = validate::long_text("concern", "concern", &new.concern, 2000).map_err(|e| errors.push(e)).ok();
        let (Some(customer), Some(vehicle), Some(concern)) = (customer, vehicle, concern) else {
            return Err(Error::Invalid(errors));
        };

        let at = stored(now);
        let mut tx = self.write().await?;
        let customer_uid = uuid::Uuid::new_v4().to_string();
        let customer_id: i64 = sqlx::query_scalar(
            "INSERT INTO customers (uid, name, phone, email, preferred_contact, sms_consent, sms_consent_at, sms_consent_how,
                                    created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&customer_uid)
        .bind(&customer.name)
        .bind(&customer.phone)
        .bind(&customer.email)
        .bind(customer.preferred_contact.as_str())
        .bind(customer.sms_consent)
        .bind(customer.sms_consent.then(|| at.clone()))
        // the proof TCPA asks for: when, and how (ticked on the new-order form at the counter)
        .bind(customer.sms_consent.then_some("ticked at the counter when the repair order was opened"))
        .bind(&at)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;

        let vehicle_uid = uuid::Uuid::new_v4().to_string();
        let vehicle_id: i64 = sqlx::query_scalar(
            "INSERT INTO vehicles (uid, customer_id, vin, year, make, model, plate, odometer, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&vehicle_uid)
        .bind(customer_id)
        .bind(&vehicle.vin)
        .bind(vehicle.year)
        .bind(&vehicle.make)
        .bind(&vehicle.model)
        .bind(&vehicle.plate)
        .bind(vehicle.odometer)
        .bind(&at)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;

        let uid = uuid::Uuid::new_v4().to_string();
        let (id, number): (i64, i64) = sqlx::query_as(
            "INSERT INTO repair_orders (uid, number, customer_id, vehicle_id, status, concern, odometer_in, created_at, updated_at)
             VALUES (?, (SELECT COALESCE(MAX(number) + 1, ?) FROM repair_orders), ?, ?, 'estimate', ?, ?, ?, ?)
             RETURNING id, number",
        )
        .bind(&uid)
        .bind(FIRST_NUMBER)
        .bind(customer_id)
        .bind(vehicle_id)
        .bind(&concern)
        .bind(vehicle.odometer)
        .bind(&at)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        record_status_change(&mut tx, id, None, Status::Estimate, &at, None).await?;
        enqueue_row(&mut tx, Kind::Customer, &customer_uid, None, &at).await?;
        enqueue_row(&mut tx, Kind::Vehicle, &vehicle_uid, None, &at).await?;
        enqueue_row(&mut tx, Kind::RepairOrder, &uid, None, &at).await?;
        tx.commit().await?;
        tracing::info!(number, "repair order opened");
        self.repair_order(number).await
    }

    /// Moves a repair order to `to` if its lifecycle allows it, and records the move.
    pub async fn change_status(&self, number: i64, to: Status, note: Option<&str>) -> Result<RepairOrder> {
        let note = validate::long_text("note", "note", note.unwrap_or(""), 500).map_err(|e| Error::Invalid(vec![e]))?;
        let at = stored(self.now());
        let mut tx = self.write().await?;
        let row = sqlx::query("SELECT id, uid, status FROM repair_orders WHERE number = ?")
            .bind(number)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::RepairOrderNotFound(number))?;
        let (id, uid): (i64, String) = (row.try_get("id")?, row.try_get("uid")?);
        let from = parse_status(row.try_get("status")?)?;
        if !from.can_move_to(to) {
            return Err(Error::IllegalTransition { number, from, to, allowed: from.next().to_vec() });
        }
        sqlx::query("UPDATE repair_orders SET status = ?, version = version + 1, updated_at = ? WHERE id = ?")
            .bind(to.as_str())
            .bind(&at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        record_status_change(&mut tx, id, Some(from), to, &at, note.as_deref()).await?;
        enqueue(&mut tx, &Edit { kind: Kind::RepairOrder, uid, op: Op::Status { from, to } }, &at).await?;
        tx.commit().await?;
        tracing::info!(number, from = from.as_str(), to = to.as_str(), "repair order status changed");
        self.repair_order(number).await
    }

    /// Appends a line to a repair order that is still open for changes (see [`Store::add_lines`]).
    pub async fn add_line(&self, number: i64, line: &NewLine) -> Result<RepairOrder> {
        self.add_lines(number, std::slice::from_ref(line), None).await
    }

    /// Sets the VIN of a repair order's vehicle (scanned from the door jamb, or read from the
    /// car), checked first. Refused once the order is closed or canceled.
    pub async fn set_vehicle_vin(&self, number: i64, vin: &str) -> Result<RepairOrder> {
        let now = self.now();
        let vin = validate::vin("vehicle.vin", vin, local_year(now)).map_err(|e| Error::Invalid(vec![e]))?.ok_or_else(
            || Error::Invalid(vec![FieldError::new("vehicle.vin", "Scan or type the VIN (17 characters).")]),
        )?;
        let at = stored(now);
        let mut tx = self.write().await?;
        let order = active_order(&mut tx, number, "vehicle.vin", "its vehicle can't change any more").await?;
        let vehicle_id = order.vehicle_id;
        let uid: String = sqlx::query_scalar("UPDATE vehicles SET vin = ?, updated_at = ? WHERE id = ? RETURNING uid")
            .bind(&vin)
            .bind(&at)
            .bind(vehicle_id)
            .fetch_one(&mut *tx)
            .await?;
        enqueue_row(&mut tx, Kind::Vehicle, &uid, Some(&["vin", "updated_at"]), &at).await?;
        tx.commit().await?;
        self.repair_order(number).await
    }

    /// One repair order with its customer, vehicle, lines, totals and history.
    pub async fn repair_order(&self, number: i64) -> Result<RepairOrder> {
        let row = sqlx::query(&format!(
            "SELECT ro.id, ro.number, ro.status, ro.concern, ro.odometer_in, ro.created_at, ro.updated_at,
                    c.id AS c_id, c.name, c.phone, c.email, c.preferred_contact, c.sms_consent, c.sms_consent_at,
                    v.id AS v_id, v.vin, v.year, v.make, v.model, v.plate, v.odometer, {PROVISIONAL}
             FROM repair_orders ro
             JOIN customers c ON c.id = ro.customer_id
             JOIN vehicles v ON v.id = ro.vehicle_id
             WHERE ro.number = ?"
        ))
        .bind(number)
        .fetch_optional(self.pool())
        .await?
        .ok_or(Error::RepairOrderNotFound(number))?;
        let id: i64 = row.try_get("id")?;
        let status = parse_status(row.try_get("status")?)?;
        let lines = self.lines_of(&[id]).await?.into_iter().map(|(_, line)| line).collect::<Vec<_>>();
        let settings = self.settings().await?;
        let shop_fees = shop_fees(&lines, &settings);
        let totals = Totals::with_fees(&lines, &shop_fees, &settings);
        let authorizations = self.authorizations_of(id).await?;
        let authorized_limit = authorizations.last().map(|a| settings.overage.limit(a.amount));
        let history = sqlx::query(
            "SELECT from_status, to_status, changed_at, note FROM repair_order_status_history
             WHERE repair_order_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|h| {
            Ok(StatusChange {
                from: h.try_get::<Option<&str>, _>("from_status")?.map(parse_status).transpose()?,
                to: parse_status(h.try_get("to_status")?)?,
                at: h.try_get("changed_at")?,
                note: h.try_get("note")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(RepairOrder {
            number: row.try_get("number")?,
            provisional: row.try_get("provisional")?,
            status,
            next_statuses: status.next().to_vec(),
            customer: Customer {
                id: row.try_get("c_id")?,
                name: row.try_get("name")?,
                phone: row.try_get("phone")?,
                email: row.try_get("email")?,
                preferred_contact: ContactMethod::parse(row.try_get("preferred_contact")?).unwrap_or_default(),
                sms_consent: row.try_get("sms_consent")?,
                sms_consent_at: row.try_get("sms_consent_at")?,
            },
            vehicle: Vehicle {
                id: row.try_get("v_id")?,
                vin: row.try_get("vin")?,
                year: row.try_get("year")?,
                make: row.try_get("make")?,
                model: row.try_get("model")?,
                plate: row.try_get("plate")?,
                odometer: row.try_get("odometer")?,
            },
            concern: row.try_get("concern")?,
            odometer_in: row.try_get("odometer_in")?,
            totals,
            lines,
            shop_fees,
            authorizations,
            authorized_limit,
            history,
            diagnostics: self.diagnostics_of(id).await?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    /// The counter list: newest first, filtered by scope and search text.
    pub async fn list_repair_orders(&self, query: &RepairOrderQuery) -> Result<Vec<RepairOrderSummary>> {
        let search = query.search.trim();
        let like = format!("%{}%", escape_like(search));
        let digits: String = search.chars().filter(char::is_ascii_digit).collect();
        let number: Option<i64> = search.trim_start_matches('#').parse().ok();
        let today_start = stored(local_midnight(self.now()));
        let rows = sqlx::query(&format!(
            "SELECT ro.id, ro.number, ro.status, ro.created_at, ro.updated_at, c.name,
                    v.vin, v.year, v.make, v.model, v.plate, {PROVISIONAL}
             FROM repair_orders ro
             JOIN customers c ON c.id = ro.customer_id
             JOIN vehicles v ON v.id = ro.vehicle_id
             WHERE (?1 = 'all' OR ro.status NOT IN ('closed', 'canceled') OR ro.updated_at >= ?2)
               AND (?3 = '' OR ro.number = ?4
                    OR c.name LIKE ?5 ESCAPE '\\' OR v.vin LIKE ?5 ESCAPE '\\' OR v.plate LIKE ?5 ESCAPE '\\'
                    OR v.make LIKE ?5 ESCAPE '\\' OR v.model LIKE ?5 ESCAPE '\\'
                    OR (length(?6) >= 4 AND c.phone LIKE '%' || ?6 || '%'))
             ORDER BY ro.number DESC
             LIMIT 500"
        ))
        .bind(match query.scope {
            ListScope::Today => "today",
            ListScope::All => "all",
        })
        .bind(&today_start)
        .bind(search)
        .bind(number)
        .bind(&like)
        .bind(&digits)
        .fetch_all(self.pool())
        .await?;

        let ids: Vec<i64> = rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?;
        let mut lines_by_order = std::collections::HashMap::<i64, Vec<LineItem>>::new();
        for (order_id, line) in self.lines_of(&ids).await? {
            lines_by_order.entry(order_id).or_default().push(line);
        }
        let settings: ShopSettings = self.settings().await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                let lines = lines_by_order.remove(&id).unwrap_or_default();
                Ok(RepairOrderSummary {
                    number: r.try_get("number")?,
                    status: parse_status(r.try_get("status")?)?,
                    customer_name: r.try_get("name")?,
                    vehicle: vehicle_label(
                        r.try_get("year")?,
                        r.try_get::<Option<&str>, _>("make")?,
                        r.try_get::<Option<&str>, _>("model")?,
                        r.try_get::<Option<&str>, _>("vin")?,
                    ),
                    plate: r.try_get("plate")?,
                    provisional: r.try_get("provisional")?,
                    total: Totals::of(&lines, &settings).total,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// The lines of several orders in one query, in their order on the paperwork.
    pub(super) async fn lines_of(&self, order_ids: &[i64]) -> Result<Vec<(i64, LineItem)>> {
        if order_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(order_ids).expect("a list of integers serialises");
        sqlx::query(&format!(
            "SELECT repair_order_id, {LINE_COLUMNS} FROM line_items
             WHERE repair_order_id IN (SELECT value FROM json_each(?)) ORDER BY repair_order_id, position, created_at, uid"
        ))
        .bind(ids)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("repair_order_id")?, line_from_row(r)?)))
        .collect()
    }
}

/// The columns [`line_from_row`] reads.
pub(super) const LINE_COLUMNS: &str =
    "id, uid, declined_at, proposed_at, kind, description, quantity_milli, unit_price_cents, taxable, \
     part_number, brand, supplier, part_condition, core_charge_cents, technician";

pub(super) fn line_from_row(r: &SqliteRow) -> Result<LineItem> {
    let kind: &str = r.try_get("kind")?;
    let condition: Option<&str> = r.try_get("part_condition")?;
    let part = match condition {
        None => None,
        Some(text) => Some(PartDetails {
            part_number: r.try_get("part_number")?,
            brand: r.try_get("brand")?,
            supplier: r.try_get("supplier")?,
            condition: PartCondition::parse(text)
                .ok_or_else(|| unexpected(format!("unknown part condition '{text}'")))?,
            core_charge: crate::money::Cents(r.try_get("core_charge_cents")?),
        }),
    };
    Ok(LineItem::new(
        r.try_get("id")?,
        LineKind::parse(kind).ok_or_else(|| unexpected(format!("unknown line kind '{kind}'")))?,
        r.try_get("description")?,
        r.try_get("quantity_milli")?,
        crate::money::Cents(r.try_get("unit_price_cents")?),
        r.try_get("taxable")?,
    )
    .with_part(part)
    .with_technician(r.try_get("technician")?)
    .with_decision(
        r.try_get("uid")?,
        r.try_get::<Option<String>, _>("declined_at")?.is_some(),
        r.try_get::<Option<String>, _>("proposed_at")?.is_some(),
    ))
}

pub(super) async fn record_status_change(
    tx: &mut Transaction<'static, Sqlite>,
    order_id: i64,
    from: Option<Status>,
    to: Status,
    at: &str,
    note: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO repair_order_status_history (repair_order_id, from_status, to_status, changed_at, note) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(order_id)
    .bind(from.map(Status::as_str))
    .bind(to.as_str())
    .bind(at)
    .bind(note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The row ids of an order that may still change.
pub(super) struct ActiveOrder {
    pub id: i64,
    pub vehicle_id: i64,
}

/// Reads order `number` inside a write transaction, refusing it (as a problem with `field`) when
/// it is closed or canceled: "Repair order 1001 is Closed; {refusal}."
pub(super) async fn active_order(
    tx: &mut Transaction<'static, Sqlite>,
    number: i64,
    field: &str,
    refusal: &str,
) -> Result<ActiveOrder> {
    let row = sqlx::query("SELECT id, status, vehicle_id FROM repair_orders WHERE number = ?")
        .bind(number)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(Error::RepairOrderNotFound(number))?;
    let status = parse_status(row.try_get("status")?)?;
    if !status.is_active() {
        return Err(Error::Invalid(vec![FieldError::new(
            field,
            format!("Repair order {number} is {status}; {refusal}."),
        )]));
    }
    Ok(ActiveOrder { id: row.try_get("id")?, vehicle_id: row.try_get("vehicle_id")? })
}

pub(super) fn parse_status(text: &str) -> Result<Status> {
    text.parse().map_err(|_| unexpected(format!("unknown status '{text}' in the database")))
}

pub(super) fn unexpected(detail: String) -> Error {
    Error::Database(sqlx::Error::Protocol(detail))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
