//! The report and terminal flags: where the verdict is written and how it
//! shows. Shared by every command that judges runs.

use clap::ValueEnum;
use std::path::PathBuf;

/// The report and terminal flags.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Output")]
pub struct Output {
    /// Where to write the JUnit XML report.
    #[arg(long, value_name = "PATH", default_value = "vocera-junit.xml")]
    pub junit: PathBuf,

    /// Save the final runs exactly as the API returned them, for replay.
    #[arg(long, value_name = "PATH")]
    pub save_response: Option<PathBuf>,

    /// Write the verdict as JSON (figures and per-run results) for scripts.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Write a Markdown summary [default: append to $GITHUB_STEP_SUMMARY when set].
    #[arg(long, value_name = "PATH")]
    pub summary: Option<PathBuf>,

    /// Append the step outputs (verdict, exit-code, score, ...) for GitHub Actions
    /// [default: $GITHUB_OUTPUT when set].
    #[arg(long, value_name = "PATH")]
    pub github_output: Option<PathBuf>,

    /// Write the evidence report: one self-contained HTML file (no script,
    /// nothing loaded) with each run that did not pass, its categories,
    /// metrics and notes, and charts.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,

    /// Put each run's transcript in the JUnit <system-out> (and in the --html report).
    #[arg(long)]
    pub include_transcript: bool,

    /// Put a player for each run's recording in the --html report (off: recordings
    /// may be private, and reports are often public).
    #[arg(long)]
    pub include_recordings: bool,

    /// Colour the verdict: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Print only the verdict line and errors.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also log each request (never the key).
    #[arg(short, long)]
    pub verbose: bool,

    /// Post the verdict as this gate's section of one pull-request comment,
    /// updated in place: always, failures (only when the gate fails; a section
    /// already there is always updated), off. Needs $GITHUB_TOKEN; outside a
    /// pull request nothing is posted.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = PrComment::Off)]
    pub pr_comment: PrComment,

    /// Names this gate's section of the pull-request comment, beside
    /// $GITHUB_JOB: one per matrix entry (e.g. --comment-key "${{ matrix.agent }}").
    #[arg(long, value_name = "TEXT")]
    pub comment_key: Option<String>,
}

/// When the gate posts its pull-request comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrComment {
    Always,
    Failures,
    Off,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}
