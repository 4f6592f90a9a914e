//! The runs as the gate reads them: what the API says about each test run,
//! reduced to the fields the gate judges or shows. The parse path from the
//! API's JSON is in [`parse`] (with the wire shapes in `wire`); these types
//! carry no serde, so the core never depends on how a generation spells a
//! field.

mod loose;
mod parse;
mod raw;
mod readings;
mod surrogates;
mod transcript;
mod wanted;
mod wire;

pub use parse::{Keep, ParseError, Parsed, parse_answer, parse_runs};

pub use raw::RawRun;

/// A run's lifecycle state, from its `status` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not finished yet: `running`, `in_progress`, `pending`, `evaluating`,
    /// `in_queue`, `scaling_up`.
    Waiting(String),
    /// Finished normally.
    Completed,
    /// Finished without a result: `failed`, `timeout`, `cancelled`.
    Ended(String),
    /// A value nobody documented. Final, reported as an error, so the gate
    /// never waits forever on it.
    Unknown(String),
    /// The field is missing or null. Final, reported as an error.
    Absent,
    /// A field of the run could not be read as documented (`"success":
    /// "yes"`); says which. Final, reported as an error: a run the gate
    /// cannot read is never judged as passed, and costs only itself.
    Unreadable(String),
}

/// The documented statuses of a run that is not finished yet.
pub const WAITING_STATUSES: [&str; 6] = [
    "running",
    "in_progress",
    "pending",
    "evaluating",
    "in_queue",
    "scaling_up",
];

/// The documented statuses of a run that finished without a result.
pub const ENDED_STATUSES: [&str; 3] = ["failed", "timeout", "cancelled"];

impl Status {
    /// Reads a `status` value; matching is exact, as the API sends lowercase.
    pub fn parse(raw: Option<&str>) -> Status {
        match raw {
            None => Status::Absent,
            Some("completed") => Status::Completed,
            Some(s) if WAITING_STATUSES.contains(&s) => Status::Waiting(s.to_owned()),
            Some(s) if ENDED_STATUSES.contains(&s) => Status::Ended(s.to_owned()),
            Some(other) => Status::Unknown(other.to_owned()),
        }
    }

    pub fn is_waiting(&self) -> bool {
        matches!(self, Status::Waiting(_))
    }

    /// The evaluator has started (`running`, `evaluating`): the call is
    /// over and the run is seconds from done.
    pub fn is_evaluating(&self) -> bool {
        matches!(self, Status::Waiting(s) if s == "running" || s == "evaluating")
    }

    /// The status as the API spelled it (`(none)` when absent).
    pub fn label(&self) -> &str {
        match self {
            Status::Waiting(s) | Status::Ended(s) | Status::Unknown(s) => s,
            Status::Completed => "completed",
            Status::Absent => "(none)",
            Status::Unreadable(_) => "unreadable",
        }
    }
}

/// One evaluation metric (`evaluation.metrics[]`) or rubric rule
/// (`rubric[]`), either generation's shape.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metric {
    pub name: String,
    /// As shown in reports: `score` (v1), else `passed` (v2), else `value`,
    /// as the API wrote it: `3024.03`, `false`, `resolved`.
    pub value: Option<String>,
    /// What thresholds read. `score`, or a numeric `value` (a rubric rule).
    pub number: Option<f64>,
    /// `passed` of a binary metric or a rubric rule.
    pub passed: Option<bool>,
    /// A text `value`: an enum metric's choice.
    pub label: Option<String>,
    /// A reading that makes no sense, why: `score "NaN" is not a number`,
    /// `score 3 of a binary metric is neither 1 (passed) nor 0 (failed)`.
    /// A threshold reports it rather than calling the metric missing.
    pub odd: Option<String>,
    /// The evaluator's reasons (`explanation`, a string or a list of
    /// strings), a line each, blank ones dropped; empty when it gave none
    /// or sent something else. Only shown, never judged.
    pub explanation: Vec<String>,
}

impl Metric {
    /// The kind of value a threshold can compare, most specific first.
    pub(crate) fn kinds(&self) -> MetricKinds {
        MetricKinds {
            number: self.number.is_some(),
            passed: self.passed.is_some(),
            label: self.label.is_some(),
        }
    }
}

/// Which readings a metric carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct MetricKinds {
    pub number: bool,
    pub passed: bool,
    pub label: bool,
}

/// One problem the evaluator found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// What went wrong (`category`).
    pub name: String,
    /// How it showed in this run: `scenario` (v1), else `deviation` (v2).
    pub detail: String,
    /// As sent; `None` when missing or null.
    pub priority: Option<String>,
    /// A reviewer overruled the evaluator: listed, never scored.
    pub wrongly_marked: bool,
    /// A reviewer's note (v2 `feedback`), as sent.
    pub feedback: Option<String>,
    /// v2 `deviation`, as sent (text, or a number as written).
    pub deviation: Option<String>,
}

/// A run, reduced to what the gate reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: u64,
    pub scenario_id: Option<i64>,
    pub scenario_name: Option<String>,
    pub success: Option<bool>,
    pub status: Status,
    pub metrics: Vec<Metric>,
    pub categories: Vec<Category>,
    pub transcript: Option<String>,
    /// The call's length in milliseconds, read from `duration` (`"01:02"`)
    /// by [`duration_millis`]; `None` when absent or unreadable.
    pub duration_ms: Option<u64>,
    pub recording_url: Option<String>,
    pub timestamp: Option<String>,
    pub error_message: Option<String>,
    /// A reviewer's decision (v2 `evaluation_status` `reviewed_success` or
    /// `reviewed_failure`); it wins over `success`.
    pub review: Option<bool>,
    /// The result the run belongs to (v2 `result_id`).
    pub result_id: Option<u64>,
    /// A reviewer's note on the run (v2 `feedback`), as sent.
    pub feedback: Option<String>,
}

/// The `scenario_name` the platform gives a run whose scenario was deleted
/// (with `scenario: null`): the field's default, shared by every such run.
pub(crate) const DELETED_SCENARIO: &str = "Scenario Deleted";

/// The result every one of `runs` belongs to: `None` when there are none,
/// when one does not say, or when they differ.
pub fn common_result<'a>(mut runs: impl Iterator<Item = &'a Run>) -> Option<u64> {
    let first = runs.next()?.result_id?;
    runs.all(|r| r.result_id == Some(first)).then_some(first)
}

impl Run {
    /// The run's scenario was deleted: no scenario ID, and the name the
    /// platform gives every such run ([`DELETED_SCENARIO`]). Two such runs
    /// need not have run the same scenario, so they must not be grouped
    /// (or matched with a baseline) by that name.
    pub fn deleted_scenario(&self) -> bool {
        self.scenario_id.is_none() && self.scenario_name.as_deref() == Some(DELETED_SCENARIO)
    }

    /// The first metric (or rubric rule) named exactly `name`.
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// A reviewer's decision from an `evaluation_status` (the API's, or a
    /// `--json` report's `review`): `reviewed_success` or `reviewed_failure`;
    /// any other is none.
    pub(crate) fn review_from(status: Option<&str>) -> Option<bool> {
        match status {
            Some("reviewed_success") => Some(true),
            Some("reviewed_failure") => Some(false),
            _ => None,
        }
    }

    /// The reviewer's decision as the API spells it, when there is one.
    pub(crate) fn review_status(&self) -> Option<&'static str> {
        self.review.map(|passed| {
            if passed {
                "reviewed_success"
            } else {
                "reviewed_failure"
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_result_needs_every_run_to_name_the_same() {
        let run = |id: Option<u64>| Run {
            id: 1,
            scenario_id: None,
            scenario_name: None,
            success: None,
            status: Status::Absent,
            metrics: vec![],
            categories: vec![],
            transcript: None,
            duration_ms: None,
            recording_url: None,
            timestamp: None,
            error_message: None,
            review: None,
            result_id: id,
            feedback: None,
        };
        let same = [run(Some(9)), run(Some(9))];
        assert_eq!(common_result(same.iter()), Some(9));
        let differ = [run(Some(9)), run(Some(8))];
        assert_eq!(common_result(differ.iter()), None, "two results");
        let silent = [run(Some(9)), run(None)];
        assert_eq!(common_result(silent.iter()), None, "one does not say");
        assert_eq!(common_result(std::iter::empty()), None);
    }

    #[test]
    fn a_deleted_scenario_is_told_by_its_default_name_and_no_id() {
        let body = r#"[{"id": 1, "scenario": null, "scenario_name": "Scenario Deleted"},
            {"id": 2, "scenario": 7, "scenario_name": "Scenario Deleted"},
            {"id": 3, "scenario_name": "scenario deleted"},
            {"id": 4, "scenario": {"id": null, "name": "Scenario Deleted"}}]"#;
        let runs = parse_runs(body).expect("parses");
        let deleted: Vec<bool> = runs.iter().map(|r| r.run.deleted_scenario()).collect();
        assert_eq!(deleted, [true, false, false, true]);
    }

    #[test]
    fn statuses_are_classified() {
        for s in WAITING_STATUSES {
            assert!(Status::parse(Some(s)).is_waiting(), "{s} waits");
        }
        assert_eq!(Status::parse(Some("completed")), Status::Completed);
        for s in ENDED_STATUSES {
            assert_eq!(Status::parse(Some(s)), Status::Ended(s.to_owned()));
        }
        for s in ["exploded", "RUNNING", ""] {
            assert_eq!(
                Status::parse(Some(s)),
                Status::Unknown(s.to_owned()),
                "{s:?} is undocumented, so final"
            );
        }
        assert_eq!(Status::parse(None), Status::Absent);
        let evaluating: Vec<&str> = WAITING_STATUSES
            .into_iter()
            .filter(|s| Status::parse(Some(s)).is_evaluating())
            .collect();
        assert_eq!(evaluating, ["running", "evaluating"]);
    }
}
