//! The messages' rows: written before anything is sent, moved forward through their delivery
//! states, each write going to the outbox in the same transaction (so every counter of the shop
//! sees the conversation). Also the recipient's consent, the templates and the settings.

use chrono::{DateTime, Utc};
use dixon_clock::to_stored as stored;
use dixon_shop::replica::{message_state_may_move, Kind};
use dixon_shop::{outbox, ContactMethod, Store};
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use crate::error::{Error, Result};
use crate::route::{Channel, Priority, Recipient};
use crate::template::Template;

/// A message as the screens and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Message {
    pub id: i64,
    pub uid: String,
    pub repair_order: Option<i64>,
    pub customer_name: Option<String>,
    /// "out" or "in".
    pub direction: String,
    pub channel: Channel,
    pub template: Option<String>,
    pub priority: Priority,
    /// Where it went, partly hidden: "•••0100", "p•••@example.com".
    pub to_hint: String,
    pub subject: Option<String>,
    pub body: String,
    pub segments: Option<u32>,
    /// scheduled, queued, sending, unknown, sent, delivered, undelivered, failed, not_sent, received.
    pub state: String,
    /// The state in words, with what to do when it went wrong.
    pub state_words: String,
    pub not_before: Option<DateTime<Utc>>,
    pub error_code: Option<String>,
    pub error: Option<String>,
    /// The first message of a fallback chain this one continues.
    pub fallback_of: Option<String>,
    /// Sent from this counter (else shown here, sent elsewhere).
    pub sent_here: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The parts of a row the pipeline needs (with the full address).
#[derive(Clone)]
pub(crate) struct MessageRow {
    pub uid: String,
    pub customer_id: Option<i64>,
    pub repair_order_id: Option<i64>,
    pub channel: Channel,
    pub template: Option<String>,
    pub priority: Priority,
    pub to_address: String,
    pub subject: Option<String>,
    pub body: String,
    pub attachment: Option<String>,
    pub state: String,
    pub provider_id: Option<String>,
    pub fallback_of: Option<String>,
    pub attempt_started_at: Option<DateTime<Utc>>,
}

/// A message about to be written.
pub(crate) struct NewMessage<'a> {
    pub customer_id: Option<i64>,
    pub repair_order_id: Option<i64>,
    pub direction: &'a str,
    pub channel: Channel,
    pub template: Option<&'a str>,
    pub priority: Priority,
    pub to_address: &'a str,
    pub subject: Option<&'a str>,
    pub body: &'a str,
    pub attachment: Option<&'a str>,
    pub state: &'a str,
    pub not_before: Option<DateTime<Utc>>,
    pub provider_id: Option<&'a str>,
    pub fallback_of: Option<&'a str>,
}

/// A change of a message's state (and what came with it).
#[derive(Default)]
pub(crate) struct Change<'a> {
    pub state: &'a str,
    pub provider_id: Option<&'a str>,
    pub error_code: Option<&'a str>,
    pub error: Option<&'a str>,
    pub attempt_started_at: Option<DateTime<Utc>>,
}

fn parse_time(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&Utc))
}

async fn begin(store: &Store) -> Result<Transaction<'static, Sqlite>> {
    Ok(store.pool().begin_with("BEGIN IMMEDIATE").await?)
}

/// Writes a new message (and its outbox entry) in one transaction; its id.
pub(crate) async fn insert(store: &Store, new: &NewMessage<'_>, uid: &str, now: DateTime<Utc>) -> Result<i64> {
    let at = stored(now);
    let segments = (new.channel == Channel::Sms).then(|| crate::segments::count(new.body).segments as i64);
    let mut tx = begin(store).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (uid, customer_id, repair_order_id, direction, channel, template, priority, to_address,
                               subject, body, attachment, segments, state, not_before, provider_id, fallback_of,
                               created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (uid) DO UPDATE SET uid = excluded.uid
         RETURNING id",
    )
    .bind(uid)
    .bind(new.customer_id)
    .bind(new.repair_order_id)
    .bind(new.direction)
    .bind(new.channel.as_str())
    .bind(new.template)
    .bind(new.priority.as_str())
    .bind(new.to_address)
    .bind(new.subject)
    .bind(new.body)
    .bind(new.attachment)
    .bind(segments)
    .bind(new.state)
    .bind(new.not_before.map(stored))
    .bind(new.provider_id)
    .bind(new.fallback_of)
    .bind(&at)
    .bind(&at)
    .fetch_one(&mut *tx)
    .await?;
    outbox::enqueue_row(&mut tx, Kind::Message, uid, None, &at).await?;
    tx.commit().await?;
    Ok(id)
}

/// Moves message `id` to `change.state` if that is forward from where it is; false when it was
/// not (a late report, or another step got there first).
pub(crate) async fn advance(store: &Store, id: i64, change: &Change<'_>, now: DateTime<Utc>) -> Result<bool> {
    let at = stored(now);
    let mut tx = begin(store).await?;
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT uid, state FROM messages WHERE id = ?").bind(id).fetch_optional(&mut *tx).await?;
    let Some((uid, from)) = row else { return Ok(false) };
    if !message_state_may_move(&from, change.state) {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE messages SET state = ?, provider_id = COALESCE(?, provider_id), error_code = COALESCE(?, error_code),
                             error = COALESCE(?, error), attempt_started_at = COALESCE(?, attempt_started_at), updated_at = ?
          WHERE id = ?",
    )
    .bind(change.state)
    .bind(change.provider_id)
    .bind(change.error_code)
    .bind(change.error)
    .bind(change.attempt_started_at.map(stored))
    .bind(&at)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let fields: &[&str] = &["state", "provider_id", "error_code", "error", "updated_at"];
    outbox::enqueue_row(&mut tx, Kind::Message, &uid, Some(fields), &at).await?;
    tx.commit().await?;
    Ok(true)
}

/// A scheduled message whose quiet hours are over goes to the queue.
pub(crate) async fn release_scheduled(store: &Store, now: DateTime<Utc>) -> Result<Vec<i64>> {
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM messages WHERE sent_here = 1 AND state = 'scheduled' AND not_before <= ? ORDER BY id",
    )
    .bind(stored(now))
    .fetch_all(store.pool())
    .await?;
    for id in &due {
        advance(store, *id, &Change { state: "queued", ..Change::default() }, now).await?;
    }
    Ok(due)
}

/// This counter's messages in `states`, oldest first.
pub(crate) async fn here_in(store: &Store, states: &[&str]) -> Result<Vec<i64>> {
    let list = states.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
    Ok(sqlx::query_scalar(&format!("SELECT id FROM messages WHERE sent_here = 1 AND state IN ({list}) ORDER BY id"))
        .fetch_all(store.pool())
        .await?)
}

pub(crate) async fn row(store: &Store, id: i64) -> Result<MessageRow> {
    let row = sqlx::query(
        "SELECT id, uid, customer_id, repair_order_id, channel, template, priority, to_address, subject, body,
                attachment, state, provider_id, fallback_of, attempt_started_at
           FROM messages WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or_else(|| Error::Invalid(format!("message {id} does not exist")))?;
    Ok(MessageRow {
        uid: row.try_get("uid")?,
        customer_id: row.try_get("customer_id")?,
        repair_order_id: row.try_get("repair_order_id")?,
        channel: Channel::parse(row.try_get::<String, _>("channel")?.as_str()).unwrap_or(Channel::InApp),
        template: row.try_get("template")?,
        priority: if row.try_get::<String, _>("priority")? == "high" { Priority::High } else { Priority::Normal },
        to_address: row.try_get("to_address")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        attachment: row.try_get("attachment")?,
        state: row.try_get("state")?,
        provider_id: row.try_get("provider_id")?,
        fallback_of: row.try_get("fallback_of")?,
        attempt_started_at: parse_time(row.try_get("attempt_started_at")?),
    })
}

/// The message a provider's id names.
pub(crate) async fn by_provider_id(store: &Store, channel: Channel, provider_id: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM messages WHERE channel = ? AND provider_id = ?")
        .bind(channel.as_str())
        .bind(provider_id)
        .fetch_optional(store.pool())
        .await?)
}

/// The provider ids of `channel` other messages than `id` already hold.
pub(crate) async fn known_provider_ids(store: &Store, channel: Channel, id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT provider_id FROM messages WHERE channel = ? AND provider_id IS NOT NULL AND id != ?
          ORDER BY id DESC LIMIT 500",
    )
    .bind(channel.as_str())
    .bind(id)
    .fetch_all(store.pool())
    .await?)
}

pub(crate) async fn by_uid(store: &Store, uid: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM messages WHERE uid = ?").bind(uid).fetch_optional(store.pool()).await?)
}

/// The channels a fallback chain has tried (its first message's uid).
pub(crate) async fn chain_channels(store: &Store, root: &str) -> Result<Vec<Channel>> {
    let names: Vec<String> = sqlx::query_scalar("SELECT channel FROM messages WHERE uid = ? OR fallback_of = ?")
        .bind(root)
        .bind(root)
        .fetch_all(store.pool())
        .await?;
    Ok(names.iter().filter_map(|n| Channel::parse(n)).collect())
}

const LIST: &str =
    "SELECT m.id, m.uid, r.number, c.name AS customer_name, m.direction, m.channel, m.template, m.priority,
                           m.to_address, m.subject, m.body, m.segments, m.state, m.not_before, m.error_code, m.error,
                           m.fallback_of, m.sent_here, m.created_at, m.updated_at
                      FROM messages m
                      LEFT JOIN repair_orders r ON r.id = m.repair_order_id
                      LEFT JOIN customers c ON c.id = m.customer_id";

/// Messages of order `number` (or all, newest last), at most `limit`.
pub(crate) async fn list(store: &Store, number: Option<i64>, limit: i64) -> Result<Vec<Message>> {
    let rows = match number {
        Some(number) => {
            sqlx::query(&format!("{LIST} WHERE r.number = ? ORDER BY m.created_at DESC, m.id DESC LIMIT ?"))
                .bind(number)
                .bind(limit)
                .fetch_all(store.pool())
                .await?
        }
        None => {
            sqlx::query(&format!("{LIST} ORDER BY m.created_at DESC, m.id DESC LIMIT ?"))
                .bind(limit)
                .fetch_all(store.pool())
                .await?
        }
    };
    let mut messages = rows.iter().map(message).collect::<Result<Vec<_>>>()?;
    messages.reverse();
    Ok(messages)
}

/// The newest replies from customers and notes for the shop (the owner's alerts), newest first.
pub(crate) async fn inbox(store: &Store, limit: i64) -> Result<Vec<Message>> {
    let rows = sqlx::query(&format!(
        "{LIST} WHERE m.direction = 'in' OR m.channel = 'in_app' ORDER BY m.created_at DESC, m.id DESC LIMIT ?"
    ))
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(message).collect()
}

pub(crate) async fn one(store: &Store, id: i64) -> Result<Message> {
    let row = sqlx::query(&format!("{LIST} WHERE m.id = ?")).bind(id).fetch_one(store.pool()).await?;
    message(&row)
}

fn message(row: &SqliteRow) -> Result<Message> {
    let channel = Channel::parse(row.try_get::<String, _>("channel")?.as_str()).unwrap_or(Channel::InApp);
    let state: String = row.try_get("state")?;
    let not_before = parse_time(row.try_get("not_before")?);
    let error: Option<String> = row.try_get("error")?;
    let to: String = row.try_get("to_address")?;
    Ok(Message {
        id: row.try_get("id")?,
        uid: row.try_get("uid")?,
        repair_order: row.try_get("number")?,
        customer_name: row.try_get("customer_name")?,
        direction: row.try_get("direction")?,
        state_words: crate::words::state(channel, &state, not_before, error.as_deref()),
        channel,
        template: row.try_get("template")?,
        priority: if row.try_get::<String, _>("priority")? == "high" { Priority::High } else { Priority::Normal },
        to_hint: hint(&to),
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        segments: row.try_get::<Option<i64>, _>("segments")?.map(|s| s as u32),
        state,
        not_before,
        error_code: row.try_get("error_code")?,
        error,
        fallback_of: row.try_get("fallback_of")?,
        sent_here: row.try_get("sent_here")?,
        created_at: parse_time(row.try_get("created_at")?).unwrap_or_default(),
        updated_at: parse_time(row.try_get("updated_at")?).unwrap_or_default(),
    })
}

/// An address with most of it hidden, for screens and logs alike.
pub fn hint(to: &str) -> String {
    if let Some((name, domain)) = to.split_once('@') {
        return format!("{}•••@{domain}", name.chars().next().unwrap_or('•'));
    }
    if to.starts_with("arn:") {
        return "the shop's app".into();
    }
    let digits: String = to.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 4 {
        format!("•••{}", &digits[digits.len() - 4..])
    } else {
        "•••".into()
    }
}

/// Who a repair order's customer is, as routing sees them.
pub(crate) struct OrderCustomer {
    pub customer_id: i64,
    pub repair_order_id: i64,
    pub recipient: Recipient,
}

pub(crate) async fn order_customer(store: &Store, number: i64) -> Result<OrderCustomer> {
    let row = sqlx::query(
        "SELECT r.id AS ro_id, c.id AS c_id, c.phone, c.email, c.push_endpoint, c.preferred_contact, c.sms_consent,
                c.sms_opted_out_at
           FROM repair_orders r JOIN customers c ON c.id = r.customer_id WHERE r.number = ?",
    )
    .bind(number)
    .fetch_optional(store.pool())
    .await?
    .ok_or(Error::NoSuchOrder(number))?;
    Ok(OrderCustomer {
        customer_id: row.try_get("c_id")?,
        repair_order_id: row.try_get("ro_id")?,
        recipient: recipient(&row)?,
    })
}

pub(crate) async fn customer_recipient(store: &Store, customer_id: i64) -> Result<Recipient> {
    let row = sqlx::query(
        "SELECT phone, email, push_endpoint, preferred_contact, sms_consent, sms_opted_out_at FROM customers WHERE id = ?",
    )
    .bind(customer_id)
    .fetch_one(store.pool())
    .await?;
    recipient(&row)
}

fn recipient(row: &SqliteRow) -> Result<Recipient> {
    Ok(Recipient {
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        push_endpoint: row.try_get("push_endpoint")?,
        preferred: ContactMethod::parse(&row.try_get::<String, _>("preferred_contact")?).unwrap_or_default(),
        sms_consent: row.try_get("sms_consent")?,
        opted_out_at: row.try_get("sms_opted_out_at")?,
    })
}

/// Sets (or, with `None`, clears) the opt-out of every customer with this phone number, and
/// shares it with the shop's other counters. The customers changed.
pub(crate) async fn set_opted_out(
    store: &Store,
    phone: &str,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut tx = begin(store).await?;
    let uids: Vec<String> =
        sqlx::query_scalar("SELECT uid FROM customers WHERE phone = ?").bind(phone).fetch_all(&mut *tx).await?;
    let when = stored(now);
    for uid in &uids {
        sqlx::query("UPDATE customers SET sms_opted_out_at = ?, updated_at = ? WHERE uid = ?")
            .bind(at.map(stored))
            .bind(&when)
            .bind(uid)
            .execute(&mut *tx)
            .await?;
        outbox::enqueue_row(&mut tx, Kind::Customer, uid, Some(&["sms_opted_out_at", "updated_at"]), &when).await?;
    }
    tx.commit().await?;
    Ok(uids.len())
}

/// Records the customer's consent to texts, with how it was given.
pub(crate) async fn record_consent(store: &Store, number: i64, how: &str, now: DateTime<Utc>) -> Result<()> {
    let mut tx = begin(store).await?;
    let uid: String = sqlx::query_scalar(
        "SELECT c.uid FROM repair_orders r JOIN customers c ON c.id = r.customer_id WHERE r.number = ?",
    )
    .bind(number)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NoSuchOrder(number))?;
    let at = stored(now);
    let changed = sqlx::query(
        "UPDATE customers SET sms_consent = 1, sms_consent_at = ?, sms_consent_how = ?, updated_at = ? WHERE uid = ? AND phone IS NOT NULL",
    )
    .bind(&at)
    .bind(how)
    .bind(&at)
    .bind(&uid)
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(Error::Invalid(
            "The customer has no phone number: add one before recording consent to texts.".into(),
        ));
    }
    outbox::enqueue_row(
        &mut tx,
        Kind::Customer,
        &uid,
        Some(&["sms_consent", "sms_consent_at", "sms_consent_how", "updated_at"]),
        &at,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Customers with this phone number, and the open repair order of the most recent one.
pub(crate) async fn who_texted(store: &Store, phone: &str) -> Result<(Option<i64>, Option<i64>)> {
    let row: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT c.id, (SELECT r.id FROM repair_orders r WHERE r.customer_id = c.id ORDER BY r.created_at DESC LIMIT 1)
           FROM customers c WHERE c.phone = ? ORDER BY c.updated_at DESC LIMIT 1",
    )
    .bind(phone)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map_or((None, None), |(c, r)| (Some(c), r)))
}

/// Every template: the shop's edits over the defaults.
pub(crate) async fn templates(store: &Store) -> Result<Vec<Template>> {
    let saved: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT key, name, subject, body FROM message_templates").fetch_all(store.pool()).await?;
    Ok(crate::template::defaults()
        .into_iter()
        .map(|d| match saved.iter().find(|(key, ..)| *key == d.key) {
            Some((key, name, subject, body)) => {
                Template { key: key.clone(), name: name.clone(), subject: subject.clone(), body: body.clone() }
            }
            None => d,
        })
        .collect())
}

pub(crate) async fn save_template(store: &Store, template: &Template, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO message_templates (key, name, subject, body, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET name = excluded.name, subject = excluded.subject, body = excluded.body,
                                         updated_at = excluded.updated_at",
    )
    .bind(&template.key)
    .bind(&template.name)
    .bind(&template.subject)
    .bind(&template.body)
    .bind(stored(now))
    .execute(store.pool())
    .await?;
    Ok(())
}

/// What the customer has paid on order `repair_order_id`, in cents.
pub(crate) async fn paid_cents(store: &Store, repair_order_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(SUM(amount - refunded), 0) FROM payments WHERE repair_order_id = ? AND status = 'succeeded'",
    )
    .bind(repair_order_id)
    .fetch_one(store.pool())
    .await?)
}
