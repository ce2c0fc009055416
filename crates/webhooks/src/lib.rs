//! Checks the signatures outside services put on the calls they make to us, so the Dixon cloud
//! (which receives them for the shops) and the counter (which re-checks what the cloud relays)
//! take only what the service really sent, and never a replay of it:
//!
//! - [`stripe`]: `Stripe-Signature` — HMAC-SHA256 of `"{t}.{payload}"`, within 5 minutes.
//! - [`twilio`]: `X-Twilio-Signature` — HMAC-SHA1 of the URL Twilio called and the sorted form
//!   parameters, under the account's auth token (Twilio signs no time: replays are caught by the
//!   message id and status, by whoever stores them).
//! - [`sendgrid`]: the signed Event Webhook — ECDSA P-256 over `timestamp + payload`, with the
//!   public key SendGrid shows for the webhook, within 5 minutes.
//!
//! Every refusal says why in words and never echoes a secret or an expected signature.

pub mod sendgrid;
pub mod stripe;
pub mod twilio;

/// How old (or how far ahead) a signed call may be, where the service signs its time.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the {0} header is missing or can't be read")]
    Malformed(&'static str),
    #[error("the call was signed {age} s from now, more than the {TOLERANCE_SECONDS} s allowed (a replay, or a clock is wrong)")]
    Stale { age: i64 },
    #[error("no signature matches: the call did not come from {0}, or its signing secret here is not the current one")]
    Mismatch(&'static str),
    #[error("the signing key kept for {0} can't be read: paste it again")]
    BadKey(&'static str),
}

pub type Result<T> = std::result::Result<T, Error>;

fn fresh(timestamp: i64, now: i64) -> Result<()> {
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(Error::Stale { age: now - timestamp });
    }
    Ok(())
}
