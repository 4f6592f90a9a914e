//! Runs to JUnit XML: one `<testcase>` per requested run ID, in the order the
//! IDs were given, in a single `<testsuite>` (one suite keeps that order,
//! which suites per scenario would scatter). Each case is named by the
//! policy ([`CaseName`](crate::policy::CaseName)) and counted from the
//! policy's counts.
//!
//! The document is a pure function of the evaluation: no clock, no host name,
//! so the same runs give byte-identical files.

mod marks;
mod problems;
mod thresholds;

use super::xml::{push_attr, push_text};
use crate::policy::{Evaluation, RunResult, Scenario};
use problems::{problem, system_out_of};
use std::fmt::Write as _;

/// What goes into the report beyond the defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Put each run's transcript in its `<system-out>`.
    pub include_transcript: bool,
}

/// Renders the whole report.
pub fn render(eval: &Evaluation<'_>, options: Options) -> String {
    let millis = |r: &RunResult<'_>| r.run.and_then(|run| run.duration_ms).unwrap_or(0);
    let total_millis = eval
        .results
        .iter()
        .fold(0u64, |a, r| a.saturating_add(millis(r)));
    let c = &eval.counts;
    let failures = c.failed;
    let errors = c.errored + c.unfinished + c.missing;
    let tests = c.runs;
    let time = seconds(total_millis);

    // Size it once: growing a 50 MB report by doubling costs page faults.
    let transcripts: usize = if options.include_transcript {
        eval.results
            .iter()
            .filter_map(|r| r.run?.transcript.as_ref())
            .map(String::len)
            .sum()
    } else {
        0
    };
    let mut out = String::with_capacity(1024 + tests * 1536 + transcripts + transcripts / 16);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let threshold_failures = eval.thresholds.iter().filter(|t| t.failed()).count();
    let _ = writeln!(
        out,
        "<testsuites name=\"vocera-gate\" tests=\"{}\" failures=\"{}\" errors=\"{errors}\" skipped=\"0\" time=\"{time}\">",
        tests + eval.thresholds.len(),
        failures + threshold_failures
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"vocera-gate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{time}\">"
    );
    out.push_str("    <properties>\n");
    property(&mut out, 6, "score", &eval.score.to_string());
    property(&mut out, 6, "max_score", &eval.max_score.to_string());
    if let Some(id) = eval.result_id {
        property(&mut out, 6, "result_id", &id.to_string());
    }
    if let Some(suite) = &eval.suite {
        if let Some(name) = &suite.name {
            property(&mut out, 6, "suite", name);
        }
        property(&mut out, 6, "suite_path", &suite.path);
        property(&mut out, 6, "suite_sha256", &suite.sha256);
    }
    out.push_str("    </properties>\n");
    for result in &eval.results {
        let scenario = result.scenario.and_then(|i| eval.scenarios.get(i));
        case(&mut out, eval, result, scenario, millis(result), options);
    }
    out.push_str("  </testsuite>\n");
    thresholds::suite(&mut out, &eval.thresholds, threshold_failures);
    out.push_str("</testsuites>\n");
    out
}

fn seconds(millis: u64) -> String {
    format!("{}.{:03}", millis / 1000, millis % 1000)
}

pub(super) fn property(out: &mut String, indent: usize, name: &str, value: &str) {
    out.extend(std::iter::repeat_n(' ', indent));
    out.push_str("<property name=\"");
    push_attr(out, name);
    out.push_str("\" value=\"");
    push_attr(out, value);
    out.push_str("\"/>\n");
}

fn case(
    out: &mut String,
    eval: &Evaluation<'_>,
    result: &RunResult<'_>,
    scenario: Option<&Scenario>,
    millis: u64,
    options: Options,
) {
    out.push_str("    <testcase name=\"");
    push_attr(out, &result.case.name);
    out.push_str("\" classname=\"");
    push_attr(out, &result.case.classname);
    let _ = writeln!(out, "\" time=\"{}\">", seconds(millis));

    out.push_str("      <properties>\n");
    property(out, 8, "run_id", &result.id.to_string());
    if let Some(run) = result.run {
        run_properties(out, run, scenario, result);
    }
    let mark = marks::mark(eval, result);
    // Only a case the gate did not count is marked: a red case without the
    // property counted, so a gate whose failures all count writes the
    // report it wrote before the marks (and a large one stays as small).
    if let Some(mark) = mark.as_ref().filter(|m| **m != marks::Mark::Counted) {
        property(out, 8, "gate", mark.word());
    }
    out.push_str("      </properties>\n");

    let mut problem = problem(&eval.stop, result);
    // A case the gate did not count stays red, and says first why it did
    // not fail the gate (readers show it red whatever the exit code).
    if let Some((tag, _, message, body)) = problem.as_mut()
        && let Some(mark) = &mark
    {
        message.insert_str(0, &mark.prefix());
        // A <flakyFailure>'s body already says its scenario met the rate.
        if let Some(line) = mark.line().filter(|_| *tag != "flakyFailure") {
            body.push_str(&line);
        }
    }
    if let Some((tag, ty, message, body)) = &problem {
        problem_element(out, tag, ty, message, body);
    }

    let mut system_out = String::new();
    if let Some(("flakyFailure", _, message, body)) = &problem {
        // Readers that ignore <flakyFailure> still show why it was flaky.
        let _ = write!(system_out, "Flaky failure: {message}\n{body}");
    }
    system_out.push_str(&system_out_of(result, options));
    if !system_out.is_empty() {
        system_out_element(out, &system_out);
    }
    out.push_str("    </testcase>\n");
}

/// The properties of a case whose run the API returned.
fn run_properties(
    out: &mut String,
    run: &crate::model::Run,
    scenario: Option<&Scenario>,
    result: &RunResult<'_>,
) {
    if let Some(sid) = run.scenario_id {
        property(out, 8, "scenario_id", &sid.to_string());
    }
    property(out, 8, "status", run.status.label());
    if let Some(s) = scenario.filter(|s| s.met.is_some()) {
        property(out, 8, "pass_rate", &s.rate_label());
    }
    if scenario.is_some_and(|s| s.flaky) {
        property(out, 8, "flaky", "true");
    }
    if let Some(class) = result.baseline {
        property(out, 8, "baseline", class.word());
    }
    let success = match run.success {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    };
    property(out, 8, "success", success);
    if let Some(review) = run.review_status() {
        property(out, 8, "review", review);
    }
    if let Some(ts) = &run.timestamp {
        property(out, 8, "timestamp", ts);
    }
    if let Some(url) = run.recording_url.as_deref().filter(|u| !u.is_empty()) {
        property(out, 8, "recording_url", url);
    }
    for metric in &run.metrics {
        if let Some(value) = &metric.value {
            property(out, 8, &format!("metric.{}", metric.name), value);
        }
    }
}

/// A testcase's `<failure>`, `<error>` or `<flakyFailure>`.
pub(super) fn problem_element(out: &mut String, tag: &str, ty: &str, message: &str, body: &str) {
    let _ = write!(out, "      <{tag} message=\"");
    push_attr(out, message);
    out.push_str("\" type=\"");
    push_attr(out, ty);
    out.push_str("\">");
    // GitLab shows only the body, so it starts with the message.
    push_text(out, message);
    out.push('\n');
    push_text(out, body);
    let _ = writeln!(out, "</{tag}>");
}

/// A testcase's `<system-out>`.
pub(super) fn system_out_element(out: &mut String, text: &str) {
    out.push_str("      <system-out>");
    push_text(out, text);
    out.push_str("</system-out>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Run;
    use crate::policy::fixtures::{eval_of, run, sample, sample_eval};

    fn render_runs(runs: &[Run], missing: &[u64], options: Options) -> String {
        render(&eval_of(runs, missing), options)
    }

    #[test]
    fn counts_and_order_follow_the_requested_ids() {
        let runs = [
            run(3, "completed", Some(true), &[]),
            run(1, "completed", Some(true), &["medium", "high"]),
            run(2, "failed", None, &[]),
            run(4, "pending", None, &[]),
        ];
        let xml = render_runs(&runs, &[9], Options::default());
        assert!(
            xml.contains(
                "<testsuites name=\"vocera-gate\" tests=\"5\" failures=\"1\" errors=\"3\""
            ),
            "{xml}"
        );
        let order: Vec<usize> = [
            "run_id\" value=\"3",
            "run_id\" value=\"1",
            "run_id\" value=\"2",
            "run_id\" value=\"4",
            "run_id\" value=\"9",
        ]
        .iter()
        .map(|p| xml.find(p).unwrap_or_else(|| panic!("{p} in report")))
        .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "cases in request order: {order:?}"
        );
    }

    #[test]
    fn failure_names_the_top_category_and_lists_all() {
        let runs = [run(
            1,
            "completed",
            Some(true),
            &["medium", "high", "not_a_bug"],
        )];
        let xml = render_runs(&runs, &[], Options::default());
        assert!(
            xml.contains("<failure message=\"[high] high problem\" type=\"high\">"),
            "{xml}"
        );
        assert!(
            xml.contains("- [medium, weight 3] medium problem\n    how the medium problem showed"),
            "{xml}"
        );
        let system_out = &xml[xml
            .find("<system-out>")
            .expect("weight-0 category in system-out")..];
        assert!(
            system_out.contains("[not_a_bug, weight 0] not_a_bug problem"),
            "{xml}"
        );
    }

    #[test]
    fn errors_say_what_happened() {
        let mut failed = run(2, "failed", Some(false), &[]);
        failed.error_message = Some("agent hung up\nsecond line".into());
        let runs = [
            failed,
            run(3, "pending", None, &[]),
            run(4, "exploded", None, &[]),
        ];
        let xml = render_runs(&runs, &[5], Options::default());
        assert!(
            xml.contains("message=\"run ended with status failed: agent hung up\" type=\"failed\""),
            "{xml}"
        );
        assert!(
            xml.contains(
                "message=\"run was still pending when the deadline passed\" type=\"unfinished\""
            ),
            "{xml}"
        );
        assert!(xml.contains("type=\"unknown-status\""), "{xml}");
        assert!(
            xml.contains(
                "message=\"run 5 was requested but the API did not return it\" type=\"missing\""
            ),
            "{xml}"
        );
        assert!(
            !xml.contains("\"></error>"),
            "every error has a body: {xml}"
        );
    }

    #[test]
    fn cases_carry_the_policy_names_and_run_time() {
        let runs = [run(1, "completed", Some(true), &[])];
        let xml = render_runs(&runs, &[], Options::default());
        assert!(
            xml.contains(
                "<testcase name=\"Scenario 1\" classname=\"vocera.scenario_10\" time=\"62.000\">"
            ),
            "{xml}"
        );
        assert!(
            !xml.contains("name=\"run 1\""),
            "never named after the run ID"
        );
    }

    #[test]
    fn the_result_is_a_suite_property_when_known() {
        let runs = [run(1, "completed", Some(true), &[])];
        assert!(!render_runs(&runs, &[], Options::default()).contains("result_id"));
        let mut eval = eval_of(&runs, &[]);
        eval.result_id = Some(9876);
        let xml = render(&eval, Options::default());
        assert!(
            xml.contains("<property name=\"max_score\" value=\"0\"/>\n      <property name=\"result_id\" value=\"9876\"/>\n    </properties>"),
            "{xml}"
        );
    }

    #[test]
    fn transcript_only_when_asked() {
        let mut r = run(1, "completed", Some(true), &[]);
        r.transcript = Some("Agent: hi\tthere\u{1b}[2J".into());
        let runs = [r];
        assert!(!render_runs(&runs, &[], Options::default()).contains("Agent: hi"));
        let xml = render_runs(
            &runs,
            &[],
            Options {
                include_transcript: true,
            },
        );
        assert!(
            xml.contains("Transcript:\nAgent: hi\tthere\\x1b[2J\n"),
            "{xml}"
        );
    }

    #[test]
    fn reviewers_notes_are_shown_with_their_category_and_run() {
        let mut failed = run(1, "completed", Some(true), &["high", "not_a_bug"]);
        failed.categories[0].detail = String::new();
        failed.categories[0].feedback = Some("agreed\nsecond line".into());
        failed.categories[1].feedback = Some("fine".into());
        failed.feedback = Some("caller was rude".into());
        let mut passed = run(2, "completed", Some(true), &[]);
        passed.feedback = Some("good call".into());
        passed.categories = vec![];
        let mut blank = run(3, "completed", Some(true), &[]);
        blank.feedback = Some("  ".into());
        let xml = render_runs(&[failed, passed, blank], &[], Options::default());
        assert!(
            xml.contains(
                "status completed\nReviewer's feedback on the run: caller was rude\n\
                 Critical categories (score 10):\n\
                 - [high, weight 10] high problem\n    Reviewer's feedback: agreed\n    second line\n</failure>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("- [not_a_bug, weight 0] not_a_bug problem\n    how the not_a_bug problem showed\n    Reviewer's feedback: fine\n</system-out>"),
            "{xml}"
        );
        assert!(
            xml.contains("<system-out>Reviewer's feedback on the run: good call\n</system-out>"),
            "a passing run's note: {xml}"
        );
        assert_eq!(
            xml.matches("Reviewer's feedback").count(),
            4,
            "none blank: {xml}"
        );
    }

    #[test]
    fn junit_snapshot() {
        let runs = sample();
        insta::assert_snapshot!(render(&sample_eval(&runs), Options::default()));
    }
}
