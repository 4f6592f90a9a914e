//! What every call shares: a request carrying the key, its log line under
//! `--verbose`, a warning, a pause between tries that a signal cuts short,
//! and a small JSON answer read as text.

use super::{Client, chain};
use crate::error::Error;
use crate::signals::Signals;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use std::time::{Duration, Instant};

impl Client {
    /// A request with the key and `Accept: application/json`, within
    /// `timeout`; anything but a GET follows no redirect (a redirect could
    /// repeat it, or turn it into a GET).
    pub(super) fn request(
        &self,
        method: reqwest::Method,
        url: &url::Url,
        timeout: Duration,
    ) -> reqwest::RequestBuilder {
        let client = if method == reqwest::Method::GET {
            &self.http
        } else {
            &self.once
        };
        client
            .request(method, url.clone())
            .header(self.endpoint.header, self.key.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(timeout)
    }

    /// A POST of the JSON `bytes` (see [`Client::request`]).
    pub(super) fn post_json(
        &self,
        url: &url::Url,
        bytes: Vec<u8>,
        timeout: Duration,
    ) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::POST, url, timeout)
            .header(CONTENT_TYPE, "application/json")
            .body(bytes)
    }

    pub(super) fn log(
        &self,
        method: &str,
        url: &reqwest::Url,
        status: StatusCode,
        started: Instant,
    ) {
        if self.verbosity == crate::console::Verbosity::Verbose {
            crate::errln!(
                "vocera-gate: {method} {url} -> {status} in {} ms",
                started.elapsed().as_millis()
            );
        }
    }

    pub(super) fn note(&self, text: &str) {
        if self.verbosity != crate::console::Verbosity::Quiet {
            crate::errln!("vocera-gate: warning: {}", self.endpoint.key.hide(text));
        }
    }
}

/// Sleeps `wait` (or until `deadline`, if that comes first) between two
/// tries; a signal in the meantime ends the tries, nothing more is sent.
pub(super) async fn pause(
    wait: Duration,
    deadline: Instant,
    signals: &mut Signals,
    unsent: &str,
) -> Result<(), Error> {
    let left = deadline.saturating_duration_since(Instant::now());
    tokio::select! {
        _ = tokio::time::sleep(wait.min(left)) => Ok(()),
        s = signals.recv() => Err(Error::Cancelled(s, unsent.to_owned())),
    }
}

/// A small JSON answer as text (at most 64 MiB).
pub(super) async fn read_text(response: reqwest::Response) -> Result<String, String> {
    match read_text_partial(response).await {
        (bytes, None) => String::from_utf8(bytes).map_err(|_| "the answer is not UTF-8".to_owned()),
        (_, Some(e)) => Err(e),
    }
}

/// The bytes of an answer (at most 64 MiB), and why they stopped short if
/// they did: a cut answer may still name its result.
pub(super) async fn read_text_partial(
    mut response: reqwest::Response,
) -> (Vec<u8>, Option<String>) {
    let mut bytes: Vec<u8> = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > 64 * 1024 * 1024 {
                    return (bytes, Some("the answer is larger than 64 MiB".into()));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return (bytes, None),
            Err(e) => return (bytes, Some(chain(&e.without_url()))),
        }
    }
}
