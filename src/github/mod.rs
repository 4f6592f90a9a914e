//! `--pr-comment`: the verdict as this gate's section of one comment on the
//! pull request, updated in place through GitHub's REST API (`client`),
//! laid out by `sections`, rendered by the core (`render::comment`).
//!
//! What to post to is settled with the configuration ([`plan`]): the token
//! (`GITHUB_TOKEN`, a secret like the API key), the API root
//! (`GITHUB_API_URL`, https, or http on loopback), the repository and the
//! pull request's number (from the event file). The comment is posted last,
//! once the reports are written ([`post`]); nothing about it ever changes
//! the exit code: not a pull request is one notice, any failure one warning.

mod client;
pub mod sections;

use crate::api::ProxyVars;
use crate::api::proxy::Proxy;
use crate::console::Console;
use crate::render::comment::{Links, MAX_COMMENT, Section};
use client::{Client, Failed};
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

/// The default API root.
const GITHUB_API: &str = "https://api.github.com";
/// The most the comment may take, every try included.
const OVERALL: Duration = Duration::from_secs(90);
/// Rounds of write-then-check against another job writing at once.
const ROUNDS: u32 = 5;

/// The GitHub Actions variables the comment reads.
#[derive(Debug, Clone, Default)]
pub struct GithubEnv {
    pub token: Option<String>,
    pub api_url: Option<String>,
    pub repository: Option<String>,
    pub event_path: Option<PathBuf>,
    pub job: Option<String>,
    pub server_url: Option<String>,
    pub run_id: Option<String>,
}

impl GithubEnv {
    pub fn from_process() -> GithubEnv {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        GithubEnv {
            token: var("GITHUB_TOKEN"),
            api_url: var("GITHUB_API_URL"),
            repository: var("GITHUB_REPOSITORY"),
            event_path: var("GITHUB_EVENT_PATH").map(PathBuf::from),
            job: var("GITHUB_JOB"),
            server_url: var("GITHUB_SERVER_URL"),
            run_id: var("GITHUB_RUN_ID"),
        }
    }
}

/// The token: never shown, not even by `Debug`.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

/// The pull request to comment on.
#[derive(Debug, Clone)]
pub struct Target {
    pub api: Url,
    pub token: Token,
    pub owner: String,
    pub repo: String,
    pub number: u64,
}

/// Why nothing will be posted: a notice (not a pull request), or a warning
/// (asked for, but something is missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    Notice(String),
    Warning(String),
}

/// When to post (`--pr-comment`, but `off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Always,
    /// Only when the gate fails; a section already there is always updated.
    Failures,
}

/// `--pr-comment`, settled: what to post, where, or why not.
#[derive(Debug, Clone)]
pub struct Plan {
    pub mode: Mode,
    /// The section's key: `GITHUB_JOB`, and `--comment-key`.
    pub key: String,
    pub links: Links,
    pub target: Result<Target, Skip>,
    proxy: Option<Proxy>,
}

impl Plan {
    /// Whether a section is worth rendering: there is somewhere to post it.
    pub fn ready(&self) -> bool {
        self.target.is_ok()
    }
}

/// The plan for `--pr-comment` in `mode`, its section named by
/// `comment_key` beside the job, linking recordings when `recordings`; `commit` is the one gated when the event
/// does not name the pull request's head.
pub fn plan(
    mode: Mode,
    comment_key: Option<&str>,
    recordings: bool,
    gh: &GithubEnv,
    commit: Option<&str>,
    proxies: &ProxyVars,
) -> Plan {
    let key = match (gh.job.as_deref(), comment_key) {
        (Some(job), Some(k)) => format!("{job} / {k}"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => "vocera-gate".to_owned(),
    };
    let event = read_event(gh);
    let head = event
        .as_ref()
        .ok()
        .and_then(|e| e["pull_request"]["head"]["sha"].as_str().map(str::to_owned));
    let links = Links {
        run_page: run_page(gh),
        commit: head.or_else(|| commit.map(str::to_owned)),
        // Recordings of calls may be private and comments are often public:
        // linked only with --include-recordings, as in the HTML report.
        recordings,
    };
    let target = event.and_then(|e| target(gh, &e));
    let proxy = match &target {
        Ok(t) => crate::api::proxy::choose(&t.api, proxies).ok().flatten(),
        Err(_) => None,
    };
    Plan {
        mode,
        key,
        links,
        target,
        proxy,
    }
}

/// The event file, parsed; not a pull request is a notice.
fn read_event(gh: &GithubEnv) -> Result<serde_json::Value, Skip> {
    let not_a_pr = |why: &str| {
        Skip::Notice(format!(
            "--pr-comment: not a pull request ({why}); no comment posted"
        ))
    };
    let Some(path) = &gh.event_path else {
        return Err(not_a_pr("GITHUB_EVENT_PATH is not set"));
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        Skip::Warning(format!(
            "--pr-comment: cannot read the event file GITHUB_EVENT_PATH {}: {e}; no comment posted",
            path.display()
        ))
    })?;
    let event: serde_json::Value = serde_json::from_str(&text).map_err(|_| {
        Skip::Warning(format!(
            "--pr-comment: the event file {} is not JSON; no comment posted",
            path.display()
        ))
    })?;
    if event["pull_request"]["number"].as_u64().is_none() {
        return Err(not_a_pr("the event has no pull_request.number"));
    }
    Ok(event)
}

/// Where to post, or the warning that says what is missing.
fn target(gh: &GithubEnv, event: &serde_json::Value) -> Result<Target, Skip> {
    let warn = |what: String| {
        Err(Skip::Warning(format!(
            "--pr-comment: {what}; no comment posted"
        )))
    };
    let number = event["pull_request"]["number"].as_u64().unwrap_or_default();
    let Some((owner, repo)) = gh
        .repository
        .as_deref()
        .and_then(|r| r.trim().split_once('/'))
        .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
    else {
        return warn("GITHUB_REPOSITORY is not set as owner/repo".to_owned());
    };
    let Some(token) = gh.token.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return warn(
            "GITHUB_TOKEN is not set (in a workflow: env GITHUB_TOKEN: ${{ github.token }}, with permissions pull-requests: write)"
                .to_owned(),
        );
    };
    let root = gh.api_url.as_deref().unwrap_or(GITHUB_API).trim();
    let api = match Url::parse(root) {
        Ok(u) if u.scheme() == "https" || (u.scheme() == "http" && crate::api::is_loopback(&u)) => {
            u
        }
        Ok(u) if u.scheme() == "http" => {
            return warn(format!(
                "GITHUB_API_URL {root:?} is plain http to a non-loopback host, which would send the token unencrypted"
            ));
        }
        _ => return warn(format!("GITHUB_API_URL {root:?} is not an https URL")),
    };
    if api.host_str().is_none() || api.query().is_some() || !api.username().is_empty() {
        return warn(format!("GITHUB_API_URL {root:?} is not an API root"));
    }
    Ok(Target {
        api,
        token: Token(token.to_owned()),
        owner: owner.to_owned(),
        repo: repo.to_owned(),
        number,
    })
}

/// The CI run's page, where its artifacts are.
fn run_page(gh: &GithubEnv) -> Option<String> {
    let server = gh.server_url.as_deref()?.trim().trim_end_matches('/');
    let repo = gh.repository.as_deref()?.trim();
    let id = gh.run_id.as_deref()?.trim();
    let safe = |t: &str| {
        t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    };
    (id.bytes().all(|b| b.is_ascii_digit()) && safe(repo) && server.starts_with("https://"))
        .then(|| format!("{server}/{repo}/actions/runs/{id}"))
}

/// Posts the section (when there is one to post) and says how it went in
/// one line. Never fails: the verdict is already decided.
pub async fn post(plan: &Plan, section: Option<&Section>, console: &Console, quiet: bool) {
    let say = |line: String| {
        if !quiet {
            console.err(&line);
        }
    };
    let target = match &plan.target {
        Ok(target) => target,
        Err(Skip::Notice(n)) => return say(format!("vocera-gate: note: {n}")),
        Err(Skip::Warning(w)) => return say(format!("vocera-gate: warning: {w}")),
    };
    let Some(section) = section else {
        return;
    };
    let client = match Client::new(target, plan.proxy.as_ref()) {
        Ok(client) => client,
        Err(e) => return say(warning(&e)),
    };
    match tokio::time::timeout(OVERALL, update(&client, plan, section)).await {
        Ok(Ok(Some(url))) => say(format!("vocera-gate: pull-request comment updated: {url}")),
        Ok(Ok(None)) => say(
            "vocera-gate: note: --pr-comment failures: the gate passed and the pull request has no section of this gate to update; no comment posted"
                .to_owned(),
        ),
        Ok(Err(e)) => say(warning(&e)),
        Err(_) => say(format!(
            "vocera-gate: warning: --pr-comment: GitHub did not finish within {}s; the comment may be stale",
            OVERALL.as_secs()
        )),
    }
}

/// One warning line; a refusal says the likely cause.
fn warning(e: &Failed) -> String {
    let hint = match e.status {
        Some(403 | 404) => {
            " (a pull request from a fork gets a read-only token; elsewhere give the job permissions pull-requests: write)"
        }
        Some(401) => " (GITHUB_TOKEN was refused)",
        _ => "",
    };
    format!(
        "vocera-gate: warning: --pr-comment: {}{hint}; the comment was not updated (the verdict stands)",
        e.message
    )
}

/// Writes our section into the comment, then reads it back: when another
/// job wrote at the same time and our section is gone or not ours, merges
/// again, a few times with jitter. The comment's link, or `None` when
/// `--pr-comment failures` had nothing to post.
async fn update(client: &Client, plan: &Plan, section: &Section) -> Result<Option<String>, Failed> {
    let key = plan.key.as_str();
    for round in 0..ROUNDS {
        let found = ours(client.list().await?);
        let existing = found.as_ref().map(|c| c.body.as_str());
        let has_section = existing
            .and_then(|b| sections::section_of(b, key))
            .is_some();
        if plan.mode == Mode::Failures && !section.failing && !has_section {
            return Ok(None);
        }
        let room = MAX_COMMENT.saturating_sub(sections::merge(existing, key, "").len());
        let text = section.fit(room);
        let body = sections::merge(existing, key, &text);
        let written = match &found {
            Some(c) => client.update(c.id, &body).await?,
            None => client.create(&body).await?,
        };
        let wrapped = sections::wrap(key, &text);
        let now = ours(client.list().await?);
        if let Some(c) =
            now.filter(|c| sections::section_of(&c.body, key) == Some(wrapped.as_str()))
        {
            let url = c.html_url.or(written.html_url);
            return Ok(Some(url.unwrap_or_else(|| format!("comment {}", c.id))));
        }
        tokio::time::sleep(jitter(round)).await;
    }
    Err(Failed {
        status: None,
        message: format!("other jobs kept rewriting the comment; gave up after {ROUNDS} tries"),
    })
}

/// The gate's comment: the oldest one with the marker (two jobs that
/// created one at once both converge on it).
fn ours(comments: Vec<client::Comment>) -> Option<client::Comment> {
    comments
        .into_iter()
        .filter(|c| sections::is_ours(&c.body))
        .min_by_key(|c| c.id)
}

/// 100 ms to 600 ms, times the round: writers that collided do not collide
/// again in step.
fn jitter(round: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(round);
    let ms = 100 + h.finish() % 500;
    Duration::from_millis(ms * u64::from(round + 1))
}
