//! One gate's section of the pull-request comment, in GitHub Markdown: most
//! important first (the verdict and why; the change against the baseline;
//! scenarios below their pass rate; broken thresholds; the top failing
//! calls; where the rest is). A pure function of the evaluation, built as
//! parts whose rows can be cut whole ([`Section::fit`]), so the comment
//! keeps under GitHub's 65,535 characters and says what it left out.
//!
//! Run text is hostile: it goes through [`inert`], which leaves it no
//! markup, HTML, link, `@mention`, `#reference` or comment marker.

use super::markdown::{safe_link, upper_first};
use super::text::{one_line, problem};
use super::{comparison_lists, not_passed, threshold_rows};
use crate::ending::Conclusion;
use crate::policy::{Evaluation, Outcome, RunResult};
use std::fmt::Write as _;

/// GitHub's limit on a comment's body.
pub const MAX_COMMENT: usize = 65_535;

/// The failing calls listed at most.
const TOP_CALLS: usize = 10;

/// The names shown per comparison list; the rest are counted.
const NAMES_PER_LIST: usize = 10;

/// What the section links to and names besides the runs, from the CI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// The CI run's page, where its artifacts (the reports) are.
    pub run_page: Option<String>,
    /// The commit gated.
    pub commit: Option<String>,
    /// Link each call's recording (`--include-recordings`: recordings of
    /// calls may be private, and a comment is as public as the PR).
    pub recordings: bool,
}

/// A section, ready to be cut to a size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    parts: Vec<Part>,
    /// Where the rows left out can be read.
    elsewhere: String,
    /// The gate did not pass: under `--pr-comment failures`, a reason to
    /// post when no section exists yet.
    pub failing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    /// A table whose rows may be cut from the end; `noun` counts them.
    Rows {
        head: String,
        rows: Vec<String>,
        noun: &'static str,
    },
}

/// The section for `eval`, keyed by `title` (the job and `--comment-key`,
/// shown as text).
pub fn section(eval: &Evaluation<'_>, title: &str, links: &Links) -> Section {
    let conclusion = eval.conclusion();
    let elsewhere = match links.run_page.as_deref().and_then(safe_link) {
        Some(url) => format!("the [run page]({url})'s artifacts, or the --json report"),
        None => "the --json report".to_owned(),
    };
    let mut parts = vec![Part::Text(verdict(eval, conclusion, title))];
    parts.extend(baseline_about(eval));
    parts.extend(comparison(eval));
    parts.extend(below_rate(eval));
    parts.extend(broken_thresholds(eval));
    parts.extend(top_calls(eval, links, &elsewhere));
    parts.push(Part::Text(footer(eval, links)));
    Section {
        parts,
        elsewhere,
        failing: conclusion != Conclusion::Passed,
    }
}

impl Section {
    /// The section in at most `max` bytes (so as many characters at most):
    /// whole rows cut from the last tables first, each cut said with its
    /// count and where the rest is. Past even that, the fixed text alone.
    pub fn fit(&self, max: usize) -> String {
        let mut keep: Vec<usize> = self.parts.iter().map(Part::rows).collect();
        let mut size = self.size(&keep);
        for (i, part) in self.parts.iter().enumerate().rev() {
            let Part::Rows { rows, .. } = part else {
                continue;
            };
            // One row at a time, the size kept by difference: linear in
            // the rows, however many there are.
            while size > max && keep[i] > 0 {
                let before = part.note(keep[i], &self.elsewhere).len();
                keep[i] -= 1;
                let after = part.note(keep[i], &self.elsewhere).len();
                size = size + after - before - (rows[keep[i]].len() + 1);
            }
        }
        self.render(&keep)
    }

    /// The whole section, nothing cut.
    pub fn full(&self) -> String {
        self.fit(usize::MAX)
    }

    fn size(&self, keep: &[usize]) -> usize {
        self.parts
            .iter()
            .zip(keep)
            .map(|(p, &k)| p.size(k, &self.elsewhere))
            .sum()
    }

    fn render(&self, keep: &[usize]) -> String {
        let mut s = String::new();
        for (part, &k) in self.parts.iter().zip(keep) {
            part.write(&mut s, k, &self.elsewhere);
        }
        s
    }
}

impl Part {
    fn rows(&self) -> usize {
        match self {
            Part::Text(_) => 0,
            Part::Rows { rows, .. } => rows.len(),
        }
    }

    fn size(&self, keep: usize, elsewhere: &str) -> usize {
        match self {
            Part::Text(t) => t.len(),
            Part::Rows { head, rows, .. } => {
                let kept: usize = rows[..keep].iter().map(|r| r.len() + 1).sum();
                head.len() + kept + self.note(keep, elsewhere).len() + 1
            }
        }
    }

    fn write(&self, s: &mut String, keep: usize, elsewhere: &str) {
        match self {
            Part::Text(t) => s.push_str(t),
            Part::Rows { head, rows, .. } => {
                s.push_str(head);
                for row in &rows[..keep] {
                    s.push_str(row);
                    s.push('\n');
                }
                s.push_str(&self.note(keep, elsewhere));
                s.push('\n');
            }
        }
    }

    /// What a table says of its rows cut: empty when none was.
    fn note(&self, keep: usize, elsewhere: &str) -> String {
        match self {
            Part::Rows { rows, noun, .. } if keep < rows.len() => {
                let left = rows.len() - keep;
                format!(
                    "\n… {left} more {noun}{} left out to keep the comment under GitHub's limit: see {elsewhere}.\n",
                    if left == 1 { "" } else { "s" }
                )
            }
            _ => String::new(),
        }
    }
}

/// The heading, the verdict's reasons and the counts.
fn verdict(eval: &Evaluation<'_>, conclusion: Conclusion, title: &str) -> String {
    let icon = match conclusion {
        Conclusion::Passed => "✅",
        Conclusion::Failed => "❌",
        Conclusion::TimedOut => "⏳",
        Conclusion::Error => "⚠️",
    };
    let mut s = format!("### {icon} vocera-gate: {}", conclusion.as_str());
    if !title.is_empty() {
        let _ = write!(s, " · {}", inert(&one_line(title, 100)));
    }
    s.push_str("\n\n");
    if let Some(e) = eval.stop.api_error() {
        let _ = writeln!(s, "**{}**\n", inert(&one_line(e, 400)));
    }
    if !eval.broken.is_empty() {
        s.push_str("**Why:**\n\n");
        for rule in &eval.broken {
            let _ = writeln!(s, "- {}", inert(&one_line(&rule.to_string(), 400)));
        }
        s.push('\n');
    } else if conclusion == Conclusion::Passed {
        s.push_str("Every rule of the policy held.\n\n");
    }
    let c = &eval.counts;
    let _ = writeln!(
        s,
        "Score **{}** (max {}) · {} runs: {} passed, {} failed, {} errored, {} missing, {} unfinished\n",
        eval.score, eval.max_score, c.runs, c.passed, c.failed, c.errored, c.missing, c.unfinished
    );
    s
}

/// Which baseline was compared with (its commit, its age), and a warning
/// when it is stale.
fn baseline_about(eval: &Evaluation<'_>) -> Option<Part> {
    let c = eval.comparison.as_ref()?;
    let mut s = String::new();
    if let Some(about) = super::baseline_about(c, inert) {
        let _ = write!(s, "{}\n\n", upper_first(&about));
    }
    if let Some(stale) = c.stale() {
        let _ = write!(s, "⚠ {}\n\n", upper_first(&stale));
    }
    (!s.is_empty()).then_some(Part::Text(s))
}

/// The change against the baseline: one row per list, with its count and
/// its first names.
fn comparison(eval: &Evaluation<'_>) -> Option<Part> {
    let c = eval.comparison.as_ref()?;
    let lists = comparison_lists(c);
    if lists.is_empty() {
        let text = "**Compared with the baseline:** no change.\n\n";
        return Some(Part::Text(text.to_owned()));
    }
    let rows = lists
        .into_iter()
        .map(|(what, names)| {
            let delta = match what {
                "regressions" | "new failure reasons" | "new scenarios" => "+",
                "fixed" => "−",
                _ => "",
            };
            let mut shown: Vec<String> = names
                .iter()
                .take(NAMES_PER_LIST)
                .map(|n| inert(&one_line(n, 80)))
                .collect();
            if names.len() > NAMES_PER_LIST {
                shown.push(format!("and {} more", names.len() - NAMES_PER_LIST));
            }
            format!(
                "| {} | {delta}{} | {} |",
                inert(what),
                names.len(),
                shown.join("; ")
            )
        })
        .collect();
    Some(Part::Rows {
        head: "**Compared with the baseline:**\n\n| change | count | scenarios |\n| --- | --- | --- |\n"
            .to_owned(),
        rows,
        noun: "change",
    })
}

/// The scenarios below `--min-pass-rate`, with k/N.
fn below_rate(eval: &Evaluation<'_>) -> Option<Part> {
    let rows: Vec<String> = (eval.scenarios.iter())
        .filter(|s| s.below())
        .map(|s| {
            format!(
                "| {} | {} | {} | {} |",
                inert(&one_line(&s.name, 80)),
                s.rate_label(),
                s.failed,
                s.errored
            )
        })
        .collect();
    (!rows.is_empty()).then(|| Part::Rows {
        head: "**Scenarios below their pass rate:**\n\n| scenario | pass rate (k/N) | failed | errored |\n| --- | --- | --- | --- |\n"
            .to_owned(),
        rows,
        noun: "scenario",
    })
}

/// The aggregate thresholds that broke, measured against their limits.
fn broken_thresholds(eval: &Evaluation<'_>) -> Option<Part> {
    let rows: Vec<String> = threshold_rows(eval, |t| inert(&one_line(t, 120)))
        .into_iter()
        .filter(|row| row[3] == "broken")
        .map(|[name, measured, limit, _]| format!("| {name} | {measured} | {limit} |"))
        .collect();
    (!rows.is_empty()).then(|| Part::Rows {
        head: "**Broken thresholds:**\n\n| threshold | measured | limit |\n| --- | --- | --- |\n"
            .to_owned(),
        rows,
        noun: "threshold",
    })
}

/// The failing calls, most severe first: at most [`TOP_CALLS`], the rest
/// counted.
fn top_calls(eval: &Evaluation<'_>, links: &Links, elsewhere: &str) -> Option<Part> {
    let failing: Vec<&RunResult<'_>> = not_passed(eval)
        .into_iter()
        .filter(|r| !r.tolerated && !r.known && r.outcome != Outcome::Unfinished)
        .collect();
    if failing.is_empty() {
        return None;
    }
    let rows: Vec<String> = (failing.iter().take(TOP_CALLS))
        .map(|r| call_row(r, links))
        .collect();
    let shown = if failing.len() > TOP_CALLS {
        format!(
            "the first {TOP_CALLS} of {}; all of them in {elsewhere}",
            failing.len()
        )
    } else {
        failing.len().to_string()
    };
    let mut head = format!(
        "**Failing calls** ({shown}, most severe first):\n\n| scenario | run | what went wrong | categories |"
    );
    head.push_str(if links.recordings {
        " recording |\n| --- | --- | --- | --- | --- |\n"
    } else {
        "\n| --- | --- | --- | --- |\n"
    });
    Some(Part::Rows {
        head,
        rows,
        noun: "call",
    })
}

/// One failing call: its scenario, ID, problem, categories and links.
fn call_row(r: &RunResult<'_>, links: &Links) -> String {
    let categories: Vec<String> = (r.categories.iter())
        .filter(|c| c.counts)
        .map(|c| {
            format!(
                "{} ({})",
                inert(&one_line(&c.category.name, 80)),
                inert(&c.priority())
            )
        })
        .collect();
    let mut row = format!(
        "| {} | {} | {} | {} |",
        inert(&one_line(&r.case.name, 80)),
        r.id,
        inert(&one_line(&problem(r), 160)),
        categories.join("; ")
    );
    if links.recordings {
        let recording = (r.run)
            .and_then(|run| run.recording_url.as_deref())
            .and_then(safe_link)
            .map(|url| format!(" [▶ listen]({url}) |"))
            .unwrap_or_else(|| " |".to_owned());
        row.push_str(&recording);
    }
    row
}

/// Where the reports are, what was gated, on which commit.
fn footer(eval: &Evaluation<'_>, links: &Links) -> String {
    let mut said: Vec<String> = Vec::new();
    if let Some(url) = links.run_page.as_deref().and_then(safe_link) {
        said.push(format!(
            "[the CI run]({url}) (its artifacts hold the reports)"
        ));
    }
    if let Some(commit) = links.commit.as_deref() {
        said.push(format!("commit `{}`", code(&one_line(commit, 64))));
    }
    if let Some(suite) = &eval.suite {
        said.push(inert(&one_line(&suite.line(), 300)));
    }
    if let Some(id) = eval.result_id {
        said.push(format!("result {id}"));
    }
    if said.is_empty() {
        return String::new();
    }
    format!("<sub>{}</sub>\n", said.join(" · "))
}

/// Run text made inert in GitHub Markdown: no HTML (so no comment marker),
/// no emphasis, code, link or table break, no bare link, no `@mention` and
/// no `#123` reference (each broken by a zero-width joiner).
pub fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '@' | '#' => {
                out.push(c);
                out.push(ZWJ);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    if out.contains("://") || out.contains("www.") {
        out = out
            .replace("://", ":\u{200d}//")
            .replace("www.", "www\u{200d}.");
    }
    out
}

const ZWJ: char = '\u{200d}';

/// Text for inside a code span: no backquote can end it.
fn code(text: &str) -> String {
    text.chars()
        .map(|c| if c == '`' || c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
#[path = "comment_tests.rs"]
mod tests;
