//! Live-data speed, printed (not a timed test): `cargo bench -p dixon-obd --bench live_data`.
//!
//! 1. Our engine against python-OBD (PyPI `obd`, the common Python library) on the same ELM327
//!    emulator (elmulator, 10 ms per answer, the CAN car of tests/peers/elm327), reading the same
//!    six PIDs: values per second each, and the ratio (target ≥ 3×).
//! 2. Our engine on the built-in simulator at 38400 baud with 10 ms ECU latency: values per
//!    second against the wire-level bound for six PIDs, with the arithmetic (target ≥ 80 %).
//!
//! Needs `scripts/setup.sh --test` (the emulator and python-OBD in tests/peers/.venv).

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dixon_obd::{watch, AdapterAddress, Session, SimConfig, SimScenario, Watched};

const PEERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/peers");
const SIX: [u8; 6] = [0x0C, 0x0D, 0x05, 0x04, 0x11, 0x0F];
const SECONDS: f64 = 5.0;
const ECU_LATENCY_MS: u64 = 10;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        against_python_obd().await;
        against_the_wire_bound().await;
    });
}

/// What one run of our engine measured.
struct OurRun {
    values_per_second: f64,
    /// Bytes a request puts on the wire, each way.
    sent_per_request: u64,
    received_per_request: u64,
}

/// Reads the six PIDs as fast as the adapter allows for `SECONDS`.
async fn our_rate(address: AdapterAddress) -> OurRun {
    let mut session = Session::connect(address, |_| {}).await.expect("connect");
    let watched: Vec<Watched> = SIX.iter().map(|&pid| Watched { pid, hz: None }).collect();
    let stop = AtomicBool::new(false);
    let (sent_before, received_before) = session.wire_bytes();
    let timer = async {
        tokio::time::sleep(Duration::from_secs_f64(SECONDS)).await;
        stop.store(true, Ordering::Relaxed);
    };
    let (stats, ()) = tokio::join!(watch(&mut session, &watched, &stop, None, |_| {}), timer);
    let stats = stats.expect("watch");
    let (sent, received) = session.wire_bytes();
    let requests = stats.requests.max(1);
    OurRun {
        values_per_second: stats.values_per_second(),
        sent_per_request: (sent - sent_before) / requests,
        received_per_request: (received - received_before) / requests,
    }
}

async fn against_python_obd() {
    let python = Path::new(PEERS).join(".venv/bin/python3");
    if !python.exists() {
        println!("python-OBD comparison skipped: run scripts/setup.sh --test (tests/peers/.venv)");
        return;
    }
    let scenario = Path::new(PEERS).join("elm327/can11_two_ecus.scenario.json");
    let mut emulator = Command::new(&python)
        .args(["-m", "elmulator", "serve"])
        .arg(&scenario)
        .args(["--port", "0", "--latency-ms", &ECU_LATENCY_MS.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start elmulator");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(emulator.stdout.take().unwrap()), &mut line).unwrap();
    let port: u16 = line.trim().trim_start_matches("LISTENING ").parse().expect("elmulator's port");

    let ours = our_rate(AdapterAddress::Wifi { host: "127.0.0.1".into(), port }).await.values_per_second;
    let script = Path::new(PEERS).join("elm327/python_obd_rate.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(format!("127.0.0.1:{port}"))
        .arg(SECONDS.to_string())
        .output()
        .expect("run python-OBD");
    let _ = emulator.kill();
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "python-OBD said: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let theirs = answer["values_per_second"].as_f64().expect("python-OBD's rate");
    println!("== live data against elmulator (TCP, {ECU_LATENCY_MS} ms per answer), six PIDs, {SECONDS} s each");
    println!("python-OBD 0.7.3 (fast mode, one PID a request): {theirs:>8.1} values/s");
    println!("dixon-obd (six PIDs a request, count digit):     {ours:>8.1} values/s");
    println!("ratio: {:.1}x (target >= 3x)", ours / theirs);
}

async fn against_the_wire_bound() {
    let config = SimConfig { scenario: SimScenario::ShopDemo, baud: 38400, ecu_latency_ms: ECU_LATENCY_MS };
    let run = our_rate(AdapterAddress::Simulator(config.clone())).await;
    let bytes = run.sent_per_request + run.received_per_request;
    let wire = config.wire_time(bytes as usize);
    let per_request = wire + Duration::from_millis(ECU_LATENCY_MS);
    let bound = SIX.len() as f64 / per_request.as_secs_f64();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("== the simulator at {} baud, {ECU_LATENCY_MS} ms ECU latency, six PIDs", config.baud);
    println!(
        "wire bound: one request carries all 6 PIDs; it puts {} bytes out and {} bytes back \
         (command, ISO-TP frames with headers, prompt) = {bytes} bytes x 10 bits / {} baud = {:.2} ms, \
         + {ECU_LATENCY_MS} ms for the ECUs = {:.2} ms a request -> 6 / {:.2} ms = {bound:.1} values/s",
        run.sent_per_request,
        run.received_per_request,
        config.baud,
        ms(wire),
        ms(per_request),
        ms(per_request),
    );
    println!(
        "dixon-obd: {:.1} values/s = {:.0} % of the bound (target >= 80 %)",
        run.values_per_second,
        run.values_per_second / bound * 100.0
    );
}
