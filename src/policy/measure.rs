//! The aggregate thresholds, measured over the judged runs: over all
//! completed runs, or each scenario's with `--threshold-scope scenario`.

use super::baseline::Baseline;
use super::threshold::{Measured, NoValue, Scope, Value, aggregate, measure_row};
use super::{Outcome, Policy, RunResult, Scenario};
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
            // (scenario name, its runs, whether some are still waiting,
            // the same aggregate over the baseline when the limit needs it)
            let base = |runs: Option<Vec<&Run>>| -> Option<Result<Value, NoValue>> {
                t.needs_baseline().then(|| match runs {
                    Some(runs) => aggregate(t, runs.into_iter()),
                    None => Err(NoValue::Nothing(
                        "the scenario is not in the baseline".into(),
                    )),
                })
            };
            type Scope4<'r> = (
                Option<String>,
                Vec<&'r Run>,
                bool,
                Option<Result<Value, NoValue>>,
            );
            let scopes: Vec<Scope4<'_>> = match policy.threshold_scope {
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
                            Some(s.name.clone()),
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
            };
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
