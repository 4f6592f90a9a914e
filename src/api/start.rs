//! The calls around a result: start one (`POST run_scenarios`), read one's
//! runs (`GET results/{id}`), end one's calls (`POST end_calls`).
//!
//! Starting runs is billed and nothing documents it as idempotent, so the
//! start request is sent again only when it provably was not processed: the
//! connection was never established, or the API said 429. Any other failure
//! after sending (a timeout, a reset, a 5xx, an answer we cannot read) may
//! have started the runs, and the error says so and how to find them.

use super::{Client, body, chain, origin_text, retry_after};
use crate::error::{Error, usage};
use crate::signals::Signals;
use crate::start::{Started, field_messages, parse_result_runs, parse_started};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// Tries of a start whose connection could not be established, or that was
/// rate-limited, before giving up (no runs started).
const START_TRIES: u32 = 5;
/// Tries of reading a result (a `GET`, safe to repeat).
const RESULT_TRIES: u32 = 4;
/// The most the end-calls request may take: the job is being cancelled.
pub const END_CALLS_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest start request: its answer lists every run.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// What to tell a user whose start may have been processed.
fn may_have_started(what: &str) -> Error {
    Error::Api(format!(
        "{what}; the runs may have started (and be billed): look for the result on the dashboard and gate it with --result-id ID instead of running this again, which would start them a second time"
    ))
}

impl Client {
    /// Starts a result with `body`; retries only what provably was not
    /// processed, within `deadline`.
    pub async fn start(
        &self,
        body: &Map<String, Value>,
        deadline: Instant,
        signals: &mut Signals,
    ) -> Result<Started, Error> {
        let url = self.endpoint.start_url();
        let bytes = serde_json::to_vec(body).map_err(|e| usage(e.to_string()))?;
        let mut wait = Duration::from_millis(500);
        for attempt in 1..=START_TRIES {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Api(
                    "the deadline (--timeout) passed before the start request could be sent; no runs were started".into(),
                ));
            }
            let started = Instant::now();
            let sent = self
                .once
                .post(url.clone())
                .header(self.endpoint.header, self.key.clone())
                .header(CONTENT_TYPE, "application/json")
                .header(reqwest::header::ACCEPT, "application/json")
                .timeout(left.min(START_TIMEOUT))
                .body(bytes.clone())
                .send()
                .await;
            let last = attempt == START_TRIES;
            let response = match sent {
                // Never established: the request did not leave. The reason
                // names a proxy when the proxy was out of reach.
                Err(e) if e.is_connect() => {
                    let said = self.endpoint.key.hide_in(&self.send_error(e).to_string());
                    if last || said.contains("is not trusted") {
                        return Err(Error::Api(format!("{said}; no runs were started")));
                    }
                    self.note(&format!("{said}; the runs were not started, trying again"));
                    pause(wait, deadline, signals, NOT_STARTED).await?;
                    wait *= 2;
                    continue;
                }
                Err(e) => {
                    let what = if e.is_timeout() {
                        "timed out"
                    } else {
                        "failed"
                    };
                    return Err(may_have_started(&format!(
                        "the start request to {} {what} after it was sent ({})",
                        origin_text(&url),
                        self.endpoint.key.hide(&chain(&e.without_url()))
                    )));
                }
                Ok(r) => r,
            };
            let status = response.status();
            self.log("POST", &url, status, started);
            if status == StatusCode::TOO_MANY_REQUESTS {
                let after = retry_after(&response).unwrap_or(wait);
                if last || Instant::now() + after >= deadline {
                    return Err(Error::Api(format!(
                        "the API is rate-limiting the start request (HTTP 429, {attempt} tries); no runs were started; try again later or raise --timeout"
                    )));
                }
                self.note(&format!(
                    "the API is rate-limiting the start request (HTTP 429); trying again in {}",
                    humantime::format_duration(after)
                ));
                pause(after, deadline, signals, NOT_STARTED).await?;
                wait *= 2;
                continue;
            }
            return self.started(response, status).await;
        }
        Err(Error::Api("the start request was not sent".into()))
    }

    /// Reads the start request's answer (any but 429).
    async fn started(
        &self,
        response: reqwest::Response,
        status: StatusCode,
    ) -> Result<Started, Error> {
        let key = &self.endpoint.key;
        if status == StatusCode::BAD_REQUEST {
            let text = key.hide_in(&read_text(response).await.unwrap_or_default());
            let said = field_messages(&text)
                .map(|m| format!(": {m}"))
                .unwrap_or_else(|| {
                    let excerpt: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    format!(
                        ", saying {:?}",
                        excerpt.chars().take(300).collect::<String>()
                    )
                });
            return Err(usage(key.hide_in(&format!(
                "the API refused the start request (HTTP 400){said}; fix the flags or --trigger-json; no runs were started"
            ))));
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(Error::Api(format!(
                "{}; no runs were started",
                self.key_refused(status)
            )));
        }
        if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            let said = body::excerpt(response, key).await;
            return Err(may_have_started(&format!(
                "the API answered the start request with HTTP {status}{said}"
            )));
        }
        if !status.is_success() {
            let said = body::excerpt(response, key).await;
            return Err(may_have_started(&format!(
                "the API answered the start request at {} with HTTP {status}{said}, which is not documented; check --base-url and --api",
                self.endpoint.start_url()
            )));
        }
        let text = read_text(response).await.map_err(|e| {
            may_have_started(&format!(
                "the API's answer to the start request could not be read ({})",
                key.hide(&e)
            ))
        })?;
        parse_started(&key.hide(&text)).map_err(|e| {
            may_have_started(&format!(
                "the API answered the start request with HTTP {status} but not with the documented result ({})",
                key.hide(&e)
            ))
        })
    }

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
            let sent = self
                .http
                .get(url.clone())
                .header(self.endpoint.header, self.key.clone())
                .header(reqwest::header::ACCEPT, "application/json")
                .timeout(left.min(START_TIMEOUT))
                .send()
                .await;
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
            let text = read_text(response)
                .await
                .map_err(|e| Error::Api(format!("cannot read result {id}: {}", key.hide(&e))))?;
            return parse_result_runs(&key.hide(&text)).map_err(|e| {
                Error::Api(format!(
                    "the API's answer for result {id} is not the documented result ({})",
                    key.hide(&e)
                ))
            });
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

    /// Asks the API once to end result `id`'s calls, within a few seconds;
    /// `Err` says why it did not.
    pub async fn end_calls(&self, id: u64) -> Result<(), String> {
        let url = self.endpoint.end_calls_url(id);
        let started = Instant::now();
        let sent = self
            .once
            .post(url.clone())
            .header(self.endpoint.header, self.key.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(END_CALLS_TIMEOUT)
            .send()
            .await;
        let response = sent.map_err(|e| {
            self.endpoint
                .key
                .hide_in(&format!("the request failed: {}", chain(&e.without_url())))
        })?;
        let status = response.status();
        self.log("POST", &url, status, started);
        if status.is_success() {
            return Ok(());
        }
        let said = body::excerpt(response, &self.endpoint.key).await;
        Err(format!("the API answered HTTP {status}{said}"))
    }

    fn log(&self, method: &str, url: &reqwest::Url, status: StatusCode, started: Instant) {
        if self.verbosity == crate::console::Verbosity::Verbose {
            crate::errln!(
                "vocera-gate: {method} {url} -> {status} in {} ms",
                started.elapsed().as_millis()
            );
        }
    }

    fn note(&self, text: &str) {
        if self.verbosity != crate::console::Verbosity::Quiet {
            crate::errln!("vocera-gate: warning: {}", self.endpoint.key.hide(text));
        }
    }
}

/// Said when a signal ends the tries of a start.
const NOT_STARTED: &str = "the start request was not sent again, so no runs were started";
/// Said when a signal ends the tries of reading a result.
const NOT_READ: &str = "the result's runs were not read, and its calls were left as they are";

/// Sleeps `wait` (or until `deadline`, if that comes first) between two
/// tries; a signal in the meantime ends the tries, nothing more is sent.
async fn pause(
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
async fn read_text(mut response: reqwest::Response) -> Result<String, String> {
    let mut bytes: Vec<u8> = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > 64 * 1024 * 1024 {
                    return Err("the answer is larger than 64 MiB".into());
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(chain(&e.without_url())),
        }
    }
    String::from_utf8(bytes).map_err(|_| "the answer is not UTF-8".to_owned())
}
