//! The shop's markup matrix: what a part costs the shop decides what it charges.
//!
//! Cheap parts carry a higher multiplier than dear ones (a $3 bulb at ×2.5, a $400 rack at
//! ×1.3), the way parts matrices at independent shops work. Retail never goes above the
//! supplier's list price when there is one, and never below cost.

use dixon_shop::Cents;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;

use crate::Error;

/// One cost band: parts costing up to `up_to` (inclusive; `None` for everything above) sell at
/// cost × `multiplier_milli` / 1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MarkupBand {
    pub up_to: Option<Cents>,
    /// 2500 is ×2.5.
    pub multiplier_milli: i64,
}

/// Cost bands in ascending order; the last one has no upper bound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MarkupMatrix {
    pub bands: Vec<MarkupBand>,
}

impl Default for MarkupMatrix {
    /// A common starting matrix for independent shops.
    fn default() -> MarkupMatrix {
        let band = |up_to: Option<i64>, multiplier_milli| MarkupBand { up_to: up_to.map(Cents), multiplier_milli };
        MarkupMatrix {
            bands: vec![
                band(Some(5_00), 2_500),
                band(Some(25_00), 2_000),
                band(Some(100_00), 1_650),
                band(Some(500_00), 1_400),
                band(None, 1_250),
            ],
        }
    }
}

impl MarkupMatrix {
    /// The retail price of a part costing `cost` (list price `list`, when known).
    pub fn retail(&self, cost: Cents, list: Option<Cents>) -> Cents {
        let band = self.bands.iter().find(|b| b.up_to.is_none_or(|limit| cost <= limit));
        let multiplier = band.map_or(1_000, |b| b.multiplier_milli);
        let marked_up = cost.times_milli(multiplier);
        match list {
            Some(list) if list >= cost && list < marked_up => list,
            _ => marked_up,
        }
        .max(cost)
    }

    /// Checks the bands: ascending, each multiplier at least ×1, the last one open-ended.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |why: &str| Err(Error::Invalid(format!("The markup matrix is not usable: {why}.")));
        if self.bands.is_empty() {
            return bad("it has no bands");
        }
        if self.bands.last().is_some_and(|b| b.up_to.is_some()) {
            return bad("the last band must cover every cost above the others (no upper limit)");
        }
        if self.bands.iter().any(|b| !(1_000..=10_000).contains(&b.multiplier_milli)) {
            return bad("multipliers must be between ×1 and ×10");
        }
        let limits: Vec<Cents> = self.bands.iter().filter_map(|b| b.up_to).collect();
        if limits.windows(2).any(|w| w[0] >= w[1])
            || self.bands[..self.bands.len() - 1].iter().any(|b| b.up_to.is_none())
        {
            return bad("the bands' upper limits must go up");
        }
        Ok(())
    }

    /// Reads `"5:2.5,25:2,100:1.65,500:1.4,*:1.25"` (cost limit in dollars : multiplier).
    pub fn parse(text: &str) -> Result<MarkupMatrix, Error> {
        let bad = |part: &str| {
            Error::Invalid(format!(
                "'{part}' is not a markup band; write bands like 5:2.5,25:2,*:1.25 (cost up to : multiplier)"
            ))
        };
        let mut bands = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (limit, multiplier) = part.split_once(':').ok_or_else(|| bad(part))?;
            let up_to = match limit.trim() {
                "*" => None,
                dollars => Some(dollars.parse::<Cents>().map_err(|_| bad(part))?),
            };
            let multiplier: f64 = multiplier.trim().trim_start_matches(['x', '×']).parse().map_err(|_| bad(part))?;
            bands.push(MarkupBand { up_to, multiplier_milli: (multiplier * 1000.0).round() as i64 });
        }
        let matrix = MarkupMatrix { bands };
        matrix.validate()?;
        Ok(matrix)
    }

    /// The shop's matrix, or the default until it saves one.
    pub async fn load(pool: &SqlitePool) -> Result<MarkupMatrix, Error> {
        let json: Option<String> =
            sqlx::query_scalar("SELECT markup FROM parts_settings WHERE id = 1").fetch_optional(pool).await?.flatten();
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
    }

    pub async fn save(&self, pool: &SqlitePool, at: &str) -> Result<(), Error> {
        self.validate()?;
        sqlx::query("UPDATE parts_settings SET markup = ?, updated_at = ? WHERE id = 1")
            .bind(serde_json::to_string(self).expect("the matrix serialises"))
            .bind(at)
            .execute(pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_bands_set_the_multiplier_and_list_caps_it() {
        let matrix = MarkupMatrix::default();
        assert_eq!(matrix.retail(Cents(300), None), Cents(750), "$3 × 2.5");
        assert_eq!(matrix.retail(Cents(500), None), Cents(1_250), "the band's limit is inclusive");
        assert_eq!(matrix.retail(Cents(4_000), None), Cents(6_600), "$40 × 1.65");
        assert_eq!(matrix.retail(Cents(4_000), Some(Cents(5_999))), Cents(5_999), "never above list");
        assert_eq!(matrix.retail(Cents(4_000), Some(Cents(3_000))), Cents(6_600), "a list below cost is ignored");
        assert_eq!(matrix.retail(Cents(90_000), None), Cents(112_500), "$900 × 1.25");
    }

    #[test]
    fn matrices_parse_from_what_an_owner_types_and_bad_ones_are_refused() {
        let matrix = MarkupMatrix::parse("5:2.5, 25:2, *:x1.3").unwrap();
        assert_eq!(matrix.bands.len(), 3);
        assert_eq!(matrix.retail(Cents(10_000), None), Cents(13_000));
        for bad in ["", "5:2.5", "25:2,5:2.5,*:1.2", "5:0.5,*:1.2", "five:2,*:1", "5-2,*:1"] {
            assert!(MarkupMatrix::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
