//! A diagnostic session with a car: connect (adapter start-up, protocol search, supported
//! PIDs, what the adapter can do fast), then the OBD services a shop uses, and a snapshot of
//! them all. Reconnects on the same address after the adapter drops.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use serde::Serialize;

use crate::elm::{AdapterIdentity, Elm327};
use crate::link::AdapterAddress;
use crate::response::{parse, EcuAnswer, Protocol};
use crate::{codes, decode_readings, parse_dtcs, pids, readiness, supported_pids, Error, Readiness, Reading, Result};

/// Where a connection attempt has got to, for the adapter picker's progress line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ConnectStep {
    Opening { adapter: String },
    Resetting,
    Identified { chip: String, battery_volts: Option<f64> },
    SearchingProtocol,
    Connected { protocol: String },
}

/// Which trouble codes: stored (mode 03, they light the MIL), pending (07, seen once, not yet
/// confirmed) or permanent (0A, only the car clears them after the repair is proven).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    Stored,
    Pending,
    Permanent,
}

impl CodeKind {
    pub const ALL: [CodeKind; 3] = [CodeKind::Stored, CodeKind::Pending, CodeKind::Permanent];

    fn service(self) -> u8 {
        match self {
            CodeKind::Stored => 0x03,
            CodeKind::Pending => 0x07,
            CodeKind::Permanent => 0x0A,
        }
    }
}

/// A trouble code as the car reported it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FoundCode {
    pub code: String,
    pub kind: CodeKind,
    /// Which controller: "Engine (7E8)".
    pub ecu: String,
    /// The generic SAE J2012 meaning, or the code's system when the code is
    /// manufacturer-specific.
    pub description: String,
}

/// The conditions stored when a code set the MIL.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FreezeFrame {
    /// The code that stored it.
    pub code: String,
    pub description: String,
    pub readings: Vec<Reading>,
}

/// A controller's identity (mode 09).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EcuInfo {
    pub ecu: String,
    pub name: Option<String>,
    pub calibration_ids: Vec<String>,
    pub cvns: Vec<String>,
}

/// The adapter as the snapshot records it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AdapterSummary {
    pub address: String,
    #[serde(flatten)]
    pub identity: AdapterIdentity,
}

/// Everything a scan reads, ready to be kept with the repair order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Snapshot {
    pub adapter: AdapterSummary,
    pub protocol: String,
    pub vin: Option<String>,
    pub codes: Vec<FoundCode>,
    pub freeze_frame: Option<FreezeFrame>,
    pub readiness: Option<Readiness>,
    pub odometer_km: Option<f64>,
    pub ecus: Vec<EcuInfo>,
    /// What could not be read, in words (the scan goes on past it).
    pub warnings: Vec<String>,
}

/// A connected adapter and car.
pub struct Session {
    address: AdapterAddress,
    elm: Elm327,
    identity: AdapterIdentity,
    protocol: Protocol,
    supported: BTreeSet<u8>,
    multi_pid: bool,
    count_digit: bool,
    /// Lines each request was answered with, for the response-count digit.
    frame_counts: HashMap<String, usize>,
}

/// The first request searches every protocol; cars on K-line need several seconds.
const SEARCH_TIME: Duration = Duration::from_secs(15);

/// Controllers by the address they answer from.
pub fn ecu_label(ecu: u32) -> String {
    let role = match ecu {
        0x7E8 | 0x18DAF110 | 0x10 => "Engine",
        0x7E9 | 0x18DAF118 | 0x18 => "Transmission",
        0x7EA | 0x18DAF128 => "Hybrid/ABS",
        0 => return "Car".into(),
        _ => "Controller",
    };
    format!("{role} ({ecu:X})")
}

impl Session {
    /// Opens the adapter, starts it up and connects to the car.
    pub async fn connect(address: AdapterAddress, mut progress: impl FnMut(ConnectStep)) -> Result<Session> {
        progress(ConnectStep::Opening { adapter: address.describe() });
        let link = address.open().await?;
        let mut session = Session {
            address,
            elm: Elm327::new(link),
            identity: AdapterIdentity::default(),
            protocol: Protocol::Can11Bit500,
            supported: BTreeSet::new(),
            multi_pid: false,
            count_digit: false,
            frame_counts: HashMap::new(),
        };
        session.start(&mut progress).await?;
        Ok(session)
    }

    async fn start(&mut self, progress: &mut impl FnMut(ConnectStep)) -> Result<()> {
        progress(ConnectStep::Resetting);
        self.identity = self.elm.initialise().await.map_err(|e| match e {
            Error::Timeout(_) => Error::NotAnAdapter(self.address.describe()),
            other => other,
        })?;
        progress(ConnectStep::Identified {
            chip: self.identity.chip.clone(),
            battery_volts: self.identity.battery_volts,
        });
        progress(ConnectStep::SearchingProtocol);
        let first = match self.first_contact().await {
            Ok(first) => first,
            Err(error) if error.is_link_lost() => return Err(error),
            Err(Error::UnableToConnect) => return Err(Error::UnableToConnect),
            Err(_) => {
                // answers lost with adaptive timing: try once more, patiently
                self.elm.slow_down().await?;
                self.identity.quirks.push("needed slow timing (ATAT0, ATST FF)".into());
                self.first_contact().await?
            }
        };
        self.supported = first.iter().flat_map(|a| supported_pids(&a.data)).collect();
        let mut base = 0x20u8;
        while self.supported.contains(&base) && base < 0xE0 {
            match self.request(&format!("01{base:02X}"), 0x01).await {
                Ok(answers) => self.supported.extend(answers.iter().flat_map(|a| supported_pids(&a.data))),
                Err(error) if error.is_link_lost() => return Err(error),
                Err(_) => break,
            }
            base += 0x20;
        }
        self.probe_speedups().await?;
        progress(ConnectStep::Connected { protocol: self.protocol.label().into() });
        Ok(())
    }

    /// `0100`: the request that makes the adapter find the car's protocol.
    async fn first_contact(&mut self) -> Result<Vec<EcuAnswer>> {
        let raw = self.elm.command_within("0100", SEARCH_TIME).await?;
        let reported = self.elm.command("ATDPN").await.ok().and_then(|a| Protocol::from_dpn(&a));
        self.protocol = reported.or_else(|| Protocol::infer(&raw, 0x01)).unwrap_or(Protocol::Can11Bit500);
        if reported.is_none() {
            self.identity.quirks.push("ATDPN gave no protocol number; read from the answer's headers".into());
        }
        parse(&raw, self.protocol, 0x01)
    }

    /// Multi-PID requests and the response-count digit are CAN features that many clones get
    /// wrong: each is tried once and used only when the answer is right.
    async fn probe_speedups(&mut self) -> Result<()> {
        self.multi_pid = false;
        self.count_digit = false;
        if !self.protocol.is_can() {
            return Ok(());
        }
        let pair: Vec<u8> =
            [0x0C, 0x0D, 0x05, 0x04, 0x11, 0x0F].into_iter().filter(|p| self.supported.contains(p)).take(2).collect();
        if pair.len() == 2 {
            let raw = self.elm.command(&format!("01{:02X}{:02X}", pair[0], pair[1])).await?;
            let both = parse(&raw, self.protocol, 0x01)
                .map(|answers| {
                    let read: BTreeSet<u8> =
                        answers.iter().flat_map(|a| decode_readings(&a.data)).map(|r| r.pid).collect();
                    pair.iter().all(|p| read.contains(p))
                })
                .unwrap_or(false);
            self.multi_pid = both;
        }
        let raw = self.elm.command("01001").await?;
        self.count_digit = parse(&raw, self.protocol, 0x01).is_ok();
        if !self.multi_pid {
            self.identity.quirks.push("no multi-PID requests: live data reads one PID at a time".into());
        }
        if !self.count_digit {
            self.identity.quirks.push("no response-count digit: every request waits out the adapter's timeout".into());
        }
        Ok(())
    }

    /// Connects again on the same address (after the adapter was unplugged or the car switched
    /// off), keeping what the caller has already read.
    pub async fn reconnect(&mut self) -> Result<()> {
        let link = self.address.open().await?;
        self.elm = Elm327::new(link);
        self.frame_counts.clear();
        self.start(&mut |_| {}).await
    }

    pub fn address(&self) -> &AdapterAddress {
        &self.address
    }

    pub fn identity(&self) -> &AdapterIdentity {
        &self.identity
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The mode 01 PIDs the car says it supports.
    pub fn supported_pids(&self) -> Vec<u8> {
        self.supported.iter().copied().collect()
    }

    /// Whether live data goes six PIDs to a request and with the count digit.
    pub fn speedups(&self) -> (bool, bool) {
        (self.multi_pid, self.count_digit)
    }

    /// Bytes sent to and received from the adapter so far.
    pub fn wire_bytes(&self) -> (u64, u64) {
        (self.elm.bytes_sent, self.elm.bytes_received)
    }

    /// One OBD request (`hex` without spaces, e.g. `010C0D`), with the count digit once the
    /// request's answer size is known. A garbled answer with the digit drops it for that request
    /// and asks again without.
    pub async fn request(&mut self, hex: &str, service: u8) -> Result<Vec<EcuAnswer>> {
        let digit = if self.count_digit { self.frame_counts.get(hex).copied() } else { None };
        let command = match digit {
            Some(n) => format!("{hex}{n:X}"),
            None => hex.to_string(),
        };
        let raw = self.elm.command(&command).await?;
        match parse(&raw, self.protocol, service) {
            Ok(answers) => {
                if digit.is_none() {
                    let lines = raw
                        .split(['\r', '\n'])
                        .map(str::trim)
                        .filter(|l| !l.is_empty() && !l.to_ascii_uppercase().starts_with("SEARCHING"))
                        .count();
                    if (1..=15).contains(&lines) {
                        self.frame_counts.insert(hex.to_string(), lines);
                    }
                }
                Ok(answers)
            }
            Err(Error::Garbled(_) | Error::Unknown) if digit.is_some() => {
                self.frame_counts.remove(hex);
                let raw = self.elm.command(hex).await?;
                parse(&raw, self.protocol, service)
            }
            Err(error) => Err(error),
        }
    }

    /// Live data for `pids`, six to a request when the adapter can. A PID the car doesn't
    /// answer is left out; the first controller to answer a PID wins (the engine's, on most cars).
    pub async fn read(&mut self, pids: &[u8]) -> Result<Vec<Reading>> {
        let mut readings: Vec<Reading> = Vec::new();
        let per_request = if self.multi_pid { 6 } else { 1 };
        for batch in pids.chunks(per_request) {
            let hex: String =
                std::iter::once("01".to_string()).chain(batch.iter().map(|p| format!("{p:02X}"))).collect();
            match self.request(&hex, 0x01).await {
                Ok(answers) => {
                    for reading in answers.iter().flat_map(|a| decode_readings(&a.data)) {
                        if batch.contains(&reading.pid) && !readings.iter().any(|r| r.pid == reading.pid) {
                            readings.push(reading);
                        }
                    }
                }
                Err(Error::NoData) => {}
                Err(Error::Unknown | Error::Garbled(_)) if batch.len() > 1 => {
                    // a clone that claimed multi-PID and then fumbled it: one at a time from now on
                    self.multi_pid = false;
                    self.identity
                        .quirks
                        .push("multi-PID answers were unreadable; switched to one PID a request".into());
                    return Box::pin(self.read(pids)).await;
                }
                Err(error) => return Err(error),
            }
        }
        Ok(readings)
    }

    /// Trouble codes of one kind, from every controller that answers. An answer whose layout is
    /// in doubt (with or without the count byte) is settled by the number of stored codes the
    /// controller reports in mode 01 PID 01, or refused — never guessed.
    pub async fn codes(&mut self, kind: CodeKind) -> Result<Vec<FoundCode>> {
        let answers = match self.request(&format!("{:02X}", kind.service()), kind.service()).await {
            Err(Error::NoData) => return Ok(Vec::new()), // some cars say NO DATA when there are none
            other => other?,
        };
        let can = self.protocol.is_can();
        let mut found = Vec::new();
        // asked for once, and only when an answer needs it
        let mut reported: Option<HashMap<u32, usize>> = None;
        for answer in answers {
            let dtcs = match parse_dtcs(&answer.data, can, None) {
                Err(Error::Uncertain(_)) if kind == CodeKind::Stored => {
                    if reported.is_none() {
                        reported = Some(code_counts(&self.request("0101", 0x01).await?));
                    }
                    parse_dtcs(&answer.data, can, reported.as_ref().and_then(|r| r.get(&answer.ecu).copied()))?
                }
                other => other?,
            };
            found.extend(dtcs.into_iter().map(|code| FoundCode {
                description: codes::describe(&code.0),
                code: code.0,
                kind,
                ecu: ecu_label(answer.ecu),
            }));
        }
        Ok(found)
    }

    /// PID 01: the MIL, the code count and the readiness monitors (the engine's answer).
    pub async fn readiness(&mut self) -> Result<Readiness> {
        let answers = self.request("0101", 0x01).await?;
        answers
            .iter()
            .find_map(|a| readiness(&a.data))
            .ok_or_else(|| Error::Garbled("the readiness answer is too short".into()))
    }

    /// Freeze frame 0: the code that stored it and the values of the moment. `None` when the
    /// car holds no freeze frame.
    pub async fn freeze_frame(&mut self) -> Result<Option<FreezeFrame>> {
        let answers = match self.request("020200", 0x02).await {
            Err(Error::NoData) => return Ok(None),
            other => other?,
        };
        let mut code = None;
        for answer in &answers {
            if let Some([hi, lo]) = freeze_value(&answer.data, 0x02, 2)? {
                if (*hi, *lo) != (0, 0) {
                    code = Some(crate::Dtc::from_bytes(*hi, *lo));
                    break;
                }
            }
        }
        let Some(code) = code else { return Ok(None) };
        let mut wanted: Vec<u8> = match self.request("020000", 0x02).await {
            Ok(answers) => answers
                .iter()
                .flat_map(|a| match a.data.as_slice() {
                    [0x42, 0x00, _, bitmap @ ..] => supported_pids(&[&[0x41, 0x00][..], bitmap].concat()),
                    _ => Vec::new(),
                })
                .collect(),
            Err(error) if error.is_link_lost() => return Err(error),
            Err(_) => vec![0x04, 0x05, 0x06, 0x07, 0x0B, 0x0C, 0x0D, 0x0F, 0x11],
        };
        wanted.retain(|p| *p != 0x02 && pids::pid(*p).is_some());
        wanted.dedup();
        let mut readings = Vec::new();
        for pid in wanted {
            match self.request(&format!("02{pid:02X}00"), 0x02).await {
                Ok(answers) => {
                    let width = pids::pid(pid).map_or(0, |p| p.bytes);
                    match answers.first().map(|a| freeze_value(&a.data, pid, width)).transpose() {
                        Ok(Some(Some(value))) => readings.extend(decode_readings(&[&[0x41, pid][..], value].concat())),
                        Ok(_) => {}
                        Err(error) => return Err(error),
                    }
                }
                Err(error) if error.is_link_lost() => return Err(error),
                Err(_) => {}
            }
        }
        Ok(Some(FreezeFrame { description: codes::describe(&code.0), code: code.0, readings }))
    }

    /// Mode 09 PID 02: the VIN as the car's controller holds it.
    pub async fn vin(&mut self) -> Result<String> {
        let answers = self.request("0902", 0x09).await?;
        for answer in &answers {
            if let Some(vin) = vin_from(&answer.data)? {
                return Ok(vin);
            }
        }
        Err(Error::Unsupported("a readable VIN (mode 09)".into()))
    }

    /// Mode 09: each controller's name, calibration IDs and verification numbers.
    pub async fn ecu_info(&mut self) -> Result<Vec<EcuInfo>> {
        let mut found: Vec<(u32, EcuInfo)> = Vec::new();
        for info_type in [0x0A, 0x04, 0x06] {
            let answers = match self.request(&format!("09{info_type:02X}"), 0x09).await {
                Ok(answers) => answers,
                Err(error) if error.is_link_lost() => return Err(error),
                Err(_) => continue,
            };
            for answer in answers {
                let index = match found.iter().position(|(ecu, _)| *ecu == answer.ecu) {
                    Some(index) => index,
                    None => {
                        let info =
                            EcuInfo { ecu: ecu_label(answer.ecu), name: None, calibration_ids: vec![], cvns: vec![] };
                        found.push((answer.ecu, info));
                        found.len() - 1
                    }
                };
                let info = &mut found[index].1;
                let items = match info_items(&answer.data, info_type) {
                    Ok(items) => items,
                    Err(_) => continue, // an identity we can't read with certainty is left blank
                };
                match info_type {
                    0x0A => info.name = items.first().map(|b| ascii(b)),
                    0x04 => info.calibration_ids = items.iter().map(|b| ascii(b)).filter(|s| !s.is_empty()).collect(),
                    _ => info.cvns = items.iter().map(|b| b.iter().map(|x| format!("{x:02X}")).collect()).collect(),
                }
            }
        }
        found.sort_by_key(|(ecu, _)| *ecu);
        Ok(found.into_iter().map(|(_, info)| info).collect())
    }

    /// Mode 04: clears stored and pending codes, the freeze frame and the readiness results.
    /// Only with `confirmation` = "CLEAR": the monitors need a drive cycle to run again, and an
    /// inspection station will turn the car away until they have.
    pub async fn clear_codes(&mut self, confirmation: &str) -> Result<()> {
        if !confirmation.trim().eq_ignore_ascii_case("CLEAR") {
            return Err(Error::ConfirmationRequired);
        }
        let answers = self.request("04", 0x04).await?;
        if answers.is_empty() {
            return Err(Error::NoData);
        }
        Ok(())
    }

    /// Reads everything a technician wants on the repair order. A part the car doesn't answer
    /// becomes a warning; a lost link ends the scan with the error (reconnect and scan again).
    pub async fn snapshot(&mut self) -> Result<Snapshot> {
        let mut warnings = Vec::new();
        let vin = keep(self.vin().await, "VIN", &mut warnings)?;
        let mut found = Vec::new();
        for kind in CodeKind::ALL {
            if let Some(codes) = keep(self.codes(kind).await, &format!("{kind:?} codes").to_lowercase(), &mut warnings)?
            {
                found.extend(codes);
            }
        }
        // one PID 01 answer gives the readiness and each controller's code count
        let pid01 = keep(self.request("0101", 0x01).await, "readiness", &mut warnings)?;
        let readiness = pid01.as_ref().and_then(|answers| answers.iter().find_map(|a| readiness(&a.data)));
        if let Some(answers) = &pid01 {
            if readiness.is_none() {
                warnings.push("readiness: the answer is too short to read".into());
            }
            warnings.extend(hidden_codes(&code_counts(answers), &found));
        }
        let freeze_frame = keep(self.freeze_frame().await, "freeze frame", &mut warnings)?.flatten();
        let odometer_km = if self.supported.contains(&0xA6) {
            keep(self.read(&[0xA6]).await, "odometer", &mut warnings)?.and_then(|r| r.first().map(|r| r.value))
        } else {
            None
        };
        let ecus = keep(self.ecu_info().await, "controller identities", &mut warnings)?.unwrap_or_default();
        Ok(Snapshot {
            adapter: AdapterSummary { address: self.address.describe(), identity: self.identity.clone() },
            protocol: self.protocol.label().into(),
            vin,
            codes: found,
            freeze_frame,
            readiness,
            odometer_km,
            ecus,
            warnings,
        })
    }
}

/// A scan step's result: the value, or a warning when the car didn't give it; a lost link is
/// the scan's error.
fn keep<T>(result: Result<T>, what: &str, warnings: &mut Vec<String>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.is_link_lost() => Err(error),
        Err(Error::NoData | Error::Unsupported(_)) => {
            warnings.push(format!("{what}: the car does not report it"));
            Ok(None)
        }
        Err(error) => {
            warnings.push(format!("{what}: {error}"));
            Ok(None)
        }
    }
}

/// How many stored (confirmed) codes each controller says it holds, from its mode 01 PID 01
/// answer.
fn code_counts(answers: &[EcuAnswer]) -> HashMap<u32, usize> {
    answers.iter().filter_map(|a| readiness(&a.data).map(|r| (a.ecu, r.dtc_count as usize))).collect()
}

/// A warning for each controller that says (mode 01 PID 01) it holds more stored codes than it
/// sent: codes would be hidden. Fewer is normal (codes that don't light the MIL aren't counted).
fn hidden_codes(reported: &HashMap<u32, usize>, found: &[FoundCode]) -> Vec<String> {
    let mut ecus: Vec<(&u32, &usize)> = reported.iter().collect();
    ecus.sort();
    ecus.into_iter()
        .filter_map(|(ecu, &count)| {
            let label = ecu_label(*ecu);
            let sent = found.iter().filter(|c| c.kind == CodeKind::Stored && c.ecu == label).count();
            (count > sent)
                .then(|| format!("{label} says it holds {count} stored codes but sent {sent}: read the codes again"))
        })
        .collect()
}

/// The VIN in a mode 09 PID 02 answer: CAN has a count byte before 17 characters (some
/// controllers leave it out), the older protocols number each 4-byte message and pad with zeros.
/// Either way the VIN is the 17 letters and digits left; more than 17 can't be read with
/// certainty, fewer is no VIN.
fn vin_from(data: &[u8]) -> Result<Option<String>> {
    let [0x49, 0x02, rest @ ..] = data else { return Ok(None) };
    let characters: Vec<u8> = rest.iter().copied().filter(|b| b.is_ascii_alphanumeric()).collect();
    match characters.len() {
        17 => Ok(Some(String::from_utf8_lossy(&characters).into_owned())),
        n if n > 17 => Err(Error::Uncertain(format!("the VIN answer holds {n} characters instead of 17"))),
        _ => Ok(None),
    }
}

/// The value bytes of a mode 02 answer (`42 pid frame value…`), `width` bytes long. The frame
/// number is left out by some controllers; the length decides, and only zero padding may follow.
fn freeze_value(data: &[u8], pid: u8, width: usize) -> Result<Option<&[u8]>> {
    let [0x42, p, rest @ ..] = data else { return Ok(None) };
    if *p != pid || width == 0 {
        return Ok(None);
    }
    let value = if rest.len() == width {
        rest
    } else if rest.len() > width && rest[1 + width..].iter().all(|b| *b == 0) {
        &rest[1..1 + width]
    } else {
        return Err(Error::Uncertain(format!(
            "the freeze frame's PID {pid:02X} came with {} bytes where {width} were expected",
            rest.len()
        )));
    };
    Ok(Some(value))
}

/// The items of a mode 09 answer (`49 tt [count] items…`): 16-byte calibration IDs, 4-byte
/// CVNs, a 20-byte name.
fn info_items(data: &[u8], info_type: u8) -> Result<Vec<Vec<u8>>> {
    let width = match info_type {
        0x04 => 16,
        0x06 => 4,
        _ => 20,
    };
    match data {
        [0x49, t, after @ ..] if *t == info_type => {
            Ok(crate::dtc::mode09_items(after, width)?.into_iter().map(<[u8]>::to_vec).collect())
        }
        _ => Ok(Vec::new()),
    }
}

/// Printable text of a zero-padded field ("ECM\0-EngineControl" reads "ECM-EngineControl").
fn ascii(bytes: &[u8]) -> String {
    bytes
        .iter()
        .filter(|b| b.is_ascii_graphic() || **b == b' ')
        .map(|b| *b as char)
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vins_from_can_and_legacy_answers() {
        let can = [&[0x49, 0x02, 0x01][..], b"1HGCM82633A004352"].concat();
        assert_eq!(vin_from(&can).unwrap().as_deref(), Some("1HGCM82633A004352"));
        let without_count = [&[0x49, 0x02][..], b"1HGCM82633A004352"].concat();
        assert_eq!(vin_from(&without_count).unwrap().as_deref(), Some("1HGCM82633A004352"));
        // J1850: 49 02 01 00 00 00 31 | 02 48 47 43 4D | … (service and PID dropped by the grouping)
        let legacy =
            [&[0x49, 0x02, 0x01, 0, 0, 0, b'1', 0x02][..], b"HGCM", &[0x03], b"82633", &[0x04], b"A004352"].concat();
        assert_eq!(vin_from(&legacy).unwrap().as_deref(), Some("1HGCM82633A004352"));
        assert_eq!(vin_from(&[0x49, 0x02, 0x01, b'1']).unwrap(), None);
        let doubled = [&[0x49, 0x02, 0x01][..], b"1HGCM82633A004352X"].concat();
        assert_eq!(vin_from(&doubled).unwrap_err().kind(), "uncertain");
    }

    #[test]
    fn freeze_frame_values_with_and_without_the_frame_number() {
        assert_eq!(freeze_value(&[0x42, 0x02, 0x00, 0x03, 0x01], 0x02, 2).unwrap(), Some(&[0x03, 0x01][..]));
        assert_eq!(freeze_value(&[0x42, 0x02, 0x03, 0x01], 0x02, 2).unwrap(), Some(&[0x03, 0x01][..]));
        assert_eq!(freeze_value(&[0x42, 0x0C, 0x00, 0x21, 0x98, 0x00], 0x0C, 2).unwrap(), Some(&[0x21, 0x98][..]));
        assert_eq!(freeze_value(&[0x42, 0x0C, 0x21], 0x0C, 2).unwrap_err().kind(), "uncertain");
        assert_eq!(freeze_value(&[0x42, 0x0D, 0x00, 0x38], 0x0C, 1).unwrap(), None, "another PID's answer");
    }

    #[test]
    fn controller_identities() {
        let name = [&[0x49, 0x0A, 0x01][..], b"ECM\0-EngineControl\0\0"].concat();
        assert_eq!(ascii(&info_items(&name, 0x0A).unwrap()[0]), "ECM-EngineControl");
        let cvns = info_items(&[0x49, 0x06, 0x02, 1, 2, 3, 4, 5, 6, 7, 8], 0x06).unwrap();
        assert_eq!(cvns.len(), 2);
        let uncounted = info_items(&[0x49, 0x06, 1, 2, 3, 4, 5, 6, 7, 8], 0x06).unwrap();
        assert_eq!(uncounted, cvns, "the same CVNs without the count byte");
        assert!(info_items(&[0x49, 0x06, 0x02, 1, 2, 3, 4, 5, 6], 0x06).is_err());
        assert_eq!(ecu_label(0x7E9), "Transmission (7E9)");
    }
}
