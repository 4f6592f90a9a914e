//! Reading an answer of the bulk-runs endpoint: its status sorted into
//! "try again" and "give up", its body read (bounded) into runs, its
//! `Retry-After` read.

use super::{Client, FetchError, MAX_BODY_BYTES, body, origin_text};
use crate::model::{Parsed, parse_answer};
use reqwest::StatusCode;
use reqwest::header::{LOCATION, RETRY_AFTER};
use std::collections::HashSet;
use std::time::{Duration, SystemTime};

impl Client {
    /// The answer to one GET of runs: its status sorted, its body read into
    /// runs with the key hidden.
    pub(super) async fn read(
        &self,
        response: reqwest::Response,
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
        let body = self.collect(response).await?;
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

    /// The answer's body, refused past [`MAX_BODY_BYTES`] (announced or read).
    async fn collect(&self, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
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
        Ok(body)
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
    pub(super) fn key_refused(&self, status: StatusCode) -> String {
        format!(
            "the API refused the key from {} (HTTP {status}); check it, and that --api matches the key's platform ({} sent)",
            self.endpoint.key.source(),
            self.endpoint.header
        )
    }
}

fn too_large() -> FetchError {
    FetchError::Fatal(format!(
        "the API's answer is larger than {} MiB; request fewer runs at a time",
        MAX_BODY_BYTES / 1024 / 1024
    ))
}

/// An answer's `Retry-After`, when it has a readable one.
pub(super) fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
}

/// `Retry-After` as seconds or an HTTP date.
pub(super) fn parse_retry_after(value: &str) -> Option<Duration> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
