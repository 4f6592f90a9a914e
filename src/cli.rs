//! The command line, as clap parses it. Names here are a contract: scripts
//! and the GitHub Action depend on them. Checking values is `config`'s job.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  vocera-gate 181,180 --api-key \"$VOCERA_API_KEY\"
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

    /// API key (also read from CEKURA_API_KEY); never printed.
    #[arg(
        long,
        value_name = "KEY",
        env = "VOCERA_API_KEY",
        hide_env_values = true,
        // A key may start with '-': taken as the value, not echoed by clap
        // as an unknown flag.
        allow_hyphen_values = true,
        help_heading = "API"
    )]
    pub api_key: Option<String>,

    /// API profile: vocera (v1 endpoint) or cekura (v2 endpoint).
    #[arg(
        long,
        env = "VOCERA_API",
        default_value = "vocera",
        value_parser = ProfileParser,
        ignore_case = true,
        help_heading = "API"
    )]
    pub api: Profile,

    /// Override the profile's base URL (https://, or http:// on loopback).
    #[arg(
        long,
        value_name = "URL",
        env = "VOCERA_BASE_URL",
        help_heading = "API"
    )]
    pub base_url: Option<String>,

    /// Extra trusted CA certificates (PEM), e.g. a corporate proxy's.
    #[arg(
        long,
        value_name = "PATH",
        env = "VOCERA_CA_CERT",
        help_heading = "API",
        // Accept an empty value (CI templates set "" for "not set"); config
        // treats it as unset.
        value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from)
    )]
    pub ca_cert: Option<PathBuf>,

    /// Deadline for waiting on unfinished runs (200ms, 5s, 10m, 1h).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30m",
        help_heading = "Waiting"
    )]
    pub timeout: String,

    /// First wait between polls; waits grow with backoff and jitter.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "2s",
        help_heading = "Waiting"
    )]
    pub poll_interval: String,

    /// Longest wait between polls.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "15s",
        help_heading = "Waiting"
    )]
    pub max_poll_interval: String,

    /// Weight of a priority, e.g. high=10 (repeatable; case-insensitive).
    #[arg(long = "weight", value_name = "PRIORITY=N", help_heading = "Policy")]
    pub weights: Vec<String>,

    /// Fail when the total weighted score of critical categories is above N.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Policy")]
    pub max_score: u64,

    /// Fail when more than N runs have success: false.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Policy")]
    pub max_failed_runs: u64,

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

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// Which API generation to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// https://new-prod.vocera.ai, /test_framework/v1/runs-external/bulk/, X-VOCERA-API-KEY
    Vocera,
    /// https://api.cekura.ai, /test_framework/v2/runs/bulk/, X-CEKURA-API-KEY
    Cekura,
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

/// Runs a helper subcommand; returns the exit code.
pub fn print_helper(command: Command) -> u8 {
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
        Command::Man => {
            // Writing to a Vec cannot fail.
            let _ = clap_mangen::Man::new(cmd).render(&mut text);
        }
    }
    match std::io::stdout().lock().write_all(&text) {
        Ok(()) => crate::exit::PASSED,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => crate::exit::PASSED,
        Err(e) => {
            crate::errln!("vocera-gate: error: cannot write to standard output: {e}");
            crate::exit::USAGE
        }
    }
}
