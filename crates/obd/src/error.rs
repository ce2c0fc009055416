//! The one error type of the OBD engine: what the adapter said instead of data, and what went
//! wrong talking to it. Every message says what to do next.

use serde::Serialize;

/// The adapter's own messages instead of data, and failures of the link to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Error {
    #[error("The car did not answer that request (NO DATA): it may not support it, or the ignition is off.")]
    NoData,
    #[error("The adapter can't talk to the car (UNABLE TO CONNECT). Turn the ignition on and check the adapter is fully plugged in.")]
    UnableToConnect,
    #[error(
        "The adapter could not start talking to the car ({0}). Turn the ignition on, wait a few seconds and try again."
    )]
    BusInit(String),
    #[error("The adapter reported a bus error ({0}). Check the connection to the car's OBD port and try again.")]
    Bus(String),
    #[error("The adapter's buffer filled up (BUFFER FULL); the answer was lost. Try again.")]
    BufferFull,
    #[error("The adapter stopped before answering (STOPPED). Try again, a little slower.")]
    Stopped,
    #[error("The adapter did not understand the command (?). It may be a clone without this feature.")]
    Unknown,
    #[error("The adapter reset itself (low voltage or a power dip). Reconnect.")]
    Reset,
    #[error("ECU {ecu:X} refused service {service:02X}: {}", negative_meaning(*.code))]
    Negative { ecu: u32, service: u8, code: u8 },
    #[error("The adapter's answer could not be read ({0}). Try again; a cheap adapter may need a slower setting.")]
    Garbled(String),
    /// The answer arrived whole but reads more than one way (or no way): nothing is shown rather
    /// than a guess.
    #[error(
        "The car's answer could not be read: {0}. Nothing is shown rather than a guess; read the car again, and if this repeats note the answer for support."
    )]
    Uncertain(String),
    #[error(
        "The adapter did not answer {0} in time. Check it has power (ignition on) and that this is the OBD adapter."
    )]
    Timeout(String),
    #[error("The connection to the adapter was lost ({0}). Plug it back in or move it closer, then reconnect.")]
    Disconnected(String),
    #[error("Could not open the adapter: {0}")]
    Open(String),
    #[error("{0} answered, but not like an ELM327 OBD adapter. Pick the OBD adapter's port.")]
    NotAnAdapter(String),
    #[error("The car does not report {0}.")]
    Unsupported(String),
    #[error("Clearing trouble codes also erases the freeze frame and the readiness results: type CLEAR to confirm.")]
    ConfirmationRequired,
}

fn negative_meaning(code: u8) -> &'static str {
    match code {
        0x10 => "general reject",
        0x11 => "service not supported",
        0x12 => "sub-function not supported",
        0x13 => "incorrect message length",
        0x21 => "busy, repeat the request",
        0x22 => "conditions not correct (e.g. engine running)",
        0x31 => "request out of range",
        0x33 => "security access denied",
        0x78 => "response pending",
        _ => "refused",
    }
}

impl Error {
    /// A stable name for the UI and the CLI's JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NoData => "no_data",
            Error::UnableToConnect => "unable_to_connect",
            Error::BusInit(_) => "bus_init",
            Error::Bus(_) => "bus",
            Error::BufferFull => "buffer_full",
            Error::Stopped => "stopped",
            Error::Unknown => "unknown_command",
            Error::Reset => "reset",
            Error::Negative { .. } => "negative",
            Error::Garbled(_) => "garbled",
            Error::Uncertain(_) => "uncertain",
            Error::Timeout(_) => "timeout",
            Error::Disconnected(_) => "disconnected",
            Error::Open(_) => "open",
            Error::NotAnAdapter(_) => "not_an_adapter",
            Error::Unsupported(_) => "unsupported",
            Error::ConfirmationRequired => "confirmation_required",
        }
    }

    /// Whether the link to the adapter is gone, so reconnecting may help (as opposed to an
    /// answer the car or the adapter gave).
    pub fn is_link_lost(&self) -> bool {
        matches!(self, Error::Disconnected(_) | Error::Reset | Error::Timeout(_))
    }
}

pub type Result<T> = std::result::Result<T, Error>;
