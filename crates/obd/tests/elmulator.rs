//! The engine against a real peer: the MIT-licensed ELM327 emulator `elmulator` (PyPI) serving
//! scripted cars over TCP on 127.0.0.1 — as a Wi-Fi adapter, and through a pseudo-terminal
//! (socat) as a USB serial one. `scripts/setup.sh --test` installs both.
//! The cars are in tests/peers/elm327 (written by its make_scenarios.py).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use dixon_obd::{AdapterAddress, CodeKind, Error, Session};

const PEERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/peers");

/// The Python with elmulator installed: $DIXON_PEERS_PYTHON, else the test peers' venv.
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("DIXON_PEERS_PYTHON") {
        return python.into();
    }
    let venv = Path::new(PEERS).join(".venv/bin/python3");
    assert!(venv.exists(), "elmulator is not installed: run `scripts/setup.sh --test` (a venv in tests/peers/.venv)");
    venv
}

/// An elmulator serving one scenario; killed when dropped.
struct Emulator {
    child: Child,
    port: u16,
}

impl Emulator {
    fn serve(scenario: &str) -> Emulator {
        Emulator::serve_with(scenario, &[])
    }

    /// With elmulator's own options, e.g. `--split 1,2,5` (answers in pieces of those sizes).
    fn serve_with(scenario: &str, options: &[&str]) -> Emulator {
        let path = Path::new(PEERS).join("elm327").join(format!("{scenario}.scenario.json"));
        let mut child = Command::new(python())
            .args(["-m", "elmulator", "serve"])
            .arg(&path)
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(options)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start elmulator");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        let port = line.trim().strip_prefix("LISTENING ").and_then(|p| p.parse().ok()).expect("elmulator's port");
        Emulator { child, port }
    }

    fn wifi(&self) -> AdapterAddress {
        AdapterAddress::Wifi { host: "127.0.0.1".into(), port: self.port }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// socat bridging a pseudo-terminal at `link` to the emulator: the serial path end to end.
fn pty(link: &Path, port: u16) -> Child {
    let child = Command::new("socat")
        .arg(format!("PTY,link={},raw,echo=0", link.display()))
        .arg(format!("TCP:127.0.0.1:{port}"))
        .stderr(Stdio::null())
        .spawn()
        .expect("socat is not installed: run `scripts/setup.sh --test`");
    for _ in 0..100 {
        if link.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

/// A USB adapter on a pseudo-terminal bridged to an emulator; unplugged when dropped.
struct UsbCable {
    _dir: tempfile::TempDir,
    link: PathBuf,
    port: u16,
    socat: Child,
}

impl UsbCable {
    fn plug_into(emulator: &Emulator) -> UsbCable {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("ttyOBD");
        let socat = pty(&link, emulator.port);
        UsbCable { _dir: dir, link, port: emulator.port, socat }
    }

    fn address(&self) -> AdapterAddress {
        AdapterAddress::Serial { port: self.link.display().to_string(), baud: None }
    }

    fn pull(&mut self) {
        let _ = self.socat.kill();
        let _ = self.socat.wait();
    }

    fn plug_back(&mut self) {
        let _ = std::fs::remove_file(&self.link);
        self.socat = pty(&self.link, self.port);
    }
}

impl Drop for UsbCable {
    fn drop(&mut self) {
        self.pull();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_scan_live_data_and_clearing_over_wifi() {
    let emulator = Emulator::serve("can11_two_ecus");
    let mut session = Session::connect(emulator.wifi(), |_| {}).await.unwrap();
    assert_eq!(session.identity().chip, "ELM327 v1.5");
    assert_eq!(session.identity().battery_volts, Some(12.6));
    assert_eq!(session.speedups(), (true, true), "multi-PID and the count digit both verified on this adapter");
    assert!(session.supported_pids().contains(&0x31), "the second bitmap (0120) was followed");

    let snapshot = session.snapshot().await.unwrap();
    assert_eq!(snapshot.vin.as_deref(), Some("1HGCM82633A004352"), "the VIN reassembled from three ISO-TP frames");
    let codes: Vec<(&str, CodeKind, &str)> =
        snapshot.codes.iter().map(|c| (c.code.as_str(), c.kind, c.ecu.as_str())).collect();
    assert_eq!(
        codes,
        [
            ("P0301", CodeKind::Stored, "Engine (7E8)"),
            ("P0420", CodeKind::Stored, "Engine (7E8)"),
            ("P0715", CodeKind::Stored, "Transmission (7E9)"),
            ("P0171", CodeKind::Pending, "Engine (7E8)"),
            ("P0420", CodeKind::Permanent, "Engine (7E8)"),
        ]
    );
    assert_eq!(snapshot.codes[4].description, "Catalyst system efficiency below threshold (bank 1)");
    let freeze = snapshot.freeze_frame.as_ref().expect("a freeze frame");
    assert_eq!(freeze.code, "P0301");
    let rpm = freeze.readings.iter().find(|r| r.pid == 0x0C).unwrap();
    assert_eq!(rpm.value, 2150.0);
    let readiness = snapshot.readiness.as_ref().unwrap();
    assert!(readiness.mil_on);
    assert_eq!(readiness.dtc_count, 2);
    let catalyst = readiness.monitors.iter().find(|m| m.name == "Catalyst").unwrap();
    assert!(catalyst.available && !catalyst.complete);
    assert!(snapshot.ecus.is_empty(), "this car has no mode 09 identities: {:?}", snapshot.ecus);

    // six PIDs in one request, answered in two ISO-TP frames, plus the transmission's speed
    let readings = session.read(&[0x0C, 0x0D, 0x05, 0x04, 0x11, 0x0F]).await.unwrap();
    let value = |pid: u8| readings.iter().find(|r| r.pid == pid).map(|r| r.value);
    assert_eq!(value(0x0C), Some(760.0));
    assert_eq!(value(0x05), Some(83.0));
    assert_eq!(value(0x0D), Some(0.0));
    assert_eq!(readings.len(), 6);
    let again = session.read(&[0x0C, 0x0D, 0x05, 0x04, 0x11, 0x0F]).await.unwrap();
    assert_eq!(again, readings, "the same answer with the count digit appended");

    assert_eq!(session.clear_codes("yes").await, Err(Error::ConfirmationRequired));
    session.clear_codes("CLEAR").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_usb_adapter_on_a_pseudo_terminal_and_a_pulled_cable() {
    let emulator = Emulator::serve("can11_two_ecus");
    let mut cable = UsbCable::plug_into(&emulator);
    let mut session = Session::connect(cable.address(), |_| {}).await.unwrap();
    assert_eq!(session.vin().await.unwrap(), "1HGCM82633A004352");
    let codes = session.codes(CodeKind::Stored).await.unwrap();
    assert_eq!(codes.len(), 3);

    // the cable is pulled: the next request fails as a lost link, never as a value
    cable.pull();
    let lost = session.read(&[0x0C]).await.unwrap_err();
    assert!(lost.is_link_lost(), "{lost:?}");
    assert!(lost.to_string().contains("reconnect") || lost.to_string().contains("in time"), "{lost}");

    // plugged back in: the same session reconnects on the same address; what was read stays read
    cable.plug_back();
    session.reconnect().await.unwrap();
    assert_eq!(session.read(&[0x0C]).await.unwrap()[0].value, 760.0);
    assert_eq!(codes[0].code, "P0301");
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_that_arrive_a_few_bytes_at_a_time_read_the_same() {
    // a slow Bluetooth bridge or a busy serial line: every answer in pieces of 1, 2 and 5 bytes,
    // with jitter between answers
    let emulator = Emulator::serve_with("can11_two_ecus", &["--split", "1,2,5", "--jitter-ms", "5", "--seed", "7"]);
    let mut session = Session::connect(emulator.wifi(), |_| {}).await.unwrap();
    let snapshot = session.snapshot().await.unwrap();
    assert_eq!(snapshot.vin.as_deref(), Some("1HGCM82633A004352"));
    assert_eq!(snapshot.codes.len(), 5);
    assert!(snapshot.warnings.iter().all(|w| w.contains("does not report")), "{:?}", snapshot.warnings);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_adapter_that_drops_mid_scan_ends_the_scan_with_a_clear_error_and_reconnects() {
    let emulator = Emulator::serve("drops_on_codes");
    let mut session = Session::connect(emulator.wifi(), |_| {}).await.unwrap();
    let vin = session.vin().await.unwrap();
    let error = session.snapshot().await.unwrap_err();
    assert!(matches!(error, Error::Disconnected(_)), "{error:?}");
    assert!(error.to_string().contains("reconnect"), "{error}");
    session.reconnect().await.unwrap();
    assert_eq!(session.vin().await.unwrap(), vin);
}

#[tokio::test(flavor = "multi_thread")]
async fn line_noise_instead_of_answers_is_an_error_that_says_what_to_do() {
    let emulator = Emulator::serve("garbage");
    let error = Session::connect(emulator.wifi(), |_| {}).await.err().expect("no session on line noise");
    assert_eq!(error.kind(), "garbled", "{error:?}");
    assert!(error.to_string().contains("Try again"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_adapter_that_answers_nothing_is_named_as_not_an_adapter() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let _keep = std::thread::spawn(move || {
        let held: Vec<_> = silent.incoming().take(1).collect(); // accept, never answer
        std::thread::sleep(Duration::from_secs(30));
        drop(held);
    });
    let address = AdapterAddress::Wifi { host: "127.0.0.1".into(), port };
    let error = Session::connect(address, |_| {}).await.err().expect("no session with a silent peer");
    assert!(matches!(error, Error::NotAnAdapter(_)), "{error:?}");
    assert!(error.to_string().contains("Pick the OBD adapter"), "{error}");
}

/// The codes the car of issue 12 holds (the `can11_no_count_byte` scenarios).
const WITHOUT_COUNT_BYTE: [(&str, CodeKind); 4] = [
    ("P0143", CodeKind::Stored),
    ("P0196", CodeKind::Stored),
    ("P0300", CodeKind::Pending),
    ("P0420", CodeKind::Permanent),
];

/// The codes of a snapshot as (code, kind) pairs, in the order read.
fn code_list(snapshot: &dixon_obd::Snapshot) -> Vec<(&str, CodeKind)> {
    snapshot.codes.iter().map(|c| (c.code.as_str(), c.kind)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_can_ecu_without_the_count_byte_shows_the_codes_the_car_has_over_usb() {
    // issue 12: 03 -> 7E8054301430196 was shown as "C0301 stored", hiding P0143, P0196, P0300, P0420
    let emulator = Emulator::serve("can11_no_count_byte");
    let cable = UsbCable::plug_into(&emulator);
    let mut session = Session::connect(cable.address(), |_| {}).await.unwrap();
    let snapshot = session.snapshot().await.unwrap();
    assert_eq!(code_list(&snapshot), WITHOUT_COUNT_BYTE);
    assert_eq!(snapshot.readiness.as_ref().unwrap().dtc_count, 2, "the MIL's count agrees with the codes shown");
    assert_eq!(snapshot.vin.as_deref(), Some("1HGCM82633A004352"), "the VIN without its count byte");
    assert!(snapshot.warnings.iter().all(|w| !w.contains("stored codes but sent")), "{:?}", snapshot.warnings);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_ecu_behind_an_adapter_that_ignores_headers() {
    let emulator = Emulator::serve("can11_no_count_byte_headerless");
    let mut session = Session::connect(emulator.wifi(), |_| {}).await.unwrap();
    let snapshot = session.snapshot().await.unwrap();
    assert_eq!(code_list(&snapshot), WITHOUT_COUNT_BYTE);
    assert_eq!(snapshot.vin.as_deref(), Some("1HGCM82633A004352"));
}
