//! Taking payment at the counter: cash (with the change due), checks, and cards — or a phone or
//! watch — on a Stripe Terminal reader, split across methods as the customer likes. A repair
//! order becomes paid only when nothing is left to pay, and a card payment counts only once
//! Stripe's PaymentIntent says it succeeded.
//!
//! Never charged twice, never lost, also when the app crashes or the network drops mid-payment:
//! - [`Ledger`] writes each payment before any outside call, with the idempotency key of every
//!   step stored before the step is sent; a second card payment on the same order is refused
//!   while one is on the reader (also across stations: a unique index), and no payment may pass
//!   the balance due.
//! - [`Payments::card`] creates the PaymentIntent (once per stored key), sends it to the reader,
//!   and follows it — re-reading the PaymentIntent before every retry — until Stripe says
//!   succeeded or the reader reports a decline, or the counter's own time limit passes (then the
//!   reader is cleared with `cancel_action`). A declined card leaves the PaymentIntent waiting
//!   for another card: [`Payments::retry_card`] uses the same one.
//! - [`Payments::resume`] re-reads every payment whose outcome was not known when the app
//!   stopped; [`Payments::apply_webhook`] applies Stripe's events relayed by the Dixon cloud,
//!   once their signature is verified ([`webhook::verify`]).
//! - [`Payments::reconcile`] checks a day's payments against Stripe's and PayPal's records and
//!   flags every disagreement; [`Payments::paypal_start`] / [`Payments::paypal_follow`] take
//!   PayPal from the customer's phone.
//!
//! Card data never touches the counter: the reader talks to Stripe.

mod error;
mod ledger;
pub mod paypal;
mod reconcile;
pub mod stripe;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use dixon_shop::Cents;
use serde::Serialize;

pub use error::{Error, Result};
pub use ledger::{Balance, Ledger, Method, Payment, PaymentStatus};
pub use paypal::{PayPal, PayPalAccount};
pub use reconcile::{MethodTotal, Mismatch, Reconciliation};
pub use stripe::{Reader, Stripe, StripeAccount};

use ledger::{Change, Handle};

/// How long the reader may wait for a card before the counter clears it.
pub const READER_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a customer has to approve a PayPal payment on their phone.
pub const PAYPAL_TIMEOUT: Duration = Duration::from_secs(600);

/// What a card or PayPal payment is doing, for the screen ("waiting for card", "approved", "declined:
/// reason" — never a spinner alone).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum PaymentProgress {
    /// Asking Stripe for the payment.
    Preparing,
    /// The reader shows the amount.
    WaitingForCard {
        reader: String,
    },
    /// The card was presented; the bank is deciding.
    Processing,
    Approved {
        card: Option<String>,
        wallet: Option<String>,
    },
    /// A hold was placed on the card; it is captured later.
    Authorized {
        card: Option<String>,
        wallet: Option<String>,
    },
    Declined {
        reason: String,
    },
    /// Nobody presented a card in time; the reader was cleared.
    TimedOut,
}

/// The payments of the counter.
#[derive(Clone)]
pub struct Payments {
    ledger: Ledger,
    stripe: Option<Stripe>,
    paypal: Option<PayPal>,
    shop_name: Arc<str>,
    /// How often a waiting card or PayPal payment re-reads the provider.
    pub poll_every: Duration,
    pub reader_timeout: Duration,
    pub paypal_timeout: Duration,
}

impl Payments {
    /// `stripe` is `None` until the shop connects its account: cash and checks still work.
    pub fn new(ledger: Ledger, stripe: Option<Stripe>, shop_name: &str) -> Payments {
        Payments {
            ledger,
            stripe,
            paypal: None,
            shop_name: shop_name.into(),
            poll_every: Duration::from_secs(1),
            reader_timeout: READER_TIMEOUT,
            paypal_timeout: PAYPAL_TIMEOUT,
        }
    }

    /// With PayPal, once the shop connected its PayPal app.
    pub fn with_paypal(mut self, paypal: Option<PayPal>) -> Payments {
        self.paypal = paypal;
        self
    }

    fn paypal(&self) -> Result<&PayPal> {
        self.paypal.as_ref().ok_or(Error::PayPalNotConfigured)
    }

    /// Whether cards (Stripe) and PayPal are set up on this counter.
    pub fn providers(&self) -> (bool, bool) {
        (self.stripe.is_some(), self.paypal.is_some())
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    fn stripe(&self) -> Result<&Stripe> {
        self.stripe.as_ref().ok_or(Error::NotConfigured)
    }

    /// The readers registered to the shop's Stripe account.
    pub async fn readers(&self) -> Result<Vec<Reader>> {
        Ok(self.stripe()?.readers().await?)
    }

    /// Registers a reader by the code it shows, at the account's location (or `location`).
    pub async fn register_reader(&self, code: &str, label: &str, location: Option<&str>) -> Result<Reader> {
        let stripe = self.stripe()?;
        let location = location
            .map(str::to_string)
            .or_else(|| stripe.account().location.clone())
            .ok_or_else(|| Error::Unexpected("no Terminal location: give --location tml_…".into()))?;
        let key = format!("dixon-reader-{}", uuid::Uuid::new_v4());
        Ok(stripe.register_reader(code, label, &location, &key).await?)
    }

    /// Cash: `amount` applied to the invoice out of `tendered` handed over (change due back).
    pub async fn cash(&self, number: i64, amount: Cents, tendered: Cents) -> Result<Payment> {
        if tendered < amount {
            return Err(Error::NotEnoughCash { tendered, amount });
        }
        let handle = self.ledger.open(number, Method::Cash, amount, Some(tendered), None, false).await?;
        self.finish(number, handle.id).await
    }

    /// A check for `amount`, by its number.
    pub async fn check(&self, number: i64, amount: Cents, check_number: &str) -> Result<Payment> {
        let check_number = check_number.trim();
        if check_number.is_empty() || check_number.chars().count() > 30 {
            return Err(Error::CheckNumber);
        }
        let handle = self.ledger.open(number, Method::Check, amount, None, Some(check_number), false).await?;
        self.finish(number, handle.id).await
    }

    /// Settles the order if this payment paid it off, then reads the payment back.
    async fn finish(&self, number: i64, id: i64) -> Result<Payment> {
        if let Err(e) = self.ledger.settle(number).await {
            // the payment is kept; the order is settled on the next payment or resume
            tracing::warn!("repair order {number} not marked paid yet: {e}");
        }
        self.ledger.payment(id).await
    }

    /// A card payment of `amount` on `reader`, followed until it is approved, declined or
    /// given up. The payment is returned in every case; only a failure to reach Stripe or the
    /// store is an error (and then the payment stays in flight until [`Payments::resume`]).
    pub async fn card(
        &self,
        number: i64,
        amount: Cents,
        reader: &str,
        progress: impl FnMut(PaymentProgress),
    ) -> Result<Payment> {
        self.charge(number, amount, reader, false, progress).await
    }

    /// A hold of up to `amount` on the card (manual capture), e.g. before a large repair whose
    /// final total is not known yet: nothing is paid until [`Payments::capture`].
    pub async fn hold_card(
        &self,
        number: i64,
        amount: Cents,
        reader: &str,
        progress: impl FnMut(PaymentProgress),
    ) -> Result<Payment> {
        self.charge(number, amount, reader, true, progress).await
    }

    async fn charge(
        &self,
        number: i64,
        amount: Cents,
        reader: &str,
        hold: bool,
        mut progress: impl FnMut(PaymentProgress),
    ) -> Result<Payment> {
        let stripe = self.stripe()?;
        let handle = self.ledger.open(number, Method::Card, amount, None, None, hold).await?;
        progress(PaymentProgress::Preparing);
        let key = handle.create_key.clone().ok_or_else(|| Error::Unexpected("no idempotency key stored".into()))?;
        let intent = match stripe.create_intent(amount, number, &self.shop_name, &key, hold).await {
            Ok(intent) => intent,
            Err(e) if e.is_transient() => {
                // Stripe may have made it: the payment stays in flight until `resume` asks again
                // with the same key, so at most one PaymentIntent ever exists for it
                return Err(e.into());
            }
            Err(e) => {
                let failure = e.to_string();
                self.ledger.end(handle.id, PaymentStatus::Canceled, &failure).await?;
                return Err(e.into());
            }
        };
        self.ledger
            .update(handle.id, Change { provider_id: Some(&intent.id), reader_id: Some(reader), ..Change::default() })
            .await?;
        self.drive(&handle, reader, &mut progress).await
    }

    /// Tries a failed (declined, timed-out or interrupted) card payment again on the same
    /// PaymentIntent, on `reader`.
    pub async fn retry_card(
        &self,
        id: i64,
        reader: &str,
        mut progress: impl FnMut(PaymentProgress),
    ) -> Result<Payment> {
        let payment = self.ledger.payment(id).await?;
        if payment.method != Method::Card || payment.status != PaymentStatus::Failed || payment.provider_id.is_none() {
            return Err(Error::WrongState { id, what: "tried again", status: payment.status.as_str() });
        }
        let balance = self.ledger.balance(payment.repair_order).await?;
        if payment.amount > balance.due {
            // paid some other way meanwhile: this card must not take more than is left
            return Err(Error::Amount { what: "The card payment", due: balance.due });
        }
        let handle = self.ledger.handle(id).await?;
        self.ledger
            .update(id, Change { status: Some(PaymentStatus::Created), reader_id: Some(reader), ..Change::default() })
            .await
            .map_err(|e| match e {
                Error::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                    Error::CardInProgress { number: payment.repair_order }
                }
                other => other,
            })?;
        self.drive(&handle, reader, &mut progress).await
    }

    /// Sends the payment's PaymentIntent to `reader` (unless Stripe already has an outcome) and
    /// follows it.
    async fn drive(
        &self,
        handle: &Handle,
        reader: &str,
        progress: &mut impl FnMut(PaymentProgress),
    ) -> Result<Payment> {
        let stripe = self.stripe()?;
        let payment = self.ledger.payment(handle.id).await?;
        let provider_id =
            payment.provider_id.clone().ok_or_else(|| Error::Unexpected("no PaymentIntent stored".into()))?;
        // always read the PaymentIntent before (re)sending it: a retry must not pay twice
        let intent = stripe.intent(&provider_id).await?;
        if let Some(done) = self.outcome(handle.id, &intent, None, progress).await? {
            return Ok(done);
        }
        let attempt = uuid::Uuid::new_v4();
        let key = format!("dixon-process-{}-{attempt}", handle.uid);
        self.ledger.step(handle.id, "process", Some(&key), Some(reader)).await?;
        match stripe.process(reader, &provider_id, &key).await {
            Ok(_) => {}
            // the reader may have the payment: follow it, Stripe's word decides
            Err(e) if e.is_transient() => tracing::warn!("payment {}: reader request unconfirmed ({e})", handle.id),
            Err(e) => {
                // refused (reader offline, busy, unknown): nothing was sent to the reader
                let reason = e.to_string();
                let payment = self.ledger.end(handle.id, PaymentStatus::Failed, &reason).await?;
                progress(PaymentProgress::Declined { reason });
                return Ok(payment);
            }
        }
        self.ledger
            .update(
                handle.id,
                Change { status: Some(PaymentStatus::SentToReader), reader_id: Some(reader), ..Change::default() },
            )
            .await?;
        progress(PaymentProgress::WaitingForCard { reader: reader.to_string() });
        self.follow(handle, &provider_id, reader, progress).await
    }

    /// Re-reads the PaymentIntent (and the reader) until there is an outcome or time is up.
    async fn follow(
        &self,
        handle: &Handle,
        provider_id: &str,
        reader: &str,
        progress: &mut impl FnMut(PaymentProgress),
    ) -> Result<Payment> {
        let stripe = self.stripe()?;
        let deadline = tokio::time::Instant::now() + self.reader_timeout;
        let mut told_processing = false;
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(self.poll_every).await;
            let intent = match stripe.intent(provider_id).await {
                Ok(intent) => intent,
                Err(e) if e.is_transient() || matches!(e, dixon_resilience::Error::BreakerOpen { .. }) => {
                    tracing::warn!("payment {}: Stripe not reachable while waiting ({e}); still waiting", handle.id);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let action = match intent.status.as_str() {
                "requires_payment_method" => stripe.reader(reader).await.ok().and_then(|r| r.action),
                _ => None,
            };
            if let Some(done) = self.outcome(handle.id, &intent, action.as_ref(), progress).await? {
                return Ok(done);
            }
            if intent.status == "processing" && !told_processing {
                told_processing = true;
                self.ledger
                    .update(handle.id, Change { status: Some(PaymentStatus::Processing), ..Change::default() })
                    .await?;
                progress(PaymentProgress::Processing);
            }
        }
        // nobody presented a card: clear the reader, keep the PaymentIntent for a retry
        let key = format!("dixon-cancel-{}-{}", handle.uid, uuid::Uuid::new_v4());
        self.ledger.step(handle.id, "cancel_action", Some(&key), Some(reader)).await?;
        if let Err(e) = stripe.cancel_action(reader, &key).await {
            tracing::warn!("payment {}: the reader could not be cleared ({e})", handle.id);
        }
        // the card may have been tapped at the last moment: Stripe's word decides
        let intent = stripe.intent(provider_id).await?;
        if let Some(done) = self.outcome(handle.id, &intent, None, progress).await? {
            return Ok(done);
        }
        let failure = format!(
            "No card was presented within {} s; the reader was cleared. Charge again to retry.",
            self.reader_timeout.as_secs()
        );
        progress(PaymentProgress::TimedOut);
        self.ledger.end(handle.id, PaymentStatus::Failed, &failure).await
    }

    /// Moves payment `id` to `status` with the card the PaymentIntent was paid with.
    async fn card_state(
        &self,
        id: i64,
        status: PaymentStatus,
        intent: &stripe::PaymentIntent,
    ) -> Result<(Payment, Option<String>, Option<String>)> {
        let (card, wallet) = intent.card();
        let change =
            Change { status: Some(status), card: card.as_deref(), wallet: wallet.as_deref(), ..Change::default() };
        Ok((self.ledger.update(id, change).await?, card, wallet))
    }

    /// The payment's final state when `intent` (or the reader's `action`) has one.
    async fn outcome(
        &self,
        id: i64,
        intent: &stripe::PaymentIntent,
        action: Option<&stripe::ReaderAction>,
        progress: &mut impl FnMut(PaymentProgress),
    ) -> Result<Option<Payment>> {
        match intent.status.as_str() {
            "succeeded" => {
                let (payment, card, wallet) = self.card_state(id, PaymentStatus::Succeeded, intent).await?;
                progress(PaymentProgress::Approved { card, wallet });
                Ok(Some(self.finish(payment.repair_order, id).await?))
            }
            "canceled" => {
                let failure = "The payment was canceled in Stripe.";
                let payment = self.ledger.end(id, PaymentStatus::Canceled, failure).await?;
                progress(PaymentProgress::Declined { reason: failure.into() });
                Ok(Some(payment))
            }
            "requires_capture" => {
                // a hold: the card is authorized, nothing is paid until it is captured
                let (payment, card, wallet) = self.card_state(id, PaymentStatus::Authorized, intent).await?;
                progress(PaymentProgress::Authorized { card, wallet });
                Ok(Some(payment))
            }
            "requires_payment_method" => {
                let failed = action.filter(|a| a.status == "failed");
                let Some(reason) = failed.map(|a| a.failure_message.clone()).map(|m| m.or_else(|| intent.failure()))
                else {
                    return Ok(None);
                };
                let reason = reason.unwrap_or_else(|| "The card was declined.".into());
                let payment = self.ledger.end(id, PaymentStatus::Failed, &reason).await?;
                progress(PaymentProgress::Declined { reason });
                Ok(Some(payment))
            }
            _ => Ok(None),
        }
    }

    /// Starts a PayPal payment of `amount`: the order is made (once per stored key) and its
    /// approval link returned, for the screen to show as a QR code; then [`Payments::paypal_follow`].
    pub async fn paypal_start(&self, number: i64, amount: Cents) -> Result<(Payment, String)> {
        let paypal = self.paypal()?;
        let handle = self.ledger.open(number, Method::PayPal, amount, None, None, false).await?;
        let key = handle.create_key.clone().ok_or_else(|| Error::Unexpected("no idempotency key stored".into()))?;
        let order = match paypal.create_order(amount, number, &self.shop_name, &key).await {
            Ok(order) => order,
            Err(e) if e.is_transient() => return Err(e.into()), // resumed with the same key
            Err(e) => {
                let failure = e.to_string();
                self.ledger.end(handle.id, PaymentStatus::Canceled, &failure).await?;
                return Err(e.into());
            }
        };
        let url = order
            .approve_url()
            .ok_or_else(|| Error::Unexpected(format!("PayPal order {} has no approval link", order.id)))?
            .to_string();
        let payment = self
            .ledger
            .update(
                handle.id,
                Change { provider_id: Some(&order.id), status: Some(PaymentStatus::SentToReader), ..Change::default() },
            )
            .await?;
        Ok((payment, url))
    }

    /// Follows PayPal payment `id` until the customer approved it (then it is captured), it was
    /// voided, or the customer did not approve it in time.
    pub async fn paypal_follow(&self, id: i64, mut progress: impl FnMut(PaymentProgress)) -> Result<Payment> {
        let paypal = self.paypal()?;
        let payment = self.ledger.payment(id).await?;
        let order_id = match (&payment.method, &payment.provider_id, payment.status.in_flight()) {
            (Method::PayPal, Some(order), true) => order.clone(),
            _ => return Err(Error::WrongState { id, what: "followed on PayPal", status: payment.status.as_str() }),
        };
        let deadline = tokio::time::Instant::now() + self.paypal_timeout;
        loop {
            let order = match paypal.order(&order_id).await {
                Ok(order) => order,
                Err(e) if e.is_transient() || matches!(e, dixon_resilience::Error::BreakerOpen { .. }) => {
                    tracing::warn!("payment {id}: PayPal not reachable while waiting ({e}); still waiting");
                    tokio::time::sleep(self.poll_every).await;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            if let Some(done) = self.paypal_outcome(id, &order, &mut progress).await? {
                return Ok(done);
            }
            if tokio::time::Instant::now() >= deadline {
                let failure = format!(
                    "The customer did not approve the PayPal payment within {} minutes. Start it again, or take another way to pay.",
                    self.paypal_timeout.as_secs() / 60
                );
                progress(PaymentProgress::TimedOut);
                return self.ledger.end(id, PaymentStatus::Canceled, &failure).await;
            }
            tokio::time::sleep(self.poll_every).await;
        }
    }

    /// The payment's final state when the PayPal `order` has one; an approved order is captured.
    async fn paypal_outcome(
        &self,
        id: i64,
        order: &paypal::Order,
        progress: &mut impl FnMut(PaymentProgress),
    ) -> Result<Option<Payment>> {
        let order = match order.status.as_str() {
            "APPROVED" => {
                progress(PaymentProgress::Processing);
                let handle = self.ledger.handle(id).await?;
                let key = format!("dixon-capture-{}", handle.uid); // one capture per payment, ever
                self.ledger.step(id, "capture", Some(&key), None).await?;
                self.paypal()?.capture(&order.id, &key).await?
            }
            "COMPLETED" => order.clone(),
            "VOIDED" => {
                let failure = "The PayPal payment was canceled.";
                progress(PaymentProgress::Declined { reason: failure.into() });
                let payment = self.ledger.end(id, PaymentStatus::Canceled, failure).await?;
                return Ok(Some(payment));
            }
            _ => return Ok(None),
        };
        match order.capture() {
            Some((capture, status)) if status == "COMPLETED" => {
                let payment = self
                    .ledger
                    .update(
                        id,
                        Change {
                            status: Some(PaymentStatus::Succeeded),
                            capture_id: Some(&capture),
                            card: Some("PayPal"),
                            ..Change::default()
                        },
                    )
                    .await?;
                progress(PaymentProgress::Approved { card: Some("PayPal".into()), wallet: None });
                Ok(Some(self.finish(payment.repair_order, id).await?))
            }
            Some((_, status)) if status == "DECLINED" || status == "FAILED" => {
                let reason = "PayPal declined the payment.".to_string();
                progress(PaymentProgress::Declined { reason: reason.clone() });
                Ok(Some(self.ledger.end(id, PaymentStatus::Failed, &reason).await?))
            }
            // PENDING (an eCheck, a review): not paid until PayPal says so
            _ => {
                self.ledger.update(id, Change { status: Some(PaymentStatus::Processing), ..Change::default() }).await?;
                Ok(None)
            }
        }
    }

    /// Captures `amount` of a card hold (all of it when `None`): the payment then comes to what
    /// was captured, and the rest of the hold is released by Stripe.
    pub async fn capture(&self, id: i64, amount: Option<Cents>) -> Result<Payment> {
        let payment = self.ledger.payment(id).await?;
        if payment.status != PaymentStatus::Authorized {
            return Err(Error::WrongState { id, what: "captured", status: payment.status.as_str() });
        }
        let amount = amount.unwrap_or(payment.amount);
        if amount.0 <= 0 || amount > payment.amount {
            return Err(Error::Amount { what: "The capture", due: payment.amount });
        }
        let stripe = self.stripe()?;
        let handle = self.ledger.handle(id).await?;
        let key = format!("dixon-capture-{}", handle.uid); // one capture per hold, ever
        self.ledger.step(id, "capture", Some(&key), Some(&amount.to_string())).await?;
        let intent_id =
            payment.provider_id.as_deref().ok_or_else(|| Error::Unexpected("no PaymentIntent stored".into()))?;
        let intent = stripe.capture(intent_id, Some(amount), &key).await?;
        if intent.status != "succeeded" {
            return Err(Error::Unexpected(format!("after the capture Stripe says {}", intent.status)));
        }
        let captured = self
            .ledger
            .update(id, Change { status: Some(PaymentStatus::Succeeded), amount: Some(amount), ..Change::default() })
            .await?;
        self.finish(captured.repair_order, id).await
    }

    /// Releases a card hold without taking anything.
    pub async fn release(&self, id: i64) -> Result<Payment> {
        let payment = self.ledger.payment(id).await?;
        if payment.status != PaymentStatus::Authorized {
            return Err(Error::WrongState { id, what: "released", status: payment.status.as_str() });
        }
        let handle = self.ledger.handle(id).await?;
        let key = format!("dixon-release-{}", handle.uid);
        self.ledger.step(id, "release", Some(&key), None).await?;
        let intent_id =
            payment.provider_id.as_deref().ok_or_else(|| Error::Unexpected("no PaymentIntent stored".into()))?;
        self.stripe()?.cancel_intent(intent_id, &key).await?;
        self.ledger.end(id, PaymentStatus::Canceled, "The hold was released.").await
    }

    /// Re-reads every payment whose outcome was not known when the app stopped: a PaymentIntent
    /// Stripe says succeeded is marked so; one still waiting for a card is marked failed
    /// (interrupted), ready to be tried again on the same PaymentIntent; a payment that never
    /// reached Stripe is created there now with its stored key (so at most one exists).
    pub async fn resume(&self) -> Result<Vec<Payment>> {
        let mut resumed = Vec::new();
        for payment in self.ledger.in_flight().await? {
            let done = match payment.method {
                Method::Card if self.stripe.is_some() => self.resume_card(payment).await?,
                Method::PayPal if self.paypal.is_some() => self.resume_paypal(payment).await?,
                _ => continue, // its provider is not set up on this counter (any more)
            };
            resumed.push(done);
        }
        Ok(resumed)
    }

    async fn resume_card(&self, payment: Payment) -> Result<Payment> {
        let stripe = self.stripe()?;
        let handle = self.ledger.handle(payment.id).await?;
        let provider_id = match &payment.provider_id {
            Some(id) => id.clone(),
            None => {
                let key = handle.create_key.clone().unwrap_or_default();
                let intent = stripe
                    .create_intent(payment.amount, payment.repair_order, &self.shop_name, &key, handle.hold)
                    .await?;
                self.ledger.update(payment.id, Change { provider_id: Some(&intent.id), ..Change::default() }).await?;
                intent.id
            }
        };
        let intent = stripe.intent(&provider_id).await?;
        let mut ignore = |_| {};
        Ok(match self.outcome(payment.id, &intent, None, &mut ignore).await? {
            Some(done) => done,
            None if intent.status == "processing" => payment,
            None => {
                let failure = "Interrupted before the card was read (the app stopped). Charge again to retry.";
                self.ledger.end(payment.id, PaymentStatus::Failed, failure).await?
            }
        })
    }

    async fn resume_paypal(&self, payment: Payment) -> Result<Payment> {
        let paypal = self.paypal()?;
        let handle = self.ledger.handle(payment.id).await?;
        let order = match &payment.provider_id {
            Some(id) => paypal.order(id).await?,
            // made with the stored key: PayPal answers with the order it may already have made
            None => {
                let key = handle.create_key.clone().unwrap_or_default();
                let order = paypal.create_order(payment.amount, payment.repair_order, &self.shop_name, &key).await?;
                self.ledger.update(payment.id, Change { provider_id: Some(&order.id), ..Change::default() }).await?;
                order
            }
        };
        let mut ignore = |_| {};
        Ok(match self.paypal_outcome(payment.id, &order, &mut ignore).await? {
            Some(done) => done,
            None => {
                let failure = "The PayPal payment was not approved before the app stopped. Start it again.";
                self.ledger.end(payment.id, PaymentStatus::Canceled, failure).await?
            }
        })
    }

    /// Gives back `amount` of payment `id` (all that is left when `None`): through Stripe for a
    /// card, from the drawer for cash and checks.
    pub async fn refund(&self, id: i64, amount: Option<Cents>) -> Result<Payment> {
        let payment = self.ledger.payment(id).await?;
        if payment.status != PaymentStatus::Succeeded {
            return Err(Error::WrongState { id, what: "refunded", status: payment.status.as_str() });
        }
        let left = Cents(payment.amount.0 - payment.refunded.0);
        let amount = amount.unwrap_or(left);
        if amount.0 <= 0 || amount > left {
            return Err(Error::RefundAmount { left });
        }
        if payment.method == Method::PayPal {
            let paypal = self.paypal()?;
            let capture = self
                .ledger
                .capture_id(id)
                .await?
                .ok_or_else(|| Error::Unexpected("no PayPal capture stored".into()))?;
            let handle = self.ledger.handle(id).await?;
            let key = format!("dixon-refund-{}-{}", handle.uid, uuid::Uuid::new_v4());
            self.ledger.step(id, "refund", Some(&key), Some(&amount.to_string())).await?;
            paypal.refund(&capture, amount, &key).await?;
        }
        if payment.method == Method::Card {
            let stripe = self.stripe()?;
            let handle = self.ledger.handle(id).await?;
            let key = format!("dixon-refund-{}-{}", handle.uid, uuid::Uuid::new_v4());
            self.ledger.step(id, "refund", Some(&key), Some(&amount.to_string())).await?;
            let intent = payment.provider_id.as_deref().ok_or_else(|| Error::Unexpected("no PaymentIntent".into()))?;
            stripe.refund(intent, Some(amount), &key).await?;
        }
        self.ledger.refunded(id, amount).await
    }

    /// Acts on the Stripe events the Dixon cloud relayed since the last time: each one's signature
    /// is checked here too (with this counter's own signing secret, as of when the cloud received
    /// it), then the PaymentIntent is read back. An event is done once applied, or when it is not
    /// for a payment taken here; one that failed for a passing reason (Stripe unreachable) waits
    /// for the next time. How many were applied.
    pub async fn apply_relayed(&self) -> Result<usize> {
        let mut applied = 0;
        for (id, payload, signature, received) in self.ledger.relayed_stripe_events().await? {
            match self.apply_webhook(payload.as_bytes(), &signature, received).await {
                Ok(Some(_)) => applied += 1,
                Ok(None) => {}
                Err(e @ (Error::Webhook(_) | Error::NotConfigured)) => {
                    tracing::info!("a relayed Stripe event was set aside: {e}")
                }
                Err(e) => {
                    tracing::warn!("a relayed Stripe event waits for the next try: {e}");
                    continue;
                }
            }
            self.ledger.relayed_handled(id).await?;
        }
        Ok(applied)
    }

    /// Applies a Stripe event relayed by the Dixon cloud, once its signature checks out. Events
    /// about PaymentIntents that are not ours are ignored (`None`).
    pub async fn apply_webhook(&self, payload: &[u8], signature: &str, now: i64) -> Result<Option<Payment>> {
        let stripe = self.stripe()?;
        let secret = stripe.account().webhook_secret.as_deref().ok_or_else(|| {
            Error::Webhook("no webhook signing secret is set up: run `dixon pay connect` with --webhook-secret".into())
        })?;
        let event = webhook::verify(payload, signature, secret, now)?;
        if !event.kind.starts_with("payment_intent.") {
            return Ok(None);
        }
        let intent: stripe::PaymentIntent = serde_json::from_value(event.data.object.clone())
            .map_err(|e| Error::Webhook(format!("the event's PaymentIntent can't be read ({e})")))?;
        let Some(id) = self.ledger.by_intent(&intent.id).await? else { return Ok(None) };
        // the event is a notice, not the truth: read the PaymentIntent as Stripe holds it now
        let current = stripe.intent(&intent.id).await?;
        let mut ignore = |_| {};
        match self.outcome(id, &current, None, &mut ignore).await? {
            Some(done) => Ok(Some(done)),
            None if event.kind == "payment_intent.payment_failed" => {
                let reason =
                    current.failure().or_else(|| intent.failure()).unwrap_or_else(|| "The card was declined.".into());
                Ok(Some(self.ledger.end(id, PaymentStatus::Failed, &reason).await?))
            }
            None => Ok(Some(self.ledger.payment(id).await?)),
        }
    }
}
