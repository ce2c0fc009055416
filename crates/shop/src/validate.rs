//! Turning what a service writer typed into clean values, or into a [`FieldError`] that says how
//! to fix it. Every check here is pure (no store, no network) and never panics on any input.

use crate::error::FieldError;

/// Longest name we keep for a person or business (fits a printed estimate line).
pub const MAX_NAME_CHARS: usize = 100;

/// A person's or business's name: trimmed, inner whitespace collapsed, 1–100 characters.
pub fn name(field: &str, text: &str) -> Result<String, FieldError> {
    let clean = collapse_whitespace(text);
    if clean.is_empty() {
        return Err(FieldError::new(field, "Enter the customer's name."));
    }
    if clean.chars().any(char::is_control) {
        return Err(FieldError::new(field, "The name contains control characters; retype it."));
    }
    let count = clean.chars().count();
    if count > MAX_NAME_CHARS {
        return Err(FieldError::new(
            field,
            format!("The name is {count} characters long; shorten it to {MAX_NAME_CHARS} or fewer."),
        ));
    }
    Ok(clean)
}

/// Optional free text such as a make or a plate: trimmed, at most `max` characters, no control
/// characters. Empty text is `None`.
pub fn short_text(field: &str, label: &str, text: &str, max: usize) -> Result<Option<String>, FieldError> {
    let clean = collapse_whitespace(text);
    if clean.is_empty() {
        return Ok(None);
    }
    if clean.chars().any(char::is_control) {
        return Err(FieldError::new(field, format!("The {label} contains control characters; retype it.")));
    }
    if clean.chars().count() > max {
        return Err(FieldError::new(field, format!("The {label} is too long; use {max} characters or fewer.")));
    }
    Ok(Some(clean))
}

/// Longer free text (the customer's concern, notes): trimmed, at most `max` characters; line breaks
/// and tabs are kept, other control characters are refused.
pub fn long_text(field: &str, label: &str, text: &str, max: usize) -> Result<Option<String>, FieldError> {
    let clean = text.trim();
    if clean.is_empty() {
        return Ok(None);
    }
    if clean.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(FieldError::new(field, format!("The {label} contains control characters; retype it.")));
    }
    if clean.chars().count() > max {
        return Err(FieldError::new(field, format!("The {label} is too long; use {max} characters or fewer.")));
    }
    Ok(Some(clean.to_string()))
}

/// A phone number in E.164 form (`+15551234567`). US/Canada numbers may be typed in any usual way
/// — `(555) 123-4567`, `555.123.4567`, `1 555 123 4567`; others start with `+` and the country code.
/// Empty text is `None`.
pub fn phone(field: &str, text: &str) -> Result<Option<String>, FieldError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let international = trimmed.starts_with('+');
    let body = if international { &trimmed[1..] } else { trimmed };
    if body.chars().any(|c| !(c.is_ascii_digit() || " -.()".contains(c))) {
        return Err(FieldError::new(
            field,
            "A phone number has only digits (and spaces, dashes, dots or brackets), like (555) 123-4567.",
        ));
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if international {
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(FieldError::new(
                field,
                "An international number is + then the country code and 7 to 14 more digits, like +44 20 7946 0958.",
            ));
        }
        if let Some(national) = digits.strip_prefix('1') {
            return nanp(field, national).map(Some);
        }
        return Ok(Some(format!("+{digits}")));
    }
    let national = match digits.len() {
        10 => digits.as_str(),
        11 if digits.starts_with('1') => &digits[1..],
        n => {
            return Err(FieldError::new(
                field,
                format!("The phone number has {n} digits; a US or Canadian number has 10, like (555) 123-4567. Start other numbers with +."),
            ))
        }
    };
    nanp(field, national).map(Some)
}

/// A 10-digit North American number: area code and exchange cannot start with 0 or 1.
fn nanp(field: &str, national: &str) -> Result<String, FieldError> {
    let bytes = national.as_bytes();
    if national.len() != 10 {
        return Err(FieldError::new(field, "A US or Canadian number has 10 digits after the +1."));
    }
    if matches!(bytes[0], b'0' | b'1') {
        return Err(FieldError::new(field, "The area code can't start with 0 or 1; check the number."));
    }
    if matches!(bytes[3], b'0' | b'1') {
        return Err(FieldError::new(
            field,
            "The number after the area code can't start with 0 or 1; check the number.",
        ));
    }
    Ok(format!("+1{national}"))
}

/// Shows an E.164 number the way people read it: `(555) 123-4567` for US/Canada numbers.
pub fn display_phone(e164: &str) -> String {
    match e164.strip_prefix("+1") {
        Some(n) if n.len() == 10 => format!("({}) {}-{}", &n[..3], &n[3..6], &n[6..]),
        _ => e164.to_string(),
    }
}

/// An email address, checked for shape (one `@`, a dotted domain, no spaces). The domain is lower
/// cased; the local part is kept as typed. Empty text is `None`.
pub fn email(field: &str, text: &str) -> Result<Option<String>, FieldError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new(field, "That is not an email address; it should look like name@example.com.");
    if trimmed.len() > 254 || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = trimmed.split_once('@').ok_or_else(bad)?;
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return Err(bad());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) || labels.last().is_some_and(|tld| tld.len() < 2) {
        return Err(bad());
    }
    Ok(Some(format!("{local}@{}", domain.to_lowercase())))
}

/// A modern (1981+) VIN, checked by `dixon_vin::check`: 17 letters and digits, never I, O or Q,
/// and a right check digit for North American makers. Scanner prefixes, import markers, spaces
/// and dashes are dropped. A problem names the likely intended VIN when there is one. Empty text
/// is `None`.
pub fn vin(field: &str, text: &str, current_year: i32) -> Result<Option<String>, FieldError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match dixon_vin::check(text, current_year) {
        Ok(checked) => Ok(Some(checked.vin)),
        Err(problem) => Err(FieldError::new(field, problem.explained())),
    }
}

/// A model year between 1900 and next year + 1 (new models go on sale early).
pub fn model_year(field: &str, year: Option<i32>, current_year: i32) -> Result<Option<i32>, FieldError> {
    match year {
        None => Ok(None),
        Some(y) if (1900..=current_year + 1).contains(&y) => Ok(Some(y)),
        Some(y) => Err(FieldError::new(
            field,
            format!("{y} is not a model year; use a year from 1900 to {}.", current_year + 1),
        )),
    }
}

/// Highest odometer reading we accept (a 7-digit odometer).
pub const MAX_ODOMETER: i64 = 9_999_999;

/// An odometer reading in whole miles (or km): 0 to 9,999,999.
pub fn odometer(field: &str, reading: Option<i64>) -> Result<Option<i64>, FieldError> {
    match reading {
        None => Ok(None),
        Some(r) if r < 0 => {
            Err(FieldError::new(field, "The odometer can't be negative; enter the reading on the dash."))
        }
        Some(r) if r > MAX_ODOMETER => {
            Err(FieldError::new(field, "The odometer reading is too large; enter whole miles, like 84213."))
        }
        Some(r) => Ok(Some(r)),
    }
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("n", "  Maria   de la  Cruz ").unwrap(), "Maria de la Cruz");
        assert_eq!(name("n", "Zoë Ångström").unwrap(), "Zoë Ångström");
        assert!(name("n", "   ").is_err());
        assert!(name("n", &"a".repeat(101)).is_err());
        assert!(name("n", &"é".repeat(100)).is_ok());
        assert!(name("n", "Bob\u{0}").is_err());
    }

    #[test]
    fn phones_normalise_to_e164() {
        for typed in ["(555) 234-5678", "555.234.5678", "1 555 234 5678", "+1 555 234 5678", "5552345678"] {
            assert_eq!(phone("p", typed).unwrap().as_deref(), Some("+15552345678"), "{typed}");
        }
        assert_eq!(phone("p", "+44 20 7946 0958").unwrap().as_deref(), Some("+442079460958"));
        assert_eq!(phone("p", "").unwrap(), None);
        for bad in [
            "555-1234",
            "555 234 56789",
            "(055) 234-5678",
            "555 134 5678",
            "call me",
            "+0 12345678",
            "+1234",
            "555-234-5678 ext 2",
        ] {
            assert!(phone("p", bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(display_phone("+15552345678"), "(555) 234-5678");
    }

    #[test]
    fn emails_are_checked_for_shape() {
        assert_eq!(email("e", " Pat@Example.COM ").unwrap().as_deref(), Some("Pat@example.com"));
        assert_eq!(email("e", "").unwrap(), None);
        for bad in [
            "pat",
            "pat@",
            "@example.com",
            "pat@example",
            "pat@@example.com",
            "pat @example.com",
            "pat@example.c",
            "pat@-x.com",
        ] {
            assert!(email("e", bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn vins_are_cleaned_and_checked() {
        assert_eq!(vin("v", " 1hgcm82633a004352 ", 2026).unwrap().as_deref(), Some("1HGCM82633A004352"));
        assert_eq!(
            vin("v", "I1HGCM82633A004352", 2026).unwrap().as_deref(),
            Some("1HGCM82633A004352"),
            "import marker"
        );
        assert_eq!(vin("v", "", 2026).unwrap(), None);
        let err = vin("v", "1HGCM82633A0O4352", 2026).unwrap_err();
        assert!(
            err.message.contains("position 13") && err.message.contains("Did you mean 1HGCM82633A004352?"),
            "{}",
            err.message
        );
        assert!(vin("v", "1HGCM82633A00435", 2026).unwrap_err().message.contains("16"));
        assert!(vin("v", "1HGCM82634A004352", 2026).unwrap_err().message.contains("check digit"));
        assert!(vin("v", "1HGCM82633A00435*", 2026).is_err());
        assert!(vin("v", "WVWZZZ1JZ3W386752", 2026).is_ok(), "European makers may skip the check digit");
    }

    #[test]
    fn years_and_odometers_are_bounded() {
        assert_eq!(model_year("y", Some(2027), 2026).unwrap(), Some(2027));
        assert!(model_year("y", Some(2028), 2026).is_err());
        assert!(model_year("y", Some(1899), 2026).is_err());
        assert!(odometer("o", Some(-1)).is_err());
        assert!(odometer("o", Some(10_000_000)).is_err());
        assert_eq!(odometer("o", Some(84_213)).unwrap(), Some(84_213));
    }
}
