//! The commands, one per way of choosing the runs, each built from the
//! option groups that make sense for it; and the one place where each
//! becomes the [`Args`] that `config` checks, so every rule there applies to
//! both forms of the command line alike.

use super::help;
use super::start::{Launch, Selection, StartArgs};
use super::{Args, Channel, Command, Connection, Output, Policy, Waiting};
use std::path::PathBuf;

/// Run IDs, from the command line and a file.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Input")]
pub struct RunIds {
    /// Run IDs, separated by commas and/or whitespace ("181,180", "181 180").
    ///
    /// Duplicates are dropped, the first place kept; the reports list the
    /// runs in this order. With replay: judge only these runs of the file,
    /// to reproduce a live verdict (without IDs the file's runs are judged
    /// in its order, and a note says so unless the gate fails).
    #[arg(value_name = "RUN_IDS")]
    pub run_ids: Vec<String>,

    /// Read more run IDs from a file ("-" for standard input).
    ///
    /// Separated like the arguments, and added after them. With replay, an
    /// empty file is refused when no other IDs are given: it would judge
    /// every run in the file instead.
    #[arg(long, value_name = "PATH")]
    pub run_ids_file: Option<PathBuf>,
}

/// Which form of the command line gave the [`Args`]: the flat form of
/// earlier releases, or a command. Messages about an input that the flat
/// form gives as a flag name it as the command line did: `result ID "abc"`
/// after `vocera-gate result abc`, `--result-id "abc"` after the flat
/// `--result-id abc` (whose messages stay as they always were).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Form {
    /// The flat form (also a helper command: it names no input).
    #[default]
    Flat,
    Gate,
    Replay,
    Result,
    Start,
    Suite,
}

impl Form {
    /// The saved response a replay reads: `--from-file`, or `the replay
    /// FILE`.
    pub fn from_file(self) -> &'static str {
        match self {
            Form::Replay => "the replay FILE",
            _ => "--from-file",
        }
    }

    /// The result gated: `--result-id`, or `result ID`.
    pub fn result_id(self) -> &'static str {
        match self {
            Form::Result => "result ID",
            _ => "--result-id",
        }
    }

    /// How to gate result `id` in the form that was typed:
    /// `--result-id ID` in the flat form, `vocera-gate result ID` after a
    /// command.
    pub fn gate_result(self, id: &str) -> String {
        match self {
            Form::Flat => format!("--result-id {id}"),
            _ => format!("`vocera-gate result {id}`"),
        }
    }

    /// The spec: `--suite` (also `replay`'s flag), or `the suite FILE`.
    pub fn suite(self) -> &'static str {
        match self {
            Form::Suite => "the suite FILE",
            _ => "--suite",
        }
    }
}

/// The commands.
// One per process: boxing the large variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, clap::Subcommand)]
pub(super) enum Sub {
    Gate(Gate),
    Replay(Replay),
    Result(ResultOf),
    Start(Start),
    Suite(Suite),
    #[command(flatten)]
    Helper(Command),
}

/// Wait for these runs to finish, then judge them.
#[derive(Debug, clap::Args)]
#[command(after_help = help::gate(), args_override_self = true, max_term_width = 100)]
#[command(group = clap::ArgGroup::new("ids").args(["run_ids", "run_ids_file"]).required(true).multiple(true))]
pub(super) struct Gate {
    #[command(flatten)]
    ids: RunIds,
    #[command(flatten)]
    connection: Connection,
    #[command(flatten)]
    waiting: Waiting,
    #[command(flatten)]
    policy: Policy,
    #[command(flatten)]
    output: Output,
}

/// Judge a saved response again (a JSON array of runs): no key, no network.
#[derive(Debug, clap::Args)]
#[command(after_help = help::replay(), args_override_self = true, max_term_width = 100)]
pub(super) struct Replay {
    /// The saved response: what --save-response wrote, or the API's answer.
    ///
    /// No key and no network: the runs are judged as they were saved, under
    /// this invocation's policy. Flat form: --from-file PATH.
    #[arg(value_name = "FILE", help_heading = "Input")]
    file: PathBuf,
    /// Judge only these runs of the file (all of them when none are given).
    #[command(flatten)]
    ids: RunIds,
    /// Name the runs by the case keys of this Tests-as-Code spec: a
    /// suite's saved runs ("-" for standard input).
    ///
    /// Replays what `suite FILE --save-response PATH` saved, with each run
    /// named by its case's key as in the live gate.
    #[arg(long, value_name = "SPEC", help_heading = "Input")]
    suite: Option<PathBuf>,
    #[command(flatten)]
    policy: Policy,
    #[command(flatten)]
    output: Output,
}

/// Gate every run of an existing result, e.g. one started from the dashboard.
#[derive(Debug, clap::Args)]
#[command(after_help = help::result(), args_override_self = true, max_term_width = 100)]
pub(super) struct ResultOf {
    /// The result's ID; its list of runs is read again while waiting, and
    /// once more before judging.
    ///
    /// Every run in it is gated, in ascending run-ID order; an unknown ID is
    /// exit 2, naming it and the base URL. Its calls are never ended by the
    /// gate. Flat form: --result-id ID.
    #[arg(
        value_name = "ID",
        allow_negative_numbers = true,
        help_heading = "Input"
    )]
    id: String,
    #[command(flatten)]
    connection: Connection,
    #[command(flatten)]
    waiting: Waiting,
    #[command(flatten)]
    policy: Policy,
    #[command(flatten)]
    output: Output,
}

/// Start runs of an agent's scenarios (each call billed), then gate them.
#[derive(Debug, clap::Args)]
#[command(after_help = help::start(), args_override_self = true, max_term_width = 100)]
// Who is called: one agent, named once (a --trigger-json file may name it).
#[command(group = clap::ArgGroup::new("agent").args(["agent_id", "assistant_id", "trigger_json"]).required(true).multiple(true))]
#[command(group = clap::ArgGroup::new("one_agent").args(["agent_id", "assistant_id"]))]
// Which scenarios: one way of choosing them.
#[command(group = clap::ArgGroup::new("scenario_choice").args(["scenarios", "tags", "folder_path"]))]
pub(super) struct Start {
    #[command(flatten)]
    selection: Selection,
    #[command(flatten)]
    launch: Launch,
    #[command(flatten)]
    connection: Connection,
    #[command(flatten)]
    waiting: Waiting,
    #[command(flatten)]
    policy: Policy,
    #[command(flatten)]
    output: Output,
}

/// Run the test cases of a Tests-as-Code spec, then gate them.
#[derive(Debug, clap::Args)]
#[command(after_help = help::suite(), args_override_self = true, max_term_width = 100)]
pub(super) struct Suite {
    /// The spec, e.g. cekura.tests.json ("-" for standard input).
    ///
    /// Checked before anything is sent; each problem is reported as
    /// file:line:col: path: message (exit 2). Its cases are started for
    /// --agent-id, then gated and named by their keys. Flat form:
    /// --suite PATH.
    #[arg(value_name = "FILE", help_heading = "Input")]
    file: PathBuf,
    /// The agent to test (a spec never names it).
    ///
    /// Required unless --check.
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        required_unless_present = "check",
        help_heading = "Start runs"
    )]
    agent_id: Option<String>,
    /// The channel the cases run on.
    ///
    /// voice (the default: phone calls), text, elevenlabs, livekit_v2 or
    /// pipecat_v2, as the platform spells them; the
    /// spec's cases all run on it.
    #[arg(long, value_enum, value_name = "CHANNEL", default_value_t = Channel::Voice, help_heading = "Start runs")]
    channel: Channel,
    /// Only check the spec: no key, no network; exit 0 or 2.
    ///
    /// Exit 0 with a line naming the suite, its cases and the spec's sha256,
    /// or 2 with every problem as file:line:col: path: message (and a
    /// ::error annotation in GitHub Actions). Safe on pull requests from
    /// forks, where secrets are empty. Not with --agent-id or --dry-run.
    #[arg(long, conflicts_with_all = ["agent_id", "dry_run"], help_heading = "Start runs")]
    check: bool,
    #[command(flatten)]
    launch: Launch,
    #[command(flatten)]
    connection: Connection,
    #[command(flatten)]
    waiting: Waiting,
    #[command(flatten)]
    policy: Policy,
    #[command(flatten)]
    output: Output,
}

impl Sub {
    /// What `config` checks, as the flat form of the same command gives it.
    /// `flat` is what the flat form parsed beside (defaults and the
    /// environment): all a helper command keeps.
    pub(super) fn into_args(self, flat: Args) -> Args {
        match self {
            Sub::Gate(g) => Args {
                form: Form::Gate,
                run_ids: g.ids.run_ids,
                run_ids_file: g.ids.run_ids_file,
                ..Args::of(g.connection, g.waiting, g.policy, g.output)
            },
            Sub::Replay(r) => Args {
                form: Form::Replay,
                run_ids: r.ids.run_ids,
                run_ids_file: r.ids.run_ids_file,
                from_file: Some(r.file),
                start: StartArgs {
                    suite: r.suite,
                    ..StartArgs::default()
                },
                ..Args::of(Connection::none(), Waiting::defaults(), r.policy, r.output)
            },
            Sub::Result(r) => Args {
                form: Form::Result,
                start: StartArgs {
                    result_id: Some(r.id),
                    ..StartArgs::default()
                },
                ..Args::of(r.connection, r.waiting, r.policy, r.output)
            },
            Sub::Start(s) => Args {
                form: Form::Start,
                start: StartArgs::start(s.selection, s.launch),
                ..Args::of(s.connection, s.waiting, s.policy, s.output)
            },
            Sub::Suite(s) => Args {
                form: Form::Suite,
                start: StartArgs {
                    suite: Some(s.file),
                    agent_id: s.agent_id,
                    channel: s.channel,
                    check: s.check,
                    ..StartArgs::default().launched(s.launch)
                },
                ..Args::of(s.connection, s.waiting, s.policy, s.output)
            },
            Sub::Helper(command) => Args {
                command: Some(command),
                ..flat
            },
        }
    }
}
