//! Repeated runs judged together: runs grouped into scenarios, each
//! scenario's pass rate compared exactly (integers, never floating point)
//! with `--min-pass-rate`, and flaky scenarios (both passing runs and quality
//! failures) labelled.

use super::names::scenario_name;
use super::{Outcome, RunResult};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A pass rate as an exact fraction, `0 < num/den <= 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassRate {
    num: u64,
    den: u64,
    /// As the user spelled it, for messages.
    text: String,
}

/// Why a `--min-pass-rate` value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRate(pub String);

impl fmt::Display for BadRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; give a fraction above 0 and at most 1, e.g. 0.8, 80% or 1",
            self.0
        )
    }
}

impl std::error::Error for BadRate {}

/// Digits after the decimal point accepted; keeps `num * 100` in a `u64`.
const MAX_DECIMALS: usize = 12;

impl FromStr for PassRate {
    type Err = BadRate;

    fn from_str(s: &str) -> Result<Self, BadRate> {
        let text = s.trim();
        let (number, percent) = match text.strip_suffix('%') {
            Some(n) => (n.trim_end(), true),
            None => (text, false),
        };
        let (num, scale) =
            exact_decimal(number).ok_or_else(|| BadRate(format!("{s:?} is not a number")))?;
        let den = scale * if percent { 100 } else { 1 };
        if num == 0 || num > den {
            let hint = if !percent && scale == 1 && num > den {
                " (for a percentage write the % sign)"
            } else {
                ""
            };
            return Err(BadRate(format!("{s:?} is not above 0 and at most 1{hint}")));
        }
        let g = gcd(num, den);
        Ok(PassRate {
            num: num / g,
            den: den / g,
            text: text.to_owned(),
        })
    }
}

/// A plain decimal (`0.8`, `99.9`, `95`; at most 3 digits before the point
/// and 12 after, so `num * 100` fits) as the exact fraction
/// `num / scale`, `scale` a power of ten; `None` for anything else.
pub(super) fn exact_decimal(text: &str) -> Option<(u64, u64)> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty()
        || !all_digits(int)
        || !all_digits(frac)
        || int.len() > 3
        || frac.len() > MAX_DECIMALS
    {
        return None;
    }
    let scale = 10u64.pow(frac.len() as u32);
    let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let part: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    Some((whole * scale + part, scale))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl PassRate {
    /// Whether `passed` of `judged` runs meets the rate; none judged fails closed.
    pub fn met_by(&self, passed: usize, judged: usize) -> bool {
        judged > 0 && u128::from(self.den) * passed as u128 >= u128::from(self.num) * judged as u128
    }
}

impl fmt::Display for PassRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// What groups runs into one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScenarioKey {
    /// The scenario ID; the name does not matter.
    Id(i64),
    /// No ID: the scenario name.
    Name(String),
    /// Neither: the run (or missing run ID) alone.
    Run(u64),
}

/// One scenario's runs, counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub key: ScenarioKey,
    /// The name of its highest run ID that has one.
    pub name: String,
    /// Indexes into the evaluation's results, in run-ID order.
    pub members: Vec<usize>,
    /// Every requested run, errored and unfinished included.
    pub runs: usize,
    pub passed: usize,
    /// Quality failures: completed runs that did not pass.
    pub failed: usize,
    /// Infrastructure errors, missing runs included.
    pub errored: usize,
    pub unfinished: usize,
    /// Both passing runs and quality failures.
    pub flaky: bool,
    /// Under `--min-pass-rate`: whether the rate was met.
    pub met: Option<bool>,
    /// With `--baseline`: how the scenario compares.
    pub baseline: Option<super::baseline::Class>,
    /// A known failure under `--baseline-mode new`: listed, not counted.
    pub known: bool,
}

impl Scenario {
    /// The runs whose quality could be judged.
    pub fn judged(&self) -> usize {
        self.passed + self.failed
    }

    /// `0.8 (4/5)`, or `- (0/0)` when nothing could be judged.
    pub fn rate_label(&self) -> String {
        let judged = self.judged();
        if judged == 0 {
            return "- (0/0)".to_owned();
        }
        let rate = self.passed as f64 / judged as f64;
        format!("{} ({}/{judged})", trim_rate(rate), self.passed)
    }

    /// Below its rate: the scenario fails the gate's scenario rule.
    pub fn below(&self) -> bool {
        self.met == Some(false)
    }

    /// Failing: below the rate, or without a rate any failed or errored run.
    pub fn failing(&self) -> bool {
        match self.met {
            Some(met) => !met,
            None => self.failed + self.errored > 0,
        }
    }
}

/// A rate shown with up to two decimals, no trailing zeros.
fn trim_rate(rate: f64) -> String {
    let s = format!("{rate:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

/// The key a result is grouped under.
pub fn key_of(result: &RunResult<'_>) -> ScenarioKey {
    let Some(run) = result.run else {
        return ScenarioKey::Run(result.id);
    };
    match (run.scenario_id, scenario_name(run)) {
        (Some(id), _) => ScenarioKey::Id(id),
        (None, Some(name)) => ScenarioKey::Name(name.to_owned()),
        (None, None) => ScenarioKey::Run(run.id),
    }
}

/// Groups results into scenarios, failing ones first (below the rate, then
/// flaky), each group in order of its first result.
pub fn group(results: &[RunResult<'_>], rate: Option<&PassRate>) -> Vec<Scenario> {
    let mut index: HashMap<ScenarioKey, usize> = HashMap::new();
    let mut list: Vec<Scenario> = Vec::new();
    for (i, result) in results.iter().enumerate() {
        let key = key_of(result);
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
        // Only unfinished runs: not judged yet, so the unfinished verdict
        // (exit 3) stays; all errored fails closed.
        let waiting = scenario.judged() == 0 && scenario.errored == 0;
        scenario.met = rate.map(|r| waiting || r.met_by(scenario.passed, scenario.judged()));
    }
    list.sort_by_key(|s| (!s.failing(), !s.flaky));
    list
}

/// Points each result at its scenario and marks the tolerated failures:
/// quality failures of a scenario that met its rate, unless the gate fails
/// on score and the run's categories count toward it.
pub fn mark(results: &mut [RunResult<'_>], scenarios: &[Scenario], score_broken: bool) {
    for (index, scenario) in scenarios.iter().enumerate() {
        for &i in &scenario.members {
            let result = &mut results[i];
            result.scenario = index;
            result.tolerated = scenario.met == Some(true)
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

    #[test]
    fn rates_parse_exactly() {
        assert_eq!((rate("0.8").num, rate("0.8").den), (4, 5));
        assert_eq!((rate("80%").num, rate("80%").den), (4, 5));
        assert_eq!((rate("1").num, rate("1").den), (1, 1));
        assert_eq!((rate("0.56").num, rate("0.56").den), (14, 25));
        assert_eq!((rate("100%").num, rate("100%").den), (1, 1));
        for bad in [
            "0", "1.5", "80", "abc", "-1", "", "%", ".", "0%", "101%", "1e-1",
        ] {
            let err = bad.parse::<PassRate>().expect_err(bad);
            assert!(err.to_string().contains("0.8, 80% or 1"), "{bad}: {err}");
        }
        assert!(
            "80".parse::<PassRate>()
                .expect_err("80")
                .to_string()
                .contains("% sign")
        );
    }

    #[test]
    fn boundaries_are_exact() {
        assert!(rate("0.8").met_by(4, 5), "4/5 at 0.8 passes");
        assert!(!rate("0.8").met_by(3, 4), "3/4 at 0.8 fails");
        assert!(rate("0.56").met_by(14, 25), "14/25 meets 0.56");
        assert!(!rate("0.56").met_by(13, 25));
        assert!(!rate("0.1").met_by(0, 0), "nothing judged fails closed");
        assert!(rate("1").met_by(3, 3));
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
                (&ScenarioKey::Run(8), "run 8"),
                (&ScenarioKey::Id(7), "New name"),
                (&ScenarioKey::Name("New name".into()), "New name"),
                (&ScenarioKey::Run(4), "run 4"),
            ],
            "below the rate, then flaky; a renamed scenario takes its highest run's name"
        );
        assert_eq!(groups[0].errored, 1);
        assert_eq!(
            groups[0].met,
            Some(false),
            "a missing run alone fails closed"
        );
        assert!(groups[1].flaky && groups[1].met == Some(true));
        assert_eq!(
            groups[2].members.len(),
            2,
            "a name without an ID is its own group"
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
        assert_eq!(groups[0].met, Some(true), "errors are not judged");
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
