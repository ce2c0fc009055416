//! What every channel's client does, so the send pipeline is written once: send (at most once),
//! look a send up at the provider when its answer was lost, and read a message's delivery state.

use chrono::{DateTime, Utc};
use dixon_resilience::{BoxFuture, Error as ServiceError};

use crate::route::Channel;

/// A file sent with an email (the estimate or invoice PDF).
#[derive(Clone)]
pub struct Attachment {
    pub filename: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// One message on its way out. `to` is personal data: never logged, never in an error.
#[derive(Clone)]
pub struct Outgoing {
    /// Our id, sent where the provider keeps one for us (SendGrid's custom_args).
    pub uid: String,
    pub to: String,
    pub subject: Option<String>,
    pub body: String,
    pub attachment: Option<Attachment>,
    /// The shop's name (the email's From name) and email (its Reply-To).
    pub shop_name: String,
    pub shop_email: Option<String>,
    /// Where the provider reports delivery (the Dixon cloud's relay), when this counter has one.
    pub status_callback: Option<String>,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing").field("uid", &self.uid).finish_non_exhaustive()
    }
}

/// The provider took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// Twilio's SM…, SendGrid's X-Message-Id, SNS's MessageId.
    pub provider_id: String,
}

/// What a look-up of a send whose answer was lost found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The provider has it: it was sent, once.
    Sent(Accepted),
    /// The provider has no such message: it may be sent (again).
    NotSent,
    /// The provider can't be asked (SNS keeps no list; SendGrid without its activity add-on).
    CannotTell,
}

/// A delivery report, from polling or a relayed webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// One of our states: sent, delivered, undelivered, failed.
    pub state: &'static str,
    pub error_code: Option<String>,
}

/// A channel's client.
pub trait Provider: Send + Sync {
    fn channel(&self) -> Channel;

    /// Sends `message` once (never retried by the stack: none of these providers takes an
    /// idempotency key).
    fn send<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<Accepted, ServiceError>>;

    /// Looks for `message` among what the provider accepted since `since`, leaving out the
    /// provider ids `known` to belong to other messages (the same text sent twice on purpose).
    fn look_up<'a>(
        &'a self,
        message: &'a Outgoing,
        since: DateTime<Utc>,
        known: &'a [String],
    ) -> BoxFuture<'a, Result<Found, ServiceError>>;

    /// The provider's delivery state of a message it accepted; `None` when it keeps none.
    fn report<'a>(&'a self, provider_id: &'a str) -> BoxFuture<'a, Result<Option<Report>, ServiceError>>;

    /// The provider's own error code in a refusal (Twilio's 21610), when it gave one.
    fn error_code(&self, error: &ServiceError) -> Option<String>;
}

/// The JSON body of a refusal, when the service put one in it.
pub(crate) fn refusal_json(error: &ServiceError) -> Option<serde_json::Value> {
    match error {
        ServiceError::Rejected { detail, .. } => serde_json::from_str(detail).ok(),
        _ => None,
    }
}
