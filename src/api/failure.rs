//! A request that got no answer: the connection, TLS or the proxy failed.
//! Named by origin (the URL can hold thousands of IDs), one line with its
//! causes.

use super::proxy::Proxy;
use super::{Client, FetchError};
use std::error::Error as _;

impl Client {
    pub(super) fn send_error(&self, e: reqwest::Error) -> FetchError {
        // The URL can hold thousands of IDs; the origin is named instead.
        let e = e.without_url();
        let detail = chain(&e);
        let lower = detail.to_lowercase();
        if lower.contains("certificate") || lower.contains("unknownissuer") {
            return FetchError::Fatal(format!(
                "the TLS certificate of {} is not trusted ({detail}); if a corporate proxy re-signs traffic, pass its CA with --ca-cert PATH (PEM)",
                origin_text(&self.endpoint.url)
            ));
        }
        if let Some(p) = &self.proxy
            && e.is_connect()
        {
            return self.proxy_error(p, &detail);
        }
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else {
            "failed"
        };
        FetchError::Transient {
            message: format!(
                "the request to {} {what}: {detail}",
                origin_text(&self.endpoint.url)
            ),
            retry_after: None,
            rate_limited: false,
            undocumented: false,
            proxy: false,
        }
    }

    /// A connection through the proxy failed: at the proxy itself, or at its
    /// tunnel to the API. Retried as other connection trouble is.
    fn proxy_error(&self, p: &Proxy, detail: &str) -> FetchError {
        let api = origin_text(&self.endpoint.url);
        let message = if detail.to_lowercase().contains("tunnel") {
            format!(
                "the proxy {} (from {}) did not open a connection to {api}: {detail}; check that the proxy allows it, or add the API's host to NO_PROXY",
                p.shown(),
                p.variable
            )
        } else {
            format!(
                "could not reach the proxy {} (from {}) on the way to {api}, so the API itself was not reached: {detail}",
                p.shown(),
                p.variable
            )
        };
        FetchError::Transient {
            message,
            retry_after: None,
            rate_limited: false,
            undocumented: false,
            proxy: true,
        }
    }
}

/// The error and its causes on one line, without the request URL.
pub(super) fn chain(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

pub(super) fn origin_text(url: &reqwest::Url) -> String {
    url.origin().ascii_serialization()
}
