//! Repeated runs judged together: runs grouped into scenarios, each
//! scenario's pass rate checked against `--min-pass-rate` (see `rate`),
//! and flaky scenarios (both passing runs and quality failures) labelled.

use super::names::scenario_name;
use super::rate::{PassRate, RateCheck, rate_text};
use super::{Outcome, RunResult};
use crate::model::{DELETED_SCENARIO, Run};
use std::collections::HashMap;

/// What groups runs into one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScenarioKey {
    /// The scenario ID; the name does not matter.
    Id(i64),
    /// No ID: the scenario name.
    Name(String),
    /// Neither, or a deleted scenario (`scenario: null`, named
    /// `Scenario Deleted`: two of them need not be the same): the run alone.
    Run(u64),
}

/// One scenario's runs, counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub key: ScenarioKey,
    /// The name of its highest run ID that has one.
    pub name: String,
    /// Indexes into the evaluation's results, in run-ID order.
    pub(crate) members: Vec<usize>,
    /// Every run of it the API returned, errored and unfinished included.
    pub runs: usize,
    pub passed: usize,
    /// Quality failures: completed runs that did not pass.
    pub failed: usize,
    /// Infrastructure errors (a missing run belongs to no scenario).
    pub errored: usize,
    pub unfinished: usize,
    /// Both passing runs and quality failures.
    pub flaky: bool,
    /// Under `--min-pass-rate`: the rate judged, or not final yet.
    pub met: Option<RateCheck>,
    /// With `--baseline`: how the scenario compares.
    pub baseline: Option<super::class::Class>,
    /// A known failure under `--baseline-mode new`: listed, not counted.
    pub known: bool,
}

impl Scenario {
    /// The runs whose quality could be judged.
    pub fn judged(&self) -> usize {
        self.passed + self.failed
    }

    /// `0.8 (4/5)`, `0.666… (2/3)`, or `- (0/0)` when nothing could be judged.
    pub(crate) fn rate_label(&self) -> String {
        let judged = self.judged();
        if judged == 0 {
            return "- (0/0)".to_owned();
        }
        format!(
            "{} ({}/{judged})",
            rate_text(self.passed, judged),
            self.passed
        )
    }

    /// Below its rate: the scenario fails the gate's scenario rule.
    pub fn below(&self) -> bool {
        self.met == Some(RateCheck::Below)
    }

    /// Failing: below the rate, or without a rate any failed or errored run.
    pub fn failing(&self) -> bool {
        match self.met {
            Some(check) => check == RateCheck::Below,
            None => self.failed + self.errored > 0,
        }
    }
}

/// The key a run is grouped under: its scenario ID, else its name, else
/// (no scenario, or a deleted one) the run alone.
pub(crate) fn key_of(run: &Run) -> ScenarioKey {
    let name = scenario_name(run);
    match (run.scenario_id, name) {
        (Some(id), _) => ScenarioKey::Id(id),
        (None, Some(DELETED_SCENARIO)) | (None, None) => ScenarioKey::Run(run.id),
        (None, Some(name)) => ScenarioKey::Name(name.to_owned()),
    }
}

/// Groups the results that carry a run into scenarios, failing ones first
/// (below the rate, then flaky), each group in order of its first result.
/// A missing run, or one no answer covered, has no scenario: it is an
/// infrastructure error (or unfinished) of its own, never a scenario. As
/// it may still belong to any scenario, an unseen run keeps every rate
/// from being final while others could still change it.
pub(crate) fn group(results: &[RunResult<'_>], rate: Option<&PassRate>) -> Vec<Scenario> {
    let mut index: HashMap<ScenarioKey, usize> = HashMap::new();
    let mut list: Vec<Scenario> = Vec::new();
    let mut unseen = 0usize;
    for (i, result) in results.iter().enumerate() {
        let Some(run) = result.run else {
            unseen += usize::from(result.outcome == Outcome::Unfinished);
            continue;
        };
        let key = key_of(run);
        let at = *index.entry(key.clone()).or_insert_with(|| {
            list.push(empty(key));
            list.len() - 1
        });
        add(&mut list[at], i, result);
    }
    for scenario in &mut list {
        scenario.members.sort_by_key(|&i| results[i].id);
        scenario.name = name_of(scenario, results);
        scenario.flaky = scenario.passed > 0 && scenario.failed > 0;
        let waiting = scenario.unfinished.saturating_add(unseen);
        scenario.met = rate.map(|r| RateCheck::of(r, scenario.passed, scenario.judged(), waiting));
    }
    list.sort_by_key(|s| (!s.failing(), !s.flaky));
    list
}

/// Points each result at its scenario and marks the tolerated failures:
/// quality failures of a scenario that met its rate, unless the gate fails
/// on score and the run's categories count toward it.
pub(crate) fn mark(results: &mut [RunResult<'_>], scenarios: &[Scenario], score_broken: bool) {
    for (index, scenario) in scenarios.iter().enumerate() {
        for &i in &scenario.members {
            let result = &mut results[i];
            result.scenario = Some(index);
            result.tolerated = scenario.met == Some(RateCheck::Met)
                && matches!(result.outcome, Outcome::Failed { .. })
                && !(score_broken && result.score() > 0);
        }
    }
}

fn empty(key: ScenarioKey) -> Scenario {
    Scenario {
        key,
        name: String::new(),
        members: Vec::new(),
        runs: 0,
        passed: 0,
        failed: 0,
        errored: 0,
        unfinished: 0,
        flaky: false,
        met: None,
        baseline: None,
        known: false,
    }
}

fn add(scenario: &mut Scenario, index: usize, result: &RunResult<'_>) {
    scenario.members.push(index);
    scenario.runs += 1;
    match result.outcome {
        Outcome::Passed => scenario.passed += 1,
        Outcome::Failed { .. } => scenario.failed += 1,
        Outcome::Errored | Outcome::Missing => scenario.errored += 1,
        Outcome::Unfinished => scenario.unfinished += 1,
    }
}

/// The name of the highest run ID that has one (members are in ID order).
fn name_of(scenario: &Scenario, results: &[RunResult<'_>]) -> String {
    let named = scenario
        .members
        .iter()
        .rev()
        .find_map(|&i| results[i].run.and_then(scenario_name));
    match (named, &scenario.key) {
        (Some(name), _) => name.to_owned(),
        (None, ScenarioKey::Id(id)) => format!("scenario {id}"),
        (None, ScenarioKey::Name(name)) => name.clone(),
        (None, ScenarioKey::Run(id)) => format!("run {id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{eval_of, run};
    use super::super::{Policy, Rule};
    use super::*;
    use crate::ending::Verdict;
    use crate::model::Run;

    fn rate(s: &str) -> PassRate {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn of(id: u64, scenario: Option<i64>, name: Option<&str>, ok: bool) -> Run {
        let mut r = run(id, "completed", Some(ok), &[]);
        r.scenario_id = scenario;
        r.scenario_name = name.map(str::to_owned);
        r
    }

    #[test]
    fn grouping_by_id_then_name_then_run() {
        let runs = [
            of(5, Some(7), Some("Old name"), true),
            of(9, Some(7), Some("New name"), false),
            of(3, None, Some("New name"), true),
            of(4, None, None, true),
            of(6, None, Some("New name"), true),
        ];
        let eval = eval_of(&runs, &[8]);
        let groups = group(&eval.results, Some(&rate("0.5")));
        let keys: Vec<_> = groups.iter().map(|s| (&s.key, s.name.as_str())).collect();
        assert_eq!(
            keys,
            [
                (&ScenarioKey::Id(7), "New name"),
                (&ScenarioKey::Name("New name".into()), "New name"),
                (&ScenarioKey::Run(4), "run 4"),
            ],
            "flaky first; a renamed scenario takes its highest run's name; the missing run 8 is no scenario"
        );
        assert!(groups[0].flaky && groups[0].met == Some(RateCheck::Met));
        assert_eq!(
            groups[1].members.len(),
            2,
            "a name without an ID is its own group"
        );
        assert_eq!(
            eval.results.iter().filter(|r| r.scenario.is_none()).count(),
            1
        );
    }

    #[test]
    fn errored_runs_alone_do_not_make_a_scenario_flaky() {
        let mut errored = of(2, Some(1), None, true);
        errored.status = crate::model::Status::parse(Some("timeout"));
        let runs = [of(1, Some(1), None, true), errored];
        let eval = eval_of(&runs, &[]);
        let groups = group(&eval.results, Some(&rate("1")));
        assert_eq!((groups[0].passed, groups[0].errored), (1, 1));
        assert!(!groups[0].flaky);
        assert_eq!(groups[0].met, Some(RateCheck::Met), "errors are not judged");
        assert_eq!(groups[0].rate_label(), "1 (1/1)");
    }

    #[test]
    fn three_scenarios_of_five_runs() {
        let mut runs = Vec::new();
        for (sid, passes) in [(1, 5), (2, 4), (3, 2)] {
            for k in 0..5u64 {
                runs.push(of(sid as u64 * 10 + k, Some(sid), None, k < passes));
            }
        }
        let eval = eval_of(&runs, &[]);
        let groups = group(&eval.results, Some(&rate("0.8")));
        let below: Vec<_> = groups
            .iter()
            .filter(|s| s.below())
            .map(|s| &s.key)
            .collect();
        assert_eq!(below, [&ScenarioKey::Id(3)]);
        assert_eq!(groups[0].rate_label(), "0.4 (2/5)");
        let groups = group(&eval.results, Some(&rate("0.4")));
        assert!(groups.iter().all(|s| !s.below()));
        assert_eq!(groups.iter().filter(|s| s.flaky).count(), 2);
    }

    fn judge_all<'a>(policy: &Policy, runs: &'a [Run]) -> super::super::Evaluation<'a> {
        super::super::fixtures::eval_in(policy, runs, &[], crate::ending::Stop::AllFinal)
    }

    #[test]
    fn errored_runs_have_their_own_budget() {
        let runs = [
            run(1, "completed", Some(true), &[]),
            run(2, "timeout", None, &[]),
            run(3, "cancelled", None, &[]),
        ];
        let eval = judge_all(&Policy::default(), &runs);
        assert_eq!(
            eval.broken,
            vec![Rule::Errored {
                count: 2,
                missing: 0,
                max: 0
            }]
        );
        let budget = |max_errored_runs| Policy {
            max_errored_runs,
            ..Policy::default()
        };
        let eval = judge_all(&budget(1), &runs);
        assert_eq!(
            eval.broken,
            vec![Rule::Errored {
                count: 2,
                missing: 0,
                max: 1
            }]
        );
        assert!(
            eval.broken[0]
                .to_string()
                .ends_with("above --max-errored-runs 1")
        );
        assert_eq!(judge_all(&budget(2), &runs).verdict, Verdict::Passed);
    }

    #[test]
    fn a_pass_rate_replaces_the_run_budget() {
        let mut runs = Vec::new();
        for (sid, passes) in [(1, 5), (2, 4), (3, 2)] {
            for k in 0..5u64 {
                let mut r = run(sid * 10 + k, "completed", Some(k < passes), &[]);
                r.scenario_id = Some(sid as i64);
                runs.push(r);
            }
        }
        let rated = |rate: &str, max_failed_scenarios| Policy {
            min_pass_rate: rate.parse().ok(),
            max_failed_scenarios,
            ..Policy::default()
        };
        let eval = judge_all(&Policy::default(), &runs);
        assert_eq!(eval.broken, vec![Rule::FailedRuns { count: 4, max: 0 }]);
        let eval = judge_all(&rated("0.8", 0), &runs);
        let rule = Rule::FailedScenarios {
            count: 1,
            max: 0,
            rate: "0.8".into(),
        };
        assert_eq!(eval.broken, vec![rule]);
        assert_eq!(judge_all(&rated("80%", 1), &runs).verdict, Verdict::Passed);
        assert_eq!(judge_all(&rated("0.4", 0), &runs).verdict, Verdict::Passed);
    }

    #[test]
    fn a_flaky_failure_is_tolerated_unless_its_categories_break_the_score() {
        let mut runs = vec![
            of(1, Some(1), None, true),
            run(2, "completed", Some(false), &["high"]),
            run(3, "completed", Some(false), &["not_a_bug"]),
        ];
        for r in &mut runs[1..] {
            r.scenario_id = Some(1);
        }
        let rated = |max_score| Policy {
            min_pass_rate: rate("0.3").into(),
            max_score,
            ..Policy::default()
        };
        let tolerated = |eval: &super::super::Evaluation<'_>| -> Vec<bool> {
            eval.results.iter().map(|r| r.tolerated).collect()
        };
        let eval = judge_all(&rated(10), &runs);
        assert_eq!(eval.verdict, Verdict::Passed, "{:?}", eval.broken);
        assert_eq!(tolerated(&eval), [false, true, true], "1/3 meets 0.3");
        let eval = judge_all(&rated(9), &runs);
        assert_eq!(eval.broken, vec![Rule::Score { score: 10, max: 9 }]);
        assert_eq!(
            tolerated(&eval),
            [false, false, true],
            "run 2 counts toward the broken score: a failure; run 3 weighs 0"
        );
        assert_eq!((eval.counts.failed, eval.counts.tolerated), (1, 1));
    }

    #[test]
    fn unfinished_runs_alone_are_not_judged() {
        let runs = [run(1, "pending", None, &[])];
        let rated = Policy {
            min_pass_rate: rate("0.8").into(),
            ..Policy::default()
        };
        let eval = judge_all(&rated, &runs);
        assert_eq!(eval.verdict, Verdict::Unfinished, "{:?}", eval.broken);
    }

    #[test]
    fn a_reviewers_decision_wins_over_success() {
        let mut overruled = of(1, Some(1), None, true);
        overruled.review = Some(false);
        let mut rescued = of(2, Some(1), None, false);
        rescued.review = Some(true);
        let runs = [overruled, rescued];
        let eval = judge_all(&Policy::default(), &runs);
        let outcomes: Vec<_> = eval.results.iter().map(|r| &r.outcome).collect();
        assert_eq!(
            outcomes,
            [&Outcome::Failed { unsuccessful: true }, &Outcome::Passed]
        );
    }
}
