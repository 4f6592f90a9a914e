//! The exit-code table. Each code means one thing; scripts and CI rely on it.

/// The gate passed.
pub const PASSED: u8 = 0;
/// The gate failed by policy.
pub const FAILED: u8 = 1;
/// Usage or input error: bad flag, bad ID, unreadable or invalid
/// `--from-file`, unwritable output path, missing key.
pub const USAGE: u8 = 2;
/// The deadline passed with runs unfinished, and the finished runs alone do
/// not fail the gate.
pub const UNFINISHED: u8 = 3;
/// The API could not be used: key refused, the service kept failing, or its
/// answers were not the documented JSON.
pub const API: u8 = 4;
/// Cancelled by SIGINT (128 + 2).
pub const SIGINT: u8 = 130;
/// Cancelled by SIGTERM (128 + 15).
pub const SIGTERM: u8 = 143;
/// The machine refused what the gate needs to run at all (its async
/// runtime, its signal handlers): no request was sent, no verdict exists.
pub const SYSTEM: u8 = 5;
/// A bug of ours: the gate panicked. Rust's own code for a panic, left out
/// of [`HELP`], which lists what users can act on.
pub const INTERNAL: u8 = 101;

/// The table as printed at the end of `--help`.
pub const HELP: &str = "\
Exit codes:
  0    the gate passed
  1    the gate failed by policy
  2    usage or input error (bad flag or ID, invalid saved response or spec, unwritable output, missing key)
  3    the deadline passed with runs unfinished (and the finished runs do not fail the gate)
  4    the API could not be used (key refused, service kept failing, undocumented answers)
  5    the system refused what the gate needs to run (async runtime, signal handlers)
  101  an internal error of the gate (a bug: please report it)
  130  cancelled by SIGINT; 143 cancelled by SIGTERM
With --report-only, 1 and 3 become 0.";

use crate::ending::{Signal, Stop, Verdict};
use crate::policy::{Enforcement, Evaluation};

/// The exit code for how waiting stopped and what the gate concluded.
pub fn code(eval: &Evaluation<'_>) -> u8 {
    code_of(&eval.stop, eval.verdict, eval.enforcement)
}

fn code_of(stop: &Stop, verdict: Verdict, enforcement: Enforcement) -> u8 {
    let judged = match (stop, verdict) {
        (Stop::Cancelled(Signal::Interrupt), _) => return SIGINT,
        (Stop::Cancelled(Signal::Terminate), _) => return SIGTERM,
        (Stop::ApiFailed(_), _) => return API,
        (Stop::AllFinal | Stop::Replayed | Stop::Deadline, Verdict::Passed) => PASSED,
        (Stop::AllFinal | Stop::Replayed | Stop::Deadline, Verdict::Failed) => FAILED,
        (Stop::AllFinal | Stop::Replayed | Stop::Deadline, Verdict::Unfinished) => UNFINISHED,
    };
    match enforcement {
        Enforcement::Gate => judged,
        Enforcement::ReportOnly => PASSED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Enforcement::{Gate, ReportOnly};

    #[test]
    fn each_outcome_has_its_code() {
        let cases = [
            (Stop::AllFinal, Verdict::Passed, Gate, 0, "passed"),
            (Stop::AllFinal, Verdict::Failed, Gate, 1, "failed"),
            (Stop::Deadline, Verdict::Unfinished, Gate, 3, "unfinished"),
            (
                Stop::Replayed,
                Verdict::Unfinished,
                Gate,
                3,
                "unfinished when saved",
            ),
            (
                Stop::Deadline,
                Verdict::Failed,
                Gate,
                1,
                "finished runs already fail the gate",
            ),
            (Stop::ApiFailed("x".into()), Verdict::Passed, Gate, 4, "API"),
            (
                Stop::ApiFailed("x".into()),
                Verdict::Failed,
                ReportOnly,
                4,
                "report-only does not hide a broken API",
            ),
            (
                Stop::Cancelled(Signal::Interrupt),
                Verdict::Failed,
                Gate,
                130,
                "SIGINT",
            ),
            (
                Stop::Cancelled(Signal::Terminate),
                Verdict::Passed,
                ReportOnly,
                143,
                "SIGTERM",
            ),
            (
                Stop::AllFinal,
                Verdict::Failed,
                ReportOnly,
                0,
                "report-only",
            ),
            (
                Stop::Deadline,
                Verdict::Unfinished,
                ReportOnly,
                0,
                "report-only",
            ),
        ];
        for (stop, verdict, enforcement, want, why) in cases {
            assert_eq!(code_of(&stop, verdict, enforcement), want, "{why}");
        }
    }
}
