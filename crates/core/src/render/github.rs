//! GitHub workflow commands: `::error` annotations for the runs that did not
//! pass (`::warning` for flaky failures a pass rate tolerated), and the step
//! outputs (`$GITHUB_OUTPUT`). Run text is escaped so it
//! cannot end a command or start another.

use super::cut::{FullLists, OUTPUT_LIMIT, join_within};
use super::not_passed;
use super::text::{case_title, inert, one_line, problem};
use crate::policy::{Evaluation, Scenario, runs_text};
use std::borrow::Cow;

/// GitHub shows 10 error annotations a step, and the runner's own
/// "Process completed with exit code 1" is one of them: the gate writes 9
/// at most, the last counting the rest.
pub const MAX_ERRORS: usize = 9;

/// GitHub shows 10 warning annotations a step.
pub const MAX_WARNINGS: usize = 10;

/// `::error title=...::...` lines: the API failure when there is one, then
/// the runs that did not pass, most severe first (at most [`MAX_ERRORS`]);
/// then the flaky failures of scenarios that met `--min-pass-rate` as
/// `::warning` (they do not fail the gate; at most [`MAX_WARNINGS`]). Past
/// a limit, the last line of its kind counts the rest and says where
/// `lists` are.
pub fn annotations(eval: &Evaluation<'_>, lists: FullLists<'_>) -> Vec<String> {
    let command = |kind: &str, title: &str, text: &str| {
        format!(
            "::{kind} title={}::{}",
            escape_property(title),
            escape_data(text)
        )
    };
    let mut errors: Vec<String> = eval
        .stop
        .api_error()
        .map(|e| {
            let text = one_line(e, 400);
            command("error", "vocera-gate: the API could not be used", &text)
        })
        .into_iter()
        .collect();
    let (flaky, failing): (Vec<_>, Vec<_>) =
        not_passed(eval).into_iter().partition(|r| r.tolerated);
    let full = lists.reports(|p| one_line(p, 300));
    let room = MAX_ERRORS - errors.len();
    let shown = if failing.len() > room {
        room - 1
    } else {
        failing.len()
    };
    for r in &failing[..shown] {
        let title = format!("vocera-gate: {}", case_title(r, 100));
        errors.push(command("error", &title, &one_line(&problem(r), 400)));
    }
    if shown < failing.len() {
        let rest = failing.len() - shown;
        let text = format!(
            "{} more {} did not pass (GitHub shows 10 errors a step); every one is in {full}",
            rest,
            if rest == 1 { "run" } else { "runs" }
        );
        errors.push(command("error", "vocera-gate", &text));
    }
    let shown = if flaky.len() > MAX_WARNINGS {
        MAX_WARNINGS - 1
    } else {
        flaky.len()
    };
    for r in &flaky[..shown] {
        let title = format!("vocera-gate: {}", case_title(r, 100));
        let problem = one_line(&problem(r), 400);
        let text = format!("flaky: {problem} (its scenario met --min-pass-rate)");
        errors.push(command("warning", &title, &text));
    }
    if shown < flaky.len() {
        let text = format!(
            "{} in scenarios that met --min-pass-rate; every one is in {full}",
            runs_text(flaky.len() - shown, "more flaky failure")
        );
        errors.push(command("warning", "vocera-gate", &text));
    }
    errors
}

/// The step outputs, in order: each `name<<DELIMITER`, the value, the
/// delimiter (GitHub's multi-line form, so no value can end early or add an
/// output). `delimiter` gives a fresh random delimiter each call; one that
/// occurs in the value is drawn again. `exit_code` is the gate's own (a
/// report that could not be written makes it 2), `lists.junit` empty when
/// no JUnit report was written. A list over [`OUTPUT_LIMIT`] bytes (GitHub
/// refuses an output over 1 MB) keeps its first entries whole, and its last
/// entry counts the rest: `… and N more (the full list is in the JSON report
/// PATH)`. That note starts with `…`, which no entry does ([`entry`]).
pub fn outputs(
    eval: &Evaluation<'_>,
    exit_code: u8,
    lists: FullLists<'_>,
    delimiter: &mut dyn FnMut() -> String,
) -> String {
    let c = &eval.counts;
    let reasons: Vec<String> = eval.broken.iter().map(ToString::to_string).collect();
    let lines = |entries: &mut dyn Iterator<Item = &str>| lines(entries, lists);
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
        lines(&mut reasons.iter().map(String::as_str)),
        lists.junit.to_owned(),
        scenario_names(eval, |s| s.failing(), lists),
        scenario_names(eval, |s| s.flaky, lists),
        eval.result_id.map(|id| id.to_string()).unwrap_or_default(),
        run_ids(eval, lists),
        eval.comparison
            .as_ref()
            .map(|c| lines(&mut c.regressions.iter().map(String::as_str)))
            .unwrap_or_default(),
        super::json::dial_numbers_line(&eval.dials),
    ];
    let values: Vec<(&str, String)> = OUTPUT_NAMES.into_iter().zip(values).collect();
    output_file(&values, delimiter)
}

/// The judged run IDs, comma-separated, in the order judged.
fn run_ids(eval: &Evaluation<'_>, lists: FullLists<'_>) -> String {
    let ids: Vec<String> = eval.results.iter().map(|r| r.id.to_string()).collect();
    join_within(&ids, ",", OUTPUT_LIMIT, |n| cut_note(n, lists))
}

/// The names of the scenarios that `pick` keeps, one a line, failing first.
fn scenario_names(
    eval: &Evaluation<'_>,
    pick: impl Fn(&Scenario) -> bool,
    lists: FullLists<'_>,
) -> String {
    let picked = eval.scenarios.iter().filter(|s| pick(s));
    lines(&mut picked.map(|s| s.name.as_str()), lists)
}

/// A list output: one entry a line, each entry on one line ([`entry`]);
/// cut to [`OUTPUT_LIMIT`] bytes with a count.
fn lines<'a>(entries: &mut dyn Iterator<Item = &'a str>, lists: FullLists<'_>) -> String {
    let entries: Vec<Cow<'a, str>> = entries.map(entry).collect();
    join_within(&entries, "\n", OUTPUT_LIMIT, |n| cut_note(n, lists))
}

/// The last entry of a cut list output: `… and N more (the full list is
/// in the JSON report PATH)`, on one line.
fn cut_note(left_out: usize, lists: FullLists<'_>) -> String {
    let full = lists.json_report(|p| entry(&one_line(p, 300)).into_owned());
    format!("… and {left_out} more ({full})")
}

/// Run text as one entry of a list output, on one line whatever it holds,
/// so no name can add an entry (a scenario named `"Refund\nBooking OK"`
/// would otherwise list a second scenario). Every character some reader
/// takes as the end of a line is written visibly instead (`\x0a`,
/// `\u{2028}`): the control characters (`\n`, `\r`, NUL, vertical tab,
/// form feed, NEL U+0085 and the rest of C0 and C1) and the Unicode line
/// and paragraph separators. Borrows the text when there is none.
///
/// An entry that starts with `…` has it written `\u{2026}`: a line that
/// starts with `…` is the count of a cut list ([`outputs`]), never a name.
pub fn entry(text: &str) -> Cow<'_, str> {
    let breaks = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
    if !text.starts_with('…') && !text.chars().any(breaks) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.chars().enumerate() {
        match c {
            '…' if i == 0 => out.push_str("\\u{2026}"),
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

/// The one `::error` annotation of a gate that stopped on an error before
/// judging (a usage or API error): `title`, and the reason with its fix.
pub fn error_annotation(title: &str, text: &str) -> String {
    format!(
        "::error title={}::{}",
        escape_property(title),
        escape_data(&one_line(text, 1000))
    )
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
