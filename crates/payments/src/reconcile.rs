//! The daily reconciliation: the day's payments in the app against the providers' own records
//! — every card PaymentIntent Stripe created that day, and each PayPal order the app made —
//! with every disagreement flagged in words, plus the day's totals per method for the drawer.

use chrono::{DateTime, NaiveDate, Utc};
use dixon_shop::Cents;
use serde::Serialize;

use crate::ledger::{Method, Payment, PaymentStatus};
use crate::{Payments, Result};

/// One method's day: how many payments went through, for how much, and what was refunded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MethodTotal {
    pub method: Method,
    pub count: u32,
    pub amount: Cents,
    pub refunded: Cents,
}

/// Something the app and a provider disagree on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Mismatch {
    pub payment: Option<i64>,
    pub provider_id: Option<String>,
    /// What is wrong and what to do, in words.
    pub problem: String,
}

/// The day's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Reconciliation {
    pub date: NaiveDate,
    pub totals: Vec<MethodTotal>,
    pub mismatches: Vec<Mismatch>,
    /// Providers that could not be asked (not set up, or unreachable), in words.
    pub unchecked: Vec<String>,
}

impl Payments {
    /// Reconciles the local day `date`, which runs from `from` to `to`.
    pub async fn reconcile(&self, date: NaiveDate, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Reconciliation> {
        let payments = self.ledger.payments_between(from, to).await?;
        let mut totals: Vec<MethodTotal> = Vec::new();
        for p in payments.iter().filter(|p| p.status == PaymentStatus::Succeeded) {
            match totals.iter_mut().find(|t| t.method == p.method) {
                Some(t) => {
                    t.count += 1;
                    t.amount = t.amount + p.amount;
                    t.refunded = t.refunded + p.refunded;
                }
                None => totals.push(MethodTotal { method: p.method, count: 1, amount: p.amount, refunded: p.refunded }),
            }
        }
        let mut mismatches = Vec::new();
        let mut unchecked = Vec::new();
        for p in payments.iter().filter(|p| p.status.in_flight()) {
            mismatches.push(Mismatch {
                payment: Some(p.id),
                provider_id: p.provider_id.clone(),
                problem: format!("{} of {} is still waiting for an outcome: run `dixon pay resume`.", p.how, p.amount),
            });
        }
        self.reconcile_cards(&payments, from, to, &mut mismatches, &mut unchecked).await;
        self.reconcile_paypal(&payments, &mut mismatches, &mut unchecked).await;
        Ok(Reconciliation { date, totals, mismatches, unchecked })
    }

    async fn reconcile_cards(
        &self,
        payments: &[Payment],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        mismatches: &mut Vec<Mismatch>,
        unchecked: &mut Vec<String>,
    ) {
        let cards: Vec<&Payment> = payments.iter().filter(|p| p.method == Method::Card).collect();
        let Some(stripe) = self.stripe.as_ref() else {
            if !cards.is_empty() {
                unchecked.push("Stripe is not set up on this counter: card payments were not checked.".into());
            }
            return;
        };
        let intents = match stripe.intents_created(from.timestamp(), to.timestamp()).await {
            Ok(intents) => intents,
            Err(e) => {
                unchecked.push(format!("Card payments were not checked: {e}"));
                return;
            }
        };
        for p in &cards {
            let intent = p.provider_id.as_deref().and_then(|id| intents.iter().find(|i| i.id == id));
            let problem = match (p.status, intent) {
                (PaymentStatus::Succeeded, None) => Some(format!(
                    "Paid here, but Stripe has no such payment that day. Check {} in the Stripe dashboard.",
                    p.provider_id.as_deref().unwrap_or("the payment")
                )),
                (PaymentStatus::Succeeded, Some(i)) if i.status != "succeeded" => Some(format!(
                    "Paid here, but Stripe says {}: the card was not charged.",
                    i.status.replace('_', " ")
                )),
                (PaymentStatus::Succeeded, Some(i)) if i.amount != p.amount.0 => {
                    Some(format!("Paid here for {}, but Stripe charged {}.", p.amount, Cents(i.amount)))
                }
                (status, Some(i)) if status != PaymentStatus::Succeeded && i.status == "succeeded" => Some(format!(
                    "Stripe charged {}, but the app has it as {}: run `dixon pay resume`, then check the order.",
                    Cents(i.amount),
                    status.as_str().replace('_', " ")
                )),
                _ => None,
            };
            if let Some(problem) = problem {
                mismatches.push(Mismatch { payment: Some(p.id), provider_id: p.provider_id.clone(), problem });
            }
        }
        // charges made from this account that the app never recorded
        let ours = |id: &str| cards.iter().any(|p| p.provider_id.as_deref() == Some(id));
        for i in intents.iter().filter(|i| i.status == "succeeded" && !ours(&i.id)) {
            mismatches.push(Mismatch {
                payment: None,
                provider_id: Some(i.id.clone()),
                problem: format!(
                    "Stripe charged {} that the app has no payment for (taken elsewhere, or by another counter's database).",
                    Cents(i.amount)
                ),
            });
        }
    }

    async fn reconcile_paypal(
        &self,
        payments: &[Payment],
        mismatches: &mut Vec<Mismatch>,
        unchecked: &mut Vec<String>,
    ) {
        let orders: Vec<&Payment> =
            payments.iter().filter(|p| p.method == Method::PayPal && p.provider_id.is_some()).collect();
        if orders.is_empty() {
            return;
        }
        let Some(paypal) = self.paypal.as_ref() else {
            unchecked.push("PayPal is not set up on this counter: PayPal payments were not checked.".into());
            return;
        };
        for p in orders {
            let id = p.provider_id.as_deref().unwrap_or_default();
            let order = match paypal.order(id).await {
                Ok(order) => order,
                Err(e) => {
                    unchecked.push(format!("PayPal order {id} was not checked: {e}"));
                    continue;
                }
            };
            let captured = order.capture().is_some_and(|(_, status)| status == "COMPLETED");
            let problem = match (p.status == PaymentStatus::Succeeded, captured) {
                (true, false) => {
                    Some(format!("Paid here, but PayPal order {id} is {} with no completed capture.", order.status))
                }
                (false, true) => Some(format!(
                    "PayPal captured order {id}, but the app has it as {}: run `dixon pay resume`.",
                    p.status.as_str().replace('_', " ")
                )),
                _ => None,
            };
            if let Some(problem) = problem {
                mismatches.push(Mismatch { payment: Some(p.id), provider_id: Some(id.to_string()), problem });
            }
        }
    }
}
