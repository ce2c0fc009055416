//! The customer's approval from a link, on the counter's side.
//!
//! - [`Approvals::publish`] turns one repair order into the page the customer sees (a
//!   [`Document`]: the shop, the vehicle, the inspection worst-first with its photos, each line
//!   of the estimate to approve or decline, the totals' rules), syncs the order, uploads the
//!   photos the cloud doesn't hold yet (content-addressed: each once; a publish cut short goes
//!   on where it stopped), publishes the page and gives back the link. The token is never kept
//!   here — only the link's id (to revoke it, to read its state) and the page's SHA-256. Once a
//!   photo went out its marks are frozen. With an earlier authorization on the order, the page
//!   asks only about the work added since (a supplementary authorization).
//! - [`Approvals::apply_relayed`] records each answer the cloud relayed as an online
//!   authorization (see `Store::record_online_authorization`): lines declined kept as declined,
//!   the order approved, once — whichever counter gets there first.
//! - [`Approvals::status`]: the links and the answers, in words ("approved by Pat Lee at 10:42
//!   from their phone").

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use dixon_clock::{to_stored, Clock};
use dixon_resilience::Call;
use dixon_shop::approval::{Document, InspectedItem, OfferedLine, PhotoRef, Pricing, ShopHeader, Submission, CONSENT};
use dixon_shop::{AuthorizationKind, Cents, Store};
use dixon_sync::{CloudCallError, SyncClient};
use serde::Serialize;
use sha2::Digest;
use sqlx::Row;

/// How long a link works unless asked otherwise, and the longest the cloud allows.
pub const DEFAULT_DAYS: i64 = 7;
pub const MAX_DAYS: i64 = 30;

/// Why a link could not be made or an answer read. Each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Repair order {0} does not exist. Check the number (`dixon ro list`).")]
    NoSuchOrder(i64),
    #[error("{0}")]
    Invalid(String),
    #[error("This counter is not connected to a Dixon cloud, which serves the customer's page. Enroll it (Settings → Cloud, or `dixon sync enroll`); meanwhile print the estimate or call the customer.")]
    NoCloud,
    #[error("The Dixon cloud can't be reached ({0}). The link can be made when it is back; meanwhile print the estimate or call the customer.")]
    Offline(String),
    #[error("The Dixon cloud refused: {0}")]
    Cloud(String),
    #[error("{0}")]
    Store(#[from] dixon_shop::Error),
    #[error("{0}")]
    Photos(#[from] dixon_photos::Error),
    #[error("{0}")]
    Inspection(#[from] dixon_inspection::Error),
    #[error("The local database refused: {0}")]
    Database(#[from] sqlx::Error),
    #[error("A photo file could not be read ({0}). `dixon photo list RO` shows where it should be.")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// A stable name for the UI and the CLI's JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NoSuchOrder(_) => "not_found",
            Error::Invalid(_) => "invalid",
            Error::NoCloud => "not_enrolled",
            Error::Offline(_) => "offline",
            Error::Cloud(_) => "cloud",
            Error::Store(e) => e.kind(),
            Error::Photos(e) => e.kind(),
            Error::Inspection(e) => e.kind(),
            Error::Database(_) | Error::Io(_) => "database",
        }
    }
}

impl From<CloudCallError> for Error {
    fn from(e: CloudCallError) -> Error {
        match e {
            CloudCallError::Sync(dixon_sync::Error::NotEnrolled) => Error::NoCloud,
            CloudCallError::Sync(other) => Error::Cloud(other.to_string()),
            CloudCallError::Call(call) => cloud_error(call),
        }
    }
}

fn cloud_error(e: dixon_resilience::Error) -> Error {
    match e {
        // the cloud answers {"error": …, "message": …}: its words say what to do
        dixon_resilience::Error::Rejected { detail, .. } => Error::Cloud(
            serde_json::from_str::<serde_json::Value>(&detail)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string))
                .unwrap_or(detail),
        ),
        other if other.is_transient() => Error::Offline(other.to_string()),
        other => Error::Cloud(other.to_string()),
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// A link made for the customer.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Link {
    pub repair_order: i64,
    pub id: String,
    /// The customer's address for the page: shown once, never stored here.
    pub url: String,
    pub kind: AuthorizationKind,
    pub expires_at: DateTime<Utc>,
    pub shown_sha256: String,
    /// Lines the customer is asked about.
    pub lines: usize,
    pub photos: usize,
    /// Photos sent now (the others the cloud had already).
    pub photos_uploaded: usize,
}

/// Where the customer's approval of one order stands.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ApprovalStatus {
    pub repair_order: i64,
    pub links: Vec<LinkState>,
    pub answers: Vec<Answer>,
    /// One line for the screen: "Approved by Pat Lee from their phone at 10:42 AM …".
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LinkState {
    pub id: String,
    pub kind: AuthorizationKind,
    pub published_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// waiting, answered, expired, replaced.
    pub state: String,
}

/// An answer from the page, as received.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Answer {
    pub link_id: String,
    pub name: String,
    pub submitted_at: DateTime<Utc>,
    pub amount: Cents,
    pub approved: Vec<String>,
    pub declined: Vec<String>,
    pub signed: bool,
    pub ip: String,
    pub user_agent: String,
    /// Recorded as an authorization; when not, `problem` says why.
    pub recorded: bool,
    pub problem: Option<String>,
}

#[derive(Clone)]
pub struct Approvals {
    store: Store,
    photos: dixon_photos::Photos,
    inspections: dixon_inspection::Inspections,
    sync: SyncClient,
    clock: Arc<dyn Clock>,
}

/// A photo file the page needs in the cloud.
struct Upload {
    sha256: String,
    path: String,
}

impl Approvals {
    pub fn new(
        store: Store,
        photos: dixon_photos::Photos,
        inspections: dixon_inspection::Inspections,
        sync: SyncClient,
        clock: Arc<dyn Clock>,
    ) -> Approvals {
        Approvals { store, photos, inspections, sync, clock }
    }

    /// Publishes repair order `number` for the customer's approval; the link works `days` days.
    pub async fn publish(&self, number: i64, days: Option<i64>) -> Result<Link> {
        let days = days.unwrap_or(DEFAULT_DAYS);
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(Error::Invalid(format!("A link can work 1 to {MAX_DAYS} days (asked: {days}).")));
        }
        let (doc, uploads, photo_uids) = self.document(number, Duration::days(days)).await?;
        // the cloud must hold the order before it takes a page about it
        match self.sync.sync_now().await {
            Ok(_) => {}
            Err(dixon_sync::Error::NotEnrolled) => return Err(Error::NoCloud),
            Err(dixon_sync::Error::Offline(why)) => return Err(Error::Offline(why)),
            Err(other) => return Err(Error::Cloud(other.to_string())),
        }
        let photos_uploaded = self.upload(&uploads).await?;
        let body = serde_json::to_vec(&doc).map_err(|e| Error::Invalid(e.to_string()))?;
        let shown = doc.sha256();
        let answer = self
            .sync
            .cloud_request(
                // publishing again makes a new link and revokes the one never seen: safe to repeat
                Call::idempotent_write("publish approval page", shown.clone()),
                reqwest::Method::POST,
                "/v1/approvals",
                Some((body, "application/json")),
            )
            .await?;
        let published: serde_json::Value =
            serde_json::from_slice(&answer).map_err(|e| Error::Cloud(format!("an unreadable answer ({e})")))?;
        let (Some(id), Some(url)) = (published["id"].as_str(), published["url"].as_str()) else {
            return Err(Error::Cloud("the answer has no link".into()));
        };
        let order_id: i64 = sqlx::query_scalar("SELECT id FROM repair_orders WHERE number = ?")
            .bind(number)
            .fetch_one(self.store.pool())
            .await?;
        let now = self.clock.now();
        sqlx::query(
            "INSERT INTO approval_links (id, repair_order_id, kind, shown_sha256, published_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(order_id)
        .bind(doc.kind.as_str())
        .bind(&shown)
        .bind(to_stored(now))
        .bind(to_stored(doc.expires_at))
        .execute(self.store.pool())
        .await?;
        for revoked in published["revoked"].as_array().into_iter().flatten().filter_map(|v| v.as_str()) {
            sqlx::query("UPDATE approval_links SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?")
                .bind(to_stored(now))
                .bind(revoked)
                .execute(self.store.pool())
                .await?;
        }
        self.photos.sent(&photo_uids, now).await?;
        tracing::info!(number, link = id, photos = uploads.len(), photos_uploaded, "approval page published");
        Ok(Link {
            repair_order: number,
            id: id.to_string(),
            url: url.to_string(),
            kind: doc.kind,
            expires_at: doc.expires_at,
            shown_sha256: shown,
            lines: doc.decidable().count(),
            photos: uploads.len(),
            photos_uploaded,
        })
    }

    /// The page repair order `number` would show now, the photo files it needs, and the photos'
    /// uids.
    async fn document(&self, number: i64, valid_for: Duration) -> Result<(Document, Vec<Upload>, Vec<String>)> {
        let order = match self.store.repair_order(number).await {
            Ok(order) => order,
            Err(dixon_shop::Error::RepairOrderNotFound(_)) => return Err(Error::NoSuchOrder(number)),
            Err(e) => return Err(e.into()),
        };
        let (order_id, order_uid): (i64, String) = sqlx::query_as("SELECT id, uid FROM repair_orders WHERE number = ?")
            .bind(number)
            .fetch_one(self.store.pool())
            .await?;
        let settings = self.store.settings().await?;
        // work the latest authorization covered is shown, not asked about again
        let covered: BTreeSet<String> = sqlx::query_scalar::<_, String>(
            "SELECT estimate FROM authorizations WHERE repair_order_id = ? ORDER BY revision DESC LIMIT 1",
        )
        .bind(order_id)
        .fetch_optional(self.store.pool())
        .await?
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .map(|estimate| {
            estimate["lines"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|l| !l["declined"].as_bool().unwrap_or(false) && !l["proposed"].as_bool().unwrap_or(false))
                .filter_map(|l| l["uid"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
        let kind =
            if order.authorizations.is_empty() { AuthorizationKind::Initial } else { AuthorizationKind::Supplementary };

        let photos = self.photos.of(number).await?;
        let mut uploads: BTreeMap<String, Upload> = BTreeMap::new();
        let mut used = Vec::new();
        let mut refs_of = |item: Option<&str>, line: Option<&str>| -> std::io::Result<Vec<PhotoRef>> {
            let mut refs = Vec::new();
            for photo in &photos {
                let on_item = item.is_some() && photo.inspection_item.as_deref() == item;
                let on_line = line.is_some() && photo.line_uid.as_deref() == line;
                if !on_item && !on_line {
                    continue;
                }
                let sending = std::fs::read(&photo.sending_path)?;
                let thumbnail = std::fs::read(&photo.sending_thumbnail_path)?;
                let (sha, thumb_sha) = (hex(&sending), hex(&thumbnail));
                uploads.entry(sha.clone()).or_insert(Upload { sha256: sha.clone(), path: photo.sending_path.clone() });
                uploads
                    .entry(thumb_sha.clone())
                    .or_insert(Upload { sha256: thumb_sha.clone(), path: photo.sending_thumbnail_path.clone() });
                let scale = (1600.0 / photo.width.max(photo.height) as f64).min(1.0);
                refs.push(PhotoRef {
                    sha256: sha,
                    thumbnail_sha256: thumb_sha,
                    width: (photo.width as f64 * scale).round() as u32,
                    height: (photo.height as f64 * scale).round() as u32,
                });
                used.push(photo.uid.clone());
            }
            Ok(refs)
        };

        let inspection = self.inspections.show(number).await?;
        let mut items = Vec::new();
        let mut findings: BTreeMap<String, (String, Vec<PhotoRef>)> = BTreeMap::new();
        let became: BTreeMap<String, String> = sqlx::query_as::<_, (String, String)>(
            "SELECT i.item, l.uid FROM inspection_items i JOIN line_items l ON l.id = i.estimate_line_id
              WHERE i.repair_order_id = ?",
        )
        .bind(order_id)
        .fetch_all(self.store.pool())
        .await?
        .into_iter()
        .collect();
        for section in &inspection.sections {
            for item in &section.items {
                let Some(condition) = item.status.clone() else { continue };
                let reading = item.reading();
                let note = Some(item.note.trim().to_string()).filter(|n| !n.is_empty());
                let photos = refs_of(Some(&item.key), None)?;
                if let Some(line) = became.get(&item.key) {
                    let why = [Some(item.label.clone()), reading.clone(), note.clone()].into_iter().flatten();
                    findings.insert(line.clone(), (why.collect::<Vec<_>>().join(" — "), photos.clone()));
                }
                items.push(InspectedItem {
                    section: section.name.clone(),
                    name: item.label.clone(),
                    condition,
                    note,
                    reading,
                    photos,
                });
            }
        }
        // the reading from the car, when it was read, is part of what the customer sees
        if let Some(found) = self.inspections.computer_scan(number).await? {
            items.push(InspectedItem {
                section: dixon_inspection::scan::SECTION.into(),
                name: dixon_inspection::scan::NAME.into(),
                condition: found.condition.into(),
                note: None,
                reading: Some(found.reading),
                photos: vec![],
            });
        }
        let rank = |c: &str| match c {
            "red" => 0,
            "yellow" => 1,
            _ => 2,
        };
        items.sort_by_key(|i| rank(&i.condition));

        let mut lines = Vec::new();
        for line in &order.lines {
            // work declined before is offered again (shops follow up on it)
            let decidable = !covered.contains(&line.uid);
            if !decidable && line.declined {
                continue;
            }
            let (finding, mut photos) = findings.get(&line.uid).cloned().map_or((None, vec![]), |(f, p)| (Some(f), p));
            photos.extend(refs_of(None, Some(&line.uid))?);
            let mut line = line.clone();
            (line.declined, line.proposed) = (false, false);
            lines.push(OfferedLine { line, decidable, finding, photos });
        }
        if !lines.iter().any(|l| l.decidable) {
            return Err(Error::Invalid(if kind == AuthorizationKind::Initial {
                format!("Repair order {number} has no lines to approve yet; add the work to the estimate first.")
            } else {
                format!("Everything on repair order {number} is authorized already; add the new work first.")
            }));
        }
        let vehicle = &order.vehicle;
        let mut label = [vehicle.year.map(|y| y.to_string()), vehicle.make.clone(), vehicle.model.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if label.is_empty() {
            label = "vehicle".into();
        }
        let address = [
            settings.address_line1.clone(),
            [settings.city.clone(), format!("{} {}", settings.state, settings.postal_code).trim().to_string()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
        let now = self.clock.now();
        let doc = Document {
            shop: ShopHeader {
                name: if settings.name.is_empty() { "Your repair shop".into() } else { settings.name.clone() },
                phone: settings.phone.clone(),
                email: settings.email.clone(),
                address,
            },
            order_uid,
            order_number: number,
            customer_name: order.customer.name.clone(),
            vehicle: label,
            kind,
            lines,
            pricing: Pricing::of(&settings),
            inspection: items,
            consent: CONSENT.to_string(),
            time_zone: self.time_zone().await?,
            // whole seconds: the page shows dates, and the cloud's copy reads back the same
            published_at: DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now),
            expires_at: DateTime::from_timestamp((now + valid_for).timestamp(), 0).unwrap_or(now + valid_for),
        };
        used.sort();
        used.dedup();
        Ok((doc, uploads.into_values().collect(), used))
    }

    /// The shop's time zone: the one set for messaging, else this PC's, else UTC.
    async fn time_zone(&self) -> Result<String> {
        let set: Option<String> = sqlx::query_scalar("SELECT time_zone FROM messaging_settings")
            .fetch_optional(self.store.pool())
            .await?
            .filter(|zone: &String| !zone.trim().is_empty());
        Ok(set.or_else(|| iana_time_zone::get_timezone().ok()).unwrap_or_else(|| "UTC".into()))
    }

    /// Sends the cloud the photo files it doesn't hold yet; how many were sent.
    async fn upload(&self, uploads: &[Upload]) -> Result<usize> {
        let mut sent = 0;
        for upload in uploads {
            let held: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cloud_photos WHERE sha256 = ?)")
                .bind(&upload.sha256)
                .fetch_one(self.store.pool())
                .await?;
            if held {
                continue;
            }
            let path = format!("/v1/photos/{}", upload.sha256);
            let there =
                match self.sync.cloud_request(Call::read("photo held?"), reqwest::Method::GET, &path, None).await {
                    Ok(_) => true,
                    Err(CloudCallError::Call(dixon_resilience::Error::Rejected { status: 404, .. })) => false,
                    Err(e) => return Err(e.into()),
                };
            if !there {
                let bytes = tokio::fs::read(&upload.path).await?;
                // the name is the content: sending it twice keeps it once
                let call = Call::idempotent_write("upload photo", upload.sha256.clone());
                self.sync.cloud_request(call, reqwest::Method::PUT, &path, Some((bytes, "image/jpeg"))).await?;
                sent += 1;
            }
            sqlx::query("INSERT OR IGNORE INTO cloud_photos (sha256, uploaded_at) VALUES (?, ?)")
                .bind(&upload.sha256)
                .bind(to_stored(self.clock.now()))
                .execute(self.store.pool())
                .await?;
        }
        Ok(sent)
    }

    /// Records the answers the cloud relayed since the last time; how many were recorded. An
    /// answer whose order hasn't arrived here yet waits; one that can't be recorded (the estimate
    /// changed after the link went out) keeps why, for [`Approvals::status`].
    pub async fn apply_relayed(&self) -> Result<usize> {
        let events: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, payload FROM relayed_events WHERE provider = 'approval' AND handled_at IS NULL ORDER BY id",
        )
        .fetch_all(self.store.pool())
        .await?;
        let mut recorded = 0;
        for (id, payload) in events {
            let outcome = match read_answer(&payload) {
                Some((submission, doc)) => {
                    let here: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM repair_orders WHERE uid = ?)")
                        .bind(&submission.order_uid)
                        .fetch_one(self.store.pool())
                        .await?;
                    if !here {
                        continue; // its order comes with the next pull
                    }
                    // a link published here: the page signed must be the very one published
                    let published: Option<String> =
                        sqlx::query_scalar("SELECT shown_sha256 FROM approval_links WHERE id = ?")
                            .bind(&submission.link_id)
                            .fetch_optional(self.store.pool())
                            .await?;
                    let outcome = if published.is_some_and(|sha| sha != submission.shown_sha256) {
                        Err(dixon_shop::Error::Invalid(vec![dixon_shop::FieldError::new(
                            "authorization",
                            "The page the customer signed is not the one this counter published; it was not recorded. Send a new link.",
                        )]))
                    } else {
                        self.store.record_online_authorization(&submission, &doc).await
                    };
                    match outcome {
                        Ok(new) => {
                            recorded += usize::from(new);
                            None
                        }
                        Err(dixon_shop::Error::Invalid(errors)) => {
                            Some(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" "))
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                None => Some("The answer could not be read; ask the customer to approve again.".to_string()),
            };
            if let Some(problem) = &outcome {
                tracing::warn!(event = id, "an answer from the approval page was not recorded: {problem}");
            }
            sqlx::query("UPDATE relayed_events SET handled_at = ?, problem = ? WHERE id = ?")
                .bind(to_stored(self.clock.now()))
                .bind(outcome)
                .bind(id)
                .execute(self.store.pool())
                .await?;
        }
        Ok(recorded)
    }

    /// The links of repair order `number` and the answers received.
    pub async fn status(&self, number: i64) -> Result<ApprovalStatus> {
        let (order_id, order_uid): (i64, String) = sqlx::query_as("SELECT id, uid FROM repair_orders WHERE number = ?")
            .bind(number)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(Error::NoSuchOrder(number))?;
        let now = self.clock.now();
        let time = |text: &str| DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        let rows = sqlx::query(
            "SELECT id, kind, published_at, expires_at, revoked_at FROM approval_links
              WHERE repair_order_id = ? ORDER BY published_at",
        )
        .bind(order_id)
        .fetch_all(self.store.pool())
        .await?;
        let answered: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT payload, problem FROM relayed_events WHERE provider = 'approval' ORDER BY id")
                .fetch_all(self.store.pool())
                .await?;
        let mut answers = Vec::new();
        for (payload, problem) in answered {
            let Some((submission, doc)) = read_answer(&payload) else { continue };
            if submission.order_uid != order_uid {
                continue;
            }
            let recorded: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM authorizations WHERE uid = ?)")
                .bind(format!("approval:{}", submission.link_id))
                .fetch_one(self.store.pool())
                .await?;
            let described = |uids: &[String]| -> Vec<String> {
                uids.iter()
                    .filter_map(|uid| doc.lines.iter().find(|l| &l.line.uid == uid))
                    .map(|l| l.line.description.clone())
                    .collect()
            };
            answers.push(Answer {
                link_id: submission.link_id.clone(),
                name: submission.name.clone(),
                submitted_at: submission.submitted_at,
                amount: submission.amount,
                approved: described(&submission.approved),
                declined: described(&submission.declined),
                signed: submission.signature_png.is_some(),
                ip: submission.ip.clone(),
                user_agent: submission.user_agent.clone(),
                recorded,
                problem,
            });
        }
        let mut links = Vec::new();
        for row in rows {
            let id: String = row.try_get("id")?;
            let expires_at = time(&row.try_get::<String, _>("expires_at")?);
            let state = if answers.iter().any(|a| a.link_id == id) {
                "answered"
            } else if row.try_get::<Option<String>, _>("revoked_at")?.is_some() {
                "replaced"
            } else if expires_at <= now {
                "expired"
            } else {
                "waiting"
            };
            let kind: String = row.try_get("kind")?;
            links.push(LinkState {
                id,
                kind: if kind == "supplementary" {
                    AuthorizationKind::Supplementary
                } else {
                    AuthorizationKind::Initial
                },
                published_at: time(&row.try_get::<String, _>("published_at")?),
                expires_at,
                state: state.to_string(),
            });
        }
        let summary = summary(&answers, &links);
        Ok(ApprovalStatus { repair_order: number, links, answers, summary })
    }
}

/// The sentence the order's screen shows.
fn summary(answers: &[Answer], links: &[LinkState]) -> String {
    let zone = chrono::Local;
    if let Some(answer) = answers.last() {
        let at = answer.submitted_at.with_timezone(&zone).format("%-I:%M %p on %b %-d");
        let declined = match answer.declined.len() {
            0 => String::new(),
            n => format!(", declined {n} item{}", if n == 1 { "" } else { "s" }),
        };
        return match &answer.problem {
            None => format!("Approved by {} from their phone at {at}: {}{declined}.", answer.name, answer.amount),
            Some(problem) => {
                format!("{} answered from their phone at {at}, but it was not recorded: {problem}", answer.name)
            }
        };
    }
    match links.last() {
        Some(link) if link.state == "waiting" => {
            format!(
                "Link sent; waiting for the customer (works until {}).",
                link.expires_at.with_timezone(&zone).format("%b %-d")
            )
        }
        Some(link) => format!("The last link is {}; send a new one.", link.state),
        None => "No link sent yet.".to_string(),
    }
}

/// The submission and the page it was given on, from a relayed answer.
fn read_answer(payload: &str) -> Option<(Submission, Document)> {
    let value: serde_json::Value = serde_json::from_str(payload).ok()?;
    let submission: Submission = serde_json::from_value(value["submission"].clone()).ok()?;
    let doc: Document = serde_json::from_str(value["document"].as_str()?).ok()?;
    Some((submission, doc))
}

fn hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
