use crate::template::TemplateError;

/// Why a message could not be composed, sent or read. Every message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Repair order {0} does not exist. Check the number (`dixon list`).")]
    NoSuchOrder(i64),
    #[error(
        "There is no template called '{0}'. Templates: estimate_ready, approval, ready, receipt, payment_link, free."
    )]
    NoSuchTemplate(String),
    #[error("The customer can't be reached by {channel}: {why}.")]
    ChannelNotAllowed { channel: &'static str, why: String },
    #[error("The customer can't be reached by text, email or push: {0}.")]
    Unreachable(String),
    #[error("The text is {0} characters; a text can be at most 1,600. Shorten it, or send it by email.")]
    TooLong(usize),
    #[error("Type the message to send (the free-text template sends what you type).")]
    EmptyText,
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Shop(#[from] dixon_shop::Error),
    #[error("The message store could not be read or written ({0}). Try again; `dixon doctor` checks the database.")]
    Database(String),
}

impl Error {
    /// A stable name for the UI and the CLI's JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NoSuchOrder(_) | Error::NoSuchTemplate(_) => "not_found",
            Error::ChannelNotAllowed { .. } | Error::Unreachable(_) => "not_allowed",
            Error::Database(_) | Error::Shop(_) => "database",
            Error::TooLong(_) | Error::EmptyText | Error::Template(_) | Error::Invalid(_) => "invalid",
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        Error::Database(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
