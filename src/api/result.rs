//! Reading a result (`GET results/{id}`, `--result-id`): its runs before
//! the wait, tried a few times; its runs again while waiting, so a run
//! added to the result after the gate first read it is waited for and
//! gated too (one request per read, bounded by the deadline, its failures
//! sorted as a poll's are, [`FetchError`], so the waiting loop backs off
//! from a failing API and decides when to give up); and, after waiting,
//! its success rate.

use super::request::{pause, read_text};
use super::start::START_TIMEOUT;
use super::{Client, FetchError, body, chain, origin_text, retry_after};
use crate::error::{Error, usage};
use crate::signals::Signals;
use crate::start::{parse_result_runs, parse_success_rate};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// The longest a read of the result may take.
const REREAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Tries of reading a result (a `GET`, safe to repeat).
const RESULT_TRIES: u32 = 4;
/// The most the read of a result's success rate may take, after waiting:
/// it only adds a figure to the reports.
pub const RATE_TIMEOUT: Duration = Duration::from_secs(10);
/// Said when a signal ends the tries of reading a result.
const NOT_READ: &str = "the result's runs were not read, and its calls were left as they are";

impl Client {
    /// The run IDs of result `id` (`--result-id`).
    pub async fn result_runs(
        &self,
        id: u64,
        deadline: Instant,
        signals: &mut Signals,
    ) -> Result<Vec<u64>, Error> {
        let Some(url) = self.endpoint.result_url(id) else {
            return Err(usage(
                "--result-id needs --api cekura: the v1 API documents no result endpoint for API keys",
            ));
        };
        let key = &self.endpoint.key;
        let mut wait = Duration::from_secs(1);
        let mut trouble = String::new();
        for _ in 0..RESULT_TRIES {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let started = Instant::now();
            let request = self
                .request(reqwest::Method::GET, &url, left.min(START_TIMEOUT))
                .send();
            let sent = tokio::select! {
                sent = request => sent,
                s = signals.recv() => return Err(Error::Cancelled(s, NOT_READ.to_owned())),
            };
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    trouble = format!(
                        "the request to {} failed: {}",
                        origin_text(&url),
                        key.hide(&chain(&e.without_url()))
                    );
                    pause(wait, deadline, signals, NOT_READ).await?;
                    wait *= 2;
                    continue;
                }
            };
            let status = response.status();
            self.watch_deprecation(&response);
            self.log("GET", &url, status, started);
            if status == StatusCode::NOT_FOUND {
                return Err(usage(format!(
                    "result {id} was not found at {} (HTTP 404); check the ID, --base-url and the key's account",
                    self.endpoint.base.as_str().trim_end_matches('/')
                )));
            }
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                return Err(Error::Api(self.key_refused(status)));
            }
            if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                let after = retry_after(&response).unwrap_or(wait);
                trouble = format!("the API answered HTTP {status}");
                pause(after, deadline, signals, NOT_READ).await?;
                wait *= 2;
                continue;
            }
            if !status.is_success() {
                let said = body::excerpt(response, key).await;
                return Err(Error::Api(format!(
                    "the API answered HTTP {status} for result {id} at {url}{said}; check --base-url and --api"
                )));
            }
            return self.listed_runs(id, response, signals).await;
        }
        Err(Error::Api(format!(
            "could not read result {id} before the deadline: {}",
            if trouble.is_empty() {
                "no time was left"
            } else {
                &trouble
            }
        )))
    }

    /// The run IDs a successful answer for result `id` lists.
    async fn listed_runs(
        &self,
        id: u64,
        response: reqwest::Response,
        signals: &mut Signals,
    ) -> Result<Vec<u64>, Error> {
        let key = &self.endpoint.key;
        let text = tokio::select! {
            text = read_text(response) => text,
            s = signals.recv() => return Err(Error::Cancelled(s, NOT_READ.to_owned())),
        }
        .map_err(|e| Error::Api(format!("cannot read result {id}: {}", key.hide(&e))))?;
        parse_result_runs(&key.hide(&text)).map_err(|e| {
            Error::Api(format!(
                "the API's answer for result {id} is not the documented result ({})",
                key.hide(&e)
            ))
        })
    }

    /// Result `id`'s own `success_rate`, as the API wrote it: read once,
    /// within `timeout` (at most [`RATE_TIMEOUT`]), after waiting; `None`
    /// when the API has no result endpoint for the profile or the result
    /// says none; `Err` says why it could not be read.
    pub async fn result_success_rate(
        &self,
        id: u64,
        timeout: Duration,
    ) -> Result<Option<String>, String> {
        let Some(url) = self.endpoint.result_url(id) else {
            return Ok(None);
        };
        let key = &self.endpoint.key;
        let started = Instant::now();
        let sent = self
            .request(reqwest::Method::GET, &url, timeout.min(RATE_TIMEOUT))
            .send()
            .await;
        let response = sent.map_err(|e| {
            key.hide_in(&format!("the request failed: {}", chain(&e.without_url())))
        })?;
        let status = response.status();
        self.watch_deprecation(&response);
        self.log("GET", &url, status, started);
        if !status.is_success() {
            let said = body::excerpt(response, key).await;
            return Err(format!("the API answered HTTP {status}{said}"));
        }
        let text = read_text(response)
            .await
            .map_err(|e| key.hide(&e).into_owned())?;
        parse_success_rate(&text).map_err(|e| key.hide(&e).into_owned())
    }

    /// The run IDs result `id` lists now; one request, ended by `deadline`.
    pub async fn reread_result(&self, id: u64, deadline: Instant) -> Result<Vec<u64>, FetchError> {
        let Some(url) = self.endpoint.result_url(id) else {
            return Err(FetchError::Fatal(format!(
                "the {} API has no result endpoint to read result {id} from",
                self.endpoint.header
            )));
        };
        let key = &self.endpoint.key;
        let transient = |message: String, retry_after: Option<Duration>, rate_limited: bool| {
            FetchError::Transient {
                message: key.hide_in(&message),
                retry_after,
                rate_limited,
                undocumented: false,
                proxy: false,
            }
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(transient(
                "the deadline passed before the result could be read again".into(),
                None,
                false,
            ));
        }
        let started = Instant::now();
        let sent = self
            .request(reqwest::Method::GET, &url, left.min(REREAD_TIMEOUT))
            .send()
            .await;
        let response = sent.map_err(|e| {
            transient(
                format!(
                    "reading result {id} again at {} failed: {}",
                    origin_text(&url),
                    chain(&e.without_url())
                ),
                None,
                false,
            )
        })?;
        let status = response.status();
        self.log("GET", &url, status, started);
        self.watch_deprecation(&response);
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(transient(
                format!("the API is rate-limiting us (HTTP {status}) reading result {id}"),
                retry_after(&response),
                true,
            ));
        }
        if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            return Err(transient(
                format!("the API answered HTTP {status} reading result {id}"),
                retry_after(&response),
                false,
            ));
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(FetchError::Fatal(self.key_refused(status)));
        }
        if !status.is_success() {
            let said = super::body::excerpt(response, key).await;
            return Err(FetchError::Fatal(format!(
                "the API answered HTTP {status} reading result {id} again{said}, though it was read before"
            )));
        }
        let text = read_text(response)
            .await
            .map_err(|e| transient(format!("cannot read result {id} again: {e}"), None, false))?;
        parse_result_runs(&key.hide(&text)).map_err(|e| FetchError::Transient {
            message: key.hide_in(&format!(
                "the API's answer for result {id} is not the documented result ({e})"
            )),
            retry_after: None,
            rate_limited: false,
            undocumented: true,
            proxy: false,
        })
    }
}
