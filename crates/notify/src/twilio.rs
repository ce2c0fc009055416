//! Texts through Twilio Programmable Messaging (the Messages resource of API 2010-04-01):
//! create a message, read one back, list the recent ones to a number (the look-up after a lost
//! answer, since Twilio takes no idempotency key). HTTP Basic with the account SID and token.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use dixon_resilience::{
    http, BoxFuture, Call, Error as ServiceError, HealthCheck, Integrations, Policy, Service, ServiceConfig,
    ServiceKind,
};
use serde::{Deserialize, Serialize};

use crate::provider::{refusal_json, Accepted, Found, Outgoing, Provider, Report};
use crate::route::Channel;

pub const SERVICE_ID: &str = "twilio";
pub const LABEL: &str = "Twilio (text messages)";
pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";

/// The shop's Twilio account, kept in the OS keychain.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TwilioAccount {
    pub account_sid: String,
    pub auth_token: String,
    /// The shop's Twilio number (E.164), or leave empty and set a Messaging Service.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub messaging_service_sid: Option<String>,
}

impl std::fmt::Debug for TwilioAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioAccount").field("account_sid", &self.account_sid).finish_non_exhaustive()
    }
}

/// A Message resource as far as we read it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Message {
    sid: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    date_created: Option<String>,
    #[serde(default)]
    error_code: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Page {
    #[serde(default)]
    messages: Vec<Message>,
}

#[derive(Clone)]
pub struct Twilio {
    service: Arc<Service>,
    api: Arc<Api>,
}

/// The requests themselves, shared by the client and its health check.
struct Api {
    client: reqwest::Client,
    base_url: String,
    account: TwilioAccount,
}

impl Api {
    fn messages_url(&self, tail: &str) -> String {
        format!("{}/2010-04-01/Accounts/{}/Messages{tail}", self.base_url, self.account.account_sid)
    }

    fn authed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.basic_auth(&self.account.account_sid, Some(&self.account.auth_token))
    }

    async fn list(&self, query: &[(&str, String)]) -> Result<dixon_resilience::Reply<Page>, ServiceError> {
        http::send_json::<Page>(LABEL, self.authed(self.client.get(self.messages_url(".json"))).query(query)).await
    }
}

/// Healthy while Twilio lists the account's messages with the shop's credentials.
struct Health(Arc<Api>);

impl HealthCheck for Health {
    fn check(&self) -> BoxFuture<'_, Result<(), ServiceError>> {
        Box::pin(async move { self.0.list(&[("PageSize", "1".into())]).await.map(|_| ()) })
    }
}

impl Twilio {
    /// Registers Twilio with the integrations (with its health check) and returns its client.
    pub fn register(integrations: &Integrations, base_url: &str, account: TwilioAccount, policy: Policy) -> Twilio {
        let config = ServiceConfig { id: SERVICE_ID.into(), label: LABEL.into(), kind: ServiceKind::Messaging, policy };
        let api =
            Arc::new(Api { client: http::client(), base_url: base_url.trim_end_matches('/').to_string(), account });
        let check: Arc<dyn HealthCheck> = Arc::new(Health(api.clone()));
        Twilio { service: integrations.register(config, Some(check)), api }
    }
}

/// Twilio's message status in our words.
pub fn state_of(status: &str) -> Option<&'static str> {
    Some(match status {
        "accepted" | "scheduled" | "queued" | "sending" | "sent" => "sent",
        "delivered" | "read" => "delivered",
        "undelivered" => "undelivered",
        "failed" | "canceled" => "failed",
        _ => return None,
    })
}

fn code_text(code: &serde_json::Value) -> Option<String> {
    match code {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

impl Provider for Twilio {
    fn channel(&self) -> Channel {
        Channel::Sms
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<Accepted, ServiceError>> {
        Box::pin(async move {
            let mut form: Vec<(&str, &str)> = vec![("To", &message.to), ("Body", &message.body)];
            match &self.api.account.messaging_service_sid {
                Some(sid) if !sid.is_empty() => form.push(("MessagingServiceSid", sid)),
                _ => form.push(("From", &self.api.account.from)),
            }
            if let Some(callback) = &message.status_callback {
                form.push(("StatusCallback", callback));
            }
            let answer = self
                .service
                .call(Call::unrepeatable_write("send text"), |_| {
                    let request = self.api.authed(self.api.client.post(self.api.messages_url(".json"))).form(&form);
                    async move { http::send_json::<Message>(LABEL, request).await }
                })
                .await?;
            Ok(Accepted { provider_id: answer.value.sid })
        })
    }

    fn look_up<'a>(
        &'a self,
        message: &'a Outgoing,
        since: DateTime<Utc>,
        known: &'a [String],
    ) -> BoxFuture<'a, Result<Found, ServiceError>> {
        Box::pin(async move {
            let mut query: Vec<(&str, String)> = vec![("To", message.to.clone()), ("PageSize", "50".into())];
            if self.api.account.messaging_service_sid.as_deref().is_none_or(str::is_empty) {
                query.push(("From", self.api.account.from.clone()));
            }
            let answer = self.service.call(Call::read("look up text"), |_| self.api.list(&query)).await?;
            let since = since - chrono::Duration::minutes(2); // clocks differ
            let found = answer.value.messages.into_iter().find(|m| {
                !known.contains(&m.sid)
                    && m.body.as_deref() == Some(message.body.as_str())
                    && m.date_created
                        .as_deref()
                        .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
                        .is_none_or(|created| created >= since)
            });
            Ok(match found {
                Some(m) => Found::Sent(Accepted { provider_id: m.sid }),
                None => Found::NotSent,
            })
        })
    }

    fn report<'a>(&'a self, provider_id: &'a str) -> BoxFuture<'a, Result<Option<Report>, ServiceError>> {
        Box::pin(async move {
            let answer = self
                .service
                .call(Call::read("text status"), |_| {
                    let request =
                        self.api.authed(self.api.client.get(self.api.messages_url(&format!("/{provider_id}.json"))));
                    async move { http::send_json::<Message>(LABEL, request).await }
                })
                .await?;
            let message = answer.value;
            Ok(message
                .status
                .as_deref()
                .and_then(state_of)
                .map(|state| Report { state, error_code: message.error_code.as_ref().and_then(code_text) }))
        })
    }

    fn error_code(&self, error: &ServiceError) -> Option<String> {
        refusal_json(error).and_then(|body| code_text(&body["code"]))
    }
}

/// A Twilio error code in words, with what to do. Codes from Twilio's error dictionary.
pub fn explain(code: &str) -> String {
    match code {
        "21610" => "The customer has opted out (texted STOP). They are not texted again until they text START.".into(),
        "21211" | "21614" => "The number is not a valid mobile number. Check it with the customer, or email them.".into(),
        "21408" | "21612" => "Twilio can't text this country or carrier from the shop's number. Email the customer instead.".into(),
        "30003" => "The phone is off or out of reach. Try again later, or call the customer.".into(),
        "30004" => "The customer blocked texts from the shop's number. Call or email them.".into(),
        "30005" => "The number does not exist (or no longer). Check it with the customer.".into(),
        "30006" => "The number is a landline or can't receive texts. Call the customer, or email them.".into(),
        "30007" => "The carrier filtered the text as spam. Shorten the text, avoid link shorteners, or call the customer.".into(),
        "30034" => "The shop's number is not registered for business texting (A2P 10DLC). Finish the registration in Twilio's console.".into(),
        other => format!("Twilio error {other}: see twilio.com/docs/errors/{other}. Call or email the customer."),
    }
}
