//! The flags that choose runs another way than by ID: a new result the gate
//! starts (`start`, or a Tests-as-Code `suite`). Values stay text until
//! `config`, which refuses a bad one without echoing an API key pasted in
//! the wrong place (as for run IDs).

use clap::ValueEnum;
use std::path::PathBuf;

/// Starting runs, gating an existing result, or a spec: what `config`
/// reads, whichever command line form gave it.
#[derive(Debug, Clone, Default)]
pub struct StartArgs {
    pub result_id: Option<String>,
    pub agent_id: Option<String>,
    pub assistant_id: Option<String>,
    pub scenarios: Option<String>,
    pub tags: Option<String>,
    pub folder_path: Option<String>,
    pub project_id: Option<String>,
    pub frequency: Option<String>,
    pub run_name: Option<String>,
    pub concurrency_limit: Option<String>,
    pub personality_ids: Option<String>,
    pub test_profile_ids: Option<String>,
    pub mode: Option<Mode>,
    pub mock_tools: Option<String>,
    pub trigger_json: Option<PathBuf>,
    pub suite: Option<PathBuf>,
    pub channel: Channel,
    pub check: bool,
    pub dry_run: bool,
    pub dial_command: Option<String>,
    pub keep_calls: bool,
}

impl StartArgs {
    /// A start of `selection`, shaped by `launch`.
    pub(super) fn start(selection: Selection, launch: Launch) -> StartArgs {
        let Selection {
            agent_id,
            assistant_id,
            scenarios,
            tags,
            folder_path,
            project_id,
            frequency,
            concurrency_limit,
            personality_ids,
            test_profile_ids,
            mode,
            mock_tools,
            trigger_json,
        } = selection;
        StartArgs {
            agent_id,
            assistant_id,
            scenarios,
            tags,
            folder_path,
            project_id,
            frequency,
            concurrency_limit,
            personality_ids,
            test_profile_ids,
            mode,
            mock_tools,
            trigger_json,
            ..StartArgs::default().launched(launch)
        }
    }

    /// These start options set (the others as they were).
    pub(super) fn launched(self, launch: Launch) -> StartArgs {
        StartArgs {
            run_name: launch.run_name,
            dry_run: launch.dry_run,
            dial_command: launch.dial_command,
            keep_calls: launch.keep_calls,
            ..self
        }
    }
}

/// What a start runs: the agent, its scenarios and how often.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Start runs")]
pub struct Selection {
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
}

/// How a start (of scenarios or of a spec) is placed and watched.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Start runs")]
pub struct Launch {
    /// Label of the new result, followed by the CI run and a random token that make it unique [default: a suite's name, else the commit, from GITHUB_SHA, CI_COMMIT_SHA or GIT_COMMIT].
    #[arg(long, value_name = "TEXT")]
    pub run_name: Option<String>,

    /// Print the start request (key hidden) and the calls it would place; send nothing. For a suite: ask the platform to validate and price the spec.
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
