//! Email through SendGrid's v3 Mail Send (`POST /v3/mail/send`): the shop's name as the sender's,
//! its address as Reply-To, the estimate or invoice PDF attached. A 202 means SendGrid accepted
//! the mail, not that it arrived: delivery comes from the events the Dixon cloud relays (each
//! carries our message id in `custom_args`), or from the Email Activity API when the account has
//! it — which is also where a send whose answer was lost is looked up.

use std::sync::Arc;

use base64::Engine;
use chrono::{DateTime, Utc};
use dixon_resilience::{
    http, BoxFuture, Call, Error as ServiceError, HealthCheck, Integrations, Policy, Reply, Service, ServiceConfig,
    ServiceKind,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::provider::{Accepted, Found, Outgoing, Provider, Report};
use crate::route::Channel;

pub const SERVICE_ID: &str = "sendgrid";
pub const LABEL: &str = "SendGrid (email)";
pub const DEFAULT_BASE_URL: &str = "https://api.sendgrid.com";
/// The `custom_args` key our message id travels under (and comes back in events).
pub const MESSAGE_ID_ARG: &str = "dixon_message_id";

/// The shop's SendGrid account, kept in the OS keychain.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SendGridAccount {
    pub api_key: String,
    /// A sender address verified in SendGrid (Sender Authentication). The signed event
    /// webhook's public key is the Dixon cloud's to check (`dixon-cloud relay set`), not here.
    pub from_email: String,
}

impl std::fmt::Debug for SendGridAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendGridAccount").finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct SendGrid {
    service: Arc<Service>,
    api: Arc<Api>,
}

/// The requests themselves, shared by the client and its health check.
struct Api {
    client: reqwest::Client,
    base_url: String,
    account: SendGridAccount,
}

impl Api {
    /// `POST /v3/mail/send`; SendGrid's X-Message-Id.
    async fn mail_send(&self, mail: &serde_json::Value) -> Result<Reply<String>, ServiceError> {
        let request =
            self.client.post(format!("{}/v3/mail/send", self.base_url)).bearer_auth(&self.account.api_key).json(mail);
        let raw = http::send_raw(LABEL, request).await?;
        let id = raw.headers.get("x-message-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        Ok(Reply { value: id, http_status: Some(raw.status) })
    }
}

/// Healthy while SendGrid takes a mail in sandbox mode (checked, never sent) with the shop's
/// key and sender: the key's permission and the sender's verification both count.
struct Health(Arc<Api>);

impl HealthCheck for Health {
    fn check(&self) -> BoxFuture<'_, Result<(), ServiceError>> {
        Box::pin(async move {
            let sender = &self.0.account.from_email;
            let probe = json!({
                "personalizations": [{ "to": [{ "email": sender }] }],
                "from": { "email": sender },
                "subject": "Dixon Counter health check",
                "content": [{ "type": "text/plain", "value": "A health check in sandbox mode: SendGrid never sends it." }],
                "mail_settings": { "sandbox_mode": { "enable": true } },
            });
            self.0.mail_send(&probe).await.map(|_| ())
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Activity {
    #[serde(default)]
    messages: Vec<ActivityMessage>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ActivityMessage {
    msg_id: String,
    #[serde(default)]
    status: Option<String>,
}

impl SendGrid {
    pub fn register(integrations: &Integrations, base_url: &str, account: SendGridAccount, policy: Policy) -> SendGrid {
        let config = ServiceConfig { id: SERVICE_ID.into(), label: LABEL.into(), kind: ServiceKind::Messaging, policy };
        let api =
            Arc::new(Api { client: http::client(), base_url: base_url.trim_end_matches('/').to_string(), account });
        let check: Arc<dyn HealthCheck> = Arc::new(Health(api.clone()));
        SendGrid { service: integrations.register(config, Some(check)), api }
    }

    /// The mail/send body.
    fn mail(&self, message: &Outgoing) -> serde_json::Value {
        let mut mail = json!({
            "personalizations": [{
                "to": [{ "email": message.to }],
                "custom_args": { MESSAGE_ID_ARG: message.uid },
            }],
            "from": { "email": self.api.account.from_email, "name": message.shop_name },
            "subject": message.subject.clone().unwrap_or_else(|| format!("A message from {}", message.shop_name)),
            "content": [{ "type": "text/plain", "value": message.body }],
        });
        if let Some(reply_to) = message.shop_email.as_deref().filter(|e| !e.is_empty()) {
            mail["reply_to"] = json!({ "email": reply_to, "name": message.shop_name });
        }
        if let Some(file) = &message.attachment {
            mail["attachments"] = json!([{
                "content": base64::engine::general_purpose::STANDARD.encode(&file.bytes),
                "filename": file.filename,
                "type": file.mime,
                "disposition": "attachment",
            }]);
        }
        mail
    }

    async fn activity(&self, operation: &str, query: &str) -> Result<Option<Vec<ActivityMessage>>, ServiceError> {
        let answer = self
            .service
            .call(Call::read(operation), |_| {
                let request = self
                    .api
                    .client
                    .get(format!("{}/v3/messages", self.api.base_url))
                    .bearer_auth(&self.api.account.api_key)
                    .query(&[("limit", "10"), ("query", query)]);
                async move { http::send_json::<Activity>(LABEL, request).await }
            })
            .await;
        match answer {
            Ok(answer) => Ok(Some(answer.value.messages)),
            // the Email Activity API is a paid add-on: without it there is nothing to ask
            Err(ServiceError::Rejected { status: 404, .. } | ServiceError::Auth { status: 403, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A SendGrid event (relayed webhook) or activity status in our words.
pub fn state_of(event: &str) -> Option<&'static str> {
    Some(match event {
        "processed" | "deferred" | "processing" => "sent",
        "delivered" | "open" | "click" => "delivered",
        "bounce" | "blocked" | "not_delivered" => "undelivered",
        "dropped" => "failed",
        _ => return None,
    })
}

impl Provider for SendGrid {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<Accepted, ServiceError>> {
        Box::pin(async move {
            let mail = self.mail(message);
            let answer =
                self.service.call(Call::unrepeatable_write("send email"), |_| self.api.mail_send(&mail)).await?;
            // without an X-Message-Id (some proxies drop it) our own id stands in
            let provider_id = if answer.value.is_empty() { format!("dixon:{}", message.uid) } else { answer.value };
            Ok(Accepted { provider_id })
        })
    }

    fn look_up<'a>(
        &'a self,
        message: &'a Outgoing,
        _since: DateTime<Utc>,
        _known: &'a [String],
    ) -> BoxFuture<'a, Result<Found, ServiceError>> {
        Box::pin(async move {
            let query = format!("unique_args['{MESSAGE_ID_ARG}']=\"{}\"", message.uid);
            Ok(match self.activity("look up email", &query).await? {
                None => Found::CannotTell,
                Some(found) => match found.into_iter().next() {
                    Some(m) => Found::Sent(Accepted { provider_id: m.msg_id }),
                    None => Found::NotSent,
                },
            })
        })
    }

    fn report<'a>(&'a self, provider_id: &'a str) -> BoxFuture<'a, Result<Option<Report>, ServiceError>> {
        Box::pin(async move {
            if provider_id.starts_with("dixon:") {
                return Ok(None);
            }
            let query = format!("msg_id LIKE '{provider_id}%'");
            let found = self.activity("email status", &query).await?;
            Ok(found
                .and_then(|messages| messages.into_iter().next())
                .and_then(|m| m.status.as_deref().and_then(state_of))
                .map(|state| Report { state, error_code: None }))
        })
    }

    /// SendGrid's refusals carry a message, not a code: the error's text says it.
    fn error_code(&self, _error: &ServiceError) -> Option<String> {
        None
    }
}
