//! Money and rates as integers, so that no estimate is ever off by a floating-point cent.
//!
//! [`Cents`] is the one money type of Dixon Counter. [`Rate`] is a percentage held in parts per
//! million (8.875 % is `Rate(88_750)`), precise enough for every US sales-tax rate. Rounding is
//! always half-up (away from zero for negative amounts), once per line.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An amount of money in US cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// `quantity_milli` thousandths of a unit at `self` per unit (1.5 h at $120.00 is
    /// `Cents(12_000).times_milli(1_500)` = $180.00), rounded half-up to the cent.
    pub fn times_milli(self, quantity_milli: i64) -> Cents {
        Cents(div_round_half_up(self.0 as i128 * quantity_milli as i128, 1_000))
    }

    /// This amount at `rate` (tax, fee percentage), rounded half-up to the cent.
    pub fn at_rate(self, rate: Rate) -> Cents {
        Cents(div_round_half_up(self.0 as i128 * rate.0 as i128, Rate::ONE_HUNDRED_PERCENT as i128))
    }

    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).map(Cents)
    }
}

fn div_round_half_up(numerator: i128, denominator: i128) -> i64 {
    let half = denominator / 2;
    let rounded = if numerator >= 0 { (numerator + half) / denominator } else { (numerator - half) / denominator };
    rounded.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

impl std::ops::Add for Cents {
    type Output = Cents;
    fn add(self, rhs: Cents) -> Cents {
        Cents(self.0.saturating_add(rhs.0))
    }
}

impl std::ops::AddAssign for Cents {
    fn add_assign(&mut self, rhs: Cents) {
        *self = *self + rhs;
    }
}

impl std::ops::Neg for Cents {
    type Output = Cents;
    fn neg(self) -> Cents {
        Cents(-self.0)
    }
}

impl std::iter::Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        iter.fold(Cents::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Cents {
    /// `$1,234.56`, `-$3.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}${}.{:02}", group_thousands(abs / 100), abs % 100)
    }
}

/// `184213` → `184,213` (odometers, dollars), US style.
pub fn group_thousands(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        grouped.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    grouped
}

/// Why a money or rate text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseAmountError(String);

impl FromStr for Cents {
    type Err = ParseAmountError;

    /// Reads what people type: `145`, `145.5`, `$1,450.00`, `-3.25`. At most two decimals.
    fn from_str(text: &str) -> Result<Cents, ParseAmountError> {
        let trimmed = text.trim();
        let (negative, rest) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, trimmed),
        };
        let rest = rest.strip_prefix('$').unwrap_or(rest);
        let bad = || ParseAmountError(format!("'{text}' is not an amount of money; write it like 145.00"));
        let (grouped, fraction) = rest.split_once('.').unwrap_or((rest, ""));
        // Commas only as thousands separators (1,450): "31,50" is a decimal comma, and reading it
        // as 3150 would put a price off by a hundred times.
        let groups: Vec<&str> = grouped.split(',').collect();
        if groups.len() > 1 && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3))
        {
            return Err(ParseAmountError(format!(
                "'{text}' has a comma where it can't be a thousands separator; write the amount like 1450.00 or 31.50"
            )));
        }
        let whole = groups.concat();
        let whole = whole.as_str();
        if whole.is_empty() && fraction.is_empty() {
            return Err(bad());
        }
        if !whole.chars().all(|c| c.is_ascii_digit()) || !fraction.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        if fraction.len() > 2 {
            return Err(ParseAmountError(format!("'{text}' has more than two decimals; amounts are in whole cents")));
        }
        let dollars: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
        let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
        let total = dollars
            .checked_mul(100)
            .and_then(|d| d.checked_add(cents))
            .ok_or_else(|| ParseAmountError(format!("'{text}' is too large")))?;
        Ok(Cents(if negative { -total } else { total }))
    }
}

/// A percentage in parts per million: `Rate(82_500)` is 8.25 %.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(transparent)]
pub struct Rate(pub u32);

impl Rate {
    pub const ONE_HUNDRED_PERCENT: u32 = 1_000_000;
    pub const ZERO: Rate = Rate(0);
}

impl fmt::Display for Rate {
    /// `8.25%`, `8.875%`, `10%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 10_000;
        let fraction = self.0 % 10_000;
        if fraction == 0 {
            write!(f, "{whole}%")
        } else {
            let digits = format!("{fraction:04}");
            write!(f, "{whole}.{}%", digits.trim_end_matches('0'))
        }
    }
}

impl FromStr for Rate {
    type Err = ParseAmountError;

    /// Reads `8.25`, `8.25%` or `8.875 %` (a percentage, up to four decimals).
    fn from_str(text: &str) -> Result<Rate, ParseAmountError> {
        let trimmed = text.trim();
        let number = trimmed.strip_suffix('%').unwrap_or(trimmed).trim();
        let bad = || ParseAmountError(format!("'{text}' is not a percentage; write it like 8.25%"));
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !fraction.chars().all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        if fraction.len() > 4 {
            return Err(ParseAmountError(format!("'{text}' has more than four decimals")));
        }
        let whole: u32 = whole.parse().map_err(|_| bad())?;
        if whole > 100 {
            return Err(ParseAmountError(format!("'{text}' is more than 100%")));
        }
        let fraction: u32 = format!("{fraction:0<4}").parse().map_err(|_| bad())?;
        let ppm = whole * 10_000 + fraction;
        if ppm > Rate::ONE_HUNDRED_PERCENT {
            return Err(ParseAmountError(format!("'{text}' is more than 100%")));
        }
        Ok(Rate(ppm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_display_groups_thousands_and_keeps_sign() {
        assert_eq!(Cents(123_456_78).to_string(), "$123,456.78");
        assert_eq!(Cents(5).to_string(), "$0.05");
        assert_eq!(Cents(-300).to_string(), "-$3.00");
        assert_eq!(Cents(100_000).to_string(), "$1,000.00");
    }

    #[test]
    fn thousands_are_grouped_us_style() {
        assert_eq!(group_thousands(184_213i64), "184,213");
        assert_eq!(group_thousands(999i64), "999");
        assert_eq!(group_thousands(-1_000_000i64), "-1,000,000");
    }

    #[test]
    fn cents_parse_what_people_type() {
        assert_eq!("145".parse::<Cents>(), Ok(Cents(14_500)));
        assert_eq!("145.5".parse::<Cents>(), Ok(Cents(14_550)));
        assert_eq!("$1,450.00".parse::<Cents>(), Ok(Cents(145_000)));
        assert_eq!("-3.25".parse::<Cents>(), Ok(Cents(-325)));
        assert_eq!(".99".parse::<Cents>(), Ok(Cents(99)));
        assert_eq!("1,450".parse::<Cents>(), Ok(Cents(145_000)));
        assert_eq!("$12,345,678.90".parse::<Cents>(), Ok(Cents(1_234_567_890)));
        for bad in ["", "abc", "1.234", "1.2.3", "$", "12a", "99999999999999999999", "31,50", "1,45", ",450", "1,4500"]
        {
            assert!(bad.parse::<Cents>().is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn rounding_is_half_up_per_line() {
        // 1.5 h × $99.99 = $149.985 → $149.99
        assert_eq!(Cents(9_999).times_milli(1_500), Cents(14_999));
        // $10.05 at 8.25 % = 0.829125 → $0.83
        assert_eq!(Cents(1_005).at_rate(Rate(82_500)), Cents(83));
        // exactly half a cent rounds up, and away from zero for credits
        assert_eq!(Cents(10).at_rate(Rate(50_000)), Cents(1));
        assert_eq!(Cents(-10).at_rate(Rate(50_000)), Cents(-1));
    }

    #[test]
    fn rates_parse_and_display_as_percentages() {
        assert_eq!("8.25%".parse::<Rate>(), Ok(Rate(82_500)));
        assert_eq!("8.875".parse::<Rate>(), Ok(Rate(88_750)));
        assert_eq!("10 %".parse::<Rate>(), Ok(Rate(100_000)));
        assert_eq!(Rate(88_750).to_string(), "8.875%");
        assert_eq!(Rate(100_000).to_string(), "10%");
        for bad in ["", "%", "-1", "101", "8.12345", "eight"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad} should not parse");
        }
    }
}
