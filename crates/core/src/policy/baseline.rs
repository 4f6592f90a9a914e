//! A baseline: the runs of a reference pipeline (typically the main
//! branch), judged under the same policy, so that only new failures fail.
//!
//! A failure's *reasons* are its weighted categories (priority and text,
//! lowercased), `unsuccessful` when `success` is not true, the error status
//! of an errored run, and each per-run threshold it broke. A baseline
//! scenario passed when all its runs passed (with `--min-pass-rate`, when
//! its runs met the rate); its reasons are the union over its failing runs,
//! whether or not the scenario passed. Current runs and scenarios are
//! matched by scenario ID (name as fallback; a run of no scenario or of a
//! deleted one matches only the same run ID) and classified:
//! - a failing run: a *regression* when its baseline scenario had no
//!   failing run, *known* when its reasons are all among the baseline's,
//!   else a *new failure reason*;
//! - a failing scenario (below the rate, or without one any failing run):
//!   the same, but a regression when the baseline scenario passed;
//! - a passing run or scenario: *fixed* when its scenario failed in the
//!   baseline and passes now, else *passing*.

use super::rate::RateCheck;
use super::run::judge;
use super::scenarios::{ScenarioKey, key_of};
use super::{Outcome, Policy, RunResult, Scenario, Slot};
use crate::model::Run;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// A baseline older than this many days is said to be stale.
pub const STALE_DAYS: u64 = 7;

pub use super::class::{Class, Mode};

/// One scenario of the baseline.
#[derive(Debug, Clone)]
pub struct BaseScenario {
    pub name: String,
    /// All its runs passed; with `--min-pass-rate`, its runs met the rate
    /// (so a current scenario is compared with one judged alike).
    pub passed: bool,
    /// Its passing and its quality-judged runs.
    pub passing: usize,
    pub judged: usize,
    pub reasons: BTreeSet<String>,
    /// Indexes into [`Baseline::runs`] of its completed runs.
    pub completed: Vec<usize>,
}

/// The reference runs, judged.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub runs: Vec<Run>,
    pub scenarios: Vec<BaseScenario>,
    by_id: HashMap<i64, usize>,
    by_name: HashMap<String, usize>,
    /// Runs with nothing else to match them by (no scenario, or a deleted
    /// one): the same run ID is the same run, so the same scenario.
    by_run: HashMap<u64, usize>,
    /// The commit its report named (`commit`), when it named one.
    pub commit: Option<String>,
    /// How long ago it was saved (`--baseline-saved-at`, against the
    /// clock of the shell), when known.
    pub age: Option<Duration>,
}

impl Baseline {
    /// Judges the reference runs under `policy`; unfinished runs and runs
    /// that name no scenario are left out (nothing to match them by).
    pub fn new(policy: &Policy, runs: Vec<Run>) -> Baseline {
        let mut scenarios: Vec<BaseScenario> = Vec::new();
        let mut by_id = HashMap::new();
        let mut by_name = HashMap::new();
        let mut by_run = HashMap::new();
        let mut ignored = BTreeSet::new();
        for (index, run) in runs.iter().enumerate() {
            let result = judge(policy, run.id, Slot::Found(run), &mut ignored);
            if result.outcome == Outcome::Unfinished {
                continue;
            }
            let name = super::names::scenario_name(run).map(str::to_owned);
            let at = match key_of(run) {
                ScenarioKey::Id(id) => by_id.get(&id).copied(),
                ScenarioKey::Name(n) => by_name.get(&n).copied(),
                // Nothing but its own ID to match it by (no scenario, or a
                // deleted one): a scenario of its own.
                ScenarioKey::Run(id) => by_run.get(&id).copied(),
            };
            let at = at.unwrap_or_else(|| {
                scenarios.push(BaseScenario {
                    name: String::new(),
                    passed: true,
                    passing: 0,
                    judged: 0,
                    reasons: BTreeSet::new(),
                    completed: Vec::new(),
                });
                scenarios.len() - 1
            });
            if let Some(id) = run.scenario_id {
                by_id.insert(id, at);
            } else if let ScenarioKey::Run(id) = key_of(run) {
                by_run.insert(id, at);
            }
            let scenario = &mut scenarios[at];
            if let Some(n) = name {
                // The last run's name wins (a renamed scenario). A run alone
                // is never found by its name.
                if !matches!(key_of(run), ScenarioKey::Run(_)) {
                    by_name.entry(n.clone()).or_insert(at);
                }
                scenario.name = n;
            } else if scenario.name.is_empty() {
                scenario.name = run
                    .scenario_id
                    .map_or_else(|| format!("run {}", run.id), |id| format!("scenario {id}"));
            }
            scenario.passed &= result.outcome == Outcome::Passed;
            scenario.passing += usize::from(result.outcome == Outcome::Passed);
            scenario.judged += usize::from(result.outcome.completed());
            scenario.reasons.extend(reasons(&result));
            if result.outcome.completed() {
                scenario.completed.push(index);
            }
        }
        if let Some(rate) = &policy.min_pass_rate {
            for scenario in &mut scenarios {
                scenario.passed = rate.met_by(scenario.passing, scenario.judged);
            }
        }
        Baseline {
            runs,
            scenarios,
            by_id,
            by_name,
            by_run,
            commit: None,
            age: None,
        }
    }

    /// The baseline scenario a current scenario matches: by ID, else name;
    /// a run alone (no scenario, or a deleted one) matches only itself.
    pub fn find(&self, key: &ScenarioKey, name: Option<&str>) -> Option<usize> {
        let by_id = match key {
            ScenarioKey::Id(id) => self.by_id.get(id).copied(),
            ScenarioKey::Name(_) => None,
            ScenarioKey::Run(id) => return self.by_run.get(id).copied(),
        };
        by_id.or_else(|| self.by_name.get(name?).copied())
    }

    /// The completed runs of baseline scenario `index`, or of all.
    pub fn completed(&self, index: Option<usize>) -> Vec<&Run> {
        match index {
            Some(i) => self.scenarios[i]
                .completed
                .iter()
                .map(|&r| &self.runs[r])
                .collect(),
            None => self
                .scenarios
                .iter()
                .flat_map(|s| &s.completed)
                .map(|&r| &self.runs[r])
                .collect(),
        }
    }
}

/// What the comparison found, by scenario name, in the order scenarios
/// are listed (failing first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    pub mode: Mode,
    pub regressions: Vec<String>,
    pub new_reasons: Vec<String>,
    pub new_scenarios: Vec<String>,
    pub known: Vec<String>,
    pub fixed: Vec<String>,
    /// In the baseline only.
    pub gone: Vec<String>,
    /// Scenarios found in both.
    pub shared: usize,
    /// The baseline's commit and age, as [`Baseline`] holds them.
    pub commit: Option<String>,
    pub age: Option<Duration>,
}

impl Comparison {
    /// Whole days since the baseline was saved, when that is known.
    pub fn age_days(&self) -> Option<u64> {
        self.age.map(|a| a.as_secs() / 86_400)
    }

    /// The warning for a baseline older than [`STALE_DAYS`]; `None` when it
    /// is not, or its age is unknown.
    pub fn stale(&self) -> Option<String> {
        let (age, days) = (self.age?, self.age_days()?);
        (age > Duration::from_secs(STALE_DAYS * 86_400)).then(|| {
            format!(
                "the baseline is {days} days old: run the gate on the default branch to refresh it"
            )
        })
    }
}

/// Classifies every judged run and scenario against the baseline, marks
/// the known failures that do not count (mode `new`), and lists them all.
pub(super) fn compare(
    policy: &Policy,
    base: &Baseline,
    results: &mut [RunResult<'_>],
    scenarios: &mut [Scenario],
    warnings: &mut BTreeSet<String>,
) -> Comparison {
    let discount = policy.baseline_mode == Mode::New;
    let mut comparison = Comparison {
        mode: policy.baseline_mode,
        commit: base.commit.clone(),
        age: base.age,
        ..Comparison::default()
    };
    warnings.extend(comparison.stale());
    let mut matched = vec![false; base.scenarios.len()];
    for scenario in scenarios.iter_mut() {
        let found = base.find(&scenario.key, Some(&scenario.name));
        if let Some(i) = found {
            matched[i] = true;
            comparison.shared += 1;
        }
        let b = found.map(|i| &base.scenarios[i]);
        let mut failing_reasons = BTreeSet::new();
        let mut judged = false;
        for &m in &scenario.members {
            let r = &results[m];
            if matches!(r.outcome, Outcome::Failed { .. } | Outcome::Errored) {
                failing_reasons.extend(reasons(r));
            }
            judged |= !matches!(r.outcome, Outcome::Missing | Outcome::Unfinished);
        }
        if !judged {
            continue;
        }
        // A rate its unfinished runs can still decide is not compared yet.
        let fails = match scenario.met {
            Some(RateCheck::NotFinal) => None,
            Some(check) => Some(check == RateCheck::Below),
            None => Some(scenario.failed + scenario.errored > 0),
        };
        let class = fails.map(|fails| classify(fails, &failing_reasons, b));
        classify_runs(results, &scenario.members, b, class, discount);
        let Some(class) = class else {
            continue;
        };
        scenario.baseline = Some(class);
        scenario.known = discount && !class.counts();
        let list = match class {
            Class::Regression => &mut comparison.regressions,
            Class::NewReason => &mut comparison.new_reasons,
            Class::NewScenario => &mut comparison.new_scenarios,
            Class::Known => &mut comparison.known,
            Class::Fixed => &mut comparison.fixed,
            Class::Passing => continue,
        };
        list.push(scenario.name.clone());
    }
    for (scenario, _) in base.scenarios.iter().zip(&matched).filter(|(_, m)| !**m) {
        comparison.gone.push(scenario.name.clone());
        warnings.insert(format!(
            "scenario {:?} is in the baseline but not in these runs",
            scenario.name
        ));
    }
    if comparison.shared == 0 && !scenarios.is_empty() {
        warnings.insert(
            "THE BASELINE SHARES NO SCENARIO WITH THESE RUNS: every run counts as a new scenario; check that --baseline is a report of the same tests".to_owned(),
        );
    }
    comparison
}

/// Classifies each judged run of one scenario (`members`) against its
/// baseline scenario `b`, given the scenario's own class.
fn classify_runs(
    results: &mut [RunResult<'_>],
    members: &[usize],
    b: Option<&BaseScenario>,
    class: Option<Class>,
    discount: bool,
) {
    for &m in members {
        let r = &mut results[m];
        let run_class = match r.outcome {
            Outcome::Failed { .. } | Outcome::Errored => classify_failure(&reasons(r), b),
            // A passing run is fixed only when its scenario is.
            Outcome::Passed => match (b, class) {
                (None, _) => Class::NewScenario,
                (Some(_), Some(Class::Fixed)) => Class::Fixed,
                (Some(_), _) => Class::Passing,
            },
            Outcome::Missing | Outcome::Unfinished => continue,
        };
        r.baseline = Some(run_class);
        // An errored run is classified, but always counts toward
        // --max-errored-runs: infrastructure is no failure to live with.
        r.known = discount && !run_class.counts() && r.outcome != Outcome::Errored;
    }
}

/// Why a run failed, as a baseline compares it.
pub fn reasons(result: &RunResult<'_>) -> BTreeSet<String> {
    let mut reasons = BTreeSet::new();
    match (&result.outcome, result.run) {
        (Outcome::Failed { unsuccessful }, _) => {
            if *unsuccessful {
                reasons.insert("unsuccessful".to_owned());
            }
        }
        (Outcome::Errored, Some(run)) => {
            reasons.insert(format!("error: {}", run.status.label()));
        }
        _ => return reasons,
    }
    for scored in result.categories.iter().filter(|s| s.counts) {
        reasons.insert(format!(
            "{}: {}",
            scored.priority(),
            scored.category.name.trim().to_lowercase()
        ));
    }
    for breach in &result.breaches {
        reasons.insert(format!("threshold: {}", breach.threshold));
    }
    reasons
}

/// Classifies a current scenario, failing or passing, against its
/// baseline scenario, judged the same way.
pub(crate) fn classify(
    fails: bool,
    reasons: &BTreeSet<String>,
    base: Option<&BaseScenario>,
) -> Class {
    match (base, fails) {
        (None, _) => Class::NewScenario,
        (Some(b), false) if !b.passed => Class::Fixed,
        (Some(_), false) => Class::Passing,
        (Some(b), true) if b.passed => Class::Regression,
        (Some(b), true) if reasons.is_subset(&b.reasons) => Class::Known,
        (Some(_), true) => Class::NewReason,
    }
}

/// Classifies one failing run against its baseline scenario's failing
/// runs, whether or not that scenario met its rate: a failure the baseline
/// had too is known, one it never had is a regression.
pub(crate) fn classify_failure(reasons: &BTreeSet<String>, base: Option<&BaseScenario>) -> Class {
    match base {
        None => Class::NewScenario,
        Some(b) if b.reasons.is_empty() => Class::Regression,
        Some(b) if reasons.is_subset(&b.reasons) => Class::Known,
        Some(_) => Class::NewReason,
    }
}

#[cfg(test)]
#[path = "baseline_tests.rs"]
mod tests;
