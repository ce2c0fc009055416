//! Enrollment codes and device credentials: random, shown once, kept only as SHA-256.

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Crockford's base32: no I, L, O or U to misread when a code is typed from a screen.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A one-time code a counter enrolls with: 16 characters (80 bits) in groups of four.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentCode(pub String);

impl EnrollmentCode {
    pub fn generate() -> EnrollmentCode {
        let random = Uuid::new_v4(); // 122 random bits; the first 80 of its bytes are used
        let bytes = &random.as_bytes()[..10];
        let mut bits: u128 = 0;
        for b in bytes {
            bits = (bits << 8) | *b as u128;
        }
        let chars: String = (0..16).rev().map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char).collect();
        EnrollmentCode(format!("{}-{}-{}-{}", &chars[..4], &chars[4..8], &chars[8..12], &chars[12..]))
    }

    /// The code as typed: upper case, dashes and spaces ignored, O read as 0 and I/L as 1.
    pub fn normalized(typed: &str) -> String {
        typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect()
    }

    /// What the database keeps.
    pub fn hash(typed: &str) -> String {
        sha256(&Self::normalized(typed))
    }
}

/// A device's credential, `dxd.SHOP.DEVICE.SECRET`, sent as a bearer token. The shop and device
/// ids say where to look; only the secret's hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceToken {
    pub shop: Uuid,
    pub device: Uuid,
    pub secret: String,
}

impl DeviceToken {
    pub fn generate(shop: Uuid, device: Uuid) -> DeviceToken {
        DeviceToken { shop, device, secret: new_secret() }
    }

    pub fn parse(text: &str) -> Option<DeviceToken> {
        let mut parts = text.trim().split('.');
        let (prefix, shop, device, secret) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if prefix != "dxd"
            || parts.next().is_some()
            || secret.len() != 64
            || !secret.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        Some(DeviceToken { shop: shop.parse().ok()?, device: device.parse().ok()?, secret: secret.to_string() })
    }

    pub fn secret_hash(&self) -> String {
        sha256(&self.secret)
    }
}

impl std::fmt::Display for DeviceToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dxd.{}.{}.{}", self.shop, self.device, self.secret)
    }
}

/// A device secret: 64 hex digits from two v4 UUIDs (244 random bits).
pub(crate) fn new_secret() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

pub(crate) fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_typeable_and_forgive_look_alikes() {
        let code = EnrollmentCode::generate();
        assert_eq!(code.0.len(), 19);
        assert!(code.0.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))), "{}", code.0);
        assert_ne!(EnrollmentCode::generate(), code);
        let typed = code.0.to_lowercase().replace('-', " ");
        assert_eq!(EnrollmentCode::hash(&typed), EnrollmentCode::hash(&code.0));
        assert_eq!(EnrollmentCode::normalized("o1l-i"), "0111");
    }

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let token = DeviceToken::generate(Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(DeviceToken::parse(&token.to_string()), Some(token.clone()));
        for bad in ["", "dxd", "dxd.a.b.c", "abc.def", &format!("{token}.x"), &token.to_string().replace("dxd", "dxe")]
        {
            assert_eq!(DeviceToken::parse(bad), None, "{bad}");
        }
        assert_ne!(token.secret_hash(), token.secret);
    }
}
