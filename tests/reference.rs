//! A reference evaluator (issue 20): the README's policy rules, written out
//! again as plainly as possible and without any of the engine's code, run
//! beside the engine on generated batches that mix every feature: pass
//! rates, per-run and aggregate thresholds, a baseline in both modes,
//! reviewers' decisions, errored, missing and unfinished runs, weights and
//! budgets. Both must give the same exit code, the same failing scenarios,
//! and the same outcome and baseline class for every run.
//!
//! The engine reads the batch as the API's JSON; the reference reads the
//! generated values directly. The numbered rules below follow the README's
//! "The policy, rule by rule" in the same order.
//!
//! Beside it, invariants of the engine alone: a worse run never improves
//! the verdict and a better one never worsens it; a baseline identical to
//! the runs finds no regression, no new failure reason and no new
//! scenario; a `--json` report and a saved response of the same runs are
//! the same baseline, even when the report was written under other
//! weights; a failed verdict with runs unfinished stays failed however
//! they finish; the same input gives byte-identical reports.
//!
//! Set `PROPTEST_CASES=5000` (say) to search harder.

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::RngAlgorithm;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use vocera_gate::ending::Stop;
use vocera_gate::model::{Run, parse_runs};
use vocera_gate::policy::baseline::{Baseline, Mode};
use vocera_gate::policy::{Evaluation, Outcome, Policy, Slot, evaluate_against};

// ---- the generated batch --------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Completed,
    /// Not finished: `in_progress`, `evaluating`, ...
    Waiting(&'static str),
    /// Finished without a result: `failed`, `timeout`, `cancelled`.
    Ended(&'static str),
    /// Requested, not in the answer.
    Missing,
}

#[derive(Debug, Clone)]
struct Cat {
    priority: &'static str,
    name: &'static str,
    wrongly_marked: bool,
}

#[derive(Debug, Clone)]
struct Gen {
    id: u64,
    /// 1..=4: scenario `S{n}`; 0: a deleted scenario (`scenario: null`).
    scenario: u8,
    status: Status,
    success: Option<bool>,
    review: Option<bool>,
    cats: Vec<Cat>,
    latency: Option<u32>,
    goal: Option<bool>,
}

#[derive(Debug, Clone)]
struct Rules {
    max_score: u64,
    max_failed_runs: u64,
    max_errored_runs: u64,
    /// `--min-pass-rate` as text and as num/den.
    rate: Option<(&'static str, u64, u64)>,
    max_failed_scenarios: u64,
    /// `Latency<=N`, per run.
    latency_per_run: Option<u32>,
    /// `Goal==true`, per run.
    goal_per_run: bool,
    /// `max(Latency)<=N`.
    latency_max: Option<u32>,
    /// `rate(Goal)>=R`: text, num, den.
    goal_rate: Option<(&'static str, u64, u64)>,
    baseline: Option<(Vec<Gen>, Mode)>,
}

// ---- the reference ---------------------------------------------------------

/// Rule 1: a category's weight by its priority; any other weighs like high.
fn weight(priority: &str) -> u64 {
    match priority {
        "critical" | "high" => 10,
        "medium" => 3,
        "low" | "non-critical" => 1,
        "not_a_bug" => 0,
        _ => 10,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    Passed,
    Failed,
    Errored,
    Unfinished,
    Missing,
}

struct Judged {
    out: Out,
    /// Success (or the reviewer's decision) not true, or a per-run threshold broken.
    unsuccessful: bool,
    /// The weights of its counted categories.
    points: u64,
    /// Why it failed, as the baseline compares.
    reasons: BTreeSet<String>,
}

/// Rules 1 and 2: one run, alone.
fn judge(g: &Gen, r: &Rules) -> Judged {
    let out = match g.status {
        Status::Missing => Out::Missing,
        Status::Waiting(_) => Out::Unfinished,
        Status::Ended(_) => Out::Errored,
        Status::Completed => Out::Passed,
    };
    let finished = matches!(out, Out::Passed | Out::Errored);
    let counted: Vec<&Cat> = g
        .cats
        .iter()
        .filter(|c| finished && weight(c.priority) > 0 && !c.wrongly_marked)
        .collect();
    let mut reasons: BTreeSet<String> = counted
        .iter()
        .map(|c| format!("{}: {}", c.priority, c.name))
        .collect();
    let points = counted.iter().map(|c| weight(c.priority)).sum();
    if let Status::Ended(s) = g.status {
        reasons.insert(format!("error: {s}"));
    }
    if out != Out::Passed {
        return Judged {
            out,
            unsuccessful: false,
            points,
            reasons,
        };
    }
    let mut breaches = Vec::new();
    if let Some(n) = r.latency_per_run
        && g.latency.is_none_or(|l| l > n)
    {
        breaches.push(format!("threshold: Latency<={n}"));
    }
    if r.goal_per_run && g.goal != Some(true) {
        breaches.push("threshold: Goal==true".to_owned());
    }
    let ok = g.review.or(g.success) == Some(true);
    if !ok {
        reasons.insert("unsuccessful".to_owned());
    }
    let unsuccessful = !ok || !breaches.is_empty();
    reasons.extend(breaches);
    Judged {
        out: if unsuccessful || !counted.is_empty() {
            Out::Failed
        } else {
            Out::Passed
        },
        unsuccessful,
        points,
        reasons,
    }
}

/// Rule 3: the scenario a run belongs to; a deleted scenario's run is
/// alone; a missing run belongs to none.
fn scenario_key(g: &Gen) -> Option<String> {
    match (g.scenario, &g.status) {
        (_, Status::Missing) => None,
        (0, _) => Some(format!("alone {}", g.id)),
        (n, _) => Some(format!("S{n}")),
    }
}

fn met(passed: u64, judged: u64, num: u64, den: u64) -> bool {
    judged > 0 && passed * den >= num * judged
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RateIs {
    Met,
    Below,
    NotFinal,
}

#[derive(Default, Clone)]
struct Group {
    passed: u64,
    failed: u64,
    errored: u64,
    waiting: u64,
    reasons: BTreeSet<String>,
}

impl Group {
    /// Rule 4: the rate, final only when its waiting runs cannot change it.
    fn rate(&self, num: u64, den: u64) -> RateIs {
        let judged = self.passed + self.failed;
        let best = met(self.passed + self.waiting, judged + self.waiting, num, den);
        let worst = met(self.passed, judged + self.waiting, num, den);
        match (best, worst) {
            (true, true) => RateIs::Met,
            (false, false) => RateIs::Below,
            _ => RateIs::NotFinal,
        }
    }

    /// Whether it fails: below the rate, or without one any failed or
    /// errored run; `None` while its rate is not final.
    fn fails(&self, rules: &Rules) -> Option<bool> {
        match rules.rate {
            Some((_, num, den)) => match self.rate(num, den) {
                RateIs::Met => Some(false),
                RateIs::Below => Some(true),
                RateIs::NotFinal => None,
            },
            None => Some(self.failed + self.errored > 0),
        }
    }
}

fn group_runs(runs: &[Gen], judged: &[Judged]) -> BTreeMap<String, Group> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for (g, j) in runs.iter().zip(judged) {
        let Some(key) = scenario_key(g) else { continue };
        let group = groups.entry(key).or_default();
        match j.out {
            Out::Passed => group.passed += 1,
            Out::Failed => group.failed += 1,
            Out::Errored => group.errored += 1,
            Out::Unfinished => group.waiting += 1,
            Out::Missing => {}
        }
        if matches!(j.out, Out::Failed | Out::Errored) {
            group.reasons.extend(j.reasons.iter().cloned());
        }
    }
    groups
}

/// Rule 5: the words of the baseline's classes.
fn class_of_scenario(
    fails: bool,
    reasons: &BTreeSet<String>,
    base: Option<&(bool, Group)>,
) -> &'static str {
    match base {
        None => "new scenario",
        Some((passed, _)) if !fails && !passed => "fixed",
        Some(_) if !fails => "passing",
        Some((true, _)) => "regression",
        Some((false, b)) if reasons.is_subset(&b.reasons) => "known failure",
        Some(_) => "new failure reason",
    }
}

fn class_of_failure(reasons: &BTreeSet<String>, base: Option<&(bool, Group)>) -> &'static str {
    match base {
        None => "new scenario",
        Some((_, b)) if b.reasons.is_empty() => "regression",
        Some((_, b)) if reasons.is_subset(&b.reasons) => "known failure",
        Some(_) => "new failure reason",
    }
}

/// The baseline's scenarios: whether each passed, and its runs.
type BaseScenarios = BTreeMap<String, (bool, Group)>;

/// What the reference concludes.
#[derive(Debug, PartialEq)]
struct Verdict {
    exit: u8,
    failing_scenarios: BTreeSet<String>,
    /// Per run: outcome, baseline class, counted as known.
    runs: Vec<(u64, &'static str, Option<&'static str>, bool)>,
}

fn reference(runs: &[Gen], rules: &Rules) -> Verdict {
    let judged: Vec<Judged> = runs.iter().map(|g| judge(g, rules)).collect();
    let groups = group_runs(runs, &judged);
    // Rule 5: the baseline, judged alike; its unfinished runs left out.
    let base: Option<(BaseScenarios, Mode)> = rules.baseline.as_ref().map(|(base_runs, mode)| {
        let finished: Vec<Gen> = base_runs
            .iter()
            .filter(|g| !matches!(g.status, Status::Waiting(_)))
            .cloned()
            .collect();
        let bj: Vec<Judged> = finished.iter().map(|g| judge(g, rules)).collect();
        let scenarios = group_runs(&finished, &bj)
            .into_iter()
            .map(|(key, group)| {
                let passed = match rules.rate {
                    Some((_, num, den)) => met(group.passed, group.passed + group.failed, num, den),
                    None => group.failed + group.errored == 0,
                };
                (key, (passed, group))
            })
            .collect();
        (scenarios, *mode)
    });
    let mut classes: Vec<Option<&'static str>> = vec![None; runs.len()];
    let mut known = vec![false; runs.len()];
    let mut scenario_known: BTreeSet<String> = BTreeSet::new();
    if let Some((scenarios, mode)) = &base {
        for (key, group) in &groups {
            let b = scenarios.get(key);
            let class = group
                .fails(rules)
                .map(|f| class_of_scenario(f, &group.reasons, b));
            if class == Some("known failure") && *mode == Mode::New {
                scenario_known.insert(key.clone());
            }
            for (i, (g, j)) in runs.iter().zip(&judged).enumerate() {
                if scenario_key(g).as_ref() != Some(key) {
                    continue;
                }
                classes[i] = match j.out {
                    Out::Failed | Out::Errored => Some(class_of_failure(&j.reasons, b)),
                    Out::Passed if b.is_none() => Some("new scenario"),
                    Out::Passed if class == Some("fixed") => Some("fixed"),
                    Out::Passed => Some("passing"),
                    Out::Unfinished | Out::Missing => None,
                };
                known[i] = *mode == Mode::New
                    && classes[i] == Some("known failure")
                    && j.out != Out::Errored;
            }
        }
    }
    // Rule 6: the rules of the gate.
    let score: u64 = judged
        .iter()
        .zip(&known)
        .filter(|(_, k)| !**k)
        .map(|(j, _)| j.points)
        .sum();
    let mut broken = score > rules.max_score;
    if let Some((_, num, den)) = rules.rate {
        let below = groups
            .iter()
            .filter(|(key, g)| g.rate(num, den) == RateIs::Below && !scenario_known.contains(*key))
            .count() as u64;
        broken |= below > rules.max_failed_scenarios;
    } else {
        let unsuccessful = judged
            .iter()
            .zip(&known)
            .filter(|(j, k)| j.out == Out::Failed && j.unsuccessful && !**k)
            .count() as u64;
        broken |= unsuccessful > rules.max_failed_runs;
    }
    let errors = judged
        .iter()
        .filter(|j| matches!(j.out, Out::Errored | Out::Missing))
        .count() as u64;
    broken |= errors > rules.max_errored_runs;
    let waiting = judged.iter().any(|j| j.out == Out::Unfinished);
    let completed: Vec<&Gen> = runs
        .iter()
        .zip(&judged)
        .filter(|(_, j)| matches!(j.out, Out::Passed | Out::Failed))
        .map(|(g, _)| g)
        .collect();
    // Aggregates over the completed runs that carry the metric; none
    // fails; broken while runs are unfinished is not final.
    if let Some(n) = rules.latency_max {
        let max = completed.iter().filter_map(|g| g.latency).max();
        broken |= max.is_none_or(|m| m > n) && !waiting;
    }
    if let Some((_, num, den)) = rules.goal_rate {
        let carried: Vec<bool> = completed.iter().filter_map(|g| g.goal).collect();
        let passed = carried.iter().filter(|p| **p).count() as u64;
        broken |= !met_or_zero(passed, carried.len() as u64, num, den) && !waiting;
    }
    // Rule 7: the verdict.
    let exit = if broken {
        1
    } else if waiting {
        3
    } else {
        0
    };
    let failing_scenarios = groups
        .iter()
        .filter(|(_, g)| match rules.rate {
            Some((_, num, den)) => g.rate(num, den) == RateIs::Below,
            None => g.failed + g.errored > 0,
        })
        .map(|(key, _)| shown_name(key))
        .collect();
    let words = |o: Out| match o {
        Out::Passed => "passed",
        Out::Failed => "failed",
        Out::Errored => "errored",
        Out::Unfinished => "unfinished",
        Out::Missing => "missing",
    };
    Verdict {
        exit,
        failing_scenarios,
        runs: runs
            .iter()
            .zip(&judged)
            .enumerate()
            .map(|(i, (g, j))| (g.id, words(j.out), classes[i], known[i]))
            .collect(),
    }
}

/// A rate over no run fails (there is nothing to measure).
fn met_or_zero(passed: u64, carried: u64, num: u64, den: u64) -> bool {
    carried > 0 && passed * den >= num * carried
}

fn shown_name(key: &str) -> String {
    if key.starts_with("alone ") {
        "Scenario Deleted".to_owned()
    } else {
        key.to_owned()
    }
}

// ---- the engine ------------------------------------------------------------

fn to_json(g: &Gen) -> Value {
    let status = match &g.status {
        Status::Completed => "completed",
        Status::Waiting(s) | Status::Ended(s) => s,
        Status::Missing => "completed",
    };
    let mut metrics = Vec::new();
    if let Some(l) = g.latency {
        metrics.push(json!({"name": "Latency", "type": "numeric", "score": l}));
    }
    if let Some(p) = g.goal {
        metrics.push(json!({"name": "Goal", "eval_type": "binary", "passed": p}));
    }
    let scenario = if g.scenario == 0 {
        Value::Null
    } else {
        json!({"id": g.scenario, "name": format!("S{}", g.scenario)})
    };
    let name = if g.scenario == 0 {
        "Scenario Deleted".to_owned()
    } else {
        format!("S{}", g.scenario)
    };
    json!({
        "id": g.id,
        "scenario": scenario,
        "scenario_name": name,
        "status": status,
        "success": g.success,
        "evaluation_status": g.review.map(|r| if r { "reviewed_success" } else { "reviewed_failure" }),
        "evaluation": {"metrics": metrics},
        "critical_categories": g.cats.iter().map(|c| json!({
            "category": c.name, "priority": c.priority, "wrongly_marked": c.wrongly_marked
        })).collect::<Vec<_>>(),
    })
}

fn parsed(runs: &[Gen]) -> Vec<Run> {
    let body = Value::Array(
        runs.iter()
            .filter(|g| g.status != Status::Missing)
            .map(to_json)
            .collect(),
    )
    .to_string();
    parse_runs(&body)
        .expect("the generated answer parses")
        .into_iter()
        .map(|r| r.run)
        .collect()
}

fn policy(rules: &Rules) -> Policy {
    let mut thresholds = Vec::new();
    if let Some(n) = rules.latency_per_run {
        thresholds.push(format!("Latency<={n}"));
    }
    if rules.goal_per_run {
        thresholds.push("Goal==true".to_owned());
    }
    if let Some(n) = rules.latency_max {
        thresholds.push(format!("max(Latency)<={n}"));
    }
    if let Some((text, _, _)) = rules.goal_rate {
        thresholds.push(format!("rate(Goal)>={text}"));
    }
    Policy {
        max_score: rules.max_score,
        max_failed_runs: rules.max_failed_runs,
        max_errored_runs: rules.max_errored_runs,
        min_pass_rate: rules
            .rate
            .map(|(text, _, _)| text.parse().expect("a valid rate")),
        max_failed_scenarios: rules.max_failed_scenarios,
        thresholds: thresholds
            .iter()
            .map(|t| t.parse().expect("a valid threshold"))
            .collect(),
        baseline_mode: rules.baseline.as_ref().map_or(Mode::New, |(_, m)| *m),
        ..Policy::default()
    }
}

/// Runs the engine on the batch: parsed runs, a baseline, and a closure
/// that judges them (the evaluation borrows the runs).
fn with_engine<T>(runs: &[Gen], rules: &Rules, then: impl FnOnce(&Evaluation<'_>) -> T) -> T {
    let policy = policy(rules);
    let found = parsed(runs);
    let by_id: BTreeMap<u64, &Run> = found.iter().map(|r| (r.id, r)).collect();
    let slots: Vec<(u64, Slot<'_>)> = runs
        .iter()
        .map(|g| match by_id.get(&g.id) {
            Some(r) => (g.id, Slot::Found(r)),
            None => (g.id, Slot::Missing),
        })
        .collect();
    let baseline = rules
        .baseline
        .as_ref()
        .map(|(base, _)| Baseline::new(&policy, parsed(base)));
    let eval = evaluate_against(&policy, &slots, Stop::AllFinal, baseline.as_ref());
    then(&eval)
}

fn engine_verdict(eval: &Evaluation<'_>) -> Verdict {
    let word = |o: &Outcome| match o {
        Outcome::Passed => "passed",
        Outcome::Failed { .. } => "failed",
        Outcome::Errored => "errored",
        Outcome::Unfinished => "unfinished",
        Outcome::Missing => "missing",
    };
    Verdict {
        exit: vocera_gate::exit::code(eval),
        failing_scenarios: eval
            .scenarios
            .iter()
            .filter(|s| s.failing())
            .map(|s| s.name.clone())
            .collect(),
        runs: eval
            .results
            .iter()
            .map(|r| {
                (
                    r.id,
                    word(&r.outcome),
                    r.baseline.map(|c| c.word()),
                    r.known,
                )
            })
            .collect(),
    }
}

// ---- strategies -------------------------------------------------------------

fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config.failure_persistence = None;
    config.rng_algorithm = RngAlgorithm::XorShift;
    config
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        14 => Just(Status::Completed),
        1 => select(vec!["in_progress", "evaluating", "pending"]).prop_map(Status::Waiting),
        1 => select(vec!["failed", "timeout", "cancelled"]).prop_map(Status::Ended),
        1 => Just(Status::Missing),
    ]
}

fn cat() -> impl Strategy<Value = Cat> {
    (
        select(vec![
            "critical",
            "high",
            "medium",
            "low",
            "non-critical",
            "not_a_bug",
            "blocker",
        ]),
        select(vec!["wrong refund", "rude"]),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(priority, name, wrongly_marked)| Cat {
            priority,
            name,
            wrongly_marked,
        })
}

fn runs(first_id: u64, max: usize) -> impl Strategy<Value = Vec<Gen>> {
    let one = (
        prop_oneof![1 => Just(0u8), 8 => 1u8..=4],
        status(),
        prop_oneof![6 => Just(Some(true)), 3 => Just(Some(false)), 1 => Just(None)],
        prop_oneof![8 => Just(None), 1 => Just(Some(true)), 1 => Just(Some(false))],
        prop::collection::vec(cat(), 0..3),
        prop::option::weighted(0.85, (1u32..=6).prop_map(|k| k * 500)),
        prop::option::weighted(0.85, prop::bool::weighted(0.8)),
    );
    prop::collection::vec(one, 1..max).prop_map(move |list| {
        list.into_iter()
            .enumerate()
            .map(
                |(i, (scenario, status, success, review, cats, latency, goal))| Gen {
                    id: first_id + i as u64,
                    scenario,
                    status,
                    success,
                    review,
                    cats,
                    latency,
                    goal,
                },
            )
            .collect()
    })
}

fn rate() -> impl Strategy<Value = (&'static str, u64, u64)> {
    select(vec![
        ("0.5", 1, 2),
        ("0.75", 3, 4),
        ("0.8", 4, 5),
        ("1", 1, 1),
        ("60%", 3, 5),
    ])
}

fn batch() -> impl Strategy<Value = (Vec<Gen>, Rules)> {
    (
        runs(1, 14),
        runs(101, 14),
        0u8..4,
        (
            0u64..=25,
            0u64..3,
            0u64..3,
            prop::option::weighted(0.5, rate()),
            0u64..2,
        ),
        (
            prop::option::weighted(0.3, (2u32..=6).prop_map(|k| k * 500)),
            prop::bool::weighted(0.2),
            prop::option::weighted(0.3, (2u32..=6).prop_map(|k| k * 500)),
            prop::option::weighted(0.3, rate()),
        ),
        prop::bool::ANY,
    )
        .prop_map(|(runs, other, base_kind, budgets, thresholds, mode_new)| {
            let (max_score, max_failed_runs, max_errored_runs, rate, max_failed_scenarios) =
                budgets;
            let (latency_per_run, goal_per_run, latency_max, goal_rate) = thresholds;
            let mode = if mode_new { Mode::New } else { Mode::All };
            let baseline = match base_kind {
                0 => None,
                1 => Some((runs.clone(), mode)),
                _ => Some((other, mode)),
            };
            let rules = Rules {
                max_score,
                max_failed_runs,
                max_errored_runs,
                rate,
                max_failed_scenarios,
                latency_per_run,
                goal_per_run,
                latency_max,
                goal_rate,
                baseline,
            };
            (runs, rules)
        })
}

/// 0 passed, 1 unfinished, 2 failed: how bad a verdict is.
fn badness(exit: u8) -> u8 {
    match exit {
        0 => 0,
        3 => 1,
        _ => 2,
    }
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn the_engine_agrees_with_the_reference((runs, rules) in batch()) {
        let want = reference(&runs, &rules);
        let got = with_engine(&runs, &rules, engine_verdict);
        prop_assert_eq!(got, want, "rules: {:?}", rules);
    }

    #[test]
    fn a_worse_run_never_improves_the_verdict_and_a_better_one_never_worsens_it(
        (runs, rules) in batch(),
        pick in any::<prop::sample::Index>(),
        add in cat(),
    ) {
        let before = with_engine(&runs, &rules, vocera_gate::exit::code);
        let i = pick.index(runs.len());
        let mut worse = runs.clone();
        worse[i].success = Some(false);
        worse[i].review = None;
        worse[i].cats.push(add);
        let after = with_engine(&worse, &rules, vocera_gate::exit::code);
        prop_assert!(badness(after) >= badness(before), "worse: {} then {}", before, after);
        let mut better = runs.clone();
        better[i].success = Some(true);
        better[i].review = None;
        better[i].cats.clear();
        let after = with_engine(&better, &rules, vocera_gate::exit::code);
        prop_assert!(badness(after) <= badness(before), "better: {} then {}", before, after);
    }

    #[test]
    fn a_baseline_identical_to_the_runs_finds_nothing_new((runs, mut rules) in batch(), mode_new in any::<bool>()) {
        let mode = if mode_new { Mode::New } else { Mode::All };
        let present: Vec<Gen> = runs.iter().filter(|g| g.status != Status::Missing).cloned().collect();
        rules.baseline = Some((present, mode));
        with_engine(&runs, &rules, |eval| -> Result<(), TestCaseError> {
            let c = eval.comparison.as_ref().expect("compared");
            prop_assert!(c.regressions.is_empty() && c.new_reasons.is_empty() && c.new_scenarios.is_empty(), "{:?}", c);
            for r in &eval.results {
                let class = r.baseline.map(|c| c.word());
                prop_assert!(
                    !matches!(class, Some("regression" | "new failure reason" | "new scenario")),
                    "run {}: {:?}", r.id, class
                );
            }
            Ok(())
        })?;
    }

    #[test]
    fn a_failed_verdict_with_runs_unfinished_stays_failed_however_they_finish(
        (mut runs, rules) in batch(),
        waiting in any::<prop::sample::Index>(),
        endings in prop::collection::vec(select(vec![
            (Status::Completed, Some(true)),
            (Status::Completed, Some(false)),
            (Status::Ended("timeout"), None),
        ]), 14),
        latencies in prop::collection::vec(prop::option::of((1u32..=8).prop_map(|k| k * 500)), 14),
    ) {
        let i = waiting.index(runs.len());
        if runs[i].status == Status::Completed {
            runs[i].status = Status::Waiting("in_progress");
        }
        let before = with_engine(&runs, &rules, vocera_gate::exit::code);
        if before != 1 || !runs.iter().any(|g| matches!(g.status, Status::Waiting(_))) {
            return Ok(());
        }
        let mut finished = runs.clone();
        for (i, g) in finished.iter_mut().enumerate() {
            if matches!(g.status, Status::Waiting(_)) {
                (g.status, g.success) = endings[i % endings.len()].clone();
                g.latency = latencies[i % latencies.len()];
            }
        }
        let after = with_engine(&finished, &rules, vocera_gate::exit::code);
        prop_assert_eq!(after, 1, "a failure with runs unfinished was not final");
    }

    #[test]
    fn a_json_report_and_a_saved_response_of_the_same_runs_are_the_same_baseline(
        (runs, mut rules) in batch(),
        base in runs(101, 14),
        zeroed in select(vec!["low", "medium", "high", "blocker"]),
        mode_new in any::<bool>(),
    ) {
        let mode = if mode_new { Mode::New } else { Mode::All };
        rules.baseline = Some((base.clone(), mode));
        let from_response = with_engine(&runs, &rules, engine_verdict);
        // The report is written under other weights (one priority at 0), as
        // on a main branch configured differently when it was written.
        let mut then = policy(&rules);
        then.weights.set(zeroed, 0);
        let base_runs = parsed(&base);
        let slots: Vec<(u64, Slot<'_>)> = base_runs.iter().map(|r| (r.id, Slot::Found(r))).collect();
        let written = evaluate_against(&then, &slots, Stop::AllFinal, None);
        let report = vocera_gate::render::json::render(&written, "r.xml");
        let read = vocera_gate::render::json::read(&report).expect("a report reads back");
        prop_assert!(read.warning.is_none());
        let policy = policy(&rules);
        let found = parsed(&runs);
        let by_id: BTreeMap<u64, &Run> = found.iter().map(|r| (r.id, r)).collect();
        let slots: Vec<(u64, Slot<'_>)> = runs
            .iter()
            .map(|g| by_id.get(&g.id).map_or((g.id, Slot::Missing), |r| (g.id, Slot::Found(r))))
            .collect();
        let baseline = Baseline::new(&policy, read.runs);
        let eval = evaluate_against(&policy, &slots, Stop::AllFinal, Some(&baseline));
        let from_report = engine_verdict(&eval);
        prop_assert_eq!(from_report, from_response);
    }

    #[test]
    fn the_same_runs_give_byte_identical_reports((runs, rules) in batch()) {
        let render = |e: &Evaluation<'_>| {
            (
                vocera_gate::render::junit::render(e, vocera_gate::render::junit::Options::default()),
                vocera_gate::render::json::render(e, "r.xml"),
            )
        };
        let first = with_engine(&runs, &rules, render);
        let second = with_engine(&runs, &rules, render);
        prop_assert!(first == second, "two renderings differ");
    }
}
