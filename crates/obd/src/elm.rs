//! Talking to the ELM327 chip itself: one command at a time up to its `>` prompt, and the
//! start-up sequence that copes with clones (missing `OK`s, echo that won't switch off, unknown
//! commands, slow answers).

use std::time::Duration;

use serde::Serialize;

use crate::link::Link;
use crate::{Error, Result};

/// What the adapter says about itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AdapterIdentity {
    /// `ATI`: "ELM327 v1.5" (clones all claim some ELM327 version).
    pub chip: String,
    /// `STI` on OBDLink / STN chips: "STN1110 r4.2.1".
    pub stn: Option<String>,
    /// `ATRV`: the car's battery at the OBD port, in volts.
    pub battery_volts: Option<f64>,
    /// Start-up commands the adapter did not confirm; harmless on most clones, listed so a
    /// technician can tell a flaky adapter.
    pub quirks: Vec<String>,
}

/// An ELM327 on a link.
pub struct Elm327 {
    link: Box<dyn Link>,
    pending: Vec<u8>,
    /// How long an OBD request may take (the car is slow on the first one while the adapter
    /// searches protocols; [`Elm327::command_within`] allows more there).
    pub timeout: Duration,
    /// Bytes sent and received, for the benchmark's wire arithmetic.
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

/// Answers longer than this are garbage from a wrong baud rate or a babbling device.
const MAX_ANSWER: usize = 64 * 1024;

impl Elm327 {
    pub fn new(link: Box<dyn Link>) -> Elm327 {
        Elm327 { link, pending: Vec::new(), timeout: Duration::from_secs(2), bytes_sent: 0, bytes_received: 0 }
    }

    /// Sends `command` and returns the answer up to the prompt, the echo removed.
    pub async fn command(&mut self, command: &str) -> Result<String> {
        self.command_within(command, self.timeout).await
    }

    /// [`Elm327::command`] with its own time limit.
    pub async fn command_within(&mut self, command: &str, limit: Duration) -> Result<String> {
        self.discard_stale().await;
        let line = format!("{command}\r");
        self.link.send(line.as_bytes()).await?;
        self.bytes_sent += line.len() as u64;
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some(end) = self.pending.iter().position(|b| *b == b'>') {
                let raw: Vec<u8> = self.pending.drain(..=end).collect();
                let text = String::from_utf8_lossy(&raw[..raw.len() - 1]).into_owned();
                return Ok(strip_echo(&text, command));
            }
            if self.pending.len() > MAX_ANSWER {
                self.pending.clear();
                return Err(Error::Garbled("the adapter sent a flood without a prompt".into()));
            }
            match tokio::time::timeout_at(deadline, self.link.receive()).await {
                Ok(Ok(bytes)) => {
                    self.bytes_received += bytes.len() as u64;
                    self.pending.extend(bytes.into_iter().filter(|b| *b != 0));
                }
                Ok(Err(error)) => return Err(error),
                Err(_) => {
                    self.pending.clear();
                    return Err(Error::Timeout(format!("'{command}'")));
                }
            }
        }
    }

    /// Drops what arrived after the last prompt (a late answer to a request that timed out), so
    /// it is never read as the answer to the next one.
    async fn discard_stale(&mut self) {
        while let Ok(Ok(bytes)) = tokio::time::timeout(Duration::ZERO, self.link.receive()).await {
            self.bytes_received += bytes.len() as u64;
        }
        self.pending.clear();
    }

    /// Resets the adapter and sets it up for the engine: echo off, no linefeeds, no spaces,
    /// headers on, adaptive timing, automatic protocol. A command a clone does not confirm is
    /// noted and the next one tried; when the reset itself goes unanswered the whole sequence is
    /// tried again with patient time limits.
    pub async fn initialise(&mut self) -> Result<AdapterIdentity> {
        let mut identity = AdapterIdentity::default();
        let banner = match self.command_within("ATZ", Duration::from_secs(3)).await {
            Ok(banner) => banner,
            Err(Error::Timeout(_)) => {
                // some clones need a moment after power-up, or only answer a warm start
                tokio::time::sleep(Duration::from_millis(500)).await;
                self.command_within("ATWS", Duration::from_secs(5)).await?
            }
            Err(error) => return Err(error),
        };
        for setting in ["ATE0", "ATL0", "ATS0", "ATH1", "ATAT1", "ATSP0"] {
            match self.command_within(setting, Duration::from_secs(1)).await {
                Ok(answer) if answer.to_ascii_uppercase().contains("OK") => {}
                Ok(answer) => identity.quirks.push(format!("{setting} answered '{}'", one_line(&answer))),
                Err(Error::Timeout(_)) => {
                    let answer = self.command_within(setting, Duration::from_secs(4)).await?;
                    if !answer.to_ascii_uppercase().contains("OK") {
                        identity.quirks.push(format!("{setting} answered '{}' slowly", one_line(&answer)));
                    }
                }
                Err(error) => return Err(error),
            }
        }
        let chip = self.command("ATI").await.map(|a| one_line(&a)).unwrap_or_default();
        identity.chip = if chip.to_ascii_uppercase().contains("ELM") || chip.to_ascii_uppercase().contains("STN") {
            chip
        } else if banner.to_ascii_uppercase().contains("ELM") {
            one_line(&banner)
        } else if chip.is_empty() || chip == "OK" {
            "ELM327-compatible".into()
        } else {
            chip
        };
        identity.stn = match self.command("STI").await {
            Ok(answer) if answer.to_ascii_uppercase().contains("STN") => Some(one_line(&answer)),
            _ => None,
        };
        identity.battery_volts = self.command("ATRV").await.ok().and_then(|a| parse_volts(&a));
        Ok(identity)
    }

    /// Sets patient timing for adapters or cars that drop answers with adaptive timing: no
    /// adaptation and the longest answer wait (`ATST FF`, about 1 s).
    pub async fn slow_down(&mut self) -> Result<()> {
        self.command("ATAT0").await?;
        self.command("ATSTFF").await?;
        Ok(())
    }
}

/// Removes the echoed command from the start of an answer (clones that ignore `ATE0`).
fn strip_echo(text: &str, command: &str) -> String {
    let wanted: String = command.chars().filter(|c| !c.is_whitespace()).collect();
    let trimmed = text.trim_start_matches(['\r', '\n']);
    if let Some(end) = trimmed.find(['\r', '\n']) {
        let first: String = trimmed[..end].chars().filter(|c| !c.is_whitespace()).collect();
        if first.eq_ignore_ascii_case(&wanted) {
            return trimmed[end..].to_string();
        }
    }
    text.to_string()
}

fn one_line(text: &str) -> String {
    text.split(['\r', '\n']).map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Reads `ATRV`'s "12.6V".
fn parse_volts(answer: &str) -> Option<f64> {
    let text = one_line(answer);
    let number = text.trim().trim_end_matches(['V', 'v']).trim();
    number.parse::<f64>().ok().filter(|v| (0.0..40.0).contains(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_is_removed_only_when_it_is_the_command() {
        assert_eq!(strip_echo("ATE0\rOK\r\r", "ATE0"), "\rOK\r\r");
        assert_eq!(strip_echo("010C\r41 0C 1A F8\r", "01 0C"), "\r41 0C 1A F8\r");
        assert_eq!(strip_echo("41 0C 1A F8\r", "010C"), "41 0C 1A F8\r");
    }

    #[test]
    fn battery_voltage() {
        assert_eq!(parse_volts("12.6V\r\r"), Some(12.6));
        assert_eq!(parse_volts("OK"), None);
        assert_eq!(parse_volts("99V"), None);
    }
}
