//! `dixon backup`: a verified copy of this counter's data now, the backups kept, and a restore
//! that keeps the current database aside.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use dixon_backup::{Backup, Reason};
use dixon_home::Home;

use crate::output::{CliError, Output};

#[derive(Subcommand)]
pub enum BackupCommand {
    /// Take a backup now (into the data folder's backups/, or --to a USB drive or a share), verified.
    Now {
        #[arg(long)]
        to: Option<PathBuf>,
    },
    /// The backups kept, newest first, with what they hold and whether they check out.
    List {
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Put a backup in place of the current database (kept aside, never overwritten). Close the app first.
    Restore { backup: PathBuf },
}

impl From<dixon_backup::Error> for CliError {
    fn from(error: dixon_backup::Error) -> CliError {
        let kind = match error {
            dixon_backup::Error::Write { .. } => "backup_write",
            dixon_backup::Error::Damaged { .. } => "backup_damaged",
            dixon_backup::Error::NotFound(_) => "not_found",
            dixon_backup::Error::Database(_) => "database",
        };
        CliError::new(kind, error.to_string())
    }
}

fn folder(home: &Home, given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| home.data_dir().join("backups"))
}

fn describe(backup: &Backup) -> String {
    format!(
        "{}  {} repair orders, last payment {}, {:.1} MB, checked ok  ({})",
        backup.manifest.taken_at.format("%Y-%m-%d %H:%M UTC"),
        backup.repair_orders(),
        backup.manifest.last_payment_at.as_deref().unwrap_or("none"),
        backup.size as f64 / 1e6,
        backup.path.display()
    )
}

/// Runs a backup command. A restore runs before the store is opened (see main).
pub async fn backup(command: BackupCommand, home: &Home, out: &Output) -> Result<(), CliError> {
    let now = chrono::Utc::now();
    match command {
        BackupCommand::Now { to } => {
            let into = folder(home, to.clone());
            let taken =
                dixon_backup::backup(&home.database_path(), Some(&home.documents_dir()), &into, Reason::Manual, now)
                    .await?;
            let removed = if to.is_none() { dixon_backup::rotate(&into, now).await } else { Vec::new() };
            if out.json {
                out.print_json(&serde_json::json!({ "backup": taken, "rotated_out": removed }));
            } else {
                println!("{}", describe(&taken));
                if !removed.is_empty() {
                    println!("{} older backup(s) rotated out (7 daily, 4 weekly, 12 monthly kept)", removed.len());
                }
            }
        }
        BackupCommand::List { from } => {
            let listed = dixon_backup::list(&folder(home, from)).await;
            if out.json {
                let rows: Vec<serde_json::Value> = listed
                    .iter()
                    .map(|b| match b {
                        Ok(backup) => serde_json::json!({ "ok": true, "backup": backup }),
                        Err(e) => serde_json::json!({ "ok": false, "error": e.to_string() }),
                    })
                    .collect();
                out.print_json(&rows);
            } else if listed.is_empty() {
                println!("No backups yet: `dixon backup now` takes one.");
            } else {
                for backup in listed {
                    match backup {
                        Ok(backup) => println!("{}", describe(&backup)),
                        Err(e) => println!("DAMAGED  {e}"),
                    }
                }
            }
        }
        BackupCommand::Restore { backup } => restore(&backup, home, out).await?,
    }
    Ok(())
}

async fn restore(backup: &Path, home: &Home, out: &Output) -> Result<(), CliError> {
    let aside = dixon_backup::restore(backup, &home.database_path(), chrono::Utc::now()).await?;
    if out.json {
        out.print_json(&serde_json::json!({ "restored": backup, "kept_aside": aside }));
    } else {
        println!(
            "Restored {}. The database it replaced is kept in {}.\nSecrets are not in backups: connect Stripe, PayPal, PartsTech and the Dixon cloud again if this is a new PC.",
            backup.display(),
            aside.display()
        );
    }
    Ok(())
}
