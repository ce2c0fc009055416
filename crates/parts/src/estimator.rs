//! The last resort: when no supplier has an answer, a price from what similar parts cost in the
//! shop's own catalog, clearly marked as an estimate so nobody mistakes it for a quote.

use dixon_resilience::BoxFuture;
use dixon_shop::{Cents, PartCondition};

use crate::{Availability, Error, LocalCatalog, PartOffer, PartQuery, PartSearch, PartsProvider};

/// Category prices from the local catalog.
#[derive(Clone)]
pub struct Estimator {
    catalog: LocalCatalog,
}

impl Estimator {
    pub fn new(catalog: LocalCatalog) -> Estimator {
        Estimator { catalog }
    }
}

impl PartsProvider for Estimator {
    fn id(&self) -> &'static str {
        "estimator"
    }

    /// One offer at the median cost of the best-matching category; none for part numbers and
    /// UPCs (a number can't be guessed from a category).
    fn quote<'a>(&'a self, query: &'a PartQuery) -> BoxFuture<'a, Result<Vec<PartOffer>, Error>> {
        Box::pin(async move {
            let PartSearch::Keyword(keyword) = &query.search else { return Ok(Vec::new()) };
            let Some((category, costs)) = self.catalog.category_prices(keyword).await? else { return Ok(Vec::new()) };
            let Some(median) = costs.get(costs.len() / 2).copied() else { return Ok(Vec::new()) };
            Ok(vec![PartOffer {
                provider: self.id().to_string(),
                supplier: format!("Estimate from {} {category} part(s) in the catalog", costs.len()),
                part_number: String::new(),
                brand: String::new(),
                description: format!("{} (estimated price)", keyword.trim()),
                condition: PartCondition::New,
                cost: median,
                list: None,
                core: Cents::ZERO,
                price: median,
                availability: Availability::Unknown,
                is_estimate: true,
            }])
        })
    }
}
