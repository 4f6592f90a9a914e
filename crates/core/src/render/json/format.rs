//! The `--json` report's format, version [`FORMAT_VERSION`]: one set of
//! types, written by [`render`](super::render) and read back, as a
//! `--baseline`, by [`read`](super::read::read). What a report says is
//! therefore exactly what a later gate reads.
//!
//! Each result's `run` is the run as the gate read it from the API: every
//! field the policy judges (all critical categories, weight 0 and marked
//! wrong included, each priority as sent; every metric reading; the status
//! as sent), so a later gate judges it again under its own policy exactly
//! as it would judge a saved response of the same run. The other fields
//! are the verdict of the gate that wrote the report; a baseline never
//! reads them.
//!
//! A field added to this version must be optional to read; a field that
//! changes meaning, or one that a re-judgement needs, takes a new version.

use crate::model::{Category, Metric, Run, Status};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

/// The version of the format this gate writes, and the only one it reads
/// besides the unversioned reports written before it.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// The whole report.
#[derive(Debug, Serialize, Deserialize)]
#[serde(expecting = "a --json report (with verdict and results)")]
pub struct Report {
    /// [`FORMAT_VERSION`]; absent in the reports written before it.
    #[serde(default)]
    pub format_version: Option<u32>,
    pub verdict: String,
    #[serde(default)]
    pub exit_code: u8,
    #[serde(default)]
    pub score: u64,
    #[serde(default)]
    pub max_score: u64,
    #[serde(default)]
    pub runs: usize,
    #[serde(default)]
    pub passed_runs: usize,
    #[serde(default)]
    pub failed_runs: usize,
    #[serde(default)]
    pub errored_runs: usize,
    #[serde(default)]
    pub missing_runs: usize,
    #[serde(default)]
    pub(crate) unfinished_runs: usize,
    #[serde(default)]
    pub junit_path: String,
    /// The result the runs belong to (started, or `--result-id`); null
    /// when the runs were given by ID.
    #[serde(default)]
    pub result_id: Option<u64>,
    /// That result's own `success_rate`, as the API wrote it (a percentage
    /// of all its runs, errored ones included), read after waiting; null
    /// when it was not read.
    #[serde(default)]
    pub platform_success_rate: Option<String>,
    /// The commit gated (`GITHUB_SHA`, `CI_COMMIT_SHA` or `GIT_COMMIT`);
    /// absent when unknown. A later gate names it as its baseline's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// With `--suite`: which spec was judged (its suite's name, the file's
    /// path, its SHA-256); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<ReportSuite>,
    /// Outbound agents: each started run's dial number and window, in
    /// run-ID order; absent when the start gave none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dial_numbers: Vec<ReportDial>,
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Failing scenarios first.
    #[serde(default)]
    pub scenarios: Vec<ReportScenario>,
    /// The aggregate thresholds, in the order given.
    #[serde(default)]
    pub thresholds: Vec<ReportThreshold>,
    /// With `--baseline`: what changed, by scenario name; null without.
    #[serde(default)]
    pub baseline: Option<ReportComparison>,
    /// One per requested run ID, in the order requested.
    pub results: Vec<ReportResult>,
}

/// A run the agent under test must dial, as the start's answer gave it.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportDial {
    pub run_id: u64,
    pub number: String,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub window_seconds: Option<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportComparison {
    pub mode: String,
    pub(crate) shared_scenarios: usize,
    pub regressions: Vec<String>,
    pub(crate) new_failure_reasons: Vec<String>,
    pub new_scenarios: Vec<String>,
    pub fixed: Vec<String>,
    pub known_failures: Vec<String>,
    pub gone: Vec<String>,
    /// The baseline's own `commit`, when its report named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportThreshold {
    pub threshold: String,
    pub passed: bool,
    pub limit: String,
    /// One; or one per scenario (failing first) with `--threshold-scope scenario`.
    pub measured: Vec<ReportMeasured>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportMeasured {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    pub value: String,
    pub limit: String,
    pub passed: bool,
    /// Broken so far, with runs still unfinished: not final.
    pub pending: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportScenario {
    pub name: String,
    pub scenario_id: Option<i64>,
    pub runs: usize,
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub unfinished: usize,
    pub pass_rate: String,
    pub flaky: bool,
    pub verdict: String,
    pub run_ids: Vec<u64>,
}

/// One requested run: the verdict on it, then the run itself.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReportResult {
    pub run_id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub classname: String,
    #[serde(default)]
    pub scenario_id: Option<i64>,
    /// As shown: `(none)` when the run had no status, null when the API
    /// did not return the run.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub success: Option<bool>,
    /// A reviewer's decision, when there is one: it won over `success`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
    #[serde(default)]
    pub score: u64,
    #[serde(default)]
    pub top_category: Option<String>,
    #[serde(default)]
    pub(crate) top_priority: Option<String>,
    #[serde(default)]
    pub recording_url: Option<String>,
    #[serde(default)]
    pub scenario_name: Option<String>,
    /// For an errored run: the status it ended with.
    #[serde(default)]
    pub(crate) error_status: Option<String>,
    /// The categories that weighed, under the writer's policy (text and
    /// priority, lowercased). Every category, as sent, is in `run`.
    #[serde(default)]
    pub categories: Vec<WeighedCategory>,
    /// The per-run thresholds it broke.
    #[serde(default)]
    pub breaches: Vec<String>,
    #[serde(default)]
    pub metrics: Vec<Readings>,
    /// With `--baseline`: how the run compares (`regression`, `known failure`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// A known failure that did not count (`--baseline-mode new`).
    #[serde(default)]
    pub known_failure: bool,
    /// The run as read from the API (format version 1); null when the API
    /// did not return it or no answer covered it.
    #[serde(default)]
    pub run: Option<SentRun>,
}

/// The spec a verdict judged.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReportSuite {
    #[serde(default)]
    pub name: Option<String>,
    pub path: String,
    pub sha256: String,
}

/// A category that weighed, as the reports before format version 1 listed it.
#[derive(Debug, Serialize, Deserialize)]
pub struct WeighedCategory {
    pub category: String,
    #[serde(default)]
    pub priority: Option<String>,
}

/// A metric's readings, as the reports before format version 1 listed them.
#[derive(Debug, Serialize, Deserialize)]
pub struct Readings {
    pub name: String,
    #[serde(
        default,
        deserialize_with = "exact_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub number: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A run as the gate read it: the [`Run`] of the model, field for field,
/// without its transcript (never judged) and its ID (the result's `run_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentRun {
    #[serde(default)]
    pub scenario_id: Option<i64>,
    #[serde(default)]
    pub scenario_name: Option<String>,
    /// As sent; null when the run had none; `unreadable` for a run that
    /// could not be read (`unreadable` says why).
    #[serde(default)]
    pub status: Option<String>,
    /// Why the run could not be read (a field of the wrong type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
    #[serde(default)]
    pub success: Option<bool>,
    /// `reviewed_success` or `reviewed_failure`: a reviewer's decision.
    #[serde(default)]
    pub review: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    /// A reviewer's note on the run.
    #[serde(default)]
    pub feedback: Option<String>,
    #[serde(default)]
    pub result_id: Option<u64>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    #[serde(default)]
    pub recording_url: Option<String>,
    /// Every category, in the order sent, whatever it weighs.
    #[serde(default)]
    pub critical_categories: Vec<SentCategory>,
    /// Every metric and rubric rule, in the order sent.
    #[serde(default)]
    pub metrics: Vec<SentMetric>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentCategory {
    pub category: String,
    /// How it showed in the run (v1 `scenario`, v2 `deviation`).
    #[serde(default)]
    pub detail: String,
    /// A reviewer's note on it.
    #[serde(default)]
    pub feedback: Option<String>,
    /// As sent; null when it had none.
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub wrongly_marked: bool,
    /// v2 `deviation`, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentMetric {
    pub name: String,
    /// As shown: `score`, else `passed`, else `value`, as the API wrote it.
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default, deserialize_with = "exact_number")]
    pub number: Option<f64>,
    #[serde(default)]
    pub passed: Option<bool>,
    #[serde(default)]
    pub label: Option<String>,
    /// A reading that makes no sense, and why (`score "NaN" is not a number`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub odd: Option<String>,
    /// The evaluator's reasons, a line each; absent when it gave none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explanation: Vec<String>,
}

/// A number read from its exact text: serde_json's own float reading may
/// be a unit in the last place off, and a baseline must read back the very
/// number that was written.
fn exact_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let Some(raw) = Option::<Box<RawValue>>::deserialize(d)? else {
        return Ok(None);
    };
    let text = raw.get().trim();
    if text == "null" {
        return Ok(None);
    }
    let numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    match text.parse::<f64>() {
        Ok(n) if numeric && n.is_finite() => Ok(Some(n)),
        _ => Err(serde::de::Error::custom(format!(
            "expected a finite number, found {text}"
        ))),
    }
}

impl SentRun {
    pub fn of(run: &Run) -> SentRun {
        SentRun {
            scenario_id: run.scenario_id,
            scenario_name: run.scenario_name.clone(),
            status: match run.status {
                Status::Absent => None,
                ref s => Some(s.label().to_owned()),
            },
            unreadable: match &run.status {
                Status::Unreadable(why) => Some(why.clone()),
                _ => None,
            },
            success: run.success,
            review: run.review_status().map(str::to_owned),
            error_message: run.error_message.clone(),
            feedback: run.feedback.clone(),
            result_id: run.result_id,
            timestamp: run.timestamp.clone(),
            duration_ms: run.duration_ms,
            recording_url: run.recording_url.clone(),
            critical_categories: run
                .categories
                .iter()
                .map(|c| SentCategory {
                    category: c.name.clone(),
                    detail: c.detail.clone(),
                    feedback: c.feedback.clone(),
                    priority: c.priority.clone(),
                    wrongly_marked: c.wrongly_marked,
                    deviation: c.deviation.clone(),
                })
                .collect(),
            metrics: run
                .metrics
                .iter()
                .map(|m| SentMetric {
                    name: m.name.clone(),
                    value: m.value.clone(),
                    number: m.number,
                    passed: m.passed,
                    label: m.label.clone(),
                    odd: m.odd.clone(),
                    explanation: m.explanation.clone(),
                })
                .collect(),
        }
    }

    /// The run `id` again, as the model holds it (no transcript).
    pub(crate) fn into_run(self, id: u64) -> Run {
        Run {
            id,
            scenario_id: self.scenario_id,
            scenario_name: self.scenario_name,
            success: self.success,
            status: match self.unreadable {
                Some(why) => Status::Unreadable(why),
                None => Status::parse(self.status.as_deref()),
            },
            metrics: self
                .metrics
                .into_iter()
                .map(|m| Metric {
                    name: m.name,
                    value: m.value,
                    number: m.number,
                    passed: m.passed,
                    label: m.label,
                    odd: m.odd,
                    explanation: m.explanation,
                })
                .collect(),
            categories: self
                .critical_categories
                .into_iter()
                .map(|c| Category {
                    name: c.category,
                    detail: c.detail,
                    priority: c.priority,
                    wrongly_marked: c.wrongly_marked,
                    feedback: c.feedback,
                    deviation: c.deviation,
                })
                .collect(),
            transcript: None,
            duration_ms: self.duration_ms,
            recording_url: self.recording_url,
            timestamp: self.timestamp,
            error_message: self.error_message,
            review: Run::review_from(self.review.as_deref()),
            // As from the API: result IDs are positive.
            result_id: self.result_id.filter(|id| *id > 0),
            feedback: self.feedback,
        }
    }
}

impl ReportResult {
    /// The run as a report without a format version kept it: only the
    /// categories that weighed then, each priority lowercased (`unknown`
    /// when it had none), and the flat fields; read as before.
    pub(crate) fn unversioned_run(self) -> Run {
        Run {
            id: self.run_id,
            scenario_id: self.scenario_id,
            scenario_name: self.scenario_name,
            success: self.success,
            status: Status::parse(self.status.as_deref()),
            metrics: self
                .metrics
                .into_iter()
                .map(|m| Metric {
                    value: m
                        .number
                        .map(|n| n.to_string())
                        .or(m.passed.map(|p| p.to_string()))
                        .or(m.label.clone()),
                    name: m.name,
                    number: m.number,
                    passed: m.passed,
                    label: m.label,
                    odd: None,
                    explanation: Vec::new(),
                })
                .collect(),
            categories: self
                .categories
                .into_iter()
                .map(|c| Category {
                    name: c.category,
                    detail: String::new(),
                    priority: c.priority,
                    wrongly_marked: false,
                    feedback: None,
                    deviation: None,
                })
                .collect(),
            transcript: None,
            duration_ms: None,
            recording_url: None,
            timestamp: None,
            error_message: None,
            review: Run::review_from(self.review.as_deref()),
            result_id: None,
            feedback: None,
        }
    }
}
