//! The threshold policy: how much each critical category weighs, which runs
//! fail, and whether the gate as a whole passes. Plain functions from runs to
//! an [`Evaluation`]; the JUnit file, the verdict text, the JSON and the exit
//! code are all read off that one value (its counts and case names
//! included), so they cannot disagree.

mod names;
mod run;
mod scenarios;
mod weights;

pub use names::CaseName;
pub use run::{Outcome, RunResult, Scored};
pub use scenarios::{BadRate, PassRate, Scenario, ScenarioKey};
pub use weights::{FALLBACK_PRIORITY, Weights};

use crate::ending::{Conclusion, Stop, Verdict};
use crate::model::Run;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The thresholds and weights the gate applies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    pub weights: Weights,
    /// The gate fails when the total weighted score is greater than this.
    pub max_score: u64,
    /// The gate fails when more runs than this have `success` false.
    pub max_failed_runs: u64,
    /// The gate fails when more runs than this ended in an infrastructure
    /// error or were not returned by the API.
    pub max_errored_runs: u64,
    /// `--min-pass-rate`: judge scenarios by their pass rate instead of runs.
    pub min_pass_rate: Option<PassRate>,
    /// With a pass rate: the gate fails when more scenarios than this are below it.
    pub max_failed_scenarios: u64,
    /// Whether a failed or unfinished verdict fails the CI step.
    pub enforcement: Enforcement,
}

/// Whether the verdict decides the exit code (`--report-only` says no).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Enforcement {
    /// Exit nonzero when the gate fails or runs are unfinished.
    #[default]
    Gate,
    /// Write every report, but exit 0 where the gate failed or timed out.
    ReportOnly,
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

/// Run counts for the verdict and the CI outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub runs: usize,
    pub passed: usize,
    /// Completed runs that are JUnit failures.
    pub failed: usize,
    /// Quality failures of scenarios that met `--min-pass-rate`: passing
    /// JUnit cases with a `<flakyFailure>`.
    pub tolerated: usize,
    /// Completed runs whose `success` is not true (the `--max-failed-runs` figure).
    pub unsuccessful: usize,
    pub errored: usize,
    pub missing: usize,
    pub unfinished: usize,
}

/// A rule of the policy that the runs broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Score {
        score: u64,
        max: u64,
    },
    FailedRuns {
        count: usize,
        max: u64,
    },
    FailedScenarios {
        count: usize,
        max: u64,
        rate: String,
    },
    /// Infrastructure errors over `--max-errored-runs`: `count` runs that
    /// ended in error and `missing` runs the API did not return.
    Errored {
        count: usize,
        missing: usize,
        max: u64,
    },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Score { score, max } => {
                write!(f, "weighted score {score} is above --max-score {max}")
            }
            Rule::FailedRuns { count, max } => {
                let is = if *count == 1 { "is" } else { "are" };
                write!(
                    f,
                    "{} {is} above --max-failed-runs {max}",
                    runs_text(*count, "unsuccessful run")
                )
            }
            Rule::FailedScenarios { count, max, rate } => write!(
                f,
                "{} below --min-pass-rate {rate} {} above --max-failed-scenarios {max}",
                runs_text(*count, "scenario"),
                if *count == 1 { "is" } else { "are" }
            ),
            Rule::Errored {
                count,
                missing,
                max,
            } => {
                if *count > 0 {
                    write!(
                        f,
                        "{} ended with an error (failed, timeout, cancelled or unknown status)",
                        runs_text(*count, "run")
                    )?;
                }
                if *count > 0 && *missing > 0 {
                    f.write_str(" and ")?;
                }
                if *missing > 0 {
                    let was = if *missing == 1 { "was" } else { "were" };
                    write!(
                        f,
                        "{} {was} not returned by the API",
                        runs_text(*missing, "requested run")
                    )?;
                }
                if *max > 0 {
                    if *count > 0 && *missing > 0 {
                        let total = count.saturating_add(*missing);
                        write!(f, ", {} in all", runs_text(total, "errored run"))?;
                    }
                    write!(f, ", above --max-errored-runs {max}")?;
                }
                Ok(())
            }
        }
    }
}

/// `1 run`, `2 runs` (`what` is the singular).
pub fn runs_text(count: usize, what: &str) -> String {
    if count == 1 {
        format!("1 {what}")
    } else {
        format!("{count} {what}s")
    }
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
    /// Why waiting stopped; it words the errors of unfinished runs.
    pub stop: Stop,
    pub enforcement: Enforcement,
    pub score: u64,
    pub max_score: u64,
    /// Heaviest priority first.
    pub by_priority: Vec<PriorityTotal>,
    pub counts: Counts,
    /// The runs grouped by scenario, failing ones first.
    pub scenarios: Vec<Scenario>,
    pub broken: Vec<Rule>,
    pub verdict: Verdict,
    /// One line each, for stderr; already deduplicated.
    pub warnings: Vec<String>,
    /// The result the runs belong to, when known (set by the caller).
    pub result_id: Option<u64>,
}

impl Evaluation<'_> {
    /// The verdict as CI reads it.
    pub fn conclusion(&self) -> Conclusion {
        Conclusion::of(&self.stop, self.verdict)
    }
}

/// Judges the requested runs (in the order requested) under a policy.
pub fn evaluate<'a>(policy: &Policy, slots: &[(u64, Slot<'a>)], stop: Stop) -> Evaluation<'a> {
    let mut warnings = BTreeSet::new();
    let mut results: Vec<RunResult<'a>> = slots
        .iter()
        .map(|&(id, slot)| run::judge(policy, id, slot, &mut warnings))
        .collect();
    names::assign(&mut results);
    let counts = count(&results);
    let by_priority = by_priority(&results);
    let score = by_priority
        .iter()
        .fold(0u64, |acc, t| acc.saturating_add(t.points));
    let scenarios = scenarios::group(&results, policy.min_pass_rate.as_ref());
    let broken = broken_rules(policy, score, &counts, &scenarios);
    let score_broken = broken.iter().any(|r| matches!(r, Rule::Score { .. }));
    scenarios::mark(&mut results, &scenarios, score_broken);
    let counts = count(&results);
    let verdict = if !broken.is_empty() {
        Verdict::Failed
    } else if counts.unfinished > 0 {
        Verdict::Unfinished
    } else {
        Verdict::Passed
    };
    Evaluation {
        results,
        stop,
        enforcement: policy.enforcement,
        score,
        max_score: policy.max_score,
        by_priority,
        counts,
        scenarios,
        broken,
        verdict,
        warnings: warnings.into_iter().collect(),
        result_id: None,
    }
}

fn count(results: &[RunResult<'_>]) -> Counts {
    let mut counts = Counts {
        runs: results.len(),
        ..Counts::default()
    };
    for result in results {
        match result.outcome {
            Outcome::Passed => counts.passed += 1,
            Outcome::Failed { unsuccessful } => {
                if result.tolerated {
                    counts.tolerated += 1;
                } else {
                    counts.failed += 1;
                }
                counts.unsuccessful += usize::from(unsuccessful);
            }
            Outcome::Errored => counts.errored += 1,
            Outcome::Unfinished => counts.unfinished += 1,
            Outcome::Missing => counts.missing += 1,
        }
    }
    counts
}

/// Points per priority over every counted category, heaviest first.
fn by_priority(results: &[RunResult<'_>]) -> Vec<PriorityTotal> {
    let mut totals: BTreeMap<String, PriorityTotal> = BTreeMap::new();
    for scored in results
        .iter()
        .flat_map(|r| &r.categories)
        .filter(|s| s.counts)
    {
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
    let mut list: Vec<PriorityTotal> = totals.into_values().collect();
    list.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then_with(|| a.priority.cmp(&b.priority))
    });
    list
}

fn broken_rules(policy: &Policy, score: u64, counts: &Counts, scenarios: &[Scenario]) -> Vec<Rule> {
    let mut broken = Vec::new();
    if score > policy.max_score {
        broken.push(Rule::Score {
            score,
            max: policy.max_score,
        });
    }
    if let Some(rate) = &policy.min_pass_rate {
        let below = scenarios.iter().filter(|s| s.below()).count();
        if below as u64 > policy.max_failed_scenarios {
            broken.push(Rule::FailedScenarios {
                count: below,
                max: policy.max_failed_scenarios,
                rate: rate.to_string(),
            });
        }
    } else if counts.unsuccessful as u64 > policy.max_failed_runs {
        broken.push(Rule::FailedRuns {
            count: counts.unsuccessful,
            max: policy.max_failed_runs,
        });
    }
    // A run missing from the answer is an infrastructure error too: one
    // budget for both, though each is reported as what it is.
    let errored = counts.errored.saturating_add(counts.missing);
    if errored as u64 > policy.max_errored_runs {
        let max = policy.max_errored_runs;
        if max == 0 {
            // No budget: one reason each, as before there was one.
            if counts.errored > 0 {
                broken.push(Rule::Errored {
                    count: counts.errored,
                    missing: 0,
                    max,
                });
            }
            if counts.missing > 0 {
                broken.push(Rule::Errored {
                    count: 0,
                    missing: counts.missing,
                    max,
                });
            }
        } else {
            broken.push(Rule::Errored {
                count: counts.errored,
                missing: counts.missing,
                max,
            });
        }
    }
    broken
}

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests {
    use super::fixtures::{eval_in, max_score, run};
    use super::*;
    use crate::model::Run;

    fn judge<'a>(policy: &Policy, runs: &'a [Run]) -> Evaluation<'a> {
        eval_in(policy, runs, &[], Stop::AllFinal)
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
        let eval = judge(&max_score(24), &runs);
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
        let eval = judge(&max_score(25), &runs);
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
        let eval = judge(&max_score(3), &runs);
        assert_eq!(eval.verdict, Verdict::Passed, "3 is not above 3");
        let eval = judge(&max_score(2), &runs);
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
        let eval = eval_in(&max_score(100), &runs, &[5], Stop::Deadline);
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
    fn missing_runs_count_against_the_errored_budget() {
        let runs = [run(100, "completed", Some(true), &[])];
        let budget = |max_errored_runs| Policy {
            max_errored_runs,
            ..Policy::default()
        };
        let eval = eval_in(&Policy::default(), &runs, &[97], Stop::AllFinal);
        assert_eq!(
            eval.verdict,
            Verdict::Failed,
            "no budget: any missing run fails"
        );
        assert_eq!(
            eval.broken[0].to_string(),
            "1 requested run was not returned by the API"
        );
        let eval = eval_in(&budget(1), &runs, &[97], Stop::AllFinal);
        assert_eq!(eval.verdict, Verdict::Passed, "{:?}", eval.broken);
        assert_eq!((eval.counts.missing, eval.counts.errored), (1, 0));
        let eval = eval_in(&budget(1), &runs, &[97, 98], Stop::AllFinal);
        assert_eq!(
            eval.broken[0].to_string(),
            "2 requested runs were not returned by the API, above --max-errored-runs 1"
        );
        let runs = [
            run(100, "completed", Some(true), &[]),
            run(101, "timeout", None, &[]),
        ];
        let eval = eval_in(&budget(1), &runs, &[97], Stop::AllFinal);
        assert_eq!(
            eval.broken,
            vec![Rule::Errored {
                count: 1,
                missing: 1,
                max: 1
            }],
            "one budget for both"
        );
        assert_eq!(
            eval.broken[0].to_string(),
            "1 run ended with an error (failed, timeout, cancelled or unknown status) \
             and 1 requested run was not returned by the API, 2 errored runs in all, \
             above --max-errored-runs 1"
        );
        assert_eq!(
            eval_in(&budget(2), &runs, &[97], Stop::AllFinal).verdict,
            Verdict::Passed
        );
    }

    #[test]
    fn a_scenario_of_missing_runs_fails_closed_under_a_rate() {
        let runs = [run(100, "completed", Some(true), &[])];
        let policy = Policy {
            max_errored_runs: 1,
            min_pass_rate: "0.8".parse().ok(),
            ..Policy::default()
        };
        let eval = eval_in(&policy, &runs, &[97], Stop::AllFinal);
        assert_eq!(eval.verdict, Verdict::Failed);
        assert_eq!(
            eval.broken,
            vec![Rule::FailedScenarios {
                count: 1,
                max: 0,
                rate: "0.8".into()
            }],
            "within the errored budget, but nothing of run 97 could be judged"
        );
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
        let eval = judge(&max_score(100), &runs);
        let rows: Vec<_> = eval
            .by_priority
            .iter()
            .map(|t| (t.priority.as_str(), t.categories, t.points))
            .collect();
        assert_eq!(rows, vec![("high", 1, 10), ("low", 2, 2)]);
    }
}
