use super::*;
use crate::console::Captured;
use crate::error::usage;

const NO_KEY: &str = "no API key; set VOCERA_API_KEY (or CEKURA_API_KEY) or pass --api-key";

fn event(head: &str, base: &str) -> String {
    serde_json::json!({
        "pull_request": {
            "number": 7,
            "head": {"repo": {"full_name": head}},
            "base": {"repo": {"full_name": base}},
        }
    })
    .to_string()
}

#[test]
fn the_event_file_tells_a_fork_from_a_branch() {
    assert_eq!(
        PullRequest::read(&event("someone/gate", "acme/gate")),
        PullRequest::Fork("someone/gate".into())
    );
    assert_eq!(
        PullRequest::read(&event("acme/gate", "acme/gate")),
        PullRequest::Same
    );
    let deleted = r#"{"pull_request": {"head": {"repo": null}, "base": {"repo": {"full_name": "acme/gate"}}}}"#;
    assert_eq!(
        PullRequest::read(deleted),
        PullRequest::Fork("a deleted fork".into())
    );
    assert_eq!(PullRequest::read("not json"), PullRequest::Unknown);
    assert_eq!(PullRequest::read("{}"), PullRequest::Unknown);
}

/// `say` in a step whose event file holds `event_json`: stdout, stderr,
/// and the summary written.
fn said(
    error: &Error,
    event_name: &str,
    event_json: &str,
    key_set: bool,
) -> (String, String, String) {
    let dir = tempfile::tempdir().expect("dir");
    let summary = dir.path().join("summary.md");
    let event_path = dir.path().join("event.json");
    std::fs::write(&event_path, event_json).expect("event file");
    let step = GithubStep {
        summary: Some(summary.clone()),
        event_name: event_name.into(),
        event_path: Some(event_path),
        key_set,
    };
    let (out, err) = (Captured::default(), Captured::default());
    let console = Console::new(out.clone(), err.clone());
    say(&console, error, Some(&step));
    let written = std::fs::read_to_string(summary).unwrap_or_default();
    (out.text(), err.text(), written)
}

#[test]
fn a_missing_key_in_a_forks_pull_request_says_so_and_how_to_gate_it() {
    let (out, err, summary) = said(
        &usage(NO_KEY),
        "pull_request",
        &event("someone/gate", "acme/gate"),
        false,
    );
    assert_eq!(err, "");
    assert_eq!(out.lines().count(), 1, "exactly one annotation: {out}");
    assert!(
        out.starts_with(
            "::error title=vocera-gate%3A no API key in a pull request from a fork::no API key; \
             set VOCERA_API_KEY (or CEKURA_API_KEY) or pass --api-key. This pull request comes \
             from a fork (someone/gate), and GitHub gives the workflow runs of pull requests from \
             forks no secrets"
        ),
        "{out}"
    );
    assert!(
        out.contains("suite PATH --check") && out.contains("workflow_run"),
        "{out}"
    );
    assert!(
        summary.starts_with("### ⚠️ vocera-gate: error (exit 2)\n\n**no API key;"),
        "{summary}"
    );
    for needed in [
        "fork (someone/gate)",
        "`on: workflow_run`",
        "--check",
        "check-only: true",
    ] {
        assert!(summary.contains(needed), "{needed}: {summary}");
    }
}

#[test]
fn an_empty_key_in_a_pull_request_event_is_taken_for_a_fork_even_unread() {
    let (out, _, summary) = said(&usage(NO_KEY), "pull_request", "", false);
    assert!(out.contains("from a fork::"), "{out}");
    assert!(
        summary.contains("The API key is empty in this pull_request event"),
        "{summary}"
    );
    // A pull request from a branch of the repository: the secret is missing.
    let (out, _, summary) = said(
        &usage(NO_KEY),
        "pull_request",
        &event("acme/gate", "acme/gate"),
        false,
    );
    assert!(
        out.starts_with("::error title=vocera-gate%3A usage error (exit 2)::no API key"),
        "{out}"
    );
    assert!(!summary.contains("fork"), "{summary}");
    // pull_request_target has the secrets; a push is no pull request.
    for name in ["pull_request_target", "push"] {
        let (out, _, _) = said(&usage(NO_KEY), name, &event("x/y", "a/b"), false);
        assert!(!out.contains("fork"), "{name}: {out}");
    }
    // Another usage error in a fork's pull request is just that.
    let other = usage("--max-score: invalid number \"x\"");
    let (out, _, _) = said(&other, "pull_request", &event("x/y", "a/b"), false);
    assert!(!out.contains("fork"), "{out}");
}

#[test]
fn an_api_error_is_one_annotation_and_a_summary_and_other_errors_none() {
    let api = Error::Api("the API refused the key (401); check VOCERA_API_KEY".into());
    let (out, _, summary) = said(&api, "push", "", true);
    assert_eq!(
        out,
        "::error title=vocera-gate%3A the API could not be used (exit 4)::the API refused the \
         key (401); check VOCERA_API_KEY\n"
    );
    assert!(
        summary.starts_with("### ⚠️ vocera-gate: error (exit 4)\n\n**the API refused the key"),
        "{summary}"
    );
    for quiet in [
        Error::StepOutputs("cannot append".into()),
        Error::System("no runtime".into()),
        Error::Internal("bug".into()),
    ] {
        let (out, _, summary) = said(&quiet, "push", "", true);
        assert_eq!((out.as_str(), summary.as_str()), ("", ""), "{quiet:?}");
    }
    let (out, err) = (Captured::default(), Captured::default());
    let console = Console::new(out.clone(), err.clone());
    say(&console, &usage(NO_KEY), None);
    assert_eq!(out.text(), "", "nothing outside GitHub Actions");
}

#[test]
fn the_step_is_read_only_in_github_actions() {
    let var = |name: &str| match name {
        "GITHUB_EVENT_NAME" => Some("pull_request".to_owned()),
        "GITHUB_EVENT_PATH" => Some("/tmp/event.json".to_owned()),
        _ => None,
    };
    let mut env = Env {
        vocera_key: Some(" ".into()),
        ..Env::default()
    };
    assert!(GithubStep::of(&env, &var).is_none());
    env.github_actions = true;
    let step = GithubStep::of(&env, &var).expect("in GitHub Actions");
    assert_eq!(step.event_name, "pull_request");
    assert!(!step.key_set, "a blank key is no key");
    env.cekura_key = Some("ck".into());
    assert!(GithubStep::of(&env, &var).is_some_and(|s| s.key_set));
}
