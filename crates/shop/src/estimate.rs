//! The estimate's arithmetic and its legal side: part details, the shop's own fees, taxes,
//! the state's overage rule, authorizations and canned jobs.
//!
//! Rounding, once and for all: every amount is integer cents. A line's amount is
//! `quantity × unit price` (plus `quantity × core charge` for parts), rounded half-up to the cent
//! on that line. Tax is computed per taxable line (and per taxable shop fee) and rounded half-up
//! there; the totals are plain sums of those rounded amounts, so the printed lines always add
//! up to the printed totals.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::money::{Cents, Rate};
use crate::repair_order::{LineItem, LineKind, NewLine};
use crate::settings::{ShopSettings, SuppliesBasis};
use crate::validate;

/// The condition of a part, printed on the estimate as state rules require (new, used, rebuilt,
/// reconditioned), plus where it comes from (OEM or aftermarket).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PartCondition {
    #[default]
    New,
    Used,
    Rebuilt,
    Reconditioned,
    Oem,
    Aftermarket,
}

impl PartCondition {
    pub const ALL: [PartCondition; 6] = [
        PartCondition::New,
        PartCondition::Used,
        PartCondition::Rebuilt,
        PartCondition::Reconditioned,
        PartCondition::Oem,
        PartCondition::Aftermarket,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartCondition::New => "new",
            PartCondition::Used => "used",
            PartCondition::Rebuilt => "rebuilt",
            PartCondition::Reconditioned => "reconditioned",
            PartCondition::Oem => "oem",
            PartCondition::Aftermarket => "aftermarket",
        }
    }

    pub fn parse(text: &str) -> Option<PartCondition> {
        let key = text.trim().to_ascii_lowercase();
        PartCondition::ALL.into_iter().find(|c| c.as_str() == key)
    }
}

impl fmt::Display for PartCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PartCondition::New => "New",
            PartCondition::Used => "Used",
            PartCondition::Rebuilt => "Rebuilt",
            PartCondition::Reconditioned => "Reconditioned",
            PartCondition::Oem => "OEM",
            PartCondition::Aftermarket => "Aftermarket",
        })
    }
}

/// What a part line says about the part itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PartDetails {
    #[serde(default)]
    pub part_number: Option<String>,
    #[serde(default)]
    pub brand: Option<String>,
    /// Who the shop buys it from ("PartsTech · AutoZone #5254", "Shop inventory").
    #[serde(default)]
    pub supplier: Option<String>,
    #[serde(default)]
    pub condition: PartCondition,
    /// Refunded when the old part is returned; charged per unit.
    #[serde(default)]
    pub core_charge: Cents,
}

impl PartDetails {
    pub(crate) fn validate(&self, errors: &mut Vec<FieldError>) -> PartDetails {
        let mut text = |field: &str, label: &str, value: &Option<String>, max: usize| {
            validate::short_text(field, label, value.as_deref().unwrap_or(""), max)
                .map_err(|e| errors.push(e))
                .ok()
                .flatten()
        };
        let clean = PartDetails {
            part_number: text("line.part_number", "part number", &self.part_number, 60),
            brand: text("line.brand", "brand", &self.brand, 60),
            supplier: text("line.supplier", "supplier", &self.supplier, 100),
            ..self.clone()
        };
        if !(0..=100_000_00).contains(&self.core_charge.0) {
            errors.push(FieldError::new("line.core_charge", "The core charge must be between $0 and $100,000."));
        }
        clean
    }
}

/// A fee the shop's settings add to every estimate (shop supplies, hazardous waste), itemized
/// on its own line as e.g. California's 16 CCR 3356 requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ShopFee {
    /// What the customer reads: "Shop supplies (8% of labor, max $35.00)".
    pub description: String,
    pub amount: Cents,
    pub taxable: bool,
}

/// The fees the shop's settings add to these lines.
///
/// Shop supplies: the rate times its basis (labor, parts or both), at least the minimum, at most
/// the cap, and only when there is labor or parts to base it on. Hazardous waste: the flat fee,
/// once per order that has labor or parts.
pub fn shop_fees(lines: &[LineItem], settings: &ShopSettings) -> Vec<ShopFee> {
    let sum = |kind: LineKind| lines.iter().filter(|l| l.kind == kind && l.counts()).map(|l| l.amount).sum::<Cents>();
    let (labor, parts) = (sum(LineKind::Labor), sum(LineKind::Part));
    let mut fees = Vec::new();
    let supplies = &settings.shop_supplies;
    let (basis, basis_name) = match supplies.basis {
        SuppliesBasis::Labor => (labor, "labor"),
        SuppliesBasis::Parts => (parts, "parts"),
        SuppliesBasis::PartsAndLabor => (labor + parts, "parts and labor"),
    };
    if supplies.rate > Rate::ZERO && basis > Cents::ZERO {
        let mut amount = basis.at_rate(supplies.rate).max(supplies.minimum);
        if let Some(cap) = supplies.cap {
            amount = amount.min(cap);
        }
        let cap_note = supplies.cap.map(|cap| format!(", max {cap}")).unwrap_or_default();
        fees.push(ShopFee {
            description: format!("Shop supplies ({} of {basis_name}{cap_note})", supplies.rate),
            amount,
            taxable: supplies.taxable,
        });
    }
    let waste = &settings.hazardous_waste;
    if waste.amount > Cents::ZERO && (labor > Cents::ZERO || parts > Cents::ZERO) {
        fees.push(ShopFee {
            description: "Hazardous waste disposal".to_string(),
            amount: waste.amount,
            taxable: waste.taxable,
        });
    }
    fees
}

/// How far the total may grow past what the customer authorized before the shop must ask again:
/// the larger of `rate` of the authorized amount and `flat`, never more than `cap`.
///
/// California: all zero (any increase needs consent). Florida: 10 % or $10, whichever is
/// greater, at most $50 (`rate` 10 %, `flat` $10, `cap` $50).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OverageRule {
    pub rate: Rate,
    pub flat: Cents,
    pub cap: Option<Cents>,
}

impl OverageRule {
    /// How much above `authorized` the total may go without asking again.
    pub fn allowance(&self, authorized: Cents) -> Cents {
        let allowance = authorized.at_rate(self.rate).max(self.flat);
        match self.cap {
            Some(cap) => allowance.min(cap),
            None => allowance,
        }
    }

    /// The highest total `authorized` covers.
    pub fn limit(&self, authorized: Cents) -> Cents {
        authorized + self.allowance(authorized)
    }

    pub(crate) fn validate(&self, errors: &mut Vec<FieldError>) {
        if self.rate > Rate(1_000_000) {
            errors.push(FieldError::new("overage.rate", "The overage percentage must be at most 100%."));
        }
        if self.flat.0 < 0 || self.cap.is_some_and(|c| c.0 < 0) {
            errors.push(FieldError::new("overage.flat", "Overage amounts can't be negative."));
        }
    }
}

/// How the customer gave their authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AuthorizationMethod {
    /// Signed at the counter.
    InPerson,
    /// Said yes on the phone (name and number recorded).
    Phone,
    /// Replied to a text message (name and number recorded).
    Text,
    /// Approved and signed on the shop's approval page, from a link (the evidence kept with it).
    Online,
}

impl AuthorizationMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorizationMethod::InPerson => "in_person",
            AuthorizationMethod::Phone => "phone",
            AuthorizationMethod::Text => "text",
            AuthorizationMethod::Online => "online",
        }
    }

    pub fn parse(text: &str) -> Option<AuthorizationMethod> {
        match text.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "in_person" | "signature" | "signed" => Some(AuthorizationMethod::InPerson),
            "phone" | "call" => Some(AuthorizationMethod::Phone),
            "text" | "sms" => Some(AuthorizationMethod::Text),
            "online" | "link" => Some(AuthorizationMethod::Online),
            _ => None,
        }
    }
}

impl fmt::Display for AuthorizationMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthorizationMethod::InPerson => "in person (signed)",
            AuthorizationMethod::Phone => "by phone",
            AuthorizationMethod::Text => "by text message",
            AuthorizationMethod::Online => "online (signed from the link)",
        })
    }
}

/// The first authorization of an estimate, or one for work added after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AuthorizationKind {
    Initial,
    Supplementary,
}

impl AuthorizationKind {
    /// As stored and sent: `initial`, `supplementary`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorizationKind::Initial => "initial",
            AuthorizationKind::Supplementary => "supplementary",
        }
    }
}

/// An authorization as the service writer records it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewAuthorization {
    pub method: AuthorizationMethod,
    /// Who said yes.
    pub authorized_by: String,
    /// Required for phone and text authorizations.
    #[serde(default)]
    pub phone: String,
    /// The amount the customer agreed to; `None` for the estimate's total as it stands.
    #[serde(default)]
    pub amount: Option<Cents>,
    #[serde(default)]
    pub note: String,
}

/// A validated authorization, before it is stored.
pub(crate) struct ValidAuthorization {
    pub method: AuthorizationMethod,
    pub authorized_by: String,
    pub phone: Option<String>,
    pub amount: Option<Cents>,
    pub note: Option<String>,
}

impl NewAuthorization {
    pub(crate) fn validate(&self) -> Result<ValidAuthorization, Vec<FieldError>> {
        let mut errors = Vec::new();
        let authorized_by = validate::name("authorization.authorized_by", &self.authorized_by)
            .map_err(|_| {
                errors.push(FieldError::new(
                    "authorization.authorized_by",
                    "Write the name of the person who authorized the work.",
                ))
            })
            .ok();
        let phone = validate::phone("authorization.phone", &self.phone).map_err(|e| errors.push(e)).ok().flatten();
        if self.method == AuthorizationMethod::Online {
            errors.push(FieldError::new(
                "authorization.method",
                "An online authorization comes from the customer's approval page: send them the link (`dixon approval link`).",
            ));
        }
        let needs_phone = matches!(self.method, AuthorizationMethod::Text | AuthorizationMethod::Phone);
        if needs_phone && phone.is_none() && errors.is_empty() {
            errors.push(FieldError::new(
                "authorization.phone",
                format!("Record the phone number the authorization came from ({}).", self.method),
            ));
        }
        if self.amount.is_some_and(|a| a.0 < 0) {
            errors.push(FieldError::new("authorization.amount", "The authorized amount can't be negative."));
        }
        let note = validate::long_text("authorization.note", "note", &self.note, 500)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        match authorized_by {
            Some(authorized_by) if errors.is_empty() => {
                Ok(ValidAuthorization { method: self.method, authorized_by, phone, amount: self.amount, note })
            }
            _ => Err(errors),
        }
    }
}

/// A stored authorization, with the estimate revision it approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Authorization {
    /// 1 for the first authorization; each supplementary one adds a revision.
    pub revision: i64,
    pub kind: AuthorizationKind,
    pub method: AuthorizationMethod,
    pub authorized_by: String,
    pub phone: Option<String>,
    /// What the customer agreed to pay (at least the estimate's total at that moment).
    pub amount: Cents,
    /// The estimate's total when it was authorized.
    pub estimate_total: Cents,
    pub note: Option<String>,
    pub authorized_at: DateTime<Utc>,
}

/// A saved bundle of lines added to an estimate in one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CannedJob {
    pub id: i64,
    pub name: String,
    pub lines: Vec<NewLine>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{HazardousWasteFee, ShopSuppliesRule};

    fn line(kind: LineKind, qty: i64, price: i64) -> LineItem {
        LineItem::new(0, kind, String::new(), qty, Cents(price), true)
    }

    #[test]
    fn shop_supplies_take_their_rate_of_the_basis_within_minimum_and_cap() {
        let mut settings = ShopSettings {
            shop_supplies: ShopSuppliesRule {
                rate: Rate(80_000),
                basis: SuppliesBasis::Labor,
                minimum: Cents(500),
                cap: Some(Cents(3_500)),
                taxable: true,
            },
            ..ShopSettings::default()
        };
        // 8 % of $180.00 labor = $14.40
        let fees = shop_fees(&[line(LineKind::Labor, 1_500, 12_000), line(LineKind::Part, 1_000, 9_999)], &settings);
        assert_eq!(fees.len(), 1);
        assert_eq!(fees[0].amount, Cents(1_440));
        assert_eq!(fees[0].description, "Shop supplies (8% of labor, max $35.00)");
        // 8 % of $1,000 = $80 → capped at $35
        assert_eq!(shop_fees(&[line(LineKind::Labor, 10_000, 10_000)], &settings)[0].amount, Cents(3_500));
        // 8 % of $20 = $1.60 → the $5 minimum
        assert_eq!(shop_fees(&[line(LineKind::Labor, 1_000, 2_000)], &settings)[0].amount, Cents(500));
        // parts only, basis labor: nothing to base it on
        assert!(shop_fees(&[line(LineKind::Part, 1_000, 2_000)], &settings).is_empty());
        settings.shop_supplies.basis = SuppliesBasis::PartsAndLabor;
        assert_eq!(shop_fees(&[line(LineKind::Part, 1_000, 2_000)], &settings)[0].amount, Cents(500));
    }

    #[test]
    fn hazardous_waste_is_a_flat_fee_once_per_order_with_work() {
        let settings = ShopSettings {
            hazardous_waste: HazardousWasteFee { amount: Cents(395), taxable: false },
            ..ShopSettings::default()
        };
        let fees = shop_fees(&[line(LineKind::Part, 4_000, 899), line(LineKind::Labor, 500, 12_000)], &settings);
        assert_eq!(
            fees,
            vec![ShopFee { description: "Hazardous waste disposal".into(), amount: Cents(395), taxable: false }]
        );
        assert!(shop_fees(&[line(LineKind::Sublet, 1_000, 5_000)], &settings).is_empty(), "no work, no waste");
        assert!(shop_fees(&[], &settings).is_empty());
    }

    #[test]
    fn the_overage_rule_is_the_larger_of_rate_and_flat_within_the_cap() {
        let florida = OverageRule { rate: Rate(100_000), flat: Cents(1_000), cap: Some(Cents(5_000)) };
        assert_eq!(florida.allowance(Cents(5_000)), Cents(1_000), "10 % of $50 is $5: the $10 floor wins");
        assert_eq!(florida.allowance(Cents(30_000)), Cents(3_000), "10 % of $300");
        assert_eq!(florida.allowance(Cents(90_000)), Cents(5_000), "10 % of $900 capped at $50");
        assert_eq!(florida.limit(Cents(30_000)), Cents(33_000));
        let california = OverageRule::default();
        assert_eq!(california.limit(Cents(30_000)), Cents(30_000), "any increase needs consent");
    }

    #[test]
    fn authorizations_by_phone_or_text_need_the_number() {
        let by_phone = NewAuthorization {
            method: AuthorizationMethod::Phone,
            authorized_by: "Pat Lee".into(),
            phone: String::new(),
            amount: None,
            note: String::new(),
        };
        let errors = by_phone.validate().err().unwrap();
        assert_eq!(errors[0].field, "authorization.phone");
        let ok = NewAuthorization { phone: "(555) 234-5678".into(), ..by_phone.clone() }.validate().unwrap();
        assert_eq!(ok.phone.as_deref(), Some("+15552345678"));
        let nobody = NewAuthorization { authorized_by: " ".into(), ..by_phone };
        assert!(nobody.validate().err().unwrap().iter().any(|e| e.field == "authorization.authorized_by"));
        assert_eq!(AuthorizationMethod::parse("In person"), Some(AuthorizationMethod::InPerson));
        assert_eq!(AuthorizationMethod::parse("sms"), Some(AuthorizationMethod::Text));
    }
}
