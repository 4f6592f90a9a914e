//! The policy flags: what makes the gate fail. Shared by every command
//! that judges runs (all but `completions` and `man`).

use super::values::{THRESHOLD_HELP, Weight, count, pass_rate, rfc3339, threshold, weight};
use crate::policy::PassRate;
use crate::policy::threshold::Threshold;
use clap::ValueEnum;
use std::path::PathBuf;
use std::time::SystemTime;

/// The policy flags.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Policy")]
pub struct Policy {
    /// Weight of a priority, e.g. high=10 (repeatable; case-insensitive).
    ///
    /// Each critical category of a finished run weighs what its priority
    /// weighs; the weights of the failing categories add up to the score
    /// that --max-score bounds. Defaults: critical=10, high=10, medium=3,
    /// low=1, non-critical=1, not_a_bug=0. An unknown or missing priority
    /// weighs like high (failing closed, with a warning), so --weight high=0
    /// zeroes unknown priorities too; give a new priority its own weight
    /// with --weight blocker=10. Repeat the flag for each priority:
    /// --weight medium=0 --weight low=0.
    #[arg(long = "weight", value_name = "PRIORITY=N", value_parser = weight)]
    pub weights: Vec<Weight>,

    /// Fail when the total weighted score of critical categories is above N.
    ///
    /// The score adds the weight (see --weight) of every critical category
    /// of every finished run, except those a reviewer marked wrongly_marked
    /// and, with --baseline, the known failures. The default 0 fails on any
    /// weighted category; --max-score 9 lets medium and low issues through
    /// up to 9 points but not one high or critical (10). It counts every
    /// run, also with --min-pass-rate.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        value_parser = count,
        allow_negative_numbers = true
    )]
    pub max_score: u64,

    /// Fail when more than N runs have success: false [default: 0] (not with --min-pass-rate).
    ///
    /// A completed run whose reviewer's decision (else its success field) is
    /// not true, or that broke a per-run --threshold, is unsuccessful; a
    /// missing success counts as not true. Errored runs are counted by
    /// --max-errored-runs instead. With --min-pass-rate, scenarios are
    /// counted instead (--max-failed-scenarios), and giving both is a usage
    /// error (exit 2).
    #[arg(
        long,
        value_name = "N",
        value_parser = count,
        allow_negative_numbers = true
    )]
    pub max_failed_runs: Option<u64>,

    /// Judge scenarios over repeated runs: a scenario passes when this share
    /// of its judged runs pass, e.g. 0.8 or 80%.
    ///
    /// Runs are grouped by scenario ID (else by scenario name). A scenario's
    /// rate is its passed runs over its passed and failed runs (errored runs
    /// are not judged), compared exactly: 4/5 meets 0.8, 3/4 does not. A
    /// scenario whose runs all errored is below. While runs are unfinished a
    /// scenario is judged only when they cannot change its outcome. The gate
    /// then fails when more than --max-failed-scenarios scenarios are below;
    /// --max-score still counts every run. Example: --min-pass-rate 0.8
    /// --max-score 9 with each scenario run 5 times (--frequency 5).
    // Hyphen values: `-1` or `-80%` is a bad rate, named as one, not an
    // unknown flag.
    #[arg(
        long,
        value_name = "RATE",
        value_parser = pass_rate,
        allow_hyphen_values = true
    )]
    pub min_pass_rate: Option<PassRate>,

    /// With --min-pass-rate: fail when more than N scenarios are below it [default: 0].
    ///
    /// Replaces --max-failed-runs when a rate is given (giving both is a
    /// usage error, exit 2); without --min-pass-rate it is a usage error too.
    #[arg(
        long,
        value_name = "N",
        value_parser = count,
        allow_negative_numbers = true
    )]
    pub max_failed_scenarios: Option<u64>,

    /// Fail when more than N runs ended in an infrastructure error
    /// (failed, timeout, cancelled, unknown status) or were not returned.
    ///
    /// Errored and missing runs count together. With the default 0, any run
    /// the platform could not complete, or any requested ID the API did not
    /// return, fails the gate (each is still reported for what it is); raise
    /// it to tolerate a flaky telephony line, e.g. --max-errored-runs 1.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        value_parser = count,
        allow_negative_numbers = true
    )]
    pub max_errored_runs: u64,

    /// A metric threshold, repeatable: METRIC OP VALUE for each run
    /// ('Latency<=4000', 'Goal reached==true') or AGG(METRIC) OP VALUE over
    /// the runs ('p95(Latency)<=2500', 'rate(Goal reached)>=0.9'); AGG is
    /// avg, min, max, med, pN or p(N), rate. The same check twice counts once.
    #[arg(long = "threshold", value_name = "EXPR", value_parser = threshold, allow_hyphen_values = true, long_help = THRESHOLD_HELP)]
    pub thresholds: Vec<Threshold>,

    /// Where aggregate thresholds must hold: over all runs, or for every
    /// scenario separately.
    ///
    /// With scenario, 'p95(Latency)<=2500' must hold for each scenario's
    /// completed runs, and the reports name each scenario that breaks it.
    /// Per-run thresholds ('Latency<=4000') are not affected.
    #[arg(long, value_enum, value_name = "SCOPE", default_value_t = ThresholdScope::All)]
    pub threshold_scope: ThresholdScope,

    /// Compare with a reference pipeline's runs (a response saved with
    /// --save-response, or a --json report): only new failures fail.
    ///
    /// Which of the two the file is, is detected; anything else, or a file
    /// that cannot be read, is exit 2 (a gate that judged without its
    /// baseline would pass or fail for the wrong reason). The baseline's
    /// runs are judged under the same policy. A failure now is a regression
    /// when its scenario passed in the baseline, known when all its reasons
    /// are among the baseline's, else a new failure reason; with
    /// --baseline-mode new (the default) known failures do not count. The
    /// reports and the step output regressions show the comparison.
    /// Example: on main, --save-response main-runs.json; on a pull request,
    /// --baseline main-runs.json.
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,

    /// With --baseline: when it was saved (RFC 3339, e.g.
    /// 2026-12-01T10:00:00Z); the reports name its age and warn when it is
    /// older than 7 days.
    ///
    /// The verdict line, the summary, the pull-request comment and the HTML
    /// report then say "baseline: commit abc1234 (3 days old)" and add a
    /// warning past 7 days; the age makes them depend on when the gate ran,
    /// while the JSON and JUnit reports never hold it. A time with no zone
    /// is refused; one in the future counts as 0 days, with a warning. The
    /// Action's `baseline: auto` passes the time its cache entry was saved.
    #[arg(long, value_name = "TIME", value_parser = rfc3339)]
    pub baseline_saved_at: Option<SystemTime>,

    /// With --baseline: count only new failures (new), or every failure as
    /// without a baseline and only add the comparison (all).
    ///
    /// Default: new. An errored run always counts. Without --baseline it is
    /// a usage error.
    #[arg(long, value_enum, value_name = "MODE")]
    pub baseline_mode: Option<BaselineMode>,

    /// Write every report but exit 0 where the gate failed or timed out.
    ///
    /// The verdict line, the reports and the step output verdict still say
    /// failed or timed-out (exit-code says 0); usage errors (2) and an
    /// unusable API (4) still fail. Useful to introduce the gate on a
    /// pipeline before it may block merges.
    #[arg(long)]
    pub report_only: bool,
}

/// `--baseline-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaselineMode {
    /// Only regressions, new failure reasons and new scenarios count.
    New,
    /// Every failure counts; the reports add the comparison.
    All,
}

/// `--threshold-scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThresholdScope {
    /// Aggregates over every completed run.
    All,
    /// Each aggregate must hold for every scenario's runs.
    Scenario,
}
