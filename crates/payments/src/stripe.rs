//! Stripe, server-driven Terminal (no JS SDK on the counter): PaymentIntents for card-present
//! payments, the shop's readers, processing on a reader, refunds — each a typed call through the
//! resilience stack. Writes carry an idempotency key the caller stored before the first attempt,
//! so a retry (or a resume after a crash) never creates a second charge.
//!
//! The API version is pinned ([`API_VERSION`]): newer versions change how payment method types
//! are named, and an account's default version must not change what the counter sends.

use std::sync::Arc;
use std::time::Duration;

use dixon_resilience::{
    http, Attempt, BoxFuture, Call, Error as ServiceError, HealthCheck, Integrations, Policy, RateLimit, Reply,
    Service, ServiceConfig, ServiceKind,
};
use dixon_shop::Cents;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const SERVICE_ID: &str = "stripe";
pub const DEFAULT_BASE_URL: &str = "https://api.stripe.com";
/// The Stripe API version every request is sent with.
pub const API_VERSION: &str = "2023-08-16";
const LABEL: &str = "Stripe (card payments)";
/// More PaymentIntents than a shop makes in a month of days; a listing stops here.
const MAX_LISTED: usize = 2_000;

/// The shop's Stripe account, kept in the OS keychain (never in SQLite or logs).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StripeAccount {
    /// A restricted key (rk_…) with PaymentIntents, Refunds and Terminal write access is best.
    pub secret_key: String,
    /// The Terminal location new readers are registered at (tml_…).
    #[serde(default)]
    pub location: Option<String>,
    /// The webhook signing secret (whsec_…) of events the Dixon cloud relays.
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

impl std::fmt::Debug for StripeAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeAccount").field("location", &self.location).finish_non_exhaustive()
    }
}

/// A PaymentIntent as far as the counter reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    /// requires_payment_method, requires_confirmation, requires_action, processing,
    /// requires_capture, canceled, succeeded.
    pub status: String,
    #[serde(default)]
    pub amount: i64,
    /// "automatic" or "manual" (a hold, captured later).
    #[serde(default)]
    pub capture_method: Option<String>,
    /// What a manual-capture PaymentIntent may still capture.
    #[serde(default)]
    pub amount_capturable: i64,
    #[serde(default)]
    pub last_payment_error: Option<PaymentError>,
    /// An id, or the charge itself when expanded.
    #[serde(default)]
    pub latest_charge: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentError {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

impl PaymentIntent {
    /// "Visa •••• 4242" and the wallet ("apple_pay") when the charge is expanded.
    pub fn card(&self) -> (Option<String>, Option<String>) {
        let details = self.latest_charge.as_ref().and_then(|c| c.pointer("/payment_method_details/card_present"));
        let Some(details) = details else { return (None, None) };
        let brand = details["brand"].as_str().map(capitalise);
        let last4 = details["last4"].as_str();
        let card = match (brand, last4) {
            (Some(brand), Some(last4)) => Some(format!("{brand} •••• {last4}")),
            (Some(brand), None) => Some(brand),
            _ => None,
        };
        (card, details.pointer("/wallet/type").and_then(Value::as_str).map(str::to_string))
    }

    /// Why the last attempt failed, in the words the reader's bank gave.
    pub fn failure(&self) -> Option<String> {
        let error = self.last_payment_error.as_ref()?;
        error.message.clone().or_else(|| error.decline_code.clone()).or_else(|| error.code.clone())
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A Terminal reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Reader {
    pub id: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub device_type: Option<String>,
    /// "online" or "offline".
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub serial_number: Option<String>,
    #[serde(default)]
    pub action: Option<ReaderAction>,
}

/// What the reader is doing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReaderAction {
    /// in_progress, succeeded, failed.
    pub status: String,
    #[serde(default)]
    pub failure_message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct List<T> {
    data: Vec<T>,
    #[serde(default)]
    has_more: bool,
}

/// A refund as Stripe reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub amount: i64,
}

/// The Stripe client. Cheap to clone.
#[derive(Clone)]
pub struct Stripe {
    service: Arc<Service>,
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    base_url: String,
    account: StripeAccount,
}

impl Stripe {
    /// Registers Stripe with `integrations`; the keys are registered as secrets, so no event
    /// or log line ever shows them.
    pub fn register(integrations: &Integrations, base_url: &str, account: StripeAccount) -> Stripe {
        let policy = Policy {
            timeout: Duration::from_secs(10),
            // Stripe allows 100 requests a second in live mode; the counter needs a few.
            rate_limit: Some(RateLimit { calls: 25, per: Duration::from_secs(1) }),
            ..Policy::default()
        };
        Stripe::register_with_policy(integrations, base_url, account, policy)
    }

    pub fn register_with_policy(
        integrations: &Integrations,
        base_url: &str,
        account: StripeAccount,
        policy: Policy,
    ) -> Stripe {
        integrations.monitor().register_secret(account.secret_key.clone());
        if let Some(secret) = &account.webhook_secret {
            integrations.monitor().register_secret(secret.clone());
        }
        let inner =
            Arc::new(Inner { client: http::client(), base_url: base_url.trim_end_matches('/').to_string(), account });
        let config = ServiceConfig { id: SERVICE_ID.into(), label: LABEL.into(), kind: ServiceKind::Payments, policy };
        let check: Arc<dyn HealthCheck> = Arc::new(Health { inner: inner.clone() });
        Stripe { service: integrations.register(config, Some(check)), inner }
    }

    pub fn account(&self) -> &StripeAccount {
        &self.inner.account
    }

    /// One request through the stack: `form` for POSTs, `None` for GETs.
    async fn send<T>(&self, call: Call, path: String, form: Option<Vec<(String, String)>>) -> Result<T, ServiceError>
    where
        T: Serialize + DeserializeOwned + Clone,
    {
        let request = |attempt: Attempt<'_>| {
            let inner = self.inner.clone();
            let key = attempt.idempotency_key.map(str::to_string);
            let (path, form) = (path.clone(), form.clone());
            async move { inner.send(&path, form, key).await }
        };
        self.service.call(call, request).await.map(|answer| answer.value)
    }

    /// A card-present PaymentIntent for `amount` on repair order `number`, created once per
    /// `key` (Stripe answers a repeated key with the same PaymentIntent); `hold` makes it a
    /// manual-capture one (captured later with [`Stripe::capture`]).
    pub async fn create_intent(
        &self,
        amount: Cents,
        number: i64,
        shop: &str,
        key: &str,
        hold: bool,
    ) -> Result<PaymentIntent, ServiceError> {
        let form = vec![
            ("amount".into(), amount.0.to_string()),
            ("currency".into(), "usd".into()),
            ("payment_method_types[]".into(), "card_present".into()),
            ("capture_method".into(), if hold { "manual" } else { "automatic" }.into()),
            ("description".into(), format!("Repair order {number}")),
            ("metadata[repair_order]".into(), number.to_string()),
            ("metadata[shop]".into(), shop.chars().take(100).collect()),
        ];
        self.send(Call::idempotent_write("create_payment_intent", key), "/v1/payment_intents".into(), Some(form)).await
    }

    /// The PaymentIntent as it is now, its charge expanded (card brand, last four, wallet).
    pub async fn intent(&self, id: &str) -> Result<PaymentIntent, ServiceError> {
        let path = format!("/v1/payment_intents/{}?expand[]=latest_charge", encode(id));
        self.send(Call::read("retrieve_payment_intent"), path, None).await
    }

    /// Shows the amount on `reader` and waits there for the card.
    pub async fn process(&self, reader: &str, intent: &str, key: &str) -> Result<Reader, ServiceError> {
        let path = format!("/v1/terminal/readers/{}/process_payment_intent", encode(reader));
        let form = vec![("payment_intent".into(), intent.to_string())];
        self.send(Call::idempotent_write("process_payment_intent", key), path, Some(form)).await
    }

    pub async fn reader(&self, id: &str) -> Result<Reader, ServiceError> {
        self.send(Call::read("retrieve_reader"), format!("/v1/terminal/readers/{}", encode(id)), None).await
    }

    /// Clears the reader's screen (the customer walked away, or the counter gave up waiting).
    pub async fn cancel_action(&self, reader: &str, key: &str) -> Result<Reader, ServiceError> {
        let path = format!("/v1/terminal/readers/{}/cancel_action", encode(reader));
        self.send(Call::idempotent_write("cancel_reader_action", key), path, Some(Vec::new())).await
    }

    /// Captures `amount` (all that is capturable when `None`) of a held PaymentIntent.
    pub async fn capture(&self, id: &str, amount: Option<Cents>, key: &str) -> Result<PaymentIntent, ServiceError> {
        let path = format!("/v1/payment_intents/{}/capture", encode(id));
        let form = amount.map(|a| vec![("amount_to_capture".to_string(), a.0.to_string())]).unwrap_or_default();
        self.send(Call::idempotent_write("capture_payment_intent", key), path, Some(form)).await
    }

    /// Cancels a PaymentIntent that will not be paid (or releases a hold).
    pub async fn cancel_intent(&self, id: &str, key: &str) -> Result<PaymentIntent, ServiceError> {
        let path = format!("/v1/payment_intents/{}/cancel", encode(id));
        self.send(Call::idempotent_write("cancel_payment_intent", key), path, Some(Vec::new())).await
    }

    /// Refunds `amount` of a PaymentIntent (the whole of it when `None`).
    pub async fn refund(&self, intent: &str, amount: Option<Cents>, key: &str) -> Result<Refund, ServiceError> {
        let mut form = vec![("payment_intent".to_string(), intent.to_string())];
        if let Some(amount) = amount {
            form.push(("amount".into(), amount.0.to_string()));
        }
        self.send(Call::idempotent_write("create_refund", key), "/v1/refunds".into(), Some(form)).await
    }

    /// Every PaymentIntent created in `[from, to)` (unix seconds), following Stripe's pages.
    pub async fn intents_created(&self, from: i64, to: i64) -> Result<Vec<PaymentIntent>, ServiceError> {
        let mut all: Vec<PaymentIntent> = Vec::new();
        loop {
            let mut path = format!("/v1/payment_intents?limit=100&created[gte]={from}&created[lt]={to}");
            if let Some(last) = all.last() {
                path.push_str(&format!("&starting_after={}", encode(&last.id)));
            }
            let page: List<PaymentIntent> = self.send(Call::read("list_payment_intents"), path, None).await?;
            // a page that does not move past the last one would loop forever: stop there
            let repeats = page.data.last().map(|i| &i.id) == all.last().map(|i| &i.id);
            let more = page.has_more && !page.data.is_empty() && !repeats;
            if !repeats {
                all.extend(page.data);
            }
            if !more || all.len() >= MAX_LISTED {
                return Ok(all);
            }
        }
    }

    /// The shop's readers.
    pub async fn readers(&self) -> Result<Vec<Reader>, ServiceError> {
        let list: List<Reader> =
            self.send(Call::read("list_readers"), "/v1/terminal/readers?limit=100".into(), None).await?;
        Ok(list.data)
    }

    /// Registers a reader by the code it shows (Settings → Generate pairing code on the reader).
    pub async fn register_reader(
        &self,
        code: &str,
        label: &str,
        location: &str,
        key: &str,
    ) -> Result<Reader, ServiceError> {
        let form = vec![
            ("registration_code".into(), code.trim().to_string()),
            ("label".into(), label.trim().to_string()),
            ("location".into(), location.trim().to_string()),
        ];
        self.send(Call::idempotent_write("register_reader", key), "/v1/terminal/readers".into(), Some(form)).await
    }
}

/// Ids go into paths; anything but the characters Stripe's ids use is escaped.
fn encode(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Inner {
    async fn send<T: DeserializeOwned>(
        &self,
        path: &str,
        form: Option<Vec<(String, String)>>,
        idempotency_key: Option<String>,
    ) -> Result<Reply<T>, ServiceError> {
        let url = format!("{}{path}", self.base_url);
        let mut request = match form {
            Some(form) => self.client.post(url).form(&form),
            None => self.client.get(url),
        };
        request = request.bearer_auth(&self.account.secret_key).header("Stripe-Version", API_VERSION);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        http::send_json(LABEL, request).await
    }
}

/// The cheapest question that proves the key works: one reader.
struct Health {
    inner: Arc<Inner>,
}

impl HealthCheck for Health {
    fn check(&self) -> BoxFuture<'_, Result<(), ServiceError>> {
        Box::pin(async move { self.inner.send::<Value>("/v1/terminal/readers?limit=1", None, None).await.map(|_| ()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_and_wallet_from_an_expanded_charge() {
        let intent: PaymentIntent = serde_json::from_value(serde_json::json!({
            "id": "pi_1", "status": "succeeded", "amount": 12345,
            "latest_charge": { "id": "ch_1", "payment_method_details": { "type": "card_present",
                "card_present": { "brand": "visa", "last4": "4242", "wallet": { "type": "apple_pay" } } } }
        }))
        .unwrap();
        assert_eq!(intent.card(), (Some("Visa •••• 4242".into()), Some("apple_pay".into())));
        let collapsed = PaymentIntent { latest_charge: Some(Value::String("ch_1".into())), ..intent };
        assert_eq!(collapsed.card(), (None, None));
    }

    #[test]
    fn ids_are_escaped_in_paths_and_keys_kept_out_of_debug() {
        assert_eq!(encode("tmr_FDOt2wlRZEdpd7"), "tmr_FDOt2wlRZEdpd7");
        assert_eq!(encode("../v1/charges?x"), "%2E%2E%2Fv1%2Fcharges%3Fx");
        let account = StripeAccount { secret_key: "rk_live_secret".into(), location: None, webhook_secret: None };
        assert!(!format!("{account:?}").contains("rk_live"));
    }
}
