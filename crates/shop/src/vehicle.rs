//! Vehicles brought to the counter.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::validate;

/// A vehicle as typed on the counter form, before validation.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewVehicle {
    #[serde(default)]
    pub vin: String,
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub make: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub plate: String,
    /// Miles on the odometer when the vehicle came in.
    #[serde(default)]
    pub odometer: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValidVehicle {
    pub vin: Option<String>,
    pub year: Option<i32>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub plate: Option<String>,
    pub odometer: Option<i64>,
}

impl NewVehicle {
    pub(crate) fn validate(&self, current_year: i32, errors: &mut Vec<FieldError>) -> Option<ValidVehicle> {
        let vin = validate::vin("vehicle.vin", &self.vin, current_year).map_err(|e| errors.push(e)).ok();
        let year = validate::model_year("vehicle.year", self.year, current_year).map_err(|e| errors.push(e)).ok();
        let make = validate::short_text("vehicle.make", "make", &self.make, 40).map_err(|e| errors.push(e)).ok();
        let model = validate::short_text("vehicle.model", "model", &self.model, 60).map_err(|e| errors.push(e)).ok();
        let plate = validate::short_text("vehicle.plate", "plate", &self.plate, 12)
            .map(|p| p.map(|p| p.to_uppercase()))
            .map_err(|e| errors.push(e))
            .ok();
        let odometer = validate::odometer("vehicle.odometer", self.odometer).map_err(|e| errors.push(e)).ok();
        let valid =
            ValidVehicle { vin: vin?, year: year?, make: make?, model: model?, plate: plate?, odometer: odometer? };
        if valid.vin.is_none() && (valid.year.is_none() || valid.make.is_none() || valid.model.is_none()) {
            errors.push(FieldError::new("vehicle.vin", "Enter the VIN, or the year, make and model of the vehicle."));
            return None;
        }
        Some(valid)
    }
}

/// A stored vehicle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Vehicle {
    pub id: i64,
    pub vin: Option<String>,
    pub year: Option<i32>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub plate: Option<String>,
    /// The last odometer reading seen at the shop.
    pub odometer: Option<i64>,
}

impl Vehicle {
    /// "2019 Honda Civic", or the VIN when year, make and model are not known yet.
    pub fn label(&self) -> String {
        vehicle_label(self.year, self.make.as_deref(), self.model.as_deref(), self.vin.as_deref())
    }
}

pub(crate) fn vehicle_label(year: Option<i32>, make: Option<&str>, model: Option<&str>, vin: Option<&str>) -> String {
    let parts: Vec<String> = [year.map(|y| y.to_string()), make.map(str::to_string), model.map(str::to_string)]
        .into_iter()
        .flatten()
        .collect();
    if parts.is_empty() {
        vin.map(|v| format!("VIN {v}")).unwrap_or_else(|| "Unknown vehicle".to_string())
    } else {
        parts.join(" ")
    }
}
