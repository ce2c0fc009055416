//! What a trouble code means: the generic SAE J2012 descriptions shipped as data
//! (`data/generic-dtc-descriptions.tsv`), the per-cylinder families, and for any other code the
//! system it belongs to, so the counter never shows a bare code.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../data/generic-dtc-descriptions.tsv");

fn table() -> &'static HashMap<&'static str, &'static str> {
    static TABLE_MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE_MAP.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once('\t'))
            .map(|(code, text)| (code.trim(), text.trim()))
            .collect()
    })
}

/// How many generic descriptions ship (the table plus the generated families).
pub fn known_count() -> usize {
    table().len() + 12 * 3
}

/// The per-cylinder codes: injector circuits, misfires, ignition coils.
fn family(code: &str) -> Option<String> {
    // these families count in decimal digits: cylinder 10 is P0310, 12 is P0312
    let digits = code.strip_prefix('P')?;
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: u16 = digits.parse().ok()?;
    let cylinder = |first: u16| number.checked_sub(first).map(|n| n + 1).filter(|n| (1..=12).contains(n));
    if let Some(n) = cylinder(201) {
        return Some(format!("Injector circuit/open, cylinder {n}"));
    }
    if let Some(n) = cylinder(301) {
        return Some(format!("Cylinder {n} misfire detected"));
    }
    if let Some(n) = cylinder(351) {
        let coil = (b'A' + (n - 1) as u8) as char;
        return Some(format!("Ignition coil {coil} primary/secondary circuit"));
    }
    None
}

/// The system a code belongs to, from its letter and first digits.
fn system(code: &str) -> &'static str {
    let bytes = code.as_bytes();
    let (letter, d1, d2) = (bytes.first().copied(), bytes.get(1).copied(), bytes.get(2).copied());
    match (letter, d1, d2) {
        (Some(b'P'), Some(b'1'), _) => "Powertrain, manufacturer-specific",
        (Some(b'P'), Some(b'3'), Some(b'0'..=b'3')) => "Powertrain, manufacturer-specific",
        (Some(b'P'), Some(b'0' | b'2'), Some(b'0' | b'1' | b'2')) => "Fuel and air metering",
        (Some(b'P'), Some(b'0' | b'2'), Some(b'3')) => "Ignition system or misfire",
        (Some(b'P'), Some(b'0' | b'2'), Some(b'4')) => "Auxiliary emission controls",
        (Some(b'P'), Some(b'0' | b'2'), Some(b'5')) => "Vehicle speed, idle control and auxiliary inputs",
        (Some(b'P'), Some(b'0' | b'2'), Some(b'6')) => "Computer and output circuits",
        (Some(b'P'), Some(b'0'), Some(b'7' | b'8' | b'9')) | (Some(b'P'), Some(b'2'), Some(b'7')) => "Transmission",
        (Some(b'P'), Some(b'0'), Some(b'A'..=b'F')) => "Hybrid propulsion",
        (Some(b'P'), _, _) => "Powertrain",
        (Some(b'B'), Some(b'0' | b'3'), _) => "Body",
        (Some(b'B'), _, _) => "Body, manufacturer-specific",
        (Some(b'C'), Some(b'0' | b'3'), _) => "Chassis",
        (Some(b'C'), _, _) => "Chassis, manufacturer-specific",
        (Some(b'U'), Some(b'0' | b'3'), _) => "Network communication",
        (Some(b'U'), _, _) => "Network communication, manufacturer-specific",
        _ => "Unknown system",
    }
}

/// The code's meaning, or its system and where to look when it has no generic description.
pub fn describe(code: &str) -> String {
    let code = code.trim().to_ascii_uppercase();
    if let Some(text) = table().get(code.as_str()) {
        return (*text).to_string();
    }
    if let Some(text) = family(&code) {
        return text;
    }
    format!("{} code: see the manufacturer's service information", system(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_family_and_unknown_codes() {
        assert_eq!(describe("P0420"), "Catalyst system efficiency below threshold (bank 1)");
        assert_eq!(describe("p0304"), "Cylinder 4 misfire detected");
        assert_eq!(describe("P0312"), "Cylinder 12 misfire detected");
        assert_eq!(describe("P0356"), "Ignition coil F primary/secondary circuit");
        assert_eq!(describe("P0207"), "Injector circuit/open, cylinder 7");
        assert!(describe("P1456").starts_with("Powertrain, manufacturer-specific code"));
        assert!(describe("U1234").starts_with("Network communication, manufacturer-specific"));
        assert!(describe("P0299").contains("underboost"));
        assert!(describe("").contains("Unknown system"));
        assert!(known_count() > 300);
        // every line of the table is a well-formed code
        for (code, text) in table() {
            assert!(code.len() == 5 && "PCBU".contains(&code[..1]), "{code}");
            assert!(!text.is_empty());
        }
    }
}
