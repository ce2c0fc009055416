//! What a scanned payload means: a VIN, a UPC-A / EAN-13 product code, a part number, a shop
//! dongle pairing code, or something unknown (kept and shown raw, never dropped).

use serde::{Deserialize, Serialize};

/// The AIM symbology identifier some guns put in front of every scan (`]A0` Code 39, `]E0`
/// EAN/UPC, `]C0` Code 128, `]Q1` QR, `]d1` Data Matrix), and what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Symbology {
    Code39,
    Code128,
    EanUpc,
    Qr,
    DataMatrix,
    Other,
}

/// Splits an AIM identifier (`]` + code letter + modifier digit) off the front of a scan.
pub fn strip_aim_prefix(text: &str) -> (Option<Symbology>, &str) {
    let bytes = text.as_bytes();
    if bytes.len() >= 3 && bytes[0] == b']' && bytes[1].is_ascii_alphabetic() && bytes[2].is_ascii_alphanumeric() {
        let symbology = match bytes[1] {
            b'A' => Symbology::Code39,
            b'C' => Symbology::Code128,
            b'E' => Symbology::EanUpc,
            b'Q' => Symbology::Qr,
            b'd' => Symbology::DataMatrix,
            _ => Symbology::Other,
        };
        return (Some(symbology), &text[3..]);
    }
    (None, text)
}

/// A shop OBD dongle, as its pairing QR code describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DonglePairing {
    pub kind: AdapterKind,
    /// The shop's own name for it, e.g. "Bay 3 dongle".
    pub id: String,
    /// Bluetooth name (BLE), host:port (Wi-Fi) or port name (USB).
    pub name: Option<String>,
    /// Bluetooth address, e.g. `AA:BB:CC:DD:EE:FF`.
    pub address: Option<String>,
    /// A pairing PIN or key, if the adapter has one.
    pub key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AdapterKind {
    Ble,
    Wifi,
    Usb,
}

/// The pairing payload's scheme. Version 1: `DIXON-PAIR:1;kind=ble;id=Bay 3;name=OBDII;addr=AA:BB:CC:DD:EE:FF;key=1234`
/// (fields in any order, `;`-separated, `\;` for a literal semicolon; `kind` and `id` required).
pub const PAIRING_SCHEME: &str = "DIXON-PAIR:";
/// The newest pairing payload version this build reads.
pub const PAIRING_VERSION: u32 = 1;

/// What a scan is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ScanMeaning {
    /// A vehicle identification number, cleaned (import marker and prefix removed) and checked.
    Vin { vin: String, warnings: Vec<String> },
    /// A 17-character code that looks like a VIN but fails its checks.
    BadVin { text: String, problem: String, suggestions: Vec<String> },
    /// A UPC-A (12 digits) or EAN-13 product code whose check digit is right.
    ProductCode { code: String, format: ProductFormat },
    /// Digits of a product code length whose check digit is wrong: a misread.
    BadProductCode { code: String },
    /// Anything else that reads like a manufacturer part number (letters, digits, `-`, `.`, `/`).
    PartNumber { part_number: String },
    /// A shop dongle pairing code.
    Pairing { pairing: DonglePairing },
    /// A pairing code this build can't read (a newer version, or damaged): says why.
    BadPairing { text: String, problem: String },
    /// Nothing we know; kept as scanned.
    Unknown { text: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ProductFormat {
    UpcA,
    Ean13,
}

/// What `text` (as a gun, the webcam or a person sent it) means. `current_year` decides which
/// model years a VIN can be.
pub fn classify(text: &str, current_year: i32) -> ScanMeaning {
    let (symbology, payload) = strip_aim_prefix(text.trim_matches(|c: char| c.is_control() || c.is_whitespace()));
    let payload = payload.trim();
    if payload.get(..PAIRING_SCHEME.len()).is_some_and(|p| p.eq_ignore_ascii_case(PAIRING_SCHEME)) {
        return match parse_pairing(&payload[PAIRING_SCHEME.len()..]) {
            Ok(pairing) => ScanMeaning::Pairing { pairing },
            Err(problem) => ScanMeaning::BadPairing { text: payload.to_string(), problem },
        };
    }
    if payload.chars().all(|c| c.is_ascii_digit()) && matches!(payload.len(), 12 | 13) {
        return if gtin_check_digit_ok(payload) {
            let format = if payload.len() == 12 { ProductFormat::UpcA } else { ProductFormat::Ean13 };
            ScanMeaning::ProductCode { code: payload.to_string(), format }
        } else {
            ScanMeaning::BadProductCode { code: payload.to_string() }
        };
    }
    // A VIN label (Code 39, often with a leading import marker) or a VIN in a QR / Data Matrix.
    let looks_like_vin = matches!(dixon_vin::normalize(payload).len(), 17)
        && !matches!(symbology, Some(Symbology::EanUpc))
        && payload.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 17;
    if looks_like_vin {
        return match dixon_vin::check(payload, current_year) {
            Ok(checked) => ScanMeaning::Vin { vin: checked.vin, warnings: checked.warnings },
            Err(problem) => ScanMeaning::BadVin {
                text: payload.to_string(),
                problem: problem.explained(),
                suggestions: problem.suggestions.clone(),
            },
        };
    }
    let part_like = (2..=40).contains(&payload.len())
        && payload.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | ' '))
        && payload.chars().any(|c| c.is_ascii_digit());
    if part_like {
        return ScanMeaning::PartNumber { part_number: payload.to_string() };
    }
    ScanMeaning::Unknown { text: text.to_string() }
}

/// The GS1 check digit of a UPC-A / EAN-13 (the last digit): weights 3 and 1 from the right.
pub fn gtin_check_digit_ok(digits: &str) -> bool {
    let values: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    let Some((&check, body)) = values.split_last() else { return false };
    let sum: u32 = body.iter().rev().enumerate().map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d }).sum();
    (10 - sum % 10) % 10 == check
}

fn parse_pairing(rest: &str) -> Result<DonglePairing, String> {
    let mut fields = split_escaped(rest);
    let version = fields.first().cloned().unwrap_or_default();
    fields.remove(0);
    let version: u32 = version.trim().parse().map_err(|_| {
        format!("the pairing code has no version number after {PAIRING_SCHEME}; print a new code from the dongle list")
    })?;
    if version > PAIRING_VERSION {
        return Err(format!(
            "the pairing code is version {version}, newer than this Dixon Counter reads (up to {PAIRING_VERSION}); update Dixon Counter"
        ));
    }
    if version == 0 {
        return Err("the pairing code's version 0 does not exist; print a new code".into());
    }
    let mut pairing = DonglePairing { kind: AdapterKind::Ble, id: String::new(), name: None, address: None, key: None };
    let mut kind = None;
    for field in fields.iter().filter(|f| !f.trim().is_empty()) {
        let (key, value) =
            field.split_once('=').ok_or_else(|| format!("the pairing code's part '{field}' is not key=value"))?;
        let value = value.trim().to_string();
        match key.trim().to_ascii_lowercase().as_str() {
            "kind" => {
                kind = Some(match value.to_ascii_lowercase().as_str() {
                    "ble" | "bluetooth" => AdapterKind::Ble,
                    "wifi" | "tcp" => AdapterKind::Wifi,
                    "usb" | "serial" => AdapterKind::Usb,
                    other => {
                        return Err(format!(
                            "the pairing code names an unknown adapter kind '{other}' (ble, wifi or usb)"
                        ))
                    }
                })
            }
            "id" => pairing.id = value,
            "name" => pairing.name = Some(value),
            "addr" | "address" => {
                if !is_bluetooth_address(&value) {
                    return Err(format!("'{value}' is not a Bluetooth address like AA:BB:CC:DD:EE:FF"));
                }
                pairing.address = Some(value.to_ascii_uppercase());
            }
            "key" | "pin" => pairing.key = Some(value),
            // Unknown keys of the same version are ignored, so a version can grow optional fields.
            _ => {}
        }
    }
    pairing.kind = kind.ok_or("the pairing code does not say the adapter kind (kind=ble, wifi or usb)")?;
    if pairing.id.is_empty() {
        return Err("the pairing code has no dongle id (id=…)".into());
    }
    if pairing.kind == AdapterKind::Ble && pairing.name.is_none() && pairing.address.is_none() {
        return Err("a Bluetooth pairing code needs the dongle's name or address".into());
    }
    Ok(pairing)
}

/// `a;b\;c` → `["a", "b;c"]`.
fn split_escaped(text: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut().expect("never empty").extend(chars.next()),
            ';' => fields.push(String::new()),
            c => fields.last_mut().expect("never empty").push(c),
        }
    }
    fields
}

fn is_bluetooth_address(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    parts.len() == 6 && parts.iter().all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The pairing payload for `pairing` (what the dongle list prints as a QR code).
pub fn pairing_payload(pairing: &DonglePairing) -> String {
    let escape = |t: &str| t.replace('\\', "\\\\").replace(';', "\\;");
    let kind = match pairing.kind {
        AdapterKind::Ble => "ble",
        AdapterKind::Wifi => "wifi",
        AdapterKind::Usb => "usb",
    };
    let mut text = format!("{PAIRING_SCHEME}{PAIRING_VERSION};kind={kind};id={}", escape(&pairing.id));
    for (key, value) in [("name", &pairing.name), ("addr", &pairing.address), ("key", &pairing.key)] {
        if let Some(value) = value {
            text.push_str(&format!(";{key}={}", escape(value)));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vins_from_labels_are_cleaned_and_checked() {
        assert_eq!(
            classify("I1HGCM82633A004352", 2026),
            ScanMeaning::Vin { vin: "1HGCM82633A004352".into(), warnings: vec![] },
            "the import marker on a door-jamb label"
        );
        assert!(matches!(classify("]A01HGCM82633A004352\r", 2026), ScanMeaning::Vin { .. }), "AIM prefix, CR");
        match classify("1HGCM82633A004353", 2026) {
            ScanMeaning::BadVin { problem, .. } => assert!(problem.contains("check digit"), "{problem}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn product_codes_need_their_check_digit() {
        assert_eq!(
            classify("036000291452", 2026),
            ScanMeaning::ProductCode { code: "036000291452".into(), format: ProductFormat::UpcA }
        );
        assert!(matches!(
            classify("]E04006381333931", 2026),
            ScanMeaning::ProductCode { format: ProductFormat::Ean13, .. }
        ));
        assert_eq!(classify("036000291453", 2026), ScanMeaning::BadProductCode { code: "036000291453".into() });
    }

    #[test]
    fn part_numbers_and_unknowns_are_never_dropped() {
        assert_eq!(classify("]C0BP-1234/A", 2026), ScanMeaning::PartNumber { part_number: "BP-1234/A".into() });
        assert_eq!(classify("hello world!", 2026), ScanMeaning::Unknown { text: "hello world!".into() });
        assert_eq!(classify("", 2026), ScanMeaning::Unknown { text: "".into() });
    }

    #[test]
    fn pairing_codes_round_trip_and_bad_ones_say_why() {
        let pairing = DonglePairing {
            kind: AdapterKind::Ble,
            id: "Bay 3; left".into(),
            name: Some("OBDII".into()),
            address: Some("AA:BB:CC:DD:EE:FF".into()),
            key: Some("1234".into()),
        };
        let text = pairing_payload(&pairing);
        assert_eq!(text, "DIXON-PAIR:1;kind=ble;id=Bay 3\\; left;name=OBDII;addr=AA:BB:CC:DD:EE:FF;key=1234");
        assert_eq!(classify(&text, 2026), ScanMeaning::Pairing { pairing });
        let wifi = classify("]Q1dixon-pair:1;kind=wifi;id=Bay 1;name=192.168.0.10:35000;future=x", 2026);
        assert!(matches!(wifi, ScanMeaning::Pairing { pairing: DonglePairing { kind: AdapterKind::Wifi, .. } }));
        for (bad, why) in [
            ("DIXON-PAIR:2;kind=ble;id=x;name=y", "update Dixon Counter"),
            ("DIXON-PAIR:;kind=ble", "no version"),
            ("DIXON-PAIR:1;kind=zigbee;id=x", "unknown adapter kind"),
            ("DIXON-PAIR:1;kind=ble;id=x", "name or address"),
            ("DIXON-PAIR:1;kind=ble;id=x;addr=12:34", "Bluetooth address"),
            ("DIXON-PAIR:1;id=x", "adapter kind"),
        ] {
            match classify(bad, 2026) {
                ScanMeaning::BadPairing { problem, .. } => assert!(problem.contains(why), "{bad}: {problem}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn gtin_check_digits() {
        assert!(gtin_check_digit_ok("036000291452"));
        assert!(gtin_check_digit_ok("4006381333931"));
        assert!(!gtin_check_digit_ok("4006381333932"));
        assert!(!gtin_check_digit_ok(""));
    }
}
