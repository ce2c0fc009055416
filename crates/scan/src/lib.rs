//! Scans: what a scanned payload means, and barcode guns on serial ports.
//!
//! - [`classify`] reads any payload — from a keyboard-wedge gun (told from typing in the UI), a
//!   serial gun or the webcam — as a [`ScanMeaning`]: a VIN (import marker and AIM prefix
//!   removed, check digit checked by `dixon-vin`), a UPC-A / EAN-13 with its check digit, a part
//!   number, a shop dongle pairing code ([`DonglePairing`], versioned: `DIXON-PAIR:1;…`), or
//!   unknown — kept raw, never dropped.
//! - [`listen`] reads a serial gun (USB virtual COM or Bluetooth SPP): CR, LF, CR LF or TAB
//!   terminators, an optional prefix, line noise dropped and counted, and reconnection when the
//!   port vanishes and comes back.
//! - [`record`] writes every scan to the `scans` table with its [`ScanSource`] before anything
//!   acts on it (a pairing code's key is left out); [`remember`] keeps a scanned dongle for the
//!   OBD screen (its key in the OS keychain).
//!
//! ```
//! use dixon_scan::{classify, ScanMeaning};
//! assert!(matches!(classify("I1HGCM82633A004352", 2026), ScanMeaning::Vin { .. }));
//! assert!(matches!(classify("036000291452", 2026), ScanMeaning::ProductCode { .. }));
//! ```

mod dongles;
mod log;
mod meaning;
mod serial;

pub use dongles::{dongles, remember, Dongle, Remembered};
pub use log::{recent, record, record_ocr, LoggedScan, ScanSource};
pub use meaning::{
    classify, gtin_check_digit_ok, pairing_payload, strip_aim_prefix, AdapterKind, DonglePairing, ProductFormat,
    ScanMeaning, Symbology, PAIRING_SCHEME, PAIRING_VERSION,
};
pub use serial::{listen, Error, GunConfig, GunEvent, Piece, ScanSplitter, MAX_SCAN_BYTES};
