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

/// The table as printed at the end of `--help`.
pub const HELP: &str = "\
Exit codes:
  0    the gate passed
  1    the gate failed by policy
  2    usage or input error (bad flag or ID, invalid --from-file, unwritable output, missing key)
  3    the deadline passed with runs unfinished (and the finished runs do not fail the gate)
  4    the API could not be used (key refused, service kept failing, undocumented answers)
  130  cancelled by SIGINT; 143 cancelled by SIGTERM
With --report-only, 1 and 3 become 0.";

use crate::policy::Verdict;
use crate::poll::{Signal, Stop};

/// The exit code for how waiting stopped and what the gate concluded.
pub fn code(stop: &Stop, verdict: Verdict, report_only: bool) -> u8 {
    let judged = match (stop, verdict) {
        (Stop::Cancelled(Signal::Interrupt), _) => return SIGINT,
        (Stop::Cancelled(Signal::Terminate), _) => return SIGTERM,
        (Stop::ApiFailed(_), _) => return API,
        (Stop::Done | Stop::Deadline, Verdict::Passed) => PASSED,
        (Stop::Done | Stop::Deadline, Verdict::Failed) => FAILED,
        (Stop::Done | Stop::Deadline, Verdict::Unfinished) => UNFINISHED,
    };
    if report_only { PASSED } else { judged }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_has_its_code() {
        assert_eq!(code(&Stop::Done, Verdict::Passed, false), 0);
        assert_eq!(code(&Stop::Done, Verdict::Failed, false), 1);
        assert_eq!(code(&Stop::Deadline, Verdict::Unfinished, false), 3);
        assert_eq!(
            code(&Stop::Deadline, Verdict::Failed, false),
            1,
            "finished runs already fail the gate"
        );
        assert_eq!(
            code(&Stop::ApiFailed("x".into()), Verdict::Passed, false),
            4
        );
        assert_eq!(
            code(&Stop::ApiFailed("x".into()), Verdict::Failed, true),
            4,
            "report-only does not hide a broken API"
        );
        assert_eq!(
            code(&Stop::Cancelled(Signal::Interrupt), Verdict::Failed, false),
            130
        );
        assert_eq!(
            code(&Stop::Cancelled(Signal::Terminate), Verdict::Passed, true),
            143
        );
        assert_eq!(code(&Stop::Done, Verdict::Failed, true), 0, "report-only");
        assert_eq!(
            code(&Stop::Deadline, Verdict::Unfinished, true),
            0,
            "report-only"
        );
    }
}
