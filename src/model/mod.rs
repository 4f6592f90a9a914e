//! The runs as the gate reads them: what the API says about each test run,
//! reduced to the fields the gate judges or shows. The parse path from the
//! API's JSON is in [`parse`] (with the wire shapes in `wire`); these types
//! carry no serde, so the core never depends on how a generation spells a
//! field.

mod parse;
mod surrogates;
mod wire;

pub use parse::{Keep, ParseError, RawRun, parse_runs, parse_runs_keeping};
pub use surrogates::visible_lone_surrogates;
pub use wire::duration_millis;

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
}

impl Status {
    /// Reads a `status` value; matching is exact, as the API sends lowercase.
    pub fn parse(raw: Option<&str>) -> Status {
        match raw {
            None => Status::Absent,
            Some(
                s @ ("running" | "in_progress" | "pending" | "evaluating" | "in_queue"
                | "scaling_up"),
            ) => Status::Waiting(s.to_owned()),
            Some("completed") => Status::Completed,
            Some(s @ ("failed" | "timeout" | "cancelled")) => Status::Ended(s.to_owned()),
            Some(other) => Status::Unknown(other.to_owned()),
        }
    }

    pub fn is_waiting(&self) -> bool {
        matches!(self, Status::Waiting(_))
    }

    /// The status as the API spelled it (`(none)` when absent).
    pub fn label(&self) -> &str {
        match self {
            Status::Waiting(s) | Status::Ended(s) | Status::Unknown(s) => s,
            Status::Completed => "completed",
            Status::Absent => "(none)",
        }
    }
}

/// One evaluation metric, either generation's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub name: String,
    /// `score` (v1) or `passed` (v2), rendered as JSON text: `3024.03`, `false`.
    pub value: Option<String>,
}

/// One problem the evaluator found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// What went wrong (`category`).
    pub name: String,
    /// How it showed in this run (`scenario`).
    pub detail: String,
    /// As sent; `None` when missing or null.
    pub priority: Option<String>,
    /// A reviewer overruled the evaluator: listed, never scored.
    pub wrongly_marked: bool,
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
}

/// A parsed run, with its exact bytes from the answer when asked for, so a
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        for s in [
            "running",
            "in_progress",
            "pending",
            "evaluating",
            "in_queue",
            "scaling_up",
        ] {
            assert!(Status::parse(Some(s)).is_waiting(), "{s} waits");
        }
        for s in [
            "completed",
            "failed",
            "timeout",
            "cancelled",
            "exploded",
            "RUNNING",
        ] {
            assert!(!Status::parse(Some(s)).is_waiting(), "{s} is final");
        }
        assert_eq!(
            Status::parse(Some("exploded")),
            Status::Unknown("exploded".into())
        );
    }
}
