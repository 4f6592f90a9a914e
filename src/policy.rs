//! The threshold policy: how much each critical category weighs, which runs
//! fail, and whether the gate as a whole passes. Plain functions from runs to
//! an [`Evaluation`]; the JUnit file, the verdict text and the exit code are
//! all read off that one value, so they cannot disagree.

use crate::model::{Category, Run, Status};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Priority weights, keyed by lowercase priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weights(BTreeMap<String, u32>);

/// The weight a priority unknown to [`Weights`] gets: that of `high`, because
/// an unknown priority counting for nothing would let a gate pass by accident.
pub const FALLBACK_PRIORITY: &str = "high";

impl Default for Weights {
    fn default() -> Self {
        let pairs = [
            ("critical", 10),
            ("high", 10),
            ("medium", 3),
            ("low", 1),
            ("non-critical", 1),
            ("not_a_bug", 0),
        ];
        Weights(pairs.into_iter().map(|(p, w)| (p.to_owned(), w)).collect())
    }
}

impl Weights {
    /// Sets (or adds) a priority's weight; priorities match case-insensitively.
    pub fn set(&mut self, priority: &str, weight: u32) {
        self.0.insert(priority.trim().to_lowercase(), weight);
    }

    /// The weight of a priority, and whether the priority is known.
    pub fn weigh(&self, priority: Option<&str>) -> (u32, bool) {
        let known = priority.and_then(|p| self.0.get(&p.trim().to_lowercase()));
        match known {
            Some(w) => (*w, true),
            None => (self.0.get(FALLBACK_PRIORITY).copied().unwrap_or(10), false),
        }
    }
}

/// The thresholds and weights the gate applies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    pub weights: Weights,
    /// The gate fails when the total weighted score is greater than this.
    pub max_score: u64,
    /// The gate fails when more runs than this have `success` false.
    pub max_failed_runs: u64,
}

/// What is known about one requested run ID.
#[derive(Debug, Clone, Copy)]
pub enum Slot<'a> {
    Found(&'a Run),
    /// The API did not return this ID.
    Missing,
    /// No answer covered this ID before waiting stopped.
    Unseen,
}

/// Why waiting stopped while runs were unfinished; it words their errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The deadline passed (also what a replayed response shows).
    Deadline,
    /// The CI system cancelled the gate.
    Cancelled,
    /// The API failed for good.
    ApiFailed,
}

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

/// One requested run, judged.
#[derive(Debug, Clone)]
pub struct RunResult<'a> {
    pub id: u64,
    pub run: Option<&'a Run>,
    pub outcome: Outcome,
    /// Every category of the run, in the order the API sent them.
    pub categories: Vec<Scored<'a>>,
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

/// Run counts for the verdict and the CI outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub runs: usize,
    pub passed: usize,
    /// Completed runs that are JUnit failures.
    pub failed: usize,
    /// Completed runs whose `success` is not true (the `--max-failed-runs` figure).
    pub unsuccessful: usize,
    pub errored: usize,
    pub missing: usize,
    pub unfinished: usize,
}

/// A rule of the policy that the runs broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Score { score: u64, max: u64 },
    FailedRuns { count: usize, max: u64 },
    Errored { count: usize },
    Missing { count: usize },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Score { score, max } => {
                write!(f, "weighted score {score} is above --max-score {max}")
            }
            Rule::FailedRuns { count, max } => {
                write!(
                    f,
                    "{count} unsuccessful run(s) is above --max-failed-runs {max}"
                )
            }
            Rule::Errored { count } => write!(
                f,
                "{count} run(s) ended with an error (failed, timeout, cancelled or unknown status)"
            ),
            Rule::Missing { count } => {
                write!(f, "{count} requested run(s) were not returned by the API")
            }
        }
    }
}

/// The gate's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// At least one rule broke (even if runs were also unfinished).
    Failed,
    /// Runs were unfinished and the finished ones broke no rule.
    Unfinished,
}

/// Points per priority, for the verdict's breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityTotal {
    pub priority: String,
    pub weight: u32,
    pub categories: usize,
    pub points: u64,
}

/// Everything the gate concluded from a set of runs.
#[derive(Debug, Clone)]
pub struct Evaluation<'a> {
    pub results: Vec<RunResult<'a>>,
    pub ending: Ending,
    pub score: u64,
    pub max_score: u64,
    /// Heaviest priority first.
    pub by_priority: Vec<PriorityTotal>,
    pub counts: Counts,
    pub broken: Vec<Rule>,
    pub verdict: Verdict,
    /// One line each, for stderr; already deduplicated.
    pub warnings: Vec<String>,
}

/// Judges the requested runs (in the order requested) under a policy.
pub fn evaluate<'a>(policy: &Policy, slots: &[(u64, Slot<'a>)], ending: Ending) -> Evaluation<'a> {
    let mut warnings = BTreeSet::new();
    let mut counts = Counts {
        runs: slots.len(),
        ..Counts::default()
    };
    let mut totals: BTreeMap<String, PriorityTotal> = BTreeMap::new();
    let mut results = Vec::with_capacity(slots.len());

    for &(id, slot) in slots {
        let run = match slot {
            Slot::Found(run) => run,
            Slot::Missing => {
                counts.missing += 1;
                results.push(RunResult {
                    id,
                    run: None,
                    outcome: Outcome::Missing,
                    categories: Vec::new(),
                });
                continue;
            }
            Slot::Unseen => {
                counts.unfinished += 1;
                results.push(RunResult {
                    id,
                    run: None,
                    outcome: Outcome::Unfinished,
                    categories: Vec::new(),
                });
                continue;
            }
        };
        let finished = !run.status.is_waiting();
        let categories: Vec<Scored<'a>> = run
            .categories
            .iter()
            .map(|category| {
                let (weight, known) = policy.weights.weigh(category.priority.as_deref());
                if !known && !category.wrongly_marked {
                    let shown = category.priority.as_deref().unwrap_or("(missing)");
                    warnings.insert(format!(
                        "unknown priority {shown:?} weighed like {FALLBACK_PRIORITY} ({weight}); set it with --weight PRIORITY=N"
                    ));
                }
                Scored { category, weight, counts: finished && weight > 0 && !category.wrongly_marked }
            })
            .collect();
        for scored in categories.iter().filter(|s| s.counts) {
            let priority = scored.priority();
            let entry = totals
                .entry(priority.clone())
                .or_insert_with(|| PriorityTotal {
                    priority,
                    weight: scored.weight,
                    categories: 0,
                    points: 0,
                });
            entry.categories += 1;
            entry.points = entry.points.saturating_add(u64::from(scored.weight));
        }
        let outcome = match &run.status {
            Status::Waiting(_) => Outcome::Unfinished,
            Status::Ended(_) | Status::Unknown(_) | Status::Absent => Outcome::Errored,
            Status::Completed => {
                let unsuccessful = run.success != Some(true);
                if unsuccessful || categories.iter().any(|s| s.counts) {
                    Outcome::Failed { unsuccessful }
                } else {
                    Outcome::Passed
                }
            }
        };
        match outcome {
            Outcome::Passed => counts.passed += 1,
            Outcome::Failed { unsuccessful } => {
                counts.failed += 1;
                counts.unsuccessful += usize::from(unsuccessful);
            }
            Outcome::Errored => counts.errored += 1,
            Outcome::Unfinished => counts.unfinished += 1,
            Outcome::Missing => counts.missing += 1,
        }
        results.push(RunResult {
            id,
            run: Some(run),
            outcome,
            categories,
        });
    }

    let score = totals
        .values()
        .fold(0u64, |acc, t| acc.saturating_add(t.points));
    let mut broken = Vec::new();
    if score > policy.max_score {
        broken.push(Rule::Score {
            score,
            max: policy.max_score,
        });
    }
    if counts.unsuccessful as u64 > policy.max_failed_runs {
        broken.push(Rule::FailedRuns {
            count: counts.unsuccessful,
            max: policy.max_failed_runs,
        });
    }
    if counts.errored > 0 {
        broken.push(Rule::Errored {
            count: counts.errored,
        });
    }
    if counts.missing > 0 {
        broken.push(Rule::Missing {
            count: counts.missing,
        });
    }
    let verdict = if !broken.is_empty() {
        Verdict::Failed
    } else if counts.unfinished > 0 {
        Verdict::Unfinished
    } else {
        Verdict::Passed
    };
    let mut by_priority: Vec<PriorityTotal> = totals.into_values().collect();
    by_priority.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then_with(|| a.priority.cmp(&b.priority))
    });

    Evaluation {
        results,
        ending,
        score,
        max_score: policy.max_score,
        by_priority,
        counts,
        broken,
        verdict,
        warnings: warnings.into_iter().collect(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Category, Run, Status};

    pub(crate) fn run(id: u64, status: &str, success: Option<bool>, priorities: &[&str]) -> Run {
        Run {
            id,
            scenario_id: Some(id as i64 * 10),
            scenario_name: Some(format!("Scenario {id}")),
            success,
            status: Status::parse(Some(status)),
            metrics: Vec::new(),
            categories: priorities
                .iter()
                .map(|p| Category {
                    name: format!("{p} problem"),
                    detail: format!("how the {p} problem showed"),
                    priority: Some((*p).to_owned()),
                    wrongly_marked: false,
                })
                .collect(),
            transcript: None,
            duration: Some("01:02".into()),
            recording_url: None,
            timestamp: None,
            error_message: None,
        }
    }

    fn judge<'a>(policy: &Policy, runs: &'a [Run]) -> Evaluation<'a> {
        let slots: Vec<_> = runs.iter().map(|r| (r.id, Slot::Found(r))).collect();
        evaluate(policy, &slots, Ending::Deadline)
    }

    #[test]
    fn clean_runs_pass() {
        let runs = [
            run(1, "completed", Some(true), &[]),
            run(2, "completed", Some(true), &["not_a_bug"]),
        ];
        let eval = judge(&Policy::default(), &runs);
        assert_eq!(
            eval.verdict,
            Verdict::Passed,
            "no weighted category, all successful"
        );
        assert_eq!(eval.score, 0);
        assert_eq!(eval.counts.passed, 2);
    }

    #[test]
    fn score_is_weighted_and_compared_strictly() {
        let runs = [run(
            1,
            "completed",
            Some(true),
            &["high", "medium", "LOW", "critical", "non-critical"],
        )];
        let eval = judge(
            &Policy {
                max_score: 24,
                ..Policy::default()
            },
            &runs,
        );
        assert_eq!(
            eval.score,
            10 + 3 + 1 + 10 + 1,
            "default weights, case-insensitive"
        );
        assert_eq!(
            eval.broken,
            vec![Rule::Score { score: 25, max: 24 }],
            "25 > 24 fails"
        );
        let eval = judge(
            &Policy {
                max_score: 25,
                ..Policy::default()
            },
            &runs,
        );
        assert_eq!(
            eval.verdict,
            Verdict::Passed,
            "25 is not above 25: {:?}",
            eval.broken
        );
        assert_eq!(
            eval.results[0].outcome,
            Outcome::Failed {
                unsuccessful: false
            },
            "still a JUnit failure"
        );
    }

    #[test]
    fn score_equal_to_max_passes() {
        let runs = [run(1, "completed", Some(true), &["medium"])];
        let eval = judge(
            &Policy {
                max_score: 3,
                ..Policy::default()
            },
            &runs,
        );
        assert_eq!(eval.verdict, Verdict::Passed, "3 is not above 3");
        let eval = judge(
            &Policy {
                max_score: 2,
                ..Policy::default()
            },
            &runs,
        );
        assert_eq!(eval.broken, vec![Rule::Score { score: 3, max: 2 }]);
    }

    #[test]
    fn custom_weights_apply_and_unknown_priorities_weigh_like_high() {
        let mut policy = Policy::default();
        policy.weights.set("Medium", 7);
        let runs = [run(1, "completed", Some(true), &["medium", "urgent"])];
        let eval = judge(&policy, &runs);
        assert_eq!(eval.score, 7 + 10, "medium overridden, unknown = high");
        assert_eq!(eval.warnings.len(), 1, "one warning: {:?}", eval.warnings);
        assert!(eval.warnings[0].contains("urgent"));
        assert_eq!(
            eval.results[0].top_category().map(|s| s.priority()),
            Some("urgent".to_owned())
        );
    }

    #[test]
    fn wrongly_marked_categories_never_count() {
        let mut r = run(1, "completed", Some(true), &["high"]);
        r.categories[0].wrongly_marked = true;
        let runs = [r];
        let eval = judge(&Policy::default(), &runs);
        assert_eq!(eval.score, 0, "overruled by a reviewer");
        assert_eq!(eval.verdict, Verdict::Passed);
        assert_eq!(eval.results[0].categories.len(), 1, "still listed");
    }

    #[test]
    fn unsuccessful_runs_count_against_max_failed_runs() {
        let runs = [
            run(1, "completed", Some(false), &[]),
            run(2, "completed", None, &[]),
        ];
        let eval = judge(
            &Policy {
                max_failed_runs: 1,
                ..Policy::default()
            },
            &runs,
        );
        assert_eq!(
            eval.counts.unsuccessful, 2,
            "missing success counts as unsuccessful"
        );
        assert_eq!(eval.broken, vec![Rule::FailedRuns { count: 2, max: 1 }]);
        let eval = judge(
            &Policy {
                max_failed_runs: 2,
                ..Policy::default()
            },
            &runs,
        );
        assert_eq!(eval.verdict, Verdict::Passed);
    }

    #[test]
    fn errored_missing_and_unfinished_runs() {
        let runs = [
            run(1, "failed", Some(false), &["high"]),
            run(2, "timeout", None, &[]),
            run(3, "mystery", Some(true), &[]),
            run(4, "pending", None, &["high"]),
        ];
        let mut slots: Vec<_> = runs.iter().map(|r| (r.id, Slot::Found(r))).collect();
        slots.push((5, Slot::Missing));
        let eval = evaluate(
            &Policy {
                max_score: 100,
                ..Policy::default()
            },
            &slots,
            Ending::Deadline,
        );
        assert_eq!(
            eval.counts.errored, 3,
            "failed, timeout and unknown status are errors"
        );
        assert_eq!(eval.counts.missing, 1);
        assert_eq!(eval.counts.unfinished, 1);
        assert_eq!(
            eval.score, 10,
            "the unfinished run's category is not scored yet"
        );
        assert_eq!(
            eval.verdict,
            Verdict::Failed,
            "errors fail the gate even with unfinished runs"
        );
        assert_eq!(eval.broken.len(), 2, "{:?}", eval.broken);
    }

    #[test]
    fn only_unfinished_runs_give_unfinished_verdict() {
        let runs = [
            run(1, "completed", Some(true), &[]),
            run(2, "in_progress", None, &[]),
        ];
        let eval = judge(&Policy::default(), &runs);
        assert_eq!(eval.verdict, Verdict::Unfinished);
        let runs = [
            run(1, "completed", Some(false), &[]),
            run(2, "in_progress", None, &[]),
        ];
        let eval = judge(&Policy::default(), &runs);
        assert_eq!(
            eval.verdict,
            Verdict::Failed,
            "finished runs already fail the gate"
        );
    }

    #[test]
    fn breakdown_lists_heaviest_first() {
        let runs = [run(1, "completed", Some(true), &["low", "high", "low"])];
        let eval = judge(
            &Policy {
                max_score: 100,
                ..Policy::default()
            },
            &runs,
        );
        let rows: Vec<_> = eval
            .by_priority
            .iter()
            .map(|t| (t.priority.as_str(), t.categories, t.points))
            .collect();
        assert_eq!(rows, vec![("high", 1, 10), ("low", 2, 2)]);
    }
}
