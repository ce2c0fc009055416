//! `dixon notify` and `dixon messages`: text, email or push a repair order's customer from a
//! template, see the conversation and each message's delivery, connect Twilio, SendGrid and SNS.

use std::io::Read;

use clap::Subcommand;
use dixon_notify::{Channel, Compose, Message, Priority, SendGridAccount, SnsAccount, TwilioAccount};
use dixon_services::{MessagingAccount, Services};

use crate::output::{CliError, Output};

#[derive(Subcommand)]
pub enum NotifyCommand {
    /// Send a template to a repair order's customer (their preferred channel first, falling back).
    Send {
        #[arg(long)]
        ro: i64,
        /// estimate_ready, ready, receipt, payment_link or free.
        #[arg(long)]
        template: String,
        /// sms, email or push only (no fallback).
        #[arg(long)]
        channel: Option<String>,
        /// What the free template sends.
        #[arg(long)]
        text: Option<String>,
        /// The approval template's link; without it a new link is made (`dixon approval link`).
        #[arg(long)]
        link: Option<String>,
        /// Urgent: goes out in quiet hours too, and falls back when delivery fails.
        #[arg(long)]
        urgent: bool,
    },
    /// Show the message as the customer will see it (channel, segments, quiet hours), send nothing.
    Preview {
        #[arg(long)]
        ro: i64,
        #[arg(long)]
        template: String,
        #[arg(long)]
        channel: Option<String>,
        #[arg(long)]
        text: Option<String>,
        #[arg(long)]
        link: Option<String>,
    },
    /// Record that the repair order's customer agreed to texts, and how.
    Consent {
        #[arg(long)]
        ro: i64,
        /// How they agreed, e.g. "signed the work order", "said yes on the phone".
        #[arg(long)]
        how: String,
    },
    /// Send what is waiting, settle sends whose answer was lost, read delivery reports and the
    /// events the Dixon cloud relayed (the app does this every few seconds).
    Resume,
    /// The templates and their text.
    Templates,
    /// Save an account in the OS keychain from standard input. twilio: the account SID, then the
    /// auth token (with --from or --messaging-service); sendgrid: the API key (with --from);
    /// sns: the access key id, then the secret key (with --region).
    Connect {
        provider: String,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        messaging_service: Option<String>,
        #[arg(long)]
        region: Option<String>,
    },
}

fn notify_error(e: dixon_notify::Error) -> CliError {
    CliError::new(e.kind(), e.to_string())
}

fn channel(text: Option<String>) -> Result<Option<Channel>, CliError> {
    text.map(|c| {
        Channel::parse(&c)
            .filter(|c| *c != Channel::InApp)
            .ok_or_else(|| CliError::new("invalid", format!("'{c}' is not a channel; use sms, email or push.")))
    })
    .transpose()
}

pub async fn notify(command: NotifyCommand, services: &Services, out: &Output) -> Result<(), CliError> {
    let messenger = &services.messenger;
    match command {
        NotifyCommand::Send { ro, template, channel: only, text, link, urgent } => {
            // the approval text carries a link made for it (links are never kept to send again)
            let link = match link {
                None if template == "approval" => Some(
                    services.approvals.publish(ro, None).await.map_err(|e| CliError::new(e.kind(), e.to_string()))?.url,
                ),
                link => link,
            };
            let request = Compose {
                repair_order: ro,
                template,
                channel: channel(only)?,
                text,
                link,
                priority: if urgent { Priority::High } else { Priority::Normal },
            };
            let sent = messenger.send(&request).await.map_err(notify_error)?;
            print_messages(out, &sent);
            if sent.last().is_some_and(|m| matches!(m.state.as_str(), "failed" | "not_sent" | "undelivered")) {
                return Err(CliError::quiet());
            }
        }
        NotifyCommand::Preview { ro, template, channel: only, text, link } => {
            let request =
                Compose { repair_order: ro, template, channel: channel(only)?, text, link, priority: Priority::Normal };
            let draft = messenger.compose(&request).await.map_err(notify_error)?;
            if out.json {
                out.print_json(&draft);
            } else {
                match draft.channel {
                    Some(c) => println!(
                        "Goes by {}{}",
                        c.words(),
                        draft.segments.as_ref().map(|s| format!(", {}", s.describe())).unwrap_or_default()
                    ),
                    None => println!("Can't go by any channel."),
                }
                for not in &draft.plan.not_offered {
                    println!("  not by {}: {}", not.channel.words(), not.why);
                }
                if let Some(at) = draft.hold_until {
                    println!(
                        "Quiet hours: it would go out at {}",
                        at.with_timezone(&chrono::Local).format("%-I:%M %p on %b %-d")
                    );
                }
                println!("\n{}\n", draft.body);
            }
        }
        NotifyCommand::Consent { ro, how } => {
            messenger.record_consent(ro, &how).await.map_err(notify_error)?;
            println!("Consent to texts recorded for repair order {ro}'s customer ({how}).");
        }
        NotifyCommand::Resume => {
            messenger.resume().await.map_err(notify_error)?;
            let relayed = messenger.apply_relayed().await.map_err(notify_error)?;
            messenger.poll_delivery().await.map_err(notify_error)?;
            if !out.json {
                println!("Done: waiting messages handled, {relayed} relayed event(s) applied, delivery reports read.");
            }
        }
        NotifyCommand::Templates => {
            let templates = messenger.templates().await.map_err(notify_error)?;
            if out.json {
                out.print_json(&templates);
            } else {
                for t in templates {
                    println!("{} ({}): {}", t.key, t.name, t.body);
                }
            }
        }
        NotifyCommand::Connect { provider, from, messaging_service, region } => {
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input).map_err(|e| CliError::new("io", e.to_string()))?;
            let mut lines = input.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string);
            let missing = |what: &str| CliError::new("invalid", format!("Give {what} on standard input."));
            let keychain = |e: dixon_secrets::Error| CliError::new("keychain", e.to_string());
            match provider.as_str() {
                "twilio" => {
                    let account_sid = lines
                        .next()
                        .filter(|l| l.starts_with("AC"))
                        .ok_or_else(|| missing("the account SID (AC…) on the first line"))?;
                    let auth_token = lines.next().ok_or_else(|| missing("the auth token on the second line"))?;
                    if from.is_none() && messaging_service.is_none() {
                        return Err(CliError::new(
                            "invalid",
                            "Give the shop's Twilio number with --from +1… (or --messaging-service MG…).",
                        ));
                    }
                    let account = TwilioAccount {
                        account_sid,
                        auth_token,
                        from: from.unwrap_or_default(),
                        messaging_service_sid: messaging_service,
                    };
                    services.connect_messaging(MessagingAccount::Twilio(account)).map_err(keychain)?;
                }
                "sendgrid" => {
                    let api_key = lines
                        .next()
                        .filter(|l| l.starts_with("SG."))
                        .ok_or_else(|| missing("the API key (SG.…) on the first line"))?;
                    let from_email = from.filter(|f| f.contains('@')).ok_or_else(|| {
                        CliError::new("invalid", "Give the verified sender address with --from shop@example.com.")
                    })?;
                    let account = SendGridAccount { api_key, from_email };
                    services.connect_messaging(MessagingAccount::Sendgrid(account)).map_err(keychain)?;
                }
                "sns" => {
                    let access_key_id = lines.next().ok_or_else(|| missing("the access key id on the first line"))?;
                    let secret_access_key =
                        lines.next().ok_or_else(|| missing("the secret access key on the second line"))?;
                    let region = region.ok_or_else(|| {
                        CliError::new("invalid", "Give the AWS region with --region, e.g. us-east-1.")
                    })?;
                    let account = SnsAccount {
                        credentials: dixon_notify::sigv4::Credentials { access_key_id, secret_access_key },
                        region,
                    };
                    services.connect_messaging(MessagingAccount::Sns(account)).map_err(keychain)?;
                }
                other => {
                    return Err(CliError::new(
                        "invalid",
                        format!("'{other}' is not a provider; use twilio, sendgrid or sns."),
                    ))
                }
            }
            println!("{provider} connected: the secret is in the OS keychain. `dixon health` checks it.");
        }
    }
    Ok(())
}

/// `dixon messages [--ro N]`.
pub async fn messages(ro: Option<i64>, services: &Services, out: &Output) -> Result<(), CliError> {
    let list = services.messenger.messages(ro).await.map_err(notify_error)?;
    print_messages(out, &list);
    Ok(())
}

fn print_messages(out: &Output, messages: &[Message]) {
    if out.json {
        out.print_json(&messages);
        return;
    }
    if messages.is_empty() {
        println!("No messages.");
    }
    for m in messages {
        let arrow = if m.direction == "in" { "←" } else { "→" };
        let ro = m.repair_order.map(|n| format!(" RO {n}")).unwrap_or_default();
        println!(
            "{} {arrow} {} {}{ro} [{}] {}",
            m.created_at.with_timezone(&chrono::Local).format("%b %-d %H:%M"),
            m.channel.words(),
            m.to_hint,
            m.state,
            m.state_words
        );
        println!("    {}", m.body.replace('\n', "\n    "));
    }
}
