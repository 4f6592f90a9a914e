//! One requested run, judged: its categories weighed, its outcome decided.

use super::class::Class;
use super::threshold::{Breach, breaches};
use super::weights::FALLBACK_PRIORITY;
use super::{CaseName, Policy, Slot};
use crate::model::{Category, Run, Status};
use std::collections::BTreeSet;

/// A critical category with its weight under the policy.
#[derive(Debug, Clone)]
pub struct Scored<'a> {
    pub category: &'a Category,
    pub weight: u32,
    /// Counts toward the score: weight > 0, not marked wrong, run finished.
    pub counts: bool,
}

impl Scored<'_> {
    /// The priority as sent, lowercased; `unknown` when missing.
    pub fn priority(&self) -> String {
        self.category
            .priority
            .as_deref()
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

/// How one run comes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// Completed, but `success` is not true or a category weighs > 0.
    Failed {
        /// `success` was false or missing.
        unsuccessful: bool,
    },
    /// Ended `failed`, `timeout`, `cancelled`, with an unknown status or none.
    Errored,
    /// Still waiting when waiting stopped.
    Unfinished,
    /// Requested, not returned by the API.
    Missing,
}

impl Outcome {
    /// The run completed: its quality was judged (passed or failed).
    pub fn completed(&self) -> bool {
        matches!(self, Outcome::Passed | Outcome::Failed { .. })
    }
}

/// One requested run, judged.
#[derive(Debug, Clone)]
pub struct RunResult<'a> {
    pub id: u64,
    /// The test's stable identity, unique in the evaluation.
    pub case: CaseName,
    pub run: Option<&'a Run>,
    pub outcome: Outcome,
    /// Every category of the run, in the order the API sent them.
    pub categories: Vec<Scored<'a>>,
    /// Index of its scenario in [`Evaluation::scenarios`](super::Evaluation);
    /// `None` for a run the API did not return (or has not yet).
    pub scenario: Option<usize>,
    /// A quality failure of a scenario that met `--min-pass-rate`, whose
    /// categories break no score rule: a flaky failure, not a reason the
    /// gate failed.
    pub tolerated: bool,
    /// The per-run thresholds a completed run broke: each fails the run.
    pub breaches: Vec<Breach>,
    /// With `--baseline`: how the run compares.
    pub baseline: Option<Class>,
    /// A known failure under `--baseline-mode new`: listed, not counted.
    pub known: bool,
}

impl<'a> RunResult<'a> {
    /// The category that counts most (first of equals), if any counts.
    pub fn top_category(&self) -> Option<&Scored<'a>> {
        self.categories
            .iter()
            .filter(|s| s.counts)
            .fold(None, |best: Option<&Scored<'a>>, s| match best {
                Some(b) if b.weight >= s.weight => Some(b),
                _ => Some(s),
            })
    }

    /// Weighted score of this run's counted categories.
    pub fn score(&self) -> u64 {
        self.categories
            .iter()
            .filter(|s| s.counts)
            .map(|s| u64::from(s.weight))
            .sum()
    }
}

/// Judges one requested run. Warnings (an unknown priority) go into `warnings`.
pub(super) fn judge<'a>(
    policy: &Policy,
    id: u64,
    slot: Slot<'a>,
    warnings: &mut BTreeSet<String>,
) -> RunResult<'a> {
    let unjudged = |outcome| RunResult {
        id,
        case: CaseName::default(),
        run: None,
        outcome,
        categories: Vec::new(),
        scenario: None,
        tolerated: false,
        breaches: Vec::new(),
        baseline: None,
        known: false,
    };
    let run = match slot {
        Slot::Found(run) => run,
        Slot::Missing => return unjudged(Outcome::Missing),
        Slot::Unseen => return unjudged(Outcome::Unfinished),
    };
    let finished = !run.status.is_waiting();
    let mut broken = Vec::new();
    let categories: Vec<Scored<'a>> = run
        .categories
        .iter()
        .map(|category| weigh(policy, category, finished, warnings))
        .collect();
    let outcome = match &run.status {
        Status::Waiting(_) => Outcome::Unfinished,
        Status::Ended(_) | Status::Unknown(_) | Status::Absent | Status::Unreadable(_) => {
            Outcome::Errored
        }
        Status::Completed => {
            let unsuccessful = run.review.or(run.success) != Some(true);
            broken = breaches(&policy.thresholds, run);
            if unsuccessful || !broken.is_empty() || categories.iter().any(|s| s.counts) {
                Outcome::Failed { unsuccessful }
            } else {
                Outcome::Passed
            }
        }
    };
    RunResult {
        id,
        case: CaseName::default(),
        run: Some(run),
        outcome,
        categories,
        scenario: None,
        tolerated: false,
        breaches: broken,
        baseline: None,
        known: false,
    }
}

/// A category under the policy: it counts when the run finished, it weighs
/// more than 0, and no reviewer marked it wrong.
fn weigh<'a>(
    policy: &Policy,
    category: &'a Category,
    finished: bool,
    warnings: &mut BTreeSet<String>,
) -> Scored<'a> {
    let (weight, known) = policy.weights.weigh(category.priority.as_deref());
    if !known && !category.wrongly_marked {
        let shown = category.priority.as_deref().unwrap_or("(missing)");
        warnings.insert(format!(
            "unknown priority {shown:?} weighed like {FALLBACK_PRIORITY} ({weight}); set it with --weight PRIORITY=N"
        ));
    }
    Scored {
        category,
        weight,
        counts: finished && weight > 0 && !category.wrongly_marked,
    }
}
