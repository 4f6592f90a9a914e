//! GitHub workflow commands: `::error` annotations for the runs that did not
//! pass (`::warning` for flaky failures a pass rate tolerated), and the step
//! outputs (`$GITHUB_OUTPUT`). Run text is escaped so it
//! cannot end a command or start another.

use super::not_passed;
use super::text::{case_title, inert, one_line, problem};
use crate::policy::{Evaluation, Scenario, runs_text};
use std::borrow::Cow;

/// GitHub keeps only the first 10 error annotations of a step.
pub(crate) const MAX_ANNOTATIONS: usize = 10;

/// `::error title=...::...` lines: the API failure when there is one, then
/// the runs that did not pass, most severe first, and last the flaky
/// failures of scenarios that met `--min-pass-rate` as `::warning` (they do
/// not fail the gate); past the limit, the last line counts the rest.
pub fn annotations(eval: &Evaluation<'_>) -> Vec<String> {
    let command = |kind: &str, title: &str, text: &str| {
        format!(
            "::{kind} title={}::{}",
            escape_property(title),
            escape_data(text)
        )
    };
    let error = |title: &str, text: &str| command("error", title, text);
    let mut lines: Vec<String> = eval
        .stop
        .api_error()
        .map(|e| error("vocera-gate: the API could not be used", &one_line(e, 400)))
        .into_iter()
        .collect();
    let list = not_passed(eval);
    let room = MAX_ANNOTATIONS - lines.len();
    let shown = if list.len() > room {
        room - 1
    } else {
        list.len()
    };
    for r in &list[..shown] {
        let title = format!("vocera-gate: {}", case_title(r, 100));
        let problem = one_line(&problem(r), 400);
        lines.push(if r.tolerated {
            let text = format!("flaky: {problem} (its scenario met --min-pass-rate)");
            command("warning", &title, &text)
        } else {
            error(&title, &problem)
        });
    }
    let rest = &list[shown..];
    if rest.iter().any(|r| !r.tolerated) {
        lines.push(error(
            "vocera-gate",
            &format!(
                "{} more {} did not pass; see the JUnit report or the job summary",
                rest.len(),
                if rest.len() == 1 { "run" } else { "runs" }
            ),
        ));
    } else if !rest.is_empty() {
        lines.push(command(
            "warning",
            "vocera-gate",
            &format!(
                "{} in scenarios that met --min-pass-rate; see the JUnit report or the job summary",
                runs_text(rest.len(), "more flaky failure")
            ),
        ));
    }
    lines
}

/// The step outputs, in order: each `name<<DELIMITER`, the value, the
/// delimiter (GitHub's multi-line form, so no value can end early or add an
/// output). `delimiter` gives a fresh random delimiter each call; one that
/// occurs in the value is drawn again. `exit_code` is the gate's own (a
/// report that could not be written makes it 2), `junit_path` empty when no
/// JUnit report was written.
pub fn outputs(
    eval: &Evaluation<'_>,
    exit_code: u8,
    junit_path: &str,
    delimiter: &mut dyn FnMut() -> String,
) -> String {
    let c = &eval.counts;
    let reasons: Vec<String> = eval.broken.iter().map(ToString::to_string).collect();
    let values = [
        eval.conclusion().as_str().to_owned(),
        exit_code.to_string(),
        eval.score.to_string(),
        eval.max_score.to_string(),
        c.runs.to_string(),
        c.passed.to_string(),
        c.failed.to_string(),
        c.errored.to_string(),
        c.missing.to_string(),
        c.unfinished.to_string(),
        lines(reasons.iter().map(String::as_str)),
        junit_path.to_owned(),
        scenario_names(eval, |s| s.failing()),
        scenario_names(eval, |s| s.flaky),
        eval.result_id.map(|id| id.to_string()).unwrap_or_default(),
        run_ids(eval),
        eval.comparison
            .as_ref()
            .map(|c| lines(c.regressions.iter().map(String::as_str)))
            .unwrap_or_default(),
        super::json::dial_numbers_line(&eval.dials),
    ];
    let values: Vec<(&str, String)> = OUTPUT_NAMES.into_iter().zip(values).collect();
    output_file(&values, delimiter)
}

/// The judged run IDs, comma-separated, in the order judged.
fn run_ids(eval: &Evaluation<'_>) -> String {
    let ids: Vec<String> = eval.results.iter().map(|r| r.id.to_string()).collect();
    ids.join(",")
}

/// The names of the scenarios that `pick` keeps, one a line, failing first.
fn scenario_names(eval: &Evaluation<'_>, pick: impl Fn(&Scenario) -> bool) -> String {
    lines(
        eval.scenarios
            .iter()
            .filter(|s| pick(s))
            .map(|s| s.name.as_str()),
    )
}

/// A list output: one entry a line, each entry on one line ([`entry`]).
fn lines<'a>(entries: impl Iterator<Item = &'a str>) -> String {
    let entries: Vec<Cow<'a, str>> = entries.map(entry).collect();
    entries.join("\n")
}

/// Run text as one entry of a list output, on one line whatever it holds,
/// so no name can add an entry (a scenario named `"Refund\nBooking OK"`
/// would otherwise list a second scenario). Every character some reader
/// takes as the end of a line is written visibly instead (`\x0a`,
/// `\u{2028}`): the control characters (`\n`, `\r`, NUL, vertical tab,
/// form feed, NEL U+0085 and the rest of C0 and C1) and the Unicode line
/// and paragraph separators. Borrows the text when there is none.
pub fn entry(text: &str) -> Cow<'_, str> {
    let breaks = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
    if !text.chars().any(breaks) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !breaks(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// The step outputs of a gate that stopped before judging any run: verdict
/// `error`, its exit code, every other output empty.
pub fn error_outputs(exit_code: u8, delimiter: &mut dyn FnMut() -> String) -> String {
    bare_outputs("error", exit_code, delimiter)
}

/// The step outputs of a dry run (`--dry-run`): verdict `dry-run`, exit
/// code 0, every other output empty, as nothing was judged.
pub fn dry_run_outputs(delimiter: &mut dyn FnMut() -> String) -> String {
    bare_outputs("dry-run", crate::exit::PASSED, delimiter)
}

fn bare_outputs(verdict: &str, exit_code: u8, delimiter: &mut dyn FnMut() -> String) -> String {
    let mut values: Vec<(&str, String)> = OUTPUT_NAMES
        .iter()
        .map(|name| (*name, String::new()))
        .collect();
    values[0].1 = verdict.to_owned();
    values[1].1 = exit_code.to_string();
    values[17].1 = "[]".to_owned(); // dial-numbers: JSON, so a list
    output_file(&values, delimiter)
}

/// Every output the gate writes, in the order written.
pub(crate) const OUTPUT_NAMES: [&str; 18] = [
    "verdict",
    "exit-code",
    "score",
    "max-score",
    "runs",
    "passed-runs",
    "failed-runs",
    "errored-runs",
    "missing-runs",
    "unfinished-runs",
    "reasons",
    "junit-path",
    "failed-scenarios",
    "flaky-scenarios",
    "result-id",
    "run-ids",
    "regressions",
    "dial-numbers",
];

fn output_file(values: &[(&str, String)], delimiter: &mut dyn FnMut() -> String) -> String {
    let mut out = String::new();
    for (name, value) in values {
        let mut delim = delimiter();
        while delim.is_empty() || value.contains(&delim) {
            delim = delimiter();
        }
        out.push_str(&format!("{name}<<{delim}\n{value}\n{delim}\n"));
    }
    out
}

/// An `::error` annotation at a place in a file (a spec's problem), shown
/// on the pull request's diff.
pub fn file_annotation(file: &str, line: usize, column: usize, message: &str) -> String {
    format!(
        "::error file={},line={line},col={column},title=vocera-gate::{}",
        escape_property(file),
        escape_data(message)
    )
}

/// Workflow-command data escaping (actions/toolkit `escapeData`), and the
/// older `##[command]` form, which the runner finds anywhere in a line,
/// broken up (see [`inert`]).
fn escape_data(s: &str) -> String {
    inert(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command property escaping (actions/toolkit `escapeProperty`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
#[path = "github_tests.rs"]
mod tests;
