//! The threshold policy: how much each critical category weighs, which runs
//! fail, and whether the gate as a whole passes. Plain functions from runs to
//! an [`Evaluation`]; the JUnit file, the verdict text, the JSON and the exit
//! code are all read off that one value (its counts and case names
//! included), so they cannot disagree.

pub mod baseline;
mod class;
mod measure;
mod names;
mod rate;
mod run;
mod scenarios;
pub mod threshold;
mod weights;

pub use names::CaseName;
pub use rate::{BadRate, PassRate, RateCheck};
pub use run::{Outcome, RunResult, Scored};
pub use scenarios::{Scenario, ScenarioKey};
pub use weights::Weights;

use crate::ending::{Conclusion, Stop, Verdict};
use crate::model::Run;
use baseline::Baseline;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use threshold::{Measured, Scope, Threshold};

/// The thresholds and weights the gate applies.
#[derive(Debug, Clone, PartialEq, Default)]
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
    /// `--threshold`: per-run checks and aggregates over the runs.
    pub thresholds: Vec<Threshold>,
    /// `--threshold-scope`: aggregates over all runs or per scenario.
    pub threshold_scope: Scope,
    /// `--baseline-mode`: what a baseline's known failures count for.
    pub baseline_mode: baseline::Mode,
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
    /// Completed runs whose `success` is not true, or that broke a per-run
    /// threshold (the `--max-failed-runs` figure).
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
    /// An aggregate threshold failed; its reason says where and by how much.
    Threshold {
        reason: String,
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
            Rule::Threshold { reason } => write!(f, "threshold {reason}"),
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
pub(crate) struct PriorityTotal {
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
    pub(crate) by_priority: Vec<PriorityTotal>,
    pub counts: Counts,
    /// The runs grouped by scenario, failing ones first.
    pub scenarios: Vec<Scenario>,
    pub broken: Vec<Rule>,
    pub verdict: Verdict,
    /// One line each, for stderr; already deduplicated.
    pub warnings: Vec<String>,
    /// The result the runs belong to, when known (set by the caller).
    pub result_id: Option<u64>,
    /// That result's own `success_rate` as the API wrote it (the percentage
    /// of all its runs with `success` true, errored ones included), read
    /// after waiting (set by the caller): shown beside the gate's figures,
    /// never judged.
    /// With `--suite`: which spec was judged (set by the caller).
    pub suite: Option<crate::suite::SuiteInfo>,
    pub platform_success_rate: Option<String>,
    /// The commit gated, when the CI names it (set by the caller).
    pub commit: Option<String>,
    /// The started runs the agent under test must dial (outbound agents),
    /// in run-ID order (set by the caller).
    pub dials: Vec<crate::start::Dial>,
    /// Every aggregate threshold, measured, in the order given.
    pub thresholds: Vec<Measured>,
    /// Thresholds that cannot compare the metric as asked (`avg` of a
    /// boolean): a usage error on a replay, a failed threshold live.
    pub mismatches: Vec<String>,
    /// With `--baseline`: what changed.
    pub comparison: Option<baseline::Comparison>,
}

impl Evaluation<'_> {
    /// The verdict as CI reads it.
    pub(crate) fn conclusion(&self) -> Conclusion {
        Conclusion::of(&self.stop, self.verdict)
    }
}

/// Judges the requested runs (in the order requested) under a policy.
pub fn evaluate<'a>(policy: &Policy, slots: &[(u64, Slot<'a>)], stop: Stop) -> Evaluation<'a> {
    evaluate_against(policy, slots, stop, None)
}

/// [`evaluate`], compared with a baseline when there is one.
pub fn evaluate_against<'a>(
    policy: &Policy,
    slots: &[(u64, Slot<'a>)],
    stop: Stop,
    baseline: Option<&Baseline>,
) -> Evaluation<'a> {
    let mut warnings = BTreeSet::new();
    let mut results: Vec<RunResult<'a>> = slots
        .iter()
        .map(|&(id, slot)| run::judge(policy, id, slot, &mut warnings))
        .collect();
    names::assign(&mut results);
    let mut scenarios = scenarios::group(&results, policy.min_pass_rate.as_ref());
    let comparison =
        baseline.map(|b| baseline::compare(policy, b, &mut results, &mut scenarios, &mut warnings));
    let counts = count(&results);
    let by_priority = by_priority(&results);
    let score = by_priority
        .iter()
        .fold(0u64, |acc, t| acc.saturating_add(t.points));
    let (thresholds, mut mismatches) = measure::thresholds(policy, &results, &scenarios, baseline);
    // A per-run threshold is a typo only when its kind fits no run.
    let judged = results.iter().filter(|r| r.outcome.completed());
    mismatches.extend(threshold::unfit(
        &policy.thresholds,
        judged.filter_map(|r| r.run),
    ));
    mismatches.sort();
    mismatches.dedup();
    let mut broken = broken_rules(policy, score, &counts, &scenarios);
    broken.extend(
        thresholds
            .iter()
            .filter(|t| t.failed())
            .map(|t| Rule::Threshold { reason: t.reason() }),
    );
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
        platform_success_rate: None,
        commit: None,
        dials: Vec::new(),
        suite: None,
        thresholds,
        mismatches,
        comparison,
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
                // A known failure (mode `new`) is listed, not counted.
                counts.unsuccessful +=
                    usize::from((unsuccessful || !result.breaches.is_empty()) && !result.known);
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
        .filter(|r| !r.known)
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
        let below = scenarios.iter().filter(|s| s.below() && !s.known).count();
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
mod tests;
