use std::path::PathBuf;

use serde::Serialize;

use crate::money::Cents;
use crate::repair_order::Status;

/// One problem with one field of a form, in words a service writer understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldError {
    /// The input's name as the UI and CLI know it, e.g. `customer.phone`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// Everything that can go wrong in the shop's domain and store. Each message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}", invalid_summary(.0))]
    Invalid(Vec<FieldError>),

    #[error("Repair order {0} does not exist. Check the number in the repair order list.")]
    RepairOrderNotFound(i64),

    #[error(
        "This would bring repair order {number} to {new_total}, above the {limit} the customer authorized \
         (including the state's allowance). Record a supplementary authorization for at least {new_total} first, \
         or propose the work and send the customer the approval link (`dixon estimate add … --propose`, then `dixon approval link {number}`)."
    )]
    AuthorizationRequired { number: i64, limit: Cents, new_total: Cents },

    #[error("{0}")]
    NotFound(String),

    #[error(
        "Repair order {number} is {from} and can't go to {to}. {}",
        allowed_next(.allowed)
    )]
    IllegalTransition { number: i64, from: Status, to: Status, allowed: Vec<Status> },

    #[error(
        "The database at {path} is damaged or is not a Dixon Counter database ({detail}). \
         Move the file aside and restore your latest backup, or start with an empty folder using --data-dir."
    )]
    DatabaseCorrupt { path: PathBuf, detail: String },

    #[error(
        "The database at {path} was written by a newer Dixon Counter (schema version {version}). \
         Update Dixon Counter on this PC, or use another folder with --data-dir."
    )]
    DatabaseTooNew { path: PathBuf, version: i64 },

    #[error("Can't open the database at {path}: {detail}. Check that the folder exists and is writable.")]
    DatabaseUnavailable { path: PathBuf, detail: String },

    #[error("The database failed: {0}. Try again; if it keeps failing, run `dixon doctor`.")]
    Database(#[from] sqlx::Error),
}

fn invalid_summary(errors: &[FieldError]) -> String {
    match errors {
        [] => "The form has a problem.".to_string(),
        [one] => one.message.clone(),
        many => format!(
            "{} fields need attention: {}",
            many.len(),
            many.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" ")
        ),
    }
}

fn allowed_next(allowed: &[Status]) -> String {
    if allowed.is_empty() {
        return "It is final and can't change any more.".to_string();
    }
    let names: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
    format!("From here it can go to: {}.", names.join(", "))
}

impl Error {
    /// A stable, machine-readable name of the error kind (for the UI and `--json`).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid",
            Error::RepairOrderNotFound(_) | Error::NotFound(_) => "not_found",
            Error::AuthorizationRequired { .. } => "authorization_required",
            Error::IllegalTransition { .. } => "illegal_transition",
            Error::DatabaseCorrupt { .. } => "database_corrupt",
            Error::DatabaseTooNew { .. } => "database_too_new",
            Error::DatabaseUnavailable { .. } => "database_unavailable",
            Error::Database(_) => "database",
        }
    }

    /// The field errors of an [`Error::Invalid`], empty otherwise.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Invalid(errors) => errors,
            _ => &[],
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
