//! The words of a comparison with a baseline: the mode (`--baseline-mode`)
//! and the class of each run and scenario. Kept apart from `baseline`, which
//! judges, so the run and scenario types can carry a class without
//! importing the judging.

/// `--baseline-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Only regressions, new failure reasons and new scenarios count.
    #[default]
    New,
    /// Everything counts as without a baseline; the reports compare.
    All,
}

/// How a current run or scenario compares with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// A failing run whose baseline scenario had no failing run; a
    /// failing scenario whose baseline scenario passed.
    Regression,
    /// Failed in the baseline too, but now for a reason it did not have.
    NewReason,
    /// Not in the baseline: judged as without one.
    NewScenario,
    /// Fails now for reasons the baseline had: does not fail the gate.
    Known,
    /// Its scenario failed in the baseline and passes now.
    Fixed,
    /// Passed in both.
    Passing,
}

impl Class {
    /// Whether a failure of this class counts toward the gate (mode `new`).
    pub fn counts(self) -> bool {
        !matches!(self, Class::Known)
    }

    /// As the reports say it.
    pub fn word(self) -> &'static str {
        match self {
            Class::Regression => "regression",
            Class::NewReason => "new failure reason",
            Class::NewScenario => "new scenario",
            Class::Known => "known failure",
            Class::Fixed => "fixed",
            Class::Passing => "passing",
        }
    }
}
