//! The texts a shop sends, with `{placeholders}` filled from the repair order. The shop edits
//! them (Settings → Messaging); these are the defaults. A placeholder the order can't fill (a
//! payment link it doesn't have) stops the message with a reason instead of sending a hole.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A template as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Template {
    /// Stable key: `estimate_ready`, `ready`, `receipt`, `payment_link`, `free`.
    pub key: String,
    pub name: String,
    /// The email's subject (texts and pushes have none).
    pub subject: String,
    pub body: String,
}

/// Every placeholder a template may use, with what fills it.
pub const PLACEHOLDERS: [(&str, &str); 14] = [
    ("first_name", "the customer's first name"),
    ("customer_name", "the customer's full name"),
    ("vehicle", "\"2019 Honda Civic\""),
    ("ro_number", "the repair order's number"),
    ("total", "the estimate's or invoice's total"),
    ("balance", "what is left to pay"),
    ("shop_name", "the shop's name, from Settings"),
    ("shop_phone", "the shop's phone, from Settings"),
    ("shop_address", "the shop's street address, from Settings"),
    ("map_link", "a map link to the shop's street address, from Settings"),
    ("estimate_link", "the link where the customer approves the estimate (once published)"),
    ("payment_link", "a link to pay online (once the order has one)"),
    ("text", "what you type (the free-text template)"),
    ("amount_paid", "what the customer paid"),
];

/// The templates a new shop starts with.
pub fn defaults() -> Vec<Template> {
    let t = |key: &str, name: &str, subject: &str, body: &str| Template {
        key: key.into(),
        name: name.into(),
        subject: subject.into(),
        body: body.into(),
    };
    vec![
        t(
            "estimate_ready",
            "Estimate ready",
            "Your estimate from {shop_name}",
            "Hi {first_name}, the estimate for your {vehicle} is ready: {total}. Reply YES to approve, or call us at {shop_phone} with any question. - {shop_name}",
        ),
        t(
            "approval",
            "Approval link",
            "Your estimate from {shop_name}: see what we found",
            "Hi {first_name}, the estimate for your {vehicle} is ready ({total}). See what we found, with photos, and approve it here: {estimate_link} - {shop_name}",
        ),
        t(
            "ready",
            "Ready for pickup",
            "Your {vehicle} is ready",
            "Hi {first_name}, your {vehicle} is ready for pickup at {shop_name}, {shop_address}. Map: {map_link} Balance due: {balance}.",
        ),
        t(
            "receipt",
            "Receipt",
            "Your receipt from {shop_name}",
            "Thank you, {first_name}! We received {amount_paid} for repair order {ro_number}. - {shop_name}",
        ),
        t(
            "payment_link",
            "Payment link",
            "Pay for your {vehicle}",
            "Hi {first_name}, you can pay {balance} for your {vehicle} here: {payment_link} - {shop_name}",
        ),
        t("free", "Free text", "A message from {shop_name}", "{text}"),
    ]
}

/// Why a template can't be filled or saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("The template uses {{{0}}}, which is not a placeholder. Use one of: {list}.", list = PLACEHOLDERS.map(|p| format!("{{{}}}", p.0)).join(", "))]
    Unknown(String),
    #[error("The template needs {{{0}}}, which is not known yet: {1}.")]
    Missing(String, &'static str),
    #[error("The template has an unclosed {{: close it with }}.")]
    Unclosed,
}

/// Checks that `text` uses only known placeholders (before a shop saves it).
pub fn check(text: &str) -> Result<(), TemplateError> {
    for name in placeholders(text)? {
        if !PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
            return Err(TemplateError::Unknown(name.to_string()));
        }
    }
    Ok(())
}

/// Fills `text`'s placeholders from `values`; a placeholder without a value is an error.
pub fn fill(text: &str, values: &BTreeMap<&'static str, String>) -> Result<String, TemplateError> {
    check(text)?;
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').ok_or(TemplateError::Unclosed)? + open;
        let name = &rest[open + 1..close];
        match values.get(name).filter(|v| !v.trim().is_empty()) {
            Some(value) => out.push_str(value),
            None => {
                let what = PLACEHOLDERS.iter().find(|(p, _)| *p == name).map_or("", |(_, what)| *what);
                return Err(TemplateError::Missing(name.to_string(), what));
            }
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out.trim().to_string())
}

fn placeholders(text: &str) -> Result<Vec<&str>, TemplateError> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').ok_or(TemplateError::Unclosed)? + open;
        names.push(&rest[open + 1..close]);
        rest = &rest[close + 1..];
    }
    Ok(names)
}

/// A map link to `address` (opens the phone's map app).
pub fn map_link(address: &str) -> String {
    let query: String = url_escape(address);
    format!("https://maps.google.com/?q={query}")
}

fn url_escape(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("first_name", "Pat".to_string()),
            ("vehicle", "2019 Honda Civic".to_string()),
            ("shop_name", "Dixon Auto".to_string()),
            ("shop_address", "12 Main St, Springfield, IL 62701".to_string()),
            ("map_link", map_link("12 Main St, Springfield, IL 62701")),
            ("balance", "$412.50".to_string()),
        ])
    }

    #[test]
    fn fills_the_ready_template() {
        let ready = defaults().into_iter().find(|t| t.key == "ready").unwrap();
        let text = fill(&ready.body, &values()).unwrap();
        assert_eq!(
            text,
            "Hi Pat, your 2019 Honda Civic is ready for pickup at Dixon Auto, 12 Main St, Springfield, IL 62701. \
             Map: https://maps.google.com/?q=12+Main+St%2C+Springfield%2C+IL+62701 Balance due: $412.50."
        );
        assert_eq!(crate::segments::count(&text).segments, 2, "the map link takes it past 160 characters");
    }

    #[test]
    fn a_missing_value_or_unknown_placeholder_is_said() {
        let link = defaults().into_iter().find(|t| t.key == "payment_link").unwrap();
        let error = fill(&link.body, &values()).unwrap_err();
        assert!(error.to_string().contains("{payment_link}"), "{error}");
        assert!(check("Hi {frist_name}").unwrap_err().to_string().contains("{frist_name}"));
        assert_eq!(check("Hi {first_name"), Err(TemplateError::Unclosed));
        for template in defaults() {
            check(&template.body).unwrap();
            check(&template.subject).unwrap();
        }
    }
}
