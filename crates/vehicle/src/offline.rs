//! The offline decoder: NHTSA's vPIC data on this PC, so a VIN decodes with the internet down.
//!
//! The data comes from the `corgi-rs` crate: its build script turns the vPIC tables it ships
//! (5.4 MB compressed) into memory-mapped lookup tables (about 57 MB, in `$MAPS_DIR` or
//! `~/.corgi-rs-cache`) when Dixon Counter is built. Opening them takes well under a
//! millisecond; a decode a fraction of one. Its answers carry the same element names as vPIC's
//! `DecodeVinValues`, so one mapping ([`crate::vpic`]'s) serves both.

use std::collections::HashMap;

use crate::VehicleInfo;

/// How an offline answer is labelled wherever it is shown.
pub const OFFLINE_SOURCE: &str = "offline decoder (NHTSA vPIC data on this PC)";

pub struct OfflineDecoder(corgi_rs::VinDecoder);

impl OfflineDecoder {
    /// Opens the lookup tables; the error says where they were looked for and how to rebuild them.
    pub fn open() -> Result<OfflineDecoder, String> {
        corgi_rs::VinDecoder::try_new().map(OfflineDecoder).map_err(|e| {
            format!(
                "The offline VIN data is missing ({e}). Run scripts/setup.sh, or set MAPS_DIR to where the tables are."
            )
        })
    }

    /// Decodes a checked 17-character VIN. When the tables don't know the vehicle, what the VIN
    /// itself says — the maker from NHTSA's WMI table, the model year, the maker's country — is
    /// still given, marked [`VehicleInfo::partial`]; `None` only when even the WMI is unknown.
    pub fn decode(&self, vin: &str, current_year: i32) -> Option<VehicleInfo> {
        let Some(fields) = self.decode_fields(vin) else { return from_the_vin_alone(vin, current_year) };
        let fields: HashMap<String, serde_json::Value> =
            fields.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
        let mut info = crate::vpic::parse_result(&fields).ok()?;
        // No vPIC verdict offline: the VIN's own check already ran.
        info.error_codes.clear();
        Some(info)
    }

    /// The decode as vPIC's element names and values (`Make`, `DisplacementL`, …), for
    /// comparing with vPIC's own answers.
    pub fn decode_fields(&self, vin: &str) -> Option<HashMap<String, String>> {
        let decoded = self.0.decode(vin).ok()?;
        let mut fields: HashMap<String, String> =
            decoded.attributes.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        fields.insert("VIN".into(), vin.to_string());
        fields.entry("Make".into()).or_insert_with(|| decoded.make.clone());
        fields.entry("ModelYear".into()).or_insert_with(|| decoded.year.to_string());
        Some(fields)
    }
}

/// A partial answer from the VIN's own characters: maker (WMI table), model year (when
/// position 10 names one year), the maker's country.
fn from_the_vin_alone(vin: &str, current_year: i32) -> Option<VehicleInfo> {
    let checked = dixon_vin::check(vin, current_year).ok()?;
    let maker = checked.maker?;
    Some(VehicleInfo {
        vin: checked.vin,
        model_year: match checked.model_years.as_slice() {
            [only] => Some(*only),
            _ => None,
        },
        // "Harley-Davidson / LiveWire": the WMI's first make
        make: maker.make.split(" / ").next().map(str::to_string).filter(|m| !m.is_empty()),
        manufacturer: Some(maker.manufacturer.clone()),
        vehicle_type: Some(maker.vehicle_type.clone()).filter(|t| !t.is_empty()),
        plant_country: Some(maker.country.clone()).filter(|c| !c.is_empty()),
        partial: true,
        ..VehicleInfo::default()
    })
}
