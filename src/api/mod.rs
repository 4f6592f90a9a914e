//! The bulk-runs endpoint over HTTP: one `GET` per chunk of IDs, answers read
//! into runs ([`Parsed`]), failures sorted into "try again" and "give up";
//! and (in `start`) starting a result, reading one, ending its calls.
//!
//! The key is a secret: it is sent only to the origin of the configured base
//! URL (redirects to another origin are refused, not followed), never logged,
//! and no URL we print or put in an error carries it (it travels in a header).

mod body;
mod deprecation;
mod endpoint;
mod lookup;
pub mod proxy;
mod result;
mod start;

pub use endpoint::{ApiKey, Endpoint, Profile, checked_base, read_ca_certs, shows_key, start_url};
pub use proxy::{Proxy, ProxyVars};
pub use start::{Priced, StartFailed};

use crate::console::Verbosity;
use crate::model::{Keep, Parsed, parse_answer};
use futures_util::stream::{self, StreamExt};
use reqwest::header::{HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::{StatusCode, redirect};
use std::collections::HashSet;
use std::error::Error as _;
use std::time::{Duration, Instant, SystemTime};

/// The largest answer we read; past it the service or a proxy is misbehaving.
pub const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;
/// Keep each request's query well under the 8 KB many servers allow.
pub const MAX_QUERY_BYTES: usize = 4000;
/// Requests in flight at once during one poll.
pub const CONCURRENT_REQUESTS: usize = 4;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a request for some runs did not give them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// Worth another try later: connection trouble, 408, 429, 5xx, an answer
    /// that is not the documented JSON.
    #[error("{message}")]
    Transient {
        message: String,
        retry_after: Option<Duration>,
        rate_limited: bool,
        /// The answer came, but not in the documented shape: the same one
        /// twice in a row is no blip (see `poll`).
        undocumented: bool,
        /// The proxy, not the API, was out of reach: advice names the proxy.
        proxy: bool,
    },
    /// Trying again will not help: key refused, other 4xx, a redirect to
    /// another host, an untrusted certificate.
    #[error("{0}")]
    Fatal(String),
}

/// Why the HTTP client could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the API key holds characters a header cannot carry; copy it again from the dashboard")]
    KeyNotAHeader,
    #[error("cannot set up the HTTP client: {0}")]
    Http(String),
}

/// A client for one endpoint.
pub struct Client {
    http: reqwest::Client,
    /// Follows no redirect: for the POSTs, which a redirect could repeat
    /// or turn into a GET.
    once: reqwest::Client,
    endpoint: Endpoint,
    key: HeaderValue,
    proxy: Option<Proxy>,
    keep: Keep,
    verbosity: Verbosity,
    /// The deprecation warning, given once per run.
    deprecation: deprecation::Deprecation,
}

impl Client {
    /// Builds the client. `ca_certs` are extra trusted roots (PEM), on top of
    /// the system's store; `keep` says what parsing keeps of each run.
    pub fn new(
        endpoint: Endpoint,
        ca_certs: Vec<reqwest::Certificate>,
        proxy: Option<Proxy>,
        keep: Keep,
        verbosity: Verbosity,
    ) -> Result<Client, ClientError> {
        let mut key =
            HeaderValue::from_str(endpoint.key.expose()).map_err(|_| ClientError::KeyNotAHeader)?;
        key.set_sensitive(true);
        let origin = endpoint.url.origin();
        let policy = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 || attempt.url().origin() != origin {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        // The proxy was chosen from the environment already (`proxy`).
        let through = match &proxy {
            Some(p) => Some(reqwest::Proxy::all(p.url.as_str()).map_err(|e| {
                let e = chain(&e.without_url());
                ClientError::Http(format!("{} cannot be used as a proxy: {e}", p.variable))
            })?),
            None => None,
        };
        install_tls_provider();
        let builder = || {
            let mut builder = reqwest::Client::builder()
                .no_proxy()
                .connect_timeout(CONNECT_TIMEOUT)
                .user_agent(concat!("vocera-gate/", env!("CARGO_PKG_VERSION")))
                .tls_certs_merge(ca_certs.clone());
            if let Some(through) = &through {
                builder = builder.proxy(through.clone());
            }
            builder
        };
        let http = builder()
            .redirect(policy)
            .build()
            .map_err(|e| ClientError::Http(chain(&e)))?;
        let once = builder()
            .redirect(redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Http(chain(&e)))?;
        Ok(Client {
            http,
            once,
            endpoint,
            key,
            proxy,
            keep,
            verbosity,
            deprecation: deprecation::Deprecation::default(),
        })
    }

    /// Fetches the runs for `ids`, chunked and a few chunks at a time. Each
    /// chunk's result comes back with its IDs, in the order of `ids`.
    pub async fn fetch_all(
        &self,
        ids: &[u64],
        deadline: Instant,
    ) -> Vec<(Vec<u64>, Result<Parsed, FetchError>)> {
        let chunks = chunk_ids(ids, MAX_QUERY_BYTES);
        stream::iter(chunks)
            .map(|chunk| async move {
                let result = self.fetch_split(&chunk, deadline).await;
                (chunk, result)
            })
            .buffered(CONCURRENT_REQUESTS)
            .collect()
            .await
    }

    /// One chunk; a server that still finds the URL too long (414, 431) gets
    /// the chunk in halves.
    async fn fetch_split(&self, ids: &[u64], deadline: Instant) -> Result<Parsed, FetchError> {
        match self.fetch(ids, deadline).await {
            Err(Split) if ids.len() > 1 => {
                let (a, b) = ids.split_at(ids.len() / 2);
                let mut first = Box::pin(self.fetch_split(a, deadline)).await?;
                let second = Box::pin(self.fetch_split(b, deadline)).await?;
                first.runs.extend(second.runs);
                first.unrequested = first.unrequested.or(second.unrequested);
                first.unidentified = first.unidentified.or(second.unidentified);
                Ok(first)
            }
            Err(Split) => Err(FetchError::Fatal(format!(
                "the API refuses even a one-ID request as too long (HTTP 414/431) at {}",
                self.endpoint.url
            ))),
            Ok(result) => result,
        }
    }

    async fn fetch(
        &self,
        ids: &[u64],
        deadline: Instant,
    ) -> Result<Result<Parsed, FetchError>, Split> {
        let mut url = self.endpoint.url.clone();
        url.set_query(Some(&format!("run_ids={}", join_ids(ids))));
        // The whole request, connecting included, ends by the deadline.
        let timeout = deadline
            .saturating_duration_since(Instant::now())
            .min(MAX_REQUEST_TIMEOUT);
        if timeout.is_zero() {
            return Ok(Err(FetchError::Transient {
                message: "the deadline passed before the request could be sent".to_owned(),
                retry_after: None,
                rate_limited: false,
                undocumented: false,
                proxy: false,
            }));
        }
        let started = Instant::now();
        let response = self
            .request(reqwest::Method::GET, &url, timeout)
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => return Ok(Err(self.send_error(e))),
        };
        let status = response.status();
        self.watch_deprecation(&response);
        if self.verbosity == Verbosity::Verbose {
            crate::errln!(
                "vocera-gate: GET {} ({} IDs) -> {} in {} ms",
                self.endpoint.url,
                ids.len(),
                status,
                started.elapsed().as_millis()
            );
        }
        if status == StatusCode::URI_TOO_LONG
            || status == StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        {
            return Err(Split);
        }
        Ok(self
            .read(response, status, ids)
            .await
            .map_err(|e| self.redact(e)))
    }

    /// An answer that quotes the key back (an echoing proxy, an error page,
    /// a JSON type error naming the value) must not carry it into messages.
    fn redact(&self, e: FetchError) -> FetchError {
        let key = &self.endpoint.key;
        match e {
            FetchError::Transient {
                message,
                retry_after,
                rate_limited,
                undocumented,
                proxy,
            } => FetchError::Transient {
                message: key.hide_in(&message),
                retry_after,
                rate_limited,
                undocumented,
                proxy,
            },
            FetchError::Fatal(message) => FetchError::Fatal(key.hide_in(&message)),
        }
    }

    async fn read(
        &self,
        mut response: reqwest::Response,
        status: StatusCode,
        ids: &[u64],
    ) -> Result<Parsed, FetchError> {
        let retry_after = retry_after(&response);
        if status.is_redirection() {
            return Err(self.redirect_error(&response, status));
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(FetchError::Fatal(self.key_refused(status)));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(FetchError::Transient {
                message: format!("the API is rate-limiting us (HTTP {status})"),
                retry_after,
                rate_limited: true,
                undocumented: false,
                proxy: false,
            });
        }
        if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            return Err(FetchError::Transient {
                message: format!("the API answered HTTP {status}"),
                retry_after,
                rate_limited: false,
                undocumented: false,
                proxy: false,
            });
        }
        if !status.is_success() {
            let said = body::excerpt(response, &self.endpoint.key).await;
            return Err(FetchError::Fatal(format!(
                "the API answered HTTP {status} for {}{said}; check --base-url and --api",
                self.endpoint.url
            )));
        }
        if let Some(encoding) = body::encoding(&response) {
            return Err(FetchError::Fatal(format!(
                "the API's answer is {encoding}-compressed (Content-Encoding), which the gate did not ask for and does not read; a proxy between the gate and the API may be compressing it"
            )));
        }
        if let Some(length) = response.content_length()
            && length > MAX_BODY_BYTES as u64
        {
            return Err(too_large());
        }
        let mut body: Vec<u8> = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(bytes)) => {
                    if body.len() + bytes.len() > MAX_BODY_BYTES {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&bytes);
                }
                Ok(None) => break,
                Err(e) => return Err(self.send_error(e)),
            }
        }
        let key = &self.endpoint.key;
        let text = match String::from_utf8(body) {
            Ok(t) => t,
            Err(e) => {
                return Err(body::undocumented(
                    "the answer is not UTF-8",
                    e.as_bytes(),
                    key,
                ));
            }
        };
        // The key goes before anything is read: run text holding it (an
        // echoed header, a URL with the key in its query) reaches every
        // report and the saved response as `[the API key]`.
        let text = key.hide(&text);
        // Runs nobody asked for are skipped unbuilt; the poll warns of one.
        let wanted: HashSet<u64> = ids.iter().copied().collect();
        parse_answer(&text, self.keep, Some(&wanted))
            .map_err(|e| body::undocumented(&e.0, text.as_bytes(), key))
    }

    /// A redirect the client did not follow: to another origin (the key is
    /// only sent to the configured one), a loop, or one without a Location.
    fn redirect_error(&self, response: &reqwest::Response, status: StatusCode) -> FetchError {
        let Some(target) = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
        else {
            return FetchError::Fatal(format!(
                "the API answered HTTP {status} without a Location to go to; check --base-url"
            ));
        };
        // The redirect policy follows up to 5 redirects within the origin.
        let same_origin = response
            .url()
            .join(target)
            .is_ok_and(|url| url.origin() == self.endpoint.url.origin());
        FetchError::Fatal(if same_origin {
            format!(
                "the API kept redirecting (HTTP {status}, more than 5 times, last to {target}); check --base-url"
            )
        } else {
            format!(
                "the API answered HTTP {status} redirecting to {target}, another origin than {}; the key is only sent to the configured host, so the redirect was not followed. Check --base-url",
                origin_text(&self.endpoint.url)
            )
        })
    }

    /// Why a 401 or 403 came: the key, or a profile that does not match it.
    fn key_refused(&self, status: StatusCode) -> String {
        format!(
            "the API refused the key from {} (HTTP {status}); check it, and that --api matches the key's platform ({} sent)",
            self.endpoint.key.source(),
            self.endpoint.header
        )
    }

    fn send_error(&self, e: reqwest::Error) -> FetchError {
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
}

impl Client {
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

/// A chunk the server found too long; retried in halves.
struct Split;

fn too_large() -> FetchError {
    FetchError::Fatal(format!(
        "the API's answer is larger than {} MiB; request fewer runs at a time",
        MAX_BODY_BYTES / 1024 / 1024
    ))
}

/// The error and its causes on one line, without the request URL.
fn chain(e: &reqwest::Error) -> String {
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

fn origin_text(url: &reqwest::Url) -> String {
    url.origin().ascii_serialization()
}

pub fn join_ids(ids: &[u64]) -> String {
    let mut s = String::with_capacity(ids.len() * 8);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&id.to_string());
    }
    s
}

/// Splits IDs into groups whose `run_ids=` query stays within `max_bytes`.
pub fn chunk_ids(ids: &[u64], max_bytes: usize) -> Vec<Vec<u64>> {
    let budget = max_bytes.saturating_sub("run_ids=".len()).max(20);
    let mut chunks = Vec::new();
    let mut current: Vec<u64> = Vec::new();
    let mut used = 0;
    for &id in ids {
        let digits = id.checked_ilog10().unwrap_or(0) as usize + 1;
        if !current.is_empty() && used + 1 + digits > budget {
            chunks.push(std::mem::take(&mut current));
            used = 0;
        }
        // A comma before every ID but a chunk's first.
        used += digits + usize::from(!current.is_empty());
        current.push(id);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// An answer's `Retry-After`, when it has a readable one.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
}

/// `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// TLS is rustls with the ring provider (reqwest brings none of its own
/// here), installed for the process before any client is built.
pub(crate) fn install_tls_provider() {
    // An error only says a provider is installed already: this one.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_order_and_stay_under_the_limit() {
        let ids: Vec<u64> = (1..=5000).map(|i| i * 1_000_003).collect();
        let chunks = chunk_ids(&ids, MAX_QUERY_BYTES);
        assert!(chunks.len() > 1, "5000 long IDs need several requests");
        assert_eq!(chunks.concat(), ids, "every ID once, in order");
        for c in &chunks {
            assert!(
                format!("run_ids={}", join_ids(c)).len() <= MAX_QUERY_BYTES,
                "query within limit"
            );
        }
        assert_eq!(chunk_ids(&[1, 2, 3], MAX_QUERY_BYTES), vec![vec![1, 2, 3]]);
        assert!(chunk_ids(&[], MAX_QUERY_BYTES).is_empty());
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "a past date means now"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
