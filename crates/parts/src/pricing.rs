//! The pricing strategy: which providers, in which order, and which offer to recommend.

use serde::Serialize;
use sqlx::SqlitePool;

use crate::{Error, Estimator, LocalCatalog, MarkupMatrix, PartOffer, PartQuery, PartsProvider, PartsTech, Tier};

/// A provider that could not answer, and why (in words for the service writer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProviderFailure {
    pub provider: String,
    pub message: String,
}

/// A part with its offers, the recommended one first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PricedPart {
    pub query: PartQuery,
    pub tier: Tier,
    /// The offer the tier recommends; `None` when nobody, not even the estimator, had a price.
    pub best: Option<PartOffer>,
    /// Every offer, the recommended one first, then by price.
    pub offers: Vec<PartOffer>,
    pub failures: Vec<ProviderFailure>,
    /// No supplier answered: the price is the estimator's guess.
    pub estimated: bool,
}

/// The shop's providers behind one strategy. Cheap to clone.
#[derive(Clone)]
pub struct PartsPricing {
    catalog: LocalCatalog,
    partstech: Option<PartsTech>,
    estimator: Estimator,
    pool: SqlitePool,
}

impl PartsPricing {
    /// `partstech` is `None` until the shop connects its account; the catalog always answers.
    pub fn new(catalog: LocalCatalog, partstech: Option<PartsTech>, pool: SqlitePool) -> PartsPricing {
        PartsPricing { estimator: Estimator::new(catalog.clone()), catalog, partstech, pool }
    }

    pub fn catalog(&self) -> &LocalCatalog {
        &self.catalog
    }

    pub fn has_partstech(&self) -> bool {
        self.partstech.is_some()
    }

    /// The providers a tier asks, in its order: the shop's shelf first for budget work,
    /// suppliers first otherwise.
    fn providers(&self, tier: Tier) -> Vec<&dyn PartsProvider> {
        let catalog: &dyn PartsProvider = &self.catalog;
        let supplier = self.partstech.as_ref().map(|p| p as &dyn PartsProvider);
        match tier {
            Tier::Budget => std::iter::once(catalog).chain(supplier).collect(),
            Tier::Standard | Tier::Premium => supplier.into_iter().chain(std::iter::once(catalog)).collect(),
        }
    }

    /// Prices one part.
    pub async fn price(&self, query: &PartQuery, tier: Tier) -> Result<PricedPart, Error> {
        let markup = MarkupMatrix::load(&self.pool).await?;
        Ok(self.price_with(query, tier, &markup).await)
    }

    /// Prices every part of an estimate at once: all providers for all parts concurrently, so
    /// 20 parts take about one provider round trip. Answers come back in the order asked.
    pub async fn price_all(&self, queries: &[PartQuery], tier: Tier) -> Result<Vec<PricedPart>, Error> {
        let markup = MarkupMatrix::load(&self.pool).await?;
        Ok(futures_util::future::join_all(queries.iter().map(|q| self.price_with(q, tier, &markup))).await)
    }

    async fn price_with(&self, query: &PartQuery, tier: Tier, markup: &MarkupMatrix) -> PricedPart {
        let providers = self.providers(tier);
        let answers = futures_util::future::join_all(providers.iter().map(|p| p.quote(query))).await;
        let mut offers = Vec::new();
        let mut failures = Vec::new();
        for (provider, answer) in providers.iter().zip(answers) {
            match answer {
                Ok(found) => offers.extend(found),
                Err(e) => {
                    failures.push(ProviderFailure { provider: provider.id().to_string(), message: e.to_string() })
                }
            }
        }
        let mut estimated = false;
        if offers.is_empty() {
            match self.estimator.quote(query).await {
                Ok(guess) => {
                    estimated = !guess.is_empty();
                    offers = guess;
                }
                Err(e) => failures.push(ProviderFailure { provider: "estimator".into(), message: e.to_string() }),
            }
        }
        for offer in &mut offers {
            offer.price = markup.retail(offer.cost, offer.list);
        }
        let best = recommend(&offers, tier);
        if let Some(best) = best {
            let chosen = offers.remove(best);
            offers.sort_by_key(|o| o.price);
            offers.insert(0, chosen);
        }
        PricedPart { query: query.clone(), tier, best: best.map(|_| offers[0].clone()), offers, failures, estimated }
    }
}

/// The index of the offer `tier` recommends: among offers in stock (or all, if none is), the
/// cheapest (budget), the middle one by price (standard) or the dearest (premium). Ties go to
/// the provider asked first.
fn recommend(offers: &[PartOffer], tier: Tier) -> Option<usize> {
    let in_stock: Vec<usize> = (0..offers.len()).filter(|&i| offers[i].availability.in_stock()).collect();
    let mut candidates = if in_stock.is_empty() { (0..offers.len()).collect() } else { in_stock };
    candidates.sort_by_key(|&i| (offers[i].price, i)); // stable: provider order breaks ties
    let price_of = |i: usize| offers[i].price;
    match tier {
        Tier::Budget => candidates.first().copied(),
        Tier::Standard => candidates.get(candidates.len().saturating_sub(1) / 2).copied(),
        Tier::Premium => {
            let top = candidates.last().map(|&i| price_of(i))?;
            candidates.into_iter().find(|&i| price_of(i) == top)
        }
    }
}

impl PartOffer {
    /// A part line for the estimate: this offer's price, part number, brand, supplier, condition
    /// and core charge.
    pub fn to_line(&self, quantity_milli: i64, taxable: bool) -> dixon_shop::NewLine {
        let mut description =
            if self.description.is_empty() { self.part_number.clone() } else { self.description.clone() };
        if self.is_estimate && !description.contains("estimate") {
            description.push_str(" (estimated price)");
        }
        dixon_shop::NewLine {
            part: Some(dixon_shop::PartDetails {
                part_number: Some(self.part_number.clone()).filter(|n| !n.is_empty()),
                brand: Some(self.brand.clone()).filter(|b| !b.is_empty()),
                supplier: Some(self.supplier.clone()),
                condition: self.condition,
                core_charge: self.core,
            }),
            ..dixon_shop::NewLine::simple(dixon_shop::LineKind::Part, &description, quantity_milli, self.price, taxable)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Availability;
    use dixon_shop::Cents;

    fn offer(price: i64, in_stock: bool) -> PartOffer {
        PartOffer {
            provider: "p".into(),
            supplier: "s".into(),
            part_number: format!("N{price}"),
            brand: String::new(),
            description: String::new(),
            condition: dixon_shop::PartCondition::New,
            cost: Cents(price),
            list: None,
            core: Cents::ZERO,
            price: Cents(price),
            availability: if in_stock { Availability::InStock { quantity: None } } else { Availability::OutOfStock },
            is_estimate: false,
        }
    }

    #[test]
    fn tiers_pick_cheapest_middle_and_dearest_in_stock() {
        let offers =
            [offer(5_000, true), offer(2_000, false), offer(3_000, true), offer(9_000, true), offer(4_000, true)];
        assert_eq!(recommend(&offers, Tier::Budget), Some(2), "$30 in stock beats $20 out of stock");
        assert_eq!(recommend(&offers, Tier::Standard), Some(4), "$40 is the middle of 30/40/50/90");
        assert_eq!(recommend(&offers, Tier::Premium), Some(3));
        let none_in_stock = [offer(5_000, false), offer(2_000, false)];
        assert_eq!(recommend(&none_in_stock, Tier::Budget), Some(1));
        assert_eq!(recommend(&[], Tier::Budget), None);
    }
}
