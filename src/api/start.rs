//! Starting a result (`POST run_scenarios`), or asking the platform to
//! validate and price a Tests-as-Code spec (`?dry_run=true`).
//!
//! Starting runs is billed and nothing documents it as idempotent, so the
//! start request is sent again only when it provably was not processed: the
//! connection was never established, or the API said 429. Any other failure
//! after sending (a timeout, a reset, a 5xx, an answer we cannot read) may
//! have started the runs: [`StartFailed`] says which, for `launch` to look
//! the result up by its name, or end the calls of the result it names.
//! A signal abandons any request at once.

use super::request::{pause, read_text, read_text_partial};
use super::{Client, body, chain, origin_text, retry_after};
use crate::ending::Signal;
use crate::error::{Error, usage};
use crate::signals::Signals;
use crate::start::{Started, field_messages, named_result, parse_started};
use reqwest::StatusCode;
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// Tries of a start whose connection could not be established, or that was
/// rate-limited, before giving up (no runs started).
const START_TRIES: u32 = 5;
/// The longest start request: its answer lists every run.
pub(super) const START_TIMEOUT: Duration = Duration::from_secs(120);
/// Said when a signal ends the tries of a start.
const NOT_STARTED: &str = "the start request was not sent again, so no runs were started";

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
                Err(e) => return Err(self.fate_unknown(&url, e)),
                Ok(r) => r,
            };
            let status = response.status();
            self.watch_deprecation(&response);
            self.log("POST", &url, status, started);
            if status == StatusCode::TOO_MANY_REQUESTS {
                let after = retry_after(&response).unwrap_or(wait);
                let give_up = last || Instant::now() + after >= deadline;
                self.rate_limited(attempt, give_up, after)?;
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

    /// A start request that failed after it was sent (a timeout, a reset):
    /// the platform may have started the runs.
    fn fate_unknown(&self, url: &url::Url, e: reqwest::Error) -> StartFailed {
        let what = if e.is_timeout() {
            "timed out"
        } else {
            "failed"
        };
        StartFailed::Unknown(format!(
            "the start request to {} {what} after it was sent ({})",
            origin_text(url),
            self.endpoint.key.hide(&chain(&e.without_url()))
        ))
    }

    /// A 429 to the start request, which was not processed: given up on
    /// (nothing was started), or said to be tried again after `after`.
    fn rate_limited(
        &self,
        attempt: u32,
        give_up: bool,
        after: Duration,
    ) -> Result<(), StartFailed> {
        if give_up {
            return Err(StartFailed::Error(Error::Api(format!(
                "the API is rate-limiting the start request (HTTP 429, {attempt} tries); no runs were started; try again later or raise --timeout"
            ))));
        }
        self.note(&format!(
            "the API is rate-limiting the start request (HTTP 429); trying again in {}",
            humantime::format_duration(after)
        ));
        Ok(())
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
}
