//! Each result's test identity (`classname` + `name`), computed once for
//! every report. It comes from the scenario, never from the run ID, so CI
//! tools track a scenario's history across pipelines; a scenario seen twice
//! in one report gets a stable ordinal (`#2`).

use super::RunResult;
use std::collections::{HashMap, HashSet};

/// A test case's stable identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CaseName {
    /// `vocera.scenario_67`, `vocera.scenario`, `vocera.run`, `vocera.missing`.
    pub classname: String,
    /// The scenario's name, with `#N` for a repeat.
    pub name: String,
}

/// Names every result in order. A repeat gets the first ordinal (`#2`,
/// `#3`, ...) that no other case in the report uses, so a scenario really
/// named `Demo #2` cannot collide with it.
pub(super) fn assign(results: &mut [RunResult<'_>]) {
    let bases: Vec<CaseName> = results.iter().map(base_name).collect();
    let mut taken: HashSet<CaseName> = bases.iter().cloned().collect();
    let mut first_seen: HashSet<&CaseName> = HashSet::with_capacity(bases.len());
    let mut next_ordinal: HashMap<&CaseName, usize> = HashMap::new();
    // Repeats are numbered in run-ID order, whatever order they were asked in.
    let mut order: Vec<usize> = (0..results.len()).collect();
    order.sort_by_key(|&i| results[i].id);
    for i in order {
        let base = &bases[i];
        results[i].case = if first_seen.insert(base) {
            base.clone()
        } else {
            let n = next_ordinal.entry(base).or_insert(2);
            loop {
                let candidate = CaseName {
                    classname: base.classname.clone(),
                    name: format!("{} #{n}", base.name),
                };
                *n += 1;
                if taken.insert(candidate.clone()) {
                    break candidate;
                }
            }
        };
    }
}

/// The run's scenario name, trimmed; `None` when missing or blank.
pub(super) fn scenario_name(run: &crate::model::Run) -> Option<&str> {
    run.scenario_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
}

fn base_name(result: &RunResult<'_>) -> CaseName {
    let (classname, name) = match result.run {
        None => ("vocera.missing".to_owned(), format!("run {}", result.id)),
        Some(run) => {
            let name = scenario_name(run);
            match (run.scenario_id, name) {
                (Some(sid), Some(name)) => (format!("vocera.scenario_{sid}"), name.to_owned()),
                (Some(sid), None) => (format!("vocera.scenario_{sid}"), format!("scenario {sid}")),
                (None, Some(name)) => ("vocera.scenario".to_owned(), name.to_owned()),
                (None, None) => ("vocera.run".to_owned(), format!("run {}", run.id)),
            }
        }
    };
    CaseName { classname, name }
}

#[cfg(test)]
mod tests {
    use crate::model::Run;
    use crate::policy::fixtures::{eval_of, run};

    fn names(runs: &[Run], missing: &[u64]) -> Vec<(String, String)> {
        eval_of(runs, missing)
            .results
            .into_iter()
            .map(|r| (r.case.classname, r.case.name))
            .collect()
    }

    #[test]
    fn names_come_from_the_scenario_with_ordinals_for_repeats() {
        let mut runs: Vec<Run> = (1..=3)
            .map(|i| run(i, "completed", Some(true), &[]))
            .collect();
        for r in &mut runs[..2] {
            r.scenario_id = Some(67);
            r.scenario_name = Some("Demo".into());
        }
        runs[2].scenario_id = None;
        runs[2].scenario_name = None;
        let got = names(&runs, &[9]);
        let want = [
            ("vocera.scenario_67", "Demo"),
            ("vocera.scenario_67", "Demo #2"),
            ("vocera.run", "run 3"),
            ("vocera.missing", "run 9"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(c, n)| ((*c).to_owned(), (*n).to_owned()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn ordinals_never_collide_with_real_names() {
        let mut runs: Vec<Run> = (1..=4)
            .map(|i| run(i, "completed", Some(true), &[]))
            .collect();
        for (r, name) in runs.iter_mut().zip(["Demo", "Demo #2", "Demo", "Demo"]) {
            r.scenario_id = Some(67);
            r.scenario_name = Some(name.into());
        }
        let got: Vec<String> = names(&runs, &[]).into_iter().map(|(_, n)| n).collect();
        assert_eq!(
            got,
            ["Demo", "Demo #2", "Demo #3", "Demo #4"],
            "unique and stable"
        );
    }
}
