//! Ending a result's calls (`POST end_calls`): when the job is cancelled,
//! or a start's fate is unknown; and the same request for a person to send
//! when the gate could not.

use super::{Client, body, chain};
use std::time::{Duration, Instant};

/// The most the end-calls request may take: the job is being cancelled.
pub const END_CALLS_TIMEOUT: Duration = Duration::from_secs(5);

impl Client {
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
}
