//! The verdict as JSON, for scripts and for a later gate: the figures, the
//! reasons, each run's result, and each run as read (a `--baseline` reads
//! it back). The format is versioned: see [`mod@format`].

pub mod format;
pub mod read;

pub(crate) use format::FORMAT_VERSION;
pub use read::{ReportRuns, Unread, read};

use crate::policy::baseline::Mode;
use crate::policy::{Evaluation, Outcome, RunResult, ScenarioKey};
use format::{
    Readings, Report, ReportComparison, ReportMeasured, ReportResult, ReportScenario,
    ReportThreshold, SentRun, WeighedCategory,
};

fn thresholds(eval: &Evaluation<'_>) -> Vec<ReportThreshold> {
    eval.thresholds
        .iter()
        .map(|t| ReportThreshold {
            threshold: t.text.clone(),
            passed: t.passed,
            limit: t.limit_text.clone(),
            measured: t
                .rows
                .iter()
                .map(|r| ReportMeasured {
                    scenario: r.scenario.clone(),
                    value: r.measured.clone(),
                    limit: r.limit.clone(),
                    passed: r.passed,
                    pending: r.pending,
                })
                .collect(),
        })
        .collect()
}

fn scenarios(eval: &Evaluation<'_>) -> Vec<ReportScenario> {
    eval.scenarios
        .iter()
        .map(|s| ReportScenario {
            name: s.name.clone(),
            scenario_id: match s.key {
                ScenarioKey::Id(id) => Some(id),
                _ => None,
            },
            runs: s.runs,
            passed: s.passed,
            failed: s.failed,
            errored: s.errored,
            unfinished: s.unfinished,
            pass_rate: s.rate_label(),
            flaky: s.flaky,
            verdict: if s.failing() {
                "failed"
            } else if s.unfinished > 0 {
                "unfinished"
            } else {
                "passed"
            }
            .to_owned(),
            run_ids: s.members.iter().map(|&i| eval.results[i].id).collect(),
        })
        .collect()
}

/// A run's outcome; `flaky` for a quality failure that `--min-pass-rate`
/// tolerated (a passing JUnit case with a `<flakyFailure>`).
fn outcome_word(result: &RunResult<'_>) -> &'static str {
    match result.outcome {
        Outcome::Passed => "passed",
        Outcome::Failed { .. } if result.tolerated => "flaky",
        Outcome::Failed { .. } => "failed",
        Outcome::Errored => "errored",
        Outcome::Missing => "missing",
        Outcome::Unfinished => "unfinished",
    }
}

fn result(r: &RunResult<'_>) -> ReportResult {
    let top = r.top_category();
    let owned = |s: Option<&str>| s.map(str::to_owned);
    ReportResult {
        run_id: r.id,
        name: r.case.name.clone(),
        classname: r.case.classname.clone(),
        scenario_id: r.run.and_then(|run| run.scenario_id),
        status: owned(r.run.map(|run| run.status.label())),
        outcome: outcome_word(r).to_owned(),
        success: r.run.and_then(|run| run.success),
        review: owned(r.run.and_then(|run| run.review_status())),
        score: r.score(),
        top_category: top.map(|t| t.category.name.clone()),
        top_priority: top.map(|t| t.priority()),
        recording_url: owned(r.run.and_then(|run| run.recording_url.as_deref())),
        scenario_name: owned(r.run.and_then(|run| run.scenario_name.as_deref())),
        error_status: match (&r.outcome, r.run) {
            (Outcome::Errored, Some(run)) => Some(run.status.label().to_owned()),
            _ => None,
        },
        categories: r
            .categories
            .iter()
            .filter(|c| c.counts)
            .map(|c| WeighedCategory {
                category: c.category.name.clone(),
                priority: Some(c.priority()),
            })
            .collect(),
        breaches: r
            .breaches
            .iter()
            .map(|b| format!("{}: {}", b.threshold, b.said))
            .collect(),
        metrics: r
            .run
            .map(|run| {
                run.metrics
                    .iter()
                    .map(|m| Readings {
                        name: m.name.clone(),
                        number: m.number,
                        passed: m.passed,
                        label: m.label.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        baseline: r.baseline.map(|c| c.word().to_owned()),
        known_failure: r.known,
        run: r.run.map(SentRun::of),
    }
}

/// The dials in run-ID order, as the report and the `dial-numbers` step
/// output list them.
pub fn dial_numbers(dials: &[crate::start::Dial]) -> Vec<format::ReportDial> {
    let mut list: Vec<format::ReportDial> = dials
        .iter()
        .map(|d| format::ReportDial {
            run_id: d.run_id,
            number: d.number.clone(),
            opens_at: d.opens_at.clone(),
            closes_at: d.closes_at.clone(),
            window_seconds: d.seconds,
        })
        .collect();
    list.sort_by_key(|d| d.run_id);
    list
}

/// The dials as compact JSON on one line (`[]` when none), for the
/// `dial-numbers` step output: serde_json escapes every control character,
/// so no number can end the line or add an output.
pub(crate) fn dial_numbers_line(dials: &[crate::start::Dial]) -> String {
    serde_json::to_string(&dial_numbers(dials)).unwrap_or_else(|_| "[]".to_owned()) // ok: plain data always serializes
}

/// The verdict as pretty JSON with a trailing newline; `junit_path` is empty
/// when no JUnit report was written.
pub fn render(eval: &Evaluation<'_>, junit_path: &str) -> String {
    let c = &eval.counts;
    let report = Report {
        format_version: Some(FORMAT_VERSION),
        verdict: eval.conclusion().as_str().to_owned(),
        exit_code: crate::exit::code(eval),
        score: eval.score,
        max_score: eval.max_score,
        runs: c.runs,
        passed_runs: c.passed,
        failed_runs: c.failed,
        errored_runs: c.errored,
        missing_runs: c.missing,
        unfinished_runs: c.unfinished,
        junit_path: junit_path.to_owned(),
        result_id: eval.result_id,
        platform_success_rate: eval.platform_success_rate.clone(),
        commit: eval.commit.clone(),
        suite: eval.suite.as_ref().map(|s| format::ReportSuite {
            name: s.name.clone(),
            path: s.path.clone(),
            sha256: s.sha256.clone(),
        }),
        dial_numbers: dial_numbers(&eval.dials),
        reasons: eval.broken.iter().map(ToString::to_string).collect(),
        scenarios: scenarios(eval),
        thresholds: thresholds(eval),
        baseline: eval.comparison.as_ref().map(|c| ReportComparison {
            mode: match c.mode {
                Mode::New => "new",
                Mode::All => "all",
            }
            .to_owned(),
            shared_scenarios: c.shared,
            regressions: c.regressions.clone(),
            new_failure_reasons: c.new_reasons.clone(),
            new_scenarios: c.new_scenarios.clone(),
            fixed: c.fixed.clone(),
            known_failures: c.known.clone(),
            gone: c.gone.clone(),
            commit: c.commit.clone(),
        }),
        results: eval.results.iter().map(result).collect(),
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".to_owned()); // ok: plain data always serializes
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::fixtures::{flaky, flaky_eval};

    #[test]
    fn a_tolerated_failure_has_the_outcome_flaky() {
        let runs = flaky();
        let v: serde_json::Value = serde_json::from_str(&render(&flaky_eval(&runs), ""))
            .unwrap_or_else(|e| panic!("valid JSON: {e}"));
        let outcomes: Vec<&serde_json::Value> = v["results"]
            .as_array()
            .map(|a| a.iter().map(|r| &r["outcome"]).collect())
            .unwrap_or_default();
        assert_eq!(outcomes, ["passed", "flaky"], "{v}");
    }
    use crate::policy::fixtures::{eval_of, run, sample, sample_eval};

    #[test]
    fn json_carries_the_figures_and_results() {
        let runs = [
            run(1, "completed", Some(true), &[]),
            run(2, "completed", Some(false), &["high"]),
        ];
        let eval = eval_of(&runs, &[3]);
        let value: serde_json::Value =
            serde_json::from_str(&render(&eval, "r.xml")).expect("valid JSON");
        assert_eq!(value["verdict"], "failed");
        assert_eq!(value["exit_code"], 1);
        assert_eq!(value["score"], 10);
        assert_eq!(value["runs"], 3);
        assert_eq!(value["failed_runs"], 1);
        assert_eq!(value["missing_runs"], 1);
        assert_eq!(value["junit_path"], "r.xml");
        assert_eq!(value["result_id"], serde_json::Value::Null, "runs by ID");
        let mut eval = eval;
        eval.result_id = Some(9876);
        let value: serde_json::Value =
            serde_json::from_str(&render(&eval, "r.xml")).expect("valid JSON");
        assert_eq!(value["result_id"], 9876);
        assert_eq!(value["results"][1]["top_priority"], "high");
        assert_eq!(value["results"][2]["outcome"], "missing");
        assert_eq!(value["scenarios"][0]["name"], "Scenario 2", "failing first");
        assert_eq!(value["scenarios"][0]["pass_rate"], "0 (0/1)");
        assert_eq!(value["scenarios"][1]["verdict"], "passed");
        assert_eq!(
            value["scenarios"].as_array().map(Vec::len),
            Some(2),
            "the missing run is no scenario"
        );
        assert_eq!(
            value["reasons"].as_array().map(Vec::len),
            Some(3),
            "score, failed runs, missing"
        );
    }

    #[test]
    fn explanations_are_written_only_when_given_and_read_back() {
        use crate::model::Metric;
        let mut explained = run(1, "completed", Some(false), &["high"]);
        explained.metrics = vec![
            Metric {
                name: "Goal".into(),
                passed: Some(false),
                explanation: vec!["Never greeted".into(), "<b>Hung up</b>".into()],
                ..Metric::default()
            },
            Metric {
                name: "Latency".into(),
                number: Some(900.0),
                ..Metric::default()
            },
        ];
        let runs = [explained];
        let text = render(&eval_of(&runs, &[]), "");
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let metrics = &value["results"][0]["run"]["metrics"];
        assert_eq!(
            metrics[0]["explanation"],
            serde_json::json!(["Never greeted", "<b>Hung up</b>"])
        );
        assert!(
            metrics[1].get("explanation").is_none(),
            "absent when none: {metrics}"
        );
        let back = read::read(&text).expect("reads as a baseline");
        assert_eq!(back.runs, runs);
    }

    #[test]
    fn dial_numbers_are_listed_in_run_id_order_and_absent_when_none() {
        let runs = [run(1, "completed", Some(true), &[])];
        let mut eval = eval_of(&runs, &[]);
        let value: serde_json::Value =
            serde_json::from_str(&render(&eval, "")).expect("valid JSON");
        assert!(value.get("dial_numbers").is_none(), "absent: {value}");
        assert_eq!(dial_numbers_line(&eval.dials), "[]");
        let dial = |run_id: u64, number: &str| crate::start::Dial {
            run_id,
            number: number.into(),
            opens_at: None,
            closes_at: Some("2026-12-01T12:05:00Z".into()),
            seconds: None,
        };
        eval.dials = vec![dial(2, "+1\n::error::x"), dial(1, "+15550100")];
        let value: serde_json::Value =
            serde_json::from_str(&render(&eval, "")).expect("valid JSON");
        assert_eq!(
            value["dial_numbers"],
            serde_json::json!([
                {"run_id": 1, "number": "+15550100", "opens_at": null,
                 "closes_at": "2026-12-01T12:05:00Z", "window_seconds": null},
                {"run_id": 2, "number": "+1\n::error::x", "opens_at": null,
                 "closes_at": "2026-12-01T12:05:00Z", "window_seconds": null},
            ])
        );
        let line = dial_numbers_line(&eval.dials);
        assert!(
            !line.contains('\n') && line.contains(r"+1\n::error::x"),
            "{line}"
        );
    }

    #[test]
    fn json_snapshot() {
        let runs = sample();
        insta::assert_snapshot!(render(&sample_eval(&runs), "vocera-junit.xml"));
    }
}
