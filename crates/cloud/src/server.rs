//! The HTTP API a counter talks to (axum). Every route that touches a shop's data starts from
//! the device credential ([`Tenant::authenticate`]); none takes a shop from the request body.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sqlx::PgPool;

use crate::{enroll, DeviceInfo, DeviceToken, Enrolled, Error, Result, Tenant};

/// The largest request body accepted (a batch of changes will be the largest).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The routes, over the server's `dixon_app` pool.
pub fn router(pool: PgPool) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/enroll", post(enroll_device))
        .route("/v1/device", get(device))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(pool)
}

/// 200 when the database answers, 503 when it doesn't (for a load balancer or a monitor).
async fn healthz(State(pool): State<PgPool>) -> Result<&'static str> {
    sqlx::query("SELECT 1").execute(&pool).await?;
    Ok("ok")
}

#[derive(Deserialize)]
struct EnrollRequest {
    code: String,
    name: String,
}

async fn enroll_device(State(pool): State<PgPool>, Json(request): Json<EnrollRequest>) -> Result<Json<Enrolled>> {
    let enrolled = enroll(&pool, &request.code, &request.name).await?;
    tracing::info!(shop = %enrolled.shop_id, device = %enrolled.device_id, "counter enrolled");
    Ok(Json(enrolled))
}

async fn device(State(pool): State<PgPool>, headers: HeaderMap) -> Result<Json<DeviceInfo>> {
    let (tenant, info) = authenticated(&pool, &headers).await?;
    tenant.tx.commit().await?;
    Ok(Json(info))
}

/// The caller's tenant transaction, from `Authorization: Bearer dxd.…`.
async fn authenticated(pool: &PgPool, headers: &HeaderMap) -> Result<(Tenant, DeviceInfo)> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(DeviceToken::parse)
        .ok_or(Error::Unauthorized)?;
    Tenant::authenticate(pool, &token).await
}
