//! Which runs to gate when they are not given by ID: an existing result
//! (`--result-id`) or a new one to start. Exactly one source of runs per
//! invocation; every start flag is checked here, before any request, since
//! every call a start places is billed.

mod flags;
mod suite;
#[cfg(test)]
mod tests;

use super::Env;
use super::suite::SuiteRun;
use crate::cli::{Args, Channel, StartArgs};
use crate::error::{Error, usage};
use crate::start;
use flags::{flags, hide, number, read_trigger};
use serde_json::{Map, Value};
use std::io::Read;

/// Runs chosen other than by ID.
#[derive(Debug, Clone, PartialEq)]
pub enum Chosen {
    /// Every run of this result.
    Result(u64),
    /// A new result, started with this body.
    Start {
        body: Map<String, Value>,
        /// `--dry-run`: print the request, send nothing (with `--suite`:
        /// ask the platform to validate and price the spec).
        dry_run: bool,
        /// `--keep-calls`: never end the calls.
        keep_calls: bool,
        /// `--dial-command`: run for each run that must be dialed.
        dial_command: Option<String>,
        /// Started from a Tests-as-Code spec (`--suite`): the body is a
        /// `run_scenarios_json` request.
        suite: bool,
    },
    /// `--suite PATH --check`: the spec is valid; nothing to send.
    Checked(String),
}

/// The start flags that choose the agent or the scenarios: any one of them
/// makes this invocation start runs.
fn start_flags(s: &StartArgs) -> Vec<&'static str> {
    [
        ("--agent-id", s.agent_id.is_some()),
        ("--assistant-id", s.assistant_id.is_some()),
        ("--scenarios", s.scenarios.is_some()),
        ("--tags", s.tags.is_some()),
        ("--folder-path", s.folder_path.is_some()),
        ("--trigger-json", s.trigger_json.is_some()),
    ]
    .into_iter()
    .filter_map(|(flag, given)| given.then_some(flag))
    .collect()
}

/// The flags that only shape a start.
fn start_options(s: &StartArgs) -> Vec<&'static str> {
    [
        ("--project-id", s.project_id.is_some()),
        ("--frequency", s.frequency.is_some()),
        ("--run-name", s.run_name.is_some()),
        ("--concurrency-limit", s.concurrency_limit.is_some()),
        ("--personality-ids", s.personality_ids.is_some()),
        ("--test-profile-ids", s.test_profile_ids.is_some()),
        ("--mode", s.mode.is_some()),
        ("--mock-tools", s.mock_tools.is_some()),
        ("--dry-run", s.dry_run),
        ("--keep-calls", s.keep_calls),
        ("--dial-command", s.dial_command.is_some()),
    ]
    .into_iter()
    .filter_map(|(flag, given)| given.then_some(flag))
    .collect()
}

/// The runs chosen by `--result-id`, the start flags or `--suite`, `None`
/// when the runs come by ID or from `--from-file`; and the spec of
/// `--suite`, checked (with `--from-file` it only names the cases by key).
/// `keys` are the key values in play, never quoted back.
pub fn choose(
    args: &Args,
    env: &Env,
    stdin: &mut dyn Read,
    keys: &[&str],
) -> Result<(Option<Chosen>, Option<SuiteRun>), Error> {
    let s = &args.start;
    if let Some(path) = &s.suite {
        return suite::chosen(args, env, stdin, keys, path);
    }
    for (flag, given) in [
        ("--check", s.check),
        ("--channel", s.channel != Channel::Voice),
    ] {
        if given {
            return Err(usage(format!(
                "{flag} only applies with --suite PATH (a Tests-as-Code spec)"
            )));
        }
    }
    choose_runs(args, env, stdin, keys).map(|chosen| (chosen, None))
}

/// The runs chosen by `--result-id` or the start flags.
fn choose_runs(
    args: &Args,
    env: &Env,
    stdin: &mut dyn Read,
    keys: &[&str],
) -> Result<Option<Chosen>, Error> {
    let s = &args.start;
    // Which source of runs (run IDs, --from-file, --result-id, a start) is
    // clap's to check: the flat form declares them exclusive (cli::flat),
    // and each command has only its own.
    let starting = start_flags(s);
    if starting.is_empty() {
        if let Some(option) = start_options(s).first() {
            return Err(usage(format!(
                "{option} only applies when starting runs; add --agent-id N and one of --scenarios, --tags or --folder-path"
            )));
        }
        return match &s.result_id {
            Some(text) => Ok(Some(Chosen::Result(number(
                args.form.result_id(),
                text,
                keys,
            )?))),
            None => Ok(None),
        };
    }
    let flags = flags(s, keys)?;
    let file = match &s.trigger_json {
        Some(path) => Some(read_trigger(path, stdin, keys)?),
        None => None,
    };
    // Every started result is named, and named uniquely: a start whose
    // fate is unknown is then found by its name, never sent again.
    let name = default_name(env);
    let mut body = start::body(&flags, file, Some(&name)).map_err(|e| usage(hide(&e, keys)))?;
    if let Some(Value::String(name)) = body.get_mut("name") {
        *name = start::unique_name(name, env.ci_run.as_deref(), &env.nonce);
    }
    countable(&body)?;
    Ok(Some(Chosen::Start {
        body,
        dry_run: s.dry_run,
        keep_calls: s.keep_calls,
        dial_command: dial_command(s)?,
        suite: false,
    }))
}

/// `--dial-command`, refused when it holds no command.
fn dial_command(s: &StartArgs) -> Result<Option<String>, Error> {
    match &s.dial_command {
        Some(cmd) if cmd.trim().is_empty() => Err(usage(
            "--dial-command is empty; give a command for sh, e.g. --dial-command ./dial.sh",
        )),
        cmd => Ok(cmd.clone()),
    }
}

/// A start whose calls cannot be counted (more than `u64::MAX`) is refused:
/// the dry run and the start's log would show a wrong number, and no API
/// places so many.
fn countable(body: &Map<String, Value>) -> Result<(), Error> {
    let Some(calls) = start::Calls::of(body) else {
        return Ok(());
    };
    let factors = [calls.frequency, calls.personalities, calls.test_profiles];
    if factors
        .iter()
        .try_fold(calls.scenarios, |total, n| total.checked_mul(*n))
        .is_some()
    {
        return Ok(());
    }
    let mut product = format!(
        "{} x {}",
        start::plural(calls.scenarios, "scenario"),
        calls.frequency
    );
    for (n, what) in [
        (calls.personalities, "personality"),
        (calls.test_profiles, "test profile"),
    ] {
        if n > 1 {
            product.push_str(&format!(" x {}", start::plural(n, what)));
        }
    }
    Err(usage(format!(
        "the start would place more than {} calls ({product}), each billed; lower --frequency",
        u64::MAX
    )))
}

/// The default result name: `commit` and the commit's first 12
/// characters, or `vocera-gate` when no commit variable is set.
fn default_name(env: &Env) -> String {
    env.commit.as_deref().map_or_else(
        || "vocera-gate".to_owned(),
        |sha| {
            let short: String = sha.trim().chars().take(12).collect();
            format!("commit {short}")
        },
    )
}
