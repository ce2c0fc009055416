//! PayPal Orders v2, for a customer who pays from their phone: an order for the balance whose
//! approval link the counter shows as a QR code, followed until the customer approves it, then
//! captured; refunds of the capture. Every write carries a `PayPal-Request-Id` stored before the
//! first attempt, so a retry never makes a second order or capture. The OAuth token
//! (client credentials) is shared by every request until a minute before it expires.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dixon_resilience::{
    http, Attempt, BoxFuture, Call, Error as ServiceError, HealthCheck, Integrations, Policy, Reply, Service,
    ServiceConfig, ServiceKind,
};
use dixon_shop::Cents;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub const SERVICE_ID: &str = "paypal";
pub const DEFAULT_BASE_URL: &str = "https://api-m.paypal.com";
const LABEL: &str = "PayPal";

/// The shop's PayPal REST app, kept in the OS keychain (never in SQLite or logs).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PayPalAccount {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for PayPalAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayPalAccount").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

/// An order as far as the counter reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    /// CREATED, SAVED, APPROVED, VOIDED, COMPLETED, PAYER_ACTION_REQUIRED.
    pub status: String,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub purchase_units: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub href: String,
    pub rel: String,
}

impl Order {
    /// Where the customer approves the payment (shown as a QR code).
    pub fn approve_url(&self) -> Option<&str> {
        self.links.iter().find(|l| l.rel == "approve" || l.rel == "payer-action").map(|l| l.href.as_str())
    }

    /// The capture of a completed order: its id and status (COMPLETED, PENDING, DECLINED).
    pub fn capture(&self) -> Option<(String, String)> {
        let capture = self.purchase_units.first()?.pointer("/payments/captures/0")?;
        Some((capture["id"].as_str()?.to_string(), capture["status"].as_str().unwrap_or("").to_string()))
    }
}

struct Token {
    value: String,
    expires: Instant,
}

/// The PayPal client. Cheap to clone.
#[derive(Clone)]
pub struct PayPal {
    service: Arc<Service>,
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    base_url: String,
    token_url: String,
    account: PayPalAccount,
    token: tokio::sync::Mutex<Option<Token>>,
}

impl PayPal {
    /// Registers PayPal with `integrations` (the secret is registered as one, so no event or log
    /// line shows it). The token comes from `{base_url}/v1/oauth2/token`.
    pub fn register(integrations: &Integrations, base_url: &str, account: PayPalAccount) -> PayPal {
        let token_url = format!("{}/v1/oauth2/token", base_url.trim_end_matches('/'));
        PayPal::register_with(integrations, base_url, &token_url, account, Policy::default())
    }

    /// With the token from `token_url` and a policy of the caller's (tests, staging).
    pub fn register_with(
        integrations: &Integrations,
        base_url: &str,
        token_url: &str,
        account: PayPalAccount,
        policy: Policy,
    ) -> PayPal {
        integrations.monitor().register_secret(account.client_secret.clone());
        let inner = Arc::new(Inner {
            client: http::client(),
            base_url: base_url.trim_end_matches('/').to_string(),
            token_url: token_url.to_string(),
            account,
            token: tokio::sync::Mutex::new(None),
        });
        let config = ServiceConfig { id: SERVICE_ID.into(), label: LABEL.into(), kind: ServiceKind::Payments, policy };
        let check: Arc<dyn HealthCheck> = Arc::new(Health { inner: inner.clone() });
        PayPal { service: integrations.register(config, Some(check)), inner }
    }

    async fn send<T>(&self, call: Call, path: String, body: Option<Value>) -> Result<T, ServiceError>
    where
        T: Serialize + serde::de::DeserializeOwned + Clone,
    {
        let request = |attempt: Attempt<'_>| {
            let inner = self.inner.clone();
            let key = attempt.idempotency_key.map(str::to_string);
            let (path, body) = (path.clone(), body.clone());
            async move { inner.send(&path, body, key).await }
        };
        self.service.call(call, request).await.map(|answer| answer.value)
    }

    /// An order for `amount` on repair order `number`, made once per `key`.
    pub async fn create_order(&self, amount: Cents, number: i64, shop: &str, key: &str) -> Result<Order, ServiceError> {
        let body = json!({
            "intent": "CAPTURE",
            "purchase_units": [{
                "reference_id": format!("RO-{number}"),
                "description": format!("Repair order {number}"),
                "custom_id": key,
                "amount": { "currency_code": "USD", "value": dollars(amount) },
            }],
            "payment_source": { "paypal": { "experience_context": {
                "brand_name": shop.chars().take(127).collect::<String>(),
                "user_action": "PAY_NOW",
                "shipping_preference": "NO_SHIPPING",
                "return_url": "https://dixonsmartrepair.com/paypal/return",
                "cancel_url": "https://dixonsmartrepair.com/paypal/cancel",
            } } },
        });
        self.send(Call::idempotent_write("create_order", key), "/v2/checkout/orders".into(), Some(body)).await
    }

    pub async fn order(&self, id: &str) -> Result<Order, ServiceError> {
        self.send(Call::read("show_order"), format!("/v2/checkout/orders/{}", encode(id)), None).await
    }

    /// Captures an approved order, once per `key`.
    pub async fn capture(&self, id: &str, key: &str) -> Result<Order, ServiceError> {
        let path = format!("/v2/checkout/orders/{}/capture", encode(id));
        self.send(Call::idempotent_write("capture_order", key), path, Some(json!({}))).await
    }

    /// Refunds `amount` of a capture.
    pub async fn refund(&self, capture_id: &str, amount: Cents, key: &str) -> Result<Value, ServiceError> {
        let path = format!("/v2/payments/captures/{}/refund", encode(capture_id));
        let body = json!({ "amount": { "currency_code": "USD", "value": dollars(amount) } });
        self.send(Call::idempotent_write("refund_capture", key), path, Some(body)).await
    }
}

/// "48.21" for 4 821 cents: PayPal takes amounts as decimal strings.
fn dollars(amount: Cents) -> String {
    format!("{}.{:02}", amount.0 / 100, amount.0 % 100)
}

fn encode(id: &str) -> String {
    id.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

impl Inner {
    /// The shared token, fetched when there is none, it is about to expire, or PayPal refused it.
    async fn token(&self, refresh: bool) -> Result<String, ServiceError> {
        let mut token = self.token.lock().await;
        if let Some(current) = token.as_ref().filter(|t| !refresh && Instant::now() < t.expires) {
            return Ok(current.value.clone());
        }
        let request = self
            .client
            .post(&self.token_url)
            .basic_auth(&self.account.client_id, Some(&self.account.client_secret))
            .form(&[("grant_type", "client_credentials")]);
        let reply = http::send_json::<Value>(LABEL, request).await?;
        let value = reply.value["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ServiceError::Corrupt {
                service: LABEL.into(),
                detail: "no access_token in the answer".into(),
            })?
            .to_string();
        let lifetime = reply.value["expires_in"].as_u64().unwrap_or(300);
        let expires = Instant::now() + Duration::from_secs(lifetime.saturating_sub(60).max(1));
        *token = Some(Token { value: value.clone(), expires });
        Ok(value)
    }

    /// One request, with one fresh token if PayPal refused the one we had.
    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: Option<Value>,
        request_id: Option<String>,
    ) -> Result<Reply<T>, ServiceError> {
        let mut refreshed = false;
        loop {
            let token = self.token(refreshed).await?;
            let url = format!("{}{path}", self.base_url);
            let mut request = match &body {
                Some(body) => self.client.post(&url).json(body),
                None => self.client.get(&url),
            };
            request = request.bearer_auth(&token).header("Prefer", "return=representation");
            if let Some(id) = &request_id {
                request = request.header("PayPal-Request-Id", id);
            }
            match http::send_json::<T>(LABEL, request).await {
                Err(ServiceError::Auth { .. }) if !refreshed => refreshed = true,
                other => return other,
            }
        }
    }
}

/// A token proves the app's credentials work.
struct Health {
    inner: Arc<Inner>,
}

impl HealthCheck for Health {
    fn check(&self) -> BoxFuture<'_, Result<(), ServiceError>> {
        Box::pin(async move { self.inner.token(true).await.map(|_| ()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_links_and_captures() {
        assert_eq!(dollars(Cents(4_821)), "48.21");
        assert_eq!(dollars(Cents(5)), "0.05");
        let order: Order = serde_json::from_value(json!({
            "id": "5O190127TN364715T", "status": "COMPLETED",
            "links": [{ "href": "https://www.paypal.com/checkoutnow?token=5O19", "rel": "payer-action" }],
            "purchase_units": [{ "payments": { "captures": [{ "id": "3C679366HH908993F", "status": "COMPLETED" }] } }]
        }))
        .unwrap();
        assert_eq!(order.approve_url(), Some("https://www.paypal.com/checkoutnow?token=5O19"));
        assert_eq!(order.capture(), Some(("3C679366HH908993F".into(), "COMPLETED".into())));
        let secret = PayPalAccount { client_id: "app".into(), client_secret: "hunter2".into() };
        assert!(!format!("{secret:?}").contains("hunter2"));
    }
}
