//! What people read: the progress line while waiting and the verdict at the
//! end. Plain functions from figures to text; printing is the caller's.

use super::{
    SCENARIO_HEADER, THRESHOLD_HEADER, comparison_lists, platform_rate, scenario_rows,
    threshold_rows,
};
use crate::ending::{Stop, Verdict};
use crate::model::Status;
use crate::policy::baseline::Comparison;
use crate::policy::{Evaluation, Outcome, RunResult, runs_text};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// `3/10 finished, 1 missing, 4 in_progress, 2 pending; next check in 8s`.
pub fn progress_line(
    finished: usize,
    missing: usize,
    total: usize,
    waiting: &BTreeMap<String, usize>,
    next: Duration,
    trouble: Option<&str>,
) -> String {
    let mut s = format!("{finished}/{total} finished");
    if missing > 0 {
        let _ = write!(s, ", {missing} missing");
    }
    for (status, n) in waiting {
        let _ = write!(s, ", {n} {status}");
    }
    let _ = write!(s, "; next check in {}", human(next));
    if let Some(t) = trouble {
        let _ = write!(s, " (last request: {t})");
    }
    s
}

/// `8s`, `1.5s`, `250ms`, `2m30s`.
pub(crate) fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        if ms.is_multiple_of(1000) {
            format!("{}s", ms / 1000)
        } else {
            format!("{:.1}s", ms as f64 / 1000.0)
        }
    } else {
        let secs = ms / 1000;
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

/// The one-line headline: `vocera-gate: FAILED: score 13 (max 0), ...`;
/// with `color`, the verdict word carries ANSI colour.
pub fn headline(eval: &Evaluation<'_>, color: bool) -> String {
    use anstyle::{AnsiColor, Style};
    let (word, hue) = match eval.verdict {
        // The answers that would complete the verdict never came (the JSON
        // and the outputs say `error`): no PASSED, FAILED or UNFINISHED.
        _ if eval.stop.api_error().is_some() => (
            "INCOMPLETE, the API failed, so there is no verdict",
            AnsiColor::Red,
        ),
        Verdict::Passed => ("PASSED", AnsiColor::Green),
        Verdict::Failed => ("FAILED", AnsiColor::Red),
        Verdict::Unfinished if matches!(eval.stop, Stop::Cancelled(_)) => {
            ("CANCELLED", AnsiColor::Yellow)
        }
        Verdict::Unfinished => ("UNFINISHED", AnsiColor::Yellow),
    };
    let style = if color {
        Style::new().bold().fg_color(Some(hue.into()))
    } else {
        Style::new()
    };
    let word = format!("{style}{word}{style:#}");
    let c = &eval.counts;
    let mut line = format!(
        "vocera-gate: {word}: score {} (max {}), {}: {} passed, {} failed, {} errored, {} missing, {} unfinished",
        eval.score,
        eval.max_score,
        runs_text(c.runs, "run"),
        c.passed,
        c.failed,
        c.errored,
        c.missing,
        c.unfinished
    );
    if let Some(flaky) = tolerated_text(eval) {
        let _ = write!(line, ", {flaky}");
    }
    if let Some(id) = eval.result_id {
        let _ = write!(line, "; result {id}");
    }
    line
}

/// `2 flaky failures in scenarios that met --min-pass-rate`, for the
/// headlines; `None` when a pass rate tolerated no failure.
pub(crate) fn tolerated_text(eval: &Evaluation<'_>) -> Option<String> {
    let tolerated = eval.counts.tolerated;
    (tolerated > 0).then(|| {
        format!(
            "{} in scenarios that met --min-pass-rate",
            runs_text(tolerated, "flaky failure")
        )
    })
}

/// The full verdict for stdout.
pub fn verdict(eval: &Evaluation<'_>, color: bool) -> String {
    let mut s = headline(eval, color);
    s.push('\n');
    if let Some(rate) = platform_rate(eval) {
        let _ = writeln!(s, "  {rate}");
    }
    if let Some(suite) = &eval.suite {
        let _ = writeln!(s, "  judged {}", one_line(&suite.line(), 300));
    }
    // The priority is the API's text: one line, or it could forge a line of
    // its own (`::error::` in a CI log).
    if let Some(parts) = breakdown(eval, "x", |p| one_line(p, 40)) {
        let _ = writeln!(s, "  score by priority: {parts}");
    }
    if !eval.broken.is_empty() {
        s.push_str(if eval.stop.api_error().is_some() {
            "  the runs known so far already break the policy:\n"
        } else {
            "  the gate failed because:\n"
        });
        // A rule may quote run text (a scenario's name): one line each.
        for rule in &eval.broken {
            let _ = writeln!(s, "    - {}", one_line(&rule.to_string(), usize::MAX));
        }
    }
    if eval.counts.unfinished > 0 {
        let why = match eval.stop {
            Stop::AllFinal | Stop::Deadline => "by the deadline; raise --timeout",
            Stop::Replayed => {
                "when the response was saved; replay a response saved after they finished"
            }
            Stop::Cancelled(_) => "when the gate was cancelled",
            Stop::ApiFailed(_) => "when the API stopped answering",
        };
        let unfinished = eval.counts.unfinished;
        let _ = writeln!(
            s,
            "  {} had not finished {why}",
            runs_text(unfinished, "run")
        );
    }
    if let Some(c) = &eval.comparison {
        write_comparison(&mut s, c);
    }
    if !eval.thresholds.is_empty() {
        let _ = writeln!(s, "  thresholds ({}):", THRESHOLD_HEADER.join(", "));
        for row in threshold_rows(eval, |n| one_line(n, 60)) {
            let _ = writeln!(s, "    - {}", row.join(", "));
        }
    }
    if let Some(rows) = scenario_rows(eval, |n| one_line(n, 60)) {
        let _ = writeln!(s, "  scenarios ({}):", SCENARIO_HEADER.join(", "));
        for row in rows {
            let _ = writeln!(s, "    - {}", row.join(", "));
        }
    }
    write_not_passed(&mut s, eval);
    s
}

/// The verdict's comparison with the baseline: what changed, by list.
fn write_comparison(s: &mut String, c: &Comparison) {
    // The warning of a stale baseline is one of the evaluation's warnings.
    if let Some(about) = super::baseline_about(c, |commit| one_line(commit, 40)) {
        let _ = writeln!(s, "  {about}");
    }
    let _ = writeln!(
        s,
        "  compared with the baseline ({} scenario{} in both):",
        c.shared,
        if c.shared == 1 { "" } else { "s" }
    );
    let lists = comparison_lists(c);
    if lists.is_empty() {
        s.push_str("    - no change\n");
    }
    for (what, names) in lists {
        let names: Vec<String> = names.iter().map(|n| one_line(n, 60)).collect();
        let _ = writeln!(s, "    - {what}: {}", names.join("; "));
    }
}

/// The verdict's last part: each run that did not pass, and why.
fn write_not_passed(s: &mut String, eval: &Evaluation<'_>) {
    let mut first = true;
    for result in &eval.results {
        if result.outcome == Outcome::Passed {
            continue;
        }
        let detail = one_line(&problem(result), 160);
        if first {
            s.push_str("  runs that did not pass:\n");
            first = false;
        }
        let known = if result.known {
            " (known failure, also in the baseline: not counted)"
        } else {
            ""
        };
        let _ = writeln!(s, "    - {}: {detail}{known}", case_title(result, 80));
    }
}

/// The score by priority, heaviest first (`high 2 x 10 = 20, low 1 x 1 = 1`),
/// each priority shown through `show`; `None` when nothing scored.
pub(crate) fn breakdown(
    eval: &Evaluation<'_>,
    times: &str,
    show: impl Fn(&str) -> String,
) -> Option<String> {
    if eval.by_priority.is_empty() {
        return None;
    }
    let parts: Vec<String> = eval
        .by_priority
        .iter()
        .map(|t| {
            format!(
                "{} {} {times} {} = {}",
                show(&t.priority),
                t.categories,
                t.weight,
                t.points
            )
        })
        .collect();
    Some(parts.join(", "))
}

/// A run as people read it: `Refund (run 181)`, or `run 181` alone when the
/// run has no name of its own.
pub(crate) fn case_title(r: &RunResult<'_>, max: usize) -> String {
    let name = one_line(&r.case.name, max);
    if name == format!("run {}", r.id) {
        name
    } else {
        format!("{name} (run {})", r.id)
    }
}

/// What went wrong with a run that did not pass, in a few words:
/// `[high] <category>`, `ended failed: <error>`, `not returned by the API`.
pub fn problem(r: &RunResult<'_>) -> String {
    match &r.outcome {
        Outcome::Passed => "passed".to_owned(),
        Outcome::Failed { unsuccessful } => match (r.top_category(), r.breaches.first()) {
            (Some(top), _) => format!("[{}] {}", top.priority(), top.category.name),
            (None, Some(b)) => format!("threshold {} broken: {}", b.threshold, b.said),
            (None, None) if *unsuccessful => "did not pass its evaluation".to_owned(),
            (None, None) => "failed".to_owned(),
        },
        Outcome::Errored => {
            let ended = match r.run.map(|run| &run.status) {
                Some(Status::Ended(s)) => format!("ended {s}"),
                Some(Status::Unknown(s)) => format!("ended with the undocumented status {s:?}"),
                Some(Status::Unreadable(_)) => "could not be read".to_owned(),
                _ => "ended without a status".to_owned(),
            };
            match r
                .run
                .and_then(|run| run.error_message.as_deref())
                .filter(|e| !e.trim().is_empty())
            {
                Some(e) => format!("{ended}: {e}"),
                None => ended,
            }
        }
        Outcome::Missing => "not returned by the API".to_owned(),
        Outcome::Unfinished => match r.run {
            Some(run) => format!("still {} when waiting stopped", run.status.label()),
            None => "no answer when waiting stopped".to_owned(),
        },
    }
}

/// Text squeezed onto one line of at most `max` characters, controls shown
/// as spaces, so a hostile category cannot forge lines in a CI log.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let mut out: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if out.chars().count() > max {
        out = out.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
    }
    out
}

/// Text that cannot carry a GitHub workflow command, whatever it holds. The
/// runner (actions/runner `ActionCommand.cs`) takes a line as a command when,
/// leading whitespace trimmed, it starts with `::`, or when it holds `##[`
/// anywhere (`TryParse` uses `IndexOf`). Both are broken with a zero-width
/// joiner (`:\u{200d}:`, `##\u{200d}[`): invisible to people, no command to
/// the runner. Lines split at `\n` and `\r`, as the runner reads them.
/// Borrows the text (no copy) when there is nothing to break.
pub fn inert(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let hashes = memchr::memmem::find(bytes, b"##[").is_some();
    if !hashes && memchr::memmem::find(bytes, b"::").is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive(['\n', '\r']) {
        let body = line.trim_start();
        if body.starts_with("::") {
            let at = line.len() - body.len() + 1;
            out.push_str(&line[..at]);
            out.push(ZWJ);
            out.push_str(&line[at..]);
        } else {
            out.push_str(line);
        }
    }
    if hashes {
        out = out.replace("##[", "##\u{200d}[");
    }
    Cow::Owned(out)
}

const ZWJ: char = '\u{200d}';

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;
