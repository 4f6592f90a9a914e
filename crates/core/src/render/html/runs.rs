//! Each run's evidence: what it is, why it did not pass, its categories,
//! metrics against their thresholds, the reviewers' notes, its recording
//! (when allowed) and its transcript (when kept).

use super::{Options, text};
use crate::model::Run;
use crate::policy::{Evaluation, Outcome, RunResult};
use crate::render::not_passed;
use crate::render::text::{case_title, problem};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The runs that did not pass, most severe first, then the others folded.
pub(super) fn write(out: &mut String, eval: &Evaluation<'_>, options: Options<'_>) {
    let failing = not_passed(eval);
    let _ = writeln!(out, "<h2>Runs that did not pass ({})</h2>", failing.len());
    if failing.is_empty() {
        out.push_str("<p>None.</p>\n");
    }
    for r in failing {
        write_run(out, r, options);
    }
    let passed: Vec<&RunResult<'_>> = eval
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Passed)
        .collect();
    if !passed.is_empty() {
        let _ = writeln!(
            out,
            "<details>\n<summary>Runs that passed ({})</summary>",
            passed.len()
        );
        for r in passed {
            write_run(out, r, options);
        }
        out.push_str("</details>\n");
    }
}

/// One run's section.
fn write_run(out: &mut String, r: &RunResult<'_>, options: Options<'_>) {
    let _ = write!(out, "<section class=\"run\" id=\"run-{}\">\n<h3>", r.id);
    text(out, &case_title(r, 200));
    let (class, word) = match &r.outcome {
        Outcome::Passed => ("ok", "passed"),
        Outcome::Failed { .. } if r.tolerated => ("", "flaky (tolerated by --min-pass-rate)"),
        Outcome::Failed { .. } if r.known => ("", "failed (known, not counted)"),
        Outcome::Failed { .. } => ("bad", "failed"),
        Outcome::Errored => ("bad", "errored"),
        Outcome::Unfinished => ("bad", "unfinished"),
        Outcome::Missing => ("bad", "missing"),
    };
    let _ = writeln!(out, " <span class=\"{class}\">{word}</span></h3>");
    write_facts(out, r);
    if let Some(run) = r.run {
        write_categories(out, r);
        write_metrics(out, r, run, options);
        if options.include_recordings {
            write_player(out, run);
        }
        if options.include_transcript {
            write_transcript(out, run);
        }
    }
    out.push_str("</section>\n");
}

/// The run's facts, one row each, those it has.
fn write_facts(out: &mut String, r: &RunResult<'_>) {
    let mut rows: Vec<(&str, String)> = Vec::new();
    if r.outcome != Outcome::Passed {
        rows.push(("why", problem(r)));
    }
    if let Some(run) = r.run {
        rows.push(("status", run.status.label().to_owned()));
        if let Some(name) = &run.scenario_name {
            let id = run.scenario_id.map(|i| format!(" (scenario {i})"));
            rows.push(("scenario", format!("{name}{}", id.unwrap_or_default())));
        }
        if let Some(ms) = run.duration_ms {
            rows.push(("duration", format!("{}:{:02}", ms / 60_000, ms / 1000 % 60)));
        }
        rows.extend(run.timestamp.clone().map(|t| ("time", t)));
        rows.extend(run.error_message.clone().map(|e| ("error", e)));
        rows.extend(run.review_status().map(|s| ("review", s.to_owned())));
        rows.extend(run.feedback.clone().map(|f| ("reviewer on the run", f)));
    }
    if let Some(class) = r.baseline {
        rows.push(("baseline", class.word().to_owned()));
    }
    out.push_str("<table>\n");
    for (name, value) in rows {
        let _ = write!(out, "<tr><th>{name}</th><td>");
        text(out, &value);
        out.push_str("</td></tr>\n");
    }
    out.push_str("</table>\n");
}

/// The critical categories: priority, weight, whether they count, how they
/// showed, and what reviewers said.
fn write_categories(out: &mut String, r: &RunResult<'_>) {
    if r.categories.is_empty() {
        return;
    }
    out.push_str("<h4>Categories</h4>\n<table>\n<tr><th>category</th><th>priority</th><th>weight</th><th>counted</th><th>how it showed</th><th>deviation</th><th>reviewer</th></tr>\n");
    for s in &r.categories {
        let c = s.category;
        let counted = if c.wrongly_marked {
            "no (marked wrong by a reviewer)"
        } else if s.counts {
            "yes"
        } else {
            "no"
        };
        out.push_str("<tr><td>");
        text(out, &c.name);
        out.push_str("</td><td>");
        text(out, &s.priority());
        let _ = write!(out, "</td><td>{}</td><td>{counted}</td><td>", s.weight);
        text(out, &c.detail);
        out.push_str("</td><td>");
        text(out, c.deviation.as_deref().unwrap_or(""));
        out.push_str("</td><td>");
        text(out, c.feedback.as_deref().unwrap_or(""));
        out.push_str("</td></tr>\n");
    }
    out.push_str("</table>\n");
}

/// The metrics, each with the thresholds on it and how they came out for
/// this run, any reading that made no sense and, for a run that did not
/// pass, the evaluator's explanation.
fn write_metrics(out: &mut String, r: &RunResult<'_>, run: &Run, options: Options<'_>) {
    if !run.metrics.is_empty() {
        out.push_str("<h4>Metrics</h4>\n<table>\n<tr><th>metric</th><th>value</th><th>thresholds</th><th>evaluator's note</th></tr>\n");
        for m in &run.metrics {
            out.push_str("<tr><td>");
            text(out, &m.name);
            out.push_str("</td><td>");
            text(out, m.value.as_deref().unwrap_or("(none)"));
            out.push_str("</td><td>");
            let on_it = options.thresholds.iter().filter(|t| t.metric == m.name);
            for (i, t) in on_it.enumerate() {
                if i > 0 {
                    out.push_str("<br>");
                }
                let said = match (
                    &t.aggregate,
                    r.breaches.iter().find(|b| b.threshold == t.text),
                ) {
                    (Some(_), _) => "over the runs, see Thresholds".to_owned(),
                    // Thresholds judge completed runs only.
                    (None, _) if !r.outcome.completed() => "not judged (not completed)".to_owned(),
                    (None, Some(b)) => format!("broken: {}", b.said),
                    (None, None) => "holds".to_owned(),
                };
                text(out, &format!("{}: {said}", t.text));
            }
            out.push_str("</td><td>");
            text(out, m.odd.as_deref().unwrap_or(""));
            if r.outcome != Outcome::Passed && !m.explanation.is_empty() {
                if m.odd.is_some() {
                    out.push_str("<br>");
                }
                write_explanation(out, &m.explanation);
            }
            out.push_str("</td></tr>\n");
        }
        out.push_str("</table>\n");
    }
    // A breach of a metric the run does not carry has no row above.
    let unlisted = r.breaches.iter().filter(|b| {
        let on = options.thresholds.iter().find(|t| t.text == b.threshold);
        on.is_none_or(|t| run.metric(&t.metric).is_none())
    });
    for b in unlisted {
        out.push_str("<p class=\"bad\">threshold ");
        text(out, &format!("{} broken: {}", b.threshold, b.said));
        out.push_str("</p>\n");
    }
}

/// An explanation longer than this many characters is folded.
const FOLD_CHARS: usize = 280;

/// The characters of a folded explanation's first line shown above the fold.
const FOLD_SHOWN: usize = 120;

/// The evaluator's explanation, a line each; a long one folded behind its
/// first line's start.
fn write_explanation(out: &mut String, lines: &[String]) {
    let chars: usize = lines.iter().map(|l| l.chars().count()).sum();
    let folded = chars > FOLD_CHARS || lines.len() > 4;
    if folded {
        let first = lines.first().map(String::as_str).unwrap_or_default();
        let shown: String = first.chars().take(FOLD_SHOWN).collect();
        out.push_str("<details style=\"margin:0\"><summary>");
        text(out, &shown);
        out.push_str("…</summary>");
    }
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        text(out, line);
    }
    if folded {
        out.push_str("</details>");
    }
}

/// The recording's player; a URL that is not plain http(s) is dropped.
fn write_player(out: &mut String, run: &Run) {
    let Some(url) = run.recording_url.as_deref().and_then(playable) else {
        return;
    };
    out.push_str("<h4>Recording</h4>\n<audio controls preload=\"none\" src=\"");
    text(out, url);
    out.push_str("\"></audio>\n");
}

/// The transcript, a turn a line (`Role: what was said`).
fn write_transcript(out: &mut String, run: &Run) {
    let Some(transcript) = run.transcript.as_deref().filter(|t| !t.trim().is_empty()) else {
        return;
    };
    out.push_str("<h4>Transcript</h4>\n<ol class=\"turns\">\n");
    for line in transcript.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str("<li>");
        match line.split_once(": ") {
            Some((role, said)) if role.chars().count() <= 40 => {
                out.push_str("<b>");
                text(out, role);
                out.push_str("</b>");
                text(out, said);
            }
            _ => text(out, line),
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n");
}

/// A recording URL a player may load: `http://` or `https://`, then a
/// plain host (letters, digits, `.`, `-`, an optional `:port`, no user
/// name), and nothing that needs quoting.
pub(super) fn playable(url: &str) -> Option<&str> {
    origin(url).map(|_| url)
}

/// The origin of a [`playable`] URL, lower case: `https://rec.example:8443`.
pub(super) fn origin(url: &str) -> Option<String> {
    let clean = url.chars().all(|c| {
        c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`' | ';' | ',')
    });
    let lower = url.to_ascii_lowercase();
    let rest = ["https://", "http://"]
        .iter()
        .find_map(|scheme| lower.strip_prefix(scheme).map(|rest| (scheme, rest)));
    let (scheme, rest) = rest.filter(|_| clean)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host.starts_with(|c: char| c.is_ascii_alphanumeric())
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0) && !p.starts_with('+'));
    (host_ok && port_ok).then(|| format!("{scheme}{authority}"))
}

/// The origins of every recording a player would load, sorted.
pub(super) fn recording_origins(eval: &Evaluation<'_>) -> BTreeSet<String> {
    eval.results
        .iter()
        .filter_map(|r| r.run?.recording_url.as_deref())
        .filter_map(origin)
        .collect()
}
