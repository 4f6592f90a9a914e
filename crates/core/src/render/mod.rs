//! The outputs people and CI read, each a pure function of the
//! [`Evaluation`](crate::policy::Evaluation): one file per format.
//!
//! - [`junit`]: the JUnit XML report (with [`xml`], our escaper);
//! - [`text`]: the verdict and the progress line for the terminal;
//! - [`json`]: the verdict for scripts, and each run as read, for a later
//!   gate's `--baseline` (a versioned format, read back with its own types);
//! - [`markdown`]: the job summary;
//! - [`html`]: the evidence report a reviewer opens (self-contained, no script);
//! - [`github`]: workflow-command annotations and the step outputs;
//! - [`comment`]: this gate's section of the pull-request comment;
//! - [`cut`]: GitHub's size limits, kept by cutting whole rows.

pub mod comment;
pub mod cut;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod text;
pub mod xml;

use crate::policy::baseline::{Comparison, Mode};
use crate::policy::{Evaluation, Outcome, RunResult};

/// Severity order for listing: errors first, then failures by score, then
/// the flaky failures a pass rate tolerated.
fn severity(r: &RunResult<'_>) -> (u8, std::cmp::Reverse<u64>) {
    let rank = match r.outcome {
        Outcome::Errored | Outcome::Missing => 0,
        Outcome::Unfinished => 1,
        Outcome::Failed { .. } if r.tolerated => 3,
        Outcome::Failed { .. } => 2,
        Outcome::Passed => 4,
    };
    (rank, std::cmp::Reverse(r.score()))
}

/// The results that did not pass, most severe first (stable among equals).
pub(crate) fn not_passed<'e, 'a>(eval: &'e Evaluation<'a>) -> Vec<&'e RunResult<'a>> {
    let mut list: Vec<&RunResult<'_>> = eval
        .results
        .iter()
        .filter(|r| r.outcome != Outcome::Passed)
        .collect();
    // A stable sort: equals keep the order the IDs were given in.
    list.sort_by_key(|r| severity(r));
    list
}

/// The comparison with the baseline, list by list in the order a reader
/// needs them: regressions first, then new failure reasons, new
/// scenarios, fixed, known, gone; empty lists left out.
pub(crate) fn comparison_lists(c: &Comparison) -> Vec<(&'static str, &[String])> {
    let known = match c.mode {
        Mode::New => "known failures (also in the baseline; not counted, errored runs aside)",
        Mode::All => "known failures (also in the baseline; counted: --baseline-mode all)",
    };
    [
        ("regressions", c.regressions.as_slice()),
        ("new failure reasons", c.new_reasons.as_slice()),
        ("new scenarios", c.new_scenarios.as_slice()),
        ("fixed", c.fixed.as_slice()),
        (known, c.known.as_slice()),
        ("gone (in the baseline only)", c.gone.as_slice()),
    ]
    .into_iter()
    .filter(|(_, list)| !list.is_empty())
    .collect()
}

/// Which baseline was compared with: `baseline: commit abc1234 (3 days
/// old)`; the commit (run text: a report may say anything) through `show`,
/// the age only when known; `None` when neither is.
pub(crate) fn baseline_about(c: &Comparison, show: impl Fn(&str) -> String) -> Option<String> {
    let commit = c
        .commit
        .as_deref()
        .map(|commit| show(&short_commit(commit)));
    let age = c.age.map(age_text);
    match (commit, age) {
        (Some(commit), Some(age)) => Some(format!("baseline: commit {commit} ({age})")),
        (Some(commit), None) => Some(format!("baseline: commit {commit}")),
        (None, Some(age)) => Some(format!("baseline: commit unknown ({age})")),
        (None, None) => None,
    }
}

/// A commit as people read it: a hexadecimal SHA cut to 7 characters;
/// anything else on one line of at most 40.
pub(crate) fn short_commit(commit: &str) -> String {
    let commit = commit.trim();
    if commit.len() >= 7 && commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        commit[..7].to_owned()
    } else {
        text::one_line(commit, 40)
    }
}

/// `3 days old`, `1 day old`, `5 hours old`, `less than an hour old`.
pub(crate) fn age_text(age: std::time::Duration) -> String {
    let (days, hours) = (age.as_secs() / 86_400, age.as_secs() / 3_600);
    let plural = |n: u64, unit: &str| format!("{n} {unit}{} old", if n == 1 { "" } else { "s" });
    match (days, hours) {
        (0, 0) => "less than an hour old".to_owned(),
        (0, h) => plural(h, "hour"),
        (d, _) => plural(d, "day"),
    }
}

/// The platform's own success rate beside the gate's figures, so a reader
/// sees why they differ: `the platform's success rate of result 9876 is
/// 50% (...); the gate passed 1 of 2 runs`; `None` when it was not read.
pub(crate) fn platform_rate(eval: &Evaluation<'_>) -> Option<String> {
    let rate = eval.platform_success_rate.as_deref()?;
    let id = eval.result_id?;
    Some(format!(
        "the platform's success rate of result {id} is {rate}% (its runs with success true, over all its runs, errored ones included); the gate passed {} of {} (it also weighs categories, thresholds and reviews)",
        eval.counts.passed,
        crate::policy::runs_text(eval.counts.runs, "run"),
    ))
}

/// The thresholds table's header.
pub(crate) const THRESHOLD_HEADER: [&str; 4] = ["threshold", "measured", "limit", "result"];

/// One row per aggregate threshold (per scenario with
/// `--threshold-scope scenario`, failing first), in the order given; run
/// text (the expression, a scenario's name) goes through `show`.
pub(crate) fn threshold_rows(
    eval: &Evaluation<'_>,
    show: impl Fn(&str) -> String,
) -> Vec<[String; 4]> {
    let mut rows = Vec::new();
    for t in &eval.thresholds {
        for row in &t.rows {
            let name = match &row.scenario {
                Some(s) => format!("{} [{}]", t.text, s),
                None => t.text.clone(),
            };
            rows.push([
                show(&name),
                show(&row.measured),
                show(&format!("{} {}", t.op_symbol(), row.limit)),
                row.word().to_owned(),
            ]);
        }
    }
    rows
}

/// The per-scenario table's header.
pub(crate) const SCENARIO_HEADER: [&str; 8] = [
    "scenario",
    "runs",
    "passed",
    "failed",
    "errored",
    "pass rate",
    "flaky",
    "verdict",
];

/// One row per scenario, failing first, each cell through `show` for the
/// name; `None` when no scenario ran twice and no pass rate was asked for
/// (the run table already says it all).
pub(crate) fn scenario_rows(
    eval: &Evaluation<'_>,
    show: impl Fn(&str) -> String,
) -> Option<Vec<[String; 8]>> {
    let repeated = eval.scenarios.iter().any(|s| s.runs > 1 || s.met.is_some());
    if !repeated {
        return None;
    }
    let rows = eval
        .scenarios
        .iter()
        .map(|s| {
            let verdict = if s.failing() {
                "failed"
            } else if s.unfinished > 0 {
                "unfinished"
            } else {
                "passed"
            };
            [
                show(&s.name),
                s.runs.to_string(),
                s.passed.to_string(),
                s.failed.to_string(),
                s.errored.to_string(),
                s.rate_label(),
                if s.flaky { "flaky" } else { "-" }.to_owned(),
                verdict.to_owned(),
            ]
        })
        .collect();
    Some(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::fixtures::{eval_of, run};
    use std::time::Duration;

    const DAY: u64 = 86_400;

    #[test]
    fn the_baseline_is_named_by_its_short_commit_and_its_age() {
        let mut c = Comparison::default();
        assert_eq!(baseline_about(&c, str::to_owned), None, "nothing known");
        c.commit = Some("0123456789abcdef0123456789abcdef01234567".into());
        let about = baseline_about(&c, str::to_owned);
        assert_eq!(about.as_deref(), Some("baseline: commit 0123456"));
        c.age = Some(Duration::from_secs(3 * DAY + 7));
        let about = baseline_about(&c, str::to_owned);
        assert_eq!(
            about.as_deref(),
            Some("baseline: commit 0123456 (3 days old)")
        );
        c.commit = None;
        let about = baseline_about(&c, str::to_owned);
        assert_eq!(
            about.as_deref(),
            Some("baseline: commit unknown (3 days old)")
        );
        assert_eq!(short_commit(" abc12 "), "abc12", "too short to cut");
        assert_eq!(short_commit("a\nb"), "a b", "one line");
    }

    #[test]
    fn an_age_is_said_in_days_else_hours() {
        let age = |secs| age_text(Duration::from_secs(secs));
        assert_eq!(age(59 * 60), "less than an hour old");
        assert_eq!(age(3_600), "1 hour old");
        assert_eq!(age(DAY - 1), "23 hours old");
        assert_eq!(age(DAY), "1 day old");
        assert_eq!(age(10 * DAY + 5), "10 days old");
    }

    #[test]
    fn a_baseline_older_than_7_days_is_stale() {
        let at = |secs| Comparison {
            age: Some(Duration::from_secs(secs)),
            ..Comparison::default()
        };
        assert_eq!(Comparison::default().stale(), None, "age unknown");
        assert_eq!(at(7 * DAY).stale(), None, "7 days is not older than 7 days");
        assert_eq!(
            at(7 * DAY + 1).stale().as_deref(),
            Some("the baseline is 7 days old: run the gate on the default branch to refresh it")
        );
        assert_eq!(at(10 * DAY).age_days(), Some(10));
    }

    #[test]
    fn the_platforms_rate_is_shown_beside_the_gates_figures_with_its_result() {
        let runs = [
            run(1, "completed", Some(true), &[]),
            run(2, "completed", Some(false), &[]),
        ];
        let mut eval = eval_of(&runs, &[]);
        eval.platform_success_rate = Some("50.0".into());
        assert_eq!(platform_rate(&eval), None, "no result to name");
        eval.result_id = Some(9876);
        let said = "the platform's success rate of result 9876 is 50.0% (its runs with success \
                    true, over all its runs, errored ones included); the gate passed 1 of 2 runs \
                    (it also weighs categories, thresholds and reviews)";
        assert_eq!(platform_rate(&eval).as_deref(), Some(said));
        let verdict = text::verdict(&eval, false);
        assert_eq!(verdict.lines().nth(1), Some(format!("  {said}").as_str()));
        assert!(markdown::render(&eval).contains(&format!("Result 9876\n\nThe{}\n", &said[3..])));
    }
}
