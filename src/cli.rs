//! The command line, as clap parses it. Names here are a contract: scripts
//! and the GitHub Action depend on them. Values that stand alone (durations,
//! weights, the profile) are typed by clap value parsers (`values`), so a bad one
//! is an error naming its flag; checks that relate flags, the disk or the
//! key are `config`'s job.
//!
//! Run IDs stay text until `config`: a bad ID token may be an API key pasted
//! in the wrong place, and only `config`, which knows the key, can refuse it
//! without echoing it.

mod start;
mod values;

pub use start::{Channel, Mode, StartArgs};
pub use values::Weight;

use crate::api::Profile;
use crate::policy::PassRate;
use crate::policy::threshold::Threshold;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;
use values::{THRESHOLD_HELP, count, duration, pass_rate, threshold, weight};

const EXAMPLES: &str = "\
Examples:
  vocera-gate 181,180 --api-key \"$VOCERA_API_KEY\"
  vocera-gate --agent-id 42 --scenarios 101,102 --frequency 3   # start runs, then gate them
  vocera-gate --run-ids-file ids.txt --max-score 5 --save-response runs.json
  vocera-gate --from-file runs.json            # replay a saved response: no key, no network
";

/// Wait for Vocera (Cekura) test runs to finish, write a JUnit report, and
/// exit nonzero when the runs fail the threshold policy.
#[derive(Debug, Parser)]
// A later flag overrides an earlier one (so wrappers can pass defaults and
// users their own); repeatable flags such as --weight still add up.
#[command(
    name = "vocera-gate",
    version,
    about,
    max_term_width = 100,
    args_override_self = true
)]
#[command(after_help = format!("{EXAMPLES}\n{}", crate::exit::HELP))]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Run IDs, separated by commas and/or whitespace ("181,180", "181 180").
    #[arg(value_name = "RUN_IDS", help_heading = "Input")]
    pub run_ids: Vec<String>,

    /// Read more run IDs from a file ("-" for standard input).
    #[arg(long, value_name = "PATH", help_heading = "Input")]
    pub run_ids_file: Option<PathBuf>,

    /// Replay a saved response (a JSON array of runs) instead of calling the API.
    #[arg(long, value_name = "PATH", help_heading = "Input")]
    pub from_file: Option<PathBuf>,

    #[command(flatten)]
    pub start: StartArgs,

    #[command(flatten)]
    pub connection: Connection,

    /// Deadline for waiting on unfinished runs (200ms, 5s, 10m, 1h30m).
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = duration, help_heading = "Waiting")]
    pub timeout: Duration,

    /// First wait between polls; waits grow with backoff and jitter.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = duration, help_heading = "Waiting")]
    pub poll_interval: Duration,

    /// Longest wait between polls.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = duration, help_heading = "Waiting")]
    pub max_poll_interval: Duration,

    /// Weight of a priority, e.g. high=10 (repeatable; case-insensitive).
    #[arg(
        long = "weight",
        value_name = "PRIORITY=N",
        value_parser = weight,
        help_heading = "Policy"
    )]
    pub weights: Vec<Weight>,

    /// Fail when the total weighted score of critical categories is above N.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        value_parser = count,
        allow_negative_numbers = true,
        help_heading = "Policy"
    )]
    pub max_score: u64,

    /// Fail when more than N runs have success: false [default: 0] (not with --min-pass-rate).
    #[arg(
        long,
        value_name = "N",
        value_parser = count,
        allow_negative_numbers = true,
        help_heading = "Policy"
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
        allow_hyphen_values = true,
        help_heading = "Policy"
    )]
    pub min_pass_rate: Option<PassRate>,

    /// With --min-pass-rate: fail when more than N scenarios are below it [default: 0].
    #[arg(
        long,
        value_name = "N",
        value_parser = count,
        allow_negative_numbers = true,
        help_heading = "Policy"
    )]
    pub max_failed_scenarios: Option<u64>,

    /// Fail when more than N runs ended in an infrastructure error
    /// (failed, timeout, cancelled, unknown status) or were not returned.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        value_parser = count,
        allow_negative_numbers = true,
        help_heading = "Policy"
    )]
    pub max_errored_runs: u64,

    /// A metric threshold, repeatable: METRIC OP VALUE for each run
    /// ('Latency<=4000', 'Goal reached==true') or AGG(METRIC) OP VALUE over
    /// the runs ('p95(Latency)<=2500', 'rate(Goal reached)>=0.9'); AGG is
    /// avg, min, max, med, pN or p(N), rate. The same check twice counts once.
    #[arg(long = "threshold", value_name = "EXPR", value_parser = threshold, allow_hyphen_values = true, long_help = THRESHOLD_HELP, help_heading = "Policy")]
    pub thresholds: Vec<Threshold>,

    /// Where aggregate thresholds must hold: over all runs, or for every
    /// scenario separately.
    #[arg(long, value_enum, value_name = "SCOPE", default_value_t = ThresholdScope::All, help_heading = "Policy")]
    pub threshold_scope: ThresholdScope,

    /// Compare with a reference pipeline's runs (a response saved with
    /// --save-response, or a --json report): only new failures fail.
    #[arg(long, value_name = "PATH", help_heading = "Policy")]
    pub baseline: Option<PathBuf>,

    /// With --baseline: count only new failures (new), or every failure as
    /// without a baseline and only add the comparison (all).
    #[arg(long, value_enum, value_name = "MODE", help_heading = "Policy")]
    pub baseline_mode: Option<BaselineMode>,

    /// Write every report but exit 0 where the gate failed or timed out.
    #[arg(long, help_heading = "Policy")]
    pub report_only: bool,

    /// Where to write the JUnit XML report.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "vocera-junit.xml",
        help_heading = "Output"
    )]
    pub junit: PathBuf,

    /// Save the final runs exactly as the API returned them, for --from-file.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub save_response: Option<PathBuf>,

    /// Write the verdict as JSON (figures and per-run results) for scripts.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub json: Option<PathBuf>,

    /// Write a Markdown summary [default: append to $GITHUB_STEP_SUMMARY when set].
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub summary: Option<PathBuf>,

    /// Append the step outputs (verdict, exit-code, score, ...) for GitHub Actions
    /// [default: $GITHUB_OUTPUT when set].
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub github_output: Option<PathBuf>,

    /// Put each run's transcript in the JUnit <system-out>.
    #[arg(long, help_heading = "Output")]
    pub include_transcript: bool,

    /// Colour the verdict: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, help_heading = "Output")]
    pub color: ColorWhen,

    /// Print only the verdict line and errors.
    #[arg(short, long, conflicts_with = "verbose", help_heading = "Output")]
    pub quiet: bool,

    /// Also log each request (never the key).
    #[arg(short, long, help_heading = "Output")]
    pub verbose: bool,
}

/// Where and how to reach the API.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "API")]
pub struct Connection {
    /// API key (also read from CEKURA_API_KEY); never printed.
    #[arg(
        long,
        value_name = "KEY",
        env = "VOCERA_API_KEY",
        hide_env_values = true,
        // A key may start with '-': taken as the value, not echoed by clap
        // as an unknown flag.
        allow_hyphen_values = true
    )]
    pub api_key: Option<String>,

    /// API profile: vocera (v1 endpoint) or cekura (v2 endpoint).
    #[arg(
        long,
        env = "VOCERA_API",
        // CI templates set "" for "not set": `[env: VOCERA_API=]` in --help
        // would read as a setting.
        hide_env_values = true,
        default_value = "vocera",
        value_parser = ProfileParser,
        ignore_case = true
    )]
    pub api: Profile,

    /// Override the profile's base URL (https://, or http:// on loopback).
    #[arg(
        long,
        value_name = "URL",
        env = "VOCERA_BASE_URL",
        hide_env_values = true
    )]
    pub base_url: Option<String>,

    /// Extra trusted CA certificates (PEM), e.g. a corporate proxy's.
    #[arg(
        long,
        value_name = "PATH",
        env = "VOCERA_CA_CERT",
        hide_env_values = true,
        // Accept an empty value (CI templates set "" for "not set"); config
        // treats it as unset.
        value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from)
    )]
    pub ca_cert: Option<PathBuf>,
}

/// Helpers around the gate itself.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    Man,
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

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// Reads `--api` / `VOCERA_API` like a value enum (case-insensitive), but
/// takes an empty value as the default: CI templates set "" for "not set".
#[derive(Debug, Clone, Copy)]
struct ProfileParser;

impl clap::builder::TypedValueParser for ProfileParser {
    type Value = Profile;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Profile, clap::Error> {
        if value.is_empty() {
            return Ok(Profile::Vocera);
        }
        clap::builder::EnumValueParser::<Profile>::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            Profile::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

/// Runs a helper subcommand. A closed stdout (`... | head`) is no error.
pub fn print_helper(command: Command) -> Result<(), crate::error::Error> {
    use clap::CommandFactory;
    use std::io::Write;
    let mut cmd = Args::command();
    // Rendered in memory first: clap_complete panics on a failed write
    // (`... completions bash | head`), and a panic is no exit code to rely on.
    let mut text = Vec::new();
    match command {
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut cmd, "vocera-gate", &mut text);
        }
        Command::Man => text = crate::man::render(cmd, EXAMPLES),
    }
    match std::io::stdout().lock().write_all(&text) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(crate::error::usage(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_page_has_environment_and_keeps_the_exit_table() {
        use clap::CommandFactory;
        let page = crate::man::render(Args::command(), EXAMPLES);
        let page = String::from_utf8(page).expect("UTF-8");
        assert!(page.contains(".SH ENVIRONMENT\n"), "{page}");
        assert!(page.contains("\\fBCEKURA_API_KEY\\fR"), "{page}");
        assert!(!page.contains("vocera\\-gate\\-completions(1)"), "{page}");
        assert!(
            page.contains(".SH EXIT STATUS\n.nf\n  0    the gate passed\n"),
            "{page}"
        );
        assert!(page.contains("\\-\\-github\\-output"), "{page}");
        assert!(
            page.contains(".SH EXAMPLES\n.nf\n  vocera\\-gate 181,180"),
            "{page}"
        );
    }
}
