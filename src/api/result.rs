//! Reading a result's list of runs again while waiting (`--result-id`): a
//! run added to the result after the gate first read it is waited for and
//! gated too. One request per read, bounded by the deadline, its failures
//! sorted as a poll's are ([`FetchError`]), so the waiting loop backs off
//! from a failing API and decides when to give up.

use super::start::read_text;
use super::{Client, FetchError, chain, origin_text, retry_after};
use crate::start::parse_result_runs;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// The longest a read of the result may take.
const REREAD_TIMEOUT: Duration = Duration::from_secs(30);

impl Client {
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
