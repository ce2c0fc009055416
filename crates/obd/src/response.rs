//! Reading what an ELM327 sends back for one request, with headers on (`ATH1`): the adapter's own
//! messages, frames grouped by the ECU that sent them, ISO-TP multi-frame answers reassembled,
//! and negative responses (`7F service code`) turned into errors, never values.
//!
//! Every byte sequence is accepted without panicking: what can't be read is an [`Error`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Error;

/// The OBD protocol in use, as `ATDPN` reports it (`A6` is "automatic, now 6").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    J1850Pwm,
    J1850Vpw,
    Iso9141,
    Kwp5Baud,
    KwpFast,
    Can11Bit500,
    Can29Bit500,
    Can11Bit250,
    Can29Bit250,
}

impl Protocol {
    /// Reads `ATDPN`'s answer: `6`, `A6`, `7`, …
    pub fn from_dpn(answer: &str) -> Option<Protocol> {
        let digit = answer.trim().trim_end_matches('>').trim().trim_start_matches(['A', 'a']);
        Some(match digit {
            "1" => Protocol::J1850Pwm,
            "2" => Protocol::J1850Vpw,
            "3" => Protocol::Iso9141,
            "4" => Protocol::Kwp5Baud,
            "5" => Protocol::KwpFast,
            "6" => Protocol::Can11Bit500,
            "7" => Protocol::Can29Bit500,
            "8" => Protocol::Can11Bit250,
            "9" => Protocol::Can29Bit250,
            _ => return None,
        })
    }

    pub fn is_can(self) -> bool {
        matches!(self, Protocol::Can11Bit500 | Protocol::Can29Bit500 | Protocol::Can11Bit250 | Protocol::Can29Bit250)
    }

    /// Hex digits of header in front of every frame, with headers on.
    fn header_digits(self) -> usize {
        match self {
            Protocol::Can11Bit500 | Protocol::Can11Bit250 => 3,
            Protocol::Can29Bit500 | Protocol::Can29Bit250 => 8,
            _ => 6,
        }
    }

    /// A name a technician reads, as ELM327 documents them.
    pub fn label(self) -> &'static str {
        match self {
            Protocol::J1850Pwm => "SAE J1850 PWM (41.6 kbaud)",
            Protocol::J1850Vpw => "SAE J1850 VPW (10.4 kbaud)",
            Protocol::Iso9141 => "ISO 9141-2 (5 baud init)",
            Protocol::Kwp5Baud => "ISO 14230-4 KWP (5 baud init)",
            Protocol::KwpFast => "ISO 14230-4 KWP (fast init)",
            Protocol::Can11Bit500 => "ISO 15765-4 CAN (11 bit ID, 500 kbaud)",
            Protocol::Can29Bit500 => "ISO 15765-4 CAN (29 bit ID, 500 kbaud)",
            Protocol::Can11Bit250 => "ISO 15765-4 CAN (11 bit ID, 250 kbaud)",
            Protocol::Can29Bit250 => "ISO 15765-4 CAN (29 bit ID, 250 kbaud)",
        }
    }
}

/// One ECU's complete answer (ISO-TP reassembled, PCI and headers removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EcuAnswer {
    /// `0x7E8`, `0x18DAF110`, or the source address of a legacy frame (`0x10`).
    pub ecu: u32,
    pub data: Vec<u8>,
}

/// The ELM messages that replace data, recognised anywhere in a line.
fn elm_message(line: &str) -> Option<Error> {
    let upper = line.to_ascii_uppercase();
    let has = |m: &str| upper.contains(m);
    Some(if has("NO DATA") {
        Error::NoData
    } else if has("UNABLE TO CONNECT") {
        Error::UnableToConnect
    } else if has("BUS INIT") {
        Error::BusInit(line.trim().to_string())
    } else if has("CAN ERROR")
        || has("BUS ERROR")
        || has("BUS BUSY")
        || has("DATA ERROR")
        || has("FB ERROR")
        || has("RX ERROR")
    {
        Error::Bus(line.trim().to_string())
    } else if has("BUFFER FULL") {
        Error::BufferFull
    } else if has("STOPPED") {
        Error::Stopped
    } else if has("LV RESET") || has("ELM327 V") {
        Error::Reset
    } else if upper.trim() == "?" {
        Error::Unknown
    } else {
        return None;
    })
}

/// Parses the raw text of one answer (everything up to the `>` prompt). `service` is the
/// request's mode (e.g. `0x01`); frames that answer another service are ignored, and a
/// `7F service code` from any ECU is that ECU's refusal. Answers come back ordered by ECU.
///
/// Clones that ignore `ATH1` send no headers; such answers are read too (ECU `0`), including
/// the adapter's own multi-line format (`014`, `0: 49 02 01 …`, `1: …`).
pub fn parse(raw: &str, protocol: Protocol, service: u8) -> Result<Vec<EcuAnswer>, Error> {
    match parse_headed(raw, protocol, service) {
        Err(error @ (Error::Garbled(_) | Error::NoData)) => {
            parse_headerless(raw, service).and_then(|answers| finish(answers, service, None).ok()).ok_or(error)
        }
        other => other,
    }
}

impl Protocol {
    /// The protocol whose header layout reads this answer, for adapters whose `ATDPN` answer
    /// is not a protocol number. `None` when no headers are shown.
    pub fn infer(raw: &str, service: u8) -> Option<Protocol> {
        [Protocol::Can11Bit500, Protocol::Can29Bit500, Protocol::Iso9141]
            .into_iter()
            .find(|p| parse_headed(raw, *p, service).is_ok())
    }
}

fn data_lines(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(['\r', '\n'])
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '>' || c == '\0'))
        .filter(|l| !l.is_empty() && !l.to_ascii_uppercase().starts_with("SEARCHING"))
}

fn parse_headed(raw: &str, protocol: Protocol, service: u8) -> Result<Vec<EcuAnswer>, Error> {
    let mut frames: Vec<(u32, Vec<u8>)> = Vec::new();
    let mut first_error = None;
    for line in data_lines(raw) {
        if let Some(error) = elm_message(line) {
            first_error.get_or_insert(error);
            continue;
        }
        match frame_bytes(line, protocol) {
            Some(frame) => frames.push(frame),
            None => {
                first_error.get_or_insert(Error::Garbled(format!("'{}'", truncate(line, 40))));
            }
        }
    }
    let answers = if protocol.is_can() { reassemble_can(frames)? } else { group_legacy(frames, service, true) };
    finish(answers, service, first_error)
}

/// Headers off: single lines of payload, or the adapter's numbered multi-line format.
fn parse_headerless(raw: &str, service: u8) -> Option<BTreeMap<u32, Vec<u8>>> {
    let mut expected = None;
    let mut frames = Vec::new();
    for line in data_lines(raw) {
        if elm_message(line).is_some() {
            continue;
        }
        let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        if expected.is_none() && frames.is_empty() && compact.len() == 3 {
            expected = Some(usize::from_str_radix(&compact, 16).ok()?);
            continue;
        }
        let payload = match (expected, compact.split_once(':')) {
            (Some(_), Some((_index, rest))) => rest,
            (None, None) => compact.as_str(),
            _ => return None,
        };
        frames.push((0, hex_bytes(payload)?));
    }
    if let Some(len) = expected {
        let mut data: Vec<u8> = frames.into_iter().flat_map(|(_, bytes)| bytes).collect();
        if data.len() < len {
            return None;
        }
        data.truncate(len);
        return Some(BTreeMap::from([(0, data)]));
    }
    Some(group_legacy(frames, service, false))
}

fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect()
}

/// Keeps the answers to `service`; a refusal from any ECU is the error.
fn finish(answers: BTreeMap<u32, Vec<u8>>, service: u8, first_error: Option<Error>) -> Result<Vec<EcuAnswer>, Error> {
    let mut out = Vec::new();
    for (ecu, data) in answers {
        match data.as_slice() {
            [0x7F, refused, code, ..] if *refused == service => {
                if *code == 0x78 {
                    continue; // "response pending": the real answer follows from the same ECU
                }
                return Err(Error::Negative { ecu, service, code: *code });
            }
            [first, ..] if *first == service.wrapping_add(0x40) => out.push(EcuAnswer { ecu, data }),
            _ => {} // another service's frame (a late answer, or noise on the bus)
        }
    }
    match (out.is_empty(), first_error) {
        (true, Some(error)) => Err(error),
        (true, None) => Err(Error::NoData),
        (false, _) => Ok(out),
    }
}

/// A frame line's sender and bytes: hex with or without spaces (`ATS0`). The header is three hex
/// digits on 11-bit CAN (`7E8`), eight on 29-bit CAN, three bytes on the older protocols.
fn frame_bytes(line: &str, protocol: Protocol) -> Option<(u32, Vec<u8>)> {
    let hex: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let header_digits = protocol.header_digits();
    if hex.len() <= header_digits {
        return None;
    }
    let (header, payload) = hex.split_at(header_digits);
    let bytes = hex_bytes(payload)?;
    let header = u32::from_str_radix(header, 16).ok()?;
    // legacy headers are priority, target, source: the sender is the source byte
    let sender = if protocol.is_can() { header } else { header & 0xFF };
    Some((sender, bytes))
}

/// ISO-TP: single frames (`0N`), first frames (`1N NN`) and consecutive frames (`2N`), per ECU.
fn reassemble_can(frames: Vec<(u32, Vec<u8>)>) -> Result<BTreeMap<u32, Vec<u8>>, Error> {
    struct Partial {
        expected: usize,
        data: Vec<u8>,
        next_sequence: u8,
    }
    let mut done: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    let mut partial: BTreeMap<u32, Partial> = BTreeMap::new();
    for (ecu, payload) in frames {
        let Some(&pci) = payload.first() else { continue };
        match pci >> 4 {
            0 => {
                let len = (pci & 0x0F) as usize;
                if len == 0 || payload.len() < 1 + len {
                    return Err(Error::Garbled(format!("a single frame from {ecu:X} is shorter than it says")));
                }
                done.insert(ecu, payload[1..1 + len].to_vec());
            }
            1 => {
                let Some(&low) = payload.get(1) else {
                    return Err(Error::Garbled(format!("a first frame from {ecu:X} has no length")));
                };
                let expected = (((pci & 0x0F) as usize) << 8) | low as usize;
                partial.insert(ecu, Partial { expected, data: payload[2..].to_vec(), next_sequence: 1 });
            }
            2 => {
                let Some(p) = partial.get_mut(&ecu) else { continue }; // a stray consecutive frame
                let sequence = pci & 0x0F;
                if sequence != p.next_sequence {
                    return Err(Error::Garbled(format!("frames from {ecu:X} arrived out of order")));
                }
                p.next_sequence = (p.next_sequence + 1) & 0x0F;
                p.data.extend_from_slice(&payload[1..]);
            }
            _ => {} // flow control frames and others are not data
        }
        if partial.get(&ecu).is_some_and(|p| p.data.len() >= p.expected) {
            if let Some(p) = partial.remove(&ecu) {
                let mut data = p.data;
                data.truncate(p.expected); // the last frame is padded
                done.insert(ecu, data);
            }
        }
    }
    if let Some((ecu, p)) = partial.into_iter().next() {
        return Err(Error::Garbled(format!(
            "the answer from {ecu:X} stopped after {} of {} bytes",
            p.data.len(),
            p.expected
        )));
    }
    Ok(done)
}

/// Legacy protocols: each frame carries a checksum byte last (shown with headers on); frames of
/// one ECU are joined.
/// Later frames repeat the response service byte (modes 03, 07, 0A) or the service and the
/// PID / message number (modes 01, 02, 09); the repeat is dropped.
fn group_legacy(frames: Vec<(u32, Vec<u8>)>, service: u8, checksum: bool) -> BTreeMap<u32, Vec<u8>> {
    let repeated = if matches!(service, 0x03 | 0x07 | 0x0A) { 1 } else { 2 };
    let mut grouped: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    for (ecu, mut payload) in frames {
        if checksum {
            payload.pop();
        }
        let entry = grouped.entry(ecu).or_default();
        if entry.is_empty() {
            entry.extend(payload);
        } else if payload.len() > repeated {
            entry.extend_from_slice(&payload[repeated..]);
        }
    }
    grouped
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
