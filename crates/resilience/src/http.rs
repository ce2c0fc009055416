//! The HTTP side of every integration: one reqwest client per service, and one mapping from
//! what comes back (or doesn't) to an [`Error`]. Clients build requests; this reads answers.

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::service::Reply;

/// A reqwest client with our user agent. Timeouts are the policy stack's job, not reqwest's.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("DixonCounter/", env!("CARGO_PKG_VERSION"), " (+https://dixonsmartrepair.com)"))
        .connect_timeout(Duration::from_secs(5))
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .expect("a TLS-capable HTTP client can always be built")
}

/// What an [`Error::Unreachable`] says when no connection was made: the request never left.
pub const NOT_CONNECTED: &str = "connection refused or no route";

/// A successful answer as it came: its status, headers and body.
#[derive(Debug, Clone)]
pub struct RawReply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

/// Sends `request` and keeps a successful answer as it came (for services answering with no
/// body, XML, or an id in a header). `service` is the service's label, used in error messages.
pub async fn send_raw(service: &str, request: reqwest::RequestBuilder) -> Result<RawReply, Error> {
    let response = request.send().await.map_err(|e| transport_error(service, &e))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let retry_after =
        headers.get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
    let body = response.bytes().await.map_err(|e| transport_error(service, &e))?;
    if let Some(error) = status_error(service, status, retry_after, &body) {
        return Err(error);
    }
    Ok(RawReply { status, headers, body: body.to_vec() })
}

/// Sends `request` and reads a JSON body of type `T`. `service` is the service's label, used in
/// error messages.
pub async fn send_json<T: DeserializeOwned>(
    service: &str,
    request: reqwest::RequestBuilder,
) -> Result<Reply<T>, Error> {
    let raw = send_raw(service, request).await?;
    let value = serde_json::from_slice::<T>(&raw.body).map_err(|e| Error::Corrupt {
        service: service.to_string(),
        detail: if raw.body.is_empty() {
            "empty body".to_string()
        } else {
            format!("invalid JSON or wrong shape: {e}")
        },
    })?;
    Ok(Reply { value, http_status: Some(raw.status) })
}

/// The error an HTTP status means, or `None` for success.
pub fn status_error(service: &str, status: u16, retry_after: Option<Duration>, body: &[u8]) -> Option<Error> {
    let service = service.to_string();
    Some(match status {
        200..=299 => return None,
        401 | 403 => Error::Auth { service, status },
        429 => Error::RateLimited { service, retry_after },
        500..=599 => Error::ServerError { service, status, retry_after },
        _ => {
            let text = String::from_utf8_lossy(&body[..body.len().min(300)]).trim().to_string();
            Error::Rejected { service, status, detail: if text.is_empty() { format!("HTTP {status}") } else { text } }
        }
    })
}

fn transport_error(service: &str, e: &reqwest::Error) -> Error {
    let service = service.to_string();
    let detail = if e.is_timeout() {
        "no connection within 5 s".to_string()
    } else if e.is_connect() {
        NOT_CONNECTED.to_string()
    } else if e.is_body() || e.is_request() {
        "the connection dropped mid-answer".to_string()
    } else {
        "network error".to_string()
    };
    Error::Unreachable { service, detail }
}

/// `Retry-After` as seconds (`120`) or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().ok().or(Some(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_what_they_mean() {
        assert!(status_error("S", 204, None, b"").is_none());
        assert_eq!(status_error("S", 401, None, b"").unwrap().kind(), "auth");
        assert_eq!(status_error("S", 429, None, b"").unwrap().kind(), "rate_limited");
        assert_eq!(status_error("S", 503, None, b"").unwrap().kind(), "server_error");
        for status in [400, 404, 422] {
            let error = status_error("S", status, None, b"{\"message\":\"bad vin\"}").unwrap();
            assert_eq!(error.kind(), "rejected");
            assert!(!error.is_transient(), "{status} is never retried");
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
