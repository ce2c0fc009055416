//! The PartsTech API (v2): quotes from the shop's connected suppliers, by VIN and keyword or by
//! part number, through the resilience stack.
//!
//! Access: `POST /oauth/access` with the partner's and the user's id and key gives a JWT that
//! lives 60 minutes; one token is shared by every request until a minute before it expires (or
//! until PartsTech refuses it, then a new one is fetched once). Quotes: `POST /catalog/quote`,
//! one request per store the shop buys from, all at once; answers cached 1 h per part and
//! vehicle. The spec's own examples break its schema in places (a store's name is an integer in
//! the schema and a string in practice), so answers are read leniently.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dixon_resilience::{
    http, Attempt, BoxFuture, Call, Error as ServiceError, HealthCheck, Integrations, Policy, RateLimit, Reply,
    Service, ServiceConfig, ServiceKind,
};
use dixon_shop::{Cents, PartCondition};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{dollars_to_cents, Availability, Error, PartOffer, PartQuery, PartSearch, PartsProvider};

pub const SERVICE_ID: &str = "partstech";
pub const DEFAULT_BASE_URL: &str = "https://api.partstech.com";
const LABEL: &str = "PartsTech (parts pricing)";
/// PartsTech's tokens live 60 minutes; we stop using one a minute early.
const TOKEN_LIFETIME: Duration = Duration::from_secs(59 * 60);
/// Prices and stock move during the day; an hour is what the platform allows.
const QUOTE_TTL: Duration = Duration::from_secs(3600);
/// A service writer is waiting at the counter.
const INTERACTIVE_BUDGET: Duration = Duration::from_secs(6);

/// The shop's PartsTech account, kept in the OS keychain (never in SQLite or logs).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PartsTechCredentials {
    pub partner_id: String,
    pub partner_key: String,
    pub user_id: String,
    pub user_key: String,
    /// The PartsTech store ids of the suppliers' branches the shop buys from.
    pub store_ids: Vec<i64>,
}

impl std::fmt::Debug for PartsTechCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartsTechCredentials")
            .field("partner_id", &self.partner_id)
            .field("user_id", &self.user_id)
            .field("store_ids", &self.store_ids)
            .finish_non_exhaustive()
    }
}

struct Token {
    value: String,
    fetched: Instant,
}

/// The PartsTech client. Cheap to clone.
#[derive(Clone)]
pub struct PartsTech {
    service: Arc<Service>,
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    base_url: String,
    credentials: PartsTechCredentials,
    token: tokio::sync::Mutex<Option<Token>>,
}

impl PartsTech {
    /// Registers PartsTech with `integrations` (its keys are registered as secrets, so no event
    /// or log line ever shows them). `cost_per_request_microusd` is what the shop's plan
    /// charges per request, recorded with every call.
    pub fn register(
        integrations: &Integrations,
        base_url: &str,
        credentials: PartsTechCredentials,
        cost_per_request_microusd: i64,
    ) -> PartsTech {
        let policy = Policy {
            timeout: Duration::from_secs(5),
            rate_limit: Some(RateLimit { calls: 20, per: Duration::from_secs(1) }),
            cost_per_request_microusd,
            ..Policy::default()
        };
        PartsTech::register_with_policy(integrations, base_url, credentials, policy)
    }

    pub fn register_with_policy(
        integrations: &Integrations,
        base_url: &str,
        credentials: PartsTechCredentials,
        policy: Policy,
    ) -> PartsTech {
        for secret in [&credentials.partner_key, &credentials.user_key] {
            integrations.monitor().register_secret(secret.clone());
        }
        let inner = Arc::new(Inner {
            client: http::client(),
            base_url: base_url.trim_end_matches('/').to_string(),
            credentials,
            token: tokio::sync::Mutex::new(None),
        });
        let config = ServiceConfig { id: SERVICE_ID.into(), label: LABEL.into(), kind: ServiceKind::Data, policy };
        let check: Arc<dyn HealthCheck> = Arc::new(Health { inner: inner.clone() });
        PartsTech { service: integrations.register(config, Some(check)), inner }
    }

    /// Offers for `query` from every store of the shop, asked at once. A store that fails is
    /// logged and skipped while another answers; if none answers, the error is returned.
    pub async fn quote(&self, query: &PartQuery) -> Result<Vec<PartOffer>, ServiceError> {
        let search_params = search_params(query).map_err(|detail| ServiceError::Rejected {
            service: LABEL.into(),
            status: 0,
            detail,
        })?;
        let stores = self.inner.credentials.store_ids.clone();
        let asks = stores.iter().map(|&store| {
            let body = json!({ "searchParams": search_params, "storeId": store });
            let key = format!("quote:{store}:{}", query.cache_key());
            async move {
                let call = Call::read("quote").cached(key, QUOTE_TTL, true).within(INTERACTIVE_BUDGET);
                let request = |_: Attempt<'_>| {
                    let inner = self.inner.clone();
                    let body = body.clone();
                    async move { inner.quote_once(&body).await }
                };
                self.service.call(call, request).await.map(|answer| answer.value)
            }
        });
        let results = futures_util::future::join_all(asks).await;
        let mut offers = Vec::new();
        let mut last_error = None;
        for result in results {
            match result {
                Ok(parts) => offers.extend(parts),
                Err(e) => {
                    tracing::warn!("PartsTech store quote failed: {e}");
                    last_error = Some(e);
                }
            }
        }
        match last_error {
            Some(error) if offers.is_empty() && !stores.is_empty() => Err(error),
            _ => Ok(offers),
        }
    }
}

impl PartsProvider for PartsTech {
    fn id(&self) -> &'static str {
        SERVICE_ID
    }

    fn quote<'a>(&'a self, query: &'a PartQuery) -> BoxFuture<'a, Result<Vec<PartOffer>, Error>> {
        Box::pin(async move { Ok(PartsTech::quote(self, query).await?) })
    }
}

impl Inner {
    /// The shared token, fetching a new one when there is none, it is about to expire, or
    /// `refresh` says PartsTech refused it.
    async fn token(&self, refresh: bool) -> Result<String, ServiceError> {
        let mut token = self.token.lock().await;
        if let Some(current) = token.as_ref().filter(|t| !refresh && t.fetched.elapsed() < TOKEN_LIFETIME) {
            return Ok(current.value.clone());
        }
        let c = &self.credentials;
        let body = json!({
            "accessType": "user",
            "credentials": {
                "user": { "id": c.user_id, "key": c.user_key },
                "partner": { "id": c.partner_id, "key": c.partner_key },
            },
        });
        let request = self.client.post(format!("{}/oauth/access", self.base_url)).json(&body);
        let reply = http::send_json::<Value>(LABEL, request).await?;
        let value = reply.value["accessToken"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ServiceError::Corrupt {
                service: LABEL.into(),
                detail: "no accessToken in the answer".into(),
            })?
            .to_string();
        *token = Some(Token { value: value.clone(), fetched: Instant::now() });
        Ok(value)
    }

    /// One quote request, with one fresh token if PartsTech refused the one we had.
    async fn quote_once(&self, body: &Value) -> Result<Reply<Vec<PartOffer>>, ServiceError> {
        let mut refreshed = false;
        loop {
            let token = self.token(refreshed).await?;
            let request = self.client.post(format!("{}/catalog/quote", self.base_url)).bearer_auth(&token).json(body);
            match http::send_json::<Value>(LABEL, request).await {
                Ok(reply) => {
                    let offers = parse_quote(&reply.value)
                        .map_err(|detail| ServiceError::Corrupt { service: LABEL.into(), detail })?;
                    return Ok(Reply { value: offers, http_status: reply.http_status });
                }
                Err(ServiceError::Auth { .. }) if !refreshed => refreshed = true,
                Err(e) => return Err(e),
            }
        }
    }
}

/// The `searchParams` for a query: VIN + keyword, or a part number (PartsTech does not search
/// by UPC).
fn search_params(query: &PartQuery) -> Result<Value, String> {
    match (&query.search, query.vin.as_deref()) {
        (PartSearch::Keyword(keyword), Some(vin)) => Ok(json!({ "vin": vin, "keyword": keyword.trim() })),
        (PartSearch::Keyword(_), None) => {
            Err("PartsTech needs the vehicle's VIN to search by keyword; add the VIN to the repair order.".into())
        }
        (PartSearch::PartNumber(number), _) => Ok(json!({ "partNumber": [number.trim()] })),
        (PartSearch::Upc(_), _) => Err("PartsTech does not search by UPC; the local catalog answers scans.".into()),
    }
}

/// Reads `parts[]` of a quote answer. Parts without a usable cost are skipped.
fn parse_quote(value: &Value) -> Result<Vec<PartOffer>, String> {
    let parts = value["parts"].as_array().ok_or("no parts list in the answer")?;
    Ok(parts.iter().filter_map(parse_part).collect())
}

fn parse_part(part: &Value) -> Option<PartOffer> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let price = &part["price"];
    let cost = dollars_to_cents(price["cost"].as_f64()?)?;
    let list = price["list"].as_f64().and_then(dollars_to_cents);
    let core = price["core"].as_f64().and_then(dollars_to_cents).unwrap_or(Cents::ZERO);
    let quantity = part["quantity"].as_i64();
    let availability = match part["status"].as_str().unwrap_or("") {
        "IN_STOCK" => Availability::InStock { quantity: quantity.filter(|q| *q > 0) },
        "OUT_OF_STOCK" => Availability::OutOfStock,
        "SPECIAL_ORDER" => Availability::SpecialOrder,
        "BACK_ORDER" => Availability::BackOrder,
        _ => Availability::Unknown,
    };
    let supplier = text(&part["supplier"]["name"]).unwrap_or_else(|| "PartsTech supplier".into());
    let store = text(&part["store"]["name"]);
    let brand = text(&part["brand"]["displayName"]).or_else(|| text(&part["brand"]["brandName"])).unwrap_or_default();
    let description = text(&part["partName"]).unwrap_or_default();
    let lower = format!("{brand} {description}").to_lowercase();
    let condition = if lower.contains("reman") || lower.contains("rebuilt") {
        PartCondition::Rebuilt
    } else if ["genuine", "oem", "motorcraft", "acdelco", "mopar"].iter().any(|w| lower.contains(w)) {
        PartCondition::Oem
    } else {
        PartCondition::Aftermarket
    };
    Some(PartOffer {
        provider: SERVICE_ID.to_string(),
        supplier: match store {
            Some(store) => format!("{supplier} · {store}"),
            None => supplier,
        },
        part_number: text(&part["partNumber"]).unwrap_or_default(),
        brand,
        description,
        condition,
        cost,
        list,
        core,
        price: cost,
        availability,
        is_estimate: false,
    })
}

struct Health {
    inner: Arc<Inner>,
}

impl HealthCheck for Health {
    /// A valid token (fetched at most once an hour) and the user's profile.
    fn check(&self) -> BoxFuture<'_, Result<(), ServiceError>> {
        Box::pin(async move {
            let token = self.inner.token(false).await?;
            let request = self.inner.client.get(format!("{}/profile", self.inner.base_url)).bearer_auth(token);
            http::send_json::<Value>(LABEL, request).await.map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_read_leniently_and_in_cents() {
        let answer = json!({ "parts": [
            { "status": "IN_STOCK", "quantity": 4, "partNumber": "D1234", "partName": "Ceramic brake pads",
              "brand": { "brandID": "BBHK", "brandName": "Wagner" },
              "supplier": { "id": 1, "name": "AutoZone" }, "store": { "id": 9, "name": "5254 - Waltham, MA" },
              "price": { "cost": 31.455, "list": 59.99, "core": 0, "fet": null } },
            { "status": "CHECK_AVAILABILITY", "partNumber": 777, "partName": "Reman alternator",
              "brand": { "brandName": "Bosch" }, "supplier": { "name": "NAPA" }, "store": { "id": 3, "name": 3 },
              "price": { "cost": 120, "core": 45.5 } },
            { "status": "IN_STOCK", "partName": "no price", "price": { "list": 1 } }
        ]});
        let offers = parse_quote(&answer).unwrap();
        assert_eq!(offers.len(), 2, "a part without a cost is skipped");
        assert_eq!(offers[0].cost, Cents(3_146), "$31.455 rounds half-up");
        assert_eq!(offers[0].list, Some(Cents(5_999)));
        assert_eq!(offers[0].availability, Availability::InStock { quantity: Some(4) });
        assert_eq!(offers[0].supplier, "AutoZone · 5254 - Waltham, MA");
        assert_eq!(offers[1].part_number, "777");
        assert_eq!(offers[1].core, Cents(4_550));
        assert_eq!(offers[1].condition, PartCondition::Rebuilt);
        assert_eq!(offers[1].availability, Availability::Unknown);
        assert!(parse_quote(&json!({ "error": "x" })).is_err());
    }

    #[test]
    fn keyword_searches_need_a_vin_and_upcs_are_not_sent() {
        assert!(search_params(&PartQuery::keyword("pads", None)).is_err());
        let by_vin = search_params(&PartQuery::keyword(" pads ", Some("1HGCM82633A004352"))).unwrap();
        assert_eq!(by_vin, json!({ "vin": "1HGCM82633A004352", "keyword": "pads" }));
        let upc = PartQuery { search: PartSearch::Upc("012345678905".into()), vin: None };
        assert!(search_params(&upc).is_err());
    }

    #[test]
    fn credentials_never_print_their_keys() {
        let credentials = PartsTechCredentials {
            partner_id: "dixon".into(),
            partner_key: "pk-secret".into(),
            user_id: "shop1".into(),
            user_key: "uk-secret".into(),
            store_ids: vec![1],
        };
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }
}
