//! The evidence report: one self-contained HTML file a reviewer opens.
//!
//! The verdict and why first, then the comparison with the baseline, the
//! figures, the charts (inline SVG, drawn here as text), and every run that
//! did not pass with its evidence; the passing runs folded in `<details>`.
//!
//! Safe by construction: every piece of run text goes through
//! [`push_html`](super::xml::push_html) (`& < > " '` become references), the
//! page holds no script at all, and its Content-Security-Policy allows no
//! load but inline styles, `data:` images and, with `include_recordings`,
//! the recordings' own origins for `<audio preload="none">` players. Same
//! evaluation, same bytes: no clock, no randomness, every list in a fixed
//! order.

mod charts;
mod runs;
#[cfg(test)]
mod tests;

use super::markdown::upper_first;
use super::text::{breakdown, tolerated_text};
use super::xml::push_html;
use super::{SCENARIO_HEADER, THRESHOLD_HEADER, comparison_lists, scenario_rows, threshold_rows};
use crate::ending::Conclusion;
use crate::policy::Evaluation;
use crate::policy::threshold::Threshold;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// What the report shows beyond the verdict.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'t> {
    /// Each run's transcript, turn by turn (kept only with
    /// `--include-transcript`).
    pub include_transcript: bool,
    /// A player for each run's recording (http(s) only).
    pub include_recordings: bool,
    /// Every `--threshold`: the metrics whose distribution is drawn.
    pub thresholds: &'t [Threshold],
}

/// The page's style: inline, allowed by the policy.
const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;color:#1b1f24}\
h1{font-size:1.6em}h1.failed,h1.error{color:#b42318}h1.passed{color:#1a7f37}h1.timed-out{color:#9a6700}\
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #d0d7de;padding:.25em .5em;text-align:left;vertical-align:top}\
th{background:#f6f8fa}section.run{border:1px solid #d0d7de;border-radius:6px;margin:1em 0;padding:0 1em .5em}\
.bad{color:#b42318}.ok{color:#1a7f37}pre,ol.turns{white-space:pre-wrap;overflow-wrap:anywhere}\
ol.turns{padding-left:2em}ol.turns b{margin-right:.4em}svg{display:block;margin:.5em 0}\
svg text{font:11px system-ui,sans-serif;fill:#1b1f24}details{margin:1em 0}summary{cursor:pointer;font-weight:600}";

/// The report, whole.
pub fn render(eval: &Evaluation<'_>, options: Options<'_>) -> String {
    let conclusion = eval.conclusion();
    let origins = if options.include_recordings {
        runs::recording_origins(eval)
    } else {
        BTreeSet::new()
    };
    let mut out = String::with_capacity(4096 + eval.results.len() * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        policy(&origins)
    );
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>vocera-gate: {}</title>", conclusion.as_str());
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    write_verdict(&mut out, eval, conclusion);
    write_comparison(&mut out, eval);
    write_figures(&mut out, eval);
    charts::write(&mut out, eval, options.thresholds);
    runs::write(&mut out, eval, options);
    out.push_str("</body>\n</html>\n");
    out
}

/// The Content-Security-Policy: nothing loads, no script runs; media only
/// from the recordings' origins (already checked to be plain
/// `scheme://host[:port]`).
fn policy(origins: &BTreeSet<String>) -> String {
    let media = if origins.is_empty() {
        "'none'".to_owned()
    } else {
        origins.iter().cloned().collect::<Vec<_>>().join(" ")
    };
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; media-src {media}; base-uri 'none'; form-action 'none'"
    )
}

/// Appends run text, escaped.
fn text(out: &mut String, s: &str) {
    push_html(out, s);
}

/// The verdict and why, first.
fn write_verdict(out: &mut String, eval: &Evaluation<'_>, conclusion: Conclusion) {
    let class = match conclusion {
        Conclusion::Passed => "passed",
        Conclusion::Failed => "failed",
        Conclusion::TimedOut => "timed-out",
        Conclusion::Error => "error",
    };
    let _ = writeln!(
        out,
        "<h1 class=\"{class}\">vocera-gate: {}</h1>",
        conclusion.as_str()
    );
    if let Some(e) = eval.stop.api_error() {
        out.push_str("<p class=\"bad\"><strong>");
        text(out, e);
        out.push_str("</strong></p>\n");
    }
    if eval.broken.is_empty() {
        out.push_str("<p>No rule of the policy was broken.</p>\n");
    } else {
        out.push_str("<p>The gate failed because:</p>\n<ul>\n");
        for rule in &eval.broken {
            out.push_str("<li>");
            text(out, &rule.to_string());
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    if let Some(id) = eval.result_id {
        let _ = writeln!(out, "<p>Result {id}</p>");
    }
    if let Some(rate) = super::platform_rate(eval) {
        out.push_str("<p>");
        text(out, &rate);
        out.push_str("</p>\n");
    }
    if let Some(suite) = &eval.suite {
        out.push_str("<p>Judged ");
        text(out, &suite.line());
        out.push_str("</p>\n");
    }
}

/// The comparison with the baseline, list by list.
fn write_comparison(out: &mut String, eval: &Evaluation<'_>) {
    let Some(c) = &eval.comparison else {
        return;
    };
    out.push_str("<h2>Compared with the baseline</h2>\n");
    if let Some(about) = super::baseline_about(c, str::to_owned) {
        out.push_str("<p>");
        text(out, &upper_first(&about));
        out.push_str("</p>\n");
    }
    if let Some(stale) = c.stale() {
        out.push_str("<p class=\"bad\">⚠ ");
        text(out, &upper_first(&stale));
        out.push_str("</p>\n");
    }
    out.push_str("<ul>\n");
    let lists = comparison_lists(c);
    if lists.is_empty() {
        out.push_str("<li>no change</li>\n");
    }
    for (what, names) in lists {
        let _ = write!(out, "<li>{what} ({}): ", names.len());
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            text(out, name);
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

/// The score and counts, the thresholds and the scenarios.
fn write_figures(out: &mut String, eval: &Evaluation<'_>) {
    let c = &eval.counts;
    let _ = write!(
        out,
        "<p>Score <strong>{}</strong> (max {}) · {} runs: {} passed, {} failed, {} errored, {} missing, {} unfinished",
        eval.score, eval.max_score, c.runs, c.passed, c.failed, c.errored, c.missing, c.unfinished
    );
    if let Some(flaky) = tolerated_text(eval) {
        out.push_str(", ");
        text(out, &flaky);
    }
    out.push_str("</p>\n");
    if let Some(parts) = breakdown(eval, "×", |s| s.to_owned()) {
        out.push_str("<p>Score by priority: ");
        text(out, &parts);
        out.push_str("</p>\n");
    }
    if !eval.thresholds.is_empty() {
        out.push_str("<h2>Thresholds</h2>\n");
        let rows = threshold_rows(eval, |s| s.to_owned());
        table(out, &THRESHOLD_HEADER, rows.iter().map(|r| r.as_slice()));
    }
    if let Some(rows) = scenario_rows(eval, |s| s.to_owned()) {
        out.push_str("<h2>Scenarios</h2>\n");
        table(out, &SCENARIO_HEADER, rows.iter().map(|r| r.as_slice()));
    }
}

/// A table of text cells, each escaped.
fn table<'r>(out: &mut String, header: &[&str], rows: impl Iterator<Item = &'r [String]>) {
    out.push_str("<table>\n<tr>");
    for h in header {
        let _ = write!(out, "<th>{h}</th>");
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str("<td>");
            text(out, cell);
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}
