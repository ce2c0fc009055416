//! Twilio webhooks (inbound messages, status callbacks): `X-Twilio-Signature` is the base64
//! HMAC-SHA1, under the account's auth token, of the full URL Twilio called followed by every
//! POST parameter's name and value, sorted by name.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::{Error, Result};

const HEADER: &str = "X-Twilio-Signature";

/// Accepts the call when `header` is the signature of `url` and `params` under `auth_token`.
pub fn verify(url: &str, params: &[(String, String)], header: &str, auth_token: &str) -> Result<()> {
    let given =
        base64::engine::general_purpose::STANDARD.decode(header.trim()).map_err(|_| Error::Malformed(HEADER))?;
    mac(url, params, auth_token).verify_slice(&given).map_err(|_| Error::Mismatch("Twilio"))
}

/// The `X-Twilio-Signature` Twilio would send (tests).
pub fn sign(url: &str, params: &[(String, String)], auth_token: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(url, params, auth_token).finalize().into_bytes())
}

fn mac(url: &str, params: &[(String, String)], auth_token: &str) -> Hmac<Sha1> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Vec<(String, String)> {
        [("MessageSid", "SM1"), ("From", "+15552345678"), ("Body", "Yes, go ahead")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec()
    }

    #[test]
    fn twilios_published_example_verifies() {
        // the vector of Twilio's own request validators (auth token 12345)
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .to_vec();
        assert_eq!(sign(url, &params, "12345"), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    }

    #[test]
    fn valid_and_forged() {
        let url = "https://cloud.example/v1/relay/shop/twilio";
        let header = sign(url, &params(), "token");
        assert_eq!(verify(url, &params(), &header, "token"), Ok(()));
        let mut changed = params();
        changed[2].1 = "No".into();
        assert_eq!(verify(url, &changed, &header, "token"), Err(Error::Mismatch("Twilio")));
        assert_eq!(verify("https://elsewhere.example/", &params(), &header, "token"), Err(Error::Mismatch("Twilio")));
        assert_eq!(verify(url, &params(), "not base64!", "token"), Err(Error::Malformed(HEADER)));
    }
}
