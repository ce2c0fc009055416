//! `dixon obd …`: reading cars through an ELM327 adapter (USB serial, Wi-Fi, Bluetooth LE or the
//! built-in simulator): the ports, a full scan (optionally kept with a repair order), live data
//! and clearing codes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use dixon_obd::{AdapterAddress, ConnectStep, Session, SimConfig, SimScenario, Snapshot, WatchEvent, Watched};
use dixon_services::Services;

use crate::output::{CliError, Output};

#[derive(Subcommand)]
pub enum ObdCommand {
    /// The adapters this PC can reach: serial ports, remembered dongles, and with --ble the
    /// Bluetooth LE devices around it.
    Ports {
        /// Also scan for Bluetooth LE adapters (5 seconds).
        #[arg(long)]
        ble: bool,
    },
    /// Read the car: VIN, trouble codes, freeze frame, readiness monitors, controllers.
    Scan {
        #[command(flatten)]
        adapter: AdapterArgs,
        /// Keep the reading with this repair order.
        #[arg(long, value_name = "RO")]
        ro: Option<i64>,
        /// Also put the car's VIN on the repair order's vehicle (with --ro).
        #[arg(long, requires = "ro")]
        use_vin: bool,
    },
    /// Live data until Ctrl+C (or --seconds): each PID at its rate, six to a request when the
    /// adapter can.
    Watch {
        #[command(flatten)]
        adapter: AdapterArgs,
        /// Mode 01 PIDs in hex, comma separated (0C engine speed, 0D speed, 05 coolant, 04 load,
        /// 11 throttle, 0F intake air, 10 MAF, 0B MAP …).
        #[arg(long, default_value = "0C,0D,05")]
        pids: String,
        /// Reads per second of each PID (0.1 to 50).
        #[arg(long, default_value_t = 10.0)]
        hz: f64,
        /// Stop after this many seconds.
        #[arg(long)]
        seconds: Option<f64>,
    },
    /// Clear stored and pending codes, the freeze frame and the readiness monitors (mode 04).
    Clear {
        #[command(flatten)]
        adapter: AdapterArgs,
        /// Type CLEAR: the monitors need a drive cycle to run again, and an inspection station
        /// will turn the car away until they have.
        #[arg(long, default_value = "")]
        confirm: String,
    },
}

/// Which adapter: one of --port, --tcp, --ble, --sim.
#[derive(Args)]
pub struct AdapterArgs {
    /// A USB (or Bluetooth classic) serial port: /dev/ttyUSB0, /dev/rfcomm0, COM3.
    #[arg(long, value_name = "PORT", conflicts_with_all = ["tcp", "ble", "sim"])]
    port: Option<String>,
    /// The serial port's speed, when known (otherwise 38400, 115200, 9600… are tried).
    #[arg(long, requires = "port")]
    baud: Option<u32>,
    /// A Wi-Fi adapter: HOST[:PORT] (port 35000 when left out; most use 192.168.0.10).
    #[arg(long, value_name = "HOST:PORT", conflicts_with_all = ["ble", "sim"])]
    tcp: Option<String>,
    /// A Bluetooth LE adapter, by the name it advertises (or part of it) or its address.
    #[arg(long, value_name = "NAME", conflicts_with = "sim")]
    ble: Option<String>,
    /// The built-in simulator: shop_demo (default), healthy, can29, ignition_off.
    #[arg(long, value_name = "SCENARIO", num_args = 0..=1, default_missing_value = "shop_demo")]
    sim: Option<String>,
}

impl AdapterArgs {
    fn address(&self) -> Result<AdapterAddress, CliError> {
        let invalid = |e: dixon_obd::Error| CliError::new("invalid", e.to_string());
        Ok(match (&self.port, &self.tcp, &self.ble, &self.sim) {
            (Some(port), ..) => AdapterAddress::Serial { port: port.clone(), baud: self.baud },
            (_, Some(tcp), ..) => AdapterAddress::wifi(tcp).map_err(invalid)?,
            (_, _, Some(name), _) => AdapterAddress::Ble { name: name.clone() },
            (_, _, _, Some(scenario)) => {
                let scenario = SimScenario::parse(scenario).ok_or_else(|| {
                    CliError::new(
                        "invalid",
                        format!(
                            "'{scenario}' is not a simulator scenario; use shop_demo, healthy, can29 or ignition_off."
                        ),
                    )
                })?;
                AdapterAddress::Simulator(SimConfig { scenario, ..SimConfig::default() })
            }
            _ => return Err(CliError::new("invalid", "Pick an adapter: --port, --tcp, --ble or --sim.")),
        })
    }
}

fn obd_error(e: dixon_obd::Error) -> CliError {
    CliError::new(e.kind(), e.to_string())
}

/// Connects, telling the user how far it got on stderr.
async fn connect(adapter: &AdapterArgs, out: &Output) -> Result<Session, CliError> {
    let address = adapter.address()?;
    let quiet = out.json;
    Session::connect(address, |step| {
        if quiet {
            return;
        }
        match step {
            ConnectStep::Opening { adapter } => eprintln!("opening {adapter}…"),
            ConnectStep::Resetting => eprintln!("resetting the adapter…"),
            ConnectStep::Identified { chip, battery_volts } => match battery_volts {
                Some(v) => eprintln!("{chip}, battery {v:.1} V"),
                None => eprintln!("{chip}"),
            },
            ConnectStep::SearchingProtocol => eprintln!("finding the car's protocol…"),
            ConnectStep::Connected { protocol } => eprintln!("connected: {protocol}"),
        }
    })
    .await
    .map_err(obd_error)
}

pub async fn obd(command: ObdCommand, services: &Services, out: &Output) -> Result<(), CliError> {
    match command {
        ObdCommand::Ports { ble } => {
            let serial = dixon_obd::serial_ports().map_err(obd_error)?;
            let dongles = dixon_scan::dongles(services.store.pool())
                .await
                .map_err(|e| CliError::from(dixon_shop::Error::Database(e)))?;
            let ble_devices = if ble {
                if !out.json {
                    eprintln!("scanning for Bluetooth LE adapters (5 s)…");
                }
                dixon_obd::ble_devices(Duration::from_secs(5)).await.map_err(obd_error)?
            } else {
                Vec::new()
            };
            if out.json {
                out.print_json(&serde_json::json!({
                    "serial": serial, "dongles": dongles, "ble": ble_devices,
                    "wifi_default": format!("{}:{}", dixon_obd::DEFAULT_WIFI.0, dixon_obd::DEFAULT_WIFI.1),
                }));
                return Ok(());
            }
            if serial.is_empty() {
                println!(
                    "No serial ports. Plug in the USB adapter (on Linux it shows as /dev/ttyUSB0 or /dev/ttyACM0)."
                );
            }
            for port in &serial {
                println!("--port {:<20} {}", port.port, port.description);
            }
            for d in &dongles {
                let about = [d.name.clone(), d.address.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
                println!("dongle {:<19} {:?}  {about}", d.id, d.kind);
            }
            for d in &ble_devices {
                let likely = if d.likely_obd { "  (looks like an OBD adapter)" } else { "" };
                println!("--ble {:<21} {}{likely}", if d.name.is_empty() { &d.address } else { &d.name }, d.address);
            }
            println!(
                "--tcp {}:{}       a Wi-Fi adapter (join its network first)\n--sim                      the built-in simulator",
                dixon_obd::DEFAULT_WIFI.0,
                dixon_obd::DEFAULT_WIFI.1
            );
        }
        ObdCommand::Scan { adapter, ro, use_vin } => {
            if let Some(number) = ro {
                services.store.repair_order(number).await?; // an unknown order fails before the car is read
            }
            let mut session = connect(&adapter, out).await?;
            let snapshot = session.snapshot().await.map_err(obd_error)?;
            let kept = match ro {
                Some(number) => Some(dixon_services::diagnostics::keep(&services.store, number, &snapshot).await?),
                None => None,
            };
            if let (true, Some(number)) = (use_vin, ro) {
                let vin = snapshot.vin.as_deref().ok_or_else(|| {
                    CliError::new("no_vin", "The car did not report its VIN; scan the door-jamb label instead.")
                })?;
                services.store.set_vehicle_vin(number, vin).await?;
            }
            if out.json {
                out.print_json(&serde_json::json!({ "snapshot": snapshot, "kept": kept }));
            } else {
                print_snapshot(&snapshot);
                if let Some(number) = ro {
                    println!(
                        "Kept with repair order {number}.{}",
                        if use_vin { " Its vehicle has the car's VIN." } else { "" }
                    );
                }
            }
        }
        ObdCommand::Watch { adapter, pids, hz, seconds } => {
            let watched = parse_pids(&pids)?.into_iter().map(|pid| Watched::at(pid, hz)).collect::<Vec<_>>();
            let mut session = connect(&adapter, out).await?;
            let stop = Arc::new(AtomicBool::new(false));
            let ctrl_c = stop.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    ctrl_c.store(true, Ordering::Relaxed);
                }
            });
            if let Some(seconds) = seconds.filter(|s| s.is_finite() && *s >= 0.0) {
                let timer = stop.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
                    timer.store(true, Ordering::Relaxed);
                });
            }
            let json = out.json;
            let stats = dixon_obd::watch(&mut session, &watched, &stop, None, |event| match event {
                WatchEvent::Readings { at_ms, readings } if !json => {
                    let values: Vec<String> =
                        readings.iter().map(|r| format!("{} {:.1} {}", r.name, r.value, r.unit)).collect();
                    println!("{:>9.3} s  {}", at_ms as f64 / 1000.0, values.join(" · "));
                }
                WatchEvent::Lost { error } if !json => eprintln!("adapter lost: {error} — reconnecting"),
                WatchEvent::Reconnected if !json => eprintln!("reconnected"),
                event => println!("{}", serde_json::to_string(&event).unwrap_or_default()),
            })
            .await
            .map_err(obd_error)?;
            if json {
                println!("{}", serde_json::json!({ "stats": stats, "values_per_second": stats.values_per_second() }));
            } else {
                eprintln!(
                    "{} values in {} requests over {:.1} s: {:.1} values a second",
                    stats.values,
                    stats.requests,
                    stats.seconds,
                    stats.values_per_second()
                );
            }
        }
        ObdCommand::Clear { adapter, confirm } => {
            if !confirm.trim().eq_ignore_ascii_case("CLEAR") {
                return Err(CliError::new(
                    "confirmation_required",
                    "Clearing trouble codes also erases the freeze frame and the readiness results: add --confirm CLEAR.",
                ));
            }
            let mut session = connect(&adapter, out).await?;
            session.clear_codes(&confirm).await.map_err(obd_error)?;
            if out.json {
                out.print_json(&serde_json::json!({ "cleared": true }));
            } else {
                println!("Codes cleared. The readiness monitors run again over the next drive cycles.");
            }
        }
    }
    Ok(())
}

/// "0C,0D,05" (or with spaces, or "010C") as PIDs the engine decodes.
fn parse_pids(text: &str) -> Result<Vec<u8>, CliError> {
    let mut pids = Vec::new();
    for item in text.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
        let hex = item.trim_start_matches("0x");
        let hex = if hex.len() == 4 && hex.starts_with("01") { &hex[2..] } else { hex };
        let pid = u8::from_str_radix(hex, 16)
            .ok()
            .filter(|p| dixon_obd::pid(*p).is_some())
            .ok_or_else(|| CliError::new("invalid", format!("'{item}' is not a live-data PID this app reads (e.g. 0C engine speed, 0D vehicle speed, 05 coolant).")))?;
        if !pids.contains(&pid) {
            pids.push(pid);
        }
    }
    if pids.is_empty() {
        return Err(CliError::new("invalid", "Name at least one PID, e.g. --pids 0C,0D,05."));
    }
    Ok(pids)
}

fn print_snapshot(s: &Snapshot) {
    let identity = &s.adapter.identity;
    println!("Adapter    {} · {}", s.adapter.address, identity.chip);
    if let Some(v) = identity.battery_volts {
        println!("Battery    {v:.1} V");
    }
    println!("Protocol   {}", s.protocol);
    println!("VIN        {}", s.vin.as_deref().unwrap_or("not reported"));
    if let Some(r) = &s.readiness {
        println!(
            "MIL        {} ({} stored code{})",
            if r.mil_on { "ON" } else { "off" },
            r.dtc_count,
            if r.dtc_count == 1 { "" } else { "s" }
        );
    }
    if let Some(km) = s.odometer_km {
        println!(
            "Odometer   {} km ({} mi)",
            dixon_shop::group_thousands(km.round() as i64),
            dixon_shop::group_thousands((km / 1.609_344).round() as i64)
        );
    }
    if s.codes.is_empty() {
        println!("Codes      none");
    } else {
        println!("Codes");
        for c in &s.codes {
            println!("  {:<6} {:<10} {:<20} {}", c.code, format!("{:?}", c.kind).to_lowercase(), c.ecu, c.description);
        }
    }
    if let Some(f) = &s.freeze_frame {
        println!("Freeze frame (stored by {}: {})", f.code, f.description);
        for r in &f.readings {
            println!("  {:<32} {:>8.1} {}", r.name, r.value, r.unit);
        }
    }
    if let Some(r) = &s.readiness {
        println!("Readiness");
        for m in r.monitors.iter().filter(|m| m.available) {
            println!("  {:<32} {}", m.name, if m.complete { "complete" } else { "NOT complete" });
        }
    }
    for e in &s.ecus {
        println!(
            "Controller {} {} · calibration {} · CVN {}",
            e.ecu,
            e.name.as_deref().unwrap_or(""),
            e.calibration_ids.join(", "),
            e.cvns.join(", ")
        );
    }
    if !identity.quirks.is_empty() {
        println!("Adapter notes: {}", identity.quirks.join("; "));
    }
    for w in &s.warnings {
        println!("warning: {w}");
    }
}
