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
    #[arg(long = "weight", value_name = "PRIORITY=N", value_parser = weight)]
    pub weights: Vec<Weight>,

    /// Fail when the total weighted score of critical categories is above N.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        value_parser = count,
        allow_negative_numbers = true
    )]
    pub max_score: u64,

    /// Fail when more than N runs have success: false [default: 0] (not with --min-pass-rate).
    #[arg(
        long,
        value_name = "N",
        value_parser = count,
        allow_negative_numbers = true
    )]
    pub max_failed_runs: Option<u64>,

    /// Judge scenarios over repeated runs: a scenario passes when this share
    /// of its judged runs pass, e.g. 0.8 or 80%.
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
    #[arg(
        long,
        value_name = "N",
        value_parser = count,
        allow_negative_numbers = true
    )]
    pub max_failed_scenarios: Option<u64>,

    /// Fail when more than N runs ended in an infrastructure error
    /// (failed, timeout, cancelled, unknown status) or were not returned.
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
    #[arg(long, value_enum, value_name = "SCOPE", default_value_t = ThresholdScope::All)]
    pub threshold_scope: ThresholdScope,

    /// Compare with a reference pipeline's runs (a response saved with
    /// --save-response, or a --json report): only new failures fail.
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,

    /// With --baseline: when it was saved (RFC 3339, e.g.
    /// 2026-12-01T10:00:00Z); the reports name its age and warn when it is
    /// older than 7 days.
    #[arg(long, value_name = "TIME", value_parser = rfc3339)]
    pub baseline_saved_at: Option<SystemTime>,

    /// With --baseline: count only new failures (new), or every failure as
    /// without a baseline and only add the comparison (all).
    #[arg(long, value_enum, value_name = "MODE")]
    pub baseline_mode: Option<BaselineMode>,

    /// Write every report but exit 0 where the gate failed or timed out.
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
