//! `dixon pay …`: taking payment for an invoiced repair order — cash, check, or card on a
//! Stripe Terminal reader — plus refunds, readers, resuming after a crash, and Stripe's relayed
//! webhook events.

use std::io::Read;

use clap::Subcommand;
use dixon_payments::{Balance, Payment, PaymentProgress, PaymentStatus, StripeAccount};
use dixon_services::Services;

use crate::estimate_cmd::money;
use crate::output::{CliError, Output};

#[derive(Subcommand)]
pub enum PayCommand {
    /// What the invoice comes to, what was paid and what is due.
    Show { ro: i64 },
    /// Cash: --amount applied (default: all that is due), --tendered handed over (change due).
    Cash {
        ro: i64,
        #[arg(long)]
        amount: Option<String>,
        #[arg(long)]
        tendered: Option<String>,
    },
    /// A check, by its number.
    Check {
        ro: i64,
        #[arg(long = "number")]
        check_number: String,
        #[arg(long)]
        amount: Option<String>,
    },
    /// A card (or phone, or watch) on the Stripe Terminal reader.
    Card {
        ro: i64,
        /// The reader's id (tmr_…; `dixon pay readers` lists them).
        #[arg(long)]
        reader: String,
        #[arg(long)]
        amount: Option<String>,
        /// Only hold the amount on the card (captured later with `dixon pay capture`).
        #[arg(long)]
        hold: bool,
    },
    /// Capture a card hold: --amount (the final total, at most the hold) or all of it.
    Capture {
        payment: i64,
        #[arg(long)]
        amount: Option<String>,
    },
    /// Release a card hold without taking anything.
    Release { payment: i64 },
    /// PayPal from the customer's phone: prints the approval link (show it as a QR code, or
    /// send it), then waits until the customer approves and the payment is captured.
    Paypal {
        ro: i64,
        #[arg(long)]
        amount: Option<String>,
    },
    /// Try a declined or interrupted card payment again, on the same PaymentIntent.
    Retry {
        payment: i64,
        #[arg(long)]
        reader: String,
    },
    /// Give back a payment (all that is left of it, or --amount).
    Refund {
        payment: i64,
        #[arg(long)]
        amount: Option<String>,
    },
    /// The shop's Stripe Terminal readers and whether they are online.
    Readers,
    /// Register a reader by the pairing code it shows.
    RegisterReader {
        #[arg(long)]
        code: String,
        #[arg(long)]
        label: String,
        /// The Terminal location (tml_…); default: the one given to `dixon pay connect`.
        #[arg(long)]
        location: Option<String>,
    },
    /// Re-read every card payment whose outcome was not known when the app stopped.
    Resume,
    /// The day's payments against Stripe's and PayPal's records: totals per method for the
    /// drawer, and every disagreement flagged. Exits 1 when something disagrees.
    Reconcile {
        /// The day, e.g. 2026-12-01 (default: today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
    /// The receipt of what was paid, as a PDF.
    Receipt {
        ro: i64,
        #[arg(long, value_name = "FILE.pdf")]
        out: std::path::PathBuf,
        /// letter or a4.
        #[arg(long, default_value = "letter")]
        paper: String,
    },
    /// Save the shop's Stripe secret key (first line of standard input; a restricted key is
    /// best) and, on a second line, the webhook signing secret, in the OS keychain.
    Connect {
        /// The Terminal location new readers are registered at (tml_…).
        #[arg(long)]
        location: Option<String>,
    },
    /// Save the shop's PayPal REST app (client id on the first line of standard input, secret on
    /// the second) in the OS keychain.
    ConnectPaypal,
    /// Apply a Stripe event relayed by the Dixon cloud (the event JSON on standard input).
    Webhook {
        /// The Stripe-Signature header that came with it.
        #[arg(long)]
        signature: String,
    },
}

fn payments_error(e: dixon_payments::Error) -> CliError {
    CliError::new(e.kind(), e.to_string())
}

pub async fn pay(command: PayCommand, services: &Services, out: &Output) -> Result<(), CliError> {
    let payments = &services.payments;
    let due = |ro: i64| async move { payments.ledger().balance(ro).await.map(|b| b.due).map_err(payments_error) };
    let amount_or_due = |text: Option<String>, ro: i64| async move {
        match text {
            Some(text) => money(&text),
            None => due(ro).await,
        }
    };
    // a released hold ends canceled, as asked: that is not a failure
    let mut canceled_on_purpose = false;
    let payment = match command {
        PayCommand::Show { ro } => {
            let balance = payments.ledger().balance(ro).await.map_err(payments_error)?;
            let list = payments.ledger().payments_of(ro).await.map_err(payments_error)?;
            if out.json {
                out.print_json(&serde_json::json!({ "balance": balance, "payments": list }));
            } else {
                print_balance(ro, &balance);
                list.iter().for_each(print_payment);
            }
            return Ok(());
        }
        PayCommand::Cash { ro, amount, tendered } => {
            let amount = amount_or_due(amount, ro).await?;
            let tendered = tendered.map(|t| money(&t)).transpose()?.unwrap_or(amount);
            payments.cash(ro, amount, tendered).await
        }
        PayCommand::Check { ro, check_number, amount } => {
            let amount = amount_or_due(amount, ro).await?;
            payments.check(ro, amount, &check_number).await
        }
        PayCommand::Card { ro, reader, amount, hold } => {
            let amount = amount_or_due(amount, ro).await?;
            if hold {
                payments.hold_card(ro, amount, &reader, |step| tell(out, step)).await
            } else {
                payments.card(ro, amount, &reader, |step| tell(out, step)).await
            }
        }
        PayCommand::Capture { payment, amount } => {
            let amount = amount.map(|a| money(&a)).transpose()?;
            payments.capture(payment, amount).await
        }
        PayCommand::Release { payment } => {
            canceled_on_purpose = true;
            payments.release(payment).await
        }
        PayCommand::Paypal { ro, amount } => {
            let amount = amount_or_due(amount, ro).await?;
            let (payment, url) = payments.paypal_start(ro, amount).await.map_err(payments_error)?;
            if out.json {
                println!("{}", serde_json::json!({ "payment": payment.id, "approve_url": url }));
            } else {
                println!("Ask the customer to open (or scan) this link and approve {amount}:\n{url}");
                eprintln!("waiting for the customer's approval (Ctrl+C stops waiting; `dixon pay resume` picks it up)…");
            }
            payments.paypal_follow(payment.id, |step| tell(out, step)).await
        }
        PayCommand::Retry { payment, reader } => payments.retry_card(payment, &reader, |step| tell(out, step)).await,
        PayCommand::Refund { payment, amount } => {
            let amount = amount.map(|a| money(&a)).transpose()?;
            payments.refund(payment, amount).await
        }
        PayCommand::Readers => {
            let readers = payments.readers().await.map_err(payments_error)?;
            if out.json {
                out.print_json(&readers);
            } else if readers.is_empty() {
                println!("No readers yet: `dixon pay register-reader --code CODE --label \"Front counter\"`.");
            } else {
                for r in &readers {
                    println!(
                        "{:<24} {:<10} {:<22} {}",
                        r.id,
                        r.status.as_deref().unwrap_or("?"),
                        r.device_type.as_deref().unwrap_or(""),
                        r.label.as_deref().unwrap_or("")
                    );
                }
            }
            return Ok(());
        }
        PayCommand::RegisterReader { code, label, location } => {
            let reader = payments.register_reader(&code, &label, location.as_deref()).await.map_err(payments_error)?;
            if out.json {
                out.print_json(&reader);
            } else {
                println!("Reader {} registered as \"{label}\".", reader.id);
            }
            return Ok(());
        }
        PayCommand::Receipt { ro, out: file, paper } => {
            let paper = dixon_print::Paper::parse(&paper)
                .ok_or_else(|| CliError::new("invalid", format!("'{paper}' is not a paper size; use letter or a4.")))?;
            let today = chrono::Local::now().date_naive();
            let pdf = dixon_services::receipts::render(services, ro, paper, today).await.map_err(|e| {
                let kind = match &e {
                    dixon_services::receipts::ReceiptError::NothingPaid(_) => "nothing_paid",
                    _ => "receipt",
                };
                CliError::new(kind, e.to_string())
            })?;
            dixon_print::save(&file, &pdf).map_err(|e| CliError::new("io", format!("Can't write {}: {e}.", file.display())))?;
            if out.json {
                out.print_json(&serde_json::json!({ "path": file, "bytes": pdf.len() }));
            } else {
                println!("Receipt for repair order {ro} saved to {} ({} KB).", file.display(), pdf.len().div_ceil(1024));
            }
            return Ok(());
        }
        PayCommand::Reconcile { date } => {
            let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
            let noon = date.and_hms_opt(12, 0, 0).and_then(|t| t.and_local_timezone(chrono::Local).earliest());
            let Some(noon) = noon else {
                return Err(CliError::new("invalid", format!("{date} is not a day on this PC's calendar.")));
            };
            let from = dixon_clock::local_midnight(noon.to_utc());
            let to = dixon_clock::local_midnight((noon + chrono::Duration::days(1)).to_utc());
            let report = payments.reconcile(date, from, to).await.map_err(payments_error)?;
            if out.json {
                out.print_json(&report);
            } else {
                println!("Payments on {date}");
                if report.totals.is_empty() {
                    println!("  none");
                }
                for t in &report.totals {
                    let refunded = if t.refunded.0 > 0 { format!("  (refunded {})", t.refunded) } else { String::new() };
                    println!("  {:<8} {:>3} × {:>12}{refunded}", format!("{:?}", t.method).to_lowercase(), t.count, t.amount.to_string());
                }
                for m in &report.mismatches {
                    let which = m.payment.map(|p| format!("payment {p}: ")).unwrap_or_default();
                    println!("MISMATCH  {which}{}", m.problem);
                }
                for u in &report.unchecked {
                    println!("not checked: {u}");
                }
                if report.mismatches.is_empty() && report.unchecked.is_empty() {
                    println!("Everything agrees with the providers' records.");
                }
            }
            return if report.mismatches.is_empty() { Ok(()) } else { Err(CliError::quiet()) };
        }
        PayCommand::Resume => {
            let resumed = payments.resume().await.map_err(payments_error)?;
            if out.json {
                out.print_json(&resumed);
            } else if resumed.is_empty() {
                println!("No card payment was waiting for an outcome.");
            } else {
                resumed.iter().for_each(print_payment);
            }
            return Ok(());
        }
        PayCommand::Connect { location } => {
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input).map_err(|e| CliError::new("io", e.to_string()))?;
            let mut lines = input.lines().map(str::trim).filter(|l| !l.is_empty());
            let secret_key = lines.next().unwrap_or_default().to_string();
            if !(secret_key.starts_with("sk_") || secret_key.starts_with("rk_")) {
                return Err(CliError::new(
                    "invalid",
                    "Give the Stripe secret key (sk_… or, better, a restricted rk_… key) on the first line of standard input.",
                ));
            }
            let webhook_secret = lines.next().map(str::to_string);
            if webhook_secret.as_deref().is_some_and(|w| !w.starts_with("whsec_")) {
                return Err(CliError::new("invalid", "The second line must be the webhook signing secret (whsec_…)."));
            }
            let account = StripeAccount { secret_key, location, webhook_secret };
            dixon_secrets::save(dixon_services::STRIPE_SECRET, &account)
                .map_err(|e| CliError::new("keychain", e.to_string()))?;
            println!("Stripe connected: the key is in the OS keychain. `dixon health` checks it.");
            return Ok(());
        }
        PayCommand::ConnectPaypal => {
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input).map_err(|e| CliError::new("io", e.to_string()))?;
            let mut lines = input.lines().map(str::trim).filter(|l| !l.is_empty());
            let (Some(client_id), Some(client_secret)) = (lines.next(), lines.next()) else {
                return Err(CliError::new(
                    "invalid",
                    "Give the PayPal app's client id on the first line of standard input and its secret on the second.",
                ));
            };
            let account = dixon_payments::PayPalAccount { client_id: client_id.into(), client_secret: client_secret.into() };
            dixon_secrets::save(dixon_services::PAYPAL_SECRET, &account)
                .map_err(|e| CliError::new("keychain", e.to_string()))?;
            println!("PayPal connected: the secret is in the OS keychain. `dixon health` checks it.");
            return Ok(());
        }
        PayCommand::Webhook { signature } => {
            let mut payload = Vec::new();
            std::io::stdin().read_to_end(&mut payload).map_err(|e| CliError::new("io", e.to_string()))?;
            let now = chrono::Utc::now().timestamp();
            match payments.apply_webhook(&payload, &signature, now).await.map_err(payments_error)? {
                Some(payment) => Ok(payment),
                None => {
                    println!("The event is not about a payment of this counter; nothing changed.");
                    return Ok(());
                }
            }
        }
    }
    .map_err(payments_error)?;
    if out.json {
        out.print_json(&payment);
    } else {
        print_payment(&payment);
        if payment.status == PaymentStatus::Succeeded {
            print_balance(
                payment.repair_order,
                &payments.ledger().balance(payment.repair_order).await.map_err(payments_error)?,
            );
        }
    }
    if payment.status == PaymentStatus::Failed || (payment.status == PaymentStatus::Canceled && !canceled_on_purpose) {
        return Err(CliError::quiet()); // said above; the exit status says it too
    }
    Ok(())
}

/// A card payment's progress, in words, on stderr.
fn tell(out: &Output, step: PaymentProgress) {
    if out.json {
        return;
    }
    match step {
        PaymentProgress::Preparing => eprintln!("preparing the payment…"),
        PaymentProgress::WaitingForCard { reader } => eprintln!("waiting for card on {reader}…"),
        PaymentProgress::Processing => eprintln!("processing…"),
        PaymentProgress::Approved { .. } => eprintln!("approved"),
        PaymentProgress::Authorized { .. } => eprintln!("held on the card: capture it when the work is done"),
        PaymentProgress::Declined { reason } => eprintln!("declined: {reason}"),
        PaymentProgress::TimedOut => eprintln!("no answer in time; nothing was charged"),
    }
}

fn print_balance(ro: i64, b: &Balance) {
    let pending = if b.pending.0 > 0 { format!("  on the reader {}", b.pending) } else { String::new() };
    println!("RO {ro}  total {}  paid {}{pending}  due {}", b.total, b.paid, b.due);
}

fn print_payment(p: &Payment) {
    let status = match p.status {
        PaymentStatus::Succeeded => "approved".to_string(),
        PaymentStatus::Failed | PaymentStatus::Canceled => {
            format!("{}: {}", p.status.as_str(), p.failure.as_deref().unwrap_or("no reason given"))
        }
        other => other.as_str().replace('_', " "),
    };
    let refunded = if p.refunded.0 > 0 { format!("  refunded {}", p.refunded) } else { String::new() };
    println!("payment {:<5} {:>12}  {}  {status}{refunded}", p.id, p.amount.to_string(), p.how);
}
