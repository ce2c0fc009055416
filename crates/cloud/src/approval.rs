//! The customer's approval from a link, on the cloud's side.
//!
//! A counter uploads the photos a page shows (`PUT /v1/photos/{sha256}`, each once: `GET` says
//! whether the cloud has it) and publishes one repair order's [`Document`]
//! (`POST /v1/approvals`), getting back a link `/a/{token}`: 160 random bits, kept only as
//! SHA-256, expiring (7 days unless the counter asks for less, 30 at most), revocable
//! (`POST /v1/approvals/{id}/revoke`; publishing the order again revokes the older link).
//!
//! The customer's phone opens the page (see [`crate::approval_page`]), answers each line,
//! signs and submits. The answer is sealed into a [`Submission`] (lines approved and declined,
//! amount, name, signature, time, IP address, browser, the SHA-256 of the page shown) and handed
//! to the shop's counters through the feed as a `relay_event` from `approval` — once per link,
//! however often the form is sent; a second submit shows the answer already received.
//!
//! Opening a page is the one request that carries no device credential: the token's hash finds
//! its shop (`approval_link_shop()`, as the schema's owner), then everything is read in that
//! shop's tenant transaction. Another shop's link, a photo not on this page, an unknown token —
//! all answer the same "not found". Each IP address has a budget of requests (a token bucket)
//! that a wrong token drains fast, so guessing is slow on top of being hopeless.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use dixon_shop::approval::{check_name, check_signature, Document, Submission};

use crate::approval_page::{self, Answers, Form};
use crate::credentials::sha256;
use crate::relay::{self, Provider};
use crate::sync::Feeds;
use crate::{Error, Result, Tenant};

/// How long a link works unless the counter asks for less; the most it may ask for.
pub const DEFAULT_DAYS: i64 = 7;
pub const MAX_DAYS: i64 = 30;
/// The largest photo taken (a working copy is about 400 KB).
pub const MAX_PHOTO_BYTES: usize = 3 * 1024 * 1024;
/// Requests an IP address may make in a burst, and how many it gets back per second.
const BUDGET: f64 = 60.0;
const REFILL_PER_SEC: f64 = 1.0;
/// What a request for a token that opens nothing costs from that budget.
const WRONG_TOKEN_COST: f64 = 12.0;

#[derive(Clone)]
struct App {
    pool: PgPool,
    feeds: Arc<Feeds>,
    limiter: Arc<Limiter>,
}

/// The approval routes: the counter's (device credential) and the customer's (the token).
pub fn router(pool: PgPool, feeds: Arc<Feeds>) -> Router {
    Router::new()
        .route("/v1/photos/{sha256}", get(has_photo).put(put_photo))
        .route("/v1/approvals", post(publish).get(links_of_order))
        .route("/v1/approvals/{id}/revoke", post(revoke))
        .route("/a/{token}", get(page).post(answer))
        .route("/a/{token}/totals", get(totals))
        .route("/a/{token}/photos/{sha256}", get(photo))
        .route("/approve.js", get(script))
        .layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES + 1024))
        .with_state(App { pool, feeds, limiter: Arc::default() })
}

// ---------------------------------------------------------------- the counter's side

async fn has_photo(State(app): State<App>, headers: HeaderMap, Path(sha): Path<String>) -> Result<StatusCode> {
    let (mut tenant, _) = crate::server::authenticated(&app.pool, &headers).await?;
    let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM photos WHERE shop_id = $1 AND sha256 = $2)")
        .bind(tenant.shop)
        .bind(&sha)
        .fetch_one(&mut *tenant.tx)
        .await?;
    tenant.tx.commit().await?;
    Ok(if known { StatusCode::OK } else { StatusCode::NOT_FOUND })
}

/// Keeps a photo under the SHA-256 of its bytes; the same photo again changes nothing.
async fn put_photo(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sha): Path<String>,
    body: Bytes,
) -> Result<StatusCode> {
    let (mut tenant, _) = crate::server::authenticated(&app.pool, &headers).await?;
    if !body.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(Error::BadRequest("Only JPEG photos are taken here; nothing was kept.".into()));
    }
    if hex_sha256(&body) != sha {
        return Err(Error::BadRequest(
            "The photo's bytes don't match its SHA-256 (cut short on the way?); nothing was kept. Send it again."
                .into(),
        ));
    }
    let added = sqlx::query("INSERT INTO photos (shop_id, sha256, bytes) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(tenant.shop)
        .bind(&sha)
        .bind(body.as_ref())
        .execute(&mut *tenant.tx)
        .await?
        .rows_affected();
    tenant.tx.commit().await?;
    Ok(if added > 0 { StatusCode::CREATED } else { StatusCode::OK })
}

/// What a counter gets back for a published page.
#[derive(Debug, Serialize, Deserialize)]
pub struct Published {
    pub id: Uuid,
    /// The customer's link (the only time the token is seen).
    pub url: String,
    pub expires_at: DateTime<Utc>,
    pub shown_sha256: String,
    /// Older links of the same order that stopped working.
    pub revoked: Vec<Uuid>,
}

/// Publishes the page in the body (a [`Document`] as JSON, kept byte for byte).
async fn publish(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Result<Json<Published>> {
    let (mut tenant, device) = crate::server::authenticated(&app.pool, &headers).await?;
    let text = std::str::from_utf8(&body).map_err(|_| Error::BadRequest("The page is not UTF-8 text.".into()))?;
    let doc: Document = serde_json::from_str(text)
        .map_err(|e| Error::BadRequest(format!("The page could not be read ({e}). Update this counter.")))?;
    let shown = doc.sha256();
    if hex_sha256(text.as_bytes()) != shown {
        return Err(Error::BadRequest(
            "The page was not sent as written (its hash differs); nothing was published.".into(),
        ));
    }
    let now = Utc::now();
    if doc.expires_at <= now || doc.expires_at > now + Duration::days(MAX_DAYS) {
        return Err(Error::BadRequest(format!("A link must expire within {MAX_DAYS} days from now.")));
    }
    if doc.decidable().next().is_none() {
        return Err(Error::BadRequest("The estimate has no work to approve; add lines first.".into()));
    }
    let order_known: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM records WHERE shop_id = $1 AND kind = 'repair_order' AND uid = $2)",
    )
    .bind(tenant.shop)
    .bind(&doc.order_uid)
    .fetch_one(&mut *tenant.tx)
    .await?;
    if !order_known {
        return Err(Error::BadRequest(
            "The cloud doesn't have this repair order yet: let the counter sync, then publish again.".into(),
        ));
    }
    let wanted: Vec<String> = doc.photos().into_iter().map(str::to_string).collect();
    let held: Vec<String> = sqlx::query_scalar("SELECT sha256 FROM photos WHERE shop_id = $1 AND sha256 = ANY($2)")
        .bind(tenant.shop)
        .bind(&wanted)
        .fetch_all(&mut *tenant.tx)
        .await?;
    if held.len() < wanted.len() {
        let missing = wanted.iter().filter(|w| !held.contains(w)).count();
        return Err(Error::BadRequest(format!(
            "{missing} of the page's photos are not uploaded yet; upload them, then publish again."
        )));
    }
    let revoked: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE approval_links SET revoked_at = now()
          WHERE shop_id = $1 AND order_uid = $2 AND revoked_at IS NULL AND submitted_at IS NULL
          RETURNING id",
    )
    .bind(tenant.shop)
    .bind(&doc.order_uid)
    .fetch_all(&mut *tenant.tx)
    .await?;
    let id = Uuid::new_v4();
    let token = new_token();
    sqlx::query(
        "INSERT INTO approval_links (shop_id, id, token_hash, order_uid, kind, document, document_sha256, created_by,
                                     expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant.shop)
    .bind(id)
    .bind(sha256(&token))
    .bind(&doc.order_uid)
    .bind(doc.kind.as_str())
    .bind(text)
    .bind(&shown)
    .bind(device.device_id)
    .bind(doc.expires_at)
    .execute(&mut *tenant.tx)
    .await?;
    tenant.tx.commit().await?;
    tracing::info!(shop = %tenant.shop, link = %id, "approval page published");
    let url = format!("{}/a/{token}", public_base(&headers));
    Ok(Json(Published { id, url, expires_at: doc.expires_at, shown_sha256: shown, revoked }))
}

#[derive(Deserialize)]
struct OrderQuery {
    order: String,
}

/// A link as the counter sees it.
#[derive(Debug, Serialize, Deserialize)]
pub struct LinkState {
    pub id: Uuid,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
}

async fn links_of_order(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<OrderQuery>,
) -> Result<Json<Vec<LinkState>>> {
    let (mut tenant, _) = crate::server::authenticated(&app.pool, &headers).await?;
    let rows: Vec<(
        Uuid,
        String,
        DateTime<Utc>,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    )> = sqlx::query_as(
        "SELECT id, kind, created_at, expires_at, revoked_at, opened_at, submitted_at FROM approval_links
              WHERE shop_id = $1 AND order_uid = $2 ORDER BY created_at",
    )
    .bind(tenant.shop)
    .bind(&query.order)
    .fetch_all(&mut *tenant.tx)
    .await?;
    tenant.tx.commit().await?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, kind, created_at, expires_at, revoked_at, opened_at, submitted_at)| LinkState {
                id,
                kind,
                created_at,
                expires_at,
                revoked_at,
                opened_at,
                submitted_at,
            })
            .collect(),
    ))
}

async fn revoke(State(app): State<App>, headers: HeaderMap, Path(id): Path<Uuid>) -> Result<Json<serde_json::Value>> {
    let (mut tenant, _) = crate::server::authenticated(&app.pool, &headers).await?;
    let revoked = sqlx::query(
        "UPDATE approval_links SET revoked_at = now() WHERE shop_id = $1 AND id = $2 AND revoked_at IS NULL",
    )
    .bind(tenant.shop)
    .bind(id)
    .execute(&mut *tenant.tx)
    .await?
    .rows_affected();
    tenant.tx.commit().await?;
    Ok(Json(serde_json::json!({ "revoked": revoked > 0 })))
}

// ---------------------------------------------------------------- the customer's side

/// A link as the page needs it.
struct Link {
    tenant: Tenant,
    id: Uuid,
    doc: Document,
    text: String,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    submitted_at: Option<DateTime<Utc>>,
}

/// Why a page can't be shown.
enum Closed {
    /// Over budget: wait.
    TooMany,
    /// Unknown token (or not one at all): the same answer whatever the reason.
    NotFound,
}

impl IntoResponse for Closed {
    fn into_response(self) -> Response {
        match self {
            Closed::TooMany => html(
                StatusCode::TOO_MANY_REQUESTS,
                approval_page::closed("Please wait a minute", "Too many tries from this connection.", None),
            ),
            Closed::NotFound => html(
                StatusCode::NOT_FOUND,
                approval_page::closed(
                    "This link doesn't open an estimate",
                    "Check that the whole link was copied from the text or email.",
                    None,
                ),
            ),
        }
    }
}

/// The link of `token`, in its shop's tenant transaction; spends the caller's budget.
async fn open(app: &App, ip: &str, token: &str) -> std::result::Result<Link, Response> {
    if !app.limiter.spend(ip, 1.0) {
        return Err(Closed::TooMany.into_response());
    }
    let wrong = || {
        app.limiter.penalize(ip, WRONG_TOKEN_COST);
        Closed::NotFound.into_response()
    };
    if !plausible_token(token) {
        return Err(wrong());
    }
    let found = async {
        let shop: Option<Uuid> =
            sqlx::query_scalar("SELECT approval_link_shop($1)").bind(sha256(token)).fetch_one(&app.pool).await?;
        let Some(shop) = shop else { return Ok::<_, Error>(None) };
        let mut tenant = Tenant::begin(&app.pool, shop).await?;
        let row: Option<(Uuid, String, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT id, document, expires_at, revoked_at, submitted_at FROM approval_links
              WHERE shop_id = $1 AND token_hash = $2",
        )
        .bind(shop)
        .bind(sha256(token))
        .fetch_optional(&mut *tenant.tx)
        .await?;
        let Some((id, text, expires_at, revoked_at, submitted_at)) = row else { return Ok(None) };
        let doc: Document = serde_json::from_str(&text).map_err(|e| Error::Internal(format!("a stored page: {e}")))?;
        Ok(Some(Link { tenant, id, doc, text, expires_at, revoked_at, submitted_at }))
    }
    .await;
    match found {
        Ok(Some(link)) => Ok(link),
        Ok(None) => Err(wrong()),
        Err(e) => Err(e.into_response()),
    }
}

/// The page in the state the link is in.
async fn page(State(app): State<App>, ClientIp(ip): ClientIp, Path(token): Path<String>) -> Response {
    let mut link = match open(&app, &ip, &token).await {
        Ok(link) => link,
        Err(response) => return response,
    };
    if let Some(response) = unusable(&link) {
        return response;
    }
    if let Some(submitted) = link.submitted_at {
        return received_page(&mut link, submitted).await;
    }
    let opened =
        sqlx::query("UPDATE approval_links SET opened_at = now() WHERE shop_id = $1 AND id = $2 AND opened_at IS NULL")
            .bind(link.tenant.shop)
            .bind(link.id)
            .execute(&mut *link.tenant.tx)
            .await;
    if let Err(e) = opened {
        return Error::from(e).into_response();
    }
    if let Err(e) = link.tenant.tx.commit().await {
        return Error::from(e).into_response();
    }
    let answers = Answers::default();
    html(
        StatusCode::OK,
        approval_page::form(&Form { doc: &link.doc, token: &token, answers: &answers, totals: None, problem: None }),
    )
}

/// The page of a link that is revoked or past its date (a submitted one still shows its answer).
fn unusable(link: &Link) -> Option<Response> {
    if link.submitted_at.is_some() {
        return None;
    }
    let (title, why) = if link.revoked_at.is_some() {
        ("This link was replaced", "The shop changed the estimate or sent you a newer link.")
    } else if link.expires_at <= Utc::now() {
        ("This link has expired", "Estimates are kept open for a limited time, as prices change.")
    } else {
        return None;
    };
    Some(html(StatusCode::GONE, approval_page::closed(title, why, Some(&link.doc))))
}

async fn received_page(link: &mut Link, at: DateTime<Utc>) -> Response {
    // the answer as it was received: from the feed's record of it
    let payload: Option<String> = sqlx::query_scalar(
        "SELECT record -> 'fields' ->> 'payload' FROM records WHERE shop_id = $1 AND kind = 'relay_event' AND uid = $2",
    )
    .bind(link.tenant.shop)
    .bind(format!("approval:{}", link.id))
    .fetch_optional(&mut *link.tenant.tx)
    .await
    .ok()
    .flatten();
    let submission = payload
        .and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
        .and_then(|v| serde_json::from_value::<Submission>(v["submission"].clone()).ok());
    match submission {
        Some(s) => html(StatusCode::OK, approval_page::received(&link.doc, &s.approved, s.amount, at)),
        None => html(StatusCode::OK, approval_page::received(&link.doc, &[], dixon_shop::Cents::ZERO, at)),
    }
}

/// The totals of the lines approved so far (`?approve=uid&approve=uid`), for the script.
async fn totals(
    State(app): State<App>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    uri: axum::http::Uri,
) -> Response {
    let link = match open(&app, &ip, &token).await {
        Ok(link) => link,
        Err(response) => return response,
    };
    let approved: BTreeSet<String> = relay::form_urlencoded(uri.query().unwrap_or("").as_bytes())
        .into_iter()
        .filter(|(k, _)| k == "approve")
        .map(|(_, v)| v)
        .collect();
    let mut fragment = String::new();
    approval_page::totals_list(&mut fragment, &link.doc.totals(&approved));
    html(StatusCode::OK, fragment)
}

/// A photo of this page only (the thumbnail or the full one).
async fn photo(State(app): State<App>, ClientIp(ip): ClientIp, Path((token, sha)): Path<(String, String)>) -> Response {
    let mut link = match open(&app, &ip, &token).await {
        Ok(link) => link,
        Err(response) => return response,
    };
    if !link.doc.photos().contains(sha.as_str()) {
        return Closed::NotFound.into_response();
    }
    let bytes: Option<Vec<u8>> = match sqlx::query_scalar("SELECT bytes FROM photos WHERE shop_id = $1 AND sha256 = $2")
        .bind(link.tenant.shop)
        .bind(&sha)
        .fetch_optional(&mut *link.tenant.tx)
        .await
    {
        Ok(bytes) => bytes,
        Err(e) => return Error::from(e).into_response(),
    };
    match bytes {
        Some(bytes) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg")),
                // content-addressed: never changes
                (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=604800, immutable")),
                (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            ],
            bytes,
        )
            .into_response(),
        None => Closed::NotFound.into_response(),
    }
}

/// The customer's answer: the form as posted.
async fn answer(
    State(app): State<App>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let link = match open(&app, &ip, &token).await {
        Ok(link) => link,
        Err(response) => return response,
    };
    if let Some(response) = unusable(&link) {
        return response;
    }
    if link.submitted_at.is_some() {
        // sent twice (a double tap, the back button): the first answer stands
        return Redirect::to(&format!("/a/{token}")).into_response();
    }
    let fields = relay::form_urlencoded(&body);
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("");
    let mut answers =
        Answers { name: field("name").to_string(), agreed: field("agree") == "yes", ..Answers::default() };
    for (key, value) in &fields {
        if let Some(uid) = key.strip_prefix("line:") {
            answers.choices.insert(uid.to_string(), value == "approve");
        }
    }
    let approved: Vec<String> = answers.choices.iter().filter(|(_, yes)| **yes).map(|(uid, _)| uid.clone()).collect();
    let decision = match link.doc.decide(&approved) {
        Ok(decision) => decision,
        Err(problem) => return again(&link, &token, &answers, &problem),
    };
    let undecided = link.doc.decidable().filter(|l| !answers.choices.contains_key(&l.line.uid)).count();
    let problem = if field("shown") != link.doc.sha256() {
        Some("This estimate changed while you had it open. Please look it over again.".to_string())
    } else if field("step") != "sign" {
        None // "Show my total": the same page with the total
    } else if undecided > 0 {
        Some(format!("Choose approve or decline for every item ({undecided} left)."))
    } else if let Err(problem) = check_name(&answers.name) {
        Some(problem)
    } else if !answers.agreed {
        Some("Tick \"I agree\" to sign.".to_string())
    } else {
        None
    };
    let signature = match check_signature(field("signature")) {
        Ok(signature) => signature,
        Err(problem) => return again(&link, &token, &answers, &problem),
    };
    if field("step") != "sign" || problem.is_some() {
        let mut form =
            Form { doc: &link.doc, token: &token, answers: &answers, totals: None, problem: problem.as_deref() };
        let totals = (undecided == 0).then_some(decision.totals);
        form.totals = totals;
        let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
        return html(status, approval_page::form(&form));
    }
    let user_agent =
        headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(400).collect();
    let mut submission = Submission {
        link_id: link.id.to_string(),
        order_uid: link.doc.order_uid.clone(),
        kind: link.doc.kind,
        shown_sha256: link.doc.sha256(),
        approved: decision.approved,
        declined: decision.declined,
        amount: decision.amount,
        name: check_name(&answers.name).unwrap_or_default(),
        signature_png: signature,
        submitted_at: Utc::now(),
        ip: ip.clone(),
        user_agent,
        seal: String::new(),
    };
    submission.seal = submission.compute_seal();
    match record(&app, link, &submission).await {
        Ok(()) => Redirect::to(&format!("/a/{token}")).into_response(),
        Err(e) => e.into_response(),
    }
}

fn again(link: &Link, token: &str, answers: &Answers, problem: &str) -> Response {
    let form = Form { doc: &link.doc, token, answers, totals: None, problem: Some(problem) };
    html(StatusCode::UNPROCESSABLE_ENTITY, approval_page::form(&form))
}

/// Marks the link answered and hands the answer to the shop's counters, in one transaction:
/// the first submit wins, a second finds the link answered and adds nothing.
async fn record(app: &App, mut link: Link, submission: &Submission) -> Result<()> {
    let first = sqlx::query(
        "UPDATE approval_links SET submitted_at = $3 WHERE shop_id = $1 AND id = $2 AND submitted_at IS NULL",
    )
    .bind(link.tenant.shop)
    .bind(link.id)
    .bind(submission.submitted_at)
    .execute(&mut *link.tenant.tx)
    .await?
    .rows_affected();
    if first == 0 {
        return Ok(());
    }
    let payload = serde_json::json!({ "submission": submission, "document": link.text }).to_string();
    let event = relay::Event { key: link.id.to_string(), payload, signature: None };
    let now = submission.submitted_at.timestamp();
    relay::append_events(&mut link.tenant, Provider::Approval, vec![event], now).await?;
    let shop = link.tenant.shop;
    link.tenant.tx.commit().await?;
    app.feeds.wake(shop);
    tracing::info!(%shop, link = %link.id, approved = submission.approved.len(), "the customer answered");
    Ok(())
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        approval_page::SCRIPT,
    )
        .into_response()
}

/// An HTML answer with the headers every page carries: no caching (a shared phone), no
/// referrer (the token is in the address), nothing loaded from elsewhere.
fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; script-src 'self'; \
                     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                ),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------- tokens, addresses, budgets

/// 160 random bits in Crockford's base32: 32 characters, easy in a text message.
fn new_token() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut bytes = [0u8; 20];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    let mut bits: u64 = 0;
    let mut held = 0;
    let mut out = String::with_capacity(32);
    for byte in bytes {
        bits = (bits << 8) | byte as u64;
        held += 8;
        while held >= 5 {
            held -= 5;
            out.push(ALPHABET[((bits >> held) & 31) as usize] as char);
        }
    }
    out
}

fn plausible_token(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b"0123456789abcdefghjkmnpqrstvwxyz".contains(&b))
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The address the customer reaches this cloud at: as the counter reached it (behind a proxy,
/// its `Host` and `X-Forwarded-Proto`).
fn public_base(headers: &HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let scheme = header("x-forwarded-proto").unwrap_or_else(|| "http".into());
    format!("{scheme}://{}", header("host").unwrap_or_else(|| "localhost".into()))
}

/// The caller's IP address: the connection's (or, when the server is told it runs behind a
/// proxy with `DIXON_CLOUD_BEHIND_PROXY=1`, the first of `X-Forwarded-For`).
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> std::result::Result<Self, Self::Rejection> {
        if std::env::var("DIXON_CLOUD_BEHIND_PROXY").is_ok_and(|v| v == "1") {
            if let Some(first) = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
                if let Some(ip) = first.split(',').next().map(str::trim).filter(|s| !s.is_empty()) {
                    return Ok(ClientIp(ip.to_string()));
                }
            }
        }
        let connected = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(ClientIp(connected.unwrap_or_else(|| "unknown".into())))
    }
}

/// A token bucket per IP address.
#[derive(Default)]
struct Limiter {
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Limiter {
    /// Takes `cost` from `ip`'s budget; `false` when it hasn't that much left.
    fn spend(&self, ip: &str, cost: f64) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if buckets.len() > 100_000 {
            // forget the ones full again, so the map can't grow without end
            buckets.retain(|_, (left, at)| *left + now.duration_since(*at).as_secs_f64() * REFILL_PER_SEC < BUDGET);
        }
        let (left, at) = buckets.entry(ip.to_string()).or_insert((BUDGET, now));
        *left = (*left + now.duration_since(*at).as_secs_f64() * REFILL_PER_SEC).min(BUDGET);
        *at = now;
        if *left < cost.min(BUDGET) {
            return false;
        }
        *left = (*left - cost).max(0.0);
        true
    }

    /// Takes `cost` from `ip`'s budget, down to nothing.
    fn penalize(&self, ip: &str, cost: f64) {
        if !self.spend(ip, cost) {
            let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((left, _)) = buckets.get_mut(ip) {
                *left = 0.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_recognised() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(plausible_token(&a));
        assert!(!plausible_token("../../etc/passwd"));
        assert!(!plausible_token(&a.to_uppercase()));
        assert!(!plausible_token(&a[..31]));
    }

    #[test]
    fn a_wrong_token_drains_the_budget_fast() {
        let limiter = Limiter::default();
        let ip = "203.0.113.9";
        let wrong = (0..10)
            .take_while(|_| {
                limiter.spend(ip, 1.0) && {
                    limiter.penalize(ip, WRONG_TOKEN_COST);
                    true
                }
            })
            .count();
        assert_eq!(wrong, 5, "five wrong tokens, then wait");
        assert!(!limiter.spend("203.0.113.9", 1.0));
        assert!(limiter.spend("198.51.100.1", 1.0), "another address has its own budget");
    }
}
