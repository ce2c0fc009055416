//! Customers and how they want to be reached.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::validate;

/// How the customer wants the shop to reach them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ContactMethod {
    #[default]
    Call,
    Text,
    Email,
}

impl ContactMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactMethod::Call => "call",
            ContactMethod::Text => "text",
            ContactMethod::Email => "email",
        }
    }

    pub fn parse(text: &str) -> Option<ContactMethod> {
        match text.trim().to_ascii_lowercase().as_str() {
            "call" | "phone" => Some(ContactMethod::Call),
            "text" | "sms" => Some(ContactMethod::Text),
            "email" | "e-mail" => Some(ContactMethod::Email),
            _ => None,
        }
    }
}

/// A customer as typed on the counter form, before validation.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewCustomer {
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub preferred_contact: ContactMethod,
    /// The customer agreed to receive text messages (required before the shop texts them).
    #[serde(default)]
    pub sms_consent: bool,
}

/// A customer whose fields passed validation, ready to store.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ValidCustomer {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_contact: ContactMethod,
    pub sms_consent: bool,
}

impl NewCustomer {
    /// Checks every field and the rules between them; collects all problems at once.
    pub(crate) fn validate(&self, errors: &mut Vec<FieldError>) -> Option<ValidCustomer> {
        let name = validate::name("customer.name", &self.name).map_err(|e| errors.push(e)).ok();
        let phone = validate::phone("customer.phone", &self.phone).map_err(|e| errors.push(e)).ok();
        let email = validate::email("customer.email", &self.email).map_err(|e| errors.push(e)).ok();
        let (name, phone, email) = (name?, phone?, email?);
        if phone.is_none() && email.is_none() {
            errors.push(FieldError::new(
                "customer.phone",
                "Enter a phone number or an email so the shop can reach the customer.",
            ));
            return None;
        }
        match self.preferred_contact {
            ContactMethod::Call | ContactMethod::Text if phone.is_none() => {
                errors.push(FieldError::new(
                    "customer.phone",
                    "Enter a phone number, or choose email as the preferred contact.",
                ));
                return None;
            }
            ContactMethod::Email if email.is_none() => {
                errors.push(FieldError::new(
                    "customer.email",
                    "Enter an email, or choose a call or text as the preferred contact.",
                ));
                return None;
            }
            ContactMethod::Text if !self.sms_consent => {
                errors.push(FieldError::new(
                    "customer.sms_consent",
                    "Ask the customer whether they agree to receive texts before choosing text as the preferred contact.",
                ));
                return None;
            }
            _ => {}
        }
        if self.sms_consent && phone.is_none() {
            errors.push(FieldError::new("customer.phone", "Consent to texts needs a phone number to text."));
            return None;
        }
        Some(ValidCustomer {
            name,
            phone,
            email,
            preferred_contact: self.preferred_contact,
            sms_consent: self.sms_consent,
        })
    }
}

/// A stored customer.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Customer {
    pub id: i64,
    pub name: String,
    /// E.164, e.g. `+15552345678`.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_contact: ContactMethod,
    pub sms_consent: bool,
    /// When the customer agreed to texts (kept as proof of consent).
    pub sms_consent_at: Option<DateTime<Utc>>,
}

/// Contact details stay out of logs and debug output: customers' phones and emails are personal data.
impl fmt::Debug for Customer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Customer")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("phone", &self.phone.as_ref().map(|_| "<redacted>"))
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("preferred_contact", &self.preferred_contact)
            .field("sms_consent", &self.sms_consent)
            .finish()
    }
}
