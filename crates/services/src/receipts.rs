//! The receipt of what a customer paid against a repair order's invoice.

use chrono::NaiveDate;
use dixon_payments::PaymentStatus;
use dixon_print::{Paper, Received};

use crate::Services;

/// Why a receipt could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    #[error("Repair order {0} has no payment yet: take one first, then print its receipt.")]
    NothingPaid(i64),
    #[error(transparent)]
    Shop(#[from] dixon_shop::Error),
    #[error(transparent)]
    Payments(#[from] dixon_payments::Error),
    #[error(transparent)]
    Print(#[from] dixon_print::Error),
}

/// The receipt PDF of order `number`: every payment that went through, with refunds.
pub async fn render(services: &Services, number: i64, paper: Paper, date: NaiveDate) -> Result<Vec<u8>, ReceiptError> {
    let order = services.store.repair_order(number).await?;
    let settings = services.store.settings().await?;
    let received: Vec<Received> = services
        .payments
        .ledger()
        .payments_of(number)
        .await?
        .iter()
        .filter(|p| p.status == PaymentStatus::Succeeded)
        .map(|p| Received { at: p.updated_at, how: p.how.clone(), amount: p.amount, refunded: p.refunded })
        .collect();
    if received.is_empty() {
        return Err(ReceiptError::NothingPaid(number));
    }
    Ok(dixon_print::render_receipt(&order, &settings, &received, paper, date)?)
}
