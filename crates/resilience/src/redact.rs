//! Scrubbing text before it is stored or logged: secrets, phone numbers, email addresses and
//! credentials in URLs or headers never reach the events table or the logs.

/// Words after which the next token is a credential (`Bearer abc`, `api_key=abc`).
const CREDENTIAL_WORDS: [&str; 9] =
    ["bearer", "basic", "key", "token", "secret", "password", "apikey", "api_key", "authorization"];

/// Replaces, in order: every registered secret, every email address, every run of 7 or more
/// digits (phone numbers, card numbers — separators like spaces, dashes and brackets included),
/// and the value after a credential word.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(secret.as_str(), "[secret]");
    }
    let out = mask_emails(&out);
    let out = mask_digit_runs(&out);
    mask_credentials(&out)
}

fn mask_emails(text: &str) -> String {
    text.split_inclusive(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',' || c == '&' || c == '?')
        .map(|token| {
            let (word, sep) = split_trailing_separator(token);
            if word.contains('@') && word.contains('.') {
                format!("[email]{sep}")
            } else {
                token.to_string()
            }
        })
        .collect()
}

fn split_trailing_separator(token: &str) -> (&str, &str) {
    match token.char_indices().last() {
        Some((i, c)) if c.is_whitespace() || "\"',&?".contains(c) => (&token[..i], &token[i..]),
        _ => (token, ""),
    }
}

/// Digit runs of 7+ digits, allowing the separators people put in phone numbers.
fn mask_digit_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit()
            || (chars[i] == '+' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()))
            || chars[i] == '('
        {
            let mut j = i;
            let mut digits = 0;
            let mut last_digit_end = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || " -.()+".contains(chars[j])) {
                if chars[j].is_ascii_digit() {
                    digits += 1;
                    last_digit_end = j + 1;
                }
                j += 1;
            }
            if digits >= 7 {
                out.push_str("[number]");
                i = last_digit_end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn mask_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut mask_next = false;
    for token in text.split_inclusive(|c: char| c.is_whitespace() || c == '&' || c == '?' || c == ',') {
        let (word, sep) = split_trailing_separator(token);
        let is_credential_word = CREDENTIAL_WORDS.contains(&word.to_ascii_lowercase().trim_end_matches(':'));
        if mask_next && !word.is_empty() {
            if is_credential_word {
                // "Authorization: Bearer <token>": the token is still to come.
                out.push_str(token);
                continue;
            }
            mask_next = false;
            if word.starts_with('[') {
                out.push_str(token); // already replaced by an earlier pass
            } else {
                out.push_str("[redacted]");
                out.push_str(sep);
            }
            continue;
        }
        if let Some((name, value)) = word.split_once(['=', ':']) {
            if !value.is_empty() && CREDENTIAL_WORDS.contains(&name.to_ascii_lowercase().trim_matches('"')) {
                out.push_str(&word[..name.len() + 1]);
                out.push_str("[redacted]");
                out.push_str(sep);
                continue;
            }
        }
        mask_next = is_credential_word;
        out.push_str(token);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_emails_and_credentials_are_masked() {
        let secrets = vec!["sk_live_51HxYz".to_string()];
        let cases = [
            ("texting (559) 234-5678 failed", "texting [number] failed"),
            ("to +15592345678: queued", "to [number]: queued"),
            ("sent to pat.lee@example.com, ok", "sent to [email], ok"),
            ("Authorization: Bearer abc.def.ghi", "Authorization: Bearer [redacted]"),
            ("GET /v1/x?api_key=abc123&vin=1HGCM82633A004352", "GET /v1/x?api_key=[redacted]&vin=1HGCM82633A004352"),
            ("key sk_live_51HxYz rejected", "key [secret] rejected"),
            ("HTTP 503 after 3 retries", "HTTP 503 after 3 retries"),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input, &secrets), expected, "{input}");
        }
    }

    #[test]
    fn vins_and_short_numbers_survive() {
        let text = "decode 1HGCM82633A004352 year 2003 took 120 ms";
        assert_eq!(redact(text, &[]), text);
    }
}
