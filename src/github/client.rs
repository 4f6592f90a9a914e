//! The three REST calls on a pull request's comments: list them (every
//! page), create one, update one. The token travels only in the
//! `Authorization` header, only to the API root's origin: no redirect is
//! followed, and a `Link: rel="next"` to another origin is refused.
//! Connection trouble, 429 and 5xx are tried again a few times (a `POST`
//! only when it surely did not land: a refused connection or a 429).

use super::Target;
use crate::api::proxy::Proxy;
use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, LINK};
use reqwest::{Method, StatusCode, redirect};
use std::time::Duration;
use url::Url;

/// Each request's own bound.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Pages read at most (100 comments each).
const MAX_PAGES: usize = 100;
/// Tries of one request.
const TRIES: usize = 3;

/// A comment as GitHub lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub body: String,
    pub html_url: Option<String>,
}

/// Why a call failed: the HTTP status when there was one, and a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub status: Option<u16>,
    pub message: String,
}

impl Failed {
    fn new(status: Option<u16>, message: impl Into<String>) -> Failed {
        Failed {
            status,
            message: message.into(),
        }
    }
}

/// A client for one pull request's comments.
pub struct Client {
    http: reqwest::Client,
    api: Url,
    token: HeaderValue,
    /// `{api}/repos/{owner}/{repo}/issues`.
    issues: Url,
    number: u64,
}

impl Client {
    pub fn new(target: &Target, proxy: Option<&Proxy>) -> Result<Client, Failed> {
        let mut token = HeaderValue::from_str(&format!("Bearer {}", target.token.expose()))
            .map_err(|_| {
                Failed::new(None, "GITHUB_TOKEN holds characters a header cannot carry")
            })?;
        token.set_sensitive(true);
        crate::api::install_tls_provider();
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("vocera-gate/", env!("CARGO_PKG_VERSION")));
        if let Some(p) = proxy {
            let through = reqwest::Proxy::all(p.url.as_str()).map_err(|_| {
                Failed::new(None, format!("{} cannot be used as a proxy", p.variable))
            })?;
            builder = builder.proxy(through);
        }
        let http = builder
            .build()
            .map_err(|e| Failed::new(None, format!("cannot set up the HTTP client: {e}")))?;
        let mut issues = target.api.clone();
        issues
            .path_segments_mut()
            .map_err(|()| Failed::new(None, "GITHUB_API_URL cannot be a base"))?
            .pop_if_empty()
            .extend(["repos", &target.owner, &target.repo, "issues"]);
        Ok(Client {
            http,
            api: target.api.clone(),
            token,
            issues,
            number: target.number,
        })
    }

    /// Every comment of the pull request, following each `rel="next"`.
    pub async fn list(&self) -> Result<Vec<Comment>, Failed> {
        let mut url = self.url(&[&self.number.to_string(), "comments"]);
        url.set_query(Some("per_page=100"));
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let (text, next) = self.send(Method::GET, url, None).await?;
            all.extend(comments(&text)?);
            match next {
                Some(next) => url = self.same_origin(&next)?,
                None => return Ok(all),
            }
        }
        Err(Failed::new(
            None,
            format!("the pull request has more than {MAX_PAGES} pages of comments"),
        ))
    }

    /// Creates the comment.
    pub async fn create(&self, body: &str) -> Result<Comment, Failed> {
        let url = self.url(&[&self.number.to_string(), "comments"]);
        let (text, _) = self.send(Method::POST, url, Some(body)).await?;
        comment(&text)
    }

    /// Replaces comment `id`'s body.
    pub async fn update(&self, id: u64, body: &str) -> Result<Comment, Failed> {
        let url = self.url(&["comments", &id.to_string()]);
        let (text, _) = self.send(Method::PATCH, url, Some(body)).await?;
        comment(&text)
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.issues.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.extend(segments);
        }
        url
    }

    /// A next page's URL, only on the API root's origin.
    fn same_origin(&self, next: &str) -> Result<Url, Failed> {
        match Url::parse(next) {
            Ok(url) if url.origin() == self.api.origin() => Ok(url),
            _ => Err(Failed::new(
                None,
                "GitHub's next page is on another host; not followed (the token goes only to GITHUB_API_URL)",
            )),
        }
    }

    /// One call, tried again on a blip; the answer's text and next page.
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&str>,
    ) -> Result<(String, Option<String>), Failed> {
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(500))
            .with_max_delay(Duration::from_secs(4))
            .with_jitter()
            .with_max_times(TRIES - 1)
            .build();
        loop {
            let (failed, again) = match self.once(&method, &url, body).await {
                Ok(answer) => return Ok(answer),
                Err(e) => e,
            };
            match delays.next().filter(|_| again) {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(failed),
            }
        }
    }

    /// One try: the answer, or why not and whether to try again.
    async fn once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&str>,
    ) -> Result<(String, Option<String>), (Failed, bool)> {
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .header(ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header(AUTHORIZATION, self.token.clone());
        if let Some(body) = body {
            let json = serde_json::json!({ "body": body }).to_string();
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(json);
        }
        let idempotent = *method != Method::POST;
        let answer = match request.send().await {
            Ok(answer) => answer,
            Err(e) => {
                let again = idempotent || e.is_connect();
                let e = e.without_url();
                return Err((
                    Failed::new(None, format!("cannot reach GitHub: {e}")),
                    again,
                ));
            }
        };
        let status = answer.status();
        let next = answer
            .headers()
            .get(LINK)
            .and_then(|v| v.to_str().ok())
            .and_then(next_link);
        let text = answer.text().await.unwrap_or_default();
        if status.is_success() {
            return Ok((text, next));
        }
        let again =
            status == StatusCode::TOO_MANY_REQUESTS || (idempotent && status.is_server_error());
        let said = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["message"].as_str().map(squeeze))
            .unwrap_or_default();
        let message = format!(
            "GitHub answered {status} to {method} {}{}",
            url.path(),
            said
        );
        Err((Failed::new(Some(status.as_u16()), message), again))
    }
}

/// GitHub's own message, on one short line after a colon.
fn squeeze(message: &str) -> String {
    let line: String = message
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    format!(": {line}")
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| target.to_owned())
    })
}

/// A page of comments.
fn comments(text: &str) -> Result<Vec<Comment>, Failed> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|_| Failed::new(None, "GitHub's list of comments is not JSON"))?;
    let list = value
        .as_array()
        .ok_or_else(|| Failed::new(None, "GitHub's list of comments is not a list"))?;
    list.iter().map(read).collect()
}

/// One comment.
fn comment(text: &str) -> Result<Comment, Failed> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|_| Failed::new(None, "GitHub's comment is not JSON"))?;
    read(&value)
}

fn read(value: &serde_json::Value) -> Result<Comment, Failed> {
    let id = value["id"]
        .as_u64()
        .ok_or_else(|| Failed::new(None, "a GitHub comment has no id"))?;
    Ok(Comment {
        id,
        body: value["body"].as_str().unwrap_or_default().to_owned(),
        html_url: value["html_url"].as_str().map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_read_from_githubs_header() {
        let header = "<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=2>; rel=\"next\", <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3>; rel=\"last\"";
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=2")
        );
        assert_eq!(next_link("<https://x/?page=1>; rel=\"prev\""), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn comments_are_read_with_a_null_body() {
        let list = comments(
            r#"[{"id": 5, "body": null}, {"id": 6, "body": "x", "html_url": "https://h/6"}]"#,
        )
        .expect("a list");
        assert_eq!(list.len(), 2);
        assert_eq!((list[0].id, list[0].body.as_str()), (5, ""));
        assert!(comments("{}").is_err() && comments(r#"[{"body": "x"}]"#).is_err());
    }
}
