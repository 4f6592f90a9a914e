//! The bulk-runs endpoint over HTTP: one `GET` per chunk of IDs, answers read
//! into runs ([`Parsed`], in `answer`), failures sorted into "try again"
//! and "give up" (`failure`); and the calls around a result: starting one
//! (`start`), reading one (`result`), finding one by name (`lookup`),
//! ending its calls (`end_calls`).
//!
//! The key is a secret: it is sent only to the origin of the configured base
//! URL (redirects to another origin are refused, not followed), never logged,
//! and no URL we print or put in an error carries it (it travels in a header).

mod answer;
mod body;
mod deprecation;
mod end_calls;
mod endpoint;
mod failure;
mod ids;
mod lookup;
pub mod proxy;
mod request;
mod result;
mod start;

pub(crate) use endpoint::is_loopback;
pub use endpoint::{ApiKey, Endpoint, Profile, checked_base, read_ca_certs, shows_key, start_url};
pub use proxy::{Proxy, ProxyVars};
pub use start::{Priced, StartFailed};

use crate::console::Verbosity;
use crate::model::{Keep, Parsed};
use answer::retry_after;
use failure::{chain, origin_text};
use futures_util::stream::{self, StreamExt};
use ids::{chunk_ids, join_ids};
use reqwest::header::HeaderValue;
use reqwest::{StatusCode, redirect};
use std::time::{Duration, Instant};

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
}

/// A chunk the server found too long; retried in halves.
struct Split;

/// TLS is rustls with the ring provider (reqwest brings none of its own
/// here), installed for the process before any client is built.
pub(crate) fn install_tls_provider() {
    // An error only says a provider is installed already: this one.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
