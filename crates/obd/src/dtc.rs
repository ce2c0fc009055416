//! Diagnostic trouble codes: two bytes each, as SAE J2012 / ISO 15031-6 write them (`P0301`).

use serde::Serialize;

/// A trouble code as a technician writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Dtc(pub String);

impl Dtc {
    /// The code in two bytes: the top two bits pick P/C/B/U, then four hex digits.
    pub fn from_bytes(a: u8, b: u8) -> Dtc {
        let system = ['P', 'C', 'B', 'U'][(a >> 6) as usize];
        Dtc(format!("{system}{}{:X}{:02X}", (a >> 4) & 0x03, a & 0x0F, b))
    }
}

/// The codes in a mode 03 / 07 / 0A answer (`data` starts with the response service byte).
/// CAN answers carry a count byte after the service; legacy protocols don't, and pad with
/// `00 00`. Both are read; padding and duplicates are dropped.
pub fn parse_dtcs(data: &[u8], with_count: bool) -> Vec<Dtc> {
    let body = match (data, with_count) {
        ([_, _count, rest @ ..], true) => rest,
        ([_, rest @ ..], false) => rest,
        _ => return Vec::new(),
    };
    let mut codes: Vec<Dtc> =
        body.chunks_exact(2).filter(|pair| pair != &[0, 0]).map(|pair| Dtc::from_bytes(pair[0], pair[1])).collect();
    codes.dedup();
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_every_system() {
        assert_eq!(Dtc::from_bytes(0x03, 0x01).0, "P0301");
        assert_eq!(Dtc::from_bytes(0x41, 0x23).0, "C0123");
        assert_eq!(Dtc::from_bytes(0x80, 0x01).0, "B0001");
        assert_eq!(Dtc::from_bytes(0xC1, 0x00).0, "U0100");
        assert_eq!(Dtc::from_bytes(0x24, 0x5A).0, "P245A");
    }

    #[test]
    fn with_and_without_the_count_byte() {
        // CAN: 43 02 01 71 03 01
        assert_eq!(parse_dtcs(&[0x43, 0x02, 0x01, 0x71, 0x03, 0x01], true), [Dtc("P0171".into()), Dtc("P0301".into())]);
        // J1850: 43 01 71 03 01 00 00
        assert_eq!(parse_dtcs(&[0x43, 0x01, 0x71, 0x03, 0x01, 0x00, 0x00], false).len(), 2);
        assert!(parse_dtcs(&[0x43, 0x00], true).is_empty());
        assert!(parse_dtcs(&[], true).is_empty());
    }
}
