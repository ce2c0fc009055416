//! The built-in simulator: an ELM327 on a car, as a [`Link`], for the app's embedded default, the
//! tests and the benchmark. It keeps the adapter's settings (echo, linefeeds, spaces, headers,
//! adaptive timing), formats CAN answers as a real adapter prints them (ISO-TP frames with
//! headers, or the numbered multi-line form without), honours multi-PID requests and the
//! response-count digit, and charges realistic time: every byte costs 10 bits at the configured
//! baud rate, every OBD request the ECUs' latency, and a request without the count digit the
//! adapter's wait for more ECUs after the last answer.

use std::collections::VecDeque;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::link::{BoxFuture, Link};
use crate::Result;

/// What car the simulator is plugged into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SimScenario {
    /// Engine and transmission on 11-bit CAN; a misfire and a catalyst code stored (MIL on), a
    /// lean code pending, a permanent code, a freeze frame, two monitors incomplete.
    ShopDemo,
    /// One engine controller, no codes, every monitor complete.
    Healthy,
    /// The shop demo car on 29-bit CAN.
    Can29Bit,
    /// The adapter is plugged in but the ignition is off: no ECU answers.
    IgnitionOff,
}

impl SimScenario {
    pub fn label(self) -> &'static str {
        match self {
            SimScenario::ShopDemo => "shop demo car",
            SimScenario::Healthy => "healthy car",
            SimScenario::Can29Bit => "29-bit CAN car",
            SimScenario::IgnitionOff => "ignition off",
        }
    }

    pub fn parse(name: &str) -> Option<SimScenario> {
        Some(match name.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "shop_demo" | "demo" | "" => SimScenario::ShopDemo,
            "healthy" => SimScenario::Healthy,
            "can29" | "can_29" | "can29bit" | "can_29_bit" => SimScenario::Can29Bit,
            "ignition_off" | "off" => SimScenario::IgnitionOff,
            _ => return None,
        })
    }
}

/// The simulator's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SimConfig {
    pub scenario: SimScenario,
    /// The serial speed imitated: each byte costs 10 bits. 0 answers at once.
    pub baud: u32,
    /// How long the ECUs take to answer an OBD request.
    pub ecu_latency_ms: u64,
}

impl Default for SimConfig {
    /// A USB ELM327 at its default 38400 baud on a car that answers in 10 ms.
    fn default() -> Self {
        SimConfig { scenario: SimScenario::ShopDemo, baud: 38400, ecu_latency_ms: 10 }
    }
}

impl SimConfig {
    pub fn instant(scenario: SimScenario) -> SimConfig {
        SimConfig { scenario, baud: 0, ecu_latency_ms: 0 }
    }

    /// Time on the wire for `bytes` bytes (start + 8 data + stop bits each).
    pub fn wire_time(&self, bytes: usize) -> Duration {
        if self.baud == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(bytes as u64 * 10 * 1_000_000_000 / self.baud as u64)
    }
}

struct Ecu {
    /// 11-bit response id (7E8 …); the 29-bit one is 18DAF1xx with xx = the physical address.
    response_id: u32,
    address29: u8,
    supported: &'static [u8],
    stored: Vec<u16>,
    pending: Vec<u16>,
    permanent: Vec<u16>,
    freeze_frame: Option<u16>,
    /// Readiness bytes B, C, D of PID 01 (A comes from the MIL and the stored codes).
    readiness: [u8; 3],
    vin: Option<&'static str>,
    calibration: &'static str,
    cvn: [u8; 4],
    name: &'static str,
}

const ENGINE_PIDS: &[u8] = &[
    0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x13, 0x15, 0x1C, 0x1F, 0x21, 0x2F,
    0x31, 0x33, 0x42, 0x46, 0x5C, 0xA6,
];
const TRANSMISSION_PIDS: &[u8] = &[0x01, 0x0D];
const FREEZE_PIDS: &[u8] = &[0x02, 0x04, 0x05, 0x06, 0x07, 0x0B, 0x0C, 0x0D, 0x0F, 0x11];

fn cars(scenario: SimScenario) -> Vec<Ecu> {
    let engine = |stored: Vec<u16>, pending, permanent, freeze, readiness, vin| Ecu {
        response_id: 0x7E8,
        address29: 0x10,
        supported: ENGINE_PIDS,
        stored,
        pending,
        permanent,
        freeze_frame: freeze,
        readiness,
        vin: Some(vin),
        calibration: "37805-RCA-A530",
        cvn: [0x1F, 0x2A, 0x44, 0x9C],
        name: "ECM-EngineControl",
    };
    match scenario {
        SimScenario::Healthy => {
            vec![engine(vec![], vec![], vec![], None, [0x07, 0xE5, 0x00], "1FTFW1ET9DFC10312")]
        }
        SimScenario::IgnitionOff => Vec::new(),
        SimScenario::ShopDemo | SimScenario::Can29Bit => vec![
            engine(
                vec![0x0301, 0x0420],
                vec![0x0171],
                vec![0x0420],
                Some(0x0301),
                [0x07, 0xE5, 0x05],
                "1HGCM82633A004352",
            ),
            Ecu {
                response_id: 0x7E9,
                address29: 0x18,
                supported: TRANSMISSION_PIDS,
                stored: vec![0x0715],
                pending: vec![],
                permanent: vec![],
                freeze_frame: None,
                readiness: [0x00, 0x00, 0x00],
                vin: None,
                calibration: "28100-RCB-A020",
                cvn: [0x0B, 0x77, 0x10, 0x52],
                name: "TCM-TransmisCtrl",
            },
        ],
    }
}

/// The adapter's switches (`AT` commands), as after `ATZ`.
struct Settings {
    echo: bool,
    linefeeds: bool,
    spaces: bool,
    headers: bool,
    adaptive: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { echo: true, linefeeds: true, spaces: true, headers: false, adaptive: true }
    }
}

/// An ELM327 on a simulated car.
pub struct Simulator {
    config: SimConfig,
    settings: Settings,
    ecus: Vec<Ecu>,
    started: Instant,
    protocol_found: bool,
    received: Vec<u8>,
    last_command: String,
    answers: VecDeque<(Instant, Vec<u8>)>,
    busy_until: Instant,
}

impl Simulator {
    pub fn new(config: SimConfig) -> Simulator {
        let now = Instant::now();
        Simulator {
            ecus: cars(config.scenario),
            config,
            settings: Settings::default(),
            started: now,
            protocol_found: false,
            received: Vec::new(),
            last_command: String::new(),
            answers: VecDeque::new(),
            busy_until: now,
        }
    }

    fn can29(&self) -> bool {
        self.config.scenario == SimScenario::Can29Bit
    }

    fn line_end(&self) -> &'static str {
        if self.settings.linefeeds {
            "\r\n"
        } else {
            "\r"
        }
    }

    /// Handles one command line; returns the answer text (without echo and prompt) and the time
    /// the car needed besides the wire.
    fn handle(&mut self, command: &str) -> (Vec<String>, Duration) {
        let compact: String = command.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if let Some(at) = compact.strip_prefix("AT") {
            return (self.at_command(at), Duration::from_micros(200));
        }
        if compact == "STI" || compact.starts_with("ST") {
            return (vec!["?".into()], Duration::ZERO);
        }
        self.obd_request(&compact)
    }

    fn at_command(&mut self, at: &str) -> Vec<String> {
        let ok = vec!["OK".to_string()];
        let flag = |rest: &str| rest == "1";
        match at {
            "Z" | "WS" => {
                self.settings = Settings::default();
                self.protocol_found = false;
                vec![String::new(), "ELM327 v1.5".into()]
            }
            "D" => {
                self.settings = Settings::default();
                ok
            }
            "I" => vec!["ELM327 v1.5".into()],
            "@1" => vec!["OBDII to RS232 Interpreter".into()],
            "RV" => vec![if self.ecus.is_empty() { "12.4V" } else { "14.1V" }.into()],
            "DPN" => vec![match (self.protocol_found, self.can29()) {
                (false, _) => "A0".into(),
                (true, false) => "A6".into(),
                (true, true) => "A7".into(),
            }],
            "DP" => {
                vec![if self.can29() { "AUTO, ISO 15765-4 (CAN 29/500)" } else { "AUTO, ISO 15765-4 (CAN 11/500)" }
                    .into()]
            }
            _ => {
                let (name, rest) = at.split_at(at.len().min(1));
                match (name, rest) {
                    ("E", "0" | "1") => self.settings.echo = flag(rest),
                    ("L", "0" | "1") => self.settings.linefeeds = flag(rest),
                    ("S", "0" | "1") => self.settings.spaces = flag(rest),
                    ("H", "0" | "1") => self.settings.headers = flag(rest),
                    ("M", "0" | "1") => {}
                    _ if at.starts_with("AT") && at.len() == 3 => self.settings.adaptive = &at[2..] != "0",
                    _ if at.starts_with("SP") || at.starts_with("TP") || at.starts_with("ST") => {}
                    _ if at.starts_with("CAF") || at.starts_with("CFC") || at.starts_with("SH") => {}
                    _ => return vec!["?".into()],
                }
                ok
            }
        }
    }

    fn obd_request(&mut self, compact: &str) -> (Vec<String>, Duration) {
        let latency = Duration::from_millis(self.config.ecu_latency_ms);
        if compact.is_empty() || !compact.chars().all(|c| c.is_ascii_hexdigit()) || compact.len() < 2 {
            return (vec!["?".into()], Duration::ZERO);
        }
        // an odd digit count ends with the response-count digit
        let (hex, count) = if compact.len() % 2 == 1 {
            (&compact[..compact.len() - 1], compact[compact.len() - 1..].parse::<usize>().ok())
        } else {
            (compact, None)
        };
        let bytes: Vec<u8> =
            (0..hex.len()).step_by(2).filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect();
        if bytes.len() > 7 {
            return (vec!["?".into()], Duration::ZERO);
        }
        let mut lines = Vec::new();
        if !self.protocol_found {
            lines.push("SEARCHING...".to_string());
        }
        if self.ecus.is_empty() {
            return (vec!["SEARCHING...".into(), "UNABLE TO CONNECT".into()], Duration::from_millis(300));
        }
        self.protocol_found = true;
        let elapsed = self.started.elapsed().as_secs_f64();
        let mut frames = Vec::new();
        let payloads: Vec<(usize, Vec<u8>)> =
            (0..self.ecus.len()).filter_map(|i| answer(&mut self.ecus[i], &bytes, elapsed).map(|p| (i, p))).collect();
        for (index, payload) in payloads {
            frames.extend(self.format_message(&self.ecus[index], &payload));
        }
        if frames.is_empty() {
            lines.push("NO DATA".into());
            return (lines, latency + self.silence(latency));
        }
        let answered = frames.len();
        if let Some(count) = count {
            frames.truncate(count.max(1));
        }
        lines.extend(frames);
        let wait_for_more = match count {
            Some(count) if count <= answered => Duration::ZERO,
            _ => self.silence(latency),
        };
        (lines, latency + wait_for_more)
    }

    /// How long the adapter listens for more ECUs after the last answer: ELM327's adaptive
    /// timing settles near twice the car's answer time; without it, the 200 ms default.
    fn silence(&self, latency: Duration) -> Duration {
        if self.settings.adaptive {
            (latency * 2).max(Duration::from_millis(4))
        } else {
            Duration::from_millis(200)
        }
    }

    /// The lines an answer prints as: ISO-TP frames with headers, or without headers the payload
    /// alone (single frame) or the numbered multi-line form.
    fn format_message(&self, ecu: &Ecu, payload: &[u8]) -> Vec<String> {
        let sep = if self.settings.spaces { " " } else { "" };
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(sep);
        let frames: Vec<Vec<u8>> = if payload.len() <= 7 {
            vec![[&[payload.len() as u8][..], payload].concat()]
        } else {
            let mut frames =
                vec![[&[0x10 | (payload.len() >> 8) as u8, payload.len() as u8][..], &payload[..6]].concat()];
            for (n, chunk) in payload[6..].chunks(7).enumerate() {
                frames.push([&[0x20 | ((n + 1) & 0x0F) as u8][..], chunk].concat());
            }
            frames
        };
        if self.settings.headers {
            let header =
                if self.can29() { hex(&[0x18, 0xDA, 0xF1, ecu.address29]) } else { format!("{:03X}", ecu.response_id) };
            return frames.iter().map(|f| format!("{header}{sep}{}", hex(f))).collect();
        }
        if frames.len() == 1 {
            return vec![hex(payload)];
        }
        let mut lines = vec![format!("{:03X}", payload.len())];
        for (n, frame) in frames.iter().enumerate() {
            let data = if n == 0 { &frame[2..] } else { &frame[1..] };
            lines.push(format!("{}:{sep}{}", n & 0x0F, hex(data)));
        }
        lines
    }
}

fn dtc_bytes(codes: &[u16]) -> Vec<u8> {
    codes.iter().flat_map(|c| c.to_be_bytes()).collect()
}

fn bitmap(supported: &[u8], base: u8) -> Option<Vec<u8>> {
    let mut mask = 0u32;
    for &pid in supported {
        if pid > base && pid <= base.saturating_add(32) {
            mask |= 1 << (31 - (pid - base - 1));
        }
    }
    let more = supported.iter().any(|&p| p > base.saturating_add(32));
    if mask == 0 && !more && base != 0 {
        return None;
    }
    if more {
        mask |= 1;
    }
    Some(mask.to_be_bytes().to_vec())
}

/// The live value of `pid` at `t` seconds: an idling engine that warms up.
fn live_value(pid: u8, t: f64) -> Option<Vec<u8>> {
    let wave = |period: f64| (t * std::f64::consts::TAU / period).sin();
    let byte = |v: f64| vec![v.round().clamp(0.0, 255.0) as u8];
    let word = |v: f64| (v.round().clamp(0.0, 65535.0) as u16).to_be_bytes().to_vec();
    Some(match pid {
        0x03 => vec![0x02, 0x00],
        0x04 => byte((22.0 + 4.0 * wave(7.0)) * 2.55),
        0x05 => byte((45.0 + t * 0.8).min(90.0) + 40.0),
        0x06 => byte(128.0 + 4.0 * wave(3.0)),
        0x07 => byte(128.0 + 10.0),
        0x0B => byte(31.0 + 2.0 * wave(5.0)),
        0x0C => word((760.0 + 120.0 * wave(4.0)) * 4.0),
        0x0D => vec![0],
        0x0E => byte((9.0 + 2.0 * wave(6.0) + 64.0) * 2.0),
        0x0F => byte(27.0 + 40.0),
        0x10 => word((3.4 + 0.3 * wave(4.0)) * 100.0),
        0x11 => byte(14.5 * 2.55),
        0x13 => vec![0x33],
        0x15 => vec![((0.45 + 0.3 * wave(1.5)) * 200.0) as u8, 0xFF],
        0x1C => vec![0x01],
        0x1F => word(t),
        0x21 => word(42.0),
        0x2F => byte(61.0 * 2.55),
        0x31 => word(1234.0),
        0x33 => vec![101],
        0x42 => word(14_100.0 + 60.0 * wave(9.0)),
        0x46 => byte(21.0 + 40.0),
        0x5C => byte((40.0 + t * 0.6).min(95.0) + 40.0),
        0xA6 => 1_234_567u32.to_be_bytes().to_vec(),
        _ => return None,
    })
}

fn freeze_value(pid: u8) -> Option<Vec<u8>> {
    Some(match pid {
        0x04 => vec![115],
        0x05 => vec![128],
        0x06 => vec![0x86],
        0x07 => vec![0x8C],
        0x0B => vec![55],
        0x0C => 2150u16.wrapping_mul(4).to_be_bytes().to_vec(),
        0x0D => vec![56],
        0x0F => vec![70],
        0x11 => vec![56],
        _ => return None,
    })
}

/// One ECU's answer payload to a request, if it answers.
fn answer(ecu: &mut Ecu, request: &[u8], t: f64) -> Option<Vec<u8>> {
    let (&service, args) = request.split_first()?;
    let mut out = vec![service.wrapping_add(0x40)];
    match service {
        0x01 => {
            if args.is_empty() || args.len() > 6 {
                return None;
            }
            for &pid in args {
                let value = match pid {
                    0x00 | 0x20 | 0x40 | 0x60 | 0x80 | 0xA0 | 0xC0 => bitmap(ecu.supported, pid),
                    0x01 if ecu.supported.contains(&0x01) => {
                        let a = (if ecu.stored.is_empty() { 0 } else { 0x80 }) | ecu.stored.len() as u8;
                        Some(vec![a, ecu.readiness[0], ecu.readiness[1], ecu.readiness[2]])
                    }
                    _ if ecu.supported.contains(&pid) => live_value(pid, t),
                    _ => None,
                };
                if let Some(value) = value {
                    out.push(pid);
                    out.extend(value);
                }
            }
            (out.len() > 1).then_some(out)
        }
        0x02 => {
            let code = ecu.freeze_frame?;
            for pair in args.chunks(2) {
                let (pid, frame) = (pair[0], pair.get(1).copied().unwrap_or(0));
                let value = match pid {
                    0x00 => bitmap(FREEZE_PIDS, 0),
                    0x02 => Some(code.to_be_bytes().to_vec()),
                    _ if FREEZE_PIDS.contains(&pid) => freeze_value(pid),
                    _ => None,
                };
                if let Some(value) = value {
                    out.extend([pid, frame]);
                    out.extend(value);
                }
            }
            (out.len() > 1).then_some(out)
        }
        0x03 | 0x07 | 0x0A => {
            let codes = match service {
                0x03 => &ecu.stored,
                0x07 => &ecu.pending,
                _ => &ecu.permanent,
            };
            out.push(codes.len() as u8);
            out.extend(dtc_bytes(codes));
            Some(out)
        }
        0x04 => {
            ecu.stored.clear();
            ecu.pending.clear();
            ecu.freeze_frame = None;
            ecu.readiness[2] = ecu.readiness[1]; // every monitor incomplete again
            Some(out)
        }
        0x09 => {
            let ascii = |text: &str, width: usize| {
                let mut bytes = text.as_bytes().to_vec();
                bytes.resize(width, 0);
                bytes
            };
            let data = match args.first()? {
                0x00 => bitmap(&[0x02, 0x04, 0x06, 0x0A], 0)?,
                0x02 => [vec![0x01], ecu.vin?.as_bytes().to_vec()].concat(),
                0x04 => [vec![0x01], ascii(ecu.calibration, 16)].concat(),
                0x06 => [vec![0x01], ecu.cvn.to_vec()].concat(),
                0x0A => [vec![0x01], ascii(ecu.name, 20)].concat(),
                _ => return None,
            };
            out.push(args[0]);
            out.extend(data);
            Some(out)
        }
        _ => None,
    }
}

impl Link for Simulator {
    fn send<'a>(&'a mut self, bytes: &'a [u8]) -> BoxFuture<'a, Result<()>> {
        self.received.extend_from_slice(bytes);
        while let Some(end) = self.received.iter().position(|b| *b == b'\r') {
            let line: Vec<u8> = self.received.drain(..=end).collect();
            let mut command = String::from_utf8_lossy(&line[..line.len() - 1]).trim().to_string();
            if command.is_empty() {
                command = self.last_command.clone(); // a bare CR repeats the last command
            } else {
                self.last_command = command.clone();
            }
            let echo = self.settings.echo;
            let (lines, car_time) = self.handle(&command);
            let end = self.line_end();
            let mut text = String::new();
            if echo {
                text.push_str(&command);
                text.push_str(end);
            }
            for line in &lines {
                text.push_str(line);
                text.push_str(end);
            }
            text.push_str(end);
            text.push('>');
            let start = Instant::now().max(self.busy_until);
            let ready = start + self.config.wire_time(line.len()) + car_time + self.config.wire_time(text.len());
            self.busy_until = ready;
            self.answers.push_back((ready, text.into_bytes()));
        }
        Box::pin(async { Ok(()) })
    }

    fn receive(&mut self) -> BoxFuture<'_, Result<Vec<u8>>> {
        Box::pin(async move {
            let Some((ready, _)) = self.answers.front() else {
                return std::future::pending().await; // nothing asked: nothing comes
            };
            tokio::time::sleep_until(*ready).await;
            Ok(self.answers.pop_front().map(|(_, bytes)| bytes).unwrap_or_default())
        })
    }
}
