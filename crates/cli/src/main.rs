//! `dixon`: Dixon Counter without a window. Every command calls the same services as the desktop
//! app, so anything a service writer does at the counter can be scripted and tested headlessly.
//!
//! `--data-dir` picks the data folder (default: the app's); `--json` prints machine-readable
//! output. Exit status: 0 done, 1 refused or failed (the message says why and what to do),
//! 2 wrong usage.

mod approval_cmd;
mod backup_cmd;
mod estimate_cmd;
mod estimate_output;
mod inspect_cmd;
mod notify_cmd;
mod obd_cmd;
mod output;
mod pay_cmd;
mod photo_cmd;
mod scan_cmd;
mod settings_keys;
mod sync_cmd;
mod vin_batch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use dixon_home::{Home, Program};
use dixon_resilience::{AlertRules, LogNotifier};
use dixon_services::Services;
use dixon_shop::{ContactMethod, ListScope, NewCustomer, NewRepairOrder, NewVehicle, RepairOrderQuery, Status};

use output::{CliError, Output};

#[derive(Parser)]
#[command(name = "dixon", version, about = "Dixon Counter on the command line", propagate_version = true)]
struct Cli {
    /// The data folder (database, logs). Default: $DIXON_DATA_DIR, else the app's folder.
    #[arg(long, global = true, value_name = "FOLDER")]
    data_dir: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Repair orders: open, list, show, move through their lifecycle.
    #[command(subcommand)]
    Ro(RoCommand),
    /// The shop's profile: name, address, rates, taxes, fees, registrations.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Check this PC: data folder, database, keychain, serial ports, Bluetooth, cameras.
    Doctor,
    /// Check every outside service now and show its state, latency, errors and cost today.
    Health,
    /// Calls to outside services, newest first.
    Events {
        /// Only this service (e.g. vpic).
        #[arg(long)]
        service: Option<String>,
        /// Only since then: 30m, 2h, 1d, or a time like 2026-11-25T08:00:00Z.
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Alerts not yet acknowledged; `dixon alerts ack ID` acknowledges one.
    Alerts {
        #[command(subcommand)]
        action: Option<AlertsCommand>,
    },
    /// VINs: decode with NHTSA vPIC.
    #[command(subcommand)]
    Vin(VinCommand),
    /// Estimates: lines, parts priced from suppliers, authorizations, canned jobs, PDFs.
    #[command(subcommand)]
    Estimate(estimate_cmd::EstimateCommand),
    /// Parts: import the shop's catalog, price parts, the markup matrix, connect PartsTech.
    #[command(subcommand)]
    Parts(estimate_cmd::PartsCommand),
    /// Scans: what a scanned text means; a serial barcode gun.
    #[command(subcommand)]
    Scan(scan_cmd::ScanCommand),
    /// OBD-II: read trouble codes, freeze frame, readiness and live data through an ELM327 adapter.
    #[command(subcommand)]
    Obd(obd_cmd::ObdCommand),
    /// Payments: cash, check, card on the Stripe Terminal reader, refunds, readers.
    #[command(subcommand)]
    Pay(pay_cmd::PayCommand),
    /// The Dixon cloud: enroll this counter, sync now, sync status.
    #[command(subcommand)]
    Sync(sync_cmd::SyncCommand),
    /// Backups: take one now, list them, restore one.
    #[command(subcommand)]
    Backup(backup_cmd::BackupCommand),
    /// Text, email or push a customer; connect Twilio, SendGrid and AWS SNS.
    #[command(subcommand)]
    Notify(notify_cmd::NotifyCommand),
    /// The digital vehicle inspection of a repair order.
    #[command(subcommand)]
    Inspect(inspect_cmd::InspectCommand),
    /// Photos of the car kept with a repair order.
    #[command(subcommand)]
    Photo(photo_cmd::PhotoCommand),
    /// The customer's approval from a link on their phone (served by the Dixon cloud).
    #[command(subcommand)]
    Approval(approval_cmd::ApprovalCommand),
    /// The demo shop: makes (once) a data folder beside this one with made-up repair orders in
    /// every state, and prints it; open it with `dixon-counter --data-dir FOLDER`.
    Demo,
    /// Messages to and from customers (and the owner's alerts), with their delivery.
    Messages {
        /// Only this repair order's conversation.
        #[arg(long)]
        ro: Option<i64>,
    },
}

#[derive(Subcommand)]
enum AlertsCommand {
    /// Mark an alert as seen.
    Ack { id: i64 },
}

#[derive(Subcommand)]
enum VinCommand {
    /// Decode VINs with NHTSA vPIC (several at once go through its batch endpoint).
    Decode {
        /// One or more VINs (17 characters).
        vins: Vec<String>,
        /// A file with one VIN a line (blank lines and # comments skipped).
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Model year hint, when position 10 is ambiguous (single VIN).
        #[arg(long)]
        year: Option<i32>,
        /// Use only the vPIC data on this PC (no network).
        #[arg(long)]
        offline: bool,
    },
    /// Check a VIN without the network: check digit, model year, maker, likely corrections.
    Check { vin: String },
    /// The vehicle's open safety recalls (NHTSA), by the year, make and model the VIN decodes to.
    Recalls { vin: String },
}

#[derive(Subcommand)]
enum RoCommand {
    /// Open a new repair order (status: estimate).
    New(NewRoArgs),
    /// List repair orders: active ones and today's, or all with --all.
    List {
        /// Find by RO number, customer name, phone digits, VIN, plate, make or model.
        search: Option<String>,
        /// Include closed and canceled orders from earlier days.
        #[arg(long)]
        all: bool,
    },
    /// Show one repair order with its lines, totals and history.
    Show { number: i64 },
    /// Move a repair order to another status (estimate, approved, in_progress, completed,
    /// invoiced, paid, closed, canceled).
    Status {
        number: i64,
        status: String,
        /// Why (kept in the order's history).
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Args)]
struct NewRoArgs {
    /// Customer's name.
    #[arg(long)]
    name: String,
    /// Customer's phone, e.g. "(555) 234-5678" or "+44 20 7946 0958".
    #[arg(long, default_value = "")]
    phone: String,
    #[arg(long, default_value = "")]
    email: String,
    /// Preferred contact: call, text or email.
    #[arg(long, default_value = "call")]
    contact: String,
    /// The customer agreed to receive text messages.
    #[arg(long)]
    sms_consent: bool,
    #[arg(long, default_value = "")]
    vin: String,
    #[arg(long, allow_negative_numbers = true)]
    year: Option<i32>,
    #[arg(long, default_value = "")]
    make: String,
    #[arg(long, default_value = "")]
    model: String,
    #[arg(long, default_value = "")]
    plate: String,
    /// Odometer reading in miles.
    #[arg(long, allow_negative_numbers = true)]
    odometer: Option<i64>,
    /// The customer's concern, in their words.
    #[arg(long, default_value = "")]
    concern: String,
}

#[derive(Subcommand)]
enum SettingsCommand {
    /// Print the shop's profile.
    Show,
    /// Change fields: `dixon settings set name="Dixon Auto" labor_rate=145 parts_tax_rate=8.25%`.
    /// `dixon settings set --help` lists the keys.
    #[command(after_help = settings_keys::HELP)]
    Set {
        /// KEY=VALUE pairs; all are checked before anything is saved.
        #[arg(required = true, value_name = "KEY=VALUE")]
        changes: Vec<String>,
    },
}

pub(crate) fn this_year() -> i32 {
    dixon_clock::local_year(chrono::Utc::now())
}

fn vin_problem(problem: dixon_vin::VinProblem) -> CliError {
    CliError::new("invalid", problem.explained())
}

/// `dixon vin recalls VIN`: decode (vPIC, or the data on this PC), then ask NHTSA for recalls.
async fn recalls_of(services: &Services, out: &Output, vin: &str) -> Result<(), CliError> {
    let (_, answer) = services.vpic.decode_checked(vin, this_year()).await.map_err(|e| match e {
        dixon_vehicle::DecodeError::Vin(problem) => vin_problem(problem),
        other => CliError::new("decode", other.to_string()),
    })?;
    let info = answer.value;
    let (Some(year), Some(make), Some(model)) = (info.model_year, info.make.as_deref(), info.model.as_deref()) else {
        return Err(CliError::new(
            "decode",
            format!("{vin} does not decode to a year, make and model; recalls are looked up by those."),
        ));
    };
    let check = services.recalls.for_vehicle(year, make, model).await?;
    if out.json {
        out.print_json(&check);
        return Ok(());
    }
    println!("{}", check.describe());
    for recall in &check.recalls {
        let flag = if recall.park_it {
            " · PARK IT: do not drive"
        } else if recall.park_outside {
            " · PARK OUTSIDE: fire risk"
        } else {
            ""
        };
        let reported = recall.reported.map(|d| format!(" ({})", d.format("%b %-d, %Y"))).unwrap_or_default();
        println!("\n{}{reported} — {}{flag}", recall.campaign, recall.component);
        for (label, text) in [("What", &recall.summary), ("Risk", &recall.consequence), ("Remedy", &recall.remedy)] {
            if !text.is_empty() {
                println!("  {label}: {text}");
            }
        }
    }
    Ok(())
}

async fn decode_one(
    services: &Services,
    out: &Output,
    vin: &str,
    year: Option<i32>,
    offline: bool,
) -> Result<(), CliError> {
    let checked = dixon_vin::check(vin, this_year()).map_err(vin_problem)?;
    let from_vin = match checked.model_years.as_slice() {
        [only] => Some(*only),
        _ => None,
    };
    if let (Some(given), false) =
        (year, checked.model_years.is_empty() || year.is_some_and(|y| checked.model_years.contains(&y)))
    {
        eprintln!(
            "warning: position 10 of the VIN says {:?}, not {given}; vPIC will flag the year.",
            checked.model_years
        );
    }
    for warning in &checked.warnings {
        eprintln!("warning: {warning}");
    }
    if offline {
        let decoder = services.vpic.offline().ok_or_else(|| {
            CliError::new("offline_data", "The offline VIN data is missing on this PC; run scripts/setup.sh.")
        })?;
        let info = decoder.decode(&checked.vin, this_year()).ok_or_else(|| {
            CliError::new(
                "unknown_vin",
                format!(
                    "Neither the offline data nor NHTSA's WMI table knows the maker of {} (WMI {}); decode it online, or enter year, make and model by hand.",
                    checked.vin, checked.wmi
                ),
            )
        })?;
        let name = dixon_vehicle::OFFLINE_SOURCE.to_string();
        out.decoded(&dixon_resilience::Answer { value: info, source: dixon_resilience::Source::Fallback { name } });
        return Ok(());
    }
    out.decoded(&services.vpic.decode(&checked.vin, year.or(from_vin)).await?);
    Ok(())
}

fn main() -> ExitCode {
    // `dixon ro list | head` closes the pipe early: end quietly, as Unix tools do, instead of
    // panicking on the next line printed (Rust ignores SIGPIPE by default).
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // before any thread: an installed CLI's offline VIN data is beside it
    dixon_vehicle::use_installed_tables();
    let cli = Cli::parse();
    let out = Output { json: cli.json };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return out.fail(&CliError::new("runtime", format!("Can't start: {e}"))),
    };
    match runtime.block_on(run(cli, &out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => out.fail(&e),
    }
}

async fn run(cli: Cli, out: &Output) -> Result<(), CliError> {
    let home = Home::resolve(cli.data_dir.as_deref())?;
    if let Command::Doctor = cli.command {
        let report = dixon_doctor::examine(&home).await;
        out.doctor(&report);
        return if report.is_usable() { Ok(()) } else { Err(CliError::quiet()) };
    }
    if let Command::Demo = cli.command {
        // the shop's own folder is only named, never opened (nor made)
        return demo(&home, out).await;
    }
    home.ensure()?;
    let _log_guard = dixon_home::init_logging(&home, Program::Cli).ok();
    if let Command::Backup(command) = cli.command {
        // a backup copies the store through its own connections; a restore must not find it open
        return backup_cmd::backup(command, &home, out).await;
    }

    let services = Services::open(&home).await?;
    let result = dispatch(cli.command, &services, out).await;
    services.store.close().await;
    result
}

async fn dispatch(command: Command, services: &Services, out: &Output) -> Result<(), CliError> {
    let store = &services.store;
    let integrations = &services.integrations;
    match command {
        Command::Ro(RoCommand::New(args)) => {
            let preferred_contact = ContactMethod::parse(&args.contact).ok_or_else(|| {
                CliError::new(
                    "invalid",
                    format!("'{}' is not a contact method; use call, text or email.", args.contact),
                )
            })?;
            let form = NewRepairOrder {
                customer: NewCustomer {
                    name: args.name,
                    phone: args.phone,
                    email: args.email,
                    preferred_contact,
                    sms_consent: args.sms_consent,
                },
                vehicle: NewVehicle {
                    vin: args.vin,
                    year: args.year,
                    make: args.make,
                    model: args.model,
                    plate: args.plate,
                    odometer: args.odometer,
                },
                concern: args.concern,
            };
            out.repair_order(&store.create_repair_order(&form).await?);
        }
        Command::Ro(RoCommand::List { search, all }) => {
            let query = RepairOrderQuery {
                search: search.unwrap_or_default(),
                scope: if all { ListScope::All } else { ListScope::Today },
            };
            out.repair_orders(&store.list_repair_orders(&query).await?);
        }
        Command::Ro(RoCommand::Show { number }) => out.repair_order(&store.repair_order(number).await?),
        Command::Ro(RoCommand::Status { number, status, note }) => {
            let status: Status =
                status.parse().map_err(|e: dixon_shop::UnknownStatus| CliError::new("invalid", e.to_string()))?;
            out.repair_order(&store.change_status(number, status, note.as_deref()).await?);
        }
        Command::Settings(SettingsCommand::Show) => out.settings(&store.settings().await?),
        Command::Settings(SettingsCommand::Set { changes }) => {
            let mut settings = store.settings().await?;
            settings_keys::apply(&mut settings, &changes)?;
            out.settings(&store.save_settings(&settings).await?);
        }
        Command::Doctor => unreachable!("handled before the store is opened"),
        Command::Backup(_) => unreachable!("handled before the store is opened"),
        Command::Demo => unreachable!("handled before the store is opened"),
        Command::Health => {
            integrations.check_health().await;
            integrations.evaluate_alerts(&AlertRules::default(), &LogNotifier).await?;
            out.health(&integrations.overview().await?, &integrations.alerts().await?);
        }
        Command::Events { service, since, limit } => {
            let since = since.map(|s| output::parse_since(&s)).transpose()?;
            out.events(&integrations.monitor().events(service.as_deref(), since, limit).await?);
        }
        Command::Alerts { action: None } => out.alerts(&integrations.alerts().await?),
        Command::Alerts { action: Some(AlertsCommand::Ack { id }) } => {
            if !integrations.acknowledge(id).await? {
                return Err(CliError::new(
                    "not_found",
                    format!("There is no unacknowledged alert {id}; `dixon alerts` lists them."),
                ));
            }
            out.alerts(&integrations.alerts().await?);
        }
        Command::Estimate(command) => estimate_cmd::estimate(command, services, out).await?,
        Command::Parts(command) => estimate_cmd::parts(command, services, out).await?,
        Command::Scan(command) => scan_cmd::scan(command, services, out).await?,
        Command::Obd(command) => obd_cmd::obd(command, services, out).await?,
        Command::Pay(command) => pay_cmd::pay(command, services, out).await?,
        Command::Sync(command) => sync_cmd::sync(command, services, out).await?,
        Command::Notify(command) => notify_cmd::notify(command, services, out).await?,
        Command::Messages { ro } => notify_cmd::messages(ro, services, out).await?,
        Command::Photo(command) => photo_cmd::photo(command, services, out).await?,
        Command::Inspect(command) => inspect_cmd::inspect(command, services, out).await?,
        Command::Approval(command) => approval_cmd::approval(command, services, out).await?,
        Command::Vin(VinCommand::Recalls { vin }) => recalls_of(services, out, &vin).await?,
        Command::Vin(VinCommand::Check { vin }) => {
            let checked = dixon_vin::check(&vin, this_year()).map_err(vin_problem)?;
            out.vin_check(&checked);
        }
        Command::Vin(VinCommand::Decode { mut vins, file, year, offline }) => {
            if let Some(file) = file {
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| CliError::new("invalid", format!("Can't read {}: {e}.", file.display())))?;
                vins.extend(
                    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from),
                );
            }
            match vins.as_slice() {
                [] => {
                    return Err(CliError::new("invalid", "Give a VIN to decode, or --file FILE with one VIN a line."))
                }
                [single] => decode_one(services, out, single, year, offline).await?,
                _ => vin_batch::decode_many(services, out, &vins, offline).await?,
            }
        }
    }
    Ok(())
}

/// `dixon demo`: the demo shop beside `home`, made and filled once.
async fn demo(home: &Home, out: &Output) -> Result<(), CliError> {
    let demo_error = |e: dixon_services::demo::Error| CliError::new("demo", e.to_string());
    let demo = dixon_services::demo::prepare(home).map_err(demo_error)?;
    let services = Services::open(&demo).await?;
    let seeded = dixon_services::demo::seed(&services, &demo).await.map_err(demo_error);
    services.store.close().await;
    let seeded = seeded?;
    let folder = demo.data_dir().display().to_string();
    if out.json {
        let orders: Vec<_> = seeded
            .iter()
            .flat_map(|s| &s.orders)
            .map(|(n, status)| serde_json::json!({ "number": n, "status": status }))
            .collect();
        out.print_json(&serde_json::json!({ "folder": folder, "made_now": seeded.is_some(), "orders": orders }));
    } else {
        match seeded {
            Some(s) => println!("The demo shop is ready, with {} repair orders: {folder}", s.orders.len()),
            None => println!("The demo shop is already there (as it was left): {folder}"),
        }
        println!("Open it: dixon-counter --data-dir \"{folder}\"   (or `dixon --data-dir \"{folder}\" ro list`)");
    }
    Ok(())
}
