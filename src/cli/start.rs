//! The flags that choose runs another way than by ID: an existing result
//! (`--result-id`), or a new one the gate starts. Values stay text until
//! `config`, which refuses a bad one without echoing an API key pasted in
//! the wrong place (as for run IDs).

use clap::ValueEnum;
use std::path::PathBuf;

/// Starting runs, or gating an existing result.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Start runs")]
pub struct StartArgs {
    /// Gate every run of an existing result, e.g. one started from the
    /// dashboard; its list of runs is read again while waiting, and once
    /// more before judging.
    #[arg(long, value_name = "ID", allow_negative_numbers = true)]
    pub result_id: Option<String>,

    /// Start runs of this agent (with --scenarios, --tags or --folder-path), then gate them.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub agent_id: Option<String>,

    /// Start runs of this assistant instead of --agent-id.
    #[arg(long, value_name = "TEXT")]
    pub assistant_id: Option<String>,

    /// Scenario IDs to run, separated by commas and/or whitespace.
    #[arg(long, value_name = "IDS")]
    pub scenarios: Option<String>,

    /// Run the scenarios with these tags, separated by commas.
    #[arg(long, value_name = "TAGS")]
    pub tags: Option<String>,

    /// Run the scenarios of this dot-separated folder, e.g. Sales.Inbound (needs --project-id).
    #[arg(long, value_name = "PATH")]
    pub folder_path: Option<String>,

    /// The project of --folder-path.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub project_id: Option<String>,

    /// Run each scenario N times; every call is billed [default: 1].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub frequency: Option<String>,

    /// Label of the new result, followed by the CI run and a random token that make it unique [default: the commit, from GITHUB_SHA, CI_COMMIT_SHA or GIT_COMMIT].
    #[arg(long, value_name = "TEXT")]
    pub run_name: Option<String>,

    /// Most calls in parallel [default: the API's, unbounded].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub concurrency_limit: Option<String>,

    /// Personality IDs to run each scenario with, separated by commas.
    #[arg(long, value_name = "IDS")]
    pub personality_ids: Option<String>,

    /// Test profile IDs to run each scenario with, separated by commas.
    #[arg(long, value_name = "IDS")]
    pub test_profile_ids: Option<String>,

    /// Phone numbers per run.
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<Mode>,

    /// Which of the agent's tools run as mocks: all (the API's default), none
    /// (the real tools run), or tool names separated by commas.
    #[arg(long, value_name = "all|none|NAMES")]
    pub mock_tools: Option<String>,

    /// A JSON object with any other start-request fields ("-" for standard
    /// input); the flags above override its keys.
    #[arg(long, value_name = "PATH")]
    pub trigger_json: Option<PathBuf>,

    /// Run the test cases of a Tests-as-Code spec (e.g. cekura.tests.json; "-" for standard input) with --agent-id, then gate them.
    #[arg(long, value_name = "PATH")]
    pub suite: Option<PathBuf>,

    /// The channel a --suite runs on.
    #[arg(long, value_enum, value_name = "CHANNEL", default_value_t = Channel::Voice)]
    pub channel: Channel,

    /// With --suite: only check the spec (no key, no network; exit 0 or 2).
    #[arg(long)]
    pub check: bool,

    /// Print the start request (key hidden) and the calls it would place; send nothing. With --suite: ask the platform to validate and price the spec.
    #[arg(long)]
    pub dry_run: bool,

    /// Outbound agents: for each started run with a dial number, once its window opens, run CMD with POSIX sh (the number, run and result IDs in the environment variables VOCERA_DIAL_NUMBER, VOCERA_RUN_ID, VOCERA_RESULT_ID, never in CMD); if it fails, its run counts as errored.
    #[arg(long, value_name = "CMD")]
    pub dial_command: Option<String>,

    /// Leave the started calls running when the gate stops before they finish (cancelled, deadline, failing API).
    #[arg(long)]
    pub keep_calls: bool,
}

/// `--mode`, as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Mode {
    SameNumber,
    DifferentNumbers,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::SameNumber => "same_number",
            Mode::DifferentNumbers => "different_numbers",
        }
    }
}

/// `--channel`, as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Channel {
    #[default]
    Voice,
    Text,
    Elevenlabs,
    #[value(name = "livekit_v2")]
    LivekitV2,
    #[value(name = "pipecat_v2")]
    PipecatV2,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Text => "text",
            Channel::Elevenlabs => "elevenlabs",
            Channel::LivekitV2 => "livekit_v2",
            Channel::PipecatV2 => "pipecat_v2",
        }
    }
}
