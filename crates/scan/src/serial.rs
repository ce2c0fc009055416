//! Serial barcode guns: USB virtual COM ports and Bluetooth SPP, read with `serialport`.
//!
//! A gun sends each scan followed by a terminator (CR, LF, CR LF or TAB, as configured on the
//! gun) and sometimes a fixed prefix. [`ScanSplitter`] turns the byte stream into scans, dropping
//! line noise (control bytes, a half scan left when the cable was pulled) and counting it;
//! [`listen`] keeps the port open, and when it vanishes (unplugged, Bluetooth out of range)
//! reports it and opens it again as soon as it is back.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Longest scan we accept; anything longer without a terminator is noise.
pub const MAX_SCAN_BYTES: usize = 512;

/// One piece of what came over the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Scan(String),
    /// Bytes that were not part of any scan (control characters, an overlong run, invalid
    /// text), dropped.
    Junk(usize),
}

/// Splits a gun's byte stream into scans.
#[derive(Debug, Default)]
pub struct ScanSplitter {
    buffer: Vec<u8>,
    prefix: Option<String>,
    junk_in_buffer: usize,
}

impl ScanSplitter {
    /// `prefix` is removed from the front of every scan that has it (guns can add one, e.g. `$`).
    pub fn new(prefix: Option<String>) -> ScanSplitter {
        ScanSplitter { prefix: prefix.filter(|p| !p.is_empty()), ..ScanSplitter::default() }
    }

    /// Feeds bytes as they arrive; returns the scans (and junk) they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Piece> {
        let mut pieces = Vec::new();
        for &byte in bytes {
            match byte {
                b'\r' | b'\n' | b'\t' => self.finish(&mut pieces),
                0x20..=0x7e | 0x80..=0xff => {
                    if self.buffer.len() >= MAX_SCAN_BYTES {
                        self.junk_in_buffer += self.buffer.len() + 1;
                        self.buffer.clear();
                    } else {
                        self.buffer.push(byte);
                    }
                }
                _ => self.junk_in_buffer += 1, // NUL, BEL, ESC…: line noise
            }
        }
        pieces
    }

    /// The half scan left in the buffer (the cable was pulled mid-scan), as junk.
    pub fn abandon(&mut self) -> Option<Piece> {
        let junk = self.buffer.len() + self.junk_in_buffer;
        self.buffer.clear();
        self.junk_in_buffer = 0;
        (junk > 0).then_some(Piece::Junk(junk))
    }

    fn finish(&mut self, pieces: &mut Vec<Piece>) {
        if self.junk_in_buffer > 0 {
            pieces.push(Piece::Junk(self.junk_in_buffer));
            self.junk_in_buffer = 0;
        }
        if self.buffer.is_empty() {
            return; // the LF of a CR LF, or a blank line
        }
        let bytes = std::mem::take(&mut self.buffer);
        match String::from_utf8(bytes) {
            Ok(text) => {
                let text = match &self.prefix {
                    Some(prefix) => text.strip_prefix(prefix.as_str()).unwrap_or(&text).to_string(),
                    None => text,
                };
                let text = text.trim().to_string();
                if !text.is_empty() {
                    pieces.push(Piece::Scan(text));
                }
            }
            Err(e) => pieces.push(Piece::Junk(e.into_bytes().len())),
        }
    }
}

/// How to reach a serial gun.
#[derive(Debug, Clone)]
pub struct GunConfig {
    /// `/dev/ttyACM0`, `/dev/rfcomm0`, `COM5`.
    pub port: String,
    /// Most guns default to 9600 baud (USB CDC ports ignore it).
    pub baud: u32,
    pub prefix: Option<String>,
    /// How long to wait before opening the port again after it vanished.
    pub reconnect_every: Duration,
}

impl GunConfig {
    pub fn new(port: &str) -> GunConfig {
        GunConfig { port: port.to_string(), baud: 9600, prefix: None, reconnect_every: Duration::from_millis(500) }
    }
}

/// What the listener saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum GunEvent {
    Connected {
        port: String,
    },
    Scan {
        text: String,
    },
    /// Bytes dropped as noise.
    Junk {
        bytes: usize,
    },
    /// The port went away or can't be opened; the listener keeps trying.
    Disconnected {
        reason: String,
    },
}

/// Why listening could not even start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "There is no serial port {port}. Plug the barcode gun in (or pair it) and check `dixon doctor` for the ports this PC has."
    )]
    NoSuchPort { port: String },
}

/// Reads scans from the gun until `stop` is set, reconnecting whenever the port vanishes, and
/// hands every event to `on_event`. Blocking: run it on its own thread (it notices `stop` within
/// a tenth of a second). A port that does not exist at the start is an [`Error`]; one that
/// disappears later is waited for.
pub fn listen(config: &GunConfig, stop: &AtomicBool, mut on_event: impl FnMut(GunEvent)) -> Result<(), Error> {
    if !cfg!(windows) && !std::path::Path::new(&config.port).exists() {
        return Err(Error::NoSuchPort { port: config.port.clone() });
    }
    let stopped = || stop.load(Ordering::Relaxed);
    let mut splitter = ScanSplitter::new(config.prefix.clone());
    while !stopped() {
        let mut port = match serialport::new(&config.port, config.baud).timeout(Duration::from_millis(100)).open() {
            Ok(port) => port,
            Err(_) => {
                pause(config.reconnect_every, &stopped);
                continue;
            }
        };
        tracing::info!(port = %config.port, "barcode gun connected");
        on_event(GunEvent::Connected { port: config.port.clone() });
        let mut bytes = [0u8; 256];
        let reason = loop {
            if stopped() {
                return Ok(());
            }
            match port.read(&mut bytes) {
                Ok(0) => break "the port closed".to_string(),
                Ok(n) => {
                    for piece in splitter.feed(&bytes[..n]) {
                        on_event(match piece {
                            Piece::Scan(text) => GunEvent::Scan { text },
                            Piece::Junk(bytes) => GunEvent::Junk { bytes },
                        });
                    }
                }
                Err(e) if matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted) => {}
                Err(e) => break e.to_string(),
            }
        };
        drop(port);
        if let Some(Piece::Junk(bytes)) = splitter.abandon() {
            on_event(GunEvent::Junk { bytes });
        }
        tracing::warn!(port = %config.port, "barcode gun disconnected: {reason}");
        on_event(GunEvent::Disconnected { reason });
        pause(config.reconnect_every, &stopped);
    }
    Ok(())
}

fn pause(wait: Duration, stopped: &impl Fn() -> bool) {
    let until = Instant::now() + wait;
    while Instant::now() < until && !stopped() {
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scans(pieces: Vec<Piece>) -> Vec<String> {
        pieces.into_iter().filter_map(|p| if let Piece::Scan(s) = p { Some(s) } else { None }).collect()
    }

    #[test]
    fn every_terminator_ends_a_scan() {
        let mut splitter = ScanSplitter::new(None);
        let pieces = splitter.feed(b"AAA\rBBB\nCCC\r\nDDD\tEEE");
        assert_eq!(scans(pieces), ["AAA", "BBB", "CCC", "DDD"]);
        assert_eq!(scans(splitter.feed(b"\r")), ["EEE"], "a scan split across reads");
    }

    #[test]
    fn prefixes_noise_and_overlong_runs_are_handled() {
        let mut splitter = ScanSplitter::new(Some("$".into()));
        let pieces = splitter.feed(b"$036000291452\r\x00\x07\x1b\r$X1\r");
        assert_eq!(pieces, [Piece::Scan("036000291452".into()), Piece::Junk(3), Piece::Scan("X1".into())]);
        let mut long = vec![b'A'; MAX_SCAN_BYTES + 10];
        long.push(b'\r');
        let pieces = splitter.feed(&long);
        assert!(matches!(pieces.as_slice(), [Piece::Junk(_), Piece::Scan(s)] if s.len() == 9), "{pieces:?}");
        assert_eq!(splitter.feed(b"\xff\xfe\r"), [Piece::Junk(2)], "bytes that are not text");
        splitter.feed(b"HALF");
        assert_eq!(splitter.abandon(), Some(Piece::Junk(4)), "a scan cut off by a pulled cable");
    }
}
