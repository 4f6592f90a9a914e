//! The report and terminal flags: where the verdict is written and how it
//! shows. Shared by every command that judges runs.

use clap::ValueEnum;
use std::path::PathBuf;

/// The report and terminal flags.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Output")]
pub struct Output {
    /// Where to write the JUnit XML report.
    ///
    /// Written on every run that judges: one testcase per requested run, in
    /// the order given, named by its scenario so CI tools track a scenario
    /// across pipelines. Like every output, "-" is refused (it would name a
    /// file "-"; give /dev/stdout), and an output may not name a file the
    /// gate reads (a replayed file, --baseline, ...): exit 2 before any
    /// request.
    #[arg(long, value_name = "PATH", default_value = "vocera-junit.xml")]
    pub junit: PathBuf,

    /// Save the final runs exactly as the API returned them, for replay.
    ///
    /// The key is never in it. `vocera-gate replay PATH` judges the file
    /// again with no key and no network (give the same run IDs to reproduce
    /// the verdict), and --baseline PATH compares a later gate with it.
    #[arg(long, value_name = "PATH")]
    pub save_response: Option<PathBuf>,

    /// Write the verdict as JSON (figures and per-run results) for scripts.
    ///
    /// It holds format_version (1), the figures of the step outputs,
    /// platform_success_rate (a read result's own success_rate as the API
    /// wrote it, read when every run is final, v2 only; else null), and one
    /// entry per run with run: the run as read (null for one the API did
    /// not return); with --min-pass-rate, scenarios too. Fields may be added
    /// to a version; a field that changes meaning takes a new version. A
    /// --baseline may be a JSON report.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Write a Markdown summary [default: append to $GITHUB_STEP_SUMMARY when set].
    ///
    /// The verdict, the score and a table of runs, for a job summary or a
    /// merge-request comment. The flag replaces the file; without it the
    /// summary is appended to $GITHUB_STEP_SUMMARY when that is set.
    #[arg(long, value_name = "PATH")]
    pub summary: Option<PathBuf>,

    /// Append the step outputs (verdict, exit-code, score, ...) for GitHub Actions
    /// [default: $GITHUB_OUTPUT when set].
    ///
    /// Written at the end of a run: verdict (passed, failed, timed-out,
    /// error), exit-code, score, max-score, runs, passed-runs, failed-runs,
    /// errored-runs, missing-runs, unfinished-runs, reasons (one a line,
    /// empty when passed), junit-path (empty when no JUnit was written),
    /// failed-scenarios and flaky-scenarios (names, one a line; a line break
    /// or control character inside a name is written visibly, \x0a, so no
    /// name can add an entry; the exact names are in the JSON), result-id
    /// (empty when the runs were given by ID), run-ids (comma-separated),
    /// regressions (with --baseline: scenarios that passed in it and fail
    /// now, one a line) and dial-numbers (the started runs to dial, one line
    /// of JSON, [] when none). Each is written as name<<DELIMITER, the
    /// value, the delimiter, with a new random delimiter per value.
    ///
    /// A gate that stops before judging writes verdict error, its exit-code,
    /// dial-numbers [] and the rest empty; a dry run writes verdict dry-run,
    /// exit-code 0 and dial-numbers [].
    #[arg(long, value_name = "PATH")]
    pub github_output: Option<PathBuf>,

    /// Write the evidence report: one self-contained HTML file (no script,
    /// nothing loaded) with each run that did not pass.
    ///
    /// For each run that did not pass (the others folded): its scenario,
    /// status, categories with priority, deviation and reviewers' feedback,
    /// metrics against their thresholds and the evaluator's explanations;
    /// pass rate per scenario and each thresholded metric's distribution as
    /// inline SVG charts; the baseline comparison on top. A
    /// Content-Security-Policy allows no script and no network load (but the
    /// recordings' origins with --include-recordings); run text is escaped;
    /// the same runs give the same bytes.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,

    /// Put each run's transcript in the JUnit <system-out> (and in the --html report).
    ///
    /// Transcripts make the report larger and may hold what callers said;
    /// mind who can read your CI artefacts.
    #[arg(long)]
    pub include_transcript: bool,

    /// Put a player for each run's recording in the --html report (off: recordings
    /// may be private, and reports are often public).
    ///
    /// An `<audio controls preload="none">` for each run's http(s)
    /// voice_recording_url (anything else is dropped); the report's
    /// Content-Security-Policy then allows media from those origins only.
    /// The pull-request comment links the recordings too.
    #[arg(long)]
    pub include_recordings: bool,

    /// Colour the verdict: auto (a terminal, unless NO_COLOR is set), always, never.
    ///
    /// With auto, TERM=dumb also turns colour off.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Print only the verdict line and errors.
    ///
    /// No progress lines and no warnings while waiting; the reports are
    /// written as usual. Not with --verbose.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also log each request (never the key).
    ///
    /// On stderr: each request's method, URL, status and time, which key
    /// variable was used and which proxy; for debugging a pipeline. Not
    /// with --quiet.
    #[arg(short, long)]
    pub verbose: bool,

    /// Post the verdict as this gate's section of one pull-request comment,
    /// updated in place: always, failures (only when the gate fails; a section
    /// already there is always updated), off. Needs $GITHUB_TOKEN; outside a
    /// pull request nothing is posted.
    ///
    /// One comment per pull request, found by a hidden marker, holds one
    /// section per gate (keyed by $GITHUB_JOB and --comment-key), replaced
    /// on a re-run; other sections are kept. Reads GITHUB_TOKEN (a secret,
    /// redacted like the key, sent only to GITHUB_API_URL: https, or http on
    /// loopback), GITHUB_REPOSITORY, GITHUB_EVENT_PATH
    /// (pull_request.number), GITHUB_SERVER_URL and GITHUB_RUN_ID (the
    /// run's page). A refusal (a fork's read-only token) or any GitHub
    /// failure is one warning and never changes the exit code. At most
    /// 65,535 characters: whole rows are cut, with a count.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = PrComment::Off)]
    pub pr_comment: PrComment,

    /// Names this gate's section of the pull-request comment, beside
    /// $GITHUB_JOB: one per matrix entry (e.g. --comment-key "${{ matrix.agent }}").
    ///
    /// Two gates in one job (a matrix) would otherwise replace each other's
    /// section. The key is written escaped inside the comment's hidden
    /// markers, so no key can forge another section's marker.
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
