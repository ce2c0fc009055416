//! `dixon sync`: this counter and the Dixon cloud — enroll with the shop's code, sync now, status.

use clap::Subcommand;
use dixon_services::Services;

use crate::output::{CliError, Output};

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Enroll this counter with the shop's one-time code (from `dixon-cloud shop enroll-code`).
    Enroll {
        /// The cloud's address, e.g. https://cloud.dixonsmartrepair.com or http://127.0.0.1:8787.
        #[arg(long = "cloud")]
        cloud: String,
        code: String,
        /// This counter's name as the other counters see it.
        #[arg(long, default_value = "Front counter")]
        name: String,
    },
    /// Send the changes waiting here and fetch the other counters' changes.
    Now,
    /// Synced, changes waiting, offline since when, changes the cloud refused.
    Status,
}

impl From<dixon_sync::Error> for CliError {
    fn from(error: dixon_sync::Error) -> CliError {
        CliError::new(error.kind(), error.to_string())
    }
}

pub async fn sync(command: SyncCommand, services: &Services, out: &Output) -> Result<(), CliError> {
    let client = &services.sync;
    match command {
        SyncCommand::Enroll { cloud, code, name } => {
            let status = client.enroll(&cloud, &code, &name).await?;
            if out.json {
                out.print_json(&status);
            } else {
                println!(
                    "Enrolled as '{name}' with shop {}; `dixon sync now` sends and fetches.",
                    status.shop_id.unwrap_or_default()
                );
            }
        }
        SyncCommand::Now => {
            let report = client.sync_now().await?;
            if out.json {
                out.print_json(&report);
            } else {
                println!(
                    "sent {}, refused {}, received {} (feed at {})",
                    report.sent, report.refused, report.received, report.cursor
                );
            }
        }
        SyncCommand::Status => {
            let status = client.status().await?;
            if out.json {
                out.print_json(&status);
            } else {
                println!("{}", status.summary());
                for refused in &status.refused {
                    println!("  refused {} {}: {}", refused.topic, refused.entity_uid, refused.reason);
                }
            }
        }
    }
    Ok(())
}
