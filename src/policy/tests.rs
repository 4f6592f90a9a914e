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
