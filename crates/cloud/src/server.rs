//! The HTTP API a counter talks to (axum). Every route that touches a shop's data starts from
//! the device credential ([`Tenant::authenticate`]); none takes a shop from the request body.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sqlx::PgPool;

use crate::metrics::Metrics;
use crate::relay;
use crate::sync::{self, Feeds, Outcome, Page, Push, PushAnswer};
use crate::{enroll, DeviceInfo, DeviceToken, Enrolled, Error, Result, Tenant};

/// The longest a pull waits for a change before answering with none.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

#[derive(Clone)]
struct App {
    pool: PgPool,
    feeds: Arc<Feeds>,
    metrics: Arc<Metrics>,
}

/// The largest request body accepted (a batch of changes will be the largest).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Serves `router(pool)` on `listener`, with each connection's address (the approval pages
/// budget requests per IP address).
pub async fn serve(listener: tokio::net::TcpListener, pool: PgPool) -> std::io::Result<()> {
    serve_until(listener, pool, std::future::pending()).await
}

/// As [`serve`], until `shutdown` completes.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    pool: PgPool,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(pool).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// The routes, over the server's `dixon_app` pool.
pub fn router(pool: PgPool) -> Router {
    let feeds = Arc::<Feeds>::default();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/enroll", post(enroll_device))
        .route("/v1/device", get(device))
        .route("/v1/push", post(push))
        .route("/v1/changes", get(changes))
        .route("/v1/snapshot", get(snapshot))
        .route("/v1/relay/{shop}/{provider}", post(relay_call))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(App { pool: pool.clone(), feeds: feeds.clone(), metrics: Arc::default() })
        .merge(crate::approval::router(pool, feeds))
}

/// 200 when the database answers, 503 when it doesn't (for a load balancer or a monitor).
async fn healthz(State(app): State<App>) -> Result<&'static str> {
    sqlx::query("SELECT 1").execute(&app.pool).await?;
    Ok("ok")
}

#[derive(Deserialize)]
struct EnrollRequest {
    code: String,
    name: String,
}

async fn enroll_device(State(app): State<App>, body: Bytes) -> Result<Json<Enrolled>> {
    let request: EnrollRequest = read_json(&body, "enrollment")?;
    let enrolled = enroll(&app.pool, &request.code, &request.name).await?;
    tracing::info!(shop = %enrolled.shop_id, device = %enrolled.device_id, "counter enrolled");
    Ok(Json(enrolled))
}

async fn device(State(app): State<App>, headers: HeaderMap) -> Result<Json<DeviceInfo>> {
    let (tenant, info) = authenticated(&app.pool, &headers).await?;
    tenant.tx.commit().await?;
    Ok(Json(info))
}

async fn push(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Result<Json<PushAnswer>> {
    let started = std::time::Instant::now();
    let result = async {
        let (tenant, info) = authenticated(&app.pool, &headers).await?;
        let batch: Push = read_json(&body, "batch")?;
        let answer = sync::push(tenant, info.device_id, batch, &app.feeds).await?;
        let last = answer.results.iter().filter_map(|o| match o {
            Outcome::Applied { seq, .. } | Outcome::Duplicate { seq, .. } => Some(*seq),
            _ => None,
        });
        app.metrics.feed_at(info.shop_id, last.max().unwrap_or(0));
        Ok(answer)
    }
    .await;
    match &result {
        Ok(answer) => {
            let count = |f: fn(&Outcome) -> bool| answer.results.iter().filter(|o| f(o)).count() as u64;
            app.metrics.pushed(
                started.elapsed(),
                count(|o| matches!(o, Outcome::Applied { .. })),
                count(|o| matches!(o, Outcome::Duplicate { .. })),
                count(|o| matches!(o, Outcome::Rejected { .. })),
                count(|o| matches!(o, Outcome::OutOfOrder { .. })),
            );
        }
        Err(_) => app.metrics.failed(),
    }
    result.map(Json)
}

async fn metrics(State(app): State<App>) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], app.metrics.render())
}

#[derive(Deserialize)]
struct Cursor {
    #[serde(default)]
    after: i64,
    #[serde(default = "page_size")]
    limit: usize,
    /// Seconds to wait for a change when there is none yet (long-poll).
    #[serde(default)]
    wait: u64,
}

fn page_size() -> usize {
    sync::MAX_BATCH
}

async fn changes(State(app): State<App>, headers: HeaderMap, Query(cursor): Query<Cursor>) -> Result<Json<Page>> {
    let (tenant, info) = authenticated(&app.pool, &headers).await?;
    // the credential was checked; the wait must not hold a database connection
    tenant.tx.commit().await?;
    let wait = Duration::from_secs(cursor.wait).min(MAX_WAIT);
    let page = sync::pull(&app.pool, info.shop_id, cursor.after, cursor.limit, wait, &app.feeds).await;
    match &page {
        Ok(page) => {
            app.metrics.pulled();
            app.metrics.read_up_to(info.shop_id, info.device_id, page.cursor, page.last_seq);
        }
        Err(_) => app.metrics.failed(),
    }
    Ok(Json(page?))
}

/// A call from Stripe, Twilio or SendGrid for `shop`: checked, then handed to its counters.
async fn relay_call(
    State(app): State<App>,
    Path((shop, provider)): Path<(String, String)>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>> {
    let (Ok(shop), Some(provider)) = (shop.parse::<uuid::Uuid>(), relay::Provider::parse(&provider)) else {
        return Err(Error::Forbidden("This address takes no calls.".into()));
    };
    // the URL the service called, as it signed it (behind a proxy: its Host and scheme)
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let scheme = header("x-forwarded-proto").unwrap_or_else(|| "http".into());
    let host = header("host").unwrap_or_default();
    let url = format!("{scheme}://{host}{}", uri.path_and_query().map_or("", |p| p.as_str()));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let call = relay::Call { body: &body, url, header: &header, now };
    let new = relay::receive(&app.pool, &app.feeds, shop, provider, call).await?;
    Ok(Json(serde_json::json!({ "relayed": new })))
}

#[derive(Deserialize)]
struct SnapshotQuery {
    after_rank: Option<i16>,
    after_uid: Option<String>,
    #[serde(default = "page_size")]
    limit: usize,
}

async fn snapshot(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<SnapshotQuery>,
) -> Result<Json<sync::Snapshot>> {
    let (tenant, info) = authenticated(&app.pool, &headers).await?;
    tenant.tx.commit().await?;
    let after = query.after_rank.map(|rank| sync::SnapshotAfter { rank, uid: query.after_uid.unwrap_or_default() });
    Ok(Json(sync::snapshot(&app.pool, info.shop_id, after, query.limit).await?))
}

/// A request body as JSON, or an error in the same JSON shape as every other (axum's own
/// rejections are plain text).
fn read_json<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(body)
        .map_err(|e| Error::BadRequest(format!("The {what} could not be read ({e}). Nothing was changed.")))
}

/// The caller's tenant transaction, from `Authorization: Bearer dxd.…`.
pub(crate) async fn authenticated(pool: &PgPool, headers: &HeaderMap) -> Result<(Tenant, DeviceInfo)> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(DeviceToken::parse)
        .ok_or(Error::Unauthorized)?;
    Tenant::authenticate(pool, &token).await
}
