//! The aggregate thresholds, measured over the judged runs: over all
//! completed runs, or each scenario's with `--threshold-scope scenario`.

use super::threshold::{Measured, Scope, measure_row};
use super::{Outcome, Policy, RunResult, Scenario};
use crate::model::Run;

/// Every aggregate threshold, measured; and the mismatches found.
pub(super) fn thresholds(
    policy: &Policy,
    results: &[RunResult<'_>],
    scenarios: &[Scenario],
) -> (Vec<Measured>, Vec<String>) {
    let completed = |r: &RunResult<'_>| -> bool {
        matches!(r.outcome, Outcome::Passed | Outcome::Failed { .. })
    };
    let mut mismatches = Vec::new();
    let measured = policy
        .thresholds
        .iter()
        .filter(|t| t.aggregate.is_some())
        .map(|t| {
            // (scenario name, its runs, whether some are still waiting)
            let scopes: Vec<(Option<String>, Vec<&Run>, bool)> = match policy.threshold_scope {
                Scope::All => vec![(
                    None,
                    results
                        .iter()
                        .filter(|r| completed(r))
                        .filter_map(|r| r.run)
                        .collect(),
                    results.iter().any(|r| r.outcome == Outcome::Unfinished),
                )],
                Scope::Scenario => scenarios
                    .iter()
                    .map(|s| {
                        let members = s.members.iter().map(|&i| &results[i]);
                        (
                            Some(s.name.clone()),
                            members
                                .clone()
                                .filter(|r| completed(r))
                                .filter_map(|r| r.run)
                                .collect(),
                            s.unfinished > 0,
                        )
                    })
                    .collect(),
            };
            let mut rows = Vec::new();
            for (scenario, runs, waiting) in scopes {
                // Nothing finished yet, runs still waiting: not judged yet
                // (the unfinished verdict stands), rather than "no value".
                if runs.is_empty() && waiting {
                    continue;
                }
                let (row, mismatch) = measure_row(t, runs.into_iter(), None, scenario);
                mismatches.extend(mismatch);
                rows.push(row);
            }
            rows.sort_by_key(|r| r.passed);
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
