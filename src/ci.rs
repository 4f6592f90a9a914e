//! What CI systems read besides the JUnit file: the verdict as JSON (for
//! scripts and the GitHub Action's outputs), a Markdown job summary, and
//! GitHub workflow-command annotations. Pure functions from the evaluation
//! to text; run text is escaped for each format so it cannot forge markup,
//! links or workflow commands.

use crate::junit::case_names;
use crate::policy::{Evaluation, Outcome, RunResult, Verdict};
use crate::report::{self, one_line, problem};
use serde::Serialize;
use std::fmt::Write as _;

/// The verdict in one word, as the Action's `verdict` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Word {
    Passed,
    Failed,
    TimedOut,
    /// The API failed, or the gate was cancelled: no complete verdict.
    Error,
}

impl Word {
    pub fn of(verdict: Verdict, complete: bool) -> Word {
        match (complete, verdict) {
            (false, _) => Word::Error,
            (true, Verdict::Passed) => Word::Passed,
            (true, Verdict::Failed) => Word::Failed,
            (true, Verdict::Unfinished) => Word::TimedOut,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Word::Passed => "passed",
            Word::Failed => "failed",
            Word::TimedOut => "timed-out",
            Word::Error => "error",
        }
    }
}

#[derive(Serialize)]
struct JsonVerdict<'a> {
    verdict: Word,
    exit_code: u8,
    score: u64,
    max_score: u64,
    runs: usize,
    passed_runs: usize,
    failed_runs: usize,
    errored_runs: usize,
    missing_runs: usize,
    unfinished_runs: usize,
    junit_path: &'a str,
    reasons: Vec<String>,
    results: Vec<JsonRun<'a>>,
}

#[derive(Serialize)]
struct JsonRun<'a> {
    run_id: u64,
    name: &'a str,
    classname: &'a str,
    scenario_id: Option<i64>,
    status: Option<&'a str>,
    outcome: &'static str,
    success: Option<bool>,
    score: u64,
    top_category: Option<&'a str>,
    top_priority: Option<String>,
    recording_url: Option<&'a str>,
}

fn outcome_word(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "passed",
        Outcome::Failed { .. } => "failed",
        Outcome::Errored => "errored",
        Outcome::Missing => "missing",
        Outcome::Unfinished => "unfinished",
    }
}

/// The verdict as pretty JSON with a trailing newline.
pub fn json(eval: &Evaluation<'_>, word: Word, exit_code: u8, junit_path: &str) -> String {
    let names = case_names(&eval.results);
    let results = eval
        .results
        .iter()
        .zip(&names)
        .map(|(r, (classname, name))| {
            let top = r.top_category();
            JsonRun {
                run_id: r.id,
                name,
                classname,
                scenario_id: r.run.and_then(|run| run.scenario_id),
                status: r.run.map(|run| run.status.label()),
                outcome: outcome_word(&r.outcome),
                success: r.run.and_then(|run| run.success),
                score: r.score(),
                top_category: top.map(|t| t.category.name.as_str()),
                top_priority: top.map(|t| t.priority()),
                recording_url: r.run.and_then(|run| run.recording_url.as_deref()),
            }
        })
        .collect();
    let c = &eval.counts;
    let verdict = JsonVerdict {
        verdict: word,
        exit_code,
        score: eval.score,
        max_score: eval.max_score,
        runs: c.runs,
        passed_runs: c.passed,
        failed_runs: c.failed,
        errored_runs: c.errored,
        missing_runs: c.missing,
        unfinished_runs: c.unfinished,
        junit_path,
        reasons: eval.broken.iter().map(ToString::to_string).collect(),
        results,
    };
    let mut text = serde_json::to_string_pretty(&verdict).unwrap_or_else(|_| "{}".to_owned()); // ok: plain data always serializes
    text.push('\n');
    text
}

/// Severity order for listing: errors first, then failures by score.
fn severity(r: &RunResult<'_>) -> (u8, std::cmp::Reverse<u64>) {
    let rank = match r.outcome {
        Outcome::Errored | Outcome::Missing => 0,
        Outcome::Unfinished => 1,
        Outcome::Failed { .. } => 2,
        Outcome::Passed => 3,
    };
    (rank, std::cmp::Reverse(r.score()))
}

/// The results that did not pass, most severe first (stable among equals).
fn not_passed<'e, 'a>(eval: &'e Evaluation<'a>) -> Vec<(usize, &'e RunResult<'a>)> {
    let mut list: Vec<(usize, &RunResult<'_>)> = eval
        .results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.outcome != Outcome::Passed)
        .collect();
    list.sort_by_key(|(i, r)| (severity(r), *i));
    list
}

/// GitHub keeps only the first 10 error annotations of a step.
pub const MAX_ANNOTATIONS: usize = 10;

/// `::error title=...::...` lines: the API failure when there is one, then
/// the runs that did not pass, most severe first; past the limit, the last
/// line counts the rest.
pub fn annotations(eval: &Evaluation<'_>, api_error: Option<&str>) -> Vec<String> {
    let names = case_names(&eval.results);
    let error = |title: &str, text: &str| {
        format!(
            "::error title={}::{}",
            escape_property(title),
            escape_data(text)
        )
    };
    let mut lines: Vec<String> = api_error
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
    for (i, r) in &list[..shown] {
        let title = format!(
            "vocera-gate: {} (run {})",
            one_line(&names[*i].1, 100),
            r.id
        );
        lines.push(error(&title, &one_line(&problem(r), 400)));
    }
    if shown < list.len() {
        let rest = list.len() - shown;
        lines.push(error(
            "vocera-gate",
            &format!("{rest} more run(s) did not pass; see the JUnit report or the job summary"),
        ));
    }
    lines
}

/// Workflow-command data escaping (actions/toolkit `escapeData`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command property escaping (actions/toolkit `escapeProperty`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The job summary in Markdown; `error` is why the verdict is incomplete.
pub fn summary(eval: &Evaluation<'_>, word: Word, error: Option<&str>) -> String {
    let names = case_names(&eval.results);
    let icon = match word {
        Word::Passed => "✅",
        Word::Failed => "❌",
        Word::TimedOut => "⏳",
        Word::Error => "⚠️",
    };
    let c = &eval.counts;
    let mut s = format!("### {icon} vocera-gate: {}\n\n", word.as_str());
    if let Some(e) = error {
        let _ = writeln!(s, "**{}**\n", md(&one_line(e, 400)));
    }
    let _ = writeln!(
        s,
        "Score **{}** (max {}) · {} runs: {} passed, {} failed, {} errored, {} missing, {} unfinished\n",
        eval.score, eval.max_score, c.runs, c.passed, c.failed, c.errored, c.missing, c.unfinished
    );
    if let Some(parts) = report::breakdown(eval, "×", md) {
        let _ = writeln!(s, "Score by priority: {parts}\n");
    }
    if !eval.broken.is_empty() {
        s.push_str("The gate failed because:\n\n");
        for rule in &eval.broken {
            let _ = writeln!(s, "- {}", md(&rule.to_string()));
        }
        s.push('\n');
    }
    s.push_str("| Scenario | Run | Status | Result | Top category | Priority | Recording |\n");
    s.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    let mut order: Vec<(usize, &RunResult<'_>)> = not_passed(eval);
    order.extend(
        eval.results
            .iter()
            .enumerate()
            .filter(|(_, r)| r.outcome == Outcome::Passed),
    );
    for (i, r) in order {
        let top = r.top_category();
        let result = match &r.outcome {
            Outcome::Passed => "✅ passed".to_owned(),
            Outcome::Failed { .. } => "❌ failed".to_owned(),
            _ => format!("⚠️ {}", md(&one_line(&problem(r), 120))),
        };
        let recording = r
            .run
            .and_then(|run| run.recording_url.as_deref())
            .and_then(safe_link)
            .map(|url| format!("[▶ listen]({url})"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            md(&one_line(&names[i].1, 80)),
            r.id,
            md(r.run.map_or("—", |run| run.status.label())),
            result,
            top.map(|t| md(&one_line(&t.category.name, 120)))
                .unwrap_or_default(),
            top.map(|t| md(&t.priority())).unwrap_or_default(),
            recording,
        );
    }
    s
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
    out
}

/// A recording URL fit for a Markdown link: http(s) only, nothing that
/// could end the link early.
fn safe_link(url: &str) -> Option<String> {
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
mod tests {
    use super::*;
    use crate::model::Run;
    use crate::policy::tests::run;
    use crate::policy::{Ending, Policy, Slot, evaluate};

    fn eval_of<'a>(runs: &'a [Run], missing: &[u64]) -> Evaluation<'a> {
        let mut slots: Vec<_> = runs.iter().map(|r| (r.id, Slot::Found(r))).collect();
        slots.extend(missing.iter().map(|id| (*id, Slot::Missing)));
        evaluate(&Policy::default(), &slots, Ending::Deadline)
    }

    #[test]
    fn json_carries_the_figures_and_results() {
        let runs = [
            run(1, "completed", Some(true), &[]),
            run(2, "completed", Some(false), &["high"]),
        ];
        let eval = eval_of(&runs, &[3]);
        let value: serde_json::Value =
            serde_json::from_str(&json(&eval, Word::Failed, 1, "r.xml")).expect("valid JSON");
        assert_eq!(value["verdict"], "failed");
        assert_eq!(value["exit_code"], 1);
        assert_eq!(value["score"], 10);
        assert_eq!(value["runs"], 3);
        assert_eq!(value["failed_runs"], 1);
        assert_eq!(value["missing_runs"], 1);
        assert_eq!(value["junit_path"], "r.xml");
        assert_eq!(value["results"][1]["top_priority"], "high");
        assert_eq!(value["results"][2]["outcome"], "missing");
        assert_eq!(
            value["reasons"].as_array().map(Vec::len),
            Some(3),
            "score, failed runs, missing"
        );
    }

    #[test]
    fn annotations_list_errors_first_and_count_past_ten() {
        let mut runs: Vec<Run> = (1..=12)
            .map(|i| run(i, "completed", Some(true), &["low"]))
            .collect();
        runs.push(run(13, "failed", None, &[]));
        let eval = eval_of(&runs, &[]);
        let lines = annotations(&eval, None);
        assert_eq!(lines.len(), MAX_ANNOTATIONS, "GitHub keeps ten");
        assert!(
            lines[0].contains("run 13") && lines[0].contains("ended failed"),
            "errors first: {}",
            lines[0]
        );
        assert!(
            lines[9].contains("4 more run(s) did not pass"),
            "the last counts the rest: {}",
            lines[9]
        );
        let with_error = annotations(&eval, Some("the API refused the key"));
        assert_eq!(with_error.len(), MAX_ANNOTATIONS, "still ten");
        assert!(
            with_error[0].contains("the API refused the key"),
            "API error first: {}",
            with_error[0]
        );
        assert!(with_error[9].contains("5 more run(s)"), "{}", with_error[9]);
    }

    #[test]
    fn annotation_text_cannot_inject_commands() {
        let mut r = run(1, "completed", Some(true), &["high"]);
        r.scenario_name = Some("a:b,c".into());
        r.categories[0].name = "x\n::set-output name=verdict::passed%".into();
        let runs = [r];
        let lines = annotations(&eval_of(&runs, &[]), None);
        assert_eq!(lines.len(), 1);
        assert!(!lines[0].contains('\n'), "one line");
        assert!(
            lines[0].starts_with("::error title=vocera-gate%3A a%3Ab%2Cc (run 1)::"),
            "{}",
            lines[0]
        );
        assert!(lines[0].ends_with("passed%25"), "{}", lines[0]);
    }

    #[test]
    fn summary_escapes_markdown_and_html_and_links_only_safe_urls() {
        let mut r = run(1, "completed", Some(false), &["high"]);
        r.categories[0].name = "<img src=x onerror=alert(1)> | [click](javascript:x)".into();
        r.recording_url = Some("https://rec.example/a.mp3".into());
        let mut bad = run(2, "completed", Some(true), &[]);
        bad.recording_url = Some("javascript:alert(1)".into());
        let runs = [r, bad];
        let text = summary(&eval_of(&runs, &[]), Word::Failed, None);
        assert!(text.starts_with("### ❌ vocera-gate: failed"), "{text}");
        assert!(
            text.contains("&lt;img src=x onerror=alert(1)&gt; \\| \\[click\\](javascript:x)"),
            "{text}"
        );
        assert!(
            text.contains("[▶ listen](https://rec.example/a.mp3)"),
            "{text}"
        );
        assert!(
            !text.contains("listen](javascript"),
            "unsafe link dropped: {text}"
        );
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("| ") && !l.starts_with("| ---"))
                .count(),
            3,
            "header and two runs"
        );
    }
}
