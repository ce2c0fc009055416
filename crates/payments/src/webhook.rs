//! Stripe webhook signatures, for the events the Dixon cloud relays to the counter: the
//! `Stripe-Signature` header carries a timestamp (`t=`) and one or more `v1=` HMAC-SHA256
//! signatures of `"{t}.{payload}"` under the endpoint's signing secret. An event is accepted only
//! when one signature matches (compared in constant time) and the timestamp is within the
//! tolerance, so a captured event can't be replayed later.

use serde::Deserialize;

use crate::error::{Error, Result};

/// Signs like Stripe does (tests, and whoever relays an event on).
pub use dixon_webhooks::stripe::sign;
/// How old (or how far in the future) a signed event may be: Stripe's own default.
pub use dixon_webhooks::TOLERANCE_SECONDS;

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

/// Checks `signature_header` over `payload` with `secret` at unix time `now` (see
/// [`dixon_webhooks::stripe`]), then reads the event. Every refusal says why, and never echoes the
/// secret or the expected signature.
pub fn verify(payload: &[u8], signature_header: &str, secret: &str, now: i64) -> Result<Event> {
    dixon_webhooks::stripe::verify(payload, signature_header, secret, now)
        .map_err(|e| Error::Webhook(e.to_string()))?;
    serde_json::from_slice(payload).map_err(|e| Error::Webhook(format!("the event is not one we can read ({e})")))
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
        assert!(refused(EVENT, "v1=abcd", SECRET, 0).contains("Stripe-Signature header is missing"));
        assert!(refused(EVENT, "t=1700000000", SECRET, 1_700_000_000).contains("can't be read"));
        assert!(refused(EVENT, "t=1700000000,v1=zz", SECRET, 1_700_000_000).contains("can't be read"));
        let message = refused(EVENT, &header, "whsec_other", 1_700_000_000);
        assert!(!message.contains(SECRET) && !message.contains("whsec_other"));
        let garbage = b"not json";
        assert!(refused(garbage, &sign(garbage, SECRET, 5), SECRET, 5).contains("not one we can read"));
    }
}
