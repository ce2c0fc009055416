use dixon_shop::{Cents, Status};

/// Why a payment could not be taken or changed. Every message says what to do next; a declined
/// card is not an error but a [`crate::Payment`] whose status says so.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Repair order {0} does not exist.")]
    RepairOrderNotFound(i64),

    #[error("Repair order {number} is {status}: invoice it first, then take the payment.")]
    NotInvoiced { number: i64, status: Status },

    #[error("Repair order {number} is already paid in full.")]
    NothingDue { number: i64 },

    #[error("{what} must be between $0.01 and the balance due, {due}.")]
    Amount { what: &'static str, due: Cents },

    #[error("The cash handed over ({tendered}) is less than the amount ({amount}).")]
    NotEnoughCash { tendered: Cents, amount: Cents },

    #[error("Type the check number (1 to 30 characters).")]
    CheckNumber,

    #[error(
        "A card payment for repair order {number} is already on the reader. Wait for it to finish, or cancel it on the reader first."
    )]
    CardInProgress { number: i64 },

    #[error("There is no payment {0}.")]
    PaymentNotFound(i64),

    #[error("Payment {id} can't be {what}: it is {status}.")]
    WrongState { id: i64, what: &'static str, status: &'static str },

    #[error("A refund must be between $0.01 and what is left of the payment, {left}.")]
    RefundAmount { left: Cents },

    #[error("Stripe is not set up on this counter: run `dixon pay connect` with the shop's Stripe secret key (a restricted key is best).")]
    NotConfigured,

    #[error(
        "PayPal is not set up on this counter: run `dixon pay connect-paypal` with the shop's PayPal app credentials."
    )]
    PayPalNotConfigured,

    #[error("The payment service answered something we can't use ({0}). Nothing was marked paid; check the payment in its dashboard.")]
    Unexpected(String),

    #[error("The webhook was refused: {0}")]
    Webhook(String),

    /// Stripe could not be reached or refused the call (already says what to do).
    #[error(transparent)]
    Service(#[from] dixon_resilience::Error),

    #[error(transparent)]
    Shop(#[from] dixon_shop::Error),

    #[error("The payments could not be read or written ({0}). Nothing was charged by this step; try again, or run `dixon doctor`.")]
    Database(#[from] sqlx::Error),
}

impl Error {
    /// A stable name for the UI and the CLI's JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::RepairOrderNotFound(_) => "not_found",
            Error::NotInvoiced { .. } => "not_invoiced",
            Error::NothingDue { .. } => "nothing_due",
            Error::Amount { .. } | Error::NotEnoughCash { .. } | Error::CheckNumber | Error::RefundAmount { .. } => {
                "invalid"
            }
            Error::CardInProgress { .. } => "card_in_progress",
            Error::PaymentNotFound(_) => "not_found",
            Error::WrongState { .. } => "wrong_state",
            Error::NotConfigured | Error::PayPalNotConfigured => "not_configured",
            Error::Unexpected(_) => "unexpected_answer",
            Error::Webhook(_) => "webhook",
            Error::Service(e) => e.kind(),
            Error::Shop(e) => e.kind(),
            Error::Database(_) => "database",
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
