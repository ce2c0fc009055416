//! Integration secrets in the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), under the app's identifier. Nothing else in Dixon Counter
//! stores an API key: not SQLite, not the logs, not error messages.
//!
//! A secret is one named JSON value (`partstech` holds the partner's and user's ids and keys):
//! [`load`] returns `Ok(None)` when it was never saved, and an [`Error`] that says what to do
//! when the keychain itself can't be reached. Secrets belong to a data folder
//! ([`use_data_folder`]), so a demo shop never reads the real shop's keys.

use std::sync::RwLock;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a secret could not be read or saved.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "The keychain can't be reached ({0}). Install and unlock a keyring (on Linux: gnome-keyring or \
         KeePassXC's Secret Service), then try again; `dixon doctor` checks it."
    )]
    Unavailable(String),
    #[error("The saved '{0}' secret is damaged; save it again.")]
    Damaged(String),
}

/// The keychain service name secrets go under: the data folder's (see
/// [`dixon_home::Home::keychain_service`]) once [`use_data_folder`] was called, else the app's.
static SERVICE: RwLock<Option<String>> = RwLock::new(None);

/// Keeps this process's secrets with `home`'s data folder. The app and the CLI call it once,
/// right after they resolve the folder.
pub fn use_data_folder(home: &dixon_home::Home) {
    let service = home.keychain_service();
    *SERVICE.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(service);
}

/// The secrets of one data folder. A client that keeps one (the sync client) is unaffected by
/// a later [`use_data_folder`] — so one process can play several counters (tests do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keychain {
    service: String,
}

impl Keychain {
    /// The secrets of `home`'s data folder.
    pub fn of(home: &dixon_home::Home) -> Keychain {
        Keychain { service: home.keychain_service() }
    }

    /// The secrets of the folder this process uses now (see [`use_data_folder`]).
    pub fn current() -> Keychain {
        let service = SERVICE.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        Keychain { service: service.unwrap_or_else(|| dixon_home::APP_IDENTIFIER.to_string()) }
    }

    /// Runs `call` on the entry called `name`, again (up to four times in all, about a second)
    /// when the Secret Service went away in the middle of it or is not back and unlocked yet: a keyring daemon that crashes and is started again
    /// (gnome-keyring does; desktop sessions restart it) must not lose a save. Any other answer
    /// is final.
    fn with_entry<T>(
        &self,
        name: &str,
        call: impl Fn(&keyring::Entry) -> keyring::Result<T>,
    ) -> Result<keyring::Result<T>, Error> {
        let mut tries = 0;
        loop {
            tries += 1;
            let entry = keyring::Entry::new(&self.service, name).map_err(|e| Error::Unavailable(e.to_string()))?;
            match call(&entry) {
                Err(keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e))
                    if tries < 4 && went_away(&e.to_string()) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                }
                answer => return Ok(answer),
            }
        }
    }

    /// The secret called `name`, or `None` if it was never saved.
    pub fn load<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Error> {
        match self.with_entry(name, |entry| entry.get_password())? {
            Ok(json) => serde_json::from_str(&json).map(Some).map_err(|_| Error::Damaged(name.to_string())),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(Error::Unavailable(e.to_string())),
        }
    }

    /// Saves `value` as the secret called `name`, replacing any earlier one.
    pub fn save<T: Serialize>(&self, name: &str, value: &T) -> Result<(), Error> {
        let json = serde_json::to_string(value).map_err(|_| Error::Damaged(name.to_string()))?;
        self.with_entry(name, |entry| entry.set_password(&json))?.map_err(|e| Error::Unavailable(e.to_string()))
    }

    /// Forgets the secret called `name` (nothing happens if there is none).
    pub fn delete(&self, name: &str) -> Result<(), Error> {
        match self.with_entry(name, |entry| entry.delete_credential())? {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(Error::Unavailable(e.to_string())),
        }
    }
}

/// Whether a keychain failure is the Secret Service going away mid-call (or coming back still
/// locked), as opposed to there being none: only the first is worth asking again — a PC with no
/// keyring at all must not wait a second per secret.
fn went_away(error: &str) -> bool {
    let error = error.to_ascii_lowercase();
    ["disconnected", "noreply", "no reply", "locked"].iter().any(|sign| error.contains(sign))
}

/// The secret called `name` in this process's data folder, or `None` if it was never saved.
pub fn load<T: DeserializeOwned>(name: &str) -> Result<Option<T>, Error> {
    Keychain::current().load(name)
}

/// Saves `value` as the secret called `name` in this process's data folder.
pub fn save<T: Serialize>(name: &str, value: &T) -> Result<(), Error> {
    Keychain::current().save(name, value)
}

/// Forgets the secret called `name` in this process's data folder.
pub fn delete(name: &str) -> Result<(), Error> {
    Keychain::current().delete(name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_keyring_that_went_away_is_asked_again() {
        // what gnome-keyring's crash looked like in the sync tests
        assert!(super::went_away("DBus error: Message recipient disconnected from message bus without replying"));
        assert!(super::went_away("Cannot create an item in a locked collection"));
        // no Secret Service on this PC at all: answered at once
        assert!(!super::went_away(
            "DBus error: The name org.freedesktop.secrets was not provided by any .service files"
        ));
        assert!(!super::went_away("Couldn't connect to session bus"));
    }
}
