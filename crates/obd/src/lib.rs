//! OBD-II through ELM327-compatible adapters: the engine the counter and the CLI read cars with.
//!
//! - [`Link`] is the one transport shape: USB serial (with baud detection), Wi-Fi (TCP), Bluetooth
//!   LE (the known ELM327 services, else any write + notify pair) and the built-in [`Simulator`];
//!   [`AdapterAddress`] is what the user picked and opens the right one.
//! - [`Elm327`] talks to the chip: one command at a time up to the `>` prompt, the start-up
//!   sequence that survives clones (missing `OK`s, stuck echo, unknown commands, slow answers).
//! - [`Session`] is a connection to a car: protocol search, supported PIDs, which speed-ups the
//!   adapter really supports (multi-PID requests, the response-count digit), then the services:
//!   live data, stored/pending/permanent codes with descriptions, freeze frame, readiness, VIN,
//!   controller identities, clearing codes (only with a typed confirmation), and a [`Snapshot`]
//!   of it all. It reconnects on the same address after a drop.
//! - [`watch`] polls a watched set of PIDs at their own rates, packing due PIDs into as few
//!   requests as the adapter allows, reconnecting when the adapter drops.
//! - [`parse`] reads one answer as the adapter printed it: its own messages (`NO DATA`,
//!   `UNABLE TO CONNECT`, `BUS INIT: …ERROR`, `CAN ERROR`, `BUFFER FULL`, `STOPPED`, `?`) become
//!   an [`Error`] that says what to do; CAN 11/29-bit frames are grouped by ECU and ISO-TP
//!   answers reassembled; ISO 9141 / KWP / J1850 frames lose their checksum and are joined per
//!   ECU; answers without headers (clones ignoring `ATH1`) are read too; `7F service code` is a
//!   refusal, never a value. No input panics it (property-tested on random text).
//! - [`decode_readings`] types mode 01 values (SAE J1979, multi-PID answers too),
//!   [`codes::describe`] explains trouble codes (generic SAE J2012 descriptions shipped as data).

mod ble;
pub mod codes;
mod dtc;
mod elm;
mod error;
mod link;
mod pids;
mod response;
mod session;
pub mod sim;
mod watch;

pub use ble::{choose_characteristics, devices as ble_devices, BleDevice, CharacteristicInfo, KNOWN_SERVICES};
pub use dtc::{parse_dtcs, Dtc};
pub use elm::{AdapterIdentity, Elm327};
pub use error::{Error, Result};
pub use link::serial::{ports as serial_ports, SerialPortEntry};
pub use link::{AdapterAddress, BoxFuture, Link, BAUD_RATES, DEFAULT_WIFI};
pub use pids::{decode_readings, pid, readiness, supported_pids, Monitor, Pid, Readiness, Reading, PIDS};
pub use response::{parse, EcuAnswer, Protocol};
pub use session::{
    ecu_label, AdapterSummary, CodeKind, ConnectStep, EcuInfo, FoundCode, FreezeFrame, Session, Snapshot,
};
pub use sim::{SimConfig, SimScenario, Simulator};
pub use watch::{watch, WatchEvent, WatchStats, Watched};
