//! The payment panel of an invoiced repair order: the balance, cash with change due, checks,
//! and a card on the Stripe Terminal reader with its progress in words.

use dixon_payments::{Balance, Payment, PaymentProgress, Reader};
use dixon_shop::Cents;
use serde::Serialize;
use specta::Type;
use tauri::ipc::Channel;
use tauri::State;

use super::{CommandError, CommandResult};
use crate::AppState;

impl From<dixon_payments::Error> for CommandError {
    fn from(e: dixon_payments::Error) -> CommandError {
        if matches!(e, dixon_payments::Error::Database(_)) {
            tracing::error!("payments store error: {e}");
        }
        CommandError::new(e.kind(), e.to_string())
    }
}

/// What the panel shows.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PaymentPanel {
    pub balance: Balance,
    pub payments: Vec<Payment>,
    /// The shop's readers; empty when Stripe is not set up or can't be reached.
    pub readers: Vec<Reader>,
    /// Why cards can't be taken right now, in words (then cash and checks still can).
    pub card_problem: Option<String>,
    /// PayPal is set up on this counter.
    pub paypal_ready: bool,
}

/// A PayPal payment waiting for the customer: the link and its QR code for the screen.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PayPalStart {
    pub payment: Payment,
    pub approve_url: String,
    /// The link as a QR code (SVG), for the customer's phone camera.
    pub qr_svg: Option<String>,
}

/// The balance, the payments so far, and the readers (asked of Stripe now).
#[tauri::command]
#[specta::specta]
pub async fn payment_panel(state: State<'_, AppState>, repair_order: i64) -> CommandResult<PaymentPanel> {
    let payments = &state.services()?.payments;
    let balance = payments.ledger().balance(repair_order).await?;
    let list = payments.ledger().payments_of(repair_order).await?;
    let (readers, card_problem) = match payments.readers().await {
        Ok(readers) if readers.is_empty() => {
            (readers, Some("No card reader is registered: `dixon pay register-reader`. Take cash or a check.".into()))
        }
        Ok(readers) => (readers, None),
        Err(e) => (Vec::new(), Some(format!("{e} Take cash or a check, or collect later."))),
    };
    let (_, paypal_ready) = payments.providers();
    Ok(PaymentPanel { balance, payments: list, readers, card_problem, paypal_ready })
}

#[tauri::command]
#[specta::specta]
pub async fn pay_cash(
    state: State<'_, AppState>,
    repair_order: i64,
    amount: Cents,
    tendered: Cents,
) -> CommandResult<Payment> {
    Ok(state.services()?.payments.cash(repair_order, amount, tendered).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn pay_check(
    state: State<'_, AppState>,
    repair_order: i64,
    amount: Cents,
    check_number: String,
) -> CommandResult<Payment> {
    Ok(state.services()?.payments.check(repair_order, amount, &check_number).await?)
}

/// Takes `amount` on `reader`; each step ("waiting for card", "approved", "declined: …") comes on
/// `progress`. Returns the payment as it ended (approved, declined or timed out).
#[tauri::command]
#[specta::specta]
pub async fn pay_card(
    state: State<'_, AppState>,
    repair_order: i64,
    amount: Cents,
    reader: String,
    progress: Channel<PaymentProgress>,
) -> CommandResult<Payment> {
    let payments = &state.services()?.payments;
    Ok(payments.card(repair_order, amount, &reader, |step| send(&progress, step)).await?)
}

/// Tries a declined or interrupted card payment again on the same PaymentIntent.
#[tauri::command]
#[specta::specta]
pub async fn retry_card(
    state: State<'_, AppState>,
    payment: i64,
    reader: String,
    progress: Channel<PaymentProgress>,
) -> CommandResult<Payment> {
    let payments = &state.services()?.payments;
    Ok(payments.retry_card(payment, &reader, |step| send(&progress, step)).await?)
}

/// Captures a card hold for `amount` (all of it when `None`).
#[tauri::command]
#[specta::specta]
pub async fn capture_hold(state: State<'_, AppState>, payment: i64, amount: Option<Cents>) -> CommandResult<Payment> {
    Ok(state.services()?.payments.capture(payment, amount).await?)
}

/// Releases a card hold without taking anything.
#[tauri::command]
#[specta::specta]
pub async fn release_hold(state: State<'_, AppState>, payment: i64) -> CommandResult<Payment> {
    Ok(state.services()?.payments.release(payment).await?)
}

/// Makes the PayPal order for `amount` and gives its approval link as a QR code.
#[tauri::command]
#[specta::specta]
pub async fn pay_paypal_start(
    state: State<'_, AppState>,
    repair_order: i64,
    amount: Cents,
) -> CommandResult<PayPalStart> {
    let (payment, approve_url) = state.services()?.payments.paypal_start(repair_order, amount).await?;
    let qr_svg = dixon_camera::qr_svg(&approve_url);
    Ok(PayPalStart { payment, approve_url, qr_svg })
}

/// Waits until the customer approved the PayPal payment (then it is captured), or gave up.
#[tauri::command]
#[specta::specta]
pub async fn pay_paypal_follow(
    state: State<'_, AppState>,
    payment: i64,
    progress: Channel<PaymentProgress>,
) -> CommandResult<Payment> {
    Ok(state.services()?.payments.paypal_follow(payment, |step| send(&progress, step)).await?)
}

fn send(progress: &Channel<PaymentProgress>, step: PaymentProgress) {
    if let Err(e) = progress.send(step) {
        tracing::warn!("payment progress not delivered: {e}");
    }
}
