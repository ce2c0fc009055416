//! The one error type of the cloud: what went wrong, in words for the counter or the operator,
//! and the HTTP status it answers with.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("This enrollment code is not valid: it may be mistyped, used already or expired. Ask the shop's owner for a new one (dixon-cloud shop enroll-code SHOP).")]
    BadEnrollmentCode,
    #[error("This counter's credential was not accepted (unknown, or the device was removed). Enroll the counter again with a new code.")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("This Dixon Counter is too old for this cloud (sync protocol {protocol}): update it. Its changes wait on the counter; nothing is lost.")]
    TooOld { protocol: u32 },
    #[error("The cursor {cursor} is not in this shop's feed (it ends at {end}): the cloud was restored from a backup. Start again from a snapshot.")]
    CursorOutOfRange { cursor: i64, end: i64 },
    #[error("No shop {0} here. `dixon-cloud shop list` shows the shops.")]
    UnknownShop(String),
    #[error("The database can't be reached or refused the request: {0}")]
    Database(#[from] sqlx::Error),
    #[error("Something unexpected happened in the Dixon cloud: {0}")]
    Internal(String),
    #[error("The schema could not be brought up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    fn status(&self) -> StatusCode {
        match self {
            Error::BadEnrollmentCode => StatusCode::FORBIDDEN,
            Error::Unauthorized => StatusCode::UNAUTHORIZED,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::TooOld { .. } => StatusCode::UPGRADE_REQUIRED,
            Error::CursorOutOfRange { .. } => StatusCode::CONFLICT,
            Error::UnknownShop(_) => StatusCode::NOT_FOUND,
            Error::Database(_) | Error::Migrate(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable name for clients.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::BadEnrollmentCode => "bad_enrollment_code",
            Error::Unauthorized => "unauthorized",
            Error::BadRequest(_) => "bad_request",
            Error::Forbidden(_) => "forbidden",
            Error::TooOld { .. } => "update_required",
            Error::CursorOutOfRange { .. } => "cursor_out_of_range",
            Error::UnknownShop(_) => "unknown_shop",
            Error::Database(_) => "database",
            Error::Migrate(_) => "migrate",
            Error::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        // database details stay in the server's log; the client learns only what to do
        let message = match &self {
            Error::Database(_) | Error::Migrate(_) | Error::Internal(_) => {
                "The Dixon cloud is having trouble; the counter keeps working and will try again.".to_string()
            }
            other => other.to_string(),
        };
        (status, axum::Json(serde_json::json!({ "error": self.kind(), "message": message }))).into_response()
    }
}
