//! The job summary in Markdown (GitHub's step summary). Run text is made
//! inert: it cannot forge markup, HTML or links.

use super::text::{breakdown, one_line, problem, tolerated_text};
use super::{
    SCENARIO_HEADER, THRESHOLD_HEADER, comparison_lists, not_passed, scenario_rows, threshold_rows,
};
use crate::ending::Conclusion;
use crate::policy::baseline::Comparison;
use crate::policy::{Evaluation, Outcome, RunResult};
use std::fmt::Write as _;

/// The job summary in Markdown.
pub fn render(eval: &Evaluation<'_>) -> String {
    let conclusion = eval.conclusion();
    let icon = match conclusion {
        Conclusion::Passed => "✅",
        Conclusion::Failed => "❌",
        Conclusion::TimedOut => "⏳",
        Conclusion::Error => "⚠️",
    };
    let c = &eval.counts;
    let mut s = format!("### {icon} vocera-gate: {}\n\n", conclusion.as_str());
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
        for rule in &eval.broken {
            let _ = writeln!(s, "- {}", md(&rule.to_string()));
        }
        s.push('\n');
    }
    if !eval.thresholds.is_empty() {
        let _ = writeln!(s, "| {} |", THRESHOLD_HEADER.join(" | "));
        let _ = writeln!(s, "|{}", " --- |".repeat(THRESHOLD_HEADER.len()));
        for row in threshold_rows(eval, |n| md(&one_line(n, 120))) {
            let _ = writeln!(s, "| {} |", row.join(" | "));
        }
        s.push('\n');
    }
    if let Some(rows) = scenario_rows(eval, |n| md(&one_line(n, 80))) {
        let _ = writeln!(s, "| {} |", SCENARIO_HEADER.join(" | "));
        let _ = writeln!(s, "|{}", " --- |".repeat(SCENARIO_HEADER.len()));
        for row in rows {
            let _ = writeln!(s, "| {} |", row.join(" | "));
        }
        s.push('\n');
    }
    write_runs(&mut s, eval);
    s
}

/// The table of runs, those that did not pass first: each with its result,
/// top category, detail and recording.
fn write_runs(s: &mut String, eval: &Evaluation<'_>) {
    s.push_str(
        "| Scenario | Run | Status | Result | Top category | Priority | Detail | Recording |\n",
    );
    s.push_str("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    let mut order: Vec<&RunResult<'_>> = not_passed(eval);
    order.extend(eval.results.iter().filter(|r| r.outcome == Outcome::Passed));
    for r in order {
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
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            md(&one_line(&r.case.name, 80)),
            r.id,
            md(r.run.map_or("—", |run| run.status.label())),
            result,
            top.map(|t| md(&one_line(&t.category.name, 120)))
                .unwrap_or_default(),
            top.map(|t| md(&t.priority())).unwrap_or_default(),
            detail(r),
            recording,
        );
    }
}

/// The comparison with the baseline: what changed, by list.
fn write_comparison(s: &mut String, c: &Comparison) {
    s.push_str("**Compared with the baseline:**\n\n");
    let lists = comparison_lists(c);
    if lists.is_empty() {
        s.push_str("- no change\n");
    }
    for (what, names) in lists {
        let names: Vec<String> = names.iter().map(|n| md(&one_line(n, 80))).collect();
        let _ = writeln!(s, "- {what}: {}", names.join("; "));
    }
    s.push('\n');
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
fn upper_first(text: &str) -> String {
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
    use crate::policy::fixtures::{eval_of, flaky, flaky_eval, run, sample, sample_eval};

    #[test]
    fn a_tolerated_failure_reads_flaky_and_is_counted_in_the_headline() {
        let runs = flaky();
        let eval = flaky_eval(&runs);
        assert!(eval.results[1].tolerated, "the scenario met its rate");
        let text = render(&eval);
        assert!(
            text.contains(
                "0 failed, 0 errored, 0 missing, 0 unfinished, \
                 1 flaky failure in scenarios that met --min-pass-rate\n\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("| Flaky #2 | 2 | completed | 🟡 flaky | medium problem |"),
            "{text}"
        );
        assert!(!text.contains("❌ failed"), "{text}");
    }

    #[test]
    fn summary_escapes_markdown_and_html_and_links_only_safe_urls() {
        let mut r = run(1, "completed", Some(false), &["high"]);
        r.categories[0].name = "<img src=x onerror=alert(1)> | [click](javascript:x)".into();
        r.recording_url = Some("https://rec.example/a.mp3".into());
        let mut bad = run(2, "completed", Some(true), &[]);
        bad.recording_url = Some("javascript:alert(1)".into());
        let runs = [r, bad];
        let text = render(&eval_of(&runs, &[]));
        assert!(text.starts_with("### ❌ vocera-gate: failed"), "{text}");
        assert!(!text.contains("Result 9"), "no result: {text}");
        let mut with_result = eval_of(&runs, &[]);
        with_result.result_id = Some(9876);
        assert!(
            render(&with_result).contains("failed\n\nResult 9876\n\nScore"),
            "the result under the heading"
        );
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

    #[test]
    fn bare_urls_in_run_text_are_no_links_but_recordings_are() {
        let mut runs = [run(1, "completed", Some(false), &["high"])];
        runs[0].scenario_name = Some("Call https://evil.example/login now".into());
        runs[0].categories[0].name = "see www.evil.example or mail help@evil.example".into();
        runs[0].recording_url = Some("https://rec.example/a.mp3".into());
        let text = render(&eval_of(&runs, &[]));
        let kept = [
            "Call https:\u{200d}//evil.example/login now",
            "see www\u{200d}.evil.example",
            "help\u{200d}@\u{200d}evil.example",
            "[▶ listen](https://rec.example/a.mp3)",
        ];
        let found: Vec<bool> = kept.iter().map(|k| text.contains(k)).collect();
        assert_eq!(found, [true; 4], "{text}");
        assert_eq!(
            text.matches("https://").count(),
            1,
            "only the recording: {text}"
        );
    }

    #[test]
    fn the_detail_shows_how_the_top_category_showed_and_reviewers_notes() {
        let mut v2 = run(1, "completed", Some(false), &["low", "high"]);
        v2.categories[1].detail = "skipped the *ID* check\nthen | hung up".into();
        v2.categories[1].feedback = Some("agreed".into());
        v2.feedback = Some("<b>rude</b> caller".into());
        let mut bare = run(2, "completed", Some(false), &["high"]);
        bare.categories[0].detail = " ".into();
        let mut noted = run(3, "completed", Some(true), &[]);
        noted.feedback = Some("fine".into());
        let runs = [v2, bare, noted];
        let text = render(&eval_of(&runs, &[]));
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("| Scenario "))
            .collect();
        assert_eq!(rows.len(), 4, "header and three runs: {text}");
        assert!(
            rows[1].ends_with(
                "| high problem | high | skipped the \\*ID\\* check then \\| hung up · \
                 reviewer: agreed · reviewer on the run: &lt;b&gt;rude&lt;/b&gt; caller |  |"
            ),
            "{text}"
        );
        assert!(rows[2].ends_with("| high problem | high |  |  |"), "{text}");
        assert!(
            rows[3].ends_with("| ✅ passed |  |  | reviewer on the run: fine |  |"),
            "{text}"
        );
    }

    #[test]
    fn summary_snapshot() {
        let runs = sample();
        insta::assert_snapshot!(render(&sample_eval(&runs)));
    }
}
