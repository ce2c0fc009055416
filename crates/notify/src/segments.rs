//! How many SMS segments a text costs, counted as carriers count them: GSM-7 (160 characters in
//! one segment, 153 per segment once split, the extension characters `^{}\[~]|€` taking two) or,
//! as soon as one character is outside GSM-7 (an emoji, a curly quote), UCS-2 for the whole text
//! (70, then 67 per segment, an emoji taking two of them). A character is never split between
//! two segments. Twilio refuses bodies over 1,600 characters.

use serde::Serialize;

/// Twilio's limit on a message body, in characters.
pub const MAX_CHARACTERS: usize = 1600;

const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{000C}";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// What a text will cost, shown before it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Segments {
    pub encoding: Encoding,
    pub segments: u32,
    pub characters: u32,
    /// The first character that made the text UCS-2, so the screen can say which one.
    pub first_non_gsm: Option<String>,
    /// Over Twilio's 1,600-character limit: it can't be sent as one message.
    pub too_long: bool,
}

impl Segments {
    /// "2 segments (GSM-7)", or why it became UCS-2.
    pub fn describe(&self) -> String {
        let n = self.segments;
        let count = format!("{n} segment{}", if n == 1 { "" } else { "s" });
        match (&self.first_non_gsm, self.encoding) {
            (Some(c), Encoding::Ucs2) => {
                format!("{count} (\"{c}\" makes the whole text Unicode: 70 characters a segment, not 160)")
            }
            _ => count,
        }
    }
}

/// Counts the segments of `text`.
pub fn count(text: &str) -> Segments {
    let characters = text.chars().count();
    let first_non_gsm = text.chars().find(|c| gsm7_width(*c).is_none());
    let (encoding, widths): (Encoding, Vec<u32>) = match first_non_gsm {
        None => (Encoding::Gsm7, text.chars().map(|c| gsm7_width(c).unwrap_or(1)).collect()),
        Some(_) => (Encoding::Ucs2, text.chars().map(|c| c.len_utf16() as u32).collect()),
    };
    let (single, multi) = match encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    };
    let total: u32 = widths.iter().sum();
    let segments = if total == 0 {
        1
    } else if total <= single {
        1
    } else {
        // pack whole characters: an escape sequence or a surrogate pair never straddles two
        let mut segments = 1;
        let mut used = 0;
        for width in widths {
            if used + width > multi {
                segments += 1;
                used = 0;
            }
            used += width;
        }
        segments
    };
    Segments {
        encoding,
        segments,
        characters: characters as u32,
        first_non_gsm: first_non_gsm.map(String::from),
        too_long: characters > MAX_CHARACTERS,
    }
}

/// Septets `c` takes in GSM-7, or `None` when it has no GSM-7 form.
fn gsm7_width(c: char) -> Option<u32> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm7_fits_160_then_153_a_segment() {
        assert_eq!(count(&"a".repeat(160)).segments, 1);
        assert_eq!(count(&"a".repeat(161)).segments, 2);
        assert_eq!(count(&"a".repeat(306)).segments, 2);
        assert_eq!(count(&"a".repeat(307)).segments, 3);
        assert_eq!(count("").segments, 1);
        assert_eq!(count("Your 2019 Honda Civic is ready @ $412.50").encoding, Encoding::Gsm7);
    }

    #[test]
    fn extension_characters_take_two_septets_and_never_straddle() {
        assert_eq!(count(&"€".repeat(80)).segments, 1, "80 × 2 = 160 septets");
        assert_eq!(count(&format!("{}€", "a".repeat(159))).segments, 2);
        // 152 septets, then a 2-septet character: it goes whole into the second segment
        let text = format!("{}{}", "a".repeat(152), "[".repeat(5));
        assert_eq!(count(&text).segments, 2);
        assert_eq!(count(&text).encoding, Encoding::Gsm7);
    }

    #[test]
    fn one_emoji_makes_the_whole_text_ucs2() {
        let plain = "Your car is ready for pickup. Thanks for choosing Dixon Auto!";
        assert_eq!(count(plain).segments, 1);
        let with_emoji = format!("{plain} 👍 See you soon, we close at 6 pm today. Call 555-0100.");
        let counted = count(&with_emoji);
        assert_eq!(counted.encoding, Encoding::Ucs2);
        assert_eq!(counted.first_non_gsm.as_deref(), Some("👍"));
        assert_eq!(counted.segments, 2, "{} UTF-16 units at 67 a segment", with_emoji.encode_utf16().count());
        assert!(counted.describe().contains("👍"));
        assert_eq!(count(&"é".repeat(160)).encoding, Encoding::Gsm7, "é is in GSM-7");
        assert_eq!(count("don’t").encoding, Encoding::Ucs2, "a curly apostrophe is not");
        assert_eq!(count(&"ê".repeat(70)).segments, 1);
        assert_eq!(count(&"ê".repeat(71)).segments, 2);
        assert_eq!(count(&"👍".repeat(36)).segments, 2, "a surrogate pair is never split: 33 a segment");
    }

    #[test]
    fn twilio_s_1600_character_limit() {
        assert!(!count(&"a".repeat(1600)).too_long);
        assert!(count(&"a".repeat(1601)).too_long);
    }
}
