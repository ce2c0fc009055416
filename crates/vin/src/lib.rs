//! VINs without a network: cleaning scanned text, the 49 CFR 565 check digit, the model year
//! from position 10, the maker's WMI, and likely corrections of typing slips.
//!
//! [`check`] is what the counter form, the CLI and the scanners call: a wrong check digit is an
//! error for North American makers (who must use one) and a warning for others (who may not).
//!
//! ```
//! let vin = dixon_vin::check(" 1hgcm82633a004352 ", 2026).unwrap();
//! assert_eq!((vin.vin.as_str(), vin.model_years.as_slice()), ("1HGCM82633A004352", &[2003][..]));
//! let slip = dixon_vin::check("1HGCM82633A0043S2", 2026).unwrap_err();
//! assert_eq!(slip.suggestions[0], "1HGCM82633A004352");
//! ```

use serde::Serialize;

mod wmi;
pub use wmi::{maker, Maker};

/// Letters a VIN never uses (too easily read as 1 and 0).
const FORBIDDEN: [char; 3] = ['I', 'O', 'Q'];
/// Position weights for the check digit (49 CFR 565.15).
const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
/// Characters a VIN may hold.
const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

/// Everything the VIN itself says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VinCheck {
    /// The cleaned VIN (upper case, import marker and scanner prefix removed).
    pub vin: String,
    /// World manufacturer identifier: positions 1–3, plus 12–14 for small makers ("9" in position 3).
    pub wmi: String,
    /// Where the maker registered: "North America", "Europe", …
    pub region: &'static str,
    /// `Some(true)` when position 9 matches, `Some(false)` when not, `None` when it is not a check digit.
    pub check_digit_ok: Option<bool>,
    /// The check digit the other 16 characters call for.
    pub expected_check_digit: char,
    /// Model years position 10 can mean, newest first (one unless ambiguous).
    pub model_years: Vec<i32>,
    /// Who registered the WMI, from NHTSA vPIC's table shipped with the app.
    pub maker: Option<Maker>,
    /// Things to tell the service writer (a wrong check digit on a maker that may not use one…).
    pub warnings: Vec<String>,
}

/// Why a text is not a VIN, with likely corrections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[error("{message}")]
pub struct VinProblem {
    pub message: String,
    /// VINs one likely slip away whose check digit is right, best first.
    pub suggestions: Vec<String>,
}

impl VinProblem {
    /// The message with the likely intended VIN, as shown to a service writer:
    /// "… a character is mistyped. Did you mean 1HGCM82633A004352?"
    pub fn explained(&self) -> String {
        match self.suggestions.first() {
            Some(likely) => format!("{} Did you mean {likely}?", self.message),
            None => self.message.clone(),
        }
    }
}

/// Cleans what a person typed or a scanner sent: spaces, dashes and lower case; an AIM symbology
/// identifier (`]A0…`); a leading import marker (`I`) or other stray character on an 18-character
/// Code 39 door-jamb label.
pub fn normalize(text: &str) -> String {
    let trimmed = text.trim();
    // `]` + symbology letter + modifier digit, e.g. `]A0` for Code 39.
    let skip = if trimmed.starts_with(']') { 3 } else { 0 };
    let mut clean: String =
        trimmed.chars().skip(skip).filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase();
    if clean.chars().count() == 18 {
        let rest: String = clean.chars().skip(1).collect();
        let first = clean.chars().next().unwrap_or(' ');
        if !ALPHABET.contains(first) || first == 'I' || check_digit_matches(&rest) {
            clean = rest;
        }
    }
    clean
}

/// Checks a VIN (after [`normalize`]). A wrong check digit is a problem for North American makers,
/// who must use it, and a warning for others, who may not.
pub fn check(text: &str, current_year: i32) -> Result<VinCheck, VinProblem> {
    let vin = normalize(text);
    let problem = |message: String, vin: &str| VinProblem { suggestions: suggestions(vin), message };
    let len = vin.chars().count();
    if let Some((i, c)) = vin.chars().enumerate().find(|(_, c)| !c.is_ascii_alphanumeric()) {
        return Err(problem(
            format!("A VIN has only letters and digits; '{c}' at position {} is not allowed.", i + 1),
            &vin,
        ));
    }
    if len != 17 {
        return Err(problem(
            format!("A VIN has 17 characters; this one has {len}. Check it against the door-jamb label."),
            &vin,
        ));
    }
    if let Some((i, c)) = vin.chars().enumerate().find(|(_, c)| FORBIDDEN.contains(c)) {
        let likely = if c == 'I' { '1' } else { '0' };
        return Err(problem(
            format!("A VIN never contains I, O or Q; position {} reads '{c}' — it is probably '{likely}'.", i + 1),
            &vin,
        ));
    }
    let bytes = vin.as_bytes();
    let region = region(bytes[0] as char);
    let north_american = region == "North America";
    let expected = expected_check_digit(&vin);
    let check_digit_ok = Some(bytes[8] as char == expected);
    let mut warnings = Vec::new();
    if check_digit_ok == Some(false) {
        if north_american {
            return Err(problem(
                format!("The VIN's check digit (position 9) is '{}', but the other characters call for '{expected}': a character is mistyped.", bytes[8] as char),
                &vin,
            ));
        }
        warnings.push(format!(
            "The check digit does not match ('{}' instead of '{expected}'). Makers outside North America often don't use one; check the VIN against the vehicle.",
            bytes[8] as char
        ));
    }
    let wmi = if bytes[2] == b'9' { format!("{}-{}", &vin[..3], &vin[11..14]) } else { vin[..3].to_string() };
    let maker = wmi::maker(&vin).cloned();
    // the position-7 rule binds North American light vehicles only; the WMI says when it can't
    let light_vehicle = north_american && maker.as_ref().is_none_or(Maker::light_vehicle_rules);
    let model_years = model_years(bytes[9] as char, bytes[6] as char, light_vehicle, current_year);
    if model_years.is_empty() {
        warnings
            .push(format!("Position 10 ('{}') is not a model-year code; enter the year by hand.", bytes[9] as char));
    }
    Ok(VinCheck { vin, wmi, region, check_digit_ok, expected_check_digit: expected, model_years, maker, warnings })
}

fn value(c: char) -> Option<u32> {
    Some(match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A' | 'J' => 1,
        'B' | 'K' | 'S' => 2,
        'C' | 'L' | 'T' => 3,
        'D' | 'M' | 'U' => 4,
        'E' | 'N' | 'V' => 5,
        'F' | 'W' => 6,
        'G' | 'P' | 'X' => 7,
        'H' | 'Y' => 8,
        'R' | 'Z' => 9,
        _ => return None,
    })
}

/// The check digit the 16 other characters of a 17-character VIN call for.
pub fn expected_check_digit(vin: &str) -> char {
    let sum: u32 = vin.chars().zip(WEIGHTS).map(|(c, w)| value(c).unwrap_or(0) * w).sum();
    match sum % 11 {
        10 => 'X',
        n => char::from_digit(n, 10).unwrap_or('0'),
    }
}

fn check_digit_matches(vin: &str) -> bool {
    vin.chars().count() == 17
        && vin.chars().all(|c| value(c).is_some())
        && vin.chars().nth(8) == Some(expected_check_digit(vin))
}

fn region(first: char) -> &'static str {
    match first {
        '1'..='5' => "North America",
        '6' | '7' => "Oceania",
        '8' | '9' => "South America",
        'A'..='H' => "Africa",
        'J'..='R' => "Asia",
        'S'..='Z' => "Europe",
        _ => "unknown",
    }
}

/// Position 10's 30-year cycle (1980–2009, 2010–2039). A year in the future is never a
/// candidate (a model year may run one year ahead). The position-7 rule — a letter means the
/// later cycle, a digit the earlier — binds only North American passenger cars, MPVs and light
/// trucks (49 CFR 565.15); heavy trucks, buses, trailers and motorcycles don't follow it. So the
/// rule picks one year only for a `light_vehicle` and only when both cycles are possible;
/// otherwise every possible year stays, newest first.
fn model_years(code: char, position_7: char, light_vehicle: bool, current_year: i32) -> Vec<i32> {
    const CODES: &str = "ABCDEFGHJKLMNPRSTVWXY123456789";
    let Some(index) = CODES.find(code) else { return Vec::new() };
    let early = 1980 + index as i32;
    let late = early + 30;
    let possible: Vec<i32> = [late, early].into_iter().filter(|y| *y <= current_year + 1).collect();
    if light_vehicle && possible.len() == 2 {
        return vec![if position_7.is_ascii_alphabetic() { late } else { early }];
    }
    possible
}

/// Characters people and scanners confuse, each with its look-alikes.
const LOOK_ALIKES: [(char, &str); 12] = [
    ('O', "0D"),
    ('Q', "0"),
    ('I', "1L"),
    ('0', "D8"),
    ('1', "L7"),
    ('5', "S6"),
    ('S', "5"),
    ('8', "B3"),
    ('B', "8"),
    ('2', "Z"),
    ('Z', "2"),
    ('6', "G"),
];

/// Likely intended VINs, keeping only candidates whose check digit is right, at most five, best
/// first: I/O/Q replaced by 1/0/0; then a letter among the last five characters (digits for
/// high-volume makers) swapped for its look-alike digit; then any other look-alike swap; then a
/// mistyped check digit.
pub fn suggestions(vin: &str) -> Vec<String> {
    let chars: Vec<char> = vin.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut push = |candidate: String| {
        if check_digit_matches(&candidate) && !out.contains(&candidate) && out.len() < 5 {
            out.push(candidate);
        }
    };
    if chars.len() == 17 {
        let replaced: String = chars
            .iter()
            .map(|c| match c {
                'I' => '1',
                'O' | 'Q' => '0',
                c => *c,
            })
            .collect();
        push(replaced.clone());
        let base: Vec<char> = replaced.chars().collect();
        let swaps = |positions: std::ops::Range<usize>, letters_to_digits_only: bool| {
            let mut found = Vec::new();
            for i in positions {
                for (from, to) in LOOK_ALIKES {
                    if base[i] != from || (letters_to_digits_only && !from.is_ascii_alphabetic()) {
                        continue;
                    }
                    for alt in to.chars().filter(|a| !letters_to_digits_only || a.is_ascii_digit()) {
                        let mut candidate = base.clone();
                        candidate[i] = alt;
                        found.push(candidate.into_iter().collect::<String>());
                    }
                }
            }
            found
        };
        for candidate in swaps(12..17, true).into_iter().chain(swaps(0..17, false)) {
            push(candidate);
        }
        // The check digit itself may be the slip.
        let mut fixed = base.clone();
        fixed[8] = expected_check_digit(&replaced);
        push(fixed.into_iter().collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_follow_49_cfr_565() {
        assert_eq!(expected_check_digit("1HGCM82633A004352"), '3');
        assert_eq!(expected_check_digit("1FTMW1T88MFA00001"), '8');
        assert_eq!(expected_check_digit("11111111111111111"), '1');
        assert!(check_digit_matches("1M8GDM9AXKP042788"), "X stands for 10");
    }

    #[test]
    fn scanned_labels_are_cleaned() {
        assert_eq!(normalize(" 1hgcm8-2633a004352 "), "1HGCM82633A004352");
        assert_eq!(normalize("I1HGCM82633A004352"), "1HGCM82633A004352", "import marker");
        assert_eq!(normalize("]A01HGCM82633A004352"), "1HGCM82633A004352", "AIM symbology prefix");
        assert_eq!(normalize("#1HGCM82633A004352"), "1HGCM82633A004352");
    }

    #[test]
    fn model_years_use_position_7_in_north_america_and_stay_candidates_elsewhere() {
        let accord = check("1HGCM82633A004352", 2026).unwrap();
        assert_eq!(accord.model_years, [2003]);
        assert_eq!(accord.wmi, "1HG");
        assert_eq!(accord.region, "North America");
        let f150 = check("1FTMW1T88MFA00001", 2026).unwrap();
        assert_eq!(f150.model_years, [2021], "letter T in position 7: the 2010+ cycle");
        let vw = check("WVWZZZ1JZ3W386752", 2026).unwrap();
        assert_eq!(vw.region, "Europe");
        assert_eq!(vw.model_years, [2003], "2033 is in the future");
    }

    #[test]
    fn a_year_in_the_future_never_hides_the_earlier_cycle() {
        // a 2000 Freightliner FL60: 'Y' is 2000 or 2030, and 'B' in position 7 (a heavy truck
        // doesn't follow the light-vehicle rule) must not make it 2030 and then nothing
        let fl60 = check("1FV3GFBC0YHA74039", 2026).unwrap();
        assert_eq!(fl60.model_years, [2000]);
        assert!(fl60.warnings.is_empty(), "{:?}", fl60.warnings);
        // a 2008 Harley-Davidson: '8' is 2008 or 2038
        assert_eq!(check("1HD1GP4558K319097", 2026).unwrap().model_years, [2008]);
        // the later cycle once it has come: position 7 decides again
        assert_eq!(model_years('Y', 'B', true, 2030), [2030]);
        assert_eq!(model_years('Y', '5', true, 2030), [2000]);
        assert_eq!(model_years('U', '1', false, 2026), Vec::<i32>::new(), "U is no year code");
        assert_eq!(model_years('V', '1', false, 2026), [2027, 1997], "next year's models are on sale");
        // a Harley in 2038 may be a 2008 or a 2038: a motorcycle doesn't follow position 7
        assert_eq!(model_years('8', 'G', false, 2038), [2038, 2008]);
        assert_eq!(check("1HD1GP4558K319097", 2038).unwrap().model_years, [2038, 2008]);
    }

    #[test]
    fn a_wrong_check_digit_is_an_error_in_north_america_and_a_warning_elsewhere() {
        let err = check("1HGCM82634A004352", 2026).unwrap_err();
        assert!(err.message.contains("check digit"), "{}", err.message);
        let vw = check("WVWZZZ1JZ3W386752", 2026).unwrap();
        assert_eq!(vw.check_digit_ok, Some(false));
        assert!(vw.warnings[0].contains("outside North America"));
    }

    #[test]
    fn small_makers_wmi_includes_positions_12_to_14() {
        let vin = format!("1G9{}", "ABCDEFGHJKLMNP");
        let fixed = {
            let mut c: Vec<char> = vin.chars().collect();
            c[8] = expected_check_digit(&vin);
            c.into_iter().collect::<String>()
        };
        assert_eq!(check(&fixed, 2026).unwrap().wmi, "1G9-JKL");
    }

    #[test]
    fn slips_get_suggestions_that_validate() {
        let err = check("1HGCM82633AOO4352", 2026).unwrap_err();
        assert_eq!(err.suggestions.first().map(String::as_str), Some("1HGCM82633A004352"));
        let err = check("1HGCM82633A0043S2", 2026).unwrap_err();
        assert!(err.suggestions.contains(&"1HGCM82633A004352".to_string()), "{:?}", err.suggestions);
        for s in &err.suggestions {
            assert!(check_digit_matches(s), "{s}");
        }
        assert!(check("1HGCM8263", 2026).unwrap_err().message.contains("has 9"));
    }

    #[test]
    fn nothing_panics_on_any_input() {
        let long = "A".repeat(10_000);
        for text in [
            "",
            "]",
            "]A",
            "ÄÖÜ",
            "12345678901234567890",
            "I",
            "\u{0}\u{1}",
            "*****************",
            long.as_str(),
            "1HGCM82633A00435😀",
        ] {
            let _ = check(text, 2026);
            let _ = suggestions(text);
            let _ = normalize(text);
        }
        assert!(check(&long, 2026).unwrap_err().message.contains("10000"));
        let emoji = check("1HGCM82633A0043😀2", 2026).unwrap_err();
        assert!(emoji.message.contains("position 16"), "positions count characters, not bytes: {}", emoji.message);
    }
}
