//! OBD-II through ELM327-compatible adapters — the protocol engine, without I/O.
//!
//! - [`parse`] reads one answer as the adapter printed it (headers on): its own messages
//!   (`NO DATA`, `UNABLE TO CONNECT`, `BUS INIT: …ERROR`, `CAN ERROR`, `BUFFER FULL`, `STOPPED`,
//!   `?`) become an [`Error`] that says what to do; CAN 11/29-bit frames are grouped by ECU and
//!   ISO-TP multi-frame answers reassembled; ISO 9141 / KWP / J1850 frames lose their checksum and
//!   are joined per ECU; `7F service code` is a refusal, never a value. No input panics it
//!   (property-tested on random text).
//! - [`parse_dtcs`] reads trouble codes with or without the count byte.
//! - [`decode_readings`] types mode 01 live data (45 SAE J1979 PIDs, multi-PID answers too),
//!   [`supported_pids`] reads the support bitmaps, [`readiness`] the MIL, the code count and
//!   each readiness monitor (spark and compression ignition).
//!
//! (The transports, the scheduler and the screens of the OBD work build on this.)

mod dtc;
mod pids;
mod response;

pub use dtc::{parse_dtcs, Dtc};
pub use pids::{decode_readings, pid, readiness, supported_pids, Monitor, Pid, Readiness, Reading, PIDS};
pub use response::{parse, EcuAnswer, Error, Protocol};
