//! The shop's profile: who the shop is, what it charges and how it is registered.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::estimate::OverageRule;
use crate::money::{Cents, Rate};
use crate::validate;

/// What the shop-supplies fee is a percentage of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SuppliesBasis {
    #[default]
    Labor,
    Parts,
    PartsAndLabor,
}

impl SuppliesBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppliesBasis::Labor => "labor",
            SuppliesBasis::Parts => "parts",
            SuppliesBasis::PartsAndLabor => "parts_and_labor",
        }
    }

    pub fn parse(text: &str) -> Option<SuppliesBasis> {
        match text.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "labor" => Some(SuppliesBasis::Labor),
            "parts" => Some(SuppliesBasis::Parts),
            "parts_and_labor" | "labor_and_parts" => Some(SuppliesBasis::PartsAndLabor),
            _ => None,
        }
    }
}

/// The shop-supplies charge: a percentage of labor and/or parts, never below `minimum` and never
/// above `cap` (when set). Itemized separately on the estimate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ShopSuppliesRule {
    pub rate: Rate,
    pub basis: SuppliesBasis,
    pub minimum: Cents,
    pub cap: Option<Cents>,
    pub taxable: bool,
}

/// The flat hazardous-waste (disposal) fee, itemized separately as e.g. California requires.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HazardousWasteFee {
    pub amount: Cents,
    pub taxable: bool,
}

/// The shop's profile as stored and edited on the settings screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ShopSettings {
    pub name: String,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    /// Two-letter US state or territory code; decides the state's estimate rules.
    pub state: String,
    pub postal_code: String,
    /// E.164.
    pub phone: String,
    pub email: String,
    /// The logo printed on estimates, as a `data:image/png;base64,…` (or jpeg) URL.
    pub logo_data_url: Option<String>,
    /// Posted labor rate per hour.
    pub labor_rate: Cents,
    pub parts_tax_rate: Rate,
    pub labor_tax_rate: Rate,
    pub shop_supplies: ShopSuppliesRule,
    pub hazardous_waste: HazardousWasteFee,
    /// How far a total may pass the authorized amount before the customer is asked again.
    #[serde(default)]
    pub overage: OverageRule,
    /// The state's automotive repair dealer registration (e.g. California BAR ARD number).
    pub state_registration_number: String,
    /// The EPA identification number for hazardous-waste handling.
    pub epa_id: String,
    /// When the profile was last saved; `None` until the shop saves it the first time.
    pub updated_at: Option<DateTime<Utc>>,
}

/// The largest logo we keep: big enough for a sharp print header, small enough for every PDF.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;
/// Highest tax rate we accept; anything above is a typing slip.
pub const MAX_TAX_RATE: Rate = Rate(300_000);

const US_STATES: [&str; 56] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME",
    "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
    "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "PR", "VI", "GU", "AS", "MP",
];

/// A logo decoded from its data URL.
pub(crate) struct Logo {
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

impl Logo {
    pub fn data_url(mime: &str, bytes: &[u8]) -> String {
        format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    /// Reads an image file's bytes as a logo, checking that it really is a PNG or JPEG.
    pub fn from_bytes(field: &str, bytes: Vec<u8>) -> Result<Logo, FieldError> {
        let mime = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else {
            return Err(FieldError::new(field, "The logo must be a PNG or JPEG image."));
        };
        if bytes.len() > MAX_LOGO_BYTES {
            return Err(FieldError::new(
                field,
                format!("The logo is {} KB; use an image of at most {} KB.", bytes.len() / 1024, MAX_LOGO_BYTES / 1024),
            ));
        }
        Ok(Logo { mime, bytes })
    }

    fn from_data_url(field: &str, url: &str) -> Result<Logo, FieldError> {
        let encoded = url
            .strip_prefix("data:image/png;base64,")
            .or_else(|| url.strip_prefix("data:image/jpeg;base64,"))
            .ok_or_else(|| FieldError::new(field, "The logo must be a PNG or JPEG image."))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| FieldError::new(field, "The logo image is damaged; choose the file again."))?;
        Logo::from_bytes(field, bytes)
    }
}

/// Turns an image file's bytes into the `data:` URL kept in [`ShopSettings::logo_data_url`],
/// refusing anything but a PNG or JPEG of at most [`MAX_LOGO_BYTES`].
pub fn logo_data_url(bytes: Vec<u8>) -> Result<String, FieldError> {
    let logo = Logo::from_bytes("logo", bytes)?;
    Ok(Logo::data_url(logo.mime, &logo.bytes))
}

impl ShopSettings {
    /// The logo's image bytes (PNG or JPEG) for printing, if the shop has one.
    pub fn logo_bytes(&self) -> Option<Vec<u8>> {
        let url = self.logo_data_url.as_deref().filter(|u| !u.is_empty())?;
        Logo::from_data_url("logo", url).ok().map(|logo| logo.bytes)
    }
}

/// The profile after validation: text cleaned, phone in E.164, logo decoded.
pub(crate) struct ValidSettings {
    pub settings: ShopSettings,
    pub logo: Option<Logo>,
}

impl ShopSettings {
    /// Checks every field, collecting all problems at once.
    pub(crate) fn validate(&self) -> Result<ValidSettings, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut text = |field: &str, label: &str, value: &str, max: usize| -> String {
            validate::short_text(field, label, value, max)
                .map_err(|e| errors.push(e))
                .ok()
                .flatten()
                .unwrap_or_default()
        };
        let mut clean = ShopSettings {
            name: text("name", "shop name", &self.name, validate::MAX_NAME_CHARS),
            address_line1: text("address_line1", "address", &self.address_line1, 100),
            address_line2: text("address_line2", "address", &self.address_line2, 100),
            city: text("city", "city", &self.city, 60),
            state: text("state", "state", &self.state, 2).to_ascii_uppercase(),
            postal_code: text("postal_code", "ZIP code", &self.postal_code, 10),
            state_registration_number: text(
                "state_registration_number",
                "registration number",
                &self.state_registration_number,
                40,
            ),
            epa_id: text("epa_id", "EPA ID", &self.epa_id, 20).to_ascii_uppercase(),
            ..self.clone()
        };
        if !clean.state.is_empty() && !US_STATES.contains(&clean.state.as_str()) {
            errors.push(FieldError::new(
                "state",
                format!("'{}' is not a US state code; use two letters like CA or TX.", clean.state),
            ));
        }
        if !clean.postal_code.is_empty() && !is_zip(&clean.postal_code) {
            errors.push(FieldError::new("postal_code", "A ZIP code is 5 digits, or 5+4 like 94103-1234."));
        }
        match validate::phone("phone", &self.phone) {
            Ok(phone) => clean.phone = phone.unwrap_or_default(),
            Err(e) => errors.push(e),
        }
        match validate::email("email", &self.email) {
            Ok(email) => clean.email = email.unwrap_or_default(),
            Err(e) => errors.push(e),
        }
        if !(0..=10_000_00).contains(&self.labor_rate.0) {
            errors.push(FieldError::new("labor_rate", "The labor rate must be between $0 and $10,000 per hour."));
        }
        for (field, rate) in [("parts_tax_rate", self.parts_tax_rate), ("labor_tax_rate", self.labor_tax_rate)] {
            if rate > MAX_TAX_RATE {
                errors.push(FieldError::new(
                    field,
                    format!("A tax rate of {rate} is too high; enter it as a percentage like 8.25."),
                ));
            }
        }
        let supplies = &self.shop_supplies;
        if supplies.rate > Rate(500_000) {
            errors.push(FieldError::new("shop_supplies.rate", "The shop-supplies percentage must be at most 50%."));
        }
        if supplies.minimum.0 < 0 || supplies.cap.is_some_and(|cap| cap.0 < 0) {
            errors.push(FieldError::new("shop_supplies.cap", "Shop-supplies amounts can't be negative."));
        } else if supplies.cap.is_some_and(|cap| cap < supplies.minimum) {
            errors.push(FieldError::new("shop_supplies.cap", "The shop-supplies cap must not be below its minimum."));
        }
        if !(0..=1_000_00).contains(&self.hazardous_waste.amount.0) {
            errors.push(FieldError::new(
                "hazardous_waste.amount",
                "The hazardous-waste fee must be between $0 and $1,000.",
            ));
        }
        self.overage.validate(&mut errors);
        let logo = match self.logo_data_url.as_deref().filter(|url| !url.is_empty()) {
            None => None,
            Some(url) => match Logo::from_data_url("logo", url) {
                Ok(logo) => Some(logo),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
        };
        clean.logo_data_url = logo.as_ref().map(|l| Logo::data_url(l.mime, &l.bytes));
        if errors.is_empty() {
            Ok(ValidSettings { settings: clean, logo })
        } else {
            Err(errors)
        }
    }
}

fn is_zip(text: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    match text.split_once('-') {
        None => digits(text, 5),
        Some((five, four)) => digits(five, 5) && digits(four, 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_profile_validates_and_is_cleaned() {
        let settings = ShopSettings {
            name: "  Dixon   Auto Repair ".into(),
            state: "ca".into(),
            postal_code: "94103".into(),
            phone: "415 555 0199".into(),
            labor_rate: Cents(14_500),
            parts_tax_rate: Rate(86_250),
            ..ShopSettings::default()
        };
        let valid = settings.validate().unwrap().settings;
        assert_eq!(valid.name, "Dixon Auto Repair");
        assert_eq!(valid.state, "CA");
        assert_eq!(valid.phone, "+14155550199");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let settings = ShopSettings {
            state: "XX".into(),
            postal_code: "ABCDE".into(),
            phone: "12".into(),
            labor_rate: Cents(-1),
            parts_tax_rate: Rate(825_000),
            logo_data_url: Some("data:image/gif;base64,R0lGOD".into()),
            shop_supplies: ShopSuppliesRule { minimum: Cents(500), cap: Some(Cents(100)), ..Default::default() },
            ..ShopSettings::default()
        };
        let fields: Vec<String> = settings.validate().err().unwrap().into_iter().map(|e| e.field).collect();
        for expected in ["state", "postal_code", "phone", "labor_rate", "parts_tax_rate", "logo", "shop_supplies.cap"] {
            assert!(fields.iter().any(|f| f == expected), "{expected} missing from {fields:?}");
        }
    }

    #[test]
    fn logos_must_be_real_images() {
        let png = b"\x89PNG\r\n\x1a\nrest-of-file".to_vec();
        assert_eq!(Logo::from_bytes("logo", png).unwrap().mime, "image/png");
        assert!(Logo::from_bytes("logo", b"GIF89a".to_vec()).is_err());
        let mut huge = b"\x89PNG\r\n\x1a\n".to_vec();
        huge.resize(MAX_LOGO_BYTES + 1, 0);
        assert!(Logo::from_bytes("logo", huge).is_err());
    }
}
