//! The payments table: what was taken against each invoice, written before any outside call and
//! moved through its states in `BEGIN IMMEDIATE` transactions, so two stations (or a crash half
//! way) can never take more than the balance or lose a step.

use chrono::{DateTime, Utc};
use dixon_clock::to_stored as stored;
use dixon_shop::{Cents, Status, Store};
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use crate::error::{Error, Result};

/// How the customer paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// A card (or a phone or watch) on the Stripe Terminal reader.
    Card,
    /// PayPal, approved on the customer's phone from a QR code.
    #[serde(rename = "paypal")]
    PayPal,
    Cash,
    Check,
}

/// Where a payment stands. Only `Succeeded` counts against the balance; a card payment is
/// `Succeeded` only once Stripe's PaymentIntent says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Written, nothing sent yet (or the PaymentIntent made, the reader not yet asked).
    Created,
    /// The reader shows the amount: waiting for the card.
    SentToReader,
    /// The card was presented; the bank is deciding.
    Processing,
    /// A hold on the card (manual capture): nothing is paid until it is captured.
    Authorized,
    Succeeded,
    /// Declined or interrupted; a card payment can be tried again on the same PaymentIntent.
    Failed,
    Canceled,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Created => "created",
            PaymentStatus::SentToReader => "sent_to_reader",
            PaymentStatus::Processing => "processing",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Canceled => "canceled",
        }
    }

    fn parse(text: &str) -> Option<PaymentStatus> {
        Some(match text {
            "created" => PaymentStatus::Created,
            "sent_to_reader" => PaymentStatus::SentToReader,
            "processing" => PaymentStatus::Processing,
            "authorized" => PaymentStatus::Authorized,
            "succeeded" => PaymentStatus::Succeeded,
            "failed" => PaymentStatus::Failed,
            "canceled" => PaymentStatus::Canceled,
            _ => return None,
        })
    }

    /// Still with the reader or Stripe: its outcome is not known yet.
    pub fn in_flight(self) -> bool {
        matches!(self, PaymentStatus::Created | PaymentStatus::SentToReader | PaymentStatus::Processing)
    }
}

/// A payment against a repair order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Payment {
    pub id: i64,
    pub repair_order: i64,
    pub method: Method,
    pub amount: Cents,
    pub status: PaymentStatus,
    pub refunded: Cents,
    /// Cash handed over, and the change due back.
    pub tendered: Option<Cents>,
    pub change: Option<Cents>,
    pub check_number: Option<String>,
    /// Stripe's PaymentIntent id, or PayPal's order id.
    pub provider_id: Option<String>,
    pub reader_id: Option<String>,
    /// "Visa •••• 4242".
    pub card: Option<String>,
    /// "apple_pay", "google_pay", … when a phone or watch paid.
    pub wallet: Option<String>,
    /// Why the last attempt did not go through, in words.
    pub failure: Option<String>,
    /// How it was paid, in words ([`Payment::describe`]), for screens and receipts.
    pub how: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Payment {
    /// How it was paid, in the words of the receipt: "Cash (handed over $120.00, change
    /// $20.00)", "Check #1047", "Visa •••• 4242 (Apple Pay)".
    pub fn describe(&self) -> String {
        match self.method {
            Method::Cash => match (self.tendered, self.change) {
                (Some(tendered), Some(change)) if change.0 > 0 => {
                    format!("Cash (handed over {tendered}, change {change})")
                }
                _ => "Cash".into(),
            },
            Method::Check => format!("Check #{}", self.check_number.as_deref().unwrap_or("?")),
            Method::PayPal => "PayPal".into(),
            Method::Card => {
                let card = self.card.clone().unwrap_or_else(|| "Card".into());
                match &self.wallet {
                    Some(wallet) => format!("{card} ({})", wallet_name(wallet)),
                    None => card,
                }
            }
        }
    }
}

/// "Apple Pay" for Stripe's "apple_pay".
fn wallet_name(wallet: &str) -> String {
    wallet
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What an invoice comes to and what is left to pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Balance {
    pub total: Cents,
    /// Succeeded payments, less what was refunded of them.
    pub paid: Cents,
    /// Card and PayPal payments whose outcome is not known yet, and card holds not yet captured.
    pub pending: Cents,
    /// What may still be taken: total − paid − pending.
    pub due: Cents,
}

/// A payment's row id and uid, for the steps that follow.
#[derive(Debug, Clone)]
pub(crate) struct Handle {
    pub id: i64,
    pub uid: String,
    pub create_key: Option<String>,
    /// A card hold (manual capture) rather than a charge.
    pub hold: bool,
}

/// The store's pool, and the clock for timestamps.
#[derive(Clone)]
pub struct Ledger {
    store: Store,
    clock: std::sync::Arc<dyn dixon_clock::Clock>,
}

const COLUMNS: &str = "p.id, ro.number, p.method, p.amount, p.status, p.refunded, p.tendered, p.check_number, \
     p.provider_id, p.reader_id, p.card, p.wallet, p.failure, p.created_at, p.updated_at";

impl Ledger {
    pub fn new(store: Store, clock: std::sync::Arc<dyn dixon_clock::Clock>) -> Ledger {
        Ledger { store, clock }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn now(&self) -> String {
        stored(self.clock.now())
    }

    async fn begin(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.store.pool().begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The invoice total (as the repair order computes it) and what has been paid against it.
    pub async fn balance(&self, number: i64) -> Result<Balance> {
        let total = self.total_of(number).await?;
        let mut tx = self.begin().await?;
        let (_, balance) = balance_in(&mut tx, number, total).await?;
        tx.commit().await?;
        Ok(balance)
    }

    async fn total_of(&self, number: i64) -> Result<Cents> {
        match self.store.repair_order(number).await {
            Ok(ro) => Ok(ro.totals.total),
            Err(dixon_shop::Error::RepairOrderNotFound(n)) => Err(Error::RepairOrderNotFound(n)),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes a new payment of `amount` against invoiced order `number`, refusing more than is
    /// due and a second card payment in flight. Cash and checks are final at once; a card
    /// payment starts as `created`, with the idempotency key of its PaymentIntent stored.
    pub(crate) async fn open(
        &self,
        number: i64,
        method: Method,
        amount: Cents,
        tendered: Option<Cents>,
        check_number: Option<&str>,
        hold: bool,
    ) -> Result<Handle> {
        let total = self.total_of(number).await?;
        let mut tx = self.begin().await?;
        let (order, balance) = balance_in(&mut tx, number, total).await?;
        if order.status != Status::Invoiced {
            return Err(Error::NotInvoiced { number, status: order.status });
        }
        if balance.due.0 <= 0 {
            return Err(if balance.pending.0 > 0 {
                Error::CardInProgress { number }
            } else {
                Error::NothingDue { number }
            });
        }
        if amount.0 <= 0 || amount > balance.due {
            let what = if method == Method::Cash { "The cash payment" } else { "The amount" };
            return Err(Error::Amount { what, due: balance.due });
        }
        if matches!(method, Method::Card | Method::PayPal) && balance.pending.0 > 0 {
            return Err(Error::CardInProgress { number });
        }
        let uid = uuid::Uuid::new_v4().to_string();
        let create_key = match method {
            Method::Card => Some(format!("dixon-pi-{uid}")),
            Method::PayPal => Some(format!("dixon-order-{uid}")),
            Method::Cash | Method::Check => None,
        };
        let status = if create_key.is_some() { PaymentStatus::Created } else { PaymentStatus::Succeeded };
        let at = self.now();
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO payments (uid, repair_order_id, method, amount, status, tendered, check_number, hold,
                                   create_key, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&uid)
        .bind(order.id)
        .bind(method_str(method))
        .bind(amount.0)
        .bind(status.as_str())
        .bind(tendered.map(|t| t.0))
        .bind(check_number)
        .bind(hold)
        .bind(&create_key)
        .bind(&at)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            // the partial unique index: another station started a card payment meanwhile
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(Error::CardInProgress { number }),
            Err(e) => return Err(e.into()),
        };
        step_in(&mut tx, id, "created", create_key.as_deref(), Some(&format!("{} {amount}", method_str(method))), &at)
            .await?;
        outbox(&mut tx, &uid, &at).await?;
        tx.commit().await?;
        Ok(Handle { id, uid, create_key, hold })
    }

    /// Stores the key of an outside step before the step is sent.
    pub(crate) async fn step(&self, id: i64, step: &str, key: Option<&str>, detail: Option<&str>) -> Result<()> {
        let mut tx = self.begin().await?;
        step_in(&mut tx, id, step, key, detail, &self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves payment `id` to `status`, with what Stripe said.
    pub(crate) async fn update(&self, id: i64, change: Change<'_>) -> Result<Payment> {
        let at = self.now();
        let mut tx = self.begin().await?;
        let current: String = sqlx::query_scalar("SELECT status FROM payments WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::PaymentNotFound(id))?;
        let current = PaymentStatus::parse(&current).ok_or_else(|| corrupt(format!("status '{current}'")))?;
        if current == PaymentStatus::Succeeded && change.status != Some(PaymentStatus::Succeeded) {
            // a late or replayed answer never takes back a payment Stripe confirmed
            tx.commit().await?;
            return self.payment(id).await;
        }
        sqlx::query(
            "UPDATE payments SET status = COALESCE(?, status), amount = COALESCE(?, amount),
                    provider_id = COALESCE(?, provider_id),
                    reader_id = COALESCE(?, reader_id), card = COALESCE(?, card), wallet = COALESCE(?, wallet),
                    capture_id = COALESCE(?, capture_id), failure = ?, updated_at = ?
             WHERE id = ?",
        )
        .bind(change.status.map(PaymentStatus::as_str))
        .bind(change.amount.map(|a| a.0))
        .bind(change.provider_id)
        .bind(change.reader_id)
        .bind(change.card)
        .bind(change.wallet)
        .bind(change.capture_id)
        .bind(change.failure)
        .bind(&at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(status) = change.status.filter(|s| *s != current) {
            step_in(&mut tx, id, "status", None, Some(&format!("{} → {}", current.as_str(), status.as_str())), &at)
                .await?;
            let uid: String =
                sqlx::query_scalar("SELECT uid FROM payments WHERE id = ?").bind(id).fetch_one(&mut *tx).await?;
            outbox(&mut tx, &uid, &at).await?;
        }
        tx.commit().await?;
        self.payment(id).await
    }

    /// Ends payment `id` as `status` (failed, canceled) with why, in words.
    pub(crate) async fn end(&self, id: i64, status: PaymentStatus, failure: &str) -> Result<Payment> {
        self.update(id, Change { status: Some(status), failure: Some(failure), ..Change::default() }).await
    }

    /// Adds `amount` to what was refunded of payment `id` (after Stripe or the drawer paid it back).
    pub(crate) async fn refunded(&self, id: i64, amount: Cents) -> Result<Payment> {
        let at = self.now();
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE payments SET refunded = refunded + ?, updated_at = ? WHERE id = ? AND refunded + ? <= amount",
        )
        .bind(amount.0)
        .bind(&at)
        .bind(id)
        .bind(amount.0)
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            return Err(Error::PaymentNotFound(id));
        }
        step_in(&mut tx, id, "refunded", None, Some(&amount.to_string()), &at).await?;
        let uid: String =
            sqlx::query_scalar("SELECT uid FROM payments WHERE id = ?").bind(id).fetch_one(&mut *tx).await?;
        outbox(&mut tx, &uid, &at).await?;
        tx.commit().await?;
        self.payment(id).await
    }

    pub async fn payment(&self, id: i64) -> Result<Payment> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM payments p JOIN repair_orders ro ON ro.id = p.repair_order_id WHERE p.id = ?"
        ))
        .bind(id)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or(Error::PaymentNotFound(id))?;
        payment_from(&row)
    }

    /// PayPal's capture of payment `id`, if it was captured.
    pub(crate) async fn capture_id(&self, id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT capture_id FROM payments WHERE id = ?")
            .bind(id)
            .fetch_one(self.store.pool())
            .await?)
    }

    pub(crate) async fn handle(&self, id: i64) -> Result<Handle> {
        let row = sqlx::query("SELECT uid, create_key, hold FROM payments WHERE id = ?")
            .bind(id)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(Error::PaymentNotFound(id))?;
        Ok(Handle { id, uid: row.try_get("uid")?, create_key: row.try_get("create_key")?, hold: row.try_get("hold")? })
    }

    /// The payment Stripe's PaymentIntent `provider_id` belongs to, if it was taken at this
    /// counter (one taken at another counter is that counter's to follow).
    pub(crate) async fn by_intent(&self, provider_id: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM payments WHERE provider_id = ? AND taken_here = 1")
            .bind(provider_id)
            .fetch_optional(self.store.pool())
            .await?)
    }

    /// Stripe events the Dixon cloud relayed that this counter has not acted on yet: (row id,
    /// payload, Stripe-Signature, unix time the cloud received it).
    pub(crate) async fn relayed_stripe_events(&self) -> Result<Vec<(i64, String, String, i64)>> {
        let rows: Vec<(i64, String, Option<String>, String)> = sqlx::query_as(
            "SELECT id, payload, signature, received_at FROM relayed_events
              WHERE provider = 'stripe' AND handled_at IS NULL ORDER BY id",
        )
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, payload, signature, at)| {
                let at = chrono::DateTime::parse_from_rfc3339(&at).map_or(0, |t| t.timestamp());
                (id, payload, signature.unwrap_or_default(), at)
            })
            .collect())
    }

    /// Marks a relayed event as acted on.
    pub(crate) async fn relayed_handled(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE relayed_events SET handled_at = ? WHERE id = ?")
            .bind(self.now())
            .bind(id)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    /// Every payment of order `number`, oldest first.
    pub async fn payments_of(&self, number: i64) -> Result<Vec<Payment>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM payments p JOIN repair_orders ro ON ro.id = p.repair_order_id
             WHERE ro.number = ? ORDER BY p.id"
        ))
        .bind(number)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(payment_from).collect()
    }

    /// Every payment created in `[from, to)`, oldest first.
    pub async fn payments_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Payment>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM payments p JOIN repair_orders ro ON ro.id = p.repair_order_id
             WHERE p.created_at >= ? AND p.created_at < ? ORDER BY p.id"
        ))
        .bind(stored(from))
        .bind(stored(to))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(payment_from).collect()
    }

    /// Card payments whose outcome is not known (after a crash, or a reader that went quiet).
    pub async fn in_flight(&self) -> Result<Vec<Payment>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM payments p JOIN repair_orders ro ON ro.id = p.repair_order_id
             WHERE p.status IN ('created', 'sent_to_reader', 'processing') AND p.taken_here = 1 ORDER BY p.id"
        ))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(payment_from).collect()
    }

    /// Marks order `number` paid when nothing is left to pay (and it is invoiced). Safe to call
    /// any number of times: the app calls it after every payment and when it resumes.
    pub async fn settle(&self, number: i64) -> Result<bool> {
        let balance = self.balance(number).await?;
        let ro = self.store.repair_order(number).await?;
        if ro.status == Status::Invoiced && balance.due.0 <= 0 && balance.pending.0 == 0 && balance.total.0 > 0 {
            self.store.change_status(number, Status::Paid, Some("paid in full")).await?;
            return Ok(true);
        }
        Ok(false)
    }
}

/// What an update changes; `None` keeps a column as it is (but `failure` is always set).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Change<'a> {
    pub status: Option<PaymentStatus>,
    /// A partial capture lowers what the payment comes to.
    pub amount: Option<Cents>,
    pub provider_id: Option<&'a str>,
    pub reader_id: Option<&'a str>,
    pub card: Option<&'a str>,
    pub wallet: Option<&'a str>,
    pub capture_id: Option<&'a str>,
    pub failure: Option<&'a str>,
}

struct Order {
    id: i64,
    status: Status,
}

async fn balance_in(tx: &mut Transaction<'static, Sqlite>, number: i64, total: Cents) -> Result<(Order, Balance)> {
    let row = sqlx::query("SELECT id, status FROM repair_orders WHERE number = ?")
        .bind(number)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(Error::RepairOrderNotFound(number))?;
    let status_text: String = row.try_get("status")?;
    let status = status_text.parse::<Status>().map_err(|_| corrupt(format!("order status '{status_text}'")))?;
    let order = Order { id: row.try_get("id")?, status };
    let sums = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN status = 'succeeded' THEN amount - refunded END), 0) AS paid,
                COALESCE(SUM(CASE WHEN status IN ('created', 'sent_to_reader', 'processing', 'authorized') THEN amount END), 0) AS pending
         FROM payments WHERE repair_order_id = ?",
    )
    .bind(order.id)
    .fetch_one(&mut **tx)
    .await?;
    let (paid, pending) = (Cents(sums.try_get("paid")?), Cents(sums.try_get("pending")?));
    let due = Cents(total.0 - paid.0 - pending.0);
    Ok((order, Balance { total, paid, pending, due }))
}

async fn step_in(
    tx: &mut Transaction<'static, Sqlite>,
    id: i64,
    step: &str,
    key: Option<&str>,
    detail: Option<&str>,
    at: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO payment_steps (payment_id, at, step, idempotency_key, detail) VALUES (?, ?, ?, ?, ?)")
        .bind(id)
        .bind(at)
        .bind(step)
        .bind(key)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Payments reach the Dixon cloud through the store's outbox, like every other change.
async fn outbox(tx: &mut Transaction<'static, Sqlite>, uid: &str, at: &str) -> Result<()> {
    dixon_shop::outbox::enqueue_row(tx, dixon_shop::replica::Kind::Payment, uid, None, at).await?;
    Ok(())
}

fn method_str(method: Method) -> &'static str {
    match method {
        Method::Card => "card",
        Method::PayPal => "paypal",
        Method::Cash => "cash",
        Method::Check => "check",
    }
}

fn corrupt(what: String) -> Error {
    Error::Database(sqlx::Error::Protocol(format!("unexpected {what} in the payments table")))
}

fn payment_from(row: &SqliteRow) -> Result<Payment> {
    let method: String = row.try_get("method")?;
    let method = match method.as_str() {
        "card" => Method::Card,
        "paypal" => Method::PayPal,
        "cash" => Method::Cash,
        "check" => Method::Check,
        other => return Err(corrupt(format!("method '{other}'"))),
    };
    let status: String = row.try_get("status")?;
    let status = PaymentStatus::parse(&status).ok_or_else(|| corrupt(format!("status '{status}'")))?;
    let amount = Cents(row.try_get("amount")?);
    let tendered: Option<i64> = row.try_get("tendered")?;
    let mut payment = Payment {
        id: row.try_get("id")?,
        repair_order: row.try_get("number")?,
        method,
        amount,
        status,
        refunded: Cents(row.try_get("refunded")?),
        tendered: tendered.map(Cents),
        change: tendered.map(|t| Cents(t - amount.0)),
        check_number: row.try_get("check_number")?,
        provider_id: row.try_get("provider_id")?,
        reader_id: row.try_get("reader_id")?,
        card: row.try_get("card")?,
        wallet: row.try_get("wallet")?,
        failure: row.try_get("failure")?,
        how: String::new(),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    };
    payment.how = payment.describe();
    Ok(payment)
}
