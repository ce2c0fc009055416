//! `dixon approval`: the customer's approval from a link — publish a repair order's estimate,
//! inspection and photos to the Dixon cloud and print the link; read where the approval stands.

use clap::Subcommand;
use dixon_approval::{ApprovalStatus, Link};
use dixon_services::Services;

use crate::output::{CliError, Output};

#[derive(Subcommand)]
pub enum ApprovalCommand {
    /// Publish the order for the customer's approval and print the link (text or email it, or
    /// show it as a QR code). A new link replaces the order's earlier one.
    Link {
        ro: i64,
        /// How many days the link works (1–30).
        #[arg(long)]
        days: Option<i64>,
    },
    /// The order's links and the customer's answers (syncs first when the cloud is reachable).
    Status { ro: i64 },
}

fn approval_error(e: dixon_approval::Error) -> CliError {
    CliError::new(e.kind(), e.to_string())
}

pub async fn approval(command: ApprovalCommand, services: &Services, out: &Output) -> Result<(), CliError> {
    let approvals = &services.approvals;
    match command {
        ApprovalCommand::Link { ro, days } => {
            let link = approvals.publish(ro, days).await.map_err(approval_error)?;
            print_link(out, &link);
        }
        ApprovalCommand::Status { ro } => {
            // fresh answers when the cloud is there; offline the last known ones
            if services.sync.sync_now().await.is_ok() {
                approvals.apply_relayed().await.map_err(approval_error)?;
            }
            print_status(out, &approvals.status(ro).await.map_err(approval_error)?);
        }
    }
    Ok(())
}

fn print_link(out: &Output, link: &Link) {
    if out.json {
        out.print_json(link);
        return;
    }
    println!("{}", link.url);
    eprintln!(
        "Repair order {}: {} line{} to approve, {} photo file{} ({} uploaded now); works until {}.",
        link.repair_order,
        link.lines,
        if link.lines == 1 { "" } else { "s" },
        link.photos,
        if link.photos == 1 { "" } else { "s" },
        link.photos_uploaded,
        link.expires_at.with_timezone(&chrono::Local).format("%b %-d at %-I:%M %p"),
    );
}

fn print_status(out: &Output, status: &ApprovalStatus) {
    if out.json {
        out.print_json(status);
        return;
    }
    println!("Repair order {}: {}", status.repair_order, status.summary);
    for answer in &status.answers {
        println!(
            "  {} {} {} — approved: {}; declined: {}; {} from {} ({})",
            answer.submitted_at.with_timezone(&chrono::Local).format("%b %-d %-I:%M %p"),
            answer.name,
            answer.amount,
            if answer.approved.is_empty() { "nothing".into() } else { answer.approved.join(", ") },
            if answer.declined.is_empty() { "nothing".into() } else { answer.declined.join(", ") },
            if answer.signed { "signed" } else { "typed name" },
            answer.ip,
            if answer.recorded { "recorded".to_string() } else { answer.problem.clone().unwrap_or_default() },
        );
    }
    for link in &status.links {
        println!(
            "  link {} ({:?}) published {}, {}",
            link.id,
            link.kind,
            link.published_at.with_timezone(&chrono::Local).format("%b %-d %-I:%M %p"),
            link.state
        );
    }
}
