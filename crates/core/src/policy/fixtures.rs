//! Runs and evaluations for the core's unit tests.

use super::{Evaluation, Policy, Slot, evaluate};
use crate::ending::Stop;
use crate::model::{Category, Run, Status};

/// A run of scenario `id * 10` ("Scenario {id}"), lasting 62 s, with one
/// critical category per priority given.
pub(crate) fn run(id: u64, status: &str, success: Option<bool>, priorities: &[&str]) -> Run {
    Run {
        id,
        scenario_id: Some(id as i64 * 10),
        scenario_name: Some(format!("Scenario {id}")),
        success,
        status: Status::parse(Some(status)),
        metrics: Vec::new(),
        categories: priorities
            .iter()
            .map(|p| Category {
                name: format!("{p} problem"),
                detail: format!("how the {p} problem showed"),
                priority: Some((*p).to_owned()),
                wrongly_marked: false,
                feedback: None,
                deviation: None,
            })
            .collect(),
        transcript: None,
        duration_ms: Some(62_000),
        recording_url: None,
        timestamp: None,
        error_message: None,
        review: None,
        result_id: None,
        feedback: None,
    }
}

/// The default policy with another `--max-score`.
pub(crate) fn max_score(max: u64) -> Policy {
    Policy {
        max_score: max,
        ..Policy::default()
    }
}

/// `runs` in order, then the `missing` IDs the API did not return.
pub(crate) fn eval_in<'a>(
    policy: &Policy,
    runs: &'a [Run],
    missing: &[u64],
    stop: Stop,
) -> Evaluation<'a> {
    let mut slots: Vec<_> = runs.iter().map(|r| (r.id, Slot::Found(r))).collect();
    slots.extend(missing.iter().map(|id| (*id, Slot::Missing)));
    evaluate(policy, &slots, stop)
}

/// [`eval_in`] under the default policy, every run final.
pub(crate) fn eval_of<'a>(runs: &'a [Run], missing: &[u64]) -> Evaluation<'a> {
    eval_in(&Policy::default(), runs, missing, Stop::AllFinal)
}

/// One run of each kind, for the snapshots of every output: a pass, a
/// failure with two categories (one unscored), an unsuccessful run, a run
/// that ended in error, one still pending; and run 6, missing.
pub(crate) fn sample() -> Vec<Run> {
    let mut failed = run(2, "completed", Some(true), &["high", "not_a_bug"]);
    failed.scenario_name = Some("Refund <over> \"$100\"".into());
    failed.recording_url = Some("https://rec.example/2.mp3".into());
    let mut errored = run(4, "failed", None, &[]);
    errored.error_message = Some("agent hung up".into());
    vec![
        run(1, "completed", Some(true), &[]),
        failed,
        run(3, "completed", Some(false), &["medium"]),
        errored,
        run(5, "pending", None, &[]),
    ]
}

/// The [`sample`] runs with run 6 missing, judged when the deadline passed.
pub(crate) fn sample_eval(runs: &[Run]) -> Evaluation<'_> {
    eval_in(&Policy::default(), runs, &[6], Stop::Deadline)
}

/// Two runs of scenario 70 ("Flaky"): run 1 passes, run 2 is a quality
/// failure with a medium category.
pub(crate) fn flaky() -> Vec<Run> {
    let mut runs = vec![
        run(1, "completed", Some(true), &[]),
        run(2, "completed", Some(false), &["medium"]),
    ];
    for r in &mut runs {
        r.scenario_id = Some(70);
        r.scenario_name = Some("Flaky".into());
    }
    runs
}

/// `runs` judged at `--min-pass-rate 0.5 --max-score 10`: the [`flaky`]
/// scenario meets it, so its failure is tolerated.
pub(crate) fn flaky_eval(runs: &[Run]) -> Evaluation<'_> {
    let policy = Policy {
        min_pass_rate: "0.5".parse().ok(),
        ..max_score(10)
    };
    eval_in(&policy, runs, &[], Stop::AllFinal)
}

/// `runs` compared with a baseline of the same runs, of `commit`, saved
/// `days` ago (whole days, so the age is fixed).
pub(crate) fn compared<'a>(
    runs: &'a [Run],
    commit: Option<&str>,
    days: Option<u64>,
) -> Evaluation<'a> {
    let policy = Policy::default();
    let mut base = super::baseline::Baseline::new(&policy, runs.to_vec());
    base.commit = commit.map(str::to_owned);
    base.age = days.map(|d| std::time::Duration::from_secs(d * 86_400 + 60));
    let slots: Vec<_> = runs.iter().map(|r| (r.id, Slot::Found(r))).collect();
    super::evaluate_against(&policy, &slots, Stop::AllFinal, Some(&base))
}

/// A full commit SHA for the tests (`0123456` shortened).
pub(crate) const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
