//! AWS Signature Version 4 for the few AWS calls the counter makes (SNS Publish): the canonical
//! request, the string to sign, the derived key, the Authorization header. Checked against the
//! AWS SigV4 test suite's `get-vanilla` and `post-x-www-form-urlencoded` cases.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// AWS credentials (kept in the OS keychain).
#[derive(Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// One request to sign: `headers` are lower-case names with their values, `host` among them.
pub struct Request<'a> {
    pub method: &'a str,
    /// The path, already URI-encoded (`/`).
    pub path: &'a str,
    /// The query string as sent (`a=1&b=2`), sorted by name; empty for none.
    pub query: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// The headers to add to `request`: `x-amz-date` and `authorization`.
pub fn sign(
    request: &Request,
    credentials: &Credentials,
    region: &str,
    service: &str,
    at: DateTime<Utc>,
) -> [(String, String); 2] {
    let amz_date = at.format("%Y%m%dT%H%M%SZ").to_string();
    let date = at.format("%Y%m%d").to_string();
    let mut headers: Vec<(String, String)> =
        request.headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string())).collect();
    headers.push(("x-amz-date".into(), amz_date.clone()));
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let signed_headers = headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        request.path,
        request.query,
        canonical_headers,
        signed_headers,
        hex::encode(Sha256::digest(request.body))
    );
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign =
        format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())));
    let mut key = hmac(format!("AWS4{}", credentials.secret_access_key).as_bytes(), date.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    [
        ("x-amz-date".into(), amz_date),
        (
            "authorization".into(),
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
                credentials.access_key_id
            ),
        ),
    ]
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> (Credentials, DateTime<Utc>) {
        let credentials = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        };
        (credentials, DateTime::parse_from_rfc3339("2015-08-30T12:36:00Z").unwrap().with_timezone(&Utc))
    }

    /// The AWS SigV4 test suite's `get-vanilla`.
    #[test]
    fn aws_test_suite_get_vanilla() {
        let (credentials, at) = example();
        let request =
            Request { method: "GET", path: "/", query: "", headers: &[("host", "example.amazonaws.com")], body: b"" };
        let [(_, date), (_, authorization)] = sign(&request, &credentials, "us-east-1", "service", at);
        assert_eq!(date, "20150830T123600Z");
        assert_eq!(
            authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    /// The AWS SigV4 test suite's `post-x-www-form-urlencoded`.
    #[test]
    fn aws_test_suite_post_form() {
        let (credentials, at) = example();
        let request = Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &[("content-type", "application/x-www-form-urlencoded"), ("host", "example.amazonaws.com")],
            body: b"Param1=value1",
        };
        let [_, (_, authorization)] = sign(&request, &credentials, "us-east-1", "service", at);
        assert!(
            authorization.ends_with(
                "SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
            ),
            "{authorization}"
        );
    }
}
