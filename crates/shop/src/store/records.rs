//! The local tables as shared records (see [`crate::replica`]): a row read out as a record's
//! fields (row ids turned into uids), and a record written back into its row. One table per kind,
//! described once below; the outbox and the sync worker both go through here.

use serde_json::{Map, Value};
use sqlx::{Row, Sqlite, Transaction};

use crate::error::Result;
use crate::replica::{Kind, Record};

/// A column of a synced table.
enum Column {
    /// Stored as is; `json` columns hold JSON text and travel as JSON.
    Plain { field: &'static str, json: bool },
    /// A row id of another table, travelling as that row's uid (`customer_id` ↔ `customer_uid`).
    Reference { column: &'static str, field: &'static str, table: &'static str },
}

use Column::{Plain, Reference};

const fn plain(field: &'static str) -> Column {
    Plain { field, json: false }
}

const fn json(field: &'static str) -> Column {
    Plain { field, json: true }
}

const ORDER: Column = Reference { column: "repair_order_id", field: "repair_order_uid", table: "repair_orders" };

struct Table {
    name: &'static str,
    columns: &'static [Column],
    /// Columns set only when a record from another counter is first stored here.
    on_arrival: &'static str,
}

fn table(kind: Kind) -> Table {
    match kind {
        Kind::Customer => Table {
            name: "customers",
            columns: const {
                &[
                    plain("name"),
                    plain("phone"),
                    plain("email"),
                    plain("preferred_contact"),
                    plain("sms_consent"),
                    plain("sms_consent_at"),
                    plain("sms_consent_how"),
                    plain("sms_opted_out_at"),
                    plain("push_endpoint"),
                    plain("notes"),
                    plain("created_at"),
                    plain("updated_at"),
                ]
            },
            on_arrival: "",
        },
        Kind::Vehicle => Table {
            name: "vehicles",
            columns: const {
                &[
                    Reference { column: "customer_id", field: "customer_uid", table: "customers" },
                    plain("vin"),
                    plain("year"),
                    plain("make"),
                    plain("model"),
                    plain("trim"),
                    plain("engine"),
                    plain("plate"),
                    plain("plate_state"),
                    plain("odometer"),
                    plain("created_at"),
                    plain("updated_at"),
                ]
            },
            on_arrival: "",
        },
        Kind::RepairOrder => Table {
            name: "repair_orders",
            columns: const {
                &[
                    plain("number"),
                    Reference { column: "customer_id", field: "customer_uid", table: "customers" },
                    Reference { column: "vehicle_id", field: "vehicle_uid", table: "vehicles" },
                    plain("status"),
                    plain("concern"),
                    plain("odometer_in"),
                    plain("odometer_out"),
                    plain("promised_at"),
                    plain("created_at"),
                    plain("updated_at"),
                ]
            },
            on_arrival: "",
        },
        Kind::Line => Table {
            name: "line_items",
            columns: const {
                &[
                    ORDER,
                    plain("position"),
                    plain("kind"),
                    plain("description"),
                    plain("quantity_milli"),
                    plain("unit_price_cents"),
                    plain("taxable"),
                    plain("part_number"),
                    plain("brand"),
                    plain("supplier"),
                    plain("part_condition"),
                    plain("core_charge_cents"),
                    plain("technician"),
                    plain("declined_at"),
                    plain("proposed_at"),
                    plain("created_at"),
                    plain("updated_at"),
                ]
            },
            on_arrival: "",
        },
        Kind::Authorization => Table {
            name: "authorizations",
            columns: const {
                &[
                    ORDER,
                    plain("revision"),
                    plain("kind"),
                    plain("method"),
                    plain("authorized_by"),
                    plain("phone"),
                    plain("amount_cents"),
                    plain("note"),
                    json("estimate"),
                    json("evidence"),
                    plain("authorized_at"),
                ]
            },
            on_arrival: "",
        },
        Kind::Payment => Table {
            name: "payments",
            columns: const {
                &[
                    ORDER,
                    plain("method"),
                    plain("amount"),
                    plain("status"),
                    plain("refunded"),
                    plain("tendered"),
                    plain("check_number"),
                    plain("hold"),
                    plain("provider_id"),
                    plain("card"),
                    plain("wallet"),
                    plain("failure"),
                    plain("created_at"),
                    plain("updated_at"),
                ]
            },
            // a payment taken at another counter is never resumed or refunded from this one
            on_arrival: "taken_here = 0",
        },
        Kind::Diagnostic => Table {
            name: "diagnostic_snapshots",
            columns: const {
                &[
                    ORDER,
                    plain("taken_at"),
                    plain("adapter"),
                    plain("protocol"),
                    plain("vin"),
                    plain("mil_on"),
                    plain("odometer_km"),
                    json("codes"),
                    json("detail"),
                ]
            },
            on_arrival: "",
        },
        Kind::RelayEvent => Table {
            name: "relayed_events",
            columns: const {
                &[plain("provider"), plain("event_key"), plain("payload"), plain("signature"), plain("received_at")]
            },
            on_arrival: "",
        },
        Kind::Message => Table {
            name: "messages",
            columns: const {
                &[
                    Reference { column: "customer_id", field: "customer_uid", table: "customers" },
                    ORDER,
                    plain("direction"),
                    plain("channel"),
                    plain("template"),
                    plain("priority"),
                    plain("to_address"),
                    plain("subject"),
                    plain("body"),
                    plain("attachment"),
                    plain("segments"),
                    plain("state"),
                    plain("not_before"),
                    plain("provider_id"),
                    plain("error_code"),
                    plain("error"),
                    plain("fallback_of"),
                    plain("created_at"),
                    plain("updated_at"),
                ]
            },
            // a message written at another counter is sent (and looked up) there, never here
            on_arrival: "sent_here = 0",
        },
    }
}

impl Column {
    fn field(&self) -> &'static str {
        match self {
            Plain { field, .. } | Reference { field, .. } => field,
        }
    }

    /// The SQL giving this column's value as the record holds it, for row `t`.
    fn select(&self) -> String {
        match self {
            Plain { field, json: false } => format!("t.{field}"),
            Plain { field, json: true } => format!("json(t.{field})"),
            Reference { column, table, .. } => format!("(SELECT uid FROM {table} WHERE id = t.{column})"),
        }
    }

    fn column(&self) -> &'static str {
        match self {
            Plain { field, .. } => field,
            Reference { column, .. } => column,
        }
    }
}

/// The fields of the row of `kind` with `uid`, or `None` when there is no such row. `only`
/// keeps just those fields (an edit of a few fields sends just those).
pub async fn read(
    tx: &mut Transaction<'static, Sqlite>,
    kind: Kind,
    uid: &str,
    only: Option<&[&str]>,
) -> Result<Option<Map<String, Value>>> {
    let table = table(kind);
    let pairs: Vec<String> = table
        .columns
        .iter()
        .filter(|c| only.is_none_or(|o| o.contains(&c.field())))
        .map(|c| format!("'{}', {}", c.field(), c.select()))
        .collect();
    let sql = format!("SELECT json_object({}) FROM {} t WHERE t.uid = ?", pairs.join(", "), table.name);
    let text: Option<String> = sqlx::query_scalar(&sql).bind(uid).fetch_optional(&mut **tx).await?;
    Ok(text.and_then(|t| serde_json::from_str::<Value>(&t).ok()).and_then(|v| match v {
        Value::Object(map) => Some(map),
        _ => None,
    }))
}

/// How storing a record went.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    Written,
    /// A record it names (its repair order, its customer) is not here yet.
    MissingParent(&'static str),
}

/// Makes the row of `record` hold its fields (inserted when new, removed when the record was
/// removed). Fields the record does not hold keep their local value.
pub async fn write(tx: &mut Transaction<'static, Sqlite>, record: &Record) -> Result<Stored> {
    let table = table(record.kind);
    if record.deleted {
        sqlx::query(&format!("DELETE FROM {} WHERE uid = ?", table.name)).bind(&record.uid).execute(&mut **tx).await?;
        return Ok(Stored::Written);
    }
    let mut columns = Vec::new();
    let mut values = Vec::new();
    let mut binds: Vec<Value> = Vec::new();
    for column in table.columns {
        let Some(value) = record.fields.get(column.field()) else { continue };
        match column {
            Reference { table: parent, .. } => {
                let id: Option<i64> = sqlx::query_scalar(&format!("SELECT id FROM {parent} WHERE uid = ?"))
                    .bind(value.as_str().unwrap_or_default())
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some(id) = id else { return Ok(Stored::MissingParent(parent)) };
                binds.push(Value::from(id));
            }
            Plain { json: true, .. } => binds.push(Value::from(value.to_string())),
            Plain { .. } => binds.push(value.clone()),
        }
        columns.push(column.column());
        values.push("?");
    }
    let updates: Vec<String> = columns.iter().map(|c| format!("{c} = excluded.{c}")).collect();
    let sql = format!(
        "INSERT INTO {name} (uid, {cols}) VALUES (?, {vals}) ON CONFLICT (uid) DO UPDATE SET {updates}",
        name = table.name,
        cols = columns.join(", "),
        vals = values.join(", "),
        updates = if updates.is_empty() { "uid = uid".into() } else { updates.join(", ") },
    );
    let mut query = sqlx::query(&sql).bind(&record.uid);
    for value in &binds {
        query = match value {
            Value::Null => query.bind(None::<String>),
            Value::Bool(b) => query.bind(*b),
            Value::Number(n) if n.is_i64() => query.bind(n.as_i64()),
            Value::Number(n) => query.bind(n.as_f64()),
            Value::String(s) => query.bind(s.clone()),
            other => query.bind(other.to_string()),
        };
    }
    // the status before, so a move made at another counter shows in the order's history too
    let before: Option<Option<String>> = match record.kind {
        Kind::RepairOrder => sqlx::query_scalar("SELECT status FROM repair_orders WHERE uid = ?")
            .bind(&record.uid)
            .fetch_optional(&mut **tx)
            .await?
            .map(Some),
        _ => sqlx::query_scalar::<_, i64>(&format!("SELECT id FROM {} WHERE uid = ?", table.name))
            .bind(&record.uid)
            .fetch_optional(&mut **tx)
            .await?
            .map(|_| None),
    };
    let inserted = before.is_none();
    query.execute(&mut **tx).await?;
    if let (Kind::RepairOrder, Some(to)) = (record.kind, record.text("status")) {
        let from = before.flatten();
        if from.as_deref() != Some(to) {
            sqlx::query(
                "INSERT INTO repair_order_status_history (repair_order_id, from_status, to_status, changed_at, note)
                 SELECT id, ?, ?, coalesce(?, updated_at), ? FROM repair_orders WHERE uid = ?",
            )
            .bind(&from)
            .bind(to)
            .bind(record.text("updated_at"))
            .bind(from.is_some().then_some("at another counter"))
            .bind(&record.uid)
            .execute(&mut **tx)
            .await?;
        }
    }
    if inserted && !table.on_arrival.is_empty() {
        sqlx::query(&format!("UPDATE {} SET {} WHERE uid = ?", table.name, table.on_arrival))
            .bind(&record.uid)
            .execute(&mut **tx)
            .await?;
    }
    Ok(Stored::Written)
}

/// Frees the number a confirmed record holds here: another repair order holding `number` (one
/// opened at this counter, not confirmed yet) moves to the next free number, and likewise another
/// authorization of the same order holding `revision`. The cloud renumbers that one's own edit
/// the same way when it arrives.
pub async fn free_number(tx: &mut Transaction<'static, Sqlite>, record: &Record) -> Result<()> {
    match record.kind {
        Kind::RepairOrder => {
            let Some(number) = record.integer("number") else { return Ok(()) };
            sqlx::query(
                "UPDATE repair_orders SET number = (SELECT MAX(number) + 1 FROM repair_orders)
                  WHERE number = ? AND uid <> ?",
            )
            .bind(number)
            .bind(&record.uid)
            .execute(&mut **tx)
            .await?;
        }
        Kind::Authorization => {
            let (Some(revision), Some(order)) = (record.integer("revision"), record.text("repair_order_uid")) else {
                return Ok(());
            };
            sqlx::query(
                "UPDATE authorizations SET revision = (SELECT MAX(revision) + 1 FROM authorizations a
                     WHERE a.repair_order_id = authorizations.repair_order_id)
                  WHERE revision = ? AND uid <> ? AND repair_order_id = (SELECT id FROM repair_orders WHERE uid = ?)",
            )
            .bind(revision)
            .bind(&record.uid)
            .bind(order)
            .execute(&mut **tx)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Every record of `kind` on this counter, as (uid, fields): what a counter joining a shop sends.
pub async fn all(tx: &mut Transaction<'static, Sqlite>, kind: Kind) -> Result<Vec<(String, Map<String, Value>)>> {
    let table = table(kind);
    let uids: Vec<String> = sqlx::query(&format!("SELECT uid FROM {} ORDER BY id", table.name))
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::with_capacity(uids.len());
    for uid in uids {
        if let Some(fields) = read(tx, kind, &uid, None).await? {
            out.push((uid, fields));
        }
    }
    Ok(out)
}
