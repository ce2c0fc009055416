//! The shop's records as the Dixon cloud and every counter share them, and the rules that merge
//! one counter's edit into them. Pure: no database, no network — the cloud applies these rules to
//! PostgreSQL, a counter to SQLite, and both get the same answer.
//!
//! A record is a kind, a uid and its fields (as JSON, with uids where the tables hold row ids).
//! The conflict rules, per kind:
//!
//! | kind | rule |
//! |---|---|
//! | customer, vehicle | field by field: the later edit of each field wins (hybrid logical clock) |
//! | repair order | fields as above; the number is set once (the cloud renumbers a clash); the status moves only along the lifecycle — a move no longer legal is refused with why |
//! | line | fields as above; a removed line stays removed (tombstone) |
//! | authorization, diagnostic, relayed event | append-only: written once, a second copy changes nothing |
//! | payment | written by the counter that takes it; its status never leaves a final state and the refunded amount only grows |
//!
//! Exactly-once comes from the uid: every record is created once, whatever number of times its
//! edit arrives.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::repair_order::Status;

/// What kind of record an edit is about. The order is the order parents come before children
/// (a snapshot is sent in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Customer,
    Vehicle,
    RepairOrder,
    Line,
    Authorization,
    Payment,
    Diagnostic,
    /// A call an outside service made to the shop (a Stripe event, a Twilio text or delivery
    /// report, a SendGrid event), received and checked by the cloud, handed to every counter.
    RelayEvent,
    /// A text, email, push or in-app note to or from a customer (or to the owner); its delivery
    /// state only moves forward.
    Message,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Customer,
        Kind::Vehicle,
        Kind::RepairOrder,
        Kind::Line,
        Kind::Authorization,
        Kind::Payment,
        Kind::Diagnostic,
        Kind::RelayEvent,
        Kind::Message,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Customer => "customer",
            Kind::Vehicle => "vehicle",
            Kind::RepairOrder => "repair_order",
            Kind::Line => "line",
            Kind::Authorization => "authorization",
            Kind::Payment => "payment",
            Kind::Diagnostic => "diagnostic",
            Kind::RelayEvent => "relay_event",
            Kind::Message => "message",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Parents come first in a snapshot: 0 for customers, up to 8.
    pub fn rank(self) -> i16 {
        self as i16
    }

    /// The fields that name another record, and the kind of that record.
    pub fn references(self) -> &'static [(&'static str, Kind)] {
        match self {
            Kind::Customer | Kind::RelayEvent => &[],
            Kind::Vehicle => &[("customer_uid", Kind::Customer)],
            Kind::RepairOrder => &[("customer_uid", Kind::Customer), ("vehicle_uid", Kind::Vehicle)],
            Kind::Line | Kind::Authorization | Kind::Payment | Kind::Diagnostic => {
                &[("repair_order_uid", Kind::RepairOrder)]
            }
            // both optional: an owner's alert has neither, a reply from an unknown number no order
            Kind::Message => &[("customer_uid", Kind::Customer), ("repair_order_uid", Kind::RepairOrder)],
        }
    }

    /// Fields set when the record is made and never changed after.
    fn fixed_fields(self) -> &'static [&'static str] {
        match self {
            Kind::RepairOrder => &["number", "status", "created_at"],
            Kind::Line | Kind::Payment => &["repair_order_uid", "created_at"],
            Kind::Message => &["direction", "channel", "to_address", "body", "created_at"],
            _ => &["created_at"],
        }
    }

    fn append_only(self) -> bool {
        matches!(self, Kind::Authorization | Kind::Diagnostic | Kind::RelayEvent)
    }
}

/// What a counter did to one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Create the record or change these fields.
    Put(Map<String, Value>),
    /// Move a repair order along its lifecycle.
    Status { from: Status, to: Status },
    /// Remove a line (it stays removed).
    Delete,
}

/// One edit: the unit the outbox holds and the cloud's feed carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub kind: Kind,
    pub uid: String,
    pub op: Op,
}

impl Edit {
    pub fn put(kind: Kind, uid: &str, fields: Map<String, Value>) -> Edit {
        Edit { kind, uid: uid.to_string(), op: Op::Put(fields) }
    }

    /// `"repair_order.put"`, `"repair_order.status"`, `"line.delete"`.
    pub fn topic(&self) -> String {
        let op = match self.op {
            Op::Put(_) => "put",
            Op::Status { .. } => "status",
            Op::Delete => "delete",
        };
        format!("{}.{op}", self.kind.as_str())
    }

    pub fn payload(&self) -> Value {
        match &self.op {
            Op::Put(fields) => serde_json::json!({ "fields": fields }),
            Op::Status { from, to } => serde_json::json!({ "from": from.as_str(), "to": to.as_str() }),
            Op::Delete => serde_json::json!({}),
        }
    }

    /// Reads an edit as it travels (topic, uid, payload); the error says what is wrong with it.
    pub fn from_wire(topic: &str, uid: &str, payload: &Value) -> Result<Edit, String> {
        let (kind, op) = topic.split_once('.').ok_or_else(|| format!("'{topic}' is not a change topic"))?;
        let kind = Kind::parse(kind)
            .ok_or_else(|| format!("records of kind '{kind}' are not known here: update this program"))?;
        let op = match op {
            "put" => match payload.get("fields") {
                Some(Value::Object(fields)) if !fields.is_empty() => Op::Put(fields.clone()),
                _ => return Err("the change has no fields".into()),
            },
            "status" if kind == Kind::RepairOrder => {
                let status = |name: &str| -> Result<Status, String> {
                    payload
                        .get(name)
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| format!("the status change has no valid '{name}'"))
                };
                Op::Status { from: status("from")?, to: status("to")? }
            }
            "delete" if kind == Kind::Line => Op::Delete,
            other => return Err(format!("'{other}' is not something a {} record can do", kind.as_str())),
        };
        if uid.is_empty() || uid.len() > 100 {
            return Err("the record's id is missing or too long".into());
        }
        Ok(Edit { kind, uid: uid.to_string(), op })
    }
}

/// A record as the cloud holds it: its fields, when each field was last set, and whether it
/// was removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub kind: Kind,
    pub uid: String,
    pub fields: Map<String, Value>,
    /// Field name → the hybrid-logical-clock stamp of the edit that set it.
    #[serde(default)]
    pub stamps: Map<String, Value>,
    #[serde(default)]
    pub deleted: bool,
}

impl Record {
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str)
    }

    pub fn integer(&self, field: &str) -> Option<i64> {
        self.fields.get(field).and_then(Value::as_i64)
    }

    /// The records this one names (its customer, its repair order…), which must exist first.
    pub fn parents(&self) -> Vec<(Kind, String)> {
        self.kind
            .references()
            .iter()
            .filter_map(|(field, kind)| self.text(field).map(|uid| (*kind, uid.to_string())))
            .collect()
    }

    fn status(&self) -> Option<Status> {
        self.text("status").and_then(|s| s.parse().ok())
    }
}

/// Compares two hybrid-logical-clock stamps `"<unix ms>.<counter>.<device>"`: by time, then
/// counter, then device (so two counters' edits of the same instant still have one order).
pub fn compare_stamps(a: &str, b: &str) -> Ordering {
    fn parts(stamp: &str) -> (i64, i64, &str) {
        let mut it = stamp.splitn(3, '.');
        let wall = it.next().and_then(|w| w.parse().ok()).unwrap_or(0);
        let counter = it.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        (wall, counter, it.next().unwrap_or(""))
    }
    parts(a).cmp(&parts(b))
}

/// Applies `edit`, stamped `stamp`, to the record as it stands (`None`: not made yet). The
/// answer is the record after, or why the edit can't be taken. Applying the same edit twice
/// gives the same record.
pub fn merge(current: Option<&Record>, edit: &Edit, stamp: &str) -> Result<Record, String> {
    match (&edit.op, current) {
        (Op::Put(fields), None) => {
            check_new(edit.kind, fields)?;
            let stamps = fields.keys().map(|k| (k.clone(), Value::from(stamp))).collect();
            Ok(Record { kind: edit.kind, uid: edit.uid.clone(), fields: fields.clone(), stamps, deleted: false })
        }
        (Op::Put(_), Some(record)) if edit.kind.append_only() || record.deleted => Ok(record.clone()),
        (Op::Put(fields), Some(record)) => {
            let mut after = record.clone();
            for (field, value) in fields {
                if edit.kind.fixed_fields().contains(&field.as_str()) && record.fields.contains_key(field) {
                    continue;
                }
                if edit.kind == Kind::Payment && !payment_field_may_change(record, field, value) {
                    continue;
                }
                if edit.kind == Kind::Message
                    && field == "state"
                    && !record
                        .text("state")
                        .is_none_or(|from| message_state_may_move(from, value.as_str().unwrap_or("")))
                {
                    continue;
                }
                let later = record
                    .stamps
                    .get(field)
                    .and_then(Value::as_str)
                    .is_none_or(|set| compare_stamps(stamp, set) == Ordering::Greater);
                if later {
                    after.fields.insert(field.clone(), value.clone());
                    after.stamps.insert(field.clone(), Value::from(stamp));
                }
            }
            Ok(after)
        }
        (Op::Status { .. }, None) | (Op::Delete, None) => {
            Err(format!("the {} it changes is not known", label(edit.kind)))
        }
        (Op::Status { to, .. }, Some(record)) => {
            let now = record.status().ok_or("the repair order has no status")?;
            if now == *to {
                return Ok(record.clone());
            }
            if !now.can_move_to(*to) {
                let number = record.integer("number").map(|n| format!(" {n}")).unwrap_or_default();
                let words = |s: Status| s.as_str().replace('_', " ");
                return Err(format!(
                    "repair order{number} is {} (changed at another counter) and can't move to {} from there",
                    words(now),
                    words(*to)
                ));
            }
            let mut after = record.clone();
            after.fields.insert("status".into(), Value::from(to.as_str()));
            after.stamps.insert("status".into(), Value::from(stamp));
            Ok(after)
        }
        (Op::Delete, Some(record)) => {
            let mut after = record.clone();
            after.deleted = true;
            Ok(after)
        }
    }
}

/// What a new record must hold for every counter to be able to store it.
fn check_new(kind: Kind, fields: &Map<String, Value>) -> Result<(), String> {
    let required: &[&str] = match kind {
        Kind::Customer => &["name"],
        Kind::Vehicle => &["customer_uid"],
        Kind::RepairOrder => &["number", "customer_uid", "vehicle_uid", "status"],
        Kind::Line => &["repair_order_uid", "kind", "description", "quantity_milli", "unit_price_cents"],
        Kind::Authorization => &["repair_order_uid", "revision", "amount_cents"],
        Kind::Payment => &["repair_order_uid", "method", "amount", "status"],
        Kind::Diagnostic => &["repair_order_uid", "taken_at"],
        Kind::RelayEvent => &["provider", "event_key", "payload", "received_at"],
        Kind::Message => &["direction", "channel", "to_address", "body", "state"],
    };
    match required.iter().find(|f| fields.get(**f).is_none_or(Value::is_null)) {
        Some(missing) => Err(format!("a new {} needs its {missing}", label(kind))),
        None => Ok(()),
    }
}

/// A payment is only ever moved forward: out of a final state never, its refund never smaller.
fn payment_field_may_change(record: &Record, field: &str, value: &Value) -> bool {
    const FINAL: [&str; 3] = ["succeeded", "failed", "canceled"];
    match field {
        "status" => !record.text("status").is_some_and(|s| FINAL.contains(&s)),
        "refunded" => value.as_i64().unwrap_or(0) >= record.integer("refunded").unwrap_or(0),
        _ => true,
    }
}

/// Whether a message's delivery state may move from `from` to `to`: only forward (scheduled →
/// queued → sending/unknown → sent → delivered, undelivered, failed or not sent), so a late or
/// repeated delivery report never takes a message back. `sending` and `unknown` (an answer lost,
/// being looked up) may swap.
pub fn message_state_may_move(from: &str, to: &str) -> bool {
    fn rank(state: &str) -> Option<u8> {
        Some(match state {
            "scheduled" => 0,
            "queued" => 1,
            "sending" | "unknown" => 2,
            "sent" => 3,
            "delivered" | "undelivered" | "failed" | "not_sent" | "received" => 4,
            _ => return None,
        })
    }
    match (rank(from), rank(to)) {
        (Some(2), Some(2)) => from != to,
        (Some(from), Some(to)) => to > from,
        _ => false,
    }
}

fn label(kind: Kind) -> &'static str {
    match kind {
        Kind::RepairOrder => "repair order",
        other => other.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn order(status: &str) -> Record {
        let edit = Edit::put(
            Kind::RepairOrder,
            "ro",
            fields(json!({ "number": 1001, "customer_uid": "c", "vehicle_uid": "v", "status": status })),
        );
        merge(None, &edit, "100.0.a").unwrap()
    }

    #[test]
    fn the_later_edit_of_each_field_wins_whatever_order_they_arrive_in() {
        let made = merge(None, &Edit::put(Kind::Customer, "c", fields(json!({"name": "Pat", "phone": "+1"}))), "1.0.a")
            .unwrap();
        let phone = Edit::put(Kind::Customer, "c", fields(json!({"phone": "+2"})));
        let name = Edit::put(Kind::Customer, "c", fields(json!({"name": "Pat Lee"})));
        let a = merge(Some(&merge(Some(&made), &phone, "5.0.a").unwrap()), &name, "3.0.b").unwrap();
        let b = merge(Some(&merge(Some(&made), &name, "3.0.b").unwrap()), &phone, "5.0.a").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.text("phone"), Some("+2"));
        assert_eq!(a.text("name"), Some("Pat Lee"));
        // an older edit of a field arriving late changes nothing
        let stale = Edit::put(Kind::Customer, "c", fields(json!({"phone": "+0"})));
        assert_eq!(merge(Some(&a), &stale, "4.0.c").unwrap().text("phone"), Some("+2"));
    }

    #[test]
    fn a_status_move_no_longer_legal_is_refused_with_why() {
        let paid = order("paid");
        let cancel = Edit {
            kind: Kind::RepairOrder,
            uid: "ro".into(),
            op: Op::Status { from: Status::InProgress, to: Status::Canceled },
        };
        let reason = merge(Some(&paid), &cancel, "200.0.b").unwrap_err();
        assert!(reason.contains("repair order 1001 is paid"), "{reason}");
        // the same move twice: the second changes nothing
        let approve = Edit {
            kind: Kind::RepairOrder,
            uid: "ro".into(),
            op: Op::Status { from: Status::Estimate, to: Status::Approved },
        };
        let approved = merge(Some(&order("estimate")), &approve, "2.0.a").unwrap();
        assert_eq!(merge(Some(&approved), &approve, "2.0.a").unwrap(), approved);
    }

    #[test]
    fn the_number_and_status_are_not_changed_by_a_put() {
        let made = order("approved");
        let put =
            Edit::put(Kind::RepairOrder, "ro", fields(json!({"number": 7, "status": "closed", "concern": "noise"})));
        let after = merge(Some(&made), &put, "300.0.a").unwrap();
        assert_eq!(after.integer("number"), Some(1001));
        assert_eq!(after.text("status"), Some("approved"));
        assert_eq!(after.text("concern"), Some("noise"));
    }

    #[test]
    fn a_removed_line_stays_removed_and_appended_records_are_written_once() {
        let line = merge(
            None,
            &Edit::put(Kind::Line, "l", fields(json!({"repair_order_uid": "ro", "kind": "labor", "description": "Brakes", "quantity_milli": 1000, "unit_price_cents": 100}))),
            "1.0.a",
        )
        .unwrap();
        let removed = merge(Some(&line), &Edit { kind: Kind::Line, uid: "l".into(), op: Op::Delete }, "2.0.b").unwrap();
        let late = Edit::put(Kind::Line, "l", fields(json!({"description": "Brakes front"})));
        assert!(merge(Some(&removed), &late, "3.0.a").unwrap().deleted);
        let auth = Edit::put(
            Kind::Authorization,
            "x",
            fields(json!({"repair_order_uid": "ro", "revision": 1, "amount_cents": 5})),
        );
        let once = merge(None, &auth, "1.0.a").unwrap();
        let again = Edit::put(Kind::Authorization, "x", fields(json!({"amount_cents": 9})));
        assert_eq!(merge(Some(&once), &again, "9.0.a").unwrap(), once);
    }

    #[test]
    fn a_payment_never_leaves_a_final_state_nor_shrinks_its_refund() {
        let paid = merge(
            None,
            &Edit::put(Kind::Payment, "p", fields(json!({"repair_order_uid": "ro", "method": "card", "amount": 500, "status": "succeeded", "refunded": 200}))),
            "5.0.a",
        )
        .unwrap();
        let stale = Edit::put(Kind::Payment, "p", fields(json!({"status": "processing", "refunded": 0})));
        let after = merge(Some(&paid), &stale, "9.0.a").unwrap();
        assert_eq!(after.text("status"), Some("succeeded"));
        assert_eq!(after.integer("refunded"), Some(200));
    }

    #[test]
    fn bad_edits_say_what_is_wrong() {
        assert!(Edit::from_wire("boat.put", "x", &json!({"fields": {"a": 1}})).unwrap_err().contains("boat"));
        assert!(Edit::from_wire("customer.put", "x", &json!({})).unwrap_err().contains("no fields"));
        assert!(Edit::from_wire("customer.delete", "x", &json!({})).is_err());
        assert!(Edit::from_wire("repair_order.status", "x", &json!({"from": "paid", "to": "sideways"})).is_err());
        let new_order = Edit::put(Kind::RepairOrder, "r", fields(json!({"number": 1})));
        assert!(merge(None, &new_order, "1.0.a").unwrap_err().contains("customer_uid"));
        let round = Edit {
            kind: Kind::RepairOrder,
            uid: "r".into(),
            op: Op::Status { from: Status::Estimate, to: Status::Approved },
        };
        assert_eq!(Edit::from_wire(&round.topic(), "r", &round.payload()).unwrap(), round);
    }

    #[test]
    fn a_message_s_delivery_state_never_goes_back() {
        let new = fields(
            json!({"direction": "out", "channel": "sms", "to_address": "+15555550100", "body": "hi", "state": "sending"}),
        );
        let record = merge(None, &Edit::put(Kind::Message, "m", new), "1.0.a").unwrap();
        let delivered =
            merge(Some(&record), &Edit::put(Kind::Message, "m", fields(json!({"state": "delivered"}))), "3.0.a")
                .unwrap();
        // Twilio's "sent" report arrives after its "delivered" one (they race)
        let late =
            merge(Some(&delivered), &Edit::put(Kind::Message, "m", fields(json!({"state": "sent"}))), "4.0.b").unwrap();
        assert_eq!(late.text("state"), Some("delivered"));
        let failed =
            merge(Some(&delivered), &Edit::put(Kind::Message, "m", fields(json!({"state": "undelivered"}))), "5.0.b")
                .unwrap();
        assert_eq!(failed.text("state"), Some("delivered"), "a final state stays");
        let body =
            merge(Some(&record), &Edit::put(Kind::Message, "m", fields(json!({"body": "changed"}))), "6.0.b").unwrap();
        assert_eq!(body.text("body"), Some("hi"), "what was sent is never rewritten");
        assert!(message_state_may_move("unknown", "sending") && message_state_may_move("sending", "unknown"));
        assert!(!message_state_may_move("sent", "queued") && !message_state_may_move("bogus", "sent"));
    }
}
