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
        ..Comparison::default()
    };
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
        for &m in &scenario.members {
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
pub fn classify(fails: bool, reasons: &BTreeSet<String>, base: Option<&BaseScenario>) -> Class {
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
pub fn classify_failure(reasons: &BTreeSet<String>, base: Option<&BaseScenario>) -> Class {
    match base {
        None => Class::NewScenario,
        Some(b) if b.reasons.is_empty() => Class::Regression,
        Some(b) if reasons.is_subset(&b.reasons) => Class::Known,
        Some(_) => Class::NewReason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::fixtures::run;

    fn base(passed: bool, reasons: &[&str]) -> BaseScenario {
        BaseScenario {
            name: "s".into(),
            passed,
            passing: 0,
            judged: 0,
            reasons: reasons.iter().map(|r| (*r).to_owned()).collect(),
            completed: vec![],
        }
    }

    fn set(reasons: &[&str]) -> BTreeSet<String> {
        reasons.iter().map(|r| (*r).to_owned()).collect()
    }

    #[test]
    fn each_classification() {
        let high = set(&["high: wrong refund"]);
        assert_eq!(classify(true, &high, None), Class::NewScenario);
        assert_eq!(
            classify(false, &set(&[]), None),
            Class::NewScenario,
            "listed, passing"
        );
        assert_eq!(
            classify(true, &high, Some(&base(true, &[]))),
            Class::Regression
        );
        assert_eq!(
            classify(
                true,
                &high,
                Some(&base(false, &["high: wrong refund", "unsuccessful"]))
            ),
            Class::Known,
            "a subset of the baseline's reasons"
        );
        assert_eq!(
            classify(
                true,
                &set(&["high: wrong refund", "low: slow"]),
                Some(&base(false, &["high: wrong refund"]))
            ),
            Class::NewReason
        );
        assert_eq!(
            classify(false, &set(&[]), Some(&base(false, &["unsuccessful"]))),
            Class::Fixed
        );
        assert_eq!(
            classify(false, &set(&[]), Some(&base(true, &[]))),
            Class::Passing
        );
        assert!(!Class::Known.counts());
        assert!(
            Class::Regression.counts() && Class::NewReason.counts() && Class::NewScenario.counts()
        );
    }

    #[test]
    fn reasons_are_categories_unsuccessful_errors_and_breaches_case_insensitive() {
        let policy = Policy::default();
        let mut r = run(1, "completed", Some(false), &["High", "not_a_bug"]);
        r.categories[0].name = "  Wrong REFUND ".into();
        let mut warnings = BTreeSet::new();
        let judged = judge(&policy, 1, Slot::Found(&r), &mut warnings);
        assert_eq!(
            reasons(&judged),
            set(&["high: wrong refund", "unsuccessful"]),
            "not_a_bug weighs nothing"
        );
        let errored = run(2, "timeout", None, &[]);
        let judged = judge(&policy, 2, Slot::Found(&errored), &mut warnings);
        assert_eq!(reasons(&judged), set(&["error: timeout"]));
        let passed = run(3, "completed", Some(true), &[]);
        let judged = judge(&policy, 3, Slot::Found(&passed), &mut warnings);
        assert!(reasons(&judged).is_empty());
    }

    #[test]
    fn a_baseline_groups_by_id_then_name_and_unions_reasons() {
        let mut a1 = run(1, "completed", Some(true), &[]);
        let mut a2 = run(2, "completed", Some(false), &["high"]);
        a1.scenario_id = Some(7);
        a2.scenario_id = Some(7);
        a2.scenario_name = Some("Renamed".into());
        let mut named = run(3, "completed", Some(true), &[]);
        named.scenario_id = None;
        named.scenario_name = Some("By name".into());
        let mut anonymous = run(4, "completed", Some(false), &[]);
        anonymous.scenario_id = None;
        anonymous.scenario_name = None;
        let waiting = run(5, "in_progress", None, &[]);
        let b = Baseline::new(&Policy::default(), vec![a1, a2, named, anonymous, waiting]);
        assert_eq!(b.scenarios.len(), 3, "{:?}", b.scenarios);
        let seven = b.find(&ScenarioKey::Id(7), None).expect("by ID");
        assert!(!b.scenarios[seven].passed, "one run failed");
        assert_eq!(b.scenarios[seven].name, "Renamed");
        assert_eq!(
            b.scenarios[seven].reasons,
            set(&["high: high problem", "unsuccessful"])
        );
        assert_eq!(b.completed(Some(seven)).len(), 2);
        let by_name = b.find(&ScenarioKey::Name("By name".into()), Some("By name"));
        assert!(by_name.is_some_and(|i| b.scenarios[i].passed));
        assert_eq!(
            b.find(&ScenarioKey::Id(99), Some("By name")),
            by_name,
            "an unknown ID falls back to the name"
        );
        assert_eq!(b.find(&ScenarioKey::Id(99), Some("nothing")), None);
        let alone = b.find(&ScenarioKey::Run(4), Some("run 4"));
        assert!(alone.is_some(), "the anonymous run matches itself");
        assert_eq!(
            b.find(&ScenarioKey::Run(6), Some("run 4")),
            None,
            "and nothing else"
        );
        assert_eq!(b.completed(None).len(), 4);
    }

    #[test]
    fn with_a_pass_rate_scenarios_are_compared_and_known_ones_do_not_count() {
        use crate::ending::{Stop, Verdict};
        use crate::policy::{Policy, evaluate_against};
        let of = |id: u64, sid: i64, ok: bool, p: &[&str]| {
            let mut r = run(id, "completed", Some(ok), p);
            r.scenario_id = Some(sid);
            r.scenario_name = Some(format!("S{sid}"));
            r
        };
        // Main: S1 fails 1/2 (low), S2 passes 2/2.
        let main = vec![
            of(1, 1, true, &[]),
            of(2, 1, false, &["low"]),
            of(3, 2, true, &[]),
            of(4, 2, true, &[]),
        ];
        // Now: S1 fails 1/2 as before, S2 fails 1/2 (a regression).
        let now = [
            of(11, 1, true, &[]),
            of(12, 1, false, &["low"]),
            of(13, 2, true, &[]),
            of(14, 2, false, &[]),
        ];
        let policy = Policy {
            min_pass_rate: Some("0.9".parse().expect("rate")),
            max_score: 100,
            ..Policy::default()
        };
        let base = Baseline::new(&policy, main);
        let slots: Vec<_> = now.iter().map(|r| (r.id, Slot::Found(r))).collect();
        let eval = evaluate_against(&policy, &slots, Stop::AllFinal, Some(&base));
        let c = eval.comparison.as_ref().expect("compared");
        assert_eq!(c.regressions, ["S2"]);
        assert_eq!(c.known, ["S1"]);
        assert_eq!(
            eval.verdict,
            Verdict::Failed,
            "S2 regressed: {:?}",
            eval.broken
        );
        assert_eq!(
            eval.broken[0].to_string(),
            "1 scenario below --min-pass-rate 0.9 is above --max-failed-scenarios 0",
            "S1 is below the rate but known"
        );
        let main = vec![
            of(1, 1, true, &[]),
            of(2, 1, false, &["low"]),
            of(3, 2, true, &[]),
            of(4, 2, false, &[]),
        ];
        let base = Baseline::new(&policy, main);
        let eval = evaluate_against(&policy, &slots, Stop::AllFinal, Some(&base));
        assert_eq!(
            eval.verdict,
            Verdict::Passed,
            "both known: {:?}",
            eval.broken
        );
    }
}
