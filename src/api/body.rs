//! What an answer's body says when it is not the runs: quoted briefly, on
//! one line, the key hidden, and never as bytes nobody can read.

use super::FetchError;
use super::endpoint::ApiKey;
use reqwest::header::CONTENT_ENCODING;

/// How many characters of a body a message quotes.
const SHOWN: usize = 120;

/// The answer's content coding when it has one (`gzip`, `br`): the gate asks
/// for none and reads none.
pub fn encoding(response: &reqwest::Response) -> Option<String> {
    let value = response.headers().get(CONTENT_ENCODING)?.to_str().ok()?;
    let value = value.trim().to_ascii_lowercase();
    (!value.is_empty() && value != "identity").then_some(value)
}

/// `: "<the body's start>"` for an error answer (a 400's field errors, a
/// 404's detail), or nothing when it has no readable body.
pub async fn excerpt(mut response: reqwest::Response, key: &ApiKey) -> String {
    if let Some(encoding) = encoding(&response) {
        return format!(" (with a {encoding}-compressed body)");
    }
    let mut body: Vec<u8> = Vec::new();
    while body.len() < 16 * 1024 {
        match response.chunk().await {
            Ok(Some(bytes)) => body.extend_from_slice(&bytes),
            _ => break,
        }
    }
    let head = head(&body, key);
    if head.is_empty() {
        String::new()
    } else {
        format!(", saying {head:?}")
    }
}

/// The error for an answer we cannot read, quoting its start.
pub fn undocumented(why: &str, body: &[u8], key: &ApiKey) -> FetchError {
    let message = if body.starts_with(&[0x1f, 0x8b]) {
        format!(
            "the API's answer is not the documented JSON ({why}): it is gzip-compressed data, though no Content-Encoding said so"
        )
    } else {
        format!(
            "the API's answer is not the documented JSON ({why}); it began: {:?}",
            head(body, key)
        )
    };
    FetchError::Transient {
        message,
        retry_after: None,
        rate_limited: false,
        undocumented: true,
        proxy: false,
    }
}

/// The first characters of a body on one line. The key is hidden before
/// cutting, so no part of it survives at the cut: the window holds `SHOWN`
/// characters of up to 4 bytes, and the key's longest form after them.
fn head(body: &[u8], key: &ApiKey) -> String {
    let window = &body[..body.len().min(4 * SHOWN + key.longest_form())];
    let text: String = key
        .hide(&String::from_utf8_lossy(window))
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ").chars().take(SHOWN).collect()
}
