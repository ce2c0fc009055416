//! `dixon settings set KEY=VALUE…`: the keys, and how each value is read.

use dixon_shop::{Cents, FieldError, Rate, ShopSettings, SuppliesBasis};

use crate::output::CliError;

pub const HELP: &str = "\
Keys:
  name, address_line1, address_line2, city, state (two letters), postal_code, phone, email
  logo                       path to a PNG or JPEG (at most 512 KB); empty to remove
  labor_rate                 dollars per hour, e.g. 145 or 145.50
  parts_tax_rate             percent, e.g. 8.25 or 8.25%
  labor_tax_rate             percent
  supplies_rate              shop supplies, percent of supplies_basis
  supplies_basis             labor, parts or parts_and_labor
  supplies_minimum           dollars
  supplies_cap               dollars, or none
  supplies_taxable           yes or no
  hazardous_waste_fee        dollars (flat, per repair order)
  hazardous_waste_taxable    yes or no
  overage_rate               percent a total may pass the authorized amount (0 in California)
  overage_flat               dollars it may pass it by, if more than overage_rate allows
  overage_cap                dollars, the most it may pass it by, or none
  state_registration_number  e.g. California BAR ARD number
  epa_id                     EPA identification number";

/// Applies every `KEY=VALUE` to `settings`; reports every bad pair at once.
pub fn apply(settings: &mut ShopSettings, changes: &[String]) -> Result<(), CliError> {
    let mut errors = Vec::new();
    for change in changes {
        let Some((key, value)) = change.split_once('=') else {
            errors.push(FieldError::new(change, format!("'{change}' is not KEY=VALUE, e.g. labor_rate=145.")));
            continue;
        };
        if let Err(message) = set(settings, key.trim(), value) {
            errors.push(FieldError::new(key.trim(), message));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(dixon_shop::Error::Invalid(errors).into())
    }
}

fn set(s: &mut ShopSettings, key: &str, value: &str) -> Result<(), String> {
    let money = |v: &str| v.parse::<Cents>().map_err(|e| e.to_string());
    let rate = |v: &str| v.parse::<Rate>().map_err(|e| e.to_string());
    let yes_no = |v: &str| match v.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Ok(true),
        "no" | "n" | "false" | "0" => Ok(false),
        _ => Err(format!("'{v}' is not yes or no.")),
    };
    match key {
        "name" => s.name = value.into(),
        "address_line1" => s.address_line1 = value.into(),
        "address_line2" => s.address_line2 = value.into(),
        "city" => s.city = value.into(),
        "state" => s.state = value.into(),
        "postal_code" | "zip" => s.postal_code = value.into(),
        "phone" => s.phone = value.into(),
        "email" => s.email = value.into(),
        "logo" => s.logo_data_url = read_logo(value)?,
        "labor_rate" => s.labor_rate = money(value)?,
        "parts_tax_rate" => s.parts_tax_rate = rate(value)?,
        "labor_tax_rate" => s.labor_tax_rate = rate(value)?,
        "supplies_rate" => s.shop_supplies.rate = rate(value)?,
        "supplies_basis" => {
            s.shop_supplies.basis = SuppliesBasis::parse(value)
                .ok_or_else(|| format!("'{value}' is not labor, parts or parts_and_labor."))?
        }
        "supplies_minimum" => s.shop_supplies.minimum = money(value)?,
        "supplies_cap" => {
            s.shop_supplies.cap = match value.trim() {
                "" | "none" => None,
                v => Some(money(v)?),
            }
        }
        "supplies_taxable" => s.shop_supplies.taxable = yes_no(value)?,
        "hazardous_waste_fee" => s.hazardous_waste.amount = money(value)?,
        "hazardous_waste_taxable" => s.hazardous_waste.taxable = yes_no(value)?,
        "overage_rate" => s.overage.rate = rate(value)?,
        "overage_flat" => s.overage.flat = money(value)?,
        "overage_cap" => {
            s.overage.cap = match value.trim() {
                "" | "none" => None,
                v => Some(money(v)?),
            }
        }
        "state_registration_number" => s.state_registration_number = value.into(),
        "epa_id" => s.epa_id = value.into(),
        other => return Err(format!("'{other}' is not a setting; `dixon settings set --help` lists them.")),
    }
    Ok(())
}

/// Reads the logo file into a data URL, checking that it is a real PNG or JPEG.
fn read_logo(path: &str) -> Result<Option<String>, String> {
    if path.trim().is_empty() {
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(|e| format!("Can't read the logo file {path}: {e}."))?;
    dixon_shop::logo_data_url(bytes).map(Some).map_err(|e| e.message)
}
