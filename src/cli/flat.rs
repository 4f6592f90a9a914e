//! The flat form of earlier releases (`vocera-gate 181,180`, `--from-file`,
//! `--result-id`, `--agent-id ...`, `--suite`): every flag at the top level,
//! hidden from `--help`, still accepted exactly as before (pipelines call
//! it). Its four sources of runs exclude each other; clap checks that, and
//! its conflict is worded as the gate always worded it.

use super::start::{Launch, Selection, StartArgs};
use super::{Args, Channel, Connection, Output, Policy, RunIds, Waiting};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use std::path::PathBuf;

/// Every flag of every command, with the mode flags that the commands
/// replace.
#[derive(Debug, clap::Args)]
pub(super) struct Flat {
    #[command(flatten)]
    ids: RunIds,
    /// Replay a saved response (a JSON array of runs) instead of calling the API.
    ///
    /// The flat form of `replay FILE`; run IDs given beside it choose runs
    /// of the file.
    #[arg(long, value_name = "PATH", help_heading = "Input")]
    from_file: Option<PathBuf>,
    /// Gate every run of an existing result.
    ///
    /// The flat form of `result ID`.
    #[arg(long, value_name = "ID", allow_negative_numbers = true)]
    result_id: Option<String>,
    #[command(flatten)]
    selection: Selection,
    #[command(flatten)]
    launch: Launch,
    /// Run the test cases of a Tests-as-Code spec with --agent-id, then gate them.
    ///
    /// The flat form of `suite FILE`; with --from-file, the flat form of
    /// `replay FILE --suite SPEC`.
    #[arg(long, value_name = "PATH")]
    suite: Option<PathBuf>,
    /// The channel a --suite runs on.
    ///
    /// As `suite FILE --channel`.
    #[arg(long, value_enum, value_name = "CHANNEL", default_value_t = Channel::Voice)]
    channel: Channel,
    /// With --suite: only check the spec (no key, no network; exit 0 or 2).
    ///
    /// As `suite FILE --check`.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    connection: Connection,
    #[command(flatten)]
    waiting: Waiting,
    #[command(flatten)]
    policy: Policy,
    #[command(flatten)]
    output: Output,
}

impl Flat {
    pub(super) fn into_args(self) -> Args {
        Args {
            run_ids: self.ids.run_ids,
            run_ids_file: self.ids.run_ids_file,
            from_file: self.from_file,
            start: StartArgs {
                result_id: self.result_id,
                suite: self.suite,
                channel: self.channel,
                check: self.check,
                ..StartArgs::start(self.selection, self.launch)
            },
            ..Args::of(self.connection, self.waiting, self.policy, self.output)
        }
    }
}

/// The flags that choose the agent or the scenarios: any one of them makes
/// an invocation start runs.
const SELECTORS: [&str; 6] = [
    "agent_id",
    "assistant_id",
    "scenarios",
    "tags",
    "folder_path",
    "trigger_json",
];

/// The flags that only shape a start of scenarios (a spec sets its own).
const START_OPTIONS: [&str; 7] = [
    "project_id",
    "frequency",
    "concurrency_limit",
    "personality_ids",
    "test_profile_ids",
    "mode",
    "mock_tools",
];

/// Declares the flat form's sources of runs to clap: run IDs (which may
/// pick runs of a --from-file), --from-file, --result-id, a start, and
/// --suite (which takes --agent-id, and --from-file to replay by key).
pub(super) fn declare_sources(cmd: clap::Command) -> clap::Command {
    let starting = SELECTORS.into_iter();
    let ids_clash: Vec<&str> = starting.clone().chain(["suite"]).collect();
    let suite_clash: Vec<&str> = starting
        .clone()
        .filter(|f| *f != "agent_id")
        .chain(START_OPTIONS)
        .collect();
    cmd.mut_arg("run_ids", |a| a.conflicts_with_all(&ids_clash))
        .mut_arg("run_ids_file", |a| a.conflicts_with_all(&ids_clash))
        .mut_arg("from_file", |a| a.conflicts_with_all(SELECTORS))
        .mut_arg("result_id", |a| {
            a.conflicts_with_all(SELECTORS).conflicts_with_all([
                "run_ids",
                "run_ids_file",
                "from_file",
                "suite",
            ])
        })
        .mut_arg("suite", |a| a.conflicts_with_all(&suite_clash))
}

const SOURCES: &str = "give one of: run IDs, --from-file, --result-id, or --agent-id/--assistant-id with --scenarios, --tags or --folder-path";

/// A conflict between two sources of runs, worded as the gate words it
/// (naming the pair in a fixed order, and how to fix it); any other error
/// as clap gave it.
pub(super) fn reword(e: clap::Error) -> clap::Error {
    if e.kind() != ErrorKind::ArgumentConflict {
        return e;
    }
    let name = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(flag_name(s)),
        Some(ContextValue::Strings(v)) => v.first().map(|s| flag_name(s)),
        _ => None,
    };
    let (Some(a), Some(b)) = (name(ContextKind::InvalidArg), name(ContextKind::PriorArg)) else {
        return e;
    };
    let message = match (a, b) {
        ("--suite", other) | (other, "--suite") => {
            let other = if rank(other) == Some(0) {
                "run IDs"
            } else {
                other
            };
            format!(
                "--suite and {other} do not go together: the spec chooses the cases, their runs and settings; give --suite PATH --agent-id N (and --channel, --run-name)"
            )
        }
        (a, b) => match (rank(a), rank(b)) {
            // Two start flags are one source (`start` words its own clash).
            (Some(ra), Some(rb)) if ra != rb => {
                let (first, second) = if ra <= rb { (a, b) } else { (b, a) };
                format!("{first} and {second} are two sources of runs; {SOURCES}")
            }
            _ => return e,
        },
    };
    clap::Error::raw(ErrorKind::ArgumentConflict, format!("{message}\n"))
}

/// `--result-id <ID>` as `--result-id`, `[RUN_IDS]...` as `run IDs`.
fn flag_name(shown: &str) -> &str {
    if shown.contains("RUN_IDS") {
        return "run IDs";
    }
    shown.split([' ', '=']).next().unwrap_or(shown)
}

/// Where a source of runs comes in the order errors name them; `None` for
/// a flag that is no source.
fn rank(flag: &str) -> Option<u8> {
    match flag {
        "run IDs" | "--run-ids-file" => Some(0),
        "--from-file" => Some(1),
        "--result-id" => Some(2),
        f if SELECTORS
            .iter()
            .any(|s| f.strip_prefix("--").map(|f| f.replace('-', "_")).as_deref() == Some(*s)) =>
        {
            Some(3)
        }
        _ => None,
    }
}
