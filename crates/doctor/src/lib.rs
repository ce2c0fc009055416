//! `dixon doctor`: what this PC has and lacks for Dixon Counter, each with how to fix it.
//!
//! Checks, in order: the data folder, the database (opens, migrations, integrity), the offline
//! VIN data (NHTSA vPIC tables), the OS keychain
//! (where integration secrets live), serial ports (USB OBD adapters, serial barcode guns), the
//! Bluetooth adapter (BLE OBD adapters) and cameras (VIN and part labels). Missing hardware is a
//! warning — a counter can run without a camera — but a broken data folder or database fails the
//! report. No check changes anything except creating the data folder and applying migrations,
//! exactly as starting the app would.

use std::future::Future;
use std::time::Duration;

use dixon_home::Home;
use dixon_shop::Store;
use serde::Serialize;

/// How long one hardware probe may take (a hung D-Bus must not hang the doctor).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    Ok,
    /// Works with limits, or optional hardware is absent.
    Warning,
    /// Something the feature needs is not there; the rest of the app works.
    Missing,
    /// The app can't work until this is fixed.
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub state: CheckState,
    pub detail: String,
    /// What to do about it, when there is something to do.
    pub fix: Option<String>,
}

impl Check {
    fn new(name: &'static str, state: CheckState, detail: impl Into<String>, fix: Option<&str>) -> Check {
        Check { name, state, detail: detail.into(), fix: fix.map(str::to_string) }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    /// True unless a check failed outright (data folder or database).
    pub fn is_usable(&self) -> bool {
        self.checks.iter().all(|c| c.state != CheckState::Failed)
    }
}

/// Runs every check.
pub async fn examine(home: &Home) -> Report {
    let mut checks = vec![data_folder(home)];
    if checks[0].state != CheckState::Failed {
        checks.push(database(home).await);
    }
    checks.push(offline_vin_data());
    checks.push(keychain());
    checks.push(serial_ports());
    checks.push(bluetooth().await);
    checks.push(cameras());
    Report { checks }
}

fn data_folder(home: &Home) -> Check {
    let dir = home.data_dir().display().to_string();
    if let Err(e) = home.ensure() {
        return Check::new(
            "data folder",
            CheckState::Failed,
            e.to_string(),
            Some("Choose a writable folder with --data-dir."),
        );
    }
    let probe = home.data_dir().join(".doctor-write-test");
    match std::fs::write(&probe, b"ok").and_then(|()| std::fs::remove_file(&probe)) {
        Ok(()) => Check::new("data folder", CheckState::Ok, format!("{dir} (writable)"), None),
        Err(e) => Check::new(
            "data folder",
            CheckState::Failed,
            format!("{dir} is not writable: {e}"),
            Some("Fix the folder's permissions, or choose another with --data-dir."),
        ),
    }
}

async fn database(home: &Home) -> Check {
    let path = home.database_path();
    let store = match Store::open(&path).await {
        Ok(store) => store,
        Err(e) => return Check::new("database", CheckState::Failed, e.to_string(), None),
    };
    let check = match (store.schema_status().await, store.integrity_check().await) {
        (Ok(schema), Ok(problems)) if problems.is_empty() => Check::new(
            "database",
            CheckState::Ok,
            format!("{} (schema {} of {}, integrity ok)", path.display(), schema.version, schema.latest_known),
            None,
        ),
        (Ok(_), Ok(problems)) => Check::new(
            "database",
            CheckState::Failed,
            format!("{}: integrity check found {} problem(s): {}", path.display(), problems.len(), problems.join("; ")),
            Some("Close Dixon Counter, copy the database aside, and restore your latest backup."),
        ),
        (Err(e), _) | (_, Err(e)) => Check::new("database", CheckState::Failed, e.to_string(), None),
    };
    store.close().await;
    check
}

/// The vPIC tables the offline VIN decoder reads when the internet is down.
fn offline_vin_data() -> Check {
    match dixon_vehicle::OfflineDecoder::open() {
        Ok(decoder) => match decoder.decode_fields("1HGCM82633A004352") {
            Some(_) => Check::new(
                "offline VINs",
                CheckState::Ok,
                "NHTSA vPIC data on this PC answers without the internet",
                None,
            ),
            None => Check::new(
                "offline VINs",
                CheckState::Warning,
                "the offline VIN data opened but could not decode a known VIN",
                Some("Rebuild it: run scripts/setup.sh (or cargo build) again."),
            ),
        },
        Err(e) => Check::new(
            "offline VINs",
            CheckState::Missing,
            e,
            Some("Run scripts/setup.sh, or set MAPS_DIR to the tables."),
        ),
    }
}

/// Reads a probe entry that never exists: "no entry" proves the keychain answers. When it
/// doesn't, the fix names the packages and commands for this OS and this session.
fn keychain() -> Check {
    let failed = |detail: String| {
        let advice = keychain_advice(&LoginSession::current(), &detail);
        Check { name: "keychain", state: CheckState::Missing, detail, fix: Some(advice) }
    };
    let entry = match keyring::Entry::new(dixon_home::APP_IDENTIFIER, "doctor-probe") {
        Ok(entry) => entry,
        Err(e) => return failed(format!("not usable: {e}")),
    };
    match entry.get_password() {
        Ok(_) | Err(keyring::Error::NoEntry) => {
            Check::new("keychain", CheckState::Ok, "the OS keychain answers; integration secrets can be stored", None)
        }
        Err(e) => failed(format!("integration secrets can't be stored: {e}")),
    }
}

/// What the keychain advice depends on: the OS, its package manager, and the login session.
#[derive(Debug, Clone, Default)]
struct LoginSession {
    os: &'static str,
    /// The distribution's ID and ID_LIKE from /etc/os-release ("ubuntu debian").
    distribution: String,
    /// A D-Bus session bus is there (DBUS_SESSION_BUS_ADDRESS set): the Secret Service lives on it.
    session_bus: bool,
    /// A graphical session (DISPLAY or WAYLAND_DISPLAY), where a keyring starts at login.
    desktop: bool,
    /// Programs on PATH that can serve the Secret Service, and `dbus-run-session`.
    keyring_daemon: bool,
    dbus_run_session: bool,
}

impl LoginSession {
    fn current() -> LoginSession {
        let on_path = |name: &str| {
            std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|p| p.join(name).is_file()))
        };
        let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        let field = |key: &str| {
            release
                .lines()
                .find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
                .map(|v| v.trim_matches('"').to_lowercase())
                .unwrap_or_default()
        };
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        LoginSession {
            os: std::env::consts::OS,
            distribution: format!("{} {}", field("ID"), field("ID_LIKE")).trim().to_string(),
            session_bus: set("DBUS_SESSION_BUS_ADDRESS"),
            desktop: set("DISPLAY") || set("WAYLAND_DISPLAY"),
            keyring_daemon: on_path("gnome-keyring-daemon") || on_path("keepassxc") || on_path("kwalletd6"),
            dbus_run_session: on_path("dbus-run-session"),
        }
    }

    /// The install command for gnome-keyring (and the D-Bus tools) on this distribution.
    fn install_command(&self) -> &'static str {
        let is = |id: &str| self.distribution.split_whitespace().any(|d| d == id);
        if is("debian") || is("ubuntu") {
            "sudo apt install gnome-keyring dbus-user-session dbus-x11"
        } else if is("fedora") || is("rhel") || is("centos") {
            "sudo dnf install gnome-keyring dbus-daemon"
        } else if is("arch") {
            "sudo pacman -S gnome-keyring"
        } else if is("opensuse") || is("suse") {
            "sudo zypper install gnome-keyring"
        } else if is("alpine") {
            "sudo apk add gnome-keyring dbus"
        } else {
            "install gnome-keyring (or KeePassXC with its Secret Service turned on) with your package manager"
        }
    }
}

/// Exactly what to install and start so the keychain answers, for the OS and session at hand.
fn keychain_advice(session: &LoginSession, error: &str) -> String {
    match session.os {
        "macos" => return "Open Keychain Access and unlock the login keychain, then try again.".into(),
        "windows" => {
            return "Windows Credential Manager holds the secrets: sign in to Windows with a user account (not a \
                    service account) and try again."
                .into()
        }
        _ => {}
    }
    let install = session.install_command();
    let headless_start = "dbus-run-session -- sh -c 'echo -n YOUR-KEYRING-PASSWORD | gnome-keyring-daemon --unlock \
                          --components=secrets; dixon-counter'";
    let mut steps: Vec<String> = Vec::new();
    if !session.keyring_daemon {
        steps.push(format!("No Secret Service keyring is installed. Install one: `{install}`."));
    }
    if !session.session_bus {
        if session.desktop {
            steps.push("There is no D-Bus session bus in this session: log out of the desktop and in again.".into());
        } else {
            if !session.dbus_run_session {
                steps.push(format!("`dbus-run-session` is missing too: `{install}` brings it."));
            }
            steps.push(format!(
                "There is no desktop session (no D-Bus session bus), so no keyring was started at login. Start one \
                 with Dixon Counter inside it: `{headless_start}` (use `dixon …` in place of dixon-counter for the \
                 command line)."
            ));
        }
    } else if error.to_lowercase().contains("locked") {
        steps.push(
            "The keyring is locked: unlock it (log in to the desktop, or `echo -n YOUR-KEYRING-PASSWORD | \
             gnome-keyring-daemon --unlock --components=secrets`)."
                .into(),
        );
    } else if session.keyring_daemon {
        steps.push(
            "A session bus is there but no keyring answers on it. Start it: `gnome-keyring-daemon --start \
             --components=secrets` (on a desktop, log out and in again; headless, unlock it with \
             `echo -n YOUR-KEYRING-PASSWORD | gnome-keyring-daemon --unlock --components=secrets`)."
                .into(),
        );
    }
    if steps.is_empty() {
        steps.push(format!("Install and unlock a Secret Service keyring: `{install}`, then log in to the desktop."));
    }
    steps.join(" ")
}

fn serial_ports() -> Check {
    let fix_none = if cfg!(target_os = "linux") {
        "Plug in the USB OBD adapter or serial barcode gun. If it is plugged in, add this user to the dialout group (`sudo usermod -aG dialout $USER`) and log in again."
    } else {
        "Plug in the USB OBD adapter or serial barcode gun and install its USB-serial driver."
    };
    match serialport::available_ports() {
        Ok(ports) if ports.is_empty() => Check::new("serial ports", CheckState::Warning, "none found", Some(fix_none)),
        Ok(ports) => {
            let names: Vec<String> = ports.iter().map(describe_port).collect();
            Check::new("serial ports", CheckState::Ok, names.join(", "), None)
        }
        Err(e) => {
            Check::new("serial ports", CheckState::Missing, format!("can't list serial ports: {e}"), Some(fix_none))
        }
    }
}

fn describe_port(port: &serialport::SerialPortInfo) -> String {
    match &port.port_type {
        serialport::SerialPortType::UsbPort(usb) => {
            let product = usb.product.clone().unwrap_or_else(|| format!("USB {:04x}:{:04x}", usb.vid, usb.pid));
            format!("{} ({product})", port.port_name)
        }
        serialport::SerialPortType::BluetoothPort => format!("{} (Bluetooth serial)", port.port_name),
        _ => port.port_name.clone(),
    }
}

async fn bluetooth() -> Check {
    use btleplug::api::Manager as _;
    let fix = if cfg!(target_os = "linux") {
        "Install and start BlueZ (`sudo apt install bluez && sudo systemctl enable --now bluetooth`) and plug in or switch on the Bluetooth adapter."
    } else {
        "Switch Bluetooth on in the system settings."
    };
    let probe = async {
        let manager = btleplug::platform::Manager::new().await?;
        manager.adapters().await
    };
    match timed(probe).await {
        Some(Ok(adapters)) if adapters.is_empty() => Check::new(
            "bluetooth",
            CheckState::Missing,
            "no Bluetooth adapter found (needed for BLE OBD adapters)",
            Some(fix),
        ),
        Some(Ok(adapters)) => Check::new("bluetooth", CheckState::Ok, format!("{} adapter(s)", adapters.len()), None),
        Some(Err(e)) => {
            Check::new("bluetooth", CheckState::Missing, format!("Bluetooth is not available: {e}"), Some(fix))
        }
        None => {
            Check::new("bluetooth", CheckState::Missing, "the Bluetooth service did not answer within 5 s", Some(fix))
        }
    }
}

fn cameras() -> Check {
    let fix = "Plug in a USB webcam to scan VIN and part labels (a barcode gun works without one).";
    match nokhwa::query(nokhwa::utils::ApiBackend::Auto) {
        Ok(cameras) if cameras.is_empty() => Check::new("cameras", CheckState::Warning, "none found", Some(fix)),
        Ok(cameras) => {
            let names: Vec<String> = cameras.iter().map(|c| c.human_name()).collect();
            Check::new("cameras", CheckState::Ok, names.join(", "), None)
        }
        Err(e) => Check::new("cameras", CheckState::Warning, format!("can't list cameras: {e}"), Some(fix)),
    }
}

async fn timed<T>(probe: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout(PROBE_TIMEOUT, probe).await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux(distribution: &str) -> LoginSession {
        LoginSession {
            os: "linux",
            distribution: distribution.into(),
            dbus_run_session: true,
            ..LoginSession::default()
        }
    }

    #[test]
    fn keychain_advice_names_the_packages_and_commands_for_the_os_and_session() {
        // a headless Debian box with nothing installed: install, then start a bus and the keyring
        let bare = LoginSession { dbus_run_session: false, ..linux("debian") };
        let advice = keychain_advice(&bare, "Platform secure storage failure: DBus error");
        assert!(advice.contains("sudo apt install gnome-keyring dbus-user-session dbus-x11"), "{advice}");
        assert!(advice.contains("dbus-run-session -- sh -c"), "{advice}");
        assert!(advice.contains("gnome-keyring-daemon --unlock --components=secrets"), "{advice}");
        // Fedora, on a desktop whose keyring is installed but whose session has no bus
        let fedora = LoginSession { keyring_daemon: true, desktop: true, ..linux("fedora") };
        let advice = keychain_advice(&fedora, "no bus");
        assert!(advice.contains("log out of the desktop and in again"), "{advice}");
        assert!(!advice.contains("dnf"), "nothing to install: {advice}");
        assert!(keychain_advice(&LoginSession { keyring_daemon: false, ..fedora }, "")
            .contains("sudo dnf install gnome-keyring"));
        // Ubuntu (ID_LIKE debian) with a bus and a locked keyring
        let locked = LoginSession { keyring_daemon: true, session_bus: true, ..linux("ubuntu debian") };
        assert!(keychain_advice(&locked, "Collection is locked").contains("The keyring is locked"));
        // a bus and an installed keyring that isn't running
        let stopped = keychain_advice(&LoginSession { keyring_daemon: true, session_bus: true, ..linux("arch") }, "");
        assert!(stopped.contains("gnome-keyring-daemon --start --components=secrets"), "{stopped}");
        assert!(
            keychain_advice(&LoginSession { os: "macos", ..LoginSession::default() }, "").contains("Keychain Access")
        );
        assert!(keychain_advice(&LoginSession { os: "windows", ..LoginSession::default() }, "")
            .contains("Credential Manager"));
    }

    #[tokio::test]
    async fn a_fresh_folder_is_usable_and_every_check_reports() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::resolve(Some(dir.path())).unwrap();
        let report = examine(&home).await;
        assert!(report.is_usable(), "{report:?}");
        let names: Vec<&str> = report.checks.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            ["data folder", "database", "offline VINs", "keychain", "serial ports", "bluetooth", "cameras"]
        );
        for check in &report.checks {
            assert!(!check.detail.is_empty());
            if check.state != CheckState::Ok {
                assert!(check.fix.is_some() || check.state == CheckState::Failed, "{check:?} says how to fix it");
            }
        }
    }

    #[tokio::test]
    async fn a_damaged_database_fails_the_report() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::resolve(Some(dir.path())).unwrap();
        std::fs::write(home.database_path(), b"this is a spreadsheet, not a database").unwrap();
        let report = examine(&home).await;
        assert!(!report.is_usable());
        let db = report.checks.iter().find(|c| c.name == "database").unwrap();
        assert!(db.detail.contains("damaged"), "{}", db.detail);
    }
}
