//! The NHTSA vPIC client.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use dixon_resilience::{
    http, Answer, BoxFuture, Call, Error, Fallback, HealthCheck, Integrations, Policy, RateLimit, Service,
    ServiceConfig, ServiceKind,
};
use serde::Deserialize;

use crate::offline::{OfflineDecoder, OFFLINE_SOURCE};
use crate::{DecodeError, VehicleInfo};

pub const SERVICE_ID: &str = "vpic";
pub const DEFAULT_BASE_URL: &str = "https://vpic.nhtsa.dot.gov/api";
/// How long a service writer waits for vPIC before the offline answer is shown instead.
const INTERACTIVE_BUDGET: Duration = Duration::from_secs(4);
/// A decoded VIN does not change; vPIC's data changes monthly.
const DECODE_TTL: Duration = Duration::from_secs(24 * 3600);

/// vPIC behind the policy stack. Cheap to clone.
#[derive(Clone)]
pub struct Vpic {
    service: Arc<Service>,
    client: reqwest::Client,
    base_url: String,
    /// Answers single decodes when vPIC can't (and nothing was saved); `None` without its data.
    offline: Option<Arc<OfflineDecoder>>,
    /// The shop's clock: which model years are still in the future for an offline answer.
    clock: Arc<dyn dixon_clock::Clock>,
}

/// The raw `DecodeVinValues` envelope.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "Results")]
    results: Vec<HashMap<String, serde_json::Value>>,
}

impl Vpic {
    /// Registers vPIC with `integrations`. `base_url` is `https://vpic.nhtsa.dot.gov/api` in
    /// production (no trailing slash).
    pub fn register(integrations: &Integrations, base_url: &str) -> Vpic {
        let policy = Policy { rate_limit: Some(RateLimit::per_hour(5_000)), ..Policy::default() };
        Vpic::register_with_policy(integrations, base_url, policy)
    }

    pub fn register_with_policy(integrations: &Integrations, base_url: &str, policy: Policy) -> Vpic {
        let config = ServiceConfig {
            id: SERVICE_ID.into(),
            label: "NHTSA vPIC (VIN decoding)".into(),
            kind: ServiceKind::Data,
            policy,
        };
        let base_url = base_url.trim_end_matches('/').to_string();
        let client = http::client();
        let check: Arc<dyn HealthCheck> = Arc::new(VpicHealth { client: client.clone(), base_url: base_url.clone() });
        let service = integrations.register(config, Some(check));
        let offline = match OfflineDecoder::open() {
            Ok(decoder) => Some(Arc::new(decoder)),
            Err(e) => {
                tracing::warn!("{e}");
                None
            }
        };
        Vpic { service, client, base_url, offline, clock: integrations.monitor().clock().clone() }
    }

    /// The offline decoder, when its data is on this PC.
    pub fn offline(&self) -> Option<&OfflineDecoder> {
        self.offline.as_deref()
    }

    /// Without the offline decoder (to test what happens when its data is missing).
    pub fn without_offline_decoder(mut self) -> Vpic {
        self.offline = None;
        self
    }

    /// Checks `text` as a VIN first (no request for a VIN that can't be right), then decodes it,
    /// passing the model year position 10 gives when it is unambiguous.
    pub async fn decode_checked(
        &self,
        text: &str,
        current_year: i32,
    ) -> Result<(VinCheckSummary, Answer<VehicleInfo>), DecodeError> {
        let checked = dixon_vin::check(text, current_year)?;
        let hint = match checked.model_years.as_slice() {
            [only] => Some(*only),
            _ => None,
        };
        let answer = self.decode(&checked.vin, hint).await?;
        Ok((VinCheckSummary { warnings: checked.warnings }, answer))
    }

    /// Decodes one VIN (17 characters; `*` for unknown positions). `model_year` is the hint
    /// vPIC uses to tell apart the 30-year cycles of position 10.
    pub async fn decode(&self, vin: &str, model_year: Option<i32>) -> Result<Answer<VehicleInfo>, Error> {
        let vin = vin.trim().to_ascii_uppercase();
        // The query's order is vPIC's own (and what the recordings hold).
        let url = match model_year {
            Some(year) => format!("{}/vehicles/DecodeVinValues/{vin}?modelyear={year}&format=json", self.base_url),
            None => format!("{}/vehicles/DecodeVinValues/{vin}?format=json", self.base_url),
        };
        let key = format!("decode:{vin}:{}", model_year.map(|y| y.to_string()).unwrap_or_default());
        let label = self.service.config().label.clone();
        let call = Call::read("decode_vin").cached(key, DECODE_TTL, true).within(INTERACTIVE_BUDGET);
        // With vPIC silent and nothing saved, the data on this PC answers (full VINs only).
        let offline = |_: &Error| {
            let decoder = self.offline.as_ref().filter(|_| !vin.contains('*'))?;
            let this_year = dixon_clock::local_year(self.clock.now());
            Some(Fallback { value: decoder.decode(&vin, this_year)?, name: OFFLINE_SOURCE.to_string() })
        };
        let request = |_: dixon_resilience::Attempt<'_>| {
            let request = self.client.get(&url);
            let label = label.clone();
            async move {
                let reply = http::send_json::<Envelope>(&label, request).await?;
                let info = parse_decode(&reply.value).map_err(|detail| Error::Corrupt { service: label, detail })?;
                Ok(dixon_resilience::Reply { value: info, http_status: reply.http_status })
            }
        };
        self.service.call_or(call, request, offline).await
    }
}

impl Vpic {
    /// Decodes many VINs with `DecodeVINValuesBatch`: at most 50 per request, the requests sent
    /// concurrently (the shared rate limit still holds). Answers come back in the order asked.
    pub async fn decode_batch(&self, vins: &[(String, Option<i32>)]) -> Result<Vec<VehicleInfo>, Error> {
        let label = self.service.config().label.clone();
        let url = format!("{}/vehicles/DecodeVINValuesBatch?format=json", self.base_url);
        let chunks = vins.chunks(BATCH_SIZE).map(|chunk| {
            let data: Vec<String> = chunk
                .iter()
                .map(|(vin, year)| match year {
                    Some(year) => format!("{},{year}", vin.trim().to_ascii_uppercase()),
                    None => vin.trim().to_ascii_uppercase(),
                })
                .collect();
            let (url, label, data) = (url.clone(), label.clone(), data.join(";"));
            async move {
                let answer = self
                    .service
                    .call(Call::read("decode_vin_batch"), |_| {
                        let request = self.client.post(&url).form(&[("format", "json"), ("data", data.as_str())]);
                        let label = label.clone();
                        async move {
                            let reply = http::send_json::<Envelope>(&label, request).await?;
                            let infos = reply
                                .value
                                .results
                                .iter()
                                .map(|result| parse_result(result))
                                .collect::<Result<Vec<_>, _>>()
                                .map_err(|detail| Error::Corrupt { service: label.clone(), detail })?;
                            Ok(dixon_resilience::Reply { value: infos, http_status: reply.http_status })
                        }
                    })
                    .await?;
                Ok::<_, Error>(answer.value)
            }
        });
        let mut decoded = Vec::with_capacity(vins.len());
        for chunk in futures_util::future::join_all(chunks).await {
            decoded.extend(chunk?);
        }
        Ok(decoded)
    }

    /// Makes vPIC knows for a vehicle type (`car`, `truck`, `motorcycle`…), for pick lists.
    pub async fn makes_for_vehicle_type(&self, vehicle_type: &str) -> Result<Answer<Vec<Make>>, Error> {
        let vehicle_type = vehicle_type.trim();
        let url = format!("{}/vehicles/GetMakesForVehicleType/{vehicle_type}?format=json", self.base_url);
        let key = format!("makes:{}", vehicle_type.to_ascii_lowercase());
        self.list("makes_for_vehicle_type", key, url, |r| {
            Some(Make { id: r.get("MakeId")?.as_i64()?, name: r.get("MakeName")?.as_str()?.trim().to_string() })
        })
        .await
    }

    /// Models of a make in a model year, for pick lists.
    pub async fn models_for_make_year(&self, make: &str, year: i32) -> Result<Answer<Vec<Model>>, Error> {
        let make = make.trim();
        let url = format!("{}/vehicles/GetModelsForMakeYear/make/{make}/modelyear/{year}?format=json", self.base_url);
        let key = format!("models:{}:{year}", make.to_ascii_lowercase());
        self.list("models_for_make_year", key, url, |r| {
            Some(Model { id: r.get("Model_ID")?.as_i64()?, name: r.get("Model_Name")?.as_str()?.trim().to_string() })
        })
        .await
    }

    /// A cached list lookup; results that don't have the expected fields make the answer corrupt.
    async fn list<T>(
        &self,
        operation: &str,
        key: String,
        url: String,
        item: impl Fn(&HashMap<String, serde_json::Value>) -> Option<T>,
    ) -> Result<Answer<Vec<T>>, Error>
    where
        T: serde::Serialize + serde::de::DeserializeOwned + Clone,
    {
        let label = self.service.config().label.clone();
        let call = Call::read(operation).cached(key, DECODE_TTL, true);
        self.service
            .call(call, |_| {
                let request = self.client.get(&url);
                let (label, item) = (label.clone(), &item);
                async move {
                    let reply = http::send_json::<Envelope>(&label, request).await?;
                    let items = reply.value.results.iter().map(item).collect::<Option<Vec<T>>>().ok_or_else(|| {
                        Error::Corrupt { service: label.clone(), detail: "a result lacks its id or name".into() }
                    })?;
                    Ok(dixon_resilience::Reply { value: items, http_status: reply.http_status })
                }
            })
            .await
    }
}

/// A make, as vPIC names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Make {
    pub id: i64,
    pub name: String,
}

/// A model, as vPIC names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Model {
    pub id: i64,
    pub name: String,
}

/// vPIC's limit of VINs per batch request.
const BATCH_SIZE: usize = 50;

/// What the offline check adds to a decode: warnings to show next to it.
#[derive(Debug, Clone, Default)]
pub struct VinCheckSummary {
    pub warnings: Vec<String>,
}

/// Maps vPIC's flat `DecodeVinValues` result to a [`VehicleInfo`].
fn parse_decode(envelope: &Envelope) -> Result<VehicleInfo, String> {
    parse_result(envelope.results.first().ok_or("the answer holds no result")?)
}

/// One flat result (of `DecodeVinValues` or `DecodeVINValuesBatch`).
pub(crate) fn parse_result(result: &HashMap<String, serde_json::Value>) -> Result<VehicleInfo, String> {
    let text = |key: &str| -> Option<String> {
        match result.get(key) {
            Some(serde_json::Value::String(s)) => {
                Some(s.trim().to_string()).filter(|s| !s.is_empty() && s != "Not Applicable")
            }
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    };
    let vin = text("VIN").ok_or("the result names no VIN")?;
    let number = |key: &str| text(key).and_then(|v| v.parse::<f64>().ok());
    let displacement_l = number("DisplacementL");
    let cylinders = text("EngineCylinders").and_then(|c| c.parse::<u32>().ok());
    let horsepower = number("EngineHP");
    let engine = {
        let displacement = displacement_l.map(|l| format!("{l:.1} L"));
        let cylinders = text("EngineCylinders").map(|c| match text("EngineConfiguration").as_deref() {
            Some("V-Shaped") => format!("V{c}"),
            Some("In-Line") => format!("I{c}"),
            _ => format!("{c} cyl"),
        });
        let power = text("EngineHP").map(|hp| format!("{hp} hp"));
        let head: Vec<String> = [displacement, cylinders, text("EngineModel")].into_iter().flatten().collect();
        let mut engine = head.join(" ");
        if let Some(power) = power {
            engine = if engine.is_empty() { power } else { format!("{engine}, {power}") };
        }
        Some(engine).filter(|e| !e.is_empty())
    };
    let plant: Vec<String> =
        [text("PlantCity"), text("PlantState"), text("PlantCountry")].into_iter().flatten().collect();
    Ok(VehicleInfo {
        model_year: text("ModelYear").and_then(|y| y.parse().ok()),
        make: text("Make"),
        model: text("Model"),
        trim: text("Trim"),
        series: text("Series"),
        body_class: text("BodyClass"),
        vehicle_type: text("VehicleType"),
        engine,
        fuel: text("FuelTypePrimary"),
        drive: text("DriveType"),
        manufacturer: text("Manufacturer"),
        plant: Some(plant.join(", ")).filter(|p| !p.is_empty()),
        displacement_l,
        cylinders,
        engine_configuration: text("EngineConfiguration"),
        engine_model: text("EngineModel"),
        horsepower,
        plant_city: text("PlantCity"),
        plant_state: text("PlantState"),
        plant_country: text("PlantCountry"),
        gvwr_class: text("GVWR"),
        partial: false,
        error_codes: parse_error_codes(&text("ErrorCode").unwrap_or_default()),
        error_text: text("ErrorText"),
        suggested_vin: text("SuggestedVIN"),
        vin,
    })
}

/// vPIC writes error codes as `0`, `1,4,14,400`, or in the old form `0 - VIN decoded clean…`.
fn parse_error_codes(text: &str) -> Vec<u16> {
    let codes = text.split(" - ").next().unwrap_or("");
    codes.split(',').filter_map(|c| c.trim().parse().ok()).collect()
}

/// vPIC's cheapest question: who makes the WMI `1FT`.
pub struct VpicHealth {
    client: reqwest::Client,
    base_url: String,
}

impl HealthCheck for VpicHealth {
    fn check(&self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let url = format!("{}/vehicles/DecodeWMI/1FT?format=json", self.base_url);
            http::send_json::<serde_json::Value>("NHTSA vPIC (VIN decoding)", self.client.get(url)).await.map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_in_every_form_vpic_uses() {
        assert_eq!(parse_error_codes("0"), [0]);
        assert_eq!(parse_error_codes("1,4,14,400"), [1, 4, 14, 400]);
        assert_eq!(parse_error_codes("0 - VIN decoded clean. Check Digit (9th position) is correct"), [0]);
        assert_eq!(parse_error_codes("6"), [6]);
        assert!(parse_error_codes("").is_empty());
    }
}
