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
    ///
    /// The gate starts a new result (a batch of runs), prints its ID at once
    /// on stderr, waits for its runs and judges them; every call is billed,
    /// so try --dry-run first. One agent: --agent-id or --assistant-id (a
    /// --trigger-json file may name it instead). If the gate stops before
    /// the runs finish, it ends their calls (see --keep-calls).
    /// Example: vocera-gate start --agent-id 42 --scenarios 101,102.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub agent_id: Option<String>,

    /// Start runs of this assistant instead of --agent-id.
    ///
    /// The platform's assistant ID (text); not with --agent-id.
    #[arg(long, value_name = "TEXT")]
    pub assistant_id: Option<String>,

    /// Scenario IDs to run, separated by commas and/or whitespace.
    ///
    /// One way of choosing the scenarios: --scenarios, --tags or
    /// --folder-path. With --scenarios, --dry-run can count the calls.
    #[arg(long, value_name = "IDS")]
    pub scenarios: Option<String>,

    /// Run the scenarios with these tags, separated by commas.
    ///
    /// The API chooses the scenarios; a tag that matches none gives a result
    /// with no runs, which is exit 2. Not with --scenarios or --folder-path.
    #[arg(long, value_name = "TAGS")]
    pub tags: Option<String>,

    /// Run the scenarios of this dot-separated folder, e.g. Sales.Inbound (needs --project-id).
    ///
    /// Not with --scenarios or --tags.
    #[arg(long, value_name = "PATH")]
    pub folder_path: Option<String>,

    /// The project of --folder-path.
    ///
    /// A folder path is unique only within a project, so the API needs both;
    /// a positive whole number, required with --folder-path and refused
    /// without it.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub project_id: Option<String>,

    /// Run each scenario N times; every call is billed [default: 1].
    ///
    /// The calls placed are scenarios x N x personalities x test profiles;
    /// --dry-run prints that number when it is knowable. Repeated runs are
    /// what --min-pass-rate judges: e.g. --frequency 5 --min-pass-rate 0.8.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub frequency: Option<String>,

    /// Most calls in parallel [default: the API's, unbounded].
    ///
    /// The start request's concurrency_limit field.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub concurrency_limit: Option<String>,

    /// Personality IDs to run each scenario with, separated by commas.
    ///
    /// The start request's personality_ids field; each personality
    /// multiplies the calls.
    #[arg(long, value_name = "IDS")]
    pub personality_ids: Option<String>,

    /// Test profile IDs to run each scenario with, separated by commas.
    ///
    /// The start request's test_profile_ids field; each test profile
    /// multiplies the calls.
    #[arg(long, value_name = "IDS")]
    pub test_profile_ids: Option<String>,

    /// Phone numbers per run.
    ///
    /// The start request's mode field [default: the API's].
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<Mode>,

    /// Which of the agent's tools run as mocks: all (the API's default), none
    /// (the real tools run), or tool names separated by commas.
    ///
    /// all leaves the request's mock_tool_names field out; none sends [] so
    /// the agent's real tools run; NAME,... mocks those. Overrides the
    /// --trigger-json file's mock_tool_names.
    #[arg(long, value_name = "all|none|NAMES")]
    pub mock_tools: Option<String>,

    /// A JSON object with any other start-request fields ("-" for standard
    /// input); the flags above override its keys.
    ///
    /// E.g. {"outbound_phone_number": "+15550100", "mock_tool_names": []}.
    /// Fields are checked against the documented ones (an unknown field is
    /// refused, exit 2, not passed on); an agent or selector flag replaces
    /// the file's, and the file alone may give the agent and the selector.
    #[arg(long, value_name = "PATH")]
    pub trigger_json: Option<PathBuf>,
}

/// How a start (of scenarios or of a spec) is placed and watched.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Start runs")]
pub struct Launch {
    /// Label of the new result [default: a suite's name, else the commit].
    ///
    /// The label is followed by the CI run and a random token that make the
    /// name unique. The commit comes from GITHUB_SHA, CI_COMMIT_SHA or
    /// GIT_COMMIT: "commit" and its first 12 characters ("vocera-gate" when
    /// none is set). The CI run is GitHub's
    /// run ID and attempt, GitLab's pipeline ID or Jenkins's BUILD_TAG; e.g.
    /// "commit 0123456789ab (run 555.2, gate 3f9a0c2e)". The unique name lets
    /// the gate find a result whose start answer was lost (--api cekura).
    #[arg(long, value_name = "TEXT")]
    pub run_name: Option<String>,

    /// Print what a start would send, and send nothing (suite: the platform prices the spec).
    ///
    /// For start: prints the start request (key hidden) and the number of
    /// calls it would place when that is knowable; needs no key, exits 0, or 2 on an input the real run would
    /// refuse (an unreadable --baseline or --ca-cert, a call count too large
    /// to count). The request differs between dry runs by the result name's
    /// random token. For suite: the platform validates and prices the spec
    /// and the plan is printed; the key is needed, and an invalid spec is
    /// exit 2.
    #[arg(long)]
    pub dry_run: bool,

    /// Outbound agents: run CMD (POSIX sh) to dial each started run's number; if it fails, the run is errored.
    ///
    /// For each started run with a dial number, once its window opens, the
    /// gate runs CMD with the number, run and result IDs in the environment
    /// variables VOCERA_DIAL_NUMBER, VOCERA_RUN_ID and VOCERA_RESULT_ID,
    /// never written into CMD. One run after another in run-ID order, while
    /// the gate polls; also in the environment: VOCERA_DIAL_OPENS_AT, VOCERA_DIAL_CLOSES_AT,
    /// VOCERA_DIAL_WINDOW_SECONDS (the API keys are not passed on). Its
    /// standard input is closed and each line it writes is printed on the
    /// gate's stderr. It may take the run's window (else 60 s), never past
    /// --timeout. Quote the number in CMD: --dial-command
    /// './dial.sh "$VOCERA_DIAL_NUMBER"'.
    #[arg(long, value_name = "CMD")]
    pub dial_command: Option<String>,

    /// Leave the started calls running when the gate stops before they finish (cancelled, deadline, failing API).
    ///
    /// Without it, the gate asks the API once to end the calls of the
    /// result it started (and prints the request to send by hand if that
    /// fails). The calls of a result gated with `vocera-gate result ID`
    /// are never ended.
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
