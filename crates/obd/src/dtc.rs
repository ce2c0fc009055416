//! Diagnostic trouble codes: two bytes each, as SAE J2012 / ISO 15031-6 write them (`P0301`).
//!
//! ISO 15765-4 puts a count byte after the service byte of a CAN answer (`43 02 01 43 01 96`),
//! but some controllers and adapters leave it out (`43 01 43 01 96`), as python-OBD and pyobd
//! learned from bug reports. Guessing per protocol shows codes the car does not have (`C0301`
//! from the bytes above) and hides the ones it has, so the layout is decided per answer: the
//! number of bytes after the service byte (1 + 2n with a count, 2n without), the count's
//! agreement with the pairs, and — when an answer still reads two ways — the number of codes the
//! car reported in mode 01 PID 01. An answer that cannot be read with certainty is an error,
//! never a guessed code.

use serde::Serialize;

use crate::Error;

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
///
/// `can`: whether the answer may carry the ISO 15765-4 count byte (CAN answers; the older
/// protocols never do, and pad their frames with `00 00`). `reported`: how many codes the
/// controller said it holds (mode 01 PID 01, for stored codes), used only to settle an answer
/// that reads two ways. Padding pairs and duplicates are dropped.
pub fn parse_dtcs(data: &[u8], can: bool, reported: Option<usize>) -> Result<Vec<Dtc>, Error> {
    let Some((_service, body)) = data.split_first() else { return Ok(Vec::new()) };
    let hex = || data.iter().map(|b| format!("{b:02X}")).collect::<String>();
    if !can {
        return match body.len() % 2 {
            0 => Ok(codes_of(body)),
            _ => Err(Error::Uncertain(format!("{} has an odd number of code bytes", hex()))),
        };
    }
    match (with_count_byte(body), without_count_byte(body)) {
        (Some(one), Some(other)) if one == other => Ok(one),
        (Some(one), None) | (None, Some(one)) => Ok(one),
        (Some(counted), Some(uncounted)) => match reported {
            Some(n) if counted.len() == n && uncounted.len() != n => Ok(counted),
            Some(n) if uncounted.len() == n && counted.len() != n => Ok(uncounted),
            _ => Err(Error::Uncertain(format!(
                "{} reads as {} with a count byte or {} without one",
                hex(),
                list(&counted),
                list(&uncounted)
            ))),
        },
        (None, None) => Err(Error::Uncertain(format!(
            "{} has neither a count byte that matches its codes nor whole two-byte codes",
            hex()
        ))),
    }
}

/// `count pair×count [00…]`: the count must match the pairs; only zero padding may follow, and
/// no counted pair may be empty.
fn with_count_byte(body: &[u8]) -> Option<Vec<Dtc>> {
    let (&count, rest) = body.split_first()?;
    let counted = 2 * count as usize;
    if rest.len() < counted || rest[counted..].iter().any(|b| *b != 0) {
        return None;
    }
    let pairs = &rest[..counted];
    if pairs.chunks_exact(2).any(|p| p == [0, 0]) {
        return None;
    }
    Some(codes_of(pairs))
}

/// `pair×n`: whole pairs only.
fn without_count_byte(body: &[u8]) -> Option<Vec<Dtc>> {
    body.len().is_multiple_of(2).then(|| codes_of(body))
}

fn codes_of(pairs: &[u8]) -> Vec<Dtc> {
    let mut codes: Vec<Dtc> =
        pairs.chunks_exact(2).filter(|pair| pair != &[0, 0]).map(|pair| Dtc::from_bytes(pair[0], pair[1])).collect();
    codes.dedup();
    codes
}

fn list(codes: &[Dtc]) -> String {
    if codes.is_empty() {
        return "no codes".into();
    }
    codes.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(" + ")
}

/// The items after `service pid` in a mode 09 answer, each `width` bytes: ISO 15765-4 puts a
/// count byte first (`49 04 01 <16 bytes>`), some controllers don't (`49 04 <16 bytes>`). The
/// length decides (1 + k·width or k·width); anything else can't be read with certainty.
pub(crate) fn mode09_items(after_pid: &[u8], width: usize) -> Result<Vec<&[u8]>, Error> {
    let items = match after_pid.len() % width {
        0 => after_pid,
        1 => &after_pid[1..],
        _ => {
            return Err(Error::Uncertain(format!(
                "a mode 09 answer of {} bytes is not whole {width}-byte items, with or without a count byte",
                after_pid.len()
            )))
        }
    };
    Ok(items.chunks_exact(width).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(data: &[u8], can: bool, reported: Option<usize>) -> Result<Vec<String>, Error> {
        parse_dtcs(data, can, reported).map(|c| c.into_iter().map(|d| d.0).collect())
    }

    #[test]
    fn codes_of_every_system() {
        assert_eq!(Dtc::from_bytes(0x03, 0x01).0, "P0301");
        assert_eq!(Dtc::from_bytes(0x41, 0x23).0, "C0123");
        assert_eq!(Dtc::from_bytes(0x80, 0x01).0, "B0001");
        assert_eq!(Dtc::from_bytes(0xC1, 0x00).0, "U0100");
        assert_eq!(Dtc::from_bytes(0x24, 0x5A).0, "P245A");
    }

    #[test]
    fn can_answers_with_the_count_byte() {
        assert_eq!(codes(&[0x43, 0x02, 0x01, 0x71, 0x03, 0x01], true, None).unwrap(), ["P0171", "P0301"]);
        assert!(codes(&[0x43, 0x00], true, None).unwrap().is_empty());
        assert_eq!(codes(&[0x47, 0x01, 0x01, 0x71], true, None).unwrap(), ["P0171"]);
    }

    #[test]
    fn can_answers_without_the_count_byte_are_not_misread() {
        // the ECU of issue 12: stored P0143 + P0196, pending P0300, permanent P0420, no count byte.
        // Read with a count byte they were "C0301" and nothing else.
        assert_eq!(codes(&[0x43, 0x01, 0x43, 0x01, 0x96], true, None).unwrap(), ["P0143", "P0196"]);
        assert_eq!(codes(&[0x47, 0x03, 0x00], true, None).unwrap(), ["P0300"]);
        assert_eq!(codes(&[0x4A, 0x04, 0x20], true, None).unwrap(), ["P0420"]);
        assert!(codes(&[0x43], true, None).unwrap().is_empty(), "no codes, no count byte");
    }

    #[test]
    fn an_answer_that_reads_two_ways_is_settled_by_the_reported_count_or_refused() {
        // 43 01 03 01 00: one code (P0301) plus a padding byte, or P0103 + P0100
        let both = [0x43, 0x01, 0x03, 0x01, 0x00];
        assert_eq!(codes(&both, true, Some(1)).unwrap(), ["P0301"]);
        assert_eq!(codes(&both, true, Some(2)).unwrap(), ["P0103", "P0100"]);
        let error = codes(&both, true, None).unwrap_err();
        assert_eq!(error.kind(), "uncertain");
        assert!(error.to_string().starts_with("The car's answer could not be read"), "{error}");
        assert!(error.to_string().contains("P0301") && error.to_string().contains("P0103"), "{error}");
        assert!(codes(&both, true, Some(5)).is_err(), "a count that fits neither settles nothing");
    }

    #[test]
    fn answers_that_fit_no_layout_are_errors_not_codes() {
        // a count of 3 with one pair and a half: neither whole pairs nor a count that agrees
        assert_eq!(codes(&[0x43, 0x03, 0x01, 0x71], true, None).unwrap_err().kind(), "uncertain");
        // a counted pair of zeros is not a code, and three bytes are not whole pairs
        assert_eq!(codes(&[0x43, 0x01, 0x00, 0x00], true, None).unwrap_err().kind(), "uncertain");
    }

    #[test]
    fn legacy_answers_pad_with_zero_pairs() {
        // J1850: 43 01 71 03 01 00 00
        assert_eq!(codes(&[0x43, 0x01, 0x71, 0x03, 0x01, 0x00, 0x00], false, None).unwrap(), ["P0171", "P0301"]);
        assert!(codes(&[0x43, 0x01, 0x71, 0x03], false, None).is_err(), "a stray byte is not half a code");
        assert!(codes(&[], true, None).unwrap().is_empty());
    }

    #[test]
    fn mode_09_items_with_and_without_their_count_byte() {
        let with = [&[0x01][..], &[0xAA; 4]].concat();
        assert_eq!(mode09_items(&with, 4).unwrap(), [&[0xAA; 4][..]]);
        assert_eq!(mode09_items(&[0xBB; 8], 4).unwrap().len(), 2);
        assert!(mode09_items(&[0xBB; 6], 4).is_err());
    }
}
