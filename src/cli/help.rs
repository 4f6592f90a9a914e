//! What `--help` and the man page say after the options: examples in the
//! command form, then the exit codes.

use crate::exit;

/// Every command at a glance: the top-level help's and the man page's.
pub(super) const EXAMPLES: &str = "\
Examples:
  vocera-gate gate 181,180                      # the key from VOCERA_API_KEY
  vocera-gate gate --run-ids-file ids.txt --max-score 5 --save-response runs.json
  vocera-gate replay runs.json                  # a saved response: no key, no network
  vocera-gate result 9876 --api cekura          # every run of a result
  vocera-gate start --agent-id 42 --scenarios 101,102 --frequency 3   # start runs, then gate them
  vocera-gate suite cekura.tests.json --agent-id 42
  vocera-gate suite cekura.tests.json --check   # check the spec only
";

fn with_exit_codes(examples: &str) -> String {
    format!("{examples}\n{}", exit::HELP)
}

pub(super) fn top() -> String {
    with_exit_codes(EXAMPLES)
}

pub(super) fn gate() -> String {
    with_exit_codes(
        "\
Examples:
  vocera-gate gate 181,180                      # the key from VOCERA_API_KEY
  vocera-gate gate --run-ids-file ids.txt --max-score 5 --save-response runs.json
  vocera-gate gate 181 180 --min-pass-rate 0.8 --threshold 'p95(Latency)<=2500'
",
    )
}

pub(super) fn replay() -> String {
    with_exit_codes(
        "\
Examples:
  vocera-gate replay runs.json
  vocera-gate replay runs.json 181 --json verdict.json
  vocera-gate replay runs.json --suite cekura.tests.json   # a suite's saved runs
",
    )
}

pub(super) fn result() -> String {
    with_exit_codes(
        "\
Examples:
  vocera-gate result 9876 --api cekura
  vocera-gate result 9876 --api cekura --timeout 45m --json verdict.json
",
    )
}

pub(super) fn start() -> String {
    with_exit_codes(
        "\
Examples:
  vocera-gate start --agent-id 42 --scenarios 101,102 --frequency 3
  vocera-gate start --agent-id 42 --tags smoke --run-name nightly
  vocera-gate start --agent-id 42 --folder-path Sales.Inbound --project-id 7 --dry-run
",
    )
}

pub(super) fn suite() -> String {
    with_exit_codes(
        "\
Examples:
  vocera-gate suite cekura.tests.json --check                 # no key, no network
  vocera-gate suite cekura.tests.json --agent-id 42
  vocera-gate suite cekura.tests.json --agent-id 42 --channel text --dry-run
",
    )
}
