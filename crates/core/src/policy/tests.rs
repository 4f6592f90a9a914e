//! The policy's unit tests: scores, budgets, errored, missing and
//! unfinished runs.

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
fn a_missing_run_is_no_scenario_and_the_errored_budget_excuses_it() {
    let runs = [run(100, "completed", Some(true), &[])];
    let policy = Policy {
        max_errored_runs: 1,
        min_pass_rate: "0.8".parse().ok(),
        ..Policy::default()
    };
    let eval = eval_in(&policy, &runs, &[97], Stop::AllFinal);
    assert_eq!(eval.verdict, Verdict::Passed, "{:?}", eval.broken);
    assert_eq!(eval.scenarios.len(), 1, "run 97 is no scenario");
    assert_eq!(eval.counts.missing, 1, "still reported as missing");
    let strict = Policy {
        max_errored_runs: 0,
        ..policy
    };
    let eval = eval_in(&strict, &runs, &[97], Stop::AllFinal);
    assert_eq!(
        eval.broken,
        vec![Rule::Errored {
            count: 0,
            missing: 1,
            max: 0
        }],
        "an infrastructure error, never a scenario below its rate"
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

/// Scenario `sid`'s run `id`: completed, passing or failing with one
/// category per priority given.
fn of(id: u64, sid: i64, status: &str, ok: Option<bool>, priorities: &[&str]) -> Run {
    let mut r = run(id, status, ok, priorities);
    r.scenario_id = Some(sid);
    r.scenario_name = Some(format!("S{sid}"));
    r
}

#[test]
fn a_failure_the_baseline_had_is_known_under_a_rate_too() {
    // Refund at 4/5 in both, the failed run with the same medium category.
    let runs = |base: u64| -> Vec<Run> {
        (0..5)
            .map(|k| {
                let ok = k != 0;
                let p: &[&str] = if ok { &[] } else { &["medium"] };
                of(base + k, 1, "completed", Some(ok), p)
            })
            .collect()
    };
    for rate in [None, Some("0.8")] {
        let policy = Policy {
            min_pass_rate: rate.and_then(|r| r.parse().ok()),
            ..Policy::default()
        };
        let base = baseline::Baseline::new(&policy, runs(100));
        let now = runs(200);
        let slots: Vec<_> = now.iter().map(|r| (r.id, Slot::Found(r))).collect();
        let eval = evaluate_against(&policy, &slots, Stop::AllFinal, Some(&base));
        assert_eq!(eval.verdict, Verdict::Passed, "{rate:?}: {:?}", eval.broken);
        assert_eq!(
            eval.results[0].baseline,
            Some(baseline::Class::Known),
            "{rate:?}"
        );
        assert!(eval.results[0].known, "{rate:?}: discounted");
        assert_eq!(eval.score, 0, "{rate:?}");
        let c = eval.comparison.as_ref().expect("compared");
        assert!(
            c.regressions.is_empty() && c.new_reasons.is_empty(),
            "{rate:?}: {c:?}"
        );
        let passing: Vec<_> = eval.results[1..].iter().map(|r| r.baseline).collect();
        assert!(
            passing.iter().all(|c| *c == Some(baseline::Class::Passing)),
            "{rate:?}: a passing run of a scenario that did not change is no fix: {passing:?}"
        );
    }
}

#[test]
fn a_new_failure_in_a_scenario_that_met_its_rate_is_a_regression() {
    let policy = Policy {
        min_pass_rate: "0.8".parse().ok(),
        ..Policy::default()
    };
    let base = baseline::Baseline::new(
        &policy,
        (0..5)
            .map(|k| of(100 + k, 1, "completed", Some(true), &[]))
            .collect(),
    );
    let now: Vec<Run> = (0..5)
        .map(|k| {
            of(
                200 + k,
                1,
                "completed",
                Some(k != 0),
                if k == 0 { &["medium"] } else { &[] },
            )
        })
        .collect();
    let slots: Vec<_> = now.iter().map(|r| (r.id, Slot::Found(r))).collect();
    let eval = evaluate_against(&policy, &slots, Stop::AllFinal, Some(&base));
    assert_eq!(eval.results[0].baseline, Some(baseline::Class::Regression));
    assert!(!eval.results[0].known);
    assert_eq!(
        eval.broken,
        vec![Rule::Score { score: 3, max: 0 }],
        "it counts"
    );
}

#[test]
fn a_rate_its_unfinished_runs_can_still_reach_is_not_final() {
    let policy = Policy {
        min_pass_rate: "0.8".parse().ok(),
        ..Policy::default()
    };
    let mut runs = vec![of(1, 1, "completed", Some(false), &[])];
    runs.extend((2..=5).map(|id| of(id, 1, "in_progress", None, &[])));
    let eval = eval_in(&policy, &runs, &[], Stop::Deadline);
    assert_eq!(eval.verdict, Verdict::Unfinished, "{:?}", eval.broken);
    assert_eq!(
        eval.conclusion(),
        crate::ending::Conclusion::TimedOut,
        "exit 3"
    );
    assert_eq!(eval.scenarios[0].met, Some(RateCheck::NotFinal));
    // Two failures: 3/5 at best, below whatever the others do.
    runs[1] = of(2, 1, "completed", Some(false), &[]);
    let eval = eval_in(&policy, &runs, &[], Stop::Deadline);
    assert_eq!(eval.verdict, Verdict::Failed);
    assert_eq!(eval.scenarios[0].met, Some(RateCheck::Below));
}

#[test]
fn runs_of_deleted_scenarios_are_never_one_scenario() {
    let deleted = |id: u64, ok: bool| {
        let mut r = run(id, "completed", Some(ok), &[]);
        r.scenario_id = None;
        r.scenario_name = Some("Scenario Deleted".into());
        r
    };
    let policy = Policy {
        min_pass_rate: "1".parse().ok(),
        ..Policy::default()
    };
    let runs = [deleted(1, true), deleted(2, false)];
    let eval = eval_in(&policy, &runs, &[], Stop::AllFinal);
    assert_eq!(eval.scenarios.len(), 2, "one each");
    let base = baseline::Baseline::new(&policy, vec![deleted(8, false), deleted(2, true)]);
    assert_eq!(base.scenarios.len(), 2, "one each");
    let slots: Vec<_> = runs.iter().map(|r| (r.id, Slot::Found(r))).collect();
    let eval = evaluate_against(&policy, &slots, Stop::AllFinal, Some(&base));
    let c = eval.comparison.as_ref().expect("compared");
    assert_eq!(c.shared, 1, "only the same run matches: {c:?}");
    assert_eq!(eval.results[0].baseline, Some(baseline::Class::NewScenario));
    assert_eq!(eval.results[1].baseline, Some(baseline::Class::Regression));
}
