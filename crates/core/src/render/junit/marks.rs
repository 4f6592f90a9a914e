//! Why a red test case did or did not fail the gate.
//!
//! JUnit readers (Jenkins' junit step, dorny/test-reporter, GitLab) show
//! every `<failure>` and `<error>` as red, while the exit code applies the
//! policy: a failure within `--max-score`, a known failure of the baseline,
//! a flaky failure of a scenario that met its pass rate do not fail the
//! gate. Each such case says so, in a `gate` property and at the start of
//! its message, so a reader of the report sees why the gate still passed.

use crate::policy::{Evaluation, Outcome, Rule, RunResult};

/// What a failing or errored case counted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Mark {
    /// A reason the gate failed (it feeds a broken rule).
    Counted,
    /// Within the policy's limits; the words say which.
    Tolerated(String),
    /// A failure the baseline had too (`--baseline-mode new`): not counted.
    Known,
}

impl Mark {
    /// The value of the case's `gate` property.
    pub(super) fn word(&self) -> &'static str {
        match self {
            Mark::Counted => "counted",
            Mark::Tolerated(_) => "tolerated",
            Mark::Known => "known",
        }
    }

    /// What goes before the message (nothing for a counted failure).
    pub(super) fn prefix(&self) -> String {
        match self {
            Mark::Counted => String::new(),
            Mark::Tolerated(why) => format!("tolerated: {why}: "),
            Mark::Known => "known failure, also in the baseline: ".to_owned(),
        }
    }

    /// The line added to the body.
    pub(super) fn line(&self) -> Option<String> {
        match self {
            Mark::Counted => None,
            Mark::Tolerated(why) => Some(format!(
                "Tolerated ({why}): not a reason the gate failed.\n"
            )),
            Mark::Known => Some(
                "The baseline failed the same way (--baseline): a known failure, not a reason the gate failed.\n"
                    .to_owned(),
            ),
        }
    }
}

/// The mark of a case with a `<failure>`, `<flakyFailure>` or an `<error>`
/// the policy judges (an errored or missing run); `None` for a passing or
/// unfinished one (unfinished runs end the gate with their own code).
pub(super) fn mark(eval: &Evaluation<'_>, result: &RunResult<'_>) -> Option<Mark> {
    let broken = |f: fn(&Rule) -> bool| eval.broken.iter().any(f);
    match result.outcome {
        Outcome::Passed | Outcome::Unfinished => None,
        Outcome::Errored | Outcome::Missing => {
            if broken(|r| matches!(r, Rule::Errored { .. })) {
                Some(Mark::Counted)
            } else {
                Some(Mark::Tolerated("within --max-errored-runs".to_owned()))
            }
        }
        Outcome::Failed { .. } if result.known => Some(Mark::Known),
        Outcome::Failed { unsuccessful } => {
            let scored = result.score() > 0;
            let by_rate = result
                .scenario
                .and_then(|i| eval.scenarios.get(i))
                .and_then(|s| s.met.map(|_| s.below()));
            let counted_runs = unsuccessful || !result.breaches.is_empty();
            let counted = (scored && broken(|r| matches!(r, Rule::Score { .. })))
                || (by_rate == Some(true) && broken(|r| matches!(r, Rule::FailedScenarios { .. })))
                || (by_rate.is_none()
                    && counted_runs
                    && broken(|r| matches!(r, Rule::FailedRuns { .. })));
            if counted {
                return Some(Mark::Counted);
            }
            let mut within = Vec::new();
            if result.tolerated || by_rate == Some(false) {
                within.push("its scenario met --min-pass-rate".to_owned());
            } else if by_rate == Some(true) {
                within.push("within --max-failed-scenarios".to_owned());
            }
            if scored {
                within.push(format!(
                    "within --max-score {} (score {})",
                    eval.max_score, eval.score
                ));
            }
            if by_rate.is_none() && counted_runs {
                within.push(format!(
                    "within --max-failed-runs ({} unsuccessful)",
                    eval.counts.unsuccessful
                ));
            }
            if within.is_empty() {
                within.push("within the policy's limits".to_owned());
            }
            Some(Mark::Tolerated(within.join(" and ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
    use crate::policy::fixtures::run;
    use crate::render::junit::{Options, render};

    fn eval_with<'a>(policy: &Policy, runs: &'a [crate::model::Run]) -> Evaluation<'a> {
        crate::policy::fixtures::eval_in(policy, runs, &[], crate::ending::Stop::AllFinal)
    }

    #[test]
    fn a_failure_within_max_score_is_marked_tolerated() {
        let runs = [
            run(1, "completed", Some(true), &["medium"]),
            run(2, "completed", Some(true), &[]),
        ];
        let policy = Policy {
            max_score: 5,
            ..Policy::default()
        };
        let eval = eval_with(&policy, &runs);
        assert!(eval.broken.is_empty(), "{:?}", eval.broken);
        assert_eq!(
            mark(&eval, &eval.results[0]),
            Some(Mark::Tolerated("within --max-score 5 (score 3)".into()))
        );
        assert_eq!(mark(&eval, &eval.results[1]), None);
        let xml = render(&eval, Options::default());
        assert!(
            xml.contains("<property name=\"gate\" value=\"tolerated\"/>"),
            "{xml}"
        );
        assert!(
            xml.contains("<failure message=\"tolerated: within --max-score 5 (score 3): [medium] medium problem\""),
            "{xml}"
        );
        assert!(
            xml.contains(
                "Tolerated (within --max-score 5 (score 3)): not a reason the gate failed.\n"
            ),
            "{xml}"
        );
    }

    #[test]
    fn a_failure_over_the_limits_is_counted_and_keeps_its_message() {
        let runs = [run(1, "completed", Some(false), &["high"])];
        let eval = eval_with(&Policy::default(), &runs);
        assert_eq!(mark(&eval, &eval.results[0]), Some(Mark::Counted));
        let xml = render(&eval, Options::default());
        // Counted is the default: no property, the report as before marks.
        assert!(!xml.contains("<property name=\"gate\""), "{xml}");
        assert!(
            xml.contains("<failure message=\"[high] high problem\""),
            "{xml}"
        );
    }

    #[test]
    fn unsuccessful_within_max_failed_runs_and_errors_within_their_budget() {
        let runs = [
            run(1, "completed", Some(false), &[]),
            run(2, "failed", None, &[]),
        ];
        let policy = Policy {
            max_failed_runs: 1,
            max_errored_runs: 1,
            ..Policy::default()
        };
        let eval = eval_with(&policy, &runs);
        assert!(eval.broken.is_empty(), "{:?}", eval.broken);
        assert_eq!(
            mark(&eval, &eval.results[0]),
            Some(Mark::Tolerated(
                "within --max-failed-runs (1 unsuccessful)".into()
            ))
        );
        assert_eq!(
            mark(&eval, &eval.results[1]),
            Some(Mark::Tolerated("within --max-errored-runs".into()))
        );
        // One budget broken, the other kept: only that one's cases count.
        let strict = Policy {
            max_failed_runs: 1,
            ..Policy::default()
        };
        let eval = eval_with(&strict, &runs);
        assert!(matches!(
            mark(&eval, &eval.results[0]),
            Some(Mark::Tolerated(_))
        ));
        assert_eq!(mark(&eval, &eval.results[1]), Some(Mark::Counted));
    }
}
