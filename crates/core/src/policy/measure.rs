//! The aggregate thresholds, measured over the judged runs: over all
//! completed runs, or each scenario's with `--threshold-scope scenario`.

use super::baseline::Baseline;
use super::threshold::{Measured, NoValue, Scope, Threshold, Value, aggregate, measure_row};
use super::{Outcome, Policy, RunResult, Scenario, ScenarioKey};
use crate::model::Run;

/// Every aggregate threshold, measured; and the mismatches found.
pub(super) fn thresholds(
    policy: &Policy,
    results: &[RunResult<'_>],
    scenarios: &[Scenario],
    baseline: Option<&Baseline>,
) -> (Vec<Measured>, Vec<String>) {
    let mut mismatches = Vec::new();
    let measured = policy
        .thresholds
        .iter()
        .filter(|t| t.aggregate.is_some())
        .map(|t| {
            let scopes = parts(t, policy, results, scenarios, baseline);
            let per_scenario = policy.threshold_scope == Scope::Scenario;
            let mut rows = Vec::new();
            for (scenario, runs, waiting, base) in scopes {
                // Nothing finished yet, runs still waiting: not judged yet
                // (the unfinished verdict stands), rather than "no value".
                // Per scenario, one whose runs all errored is skipped too:
                // its errors are already --max-errored-runs' to judge.
                if runs.is_empty() && (waiting || per_scenario) {
                    continue;
                }
                let (mut row, mismatch) = measure_row(t, runs.into_iter(), base, scenario);
                // Broken over a part of the runs while others may still
                // change it: not final.
                row.pending = !row.passed && waiting;
                mismatches.extend(mismatch);
                rows.push(row);
            }
            // Fail closed: no scenario had a completed run to measure.
            let waiting_any = results.iter().any(|r| r.outcome == Outcome::Unfinished);
            if rows.is_empty() && per_scenario && !waiting_any {
                let (row, _) = measure_row(t, std::iter::empty(), None, None);
                rows.push(row);
            }
            rows.sort_by_key(|r| (r.passed, r.pending));
            Measured {
                text: t.text.clone(),
                op: t.op,
                limit_text: t.limit_text.clone(),
                passed: rows.iter().all(|r| r.passed),
                rows,
            }
        })
        .collect();
    (measured, mismatches)
}

/// One part of the runs a threshold is measured over: the scenario's label
/// (`None` for all the runs), its completed runs, whether some of its runs
/// are still waiting, and the same aggregate over the baseline when the
/// limit needs it.
type Part<'r> = (
    Option<String>,
    Vec<&'r Run>,
    bool,
    Option<Result<Value, NoValue>>,
);

/// The parts threshold `t` is measured over: all the runs, or each
/// scenario's (`--threshold-scope scenario`).
fn parts<'r>(
    t: &Threshold,
    policy: &Policy,
    results: &[RunResult<'r>],
    scenarios: &[Scenario],
    baseline: Option<&Baseline>,
) -> Vec<Part<'r>> {
    let base = |runs: Option<Vec<&Run>>| -> Option<Result<Value, NoValue>> {
        t.needs_baseline().then(|| match runs {
            Some(runs) => aggregate(t, runs.into_iter()),
            None => Err(NoValue::Nothing(
                "the scenario is not in the baseline".into(),
            )),
        })
    };
    match policy.threshold_scope {
        Scope::All => vec![(
            None,
            results
                .iter()
                .filter(|r| r.outcome.completed())
                .filter_map(|r| r.run)
                .collect(),
            results.iter().any(|r| r.outcome == Outcome::Unfinished),
            base(baseline.map(|b| b.completed(None))),
        )],
        Scope::Scenario => scenarios
            .iter()
            .map(|s| {
                let members = s.members.iter().map(|&i| &results[i]);
                (
                    Some(label(s, scenarios)),
                    members
                        .clone()
                        .filter(|r| r.outcome.completed())
                        .filter_map(|r| r.run)
                        .collect(),
                    s.unfinished > 0,
                    base(baseline.and_then(|b| {
                        let found = b.find(&s.key, Some(&s.name));
                        found.map(|i| b.completed(Some(i)))
                    })),
                )
            })
            .collect(),
    }
}

/// A scenario's row label: its name, and what tells it apart when another
/// scenario has the same name (`Refund (scenario 12)`), so two rows never
/// read alike.
fn label(scenario: &Scenario, all: &[Scenario]) -> String {
    let shared = all
        .iter()
        .filter(|s| s.name == scenario.name)
        .nth(1)
        .is_some();
    if !shared {
        return scenario.name.clone();
    }
    match &scenario.key {
        ScenarioKey::Id(id) => format!("{} (scenario {id})", scenario.name),
        ScenarioKey::Run(id) => format!("{} (run {id})", scenario.name),
        ScenarioKey::Name(_) => format!("{} (no scenario ID)", scenario.name),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{eval_in, run};
    use crate::ending::Stop;
    use crate::model::{Metric, Run};
    use crate::policy::Policy;
    use crate::policy::threshold::Scope;

    fn latency(id: u64, scenario: Option<i64>, name: Option<&str>, ms: f64) -> Run {
        let mut r = run(id, "completed", Some(true), &[]);
        r.scenario_id = scenario;
        r.scenario_name = name.map(str::to_owned);
        r.metrics = vec![Metric {
            name: "Latency".into(),
            value: Some(ms.to_string()),
            number: Some(ms),
            ..Metric::default()
        }];
        r
    }

    #[test]
    fn scenarios_sharing_a_name_get_rows_told_apart() {
        let runs = [
            latency(1, Some(12), Some("Refund"), 1000.0),
            latency(2, Some(13), Some("Refund"), 3000.0),
            latency(3, None, Some("Refund"), 500.0),
            latency(4, Some(14), Some("Billing"), 700.0),
        ];
        let policy = Policy {
            thresholds: vec!["max(Latency)<=2500".parse().expect("valid")],
            threshold_scope: Scope::Scenario,
            ..Policy::default()
        };
        let eval = eval_in(&policy, &runs, &[], Stop::AllFinal);
        let mut rows: Vec<(String, bool)> = eval.thresholds[0]
            .rows
            .iter()
            .map(|r| (r.scenario.clone().unwrap_or_default(), r.passed))
            .collect();
        rows.sort();
        assert_eq!(
            rows,
            [
                ("Billing".to_owned(), true),
                ("Refund (no scenario ID)".to_owned(), true),
                ("Refund (scenario 12)".to_owned(), true),
                ("Refund (scenario 13)".to_owned(), false),
            ]
        );
        assert!(
            eval.thresholds[0]
                .reason()
                .contains("Refund (scenario 13): measured 3000"),
            "{}",
            eval.thresholds[0].reason()
        );
    }
}
