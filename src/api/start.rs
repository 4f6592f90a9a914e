//! The calls around a result: start one (`POST run_scenarios`), read one's
//! runs and, after waiting, its success rate (`GET results/{id}`), end
//! one's calls (`POST end_calls`).
//!
//! Starting runs is billed and nothing documents it as idempotent, so the
//! start request is sent again only when it provably was not processed: the
//! connection was never established, or the API said 429. Any other failure
//! after sending (a timeout, a reset, a 5xx, an answer we cannot read) may
//! have started the runs: [`StartFailed`] says which, for `launch` to look
//! the result up by its name, or end the calls of the result it names.
//! A signal abandons any request at once.

use super::{Client, body, chain, origin_text, retry_after};
use crate::ending::Signal;
use crate::error::{Error, usage};
use crate::signals::Signals;
use crate::start::{
    Started, field_messages, named_result, parse_result_runs, parse_started, parse_success_rate,
};
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
/// The most the read of a result's success rate may take, after waiting:
/// it only adds a figure to the reports.
pub const RATE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a start gave no result to gate.
#[derive(Debug)]
pub enum StartFailed {
    /// Nothing more to do: nothing was started (the error says so), or the
    /// error is the user's to fix.
    Error(Error),
    /// The answer names result `result_id` but could not be read in full.
    Partial { result_id: u64, why: String },
    /// The request was sent; whether the platform processed it is unknown.
    Unknown(String),
    /// A signal came while the request was out: its fate is unknown.
    Cancelled(Signal),
    /// The platform refused a Tests-as-Code spec (HTTP 400), each problem
    /// at its place in the spec; nothing was started.
    Spec(Vec<crate::suite::Problem>),
}

/// The platform's answer to a spec's dry run.
#[derive(Debug)]
pub enum Priced {
    /// Valid: the plan (`plan` of the answer).
    Plan(Value),
    /// Invalid: each problem at its place in the spec.
    Invalid(Vec<crate::suite::Problem>),
}

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
    fn post_json(
        &self,
        url: &url::Url,
        bytes: Vec<u8>,
        timeout: Duration,
    ) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::POST, url, timeout)
            .header(CONTENT_TYPE, "application/json")
            .body(bytes)
    }

    /// Starts a result with `body`; retries only what provably was not
    /// processed, within `deadline`.
    pub async fn start(
        &self,
        body: &Map<String, Value>,
        suite: bool,
        deadline: Instant,
        signals: &mut Signals,
    ) -> Result<Started, StartFailed> {
        let url = if suite {
            self.endpoint.suite_url(false)
        } else {
            self.endpoint.start_url()
        };
        let bytes =
            serde_json::to_vec(body).map_err(|e| StartFailed::Error(usage(e.to_string())))?;
        let mut wait = Duration::from_millis(500);
        for attempt in 1..=START_TRIES {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StartFailed::Error(Error::Api(
                    "the deadline (--timeout) passed before the start request could be sent; no runs were started".into(),
                )));
            }
            let started = Instant::now();
            let request = self
                .post_json(&url, bytes.clone(), left.min(START_TIMEOUT))
                .send();
            // A signal abandons the request at once, whatever became of it.
            let sent = tokio::select! {
                sent = request => sent,
                s = signals.recv() => return Err(StartFailed::Cancelled(s)),
            };
            let last = attempt == START_TRIES;
            let response = match sent {
                // Never established: the request did not leave. The reason
                // names a proxy when the proxy was out of reach.
                Err(e) if e.is_connect() => {
                    let said = self.endpoint.key.hide_in(&self.send_error(e).to_string());
                    if last || said.contains("is not trusted") {
                        return Err(StartFailed::Error(Error::Api(format!(
                            "{said}; no runs were started"
                        ))));
                    }
                    self.note(&format!("{said}; the runs were not started, trying again"));
                    pause(wait, deadline, signals, NOT_STARTED)
                        .await
                        .map_err(StartFailed::Error)?;
                    wait *= 2;
                    continue;
                }
                Err(e) => {
                    let what = if e.is_timeout() {
                        "timed out"
                    } else {
                        "failed"
                    };
                    return Err(StartFailed::Unknown(format!(
                        "the start request to {} {what} after it was sent ({})",
                        origin_text(&url),
                        self.endpoint.key.hide(&chain(&e.without_url()))
                    )));
                }
                Ok(r) => r,
            };
            let status = response.status();
            self.watch_deprecation(&response);
            self.log("POST", &url, status, started);
            if status == StatusCode::TOO_MANY_REQUESTS {
                let after = retry_after(&response).unwrap_or(wait);
                if last || Instant::now() + after >= deadline {
                    return Err(StartFailed::Error(Error::Api(format!(
                        "the API is rate-limiting the start request (HTTP 429, {attempt} tries); no runs were started; try again later or raise --timeout"
                    ))));
                }
                self.note(&format!(
                    "the API is rate-limiting the start request (HTTP 429); trying again in {}",
                    humantime::format_duration(after)
                ));
                pause(after, deadline, signals, NOT_STARTED)
                    .await
                    .map_err(StartFailed::Error)?;
                wait *= 2;
                continue;
            }
            return tokio::select! {
                answer = self.started(response, status) => answer,
                s = signals.recv() => Err(StartFailed::Cancelled(s)),
            };
        }
        Err(StartFailed::Error(Error::Api(
            "the start request was not sent; no runs were started".into(),
        )))
    }

    /// Asks the platform to validate and price a spec (`?dry_run=true`):
    /// nothing is created or charged, so a failure is simply an error.
    pub async fn suite_dry_run(
        &self,
        body: &Map<String, Value>,
        deadline: Instant,
        signals: &mut Signals,
    ) -> Result<Priced, Error> {
        let url = self.endpoint.suite_url(true);
        let bytes = serde_json::to_vec(body).map_err(|e| usage(e.to_string()))?;
        let left = deadline.saturating_duration_since(Instant::now());
        let started = Instant::now();
        let request = self.post_json(&url, bytes, left.min(START_TIMEOUT)).send();
        let sent = tokio::select! {
            sent = request => sent,
            s = signals.recv() => return Err(Error::Cancelled(s, "the dry run was cancelled; nothing was started".into())),
        };
        let key = &self.endpoint.key;
        let response = sent.map_err(|e| {
            Error::Api(format!(
                "the dry run of the spec failed ({}); nothing was started",
                key.hide(&chain(&e.without_url()))
            ))
        })?;
        let status = response.status();
        self.log("POST", &url, status, started);
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(Error::Api(self.key_refused(status)));
        }
        let text = key.hide_in(&read_text(response).await.unwrap_or_default());
        if let Some(problems) = crate::suite::platform_errors(&text) {
            return Ok(Priced::Invalid(problems));
        }
        if !status.is_success() {
            let excerpt: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            return Err(Error::Api(format!(
                "the API answered the dry run of the spec with HTTP {status}, saying {:?}; nothing was started",
                excerpt.chars().take(300).collect::<String>()
            )));
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(mut answer)) => match answer.remove("plan") {
                Some(plan @ Value::Object(_)) if answer.get("valid") != Some(&Value::Bool(false)) => {
                    Ok(Priced::Plan(plan))
                }
                _ => Err(Error::Api(
                    "the API answered the dry run of the spec without a plan or errors, which is not documented; nothing was started".into(),
                )),
            },
            _ => Err(Error::Api(
                "the API's answer to the dry run of the spec is not the documented JSON object; nothing was started".into(),
            )),
        }
    }

    /// Reads the start request's answer (any but 429).
    async fn started(
        &self,
        response: reqwest::Response,
        status: StatusCode,
    ) -> Result<Started, StartFailed> {
        let key = &self.endpoint.key;
        if status == StatusCode::BAD_REQUEST {
            let text = key.hide_in(&read_text(response).await.unwrap_or_default());
            if let Some(problems) = crate::suite::platform_errors(&text) {
                return Err(StartFailed::Spec(problems));
            }
            let said = field_messages(&text)
                .map(|m| format!(": {m}"))
                .unwrap_or_else(|| {
                    let excerpt: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    format!(
                        ", saying {:?}",
                        excerpt.chars().take(300).collect::<String>()
                    )
                });
            return Err(StartFailed::Error(usage(key.hide_in(&format!(
                "the API refused the start request (HTTP 400){said}; fix the flags or --trigger-json; no runs were started"
            )))));
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(StartFailed::Error(Error::Api(format!(
                "{}; no runs were started",
                self.key_refused(status)
            ))));
        }
        if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            let said = body::excerpt(response, key).await;
            return Err(StartFailed::Unknown(format!(
                "the API answered the start request with HTTP {status}{said}"
            )));
        }
        if !status.is_success() {
            let said = body::excerpt(response, key).await;
            return Err(StartFailed::Unknown(format!(
                "the API answered the start request at {} with HTTP {status}{said}, which is not documented; check --base-url and --api",
                self.endpoint.start_url()
            )));
        }
        // What came of the answer, even cut short, may name the result.
        let (bytes, cut) = read_text_partial(response).await;
        let text = key.hide_in(&String::from_utf8_lossy(&bytes));
        let why = match cut {
            Some(e) => format!(
                "the API's answer to the start request could not be read ({})",
                key.hide(&e)
            ),
            None => match parse_started(&text) {
                Ok(started) => return Ok(started),
                Err(e) => format!(
                    "the API answered the start request with HTTP {status} but not with the documented result ({})",
                    key.hide(&e)
                ),
            },
        };
        Err(match named_result(&text) {
            Some(result_id) => StartFailed::Partial { result_id, why },
            None => StartFailed::Unknown(why),
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
            let text = tokio::select! {
                text = read_text(response) => text,
                s = signals.recv() => return Err(Error::Cancelled(s, NOT_READ.to_owned())),
            }
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

    /// Asks the API once to end result `id`'s calls, within a few seconds;
    /// `Err` says why it did not.
    pub async fn end_calls(&self, id: u64) -> Result<(), String> {
        let url = self.endpoint.end_calls_url(id);
        let started = Instant::now();
        let sent = self
            .request(reqwest::Method::POST, &url, END_CALLS_TIMEOUT)
            .send()
            .await;
        let response = sent.map_err(|e| {
            self.endpoint
                .key
                .hide_in(&format!("the request failed: {}", chain(&e.without_url())))
        })?;
        let status = response.status();
        self.watch_deprecation(&response);
        self.log("POST", &url, status, started);
        if status.is_success() {
            return Ok(());
        }
        let said = body::excerpt(response, &self.endpoint.key).await;
        Err(format!("the API answered HTTP {status}{said}"))
    }

    /// The request that ends result `id`'s calls, for a person to send:
    /// the key left as a placeholder.
    pub fn end_calls_by_hand(&self, id: u64) -> String {
        format!(
            "curl -X POST -H '{}: <your API key>' '{}'",
            self.endpoint.header,
            self.endpoint.end_calls_url(id)
        )
    }

    /// The results list, where a started result can be found by name.
    pub fn lists_results(&self) -> bool {
        self.endpoint.results_url().is_some()
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
pub(super) async fn read_text(response: reqwest::Response) -> Result<String, String> {
    match read_text_partial(response).await {
        (bytes, None) => String::from_utf8(bytes).map_err(|_| "the answer is not UTF-8".to_owned()),
        (_, Some(e)) => Err(e),
    }
}

/// The bytes of an answer (at most 64 MiB), and why they stopped short if
/// they did: a cut answer may still name its result.
async fn read_text_partial(mut response: reqwest::Response) -> (Vec<u8>, Option<String>) {
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
