//! SendGrid's signed Event Webhook: `X-Twilio-Email-Event-Webhook-Signature` (base64 of a DER
//! ECDSA P-256 / SHA-256 signature) over the `X-Twilio-Email-Event-Webhook-Timestamp` header
//! followed by the raw body, checked with the webhook's public key (base64 DER, as SendGrid shows it).

use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;

use crate::{fresh, Error, Result};

pub const SIGNATURE_HEADER: &str = "X-Twilio-Email-Event-Webhook-Signature";
pub const TIMESTAMP_HEADER: &str = "X-Twilio-Email-Event-Webhook-Timestamp";

/// Accepts `payload` when `signature` is SendGrid's over `timestamp` + `payload` under
/// `public_key` and the timestamp is within the tolerance of `now`.
pub fn verify(payload: &[u8], signature: &str, timestamp: &str, public_key: &str, now: i64) -> Result<()> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64
        .decode(public_key.trim())
        .ok()
        .and_then(|der| VerifyingKey::from_public_key_der(&der).ok())
        .ok_or(Error::BadKey("SendGrid"))?;
    let at: i64 = timestamp.trim().parse().map_err(|_| Error::Malformed(TIMESTAMP_HEADER))?;
    let signature = b64
        .decode(signature.trim())
        .ok()
        .and_then(|der| Signature::from_der(&der).ok())
        .ok_or(Error::Malformed(SIGNATURE_HEADER))?;
    fresh(at, now)?;
    let mut signed = timestamp.trim().as_bytes().to_vec();
    signed.extend_from_slice(payload);
    key.verify(&signed, &signature).map_err(|_| Error::Mismatch("SendGrid"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::SigningKey;
    use p256::pkcs8::EncodePublicKey;

    const EVENTS: &[u8] = br#"[{"email":"pat@example.com","event":"delivered","sg_event_id":"e1"}]"#;

    fn keys() -> (SigningKey, String) {
        let signing = SigningKey::random(&mut rand_core::OsRng);
        let public = VerifyingKey::from(&signing).to_public_key_der().unwrap();
        (signing, base64::engine::general_purpose::STANDARD.encode(public.as_bytes()))
    }

    fn sign(key: &SigningKey, timestamp: &str, payload: &[u8]) -> String {
        let mut signed = timestamp.as_bytes().to_vec();
        signed.extend_from_slice(payload);
        let signature: Signature = key.sign(&signed);
        base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes())
    }

    #[test]
    fn valid_forged_and_stale() {
        let (key, public) = keys();
        let signature = sign(&key, "1700000000", EVENTS);
        assert_eq!(verify(EVENTS, &signature, "1700000000", &public, 1_700_000_060), Ok(()));
        assert_eq!(verify(b"[]", &signature, "1700000000", &public, 1_700_000_060), Err(Error::Mismatch("SendGrid")));
        let (_, other) = keys();
        assert_eq!(verify(EVENTS, &signature, "1700000000", &other, 1_700_000_060), Err(Error::Mismatch("SendGrid")));
        assert_eq!(verify(EVENTS, &signature, "1700000000", &public, 1_700_000_900), Err(Error::Stale { age: 900 }));
        assert_eq!(
            verify(EVENTS, "AAAA", "1700000000", &public, 1_700_000_000),
            Err(Error::Malformed(SIGNATURE_HEADER))
        );
        assert_eq!(verify(EVENTS, &signature, "1700000000", "not a key", 0), Err(Error::BadKey("SendGrid")));
    }

    /// SendGrid's own published test vector (the `EventWebhook` tests of its helper libraries,
    /// e.g. sendgrid-python's test/test_eventwebhook.py): key, signature, timestamp and payload
    /// exactly as published, trailing CRLF included.
    #[test]
    fn sendgrid_s_published_vector() {
        const KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
        const SIGNATURE: &str =
            "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=";
        const TIMESTAMP: &str = "1600112502";
        const PAYLOAD: &[u8] = b"[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\",\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\",\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\",\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n";
        let at = 1_600_112_502;
        verify(PAYLOAD, SIGNATURE, TIMESTAMP, KEY, at).expect("SendGrid's own vector verifies");
        let tampered = String::from_utf8_lossy(PAYLOAD).replace("dropped", "delivered");
        assert!(matches!(verify(tampered.as_bytes(), SIGNATURE, TIMESTAMP, KEY, at), Err(Error::Mismatch(_))));
        assert!(verify(PAYLOAD, SIGNATURE, "1600112503", KEY, at).is_err(), "the timestamp is signed too");
        assert!(verify(PAYLOAD, SIGNATURE, TIMESTAMP, KEY, at + 3600).is_err(), "an hour late is stale");
    }
}
