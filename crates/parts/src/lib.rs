//! Parts pricing for estimates: ask the shop's suppliers what a part costs, fall back when one
//! is slow or down, compare what comes back, and turn cost into the shop's retail price.
//!
//! - [`PartsProvider`] is the one provider trait. Providers: [`LocalCatalog`] (the shop's own
//!   price list or inventory in SQLite, filled by [`LocalCatalog::import_csv`]; always there),
//!   [`PartsTech`] (the PartsTech API through the resilience stack: OAuth token reused for its
//!   60 minutes, quotes by VIN and keyword or part number, one request per store, answers
//!   cached 1 h), and [`Estimator`] (category prices from the local catalog, answers marked
//!   *estimate*; used only when no supplier has the part).
//! - [`PartsPricing`] is the strategy: the [`Tier`] orders the providers and picks the offer
//!   (budget: cheapest; standard: middle of the market; premium: the dearest brand); every
//!   provider of the tier is asked at once, so a failure costs no extra round trip and falls
//!   to the next provider; offers are compared across providers; [`PartsPricing::price_all`]
//!   prices a whole estimate concurrently (about one provider round trip for 20 parts).
//! - [`MarkupMatrix`] turns cost into retail by cost band, per shop, never above list.
//!
//! Money is [`Cents`] throughout; supplier prices in dollars are rounded half-up once, on the
//! way in.

mod catalog;
mod estimator;
mod markup;
mod partstech;
mod pricing;

use std::fmt;

use dixon_resilience::BoxFuture;
use dixon_shop::{Cents, PartCondition};
use serde::{Deserialize, Serialize};

pub use catalog::{CatalogPart, ImportReport, LocalCatalog, RowProblem};
pub use estimator::Estimator;
pub use markup::{MarkupBand, MarkupMatrix};
pub use partstech::{PartsTech, PartsTechCredentials, DEFAULT_BASE_URL as PARTSTECH_URL, SERVICE_ID as PARTSTECH_ID};
pub use pricing::{PartsPricing, PricedPart, ProviderFailure};

/// What the service writer is looking for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "by", content = "text")]
pub enum PartSearch {
    /// "front brake pads"
    Keyword(String),
    /// A manufacturer part number, e.g. "D1234".
    PartNumber(String),
    /// A scanned UPC-A / EAN-13.
    Upc(String),
}

impl PartSearch {
    /// What a service writer typed or a barcode gun sent: all digits of a UPC/EAN length (8, 12,
    /// 13 or 14) is a barcode, anything else a keyword search.
    pub fn from_typed(text: &str) -> PartSearch {
        let text = text.trim();
        let barcode = matches!(text.len(), 8 | 12 | 13 | 14) && text.chars().all(|c| c.is_ascii_digit());
        if barcode {
            PartSearch::Upc(text.to_string())
        } else {
            PartSearch::Keyword(text.to_string())
        }
    }

    /// The text searched for, trimmed.
    pub fn text(&self) -> &str {
        match self {
            PartSearch::Keyword(t) | PartSearch::PartNumber(t) | PartSearch::Upc(t) => t.trim(),
        }
    }

    fn key(&self) -> String {
        match self {
            PartSearch::Keyword(t) => format!("kw:{}", t.trim().to_lowercase()),
            PartSearch::PartNumber(t) => format!("pn:{}", normalize_part_number(t)),
            PartSearch::Upc(t) => format!("upc:{}", t.trim()),
        }
    }
}

/// A part to price: what, and for which vehicle (its VIN, when known).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PartQuery {
    pub search: PartSearch,
    #[serde(default)]
    pub vin: Option<String>,
}

impl PartQuery {
    pub fn keyword(text: &str, vin: Option<&str>) -> PartQuery {
        PartQuery { search: PartSearch::Keyword(text.to_string()), vin: vin.map(str::to_string) }
    }

    /// Identifies the part and vehicle for caching.
    pub fn cache_key(&self) -> String {
        format!("{}|{}", self.search.key(), self.vin.as_deref().unwrap_or("-"))
    }
}

/// Price tier: which providers are asked first and which offer is recommended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// The cheapest offer in stock; the shop's own shelf first.
    Budget,
    /// The middle of what the market offers; suppliers first.
    #[default]
    Standard,
    /// The dearest (premium brand) offer; suppliers first.
    Premium,
}

impl Tier {
    pub fn parse(text: &str) -> Option<Tier> {
        match text.trim().to_ascii_lowercase().as_str() {
            "budget" | "good" | "economy" => Some(Tier::Budget),
            "standard" | "better" => Some(Tier::Standard),
            "premium" | "best" => Some(Tier::Premium),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Budget => "budget",
            Tier::Standard => "standard",
            Tier::Premium => "premium",
        }
    }
}

/// Whether the supplier has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Availability {
    InStock {
        quantity: Option<i64>,
    },
    OutOfStock,
    SpecialOrder,
    BackOrder,
    /// The supplier did not say (or the answer is an estimate).
    Unknown,
}

impl Availability {
    pub fn in_stock(&self) -> bool {
        matches!(self, Availability::InStock { .. })
    }
}

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Availability::InStock { quantity: Some(n) } => write!(f, "{n} in stock"),
            Availability::InStock { quantity: None } => f.write_str("in stock"),
            Availability::OutOfStock => f.write_str("out of stock"),
            Availability::SpecialOrder => f.write_str("special order"),
            Availability::BackOrder => f.write_str("back order"),
            Availability::Unknown => f.write_str("availability unknown"),
        }
    }
}

/// One supplier's answer for a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PartOffer {
    /// The provider's id: `catalog`, `partstech`, `estimator`.
    pub provider: String,
    /// Where the shop would buy it: "Shop inventory", "AutoZone · 5254 - Waltham, MA".
    pub supplier: String,
    pub part_number: String,
    pub brand: String,
    pub description: String,
    pub condition: PartCondition,
    /// What the shop pays.
    pub cost: Cents,
    /// The supplier's list price, when it has one.
    pub list: Option<Cents>,
    /// Per-unit core charge.
    pub core: Cents,
    /// What the customer pays: cost through the shop's markup matrix (set by the pricing).
    pub price: Cents,
    pub availability: Availability,
    /// A guess from category prices, not a supplier's price: shown and printed as such.
    pub is_estimate: bool,
}

/// Why pricing failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Service(#[from] dixon_resilience::Error),
    #[error("The parts catalog in the database failed: {0}. Try again; if it keeps failing, run `dixon doctor`.")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Import(String),
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Service(e) => e.kind(),
            Error::Database(_) => "database",
            Error::Import(_) => "import",
            Error::Invalid(_) => "invalid",
        }
    }
}

/// A source of part prices.
pub trait PartsProvider: Send + Sync {
    /// Short stable id shown with every offer (`catalog`, `partstech`).
    fn id(&self) -> &'static str;
    /// Offers for `query`, without the shop's markup (the pricing applies it). An empty list
    /// means "not carried here"; an error means the provider could not answer.
    fn quote<'a>(&'a self, query: &'a PartQuery) -> BoxFuture<'a, Result<Vec<PartOffer>, Error>>;
}

/// Part numbers compare without case, spaces, dashes or dots ("D-1234" is "d1234").
pub fn normalize_part_number(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Dollars as a supplier sends them (`12.345`) to cents, half-up.
pub(crate) fn dollars_to_cents(dollars: f64) -> Option<Cents> {
    (dollars.is_finite() && dollars >= 0.0 && dollars < 10_000_000.0)
        .then(|| Cents((dollars * 100.0 + 1e-7).round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_are_told_from_words() {
        assert_eq!(PartSearch::from_typed(" 012345678905 "), PartSearch::Upc("012345678905".into()));
        assert_eq!(PartSearch::from_typed("4006381333931"), PartSearch::Upc("4006381333931".into()));
        assert_eq!(PartSearch::from_typed("12345"), PartSearch::Keyword("12345".into()));
        assert_eq!(PartSearch::from_typed("front pads"), PartSearch::Keyword("front pads".into()));
    }

    #[test]
    fn supplier_dollars_become_cents_half_up() {
        assert_eq!(dollars_to_cents(12.345), Some(Cents(1_235)));
        assert_eq!(dollars_to_cents(0.0), Some(Cents(0)));
        assert_eq!(dollars_to_cents(-1.0), None);
        assert_eq!(dollars_to_cents(f64::NAN), None);
        assert_eq!(normalize_part_number("D-12.34 x"), "d1234x");
    }
}
