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
    assert!(Class::Regression.counts() && Class::NewReason.counts() && Class::NewScenario.counts());
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
