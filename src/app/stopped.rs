//! A gate that stopped on a usage or API error (exit 2 or 4) in GitHub
//! Actions: one `::error` annotation and a short step summary, each with
//! the reason and the fix. The commonest case, a pull request from a fork
//! (GitHub gives it no secrets, so no key), says so and how to gate such
//! pull requests.

use crate::config::Env;
use crate::console::Console;
use crate::error::Error;
use crate::render::{github, markdown};
use std::path::PathBuf;

/// What the error path needs of a GitHub Actions step, read at start.
#[derive(Debug, Clone, Default)]
pub struct GithubStep {
    /// `GITHUB_STEP_SUMMARY`.
    pub summary: Option<PathBuf>,
    /// `GITHUB_EVENT_NAME`: `pull_request`, `push`...
    pub event_name: String,
    /// `GITHUB_EVENT_PATH`: the event, as JSON.
    pub event_path: Option<PathBuf>,
    /// `VOCERA_API_KEY` or `CEKURA_API_KEY` holds something.
    pub key_set: bool,
}

impl GithubStep {
    /// The step, from the environment; `None` outside GitHub Actions
    /// (`GITHUB_ACTIONS` not `true`). `var` reads a variable.
    pub fn of(env: &Env, var: &dyn Fn(&str) -> Option<String>) -> Option<GithubStep> {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|k| !k.trim().is_empty());
        env.github_actions.then(|| GithubStep {
            summary: env.github_step_summary.clone(),
            event_name: var("GITHUB_EVENT_NAME").unwrap_or_default(),
            event_path: var("GITHUB_EVENT_PATH")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from),
            key_set: set(&env.vocera_key) || set(&env.cekura_key),
        })
    }

    /// The pull request this step runs for, when the event is one that
    /// gets no secrets from a fork (`pull_request`, its reviews and
    /// comments; not `pull_request_target`).
    fn pull_request(&self) -> Option<PullRequest> {
        let name = self.event_name.as_str();
        if !name.starts_with("pull_request") || name == "pull_request_target" {
            return None;
        }
        Some(self.event_path.as_ref().map_or(PullRequest::Unknown, |p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            PullRequest::read(&text)
        }))
    }
}

/// A pull request, as its event file tells.
#[derive(Debug, PartialEq, Eq)]
enum PullRequest {
    /// From a fork: its repository.
    Fork(String),
    /// From a branch of the repository itself.
    Same,
    /// The event file could not say.
    Unknown,
}

impl PullRequest {
    fn read(event: &str) -> PullRequest {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(event) else {
            return PullRequest::Unknown;
        };
        let pr = &event["pull_request"];
        let name = |side: &str| pr[side]["repo"]["full_name"].as_str().map(str::to_owned);
        match (name("head"), name("base")) {
            (Some(head), Some(base)) if head == base => PullRequest::Same,
            (Some(head), Some(_)) => PullRequest::Fork(head),
            // A deleted fork leaves `head.repo` null.
            (None, Some(_)) if pr["head"].is_object() => PullRequest::Fork("a deleted fork".into()),
            _ => PullRequest::Unknown,
        }
    }
}

/// How to gate a fork's pull request, for the summary.
const FORK_ADVICE: [&str; 2] = [
    "To gate pull requests from forks:\n\
     - here, check the spec without a key: `vocera-gate suite PATH --check` (the Action's `check-only: true`);\n\
     - run the gate itself in a second workflow `on: workflow_run`, which runs in your repository \
     with its secrets once this one completes; put it behind an environment a maintainer approves, \
     as the fork's spec decides which calls your key pays for.",
    "See \"Pull requests from forks\" in the action's documentation (docs/action.md).",
];

/// Writes the annotation and the summary of an error that ended the gate,
/// when it is a usage or API error in GitHub Actions. A summary that
/// cannot be appended is only reported: the exit code already says more.
pub(super) fn say(console: &Console, error: &Error, github: Option<&GithubStep>) {
    let Some(step) = github else {
        return;
    };
    let code = error.exit_code();
    // A step outputs file that cannot be written fails after the verdict,
    // which has its own annotations and summary.
    if !matches!(error, Error::Usage(_) | Error::Args(_) | Error::Api(_)) {
        return;
    }
    let reason = reason(error);
    let fork = fork(error, step);
    let (title, text, advice): (String, String, Vec<&str>) = match &fork {
        Some(said) => (
            "vocera-gate: no API key in a pull request from a fork".into(),
            format!(
                "{reason}. {said}. Check the spec here without a key (suite PATH --check, the \
                 Action's check-only: true) and run the gate in a workflow_run workflow: see \
                 \"Pull requests from forks\" in docs/action.md"
            ),
            FORK_ADVICE.to_vec(),
        ),
        None if code == crate::exit::API => (
            "vocera-gate: the API could not be used (exit 4)".into(),
            reason.clone(),
            vec![
                "No run was judged: the gate could not use the API. The message above says what to do.",
            ],
        ),
        None => (
            "vocera-gate: usage error (exit 2)".into(),
            reason.clone(),
            vec![
                "No run was judged: fix the command line, the files it names or the environment as the message above says, and run again.",
            ],
        ),
    };
    console.command(&github::error_annotation(&title, &text));
    let Some(path) = &step.summary else {
        return;
    };
    let mut advice = advice;
    let said = fork.map(|s| format!("{s}."));
    if let Some(said) = &said {
        advice.insert(0, said);
    }
    let summary = markdown::error_summary(code, &reason, &advice);
    if let Err(e) = crate::files::append(path, &summary) {
        console.err(&format!(
            "vocera-gate: warning: cannot append the summary to {}: {}",
            path.display(),
            crate::files::plain(&e)
        ));
    }
}

/// The error on one line, without clap's `error: ` and usage lines.
fn reason(error: &Error) -> String {
    let text = error.to_string();
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    first.strip_prefix("error: ").unwrap_or(first).to_owned()
}

/// What to say when the error is the missing key of a pull request that
/// gets no secrets: `None` when it is not.
fn fork(error: &Error, step: &GithubStep) -> Option<String> {
    let Error::Usage(message) = error else {
        return None;
    };
    let about_the_key = message.contains("API key") || message.contains("--api-key");
    if step.key_set || !about_the_key {
        return None;
    }
    match step.pull_request()? {
        PullRequest::Fork(repo) => Some(format!(
            "This pull request comes from a fork ({repo}), and GitHub gives the workflow runs of \
             pull requests from forks no secrets: the API key is empty here"
        )),
        PullRequest::Unknown => Some(
            "The API key is empty in this pull_request event: GitHub gives the workflow runs of \
             pull requests from forks no secrets"
                .into(),
        ),
        // The repository's own branch: the secret is missing or misnamed.
        PullRequest::Same => None,
    }
}

#[cfg(test)]
#[path = "stopped_tests.rs"]
mod tests;
