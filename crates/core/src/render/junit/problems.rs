//! What a testcase says beyond its properties: the `<failure>`, `<error>`
//! or `<flakyFailure>` of a run that did not pass, and its `<system-out>`
//! (what did not count, reviewers' notes, the transcript when asked).

use super::Options;
use crate::ending::Stop;
use crate::model::{Run, Status};
use crate::policy::{Outcome, RunResult, Scored};
use std::fmt::Write as _;

/// The `<failure>` or `<error>` of a result: tag, type, message, body.
pub(super) fn problem(
    stop: &Stop,
    result: &RunResult<'_>,
) -> Option<(&'static str, String, String, String)> {
    let when = stop.when();
    match (&result.outcome, result.run) {
        (Outcome::Passed, _) => None,
        (Outcome::Unfinished, None) => Some((
            "error",
            "unfinished".to_owned(),
            format!("no answer for run {} {when}", result.id),
            format!(
                "Run {} was requested but no answer covered it {when}; its result is unknown.\n",
                result.id
            ),
        )),
        (Outcome::Missing, _) | (_, None) => Some((
            "error",
            "missing".to_owned(),
            format!(
                "run {} was requested but the API did not return it",
                result.id
            ),
            format!(
                "Run {} was requested but is not in the API's answer: check the ID, and that the API key belongs to the account that owns the run.\n",
                result.id
            ),
        )),
        (Outcome::Failed { unsuccessful }, Some(run)) => Some(failure(result, run, *unsuccessful)),
        (Outcome::Errored, Some(run)) => {
            let (ty, mut message) = match &run.status {
                Status::Ended(s) => (s.clone(), format!("run ended with status {s}")),
                Status::Unknown(s) => (
                    "unknown-status".to_owned(),
                    format!("run has an undocumented status {s:?}"),
                ),
                Status::Unreadable(_) => {
                    ("unreadable".to_owned(), "run could not be read".to_owned())
                }
                _ => ("no-status".to_owned(), "run has no status".to_owned()),
            };
            if let Some(e) = run
                .error_message
                .as_deref()
                .filter(|e| !e.trim().is_empty())
            {
                let _ = write!(message, ": {}", first_line(e));
            }
            let mut body = describe(run);
            if let Some(e) = &run.error_message {
                let _ = writeln!(body, "Error message: {e}");
            }
            list_categories(&mut body, result, true);
            Some(("error", ty, message, body))
        }
        (Outcome::Unfinished, Some(run)) => {
            let message = format!("run was still {} {when}", run.status.label());
            let mut body = describe(run);
            let _ = writeln!(
                body,
                "The run had not finished {when}; its result is unknown."
            );
            Some(("error", "unfinished".to_owned(), message, body))
        }
    }
}

/// The `<failure>` (or, tolerated by a pass rate, `<flakyFailure>`) of a completed run.
fn failure(
    result: &RunResult<'_>,
    run: &Run,
    unsuccessful: bool,
) -> (&'static str, String, String, String) {
    let (ty, message) = match (result.top_category(), result.breaches.first()) {
        (Some(top), _) => (
            top.priority(),
            format!("[{}] {}", top.priority(), top.category.name),
        ),
        (None, Some(breach)) => (
            "threshold".to_owned(),
            format!("threshold {} broken: {}", breach.threshold, breach.said),
        ),
        (None, None) => (
            "unsuccessful".to_owned(),
            "the run did not pass its evaluation (success is not true)".to_owned(),
        ),
    };
    let mut body = describe(run);
    if unsuccessful {
        body.push_str("The run did not pass its evaluation (success is not true).\n");
    }
    for breach in &result.breaches {
        let _ = writeln!(
            body,
            "Threshold {} broken: {}.",
            breach.threshold, breach.said
        );
    }
    list_categories(&mut body, result, true);
    let tag = if result.tolerated {
        body.push_str(
            "Its scenario met --min-pass-rate: a flaky failure, not a reason the gate failed.\n",
        );
        "flakyFailure"
    } else {
        "failure"
    };
    (tag, ty, message, body)
}

fn describe(run: &Run) -> String {
    let mut s = format!("Run {}", run.id);
    if let Some(sid) = run.scenario_id {
        let _ = write!(s, ", scenario {sid}");
    }
    if let Some(name) = &run.scenario_name {
        let _ = write!(s, " ({name})");
    }
    let _ = writeln!(s, ": status {}", run.status.label());
    review_note(&mut s, run);
    s
}

/// A reviewer's decision on the run and note on it, when there are any.
fn review_note(s: &mut String, run: &Run) {
    if let Some(status) = run.review_status() {
        let decision = if run.review == Some(true) {
            "a success"
        } else {
            "a failure"
        };
        let _ = writeln!(
            s,
            "A reviewer judged this run {decision} ({status}); it wins over success."
        );
    }
    if let Some(note) = noted(run.feedback.as_deref()) {
        lines(s, "", &format!("Reviewer's feedback on the run: {note}"));
    }
}

/// A note worth showing: not missing, not blank.
fn noted(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.trim().is_empty())
}

/// `text` a line at a time, each after `indent`, every line kept.
fn lines(body: &mut String, indent: &str, text: &str) {
    // split, not lines(): lines() would drop a carriage return.
    for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
        let _ = writeln!(body, "{indent}{line}");
    }
}

fn list_categories(body: &mut String, result: &RunResult<'_>, counted: bool) {
    let listed: Vec<&Scored<'_>> = result
        .categories
        .iter()
        .filter(|s| s.counts == counted)
        .collect();
    if listed.is_empty() {
        return;
    }
    if counted {
        let _ = writeln!(body, "Critical categories (score {}):", result.score());
    } else {
        body.push_str("Critical categories not scored (weight 0, marked wrong by a reviewer, or run unfinished):\n");
    }
    for s in listed {
        let _ = write!(body, "- [{}, weight {}", s.priority(), s.weight);
        if s.category.wrongly_marked {
            body.push_str(", marked wrong by a reviewer");
        }
        let _ = writeln!(body, "] {}", s.category.name);
        if !s.category.detail.is_empty() {
            lines(body, "    ", &s.category.detail);
        }
        if let Some(note) = noted(s.category.feedback.as_deref()) {
            lines(body, "    ", &format!("Reviewer's feedback: {note}"));
        }
    }
}

pub(super) fn system_out_of(result: &RunResult<'_>, options: Options) -> String {
    let mut s = String::new();
    // A failing run says so in its <failure>; a passing one says it here.
    if result.outcome == Outcome::Passed
        && let Some(run) = result.run
    {
        review_note(&mut s, run);
    }
    list_categories(&mut s, result, false);
    if options.include_transcript
        && let Some(t) = result
            .run
            .and_then(|r| r.transcript.as_deref())
            .filter(|t| !t.is_empty())
    {
        if !s.is_empty() {
            s.push('\n');
        }
        s.push_str("Transcript:\n");
        s.push_str(t);
        if !t.ends_with('\n') {
            s.push('\n');
        }
    }
    s
}

fn first_line(s: &str) -> &str {
    s.trim().lines().next().unwrap_or_default()
}
