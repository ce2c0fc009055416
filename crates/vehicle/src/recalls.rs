//! Open safety recalls from NHTSA's public recalls API (`/recalls/recallsByVehicle?make=&model=
//! &modelYear=`), through the policy stack: answers kept on disk for 24 hours (stale ones still
//! shown offline, marked as such), a rate limit, the breaker.
//!
//! NHTSA's quirks, handled here:
//! - nothing found comes back as **HTTP 400 with an ordinary body** (`{"Count":0,"Message":
//!   "Results returned successfully","results":[]}`): that is "no recalls", not an error;
//! - dates are **DD/MM/YYYY** (the older API: `/Date(ms-0500)/`), and the older API spells
//!   `Conequence` and capitalises `Results`;
//! - **model names differ from vPIC's**: the decoded model is tried, then its variants (without
//!   hyphens, hyphens as spaces, the first word), and a zero result says what was asked —
//!   "no recalls found for 2021 BMW 330I" — never just "no recalls".

use std::sync::Arc;
use std::time::Duration;

use dixon_resilience::{
    http, Answer, Call, Error, HealthCheck, Integrations, Policy, RateLimit, Service, ServiceConfig, ServiceKind,
    Source,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const RECALLS_SERVICE_ID: &str = "recalls";
pub const DEFAULT_RECALLS_URL: &str = "https://api.nhtsa.gov";
/// Recalls are added weekly; a day old is fresh enough for the counter.
const TTL: Duration = Duration::from_secs(24 * 3600);
/// A service writer waits this long at most before a cached (or no) answer.
const BUDGET: Duration = Duration::from_secs(8);

/// One recall campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Recall {
    /// NHTSA campaign number, e.g. "19V182000".
    pub campaign: String,
    pub manufacturer: String,
    pub component: String,
    pub summary: String,
    pub consequence: String,
    pub remedy: String,
    pub notes: String,
    /// When NHTSA received the manufacturer's report.
    pub reported: Option<chrono::NaiveDate>,
    /// "Park it": don't drive the car until repaired.
    pub park_it: bool,
    /// "Park outside": fire risk, keep it away from buildings.
    pub park_outside: bool,
    pub over_the_air: bool,
}

impl Recall {
    /// A "do not drive" or "park outside" recall: shown in red, first.
    pub fn urgent(&self) -> bool {
        self.park_it || self.park_outside
    }
}

/// What a recall check found for one vehicle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RecallCheck {
    pub year: i32,
    pub make: String,
    /// The model as decoded from the VIN.
    pub model: String,
    /// The model names asked, in order (NHTSA's names differ from vPIC's).
    pub tried: Vec<String>,
    /// The name NHTSA answered with recalls for, if any did.
    pub matched: Option<String>,
    /// Urgent ones first, then newest first.
    pub recalls: Vec<Recall>,
    /// "live", "cached" (fresh, from disk), or "stale" (NHTSA didn't answer; the last known list).
    pub source: String,
    pub checked_at: chrono::DateTime<chrono::Utc>,
    /// [`RecallCheck::describe`], for the screens.
    #[serde(default)]
    pub summary: String,
}

impl RecallCheck {
    /// The same check with its `summary` filled.
    pub fn described(mut self) -> RecallCheck {
        self.summary = self.describe();
        self
    }

    /// One line: "2 open safety recalls for 1998 MITSUBISHI GALANT (1 park it)", or "No recalls
    /// found for 2021 BMW 330I (also tried 330)".
    pub fn describe(&self) -> String {
        let vehicle = format!("{} {} {}", self.year, self.make.to_uppercase(), self.model.to_uppercase());
        let mut line = match self.recalls.len() {
            0 => {
                let others: Vec<&String> = self.tried.iter().filter(|t| **t != self.model.to_uppercase()).collect();
                let also = if others.is_empty() {
                    String::new()
                } else {
                    format!(" (also tried {})", others.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
                };
                format!("No recalls found for {vehicle}{also}")
            }
            n => {
                let urgent = self.recalls.iter().filter(|r| r.urgent()).count();
                let urgent =
                    if urgent > 0 { format!(" ({urgent} say do not drive or park outside)") } else { String::new() };
                format!("{n} safety recall{} for {vehicle}{urgent}", if n == 1 { "" } else { "s" })
            }
        };
        if self.source == "stale" {
            line.push_str(" — from the last check; NHTSA can't be reached now");
        }
        line
    }
}

/// NHTSA's recalls API behind the policy stack. Cheap to clone.
#[derive(Clone)]
pub struct Recalls {
    service: Arc<Service>,
    client: reqwest::Client,
    base_url: String,
}

impl Recalls {
    /// `base_url` is `https://api.nhtsa.gov` in production (`DIXON_RECALLS_URL` elsewhere).
    pub fn register(integrations: &Integrations, base_url: &str) -> Recalls {
        let policy = Policy { rate_limit: Some(RateLimit::per_hour(2_000)), ..Policy::default() };
        Recalls::register_with_policy(integrations, base_url, policy)
    }

    pub fn register_with_policy(integrations: &Integrations, base_url: &str, policy: Policy) -> Recalls {
        let config = ServiceConfig {
            id: RECALLS_SERVICE_ID.into(),
            label: "NHTSA recalls".into(),
            kind: ServiceKind::Data,
            policy,
        };
        let base_url = base_url.trim_end_matches('/').to_string();
        let client = http::client();
        let check: Arc<dyn HealthCheck> =
            Arc::new(RecallsHealth { client: client.clone(), base_url: base_url.clone() });
        Recalls { service: integrations.register(config, Some(check)), client, base_url }
    }

    /// The recalls of a `year` `make` `model`, trying the model's variants until one has recalls.
    pub async fn for_vehicle(&self, year: i32, make: &str, model: &str) -> Result<RecallCheck, Error> {
        let make = make.trim().to_uppercase();
        let mut tried = Vec::new();
        let mut source = "live";
        for variant in variants(model) {
            let answer = self.by_vehicle(year, &make, &variant).await?;
            tried.push(variant.clone());
            source = match (&answer.source, source) {
                (Source::StaleCache { .. }, _) | (_, "stale") => "stale",
                (Source::Cache { .. }, "live") | (Source::Cache { .. }, "cached") => "cached",
                _ => source,
            };
            if !answer.value.is_empty() {
                let mut recalls = answer.value;
                recalls.sort_by(|a, b| b.urgent().cmp(&a.urgent()).then(b.reported.cmp(&a.reported)));
                return Ok(RecallCheck {
                    year,
                    make,
                    model: model.trim().to_string(),
                    tried,
                    matched: Some(variant),
                    recalls,
                    source: source.into(),
                    checked_at: chrono::Utc::now(),
                    summary: String::new(),
                }
                .described());
            }
        }
        Ok(RecallCheck {
            year,
            make,
            model: model.trim().to_string(),
            tried,
            matched: None,
            recalls: Vec::new(),
            source: source.into(),
            checked_at: chrono::Utc::now(),
            summary: String::new(),
        }
        .described())
    }

    /// One `recallsByVehicle` request (cached on disk for a day).
    async fn by_vehicle(&self, year: i32, make: &str, model: &str) -> Result<Answer<Vec<Recall>>, Error> {
        let url = format!(
            "{}/recalls/recallsByVehicle?make={}&model={}&modelYear={year}",
            self.base_url,
            query_escape(make),
            query_escape(model)
        );
        let key = format!("recalls:{year}:{make}:{model}");
        let label = self.service.config().label.clone();
        let call = Call::read("recalls_by_vehicle").cached(key, TTL, true).within(BUDGET);
        self.service
            .call(call, |_| {
                let request = self.client.get(&url);
                let label = label.clone();
                async move {
                    let (body, status) = match http::send_raw(&label, request).await {
                        Ok(raw) => (String::from_utf8_lossy(&raw.body).into_owned(), Some(raw.status)),
                        // NHTSA's "nothing found": a 400 whose body is an ordinary empty answer
                        Err(Error::Rejected { status: 400, detail, .. }) if is_empty_answer(&detail) => {
                            (detail, Some(400))
                        }
                        Err(e) => return Err(e),
                    };
                    let recalls = parse(&body).map_err(|detail| Error::Corrupt { service: label, detail })?;
                    Ok(dixon_resilience::Reply { value: recalls, http_status: status })
                }
            })
            .await
    }
}

/// The model names to ask NHTSA for, best first: as decoded, without hyphens, hyphens as
/// spaces, the first word ("F-150" → F-150, F150, F 150, F; "Civic EX" → CIVIC EX, CIVIC).
pub fn variants(model: &str) -> Vec<String> {
    let model = model.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase();
    let mut out: Vec<String> = Vec::new();
    let mut add = |v: String| {
        let v = v.trim().to_string();
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    };
    add(model.clone());
    add(model.replace('-', ""));
    add(model.replace('-', " "));
    if let Some(first) = model.split([' ', '-']).next() {
        // a lone letter or number says nothing about the model
        if first.len() > 1 {
            add(first.to_string());
        }
    }
    out
}

/// The recalls in an answer of either API generation.
pub fn parse(body: &str) -> Result<Vec<Recall>, String> {
    let value: Value = serde_json::from_str(body).map_err(|e| format!("not JSON ({e})"))?;
    let results = value
        .get("results")
        .or_else(|| value.get("Results"))
        .and_then(Value::as_array)
        .ok_or("no results list in the answer")?;
    let text = |row: &Value, names: &[&str]| {
        names.iter().find_map(|n| row.get(*n).and_then(Value::as_str)).unwrap_or_default().trim().to_string()
    };
    let flag = |row: &Value, name: &str| row.get(name).and_then(Value::as_bool).unwrap_or(false);
    results
        .iter()
        .map(|row| {
            let campaign = text(row, &["NHTSACampaignNumber"]);
            if campaign.is_empty() {
                return Err("a recall without its campaign number".to_string());
            }
            Ok(Recall {
                campaign,
                manufacturer: text(row, &["Manufacturer"]),
                component: text(row, &["Component"]),
                summary: text(row, &["Summary"]),
                consequence: text(row, &["Consequence", "Conequence"]),
                remedy: text(row, &["Remedy"]),
                notes: text(row, &["Notes"]),
                reported: date(&text(row, &["ReportReceivedDate"])),
                park_it: flag(row, "parkIt"),
                park_outside: flag(row, "parkOutSide"),
                over_the_air: flag(row, "overTheAirUpdate"),
            })
        })
        .collect()
}

/// `"28/05/2020"` (day first, as NHTSA writes it) or the older API's `"/Date(977115600000-0500)/"`.
pub fn date(text: &str) -> Option<chrono::NaiveDate> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%d/%m/%Y") {
        return Some(day);
    }
    let millis = text.strip_prefix("/Date(")?.split(['-', '+', ')']).next()?.parse::<i64>().ok()?;
    chrono::DateTime::from_timestamp_millis(millis).map(|t| t.date_naive())
}

fn is_empty_answer(body: &str) -> bool {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("results").or_else(|| v.get("Results")).and_then(Value::as_array).map(Vec::is_empty))
        .unwrap_or(false)
}

fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "%20".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Asks for one well-known vehicle's recalls.
pub struct RecallsHealth {
    client: reqwest::Client,
    base_url: String,
}

impl HealthCheck for RecallsHealth {
    fn check(&self) -> dixon_resilience::BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let url = format!("{}/recalls/recallsByVehicle?make=HONDA&model=ACCORD&modelYear=2003", self.base_url);
            match http::send_raw("NHTSA recalls", self.client.get(url)).await {
                Ok(_) => Ok(()),
                Err(Error::Rejected { status: 400, detail, .. }) if is_empty_answer(&detail) => Ok(()),
                Err(e) => Err(e),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_variants_cover_the_names_nhtsa_uses() {
        assert_eq!(variants("F-150"), ["F-150", "F150", "F 150"]);
        assert_eq!(variants("Civic  EX"), ["CIVIC EX", "CIVIC"]);
        assert_eq!(variants("330i"), ["330I"]);
        assert_eq!(variants(" "), Vec::<String>::new());
    }

    #[test]
    fn dates_of_both_generations_read_right() {
        assert_eq!(date("28/05/2020"), chrono::NaiveDate::from_ymd_opt(2020, 5, 28));
        assert_eq!(date("06/03/2019"), chrono::NaiveDate::from_ymd_opt(2019, 3, 6), "day first");
        assert_eq!(date("/Date(977115600000-0500)/"), chrono::NaiveDate::from_ymd_opt(2000, 12, 18));
        assert_eq!(date("2019-03-06"), None);
        assert_eq!(date(""), None);
    }

    #[test]
    fn a_check_says_what_was_asked() {
        let check = RecallCheck {
            year: 2021,
            make: "BMW".into(),
            model: "330i".into(),
            tried: vec!["330I".into()],
            matched: None,
            recalls: vec![],
            source: "live".into(),
            checked_at: chrono::Utc::now(),
            summary: String::new(),
        };
        assert_eq!(check.describe(), "No recalls found for 2021 BMW 330I");
        let stale = RecallCheck {
            source: "stale".into(),
            tried: vec!["F-150".into(), "F150".into()],
            model: "F-150".into(),
            ..check
        };
        assert_eq!(
            stale.describe(),
            "No recalls found for 2021 BMW F-150 (also tried F150) — from the last check; NHTSA can't be reached now"
        );
        assert!(parse("{\"Count\":1,\"results\":[{\"Component\":\"X\"}]}").is_err(), "a recall without a campaign");
        assert!(parse("<html>").is_err());
    }
}
