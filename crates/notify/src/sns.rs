//! Push notifications through AWS SNS mobile push: `Publish` to a platform endpoint (the shop's
//! app on a phone) with `MessageStructure=json`, a `default` entry plus the APNs and FCM forms,
//! signed with SigV4. A disabled endpoint (the app was removed, or notifications turned off) is
//! reported as such and never retried. SNS keeps no list of what it published, so a publish
//! whose answer was lost can't be looked up: it is not sent again.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use dixon_resilience::{
    http, BoxFuture, Call, Error as ServiceError, HealthCheck, Integrations, Policy, Reply, Service, ServiceConfig,
    ServiceKind,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::provider::{Accepted, Found, Outgoing, Provider, Report};
use crate::route::Channel;
use crate::sigv4;

pub const SERVICE_ID: &str = "sns";
pub const LABEL: &str = "AWS SNS (push)";

/// The shop's AWS account for SNS, kept in the OS keychain.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SnsAccount {
    #[serde(flatten)]
    pub credentials: sigv4::Credentials,
    /// e.g. `us-east-1`.
    pub region: String,
}

impl std::fmt::Debug for SnsAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnsAccount").field("region", &self.region).finish_non_exhaustive()
    }
}

impl SnsAccount {
    /// SNS's regional address.
    pub fn default_base_url(&self) -> String {
        format!("https://sns.{}.amazonaws.com", self.region)
    }
}

#[derive(Clone)]
pub struct Sns {
    service: Arc<Service>,
    api: Arc<Api>,
}

/// The signed requests themselves, shared by the client and its health check.
struct Api {
    client: reqwest::Client,
    base_url: String,
    account: SnsAccount,
}

impl Api {
    /// Sends one SigV4-signed SNS action (`Action=…` form fields); the answer's XML body.
    async fn send(&self, fields: &[(&str, &str)]) -> Result<Reply<String>, ServiceError> {
        let mut form: Vec<(&str, &str)> = vec![("Version", "2010-03-31")];
        form.extend_from_slice(fields);
        let corrupt = |detail: String| ServiceError::Corrupt { service: LABEL.into(), detail };
        let body = serde_urlencoded::to_string(&form).map_err(|e| corrupt(e.to_string()))?;
        let url =
            reqwest::Url::parse(&self.base_url).map_err(|_| ServiceError::NotConfigured { service: LABEL.into() })?;
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let request = sigv4::Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &[("content-type", content_type), ("host", &host)],
            body: body.as_bytes(),
        };
        let signed = sigv4::sign(&request, &self.account.credentials, &self.account.region, "sns", Utc::now());
        let mut builder = self.client.post(format!("{}/", self.base_url)).header("content-type", content_type);
        for (name, value) in signed {
            builder = builder.header(name, value);
        }
        let raw = http::send_raw(LABEL, builder.body(body)).await?;
        let text = String::from_utf8(raw.body).map_err(|_| corrupt("not UTF-8".into()))?;
        Ok(Reply { value: text, http_status: Some(raw.status) })
    }
}

/// Healthy while SNS lists the shop's platform applications with its credentials.
struct Health(Arc<Api>);

impl HealthCheck for Health {
    fn check(&self) -> BoxFuture<'_, Result<(), ServiceError>> {
        Box::pin(async move { self.0.send(&[("Action", "ListPlatformApplications")]).await.map(|_| ()) })
    }
}

impl Sns {
    pub fn register(integrations: &Integrations, base_url: &str, account: SnsAccount, policy: Policy) -> Sns {
        let config = ServiceConfig { id: SERVICE_ID.into(), label: LABEL.into(), kind: ServiceKind::Messaging, policy };
        let api =
            Arc::new(Api { client: http::client(), base_url: base_url.trim_end_matches('/').to_string(), account });
        let check: Arc<dyn HealthCheck> = Arc::new(Health(api.clone()));
        Sns { service: integrations.register(config, Some(check)), api }
    }

    /// One signed SNS action through the policy stack; the answer's XML body.
    pub async fn action(&self, call: Call, fields: &[(&str, &str)]) -> Result<String, ServiceError> {
        Ok(self.service.call(call, |_| self.api.send(fields)).await?.value)
    }
}

/// The text of `<tag>…</tag>` in an SNS XML answer.
pub fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].trim())
}

/// The `Message` of a JSON-structured publish: `default` for every platform, and the
/// notification forms APNs and FCM show with a title.
pub fn push_payload(title: &str, body: &str) -> String {
    let apns = json!({ "aps": { "alert": { "title": title, "body": body }, "sound": "default" } }).to_string();
    let fcm = json!({ "notification": { "title": title, "body": body } }).to_string();
    json!({ "default": body, "APNS": apns, "APNS_SANDBOX": apns, "GCM": fcm }).to_string()
}

impl Sns {
    /// Registers a phone's push token with the shop's platform application (APNs or FCM, set up
    /// in the AWS console): the endpoint ARN to keep as the customer's (or owner's) push address.
    pub async fn register_device(&self, platform_application_arn: &str, token: &str) -> Result<String, ServiceError> {
        let fields = [
            ("Action", "CreatePlatformEndpoint"),
            ("PlatformApplicationArn", platform_application_arn),
            ("Token", token),
        ];
        let xml = self.action(Call::idempotent_write("register device", token), &fields).await?;
        xml_text(&xml, "EndpointArn").map(str::to_string).ok_or_else(|| ServiceError::Corrupt {
            service: LABEL.into(),
            detail: "no EndpointArn in the answer".into(),
        })
    }
}

impl Provider for Sns {
    fn channel(&self) -> Channel {
        Channel::Push
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<Accepted, ServiceError>> {
        Box::pin(async move {
            let title = message.subject.clone().unwrap_or_else(|| message.shop_name.clone());
            let payload = push_payload(&title, &message.body);
            let fields = [
                ("Action", "Publish"),
                ("TargetArn", message.to.as_str()),
                ("MessageStructure", "json"),
                ("Message", payload.as_str()),
            ];
            let xml = self.action(Call::unrepeatable_write("publish push"), &fields).await?;
            let id = xml_text(&xml, "MessageId").ok_or_else(|| ServiceError::Corrupt {
                service: LABEL.into(),
                detail: "no MessageId in the answer".into(),
            })?;
            Ok(Accepted { provider_id: id.to_string() })
        })
    }

    fn look_up<'a>(
        &'a self,
        _message: &'a Outgoing,
        _since: DateTime<Utc>,
        _known: &'a [String],
    ) -> BoxFuture<'a, Result<Found, ServiceError>> {
        Box::pin(async { Ok(Found::CannotTell) })
    }

    /// SNS reports delivery only to CloudWatch logs: a published push stays "sent".
    fn report<'a>(&'a self, _provider_id: &'a str) -> BoxFuture<'a, Result<Option<Report>, ServiceError>> {
        Box::pin(async { Ok(None) })
    }

    fn error_code(&self, error: &ServiceError) -> Option<String> {
        match error {
            ServiceError::Rejected { detail, .. } => xml_text(detail, "Code").map(str::to_string),
            _ => None,
        }
    }
}

/// An SNS error code in words.
pub fn explain(code: &str) -> String {
    match code {
        "EndpointDisabled" => "The customer's phone no longer takes notifications from the shop's app (the app was removed or notifications turned off). Text or email them instead.".into(),
        "InvalidParameter" => "SNS refused the push's address: the customer's app registration is not valid any more.".into(),
        "NotFound" => "The customer's app registration no longer exists at SNS.".into(),
        other => format!("AWS SNS error {other}."),
    }
}
