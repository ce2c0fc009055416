//! Stripe webhooks: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, each `v1` an HMAC-SHA256
//! of `"{t}.{payload}"` under the endpoint's signing secret (several while a secret is rolled).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{fresh, Error, Result};

const HEADER: &str = "Stripe-Signature";

/// Accepts `payload` when one signature in `header` matches (compared in constant time) and the
/// timestamp is within the tolerance of `now`.
pub fn verify(payload: &[u8], header: &str, secret: &str, now: i64) -> Result<()> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        match item.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(Error::Malformed(HEADER))?;
    if signatures.is_empty() {
        return Err(Error::Malformed(HEADER));
    }
    fresh(timestamp, now)?;
    let matches = |signature: &[u8]| mac(payload, secret, timestamp).verify_slice(signature).is_ok();
    if signatures.iter().any(|s| matches(s)) {
        Ok(())
    } else {
        Err(Error::Mismatch("Stripe"))
    }
}

/// A `Stripe-Signature` header for `payload` (tests, and a relay signing what it passes on).
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    format!("t={timestamp},v1={}", hex::encode(mac(payload, secret, timestamp).finalize().into_bytes()))
}

fn mac(payload: &[u8], secret: &str, timestamp: i64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const EVENT: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;

    #[test]
    fn valid_forged_and_stale() {
        let header = sign(EVENT, SECRET, 1_700_000_000);
        assert_eq!(verify(EVENT, &header, SECRET, 1_700_000_100), Ok(()));
        // a secret being rolled: any matching signature will do
        assert_eq!(verify(EVENT, &format!("{header},v1={}", "00".repeat(32)), SECRET, 1_700_000_000), Ok(()));
        assert_eq!(verify(EVENT, &header, "whsec_other", 1_700_000_000), Err(Error::Mismatch("Stripe")));
        assert_eq!(verify(b"{\"id\":\"evt_2\"}", &header, SECRET, 1_700_000_000), Err(Error::Mismatch("Stripe")));
        assert_eq!(verify(EVENT, &header, SECRET, 1_700_000_301), Err(Error::Stale { age: 301 }));
        assert_eq!(verify(EVENT, "v1=abcd", SECRET, 0), Err(Error::Malformed(HEADER)));
        assert_eq!(verify(EVENT, "t=1700000000", SECRET, 1_700_000_000), Err(Error::Malformed(HEADER)));
    }
}
