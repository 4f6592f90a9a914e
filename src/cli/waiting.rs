//! How long to wait for unfinished runs, and how often to ask: shared by
//! every command that polls the API (`gate`, `result`, `start`, `suite`).

use super::values::duration;
use std::time::Duration;

/// The waiting flags.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Waiting")]
pub struct Waiting {
    /// Deadline for waiting on unfinished runs (200ms, 5s, 10m, 1h30m).
    ///
    /// When it passes with runs still unfinished, the gate judges what it
    /// has: a broken rule still fails (exit 1), otherwise it exits 3 (timed
    /// out); the reports list the unfinished runs. A duration is whole
    /// numbers with units (ms, s, m, h), at most a week. Set it below your
    /// CI job's own limit, so the gate, not the runner, ends the wait and
    /// the reports get written.
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = duration)]
    pub timeout: Duration,

    /// First wait between polls; waits grow with backoff and jitter.
    ///
    /// While every unfinished run is running or evaluating (seconds from
    /// done), the gate waits half of this plus some jitter; otherwise waits
    /// start here and double, with jitter, up to --max-poll-interval, and
    /// start small again after a poll that found newly finished runs.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = duration)]
    pub poll_interval: Duration,

    /// Longest wait between polls.
    ///
    /// Caps the doubling waits of --poll-interval. A larger value sends
    /// fewer requests to the API on long batches; a smaller one ends the
    /// gate sooner after the last run finishes.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = duration)]
    pub max_poll_interval: Duration,
}

impl Waiting {
    /// The defaults, as clap gives them when no flag is passed: what a
    /// replay, which waits for nothing, hands on.
    pub(super) fn defaults() -> Waiting {
        use clap::{Args, FromArgMatches};
        let cmd = Waiting::augment_args(clap::Command::new("waiting"));
        // The defaults are constants that parse (the help shows them); a
        // failure here is a bug in this file, caught by every replay test.
        let matches = cmd.get_matches_from(["waiting"]);
        match Waiting::from_arg_matches(&matches) {
            Ok(w) => w,
            Err(e) => unreachable!("the waiting defaults parse: {e}"),
        }
    }
}
