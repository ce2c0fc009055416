use std::time::Duration;

/// Why a call to an outside service did not give a live answer. Every message names the service,
/// says what happened in plain words, and what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("{service} did not answer within {} s. It may be slow or down; try again in a minute.", .after.as_secs_f32())]
    Timeout { service: String, after: Duration },

    #[error(
        "{service} can't be reached ({detail}). Check the internet connection; Dixon Counter keeps working offline."
    )]
    Unreachable { service: String, detail: String },

    #[error("{service} had a problem on its side (HTTP {status}). Try again in a few minutes.")]
    ServerError { service: String, status: u16, retry_after: Option<Duration> },

    #[error("{service} asks us to slow down (HTTP 429){}. Try again shortly.", retry_hint(.retry_after))]
    RateLimited { service: String, retry_after: Option<Duration> },

    #[error("{service} refused our credentials (HTTP {status}). Check the account key in Settings → Integrations.")]
    Auth { service: String, status: u16 },

    #[error("{service} refused the request (HTTP {status}): {detail}")]
    Rejected { service: String, status: u16, detail: String },

    #[error("{service} sent an answer we can't read ({detail}). Nothing was changed; try again later.")]
    Corrupt { service: String, detail: String },

    #[error("{service} is failing, so Dixon Counter is not calling it for {} s (circuit breaker open).", .retry_in.as_secs())]
    BreakerOpen { service: String, retry_in: Duration },

    #[error("Dixon Counter's own limit for {service} is reached; try again in {} s.", .retry_in.as_secs().max(1))]
    LocalRateLimit { service: String, retry_in: Duration },

    #[error("{service} is not set up on this counter. Add it in Settings → Integrations.")]
    NotConfigured { service: String },

    #[error("The integration monitor could not read or write its records ({0}). Try again; if it keeps failing, run `dixon doctor`.")]
    Monitor(String),

    /// A health check of something on this PC (the backups) found it wanting.
    #[error("{service}: {detail}")]
    Unhealthy { service: String, detail: String },
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        Error::Monitor(e.to_string())
    }
}

fn retry_hint(retry_after: &Option<Duration>) -> String {
    retry_after.map(|d| format!(", for {} s", d.as_secs())).unwrap_or_default()
}

impl Error {
    /// A stable name for events, metrics and the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Timeout { .. } => "timeout",
            Error::Unreachable { .. } => "unreachable",
            Error::ServerError { .. } => "server_error",
            Error::RateLimited { .. } => "rate_limited",
            Error::Auth { .. } => "auth",
            Error::Rejected { .. } => "rejected",
            Error::Corrupt { .. } => "corrupt",
            Error::BreakerOpen { .. } => "breaker_open",
            Error::LocalRateLimit { .. } => "local_rate_limit",
            Error::NotConfigured { .. } => "not_configured",
            Error::Monitor(_) => "monitor",
            Error::Unhealthy { .. } => "unhealthy",
        }
    }

    /// Worth another attempt: the next one may well succeed. Requests the service refused
    /// (400, 401, 403, 404, 422) and answers we can't read are never retried.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Timeout { .. } | Error::Unreachable { .. } | Error::ServerError { .. } | Error::RateLimited { .. }
        )
    }

    /// Says something about the service's health, so the circuit breaker counts it. A refused
    /// request or a rate limit means the service is up and answering.
    pub fn counts_against_service(&self) -> bool {
        matches!(
            self,
            Error::Timeout { .. } | Error::Unreachable { .. } | Error::ServerError { .. } | Error::Corrupt { .. }
        )
    }

    /// Whether the request may have reached the service although no answer came back (a
    /// timeout, a dropped connection, a 5xx, an unreadable answer): a write that takes no
    /// idempotency key must be looked up at the service before it is sent again.
    pub fn may_have_arrived(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::ServerError { .. } | Error::Corrupt { .. } => true,
            Error::Unreachable { detail, .. } => detail != crate::http::NOT_CONNECTED,
            _ => false,
        }
    }

    /// The wait the service asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } | Error::ServerError { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::ServerError { status, .. } | Error::Auth { status, .. } | Error::Rejected { status, .. } => {
                Some(*status)
            }
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }
}
