//! Finding a result by its name (`GET results/?agent_id=&search=`): after a
//! start whose fate is unknown (a timeout, a 5xx after the request was
//! sent), the unique name the gate gave it tells whether the platform
//! created it, without sending the start again.

use super::request::read_text;
use super::{Client, chain, origin_text};
use crate::start::{Named, parse_named};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// Results per page asked for: a unique name matches one, or a few similar.
const PAGE_SIZE: &str = "100";

impl Client {
    /// Whether exactly one result is named `name` (of agent `agent`, when
    /// known), none is, or that cannot be known; one request, within
    /// `timeout`. The v1 API lists no results: unknown.
    pub async fn find_result(&self, name: &str, agent: Option<u64>, timeout: Duration) -> Named {
        let Some(mut url) = self.endpoint.results_url() else {
            return Named::Unknown(
                "the v1 API (--api vocera) lists no results to look it up in".into(),
            );
        };
        {
            let mut query = url.query_pairs_mut();
            if let Some(agent) = agent {
                query.append_pair("agent_id", &agent.to_string());
            }
            query.append_pair("search", name);
            query.append_pair("page_size", PAGE_SIZE);
        }
        let key = &self.endpoint.key;
        let started = Instant::now();
        let sent = self
            .request(reqwest::Method::GET, &url, timeout)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                return Named::Unknown(format!(
                    "the request to {} failed: {}",
                    origin_text(&url),
                    key.hide(&chain(&e.without_url()))
                ));
            }
        };
        let status = response.status();
        self.watch_deprecation(&response);
        self.log("GET", &url, status, started);
        if status != StatusCode::OK {
            return Named::Unknown(format!("the API answered the search with HTTP {status}"));
        }
        match read_text(response).await {
            Ok(text) => match parse_named(&key.hide(&text), name) {
                Named::Unknown(why) => Named::Unknown(key.hide_in(&why)),
                known => known,
            },
            Err(e) => Named::Unknown(format!("the list could not be read ({})", key.hide(&e))),
        }
    }

    /// The results list, where a started result can be found by name.
    pub fn lists_results(&self) -> bool {
        self.endpoint.results_url().is_some()
    }
}
