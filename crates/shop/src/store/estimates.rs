//! Writes that change what the customer is asked to pay: lines, authorizations (with the state's
//! overage rule) and canned jobs.
//!
//! The rule is enforced here, inside the write transaction, so no screen or command can add
//! work past the authorized amount: the new total is computed from the lines as stored, and if
//! it passes the latest authorization's limit the whole change is rolled back unless a
//! supplementary authorization comes with it (and is stored in the same transaction).

use sqlx::{Row, Sqlite, Transaction};

use super::outbox::{enqueue, enqueue_row};
use super::repair_orders::{line_from_row, parse_status, record_status_change, LINE_COLUMNS};
use super::Store;
use crate::approval::{Document, Submission};
use crate::error::{Error, FieldError, Result};
use crate::estimate::{
    Authorization, AuthorizationKind, AuthorizationMethod, CannedJob, NewAuthorization, ValidAuthorization,
};
use crate::money::Cents;
use crate::repair_order::{LineItem, NewLine, RepairOrder, Status, Totals};
use crate::replica::{Edit, Kind, Op};
use crate::settings::ShopSettings;
use crate::validate;
use dixon_clock::to_stored as stored;

/// The order a write is about, read inside its transaction.
struct OrderRow {
    id: i64,
    uid: String,
    status: Status,
}

impl Store {
    /// Appends `lines` to a repair order that is still open for changes, all or none.
    ///
    /// Once the customer has authorized the estimate, lines that bring the total above the
    /// authorized limit are refused with [`Error::AuthorizationRequired`] unless
    /// `authorization` is given; it is then stored as a supplementary authorization (a new
    /// revision) in the same transaction. Before any authorization, an `authorization` given
    /// here is stored as the initial one.
    pub async fn add_lines(
        &self,
        number: i64,
        lines: &[NewLine],
        authorization: Option<&NewAuthorization>,
    ) -> Result<RepairOrder> {
        self.insert_lines(number, lines, authorization, false).await
    }

    /// Adds work found during the job to an authorized estimate as *proposed*: shown on the
    /// order, counted in no total until the customer approves it (from the approval link, which
    /// then asks only about these lines — a supplementary authorization). On an order not
    /// authorized yet it is the same as [`Store::add_lines`].
    pub async fn propose_lines(&self, number: i64, lines: &[NewLine]) -> Result<RepairOrder> {
        self.insert_lines(number, lines, None, true).await
    }

    async fn insert_lines(
        &self,
        number: i64,
        lines: &[NewLine],
        authorization: Option<&NewAuthorization>,
        propose: bool,
    ) -> Result<RepairOrder> {
        let mut errors = Vec::new();
        let lines: Vec<NewLine> =
            lines.iter().filter_map(|l| l.validate().map_err(|e| errors.extend(e)).ok()).collect();
        let authorization = authorization.map(|a| a.validate().map_err(|e| errors.extend(e)).ok()).flatten();
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        if lines.is_empty() {
            return Err(Error::Invalid(vec![FieldError::new("line", "There is no line to add.")]));
        }
        let at = stored(self.now());
        let mut tx = self.write().await?;
        let order = editable_order(&mut tx, number).await?;
        let proposed = propose && latest_authorization_amount(&mut tx, order.id).await?.is_some();
        for line in &lines {
            let uid = insert_line(&mut tx, order.id, line, &at).await?;
            if proposed {
                sqlx::query("UPDATE line_items SET proposed_at = ? WHERE uid = ?")
                    .bind(&at)
                    .bind(&uid)
                    .execute(&mut *tx)
                    .await?;
            }
            enqueue_row(&mut tx, Kind::Line, &uid, None, &at).await?;
        }
        let settings = self.settings().await?;
        let (lines_now, totals) = estimate_in(&mut tx, order.id, &settings).await?;
        let latest = latest_authorization_amount(&mut tx, order.id).await?;
        match (latest, authorization) {
            (Some(authorized), None) if totals.total > settings.overage.limit(authorized) => {
                tx.rollback().await?;
                return Err(Error::AuthorizationRequired {
                    number,
                    limit: settings.overage.limit(authorized),
                    new_total: totals.total,
                });
            }
            (_, Some(authorization)) => {
                let proof = Proof::counter(&at);
                record_authorization(&mut tx, number, &order, &authorization, &lines_now, &totals, &proof).await?;
                approve_if_estimate(&mut tx, &order, &authorization, &at).await?;
            }
            _ => {}
        }
        touch(&mut tx, order.id, &at).await?;
        tx.commit().await?;
        self.repair_order(number).await
    }

    /// Removes one line from a repair order that is still open for changes.
    pub async fn remove_line(&self, number: i64, line_id: i64) -> Result<RepairOrder> {
        let at = stored(self.now());
        let mut tx = self.write().await?;
        let order = editable_order(&mut tx, number).await?;
        let removed: Option<String> =
            sqlx::query_scalar("DELETE FROM line_items WHERE id = ? AND repair_order_id = ? RETURNING uid")
                .bind(line_id)
                .bind(order.id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(uid) = removed else {
            return Err(Error::NotFound(format!(
                "Repair order {number} has no line {line_id}; reload the order and try again."
            )));
        };
        touch(&mut tx, order.id, &at).await?;
        enqueue(&mut tx, &Edit { kind: Kind::Line, uid, op: Op::Delete }, &at).await?;
        tx.commit().await?;
        self.repair_order(number).await
    }

    /// Records the customer's authorization of the estimate as it stands (a new revision). The
    /// amount must cover the current total. An order still in `estimate` becomes `approved`.
    pub async fn authorize(&self, number: i64, authorization: &NewAuthorization) -> Result<RepairOrder> {
        let authorization = authorization.validate().map_err(Error::Invalid)?;
        let at = stored(self.now());
        let mut tx = self.write().await?;
        let order = editable_order(&mut tx, number).await?;
        let settings = self.settings().await?;
        let (lines, totals) = estimate_in(&mut tx, order.id, &settings).await?;
        if lines.is_empty() {
            return Err(Error::Invalid(vec![FieldError::new(
                "authorization",
                "The estimate has no lines yet; add the work before asking for authorization.",
            )]));
        }
        record_authorization(&mut tx, number, &order, &authorization, &lines, &totals, &Proof::counter(&at)).await?;
        approve_if_estimate(&mut tx, &order, &authorization, &at).await?;
        touch(&mut tx, order.id, &at).await?;
        tx.commit().await?;
        tracing::info!(number, method = authorization.method.as_str(), "estimate authorized");
        self.repair_order(number).await
    }

    /// Records the customer's answer from the approval page, all or nothing: the lines they
    /// declined marked declined (kept on the order), an online authorization of the rest with
    /// its evidence (the submission and the page it was given on), the order approved. Once: an
    /// answer recorded already, here or at another counter, changes nothing (`Ok(false)`). An
    /// answer that doesn't match its page, or an estimate that grew since the link was sent, is
    /// refused with what to do.
    pub async fn record_online_authorization(&self, submission: &Submission, shown: &Document) -> Result<bool> {
        let uid = format!("approval:{}", submission.link_id);
        let refuse = |message: String| Error::Invalid(vec![FieldError::new("authorization", message)]);
        if !submission.is_intact(shown) || submission.order_uid != shown.order_uid {
            return Err(refuse(
                "The customer's answer does not match the page it was given on; it was not recorded. Send a new link."
                    .into(),
            ));
        }
        let name = crate::approval::check_name(&submission.name).map_err(refuse)?;
        let at = stored(submission.submitted_at);
        let mut tx = self.write().await?;
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM authorizations WHERE uid = ?)")
            .bind(&uid)
            .fetch_one(&mut *tx)
            .await?;
        if known {
            return Ok(false);
        }
        let number: i64 = sqlx::query_scalar("SELECT number FROM repair_orders WHERE uid = ?")
            .bind(&submission.order_uid)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| refuse("The repair order of this approval is not on this counter yet.".into()))?;
        let order = editable_order(&mut tx, number).await?;
        for (uids, declined_at) in [(&submission.declined, Some(at.as_str())), (&submission.approved, None)] {
            for line in uids {
                let changed = sqlx::query(
                    "UPDATE line_items SET declined_at = ?, proposed_at = NULL, updated_at = ?
                      WHERE uid = ? AND repair_order_id = ? AND (declined_at IS NOT ? OR proposed_at IS NOT NULL)",
                )
                .bind(declined_at)
                .bind(&at)
                .bind(line)
                .bind(order.id)
                .bind(declined_at)
                .execute(&mut *tx)
                .await?;
                if changed.rows_affected() > 0 {
                    let fields: &[&str] = &["declined_at", "proposed_at", "updated_at"];
                    enqueue_row(&mut tx, Kind::Line, line, Some(fields), &at).await?;
                }
            }
        }
        let settings = self.settings().await?;
        let (lines, totals) = estimate_in(&mut tx, order.id, &settings).await?;
        if totals.total > submission.amount {
            return Err(refuse(format!(
                "The estimate changed after the link was sent: it now comes to {}, the customer approved {}. \
                 Nothing was recorded; send them a new link.",
                totals.total, submission.amount
            )));
        }
        let authorization = ValidAuthorization {
            method: AuthorizationMethod::Online,
            authorized_by: name,
            phone: None,
            amount: Some(submission.amount),
            note: None,
        };
        let evidence = serde_json::json!({ "submission": submission, "shown": shown }).to_string();
        let proof = Proof { uid, at: &at, evidence: Some(evidence) };
        record_authorization(&mut tx, number, &order, &authorization, &lines, &totals, &proof).await?;
        approve_if_estimate(&mut tx, &order, &authorization, &at).await?;
        touch(&mut tx, order.id, &at).await?;
        tx.commit().await?;
        tracing::info!(
            number,
            approved = submission.approved.len(),
            declined = submission.declined.len(),
            "approved online"
        );
        Ok(true)
    }

    /// Saves a canned job under `name` (replacing one of the same name).
    pub async fn save_canned_job(&self, name: &str, lines: &[NewLine]) -> Result<CannedJob> {
        let mut errors = Vec::new();
        let name = validate::short_text("name", "job name", name, 100).map_err(|e| errors.push(e)).ok().flatten();
        let lines: Vec<NewLine> =
            lines.iter().filter_map(|l| l.validate().map_err(|e| errors.extend(e)).ok()).collect();
        if name.is_none() && errors.is_empty() {
            errors.push(FieldError::new("name", "Name the job, e.g. \"Front brakes: pads and rotors\"."));
        }
        if lines.is_empty() && errors.is_empty() {
            errors.push(FieldError::new("lines", "A canned job needs at least one line."));
        }
        let Some(name) = name.filter(|_| errors.is_empty()) else {
            return Err(Error::Invalid(errors));
        };
        let at = stored(self.now());
        let json = serde_json::to_string(&lines).expect("lines serialise");
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO canned_jobs (uid, name, lines, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET lines = excluded.lines, updated_at = excluded.updated_at",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&name)
        .bind(&json)
        .bind(&at)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.canned_jobs()
            .await?
            .into_iter()
            .find(|job| job.name.eq_ignore_ascii_case(&name))
            .ok_or_else(|| Error::NotFound(format!("The canned job '{name}' was not saved; try again.")))
    }

    /// Every canned job, by name.
    pub async fn canned_jobs(&self) -> Result<Vec<CannedJob>> {
        sqlx::query("SELECT id, name, lines FROM canned_jobs ORDER BY name COLLATE NOCASE")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                let lines: &str = r.try_get("lines")?;
                Ok(CannedJob {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    lines: serde_json::from_str(lines)
                        .map_err(|e| super::repair_orders::unexpected(format!("canned job lines: {e}")))?,
                })
            })
            .collect()
    }

    /// Adds every line of canned job `job_id` to the order (see [`Store::add_lines`]).
    pub async fn add_canned_job(
        &self,
        number: i64,
        job_id: i64,
        authorization: Option<&NewAuthorization>,
    ) -> Result<RepairOrder> {
        let job = self.canned_jobs().await?.into_iter().find(|j| j.id == job_id).ok_or_else(|| {
            Error::NotFound(format!("There is no canned job {job_id}; pick one from the list of canned jobs."))
        })?;
        self.add_lines(number, &job.lines, authorization).await
    }

    /// The authorizations of one order, oldest first.
    pub(super) async fn authorizations_of(&self, order_id: i64) -> Result<Vec<Authorization>> {
        sqlx::query(
            "SELECT revision, kind, method, authorized_by, phone, amount_cents, note, authorized_at,
                    json_extract(estimate, '$.totals.total') AS estimate_total
             FROM authorizations WHERE repair_order_id = ? ORDER BY revision",
        )
        .bind(order_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            let method: &str = r.try_get("method")?;
            let kind: &str = r.try_get("kind")?;
            Ok(Authorization {
                revision: r.try_get("revision")?,
                kind: if kind == "initial" { AuthorizationKind::Initial } else { AuthorizationKind::Supplementary },
                method: AuthorizationMethod::parse(method)
                    .ok_or_else(|| super::repair_orders::unexpected(format!("unknown method '{method}'")))?,
                authorized_by: r.try_get("authorized_by")?,
                phone: r.try_get("phone")?,
                amount: Cents(r.try_get("amount_cents")?),
                estimate_total: Cents(r.try_get::<Option<i64>, _>("estimate_total")?.unwrap_or_default()),
                note: r.try_get("note")?,
                authorized_at: r.try_get("authorized_at")?,
            })
        })
        .collect()
    }
}

/// The order's lines and totals as this transaction sees them.
async fn estimate_in(
    tx: &mut Transaction<'static, Sqlite>,
    order_id: i64,
    settings: &ShopSettings,
) -> Result<(Vec<LineItem>, Totals)> {
    let lines = sqlx::query(&format!(
        "SELECT {LINE_COLUMNS} FROM line_items WHERE repair_order_id = ? ORDER BY position, created_at, uid"
    ))
    .bind(order_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(line_from_row)
    .collect::<Result<Vec<_>>>()?;
    let totals = Totals::of(&lines, settings);
    Ok((lines, totals))
}

/// The order, if its lines may still change (before it is invoiced).
async fn editable_order(tx: &mut Transaction<'static, Sqlite>, number: i64) -> Result<OrderRow> {
    let row = sqlx::query("SELECT id, uid, status FROM repair_orders WHERE number = ?")
        .bind(number)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(Error::RepairOrderNotFound(number))?;
    let status = parse_status(row.try_get("status")?)?;
    if !matches!(status, Status::Estimate | Status::Approved | Status::InProgress | Status::Completed) {
        return Err(Error::Invalid(vec![FieldError::new(
            "line",
            format!("Repair order {number} is {status}; its estimate can only change before it is invoiced."),
        )]));
    }
    Ok(OrderRow { id: row.try_get("id")?, uid: row.try_get("uid")?, status })
}

/// Appends `line` to the order and gives back its uid.
async fn insert_line(tx: &mut Transaction<'static, Sqlite>, order_id: i64, line: &NewLine, at: &str) -> Result<String> {
    let part = line.part.as_ref();
    let uid = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO line_items (uid, repair_order_id, position, kind, description, quantity_milli, unit_price_cents,
                                 taxable, part_number, brand, supplier, part_condition, core_charge_cents, technician,
                                 created_at, updated_at)
         VALUES (?, ?, (SELECT COALESCE(MAX(position) + 1, 1) FROM line_items WHERE repair_order_id = ?),
                 ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&uid)
    .bind(order_id)
    .bind(order_id)
    .bind(line.kind.as_str())
    .bind(&line.description)
    .bind(line.quantity_milli)
    .bind(line.unit_price.0)
    .bind(line.taxable)
    .bind(part.and_then(|p| p.part_number.as_deref()))
    .bind(part.and_then(|p| p.brand.as_deref()))
    .bind(part.and_then(|p| p.supplier.as_deref()))
    .bind(part.map(|p| p.condition.as_str()))
    .bind(part.map_or(0, |p| p.core_charge.0))
    .bind(line.technician.as_deref())
    .bind(at)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(uid)
}

async fn latest_authorization_amount(tx: &mut Transaction<'static, Sqlite>, order_id: i64) -> Result<Option<Cents>> {
    let amount: Option<i64> = sqlx::query_scalar(
        "SELECT amount_cents FROM authorizations WHERE repair_order_id = ? ORDER BY revision DESC LIMIT 1",
    )
    .bind(order_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(amount.map(Cents))
}

/// Where an authorization came from: its uid, when it was given, and for one given online the
/// evidence (lines decided, signature, IP address, browser, the hash of the page shown).
struct Proof<'a> {
    uid: String,
    at: &'a str,
    evidence: Option<String>,
}

impl<'a> Proof<'a> {
    /// Recorded at this counter now.
    fn counter(at: &'a str) -> Proof<'a> {
        Proof { uid: uuid::Uuid::new_v4().to_string(), at, evidence: None }
    }
}

/// Stores an authorization of the estimate as it now stands (`lines`, `totals`) as the next
/// revision. Its amount defaults to the total and may not be below it.
async fn record_authorization(
    tx: &mut Transaction<'static, Sqlite>,
    number: i64,
    order: &OrderRow,
    authorization: &ValidAuthorization,
    lines: &[LineItem],
    totals: &Totals,
    proof: &Proof<'_>,
) -> Result<()> {
    let amount = authorization.amount.unwrap_or(totals.total);
    if amount < totals.total {
        return Err(Error::Invalid(vec![FieldError::new(
            "authorization.amount",
            format!(
                "The estimate now comes to {}; the authorization must cover at least that (it says {amount}).",
                totals.total
            ),
        )]));
    }
    let revision: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(revision), 0) + 1 FROM authorizations WHERE repair_order_id = ?")
            .bind(order.id)
            .fetch_one(&mut **tx)
            .await?;
    let kind = if revision == 1 { "initial" } else { "supplementary" };
    let snapshot = serde_json::json!({ "lines": lines, "totals": totals });
    sqlx::query(
        "INSERT INTO authorizations (uid, repair_order_id, revision, kind, method, authorized_by, phone, amount_cents,
                                     note, estimate, evidence, authorized_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&proof.uid)
    .bind(order.id)
    .bind(revision)
    .bind(kind)
    .bind(authorization.method.as_str())
    .bind(&authorization.authorized_by)
    .bind(authorization.phone.as_deref())
    .bind(amount.0)
    .bind(authorization.note.as_deref())
    .bind(snapshot.to_string())
    .bind(proof.evidence.as_deref())
    .bind(proof.at)
    .execute(&mut **tx)
    .await?;
    enqueue_row(tx, Kind::Authorization, &proof.uid, None, proof.at).await?;
    // Never the phone number or name in the log: the record in SQLite is the proof.
    tracing::info!(number, revision, kind, "authorization recorded");
    Ok(())
}

/// An authorized estimate is an approved order.
async fn approve_if_estimate(
    tx: &mut Transaction<'static, Sqlite>,
    order: &OrderRow,
    authorization: &ValidAuthorization,
    at: &str,
) -> Result<()> {
    if order.status != Status::Estimate {
        return Ok(());
    }
    sqlx::query("UPDATE repair_orders SET status = 'approved' WHERE id = ?").bind(order.id).execute(&mut **tx).await?;
    let note = format!("authorized {} by {}", authorization.method, authorization.authorized_by);
    record_status_change(tx, order.id, Some(Status::Estimate), Status::Approved, at, Some(&note)).await?;
    let op = Op::Status { from: Status::Estimate, to: Status::Approved };
    enqueue(tx, &Edit { kind: Kind::RepairOrder, uid: order.uid.clone(), op }, at).await
}

async fn touch(tx: &mut Transaction<'static, Sqlite>, order_id: i64, at: &str) -> Result<()> {
    sqlx::query("UPDATE repair_orders SET version = version + 1, updated_at = ? WHERE id = ?")
        .bind(at)
        .bind(order_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
