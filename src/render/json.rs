//! The verdict as JSON, for scripts: the figures, the reasons, and each
//! run's result.

use crate::ending::Conclusion;
use crate::policy::{Evaluation, Outcome, RunResult, ScenarioKey};
use serde::Serialize;

#[derive(Serialize)]
struct JsonVerdict<'a> {
    verdict: Conclusion,
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
    /// The result the runs belong to (started, or `--result-id`); null
    /// when the runs were given by ID.
    result_id: Option<u64>,
    reasons: Vec<String>,
    /// Failing scenarios first.
    scenarios: Vec<JsonScenario<'a>>,
    /// The aggregate thresholds, in the order given.
    thresholds: Vec<JsonThreshold<'a>>,
    /// With `--baseline`: what changed, by scenario name; null without.
    baseline: Option<JsonComparison<'a>>,
    results: Vec<JsonRun<'a>>,
}

#[derive(Serialize)]
struct JsonComparison<'a> {
    mode: &'static str,
    shared_scenarios: usize,
    regressions: &'a [String],
    new_failure_reasons: &'a [String],
    new_scenarios: &'a [String],
    fixed: &'a [String],
    known_failures: &'a [String],
    gone: &'a [String],
}

#[derive(Serialize)]
struct JsonThreshold<'a> {
    threshold: &'a str,
    passed: bool,
    limit: &'a str,
    /// One; or one per scenario (failing first) with `--threshold-scope scenario`.
    measured: Vec<JsonMeasured<'a>>,
}

#[derive(Serialize)]
struct JsonMeasured<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    scenario: Option<&'a str>,
    value: &'a str,
    limit: &'a str,
    passed: bool,
    /// Broken so far, with runs still unfinished: not final.
    pending: bool,
}

fn thresholds<'a>(eval: &'a Evaluation<'_>) -> Vec<JsonThreshold<'a>> {
    eval.thresholds
        .iter()
        .map(|t| JsonThreshold {
            threshold: &t.text,
            passed: t.passed,
            limit: &t.limit_text,
            measured: t
                .rows
                .iter()
                .map(|r| JsonMeasured {
                    scenario: r.scenario.as_deref(),
                    value: &r.measured,
                    limit: &r.limit,
                    passed: r.passed,
                    pending: r.pending,
                })
                .collect(),
        })
        .collect()
}

/// A weighted category of a run, as a baseline reads it back.
#[derive(Serialize)]
struct JsonCategory<'a> {
    category: &'a str,
    priority: String,
}

/// A metric's readings, as a baseline reads them back.
#[derive(Serialize)]
struct JsonMetric<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    passed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonScenario<'a> {
    name: &'a str,
    scenario_id: Option<i64>,
    runs: usize,
    passed: usize,
    failed: usize,
    errored: usize,
    unfinished: usize,
    pass_rate: String,
    flaky: bool,
    verdict: &'static str,
    run_ids: Vec<u64>,
}

fn scenarios<'a>(eval: &'a Evaluation<'_>) -> Vec<JsonScenario<'a>> {
    eval.scenarios
        .iter()
        .map(|s| JsonScenario {
            name: &s.name,
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
            },
            run_ids: s.members.iter().map(|&i| eval.results[i].id).collect(),
        })
        .collect()
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
    /// A reviewer's decision, when there is one: it won over `success`.
    #[serde(skip_serializing_if = "Option::is_none")]
    review: Option<&'static str>,
    score: u64,
    top_category: Option<&'a str>,
    top_priority: Option<String>,
    recording_url: Option<&'a str>,
    scenario_name: Option<&'a str>,
    /// For an errored run: the status it ended with.
    error_status: Option<&'a str>,
    /// The categories that weigh (text and priority).
    categories: Vec<JsonCategory<'a>>,
    /// The per-run thresholds it broke.
    breaches: Vec<String>,
    metrics: Vec<JsonMetric<'a>>,
    /// With `--baseline`: how the run compares (`regression`, `known failure`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'static str>,
    /// A known failure that did not count (`--baseline-mode new`).
    known_failure: bool,
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

/// The verdict as pretty JSON with a trailing newline; `junit_path` is empty
/// when no JUnit report was written.
pub fn render(eval: &Evaluation<'_>, junit_path: &str) -> String {
    let results = eval
        .results
        .iter()
        .map(|r| {
            let top = r.top_category();
            JsonRun {
                run_id: r.id,
                name: &r.case.name,
                classname: &r.case.classname,
                scenario_id: r.run.and_then(|run| run.scenario_id),
                status: r.run.map(|run| run.status.label()),
                outcome: outcome_word(r),
                success: r.run.and_then(|run| run.success),
                review: r.run.and_then(|run| run.review_status()),
                score: r.score(),
                top_category: top.map(|t| t.category.name.as_str()),
                top_priority: top.map(|t| t.priority()),
                recording_url: r.run.and_then(|run| run.recording_url.as_deref()),
                scenario_name: r.run.and_then(|run| run.scenario_name.as_deref()),
                error_status: match (&r.outcome, r.run) {
                    (Outcome::Errored, Some(run)) => Some(run.status.label()),
                    _ => None,
                },
                categories: r
                    .categories
                    .iter()
                    .filter(|c| c.counts)
                    .map(|c| JsonCategory {
                        category: &c.category.name,
                        priority: c.priority(),
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
                            .map(|m| JsonMetric {
                                name: &m.name,
                                number: m.number,
                                passed: m.passed,
                                label: m.label.as_deref(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                baseline: r.baseline.map(|c| c.word()),
                known_failure: r.known,
            }
        })
        .collect();
    let c = &eval.counts;
    let verdict = JsonVerdict {
        verdict: eval.conclusion(),
        exit_code: crate::exit::code(eval),
        score: eval.score,
        max_score: eval.max_score,
        runs: c.runs,
        passed_runs: c.passed,
        failed_runs: c.failed,
        errored_runs: c.errored,
        missing_runs: c.missing,
        unfinished_runs: c.unfinished,
        junit_path,
        result_id: eval.result_id,
        reasons: eval.broken.iter().map(ToString::to_string).collect(),
        scenarios: scenarios(eval),
        thresholds: thresholds(eval),
        baseline: eval.comparison.as_ref().map(|c| JsonComparison {
            mode: match c.mode {
                crate::policy::baseline::Mode::New => "new",
                crate::policy::baseline::Mode::All => "all",
            },
            shared_scenarios: c.shared,
            regressions: &c.regressions,
            new_failure_reasons: &c.new_reasons,
            new_scenarios: &c.new_scenarios,
            fixed: &c.fixed,
            known_failures: &c.known,
            gone: &c.gone,
        }),
        results,
    };
    let mut text = serde_json::to_string_pretty(&verdict).unwrap_or_else(|_| "{}".to_owned()); // ok: plain data always serializes
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
    fn json_snapshot() {
        let runs = sample();
        insta::assert_snapshot!(render(&sample_eval(&runs), "vocera-junit.xml"));
    }
}
