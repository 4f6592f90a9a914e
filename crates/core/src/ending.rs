//! How a gate run ends, in one vocabulary: why waiting stopped ([`Stop`]),
//! what the policy concluded from the runs ([`Verdict`]), and the one word CI
//! reads off both ([`Conclusion`]). The exit code (`exit`) and every report
//! are read off these values, so they cannot disagree.

use serde::Serialize;

/// A signal from the CI system that cancels the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// Why waiting for the runs stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Every requested run is final or missing.
    AllFinal,
    /// A saved response was replayed: no waiting, each run as saved (a run
    /// unfinished in it was unfinished when the live run's deadline passed).
    Replayed,
    /// The `--timeout` deadline passed with runs unfinished.
    Deadline,
    /// The CI system cancelled the gate.
    Cancelled(Signal),
    /// The API could not be used; the message says why.
    ApiFailed(String),
}

impl Stop {
    /// Whether waiting ended as planned, so the verdict covers every run it
    /// could: not cut short by a signal or a failing API.
    pub(crate) fn is_complete(&self) -> bool {
        matches!(self, Stop::AllFinal | Stop::Replayed | Stop::Deadline)
    }

    /// The API's failure, when that is why waiting stopped.
    pub fn api_error(&self) -> Option<&str> {
        match self {
            Stop::ApiFailed(message) => Some(message),
            _ => None,
        }
    }

    /// When unfinished runs were last seen unfinished, for their errors.
    pub fn when(&self) -> &'static str {
        match self {
            // A replayed response was saved when the live run's deadline
            // passed (a cancelled or failed live run saves none), and the
            // replay's JUnit matches the live one's byte for byte.
            Stop::AllFinal | Stop::Replayed | Stop::Deadline => "when the deadline passed",
            Stop::Cancelled(_) => "when the gate was cancelled",
            Stop::ApiFailed(_) => "when the API stopped answering",
        }
    }
}

/// What the policy concludes from the runs that are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// At least one rule broke (even if runs were also unfinished).
    Failed,
    /// Runs were unfinished and the finished ones broke no rule.
    Unfinished,
}

/// The verdict as CI reads it (the Action's `verdict` output, the JSON's
/// `verdict`): the policy's verdict when waiting ended as planned, `Error`
/// when a signal or the API cut it short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Conclusion {
    Passed,
    Failed,
    TimedOut,
    /// The API failed, or the gate was cancelled: no complete verdict.
    Error,
}

impl Conclusion {
    pub(crate) fn of(stop: &Stop, verdict: Verdict) -> Conclusion {
        if !stop.is_complete() {
            return Conclusion::Error;
        }
        match verdict {
            Verdict::Passed => Conclusion::Passed,
            Verdict::Failed => Conclusion::Failed,
            Verdict::Unfinished => Conclusion::TimedOut,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Conclusion::Passed => "passed",
            Conclusion::Failed => "failed",
            Conclusion::TimedOut => "timed-out",
            Conclusion::Error => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_wait_is_no_verdict() {
        for stop in [
            Stop::Cancelled(Signal::Terminate),
            Stop::ApiFailed("x".into()),
        ] {
            assert_eq!(
                Conclusion::of(&stop, Verdict::Passed),
                Conclusion::Error,
                "{stop:?} cut the wait short"
            );
        }
        assert_eq!(
            Conclusion::of(&Stop::Deadline, Verdict::Unfinished),
            Conclusion::TimedOut
        );
        assert_eq!(
            Conclusion::of(&Stop::AllFinal, Verdict::Failed),
            Conclusion::Failed
        );
    }
}
