/// Why a photo was not kept. Each says what to do; nothing is half-kept.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{name} is {what}. Add a JPEG or PNG photo.")]
    NotAPhoto { name: String, what: String },
    #[error("{name} is damaged or cut short ({detail}). Take the photo again, or copy it again from the phone.")]
    Damaged { name: String, detail: String },
    #[error("{name} has {megapixels} megapixels, more than the 48 a photo may have here. Take it at a lower resolution, or shrink it first.")]
    TooManyPixels { name: String, megapixels: u64 },
    #[error("{name} is {megabytes} MB, more than the 40 MB a photo may be. Shrink it first.")]
    FileTooLarge { name: String, megabytes: usize },
    #[error("Repair order {0} does not exist. Check the number (`dixon ro list`).")]
    NoSuchOrder(i64),
    #[error("There is no photo {0}. `dixon photo list RO` shows the order's photos.")]
    NoSuchPhoto(String),
    #[error("{0}")]
    BadMarks(String),
    #[error("This photo went to the customer ({0}) with the marks it has; add it again to mark it differently.")]
    AlreadySent(String),
    #[error("The photo could not be saved in the data folder ({0}). Check the disk has room; nothing was kept.")]
    Io(String),
    #[error("The photo store could not be read or written ({0}). Try again; `dixon doctor` checks the database.")]
    Database(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        Error::Database(e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Io(e.to_string())
    }
}

impl Error {
    /// A stable name for the UI and the CLI's JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotAPhoto { .. }
            | Error::Damaged { .. }
            | Error::TooManyPixels { .. }
            | Error::FileTooLarge { .. }
            | Error::BadMarks(_) => "invalid",
            Error::NoSuchOrder(_) | Error::NoSuchPhoto(_) => "not_found",
            Error::AlreadySent(_) => "conflict",
            Error::Io(_) => "io",
            Error::Database(_) => "database",
        }
    }
}
