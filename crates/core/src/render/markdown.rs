//! The job summary in Markdown (GitHub's step summary). Run text is made
//! inert: it cannot forge markup, HTML or links.

use super::cut::{FullLists, Rows, SUMMARY_LIMIT, fit};
use super::text::{breakdown, one_line, problem, tolerated_text};
use super::{
    SCENARIO_HEADER, THRESHOLD_HEADER, comparison_lists, not_passed, scenario_rows, threshold_rows,
};
use crate::ending::Conclusion;
use crate::policy::baseline::Comparison;
use crate::policy::{Evaluation, Outcome, RunResult};
use std::fmt::Write as _;

/// The job summary in Markdown, kept under GitHub's limit
/// ([`SUMMARY_LIMIT`](super::cut::SUMMARY_LIMIT)) with no report named
/// for the full lists.
pub fn render(eval: &Evaluation<'_>) -> String {
    render_within(eval, SUMMARY_LIMIT, FullLists::default())
}

/// The job summary in Markdown, at most `limit` bytes: past it, whole rows
/// of its tables and lists are left out (failing ones kept first), each
/// cut saying how many and where `lists` are. Below it, every row.
pub fn render_within(eval: &Evaluation<'_>, limit: usize, lists: FullLists<'_>) -> String {
    let conclusion = eval.conclusion();
    let icon = match conclusion {
        Conclusion::Passed => "✅",
        Conclusion::Failed => "❌",
        Conclusion::TimedOut => "⏳",
        Conclusion::Error => "⚠️",
    };
    let c = &eval.counts;
    let mut s = Doc::default();
    let _ = write!(s, "### {icon} vocera-gate: {}\n\n", conclusion.as_str());
    if let Some(e) = eval.stop.api_error() {
        let _ = writeln!(s, "**{}**\n", md(&one_line(e, 400)));
    }
    if let Some(id) = eval.result_id {
        let _ = writeln!(s, "Result {id}\n");
    }
    if let Some(rate) = super::platform_rate(eval) {
        let _ = writeln!(s, "{}\n", md(&upper_first(&rate)));
    }
    if let Some(suite) = &eval.suite {
        let _ = writeln!(s, "Judged {}\n", md(&one_line(&suite.line(), 300)));
    }
    if let Some(c) = &eval.comparison {
        write_comparison(&mut s, c);
    }
    let _ = write!(
        s,
        "Score **{}** (max {}) · {} runs: {} passed, {} failed, {} errored, {} missing, {} unfinished",
        eval.score, eval.max_score, c.runs, c.passed, c.failed, c.errored, c.missing, c.unfinished
    );
    if let Some(flaky) = tolerated_text(eval) {
        let _ = write!(s, ", {}", md(&flaky));
    }
    s.push_str("\n\n");
    if let Some(parts) = breakdown(eval, "×", md) {
        let _ = writeln!(s, "Score by priority: {parts}\n");
    }
    if !eval.broken.is_empty() {
        s.push_str("The gate failed because:\n\n");
        let rows = eval.broken.iter();
        let rows: Vec<String> = rows
            .map(|r| format!("- {}\n", md(&r.to_string())))
            .collect();
        let all = rows.len();
        s.rows(rows, all, Note::Bullets("reasons"));
        s.push('\n');
    }
    write_tables(&mut s, eval);
    write_runs(&mut s, eval);
    s.finish(limit, lists)
}

/// The job summary of a gate that stopped on an error before judging any
/// run: a heading with the exit code, the `reason` (made inert), then
/// `advice`, Markdown of ours, paragraph by paragraph.
pub fn error_summary(code: u8, reason: &str, advice: &[&str]) -> String {
    let mut s = format!(
        "### ⚠️ vocera-gate: error (exit {code})\n\n**{}**\n\n",
        md(&one_line(reason, 1000))
    );
    for paragraph in advice {
        let _ = writeln!(s, "{}\n", paragraph.trim_end());
    }
    s
}

/// The thresholds table and the per-scenario table, failing rows first.
fn write_tables(s: &mut Doc, eval: &Evaluation<'_>) {
    if !eval.thresholds.is_empty() {
        let _ = writeln!(s, "| {} |", THRESHOLD_HEADER.join(" | "));
        let _ = writeln!(s, "|{}", " --- |".repeat(THRESHOLD_HEADER.len()));
        let rows = threshold_rows(eval, |n| md(&one_line(n, 120)));
        let failing = rows.iter().filter(|r| r[3] != "holds").count();
        let rows = rows.iter().map(|r| format!("| {} |\n", r.join(" | ")));
        s.rows(rows.collect(), failing, Note::Table("thresholds"));
        s.push('\n');
    }
    if let Some(rows) = scenario_rows(eval, |n| md(&one_line(n, 80))) {
        let _ = writeln!(s, "| {} |", SCENARIO_HEADER.join(" | "));
        let _ = writeln!(s, "|{}", " --- |".repeat(SCENARIO_HEADER.len()));
        let failing = eval.scenarios.iter().filter(|s| s.failing()).count();
        let rows = rows.iter().map(|r| format!("| {} |\n", r.join(" | ")));
        s.rows(rows.collect(), failing, Note::Table("scenarios"));
        s.push('\n');
    }
}

/// The table of runs, those that did not pass first: each with its result,
/// top category, detail and recording.
fn write_runs(s: &mut Doc, eval: &Evaluation<'_>) {
    s.push_str(
        "| Scenario | Run | Status | Result | Top category | Priority | Detail | Recording |\n",
    );
    s.push_str("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    let mut order: Vec<&RunResult<'_>> = not_passed(eval);
    let failing = order.len();
    order.extend(eval.results.iter().filter(|r| r.outcome == Outcome::Passed));
    let rows = order.into_iter().map(run_row).collect();
    s.rows(rows, failing, Note::Table("runs"));
}

/// One row of the table of runs, with its line break.
fn run_row(r: &RunResult<'_>) -> String {
    let top = r.top_category();
    let result = match &r.outcome {
        Outcome::Passed => "✅ passed".to_owned(),
        // Tolerated by --min-pass-rate: no reason the gate failed.
        Outcome::Failed { .. } if r.tolerated => "🟡 flaky".to_owned(),
        Outcome::Failed { .. } if r.known => "❌ failed (known, not counted)".to_owned(),
        Outcome::Failed { .. } => "❌ failed".to_owned(),
        _ => format!("⚠️ {}", md(&one_line(&problem(r), 120))),
    };
    let recording = r
        .run
        .and_then(|run| run.recording_url.as_deref())
        .and_then(safe_link)
        .map(|url| format!("[▶ listen]({url})"))
        .unwrap_or_default();
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
        md(&one_line(&r.case.name, 80)),
        r.id,
        md(r.run.map_or("—", |run| run.status.label())),
        result,
        top.map(|t| md(&one_line(&t.category.name, 120)))
            .unwrap_or_default(),
        top.map(|t| md(&t.priority())).unwrap_or_default(),
        detail(r),
        recording,
    )
}

/// The comparison with the baseline: what changed, by list; regressions
/// and new failure reasons kept first when the summary is cut.
fn write_comparison(s: &mut Doc, c: &Comparison) {
    if let Some(about) = super::baseline_about(c, md) {
        let _ = write!(s, "{}\n\n", upper_first(&about));
    }
    if let Some(stale) = c.stale() {
        let _ = write!(s, "⚠ {}\n\n", upper_first(&stale));
    }
    s.push_str("**Compared with the baseline:**\n\n");
    let lists = comparison_lists(c);
    if lists.is_empty() {
        s.push_str("- no change\n");
    }
    for (what, names) in lists {
        let _ = write!(s, "- {what}: ");
        let names = names.iter().enumerate().map(|(i, n)| {
            let sep = if i == 0 { "" } else { "; " };
            format!("{sep}{}", md(&one_line(n, 80)))
        });
        let names: Vec<String> = names.collect();
        let important = if what.starts_with("regressions") || what.starts_with("new failure") {
            names.len()
        } else {
            0
        };
        s.rows(names, important, Note::Names);
        s.push('\n');
    }
    s.push('\n');
}

/// The summary as it is written: text kept whole, and lists of rows that
/// may be cut to keep it under its limit.
#[derive(Default)]
struct Doc {
    parts: Vec<Part>,
    lists: Vec<Rows>,
    open: String,
}

enum Part {
    Text(String),
    /// The list at this index of `lists`, and the note a cut adds.
    Rows(usize, Note),
}

/// What a cut list says of the rows left out.
#[derive(Clone, Copy)]
enum Note {
    /// A table's rows: a line after the table (a blank line between, so
    /// it is not read as a row).
    Table(&'static str),
    /// A bulleted list's items: one more item.
    Bullets(&'static str),
    /// Names on one line, separated by `; `.
    Names,
}

impl Note {
    fn text(self, left_out: usize, kept_any: bool, lists: FullLists<'_>) -> String {
        let full = lists.reports(|p| format!("`{}`", md(p)));
        match self {
            Note::Table(what) => format!(
                "\n_… and {left_out} more {what} left out to keep this summary under GitHub's 1 MiB limit; every one is in {full}._\n"
            ),
            Note::Bullets(what) => {
                format!("- … and {left_out} more {what}; every one is in {full}\n")
            }
            Note::Names => format!(
                "{}… and {left_out} more (every one is in {full})",
                if kept_any { "; " } else { "" }
            ),
        }
    }
}

impl std::fmt::Write for Doc {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.open.push_str(text);
        Ok(())
    }
}

impl Doc {
    fn push_str(&mut self, text: &str) {
        self.open.push_str(text);
    }

    fn push(&mut self, c: char) {
        self.open.push(c);
    }

    /// Rows that may be cut, the first `important` of them kept first.
    fn rows(&mut self, rows: Vec<String>, important: usize, note: Note) {
        let text = std::mem::take(&mut self.open);
        self.parts.push(Part::Text(text));
        self.parts.push(Part::Rows(self.lists.len(), note));
        self.lists.push(Rows { rows, important });
    }

    /// The text, every row in it when it fits in `limit` bytes; else the
    /// rows that fit beside the text and the notes, by [`fit`].
    fn finish(mut self, limit: usize, lists: FullLists<'_>) -> String {
        let open = std::mem::take(&mut self.open);
        self.parts.push(Part::Text(open));
        let rows: usize = (self.lists.iter())
            .flat_map(|l| &l.rows)
            .map(String::len)
            .sum();
        let text: usize = (self.parts.iter())
            .map(|p| match p {
                Part::Text(t) => t.len(),
                Part::Rows(..) => 0,
            })
            .sum();
        let kept = if text + rows <= limit {
            self.lists.iter().map(|l| l.rows.len()).collect()
        } else {
            let notes: usize = (self.parts.iter())
                .map(|p| match p {
                    Part::Rows(i, note) => note.text(self.lists[*i].rows.len(), true, lists).len(),
                    Part::Text(_) => 0,
                })
                .sum();
            fit(&self.lists, limit.saturating_sub(text + notes))
        };
        let mut out = String::with_capacity(limit.min(text + rows));
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Rows(i, note) => {
                    let list = &self.lists[*i].rows;
                    list[..kept[*i]].iter().for_each(|r| out.push_str(r));
                    if kept[*i] < list.len() {
                        out.push_str(&note.text(list.len() - kept[*i], kept[*i] > 0, lists));
                    }
                }
            }
        }
        out
    }
}

/// The detail cell: how the top category showed in the run (v1 `scenario`,
/// v2 `deviation`), and the reviewers' notes on it and on the run.
fn detail(r: &RunResult<'_>) -> String {
    let shown = |text: &str| md(&one_line(text, 160));
    let noted = |text: Option<&str>| text.filter(|t| !t.trim().is_empty()).map(shown);
    let mut parts = Vec::new();
    if let Some(top) = r.top_category() {
        parts.extend(noted(Some(&top.category.detail)));
        parts.extend(noted(top.category.feedback.as_deref()).map(|f| format!("reviewer: {f}")));
    }
    if let Some(f) = noted(r.run.and_then(|run| run.feedback.as_deref())) {
        parts.push(format!("reviewer on the run: {f}"));
    }
    parts.join(" · ")
}

/// `text` with its first letter in upper case, to start a sentence.
pub(crate) fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Run text made inert in Markdown (GitHub also renders inline HTML).
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // Enough to stop emphasis, code, links, images and table breaks
            // mid-line; line-start syntax (#, -, 1.) cannot occur in a cell.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    // GitHub links bare URLs (`https://...`, `www....`) and e-mail
    // addresses (`x@host`, as `mailto:`) in plain text: a zero-width joiner
    // keeps run text from planting a clickable link.
    if out.contains("://") || out.contains("www.") || out.contains('@') {
        out = out
            .replace("://", ":\u{200d}//")
            .replace("www.", "www\u{200d}.")
            .replace('@', "\u{200d}@\u{200d}");
    }
    out
}

/// A URL fit for a Markdown link (a recording's, the CI run's): http(s)
/// only, nothing that could end the link early.
pub(crate) fn safe_link(url: &str) -> Option<String> {
    let url = url.trim();
    let ok_scheme = url.starts_with("https://") || url.starts_with("http://");
    let clean = url.chars().all(|c| {
        c.is_ascii_graphic()
            && !matches!(
                c,
                '(' | ')' | '<' | '>' | '"' | '`' | '\\' | '[' | ']' | '|'
            )
    });
    (ok_scheme && clean).then(|| url.to_owned())
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
