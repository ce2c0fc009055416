//! Reading and saving the shop's profile (a single row).

use sqlx::Row;

use super::Store;
use crate::error::{Error, Result};
use crate::estimate::OverageRule;
use crate::money::{Cents, Rate};
use crate::settings::{HazardousWasteFee, Logo, ShopSettings, ShopSuppliesRule, SuppliesBasis};
use dixon_clock::to_stored as stored;

impl Store {
    /// The shop's profile (defaults until the shop saves it).
    pub async fn settings(&self) -> Result<ShopSettings> {
        let r = sqlx::query("SELECT * FROM shop_settings WHERE id = 1").fetch_one(self.pool()).await?;
        let logo: Option<Vec<u8>> = r.try_get("logo")?;
        let logo_mime: Option<String> = r.try_get("logo_mime")?;
        let rate =
            |column: &str| -> Result<Rate> { Ok(Rate(r.try_get::<i64, _>(column)?.clamp(0, u32::MAX as i64) as u32)) };
        Ok(ShopSettings {
            name: r.try_get("name")?,
            address_line1: r.try_get("address_line1")?,
            address_line2: r.try_get("address_line2")?,
            city: r.try_get("city")?,
            state: r.try_get("state")?,
            postal_code: r.try_get("postal_code")?,
            phone: r.try_get("phone")?,
            email: r.try_get("email")?,
            logo_data_url: logo.zip(logo_mime).map(|(bytes, mime)| Logo::data_url(&mime, &bytes)),
            labor_rate: Cents(r.try_get("labor_rate_cents")?),
            parts_tax_rate: rate("parts_tax_rate_ppm")?,
            labor_tax_rate: rate("labor_tax_rate_ppm")?,
            shop_supplies: ShopSuppliesRule {
                rate: rate("supplies_rate_ppm")?,
                basis: SuppliesBasis::parse(r.try_get("supplies_basis")?).unwrap_or_default(),
                minimum: Cents(r.try_get("supplies_minimum_cents")?),
                cap: r.try_get::<Option<i64>, _>("supplies_cap_cents")?.map(Cents),
                taxable: r.try_get("supplies_taxable")?,
            },
            hazardous_waste: HazardousWasteFee {
                amount: Cents(r.try_get("hazardous_waste_cents")?),
                taxable: r.try_get("hazardous_waste_taxable")?,
            },
            overage: OverageRule {
                rate: rate("overage_rate_ppm")?,
                flat: Cents(r.try_get("overage_flat_cents")?),
                cap: r.try_get::<Option<i64>, _>("overage_cap_cents")?.map(Cents),
            },
            state_registration_number: r.try_get("state_registration_number")?,
            epa_id: r.try_get("epa_id")?,
            updated_at: r.try_get("updated_at")?,
        })
    }

    /// Validates and saves the whole profile at once; nothing is saved if any field is wrong.
    pub async fn save_settings(&self, settings: &ShopSettings) -> Result<ShopSettings> {
        let valid = settings.validate().map_err(Error::Invalid)?;
        let s = &valid.settings;
        let at = stored(self.now());
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE shop_settings SET
                name = ?, address_line1 = ?, address_line2 = ?, city = ?, state = ?, postal_code = ?, phone = ?, email = ?,
                logo = ?, logo_mime = ?, labor_rate_cents = ?, parts_tax_rate_ppm = ?, labor_tax_rate_ppm = ?,
                supplies_rate_ppm = ?, supplies_basis = ?, supplies_minimum_cents = ?, supplies_cap_cents = ?, supplies_taxable = ?,
                hazardous_waste_cents = ?, hazardous_waste_taxable = ?,
                overage_rate_ppm = ?, overage_flat_cents = ?, overage_cap_cents = ?, state_registration_number = ?, epa_id = ?, updated_at = ?
             WHERE id = 1",
        )
        .bind(&s.name)
        .bind(&s.address_line1)
        .bind(&s.address_line2)
        .bind(&s.city)
        .bind(&s.state)
        .bind(&s.postal_code)
        .bind(&s.phone)
        .bind(&s.email)
        .bind(valid.logo.as_ref().map(|l| l.bytes.as_slice()))
        .bind(valid.logo.as_ref().map(|l| l.mime))
        .bind(s.labor_rate.0)
        .bind(s.parts_tax_rate.0)
        .bind(s.labor_tax_rate.0)
        .bind(s.shop_supplies.rate.0)
        .bind(s.shop_supplies.basis.as_str())
        .bind(s.shop_supplies.minimum.0)
        .bind(s.shop_supplies.cap.map(|c| c.0))
        .bind(s.shop_supplies.taxable)
        .bind(s.hazardous_waste.amount.0)
        .bind(s.hazardous_waste.taxable)
        .bind(s.overage.rate.0)
        .bind(s.overage.flat.0)
        .bind(s.overage.cap.map(|c| c.0))
        .bind(&s.state_registration_number)
        .bind(&s.epa_id)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        // Kept on this counter: the shop's profile and rates are not shared through the cloud yet.
        tx.commit().await?;
        tracing::info!("shop settings saved");
        self.settings().await
    }
}
