//! Stripe webhook signatures, for the events the Dixon cloud relays to the counter: the
//! `Stripe-Signature` header carries a timestamp (`t=`) and one or more `v1=` HMAC-SHA256
//! signatures of `"{t}.{payload}"` under the endpoint's signing secret. An event is accepted only
//! when one signature matches (compared in constant time) and the timestamp is within the
//! tolerance, so a captured event can't be replayed later.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::error::{Error, Result};

/// How old (or how far in the future) a signed event may be: Stripe's own default.
pub const TOLERANCE_SECONDS: i64 = 300;

/// A verified event, as far as the counter reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    /// "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled", …
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

/// Checks `signature_header` over `payload` with `secret` at unix time `now`, then reads the
/// event. Every refusal says why, and never echoes the secret or the expected signature.
pub fn verify(payload: &[u8], signature_header: &str, secret: &str, now: i64) -> Result<Event> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in signature_header.split(',') {
        match item.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| Error::Webhook("the Stripe-Signature header has no timestamp".into()))?;
    if signatures.is_empty() {
        return Err(Error::Webhook("the Stripe-Signature header has no v1 signature".into()));
    }
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(Error::Webhook(format!(
            "the event was signed {} s from now, more than the {TOLERANCE_SECONDS} s allowed (a replay, or this PC's clock is wrong)",
            now - timestamp
        )));
    }
    let signed = |signature: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        mac.verify_slice(signature).is_ok() // constant-time comparison
    };
    if !signatures.iter().any(|s| signed(s)) {
        return Err(Error::Webhook("no signature matches: check the webhook signing secret".into()));
    }
    serde_json::from_slice(payload).map_err(|e| Error::Webhook(format!("the event is not one we can read ({e})")))
}

/// A `Stripe-Signature` header for `payload` (tests, and the cloud relay's own checks).
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const EVENT: &[u8] =
        br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","status":"succeeded"}}}"#;

    #[test]
    fn a_signed_event_is_read() {
        let header = sign(EVENT, SECRET, 1_700_000_000);
        let event = verify(EVENT, &header, SECRET, 1_700_000_100).unwrap();
        assert_eq!((event.id.as_str(), event.kind.as_str()), ("evt_1", "payment_intent.succeeded"));
        assert_eq!(event.data.object["id"], "pi_1");
        // several signatures (a secret being rolled): any match will do
        let rolled = format!("{},v1={}", header, "00".repeat(32));
        assert!(verify(EVENT, &rolled, SECRET, 1_700_000_000).is_ok());
    }

    #[test]
    fn forged_stale_and_malformed_events_are_refused_with_the_reason() {
        let header = sign(EVENT, SECRET, 1_700_000_000);
        let refused = |payload: &[u8], header: &str, secret: &str, now: i64| {
            verify(payload, header, secret, now).unwrap_err().to_string()
        };
        assert!(refused(EVENT, &header, "whsec_other", 1_700_000_000).contains("no signature matches"));
        let tampered = EVENT.to_vec().into_iter().map(|b| if b == b'1' { b'2' } else { b }).collect::<Vec<_>>();
        assert!(refused(&tampered, &header, SECRET, 1_700_000_000).contains("no signature matches"));
        assert!(refused(EVENT, &header, SECRET, 1_700_000_301).contains("more than the 300 s"));
        assert!(refused(EVENT, &header, SECRET, 1_699_999_699).contains("more than the 300 s"));
        assert!(refused(EVENT, "v1=abcd", SECRET, 0).contains("no timestamp"));
        assert!(refused(EVENT, "t=1700000000", SECRET, 1_700_000_000).contains("no v1 signature"));
        assert!(refused(EVENT, "t=1700000000,v1=zz", SECRET, 1_700_000_000).contains("no v1 signature"));
        let message = refused(EVENT, &header, "whsec_other", 1_700_000_000);
        assert!(!message.contains(SECRET) && !message.contains("whsec_other"));
        let garbage = b"not json";
        assert!(refused(garbage, &sign(garbage, SECRET, 5), SECRET, 5).contains("not one we can read"));
    }
}
