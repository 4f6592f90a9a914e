//! `--suite PATH`: runs chosen by a Tests-as-Code spec.

use super::flags::number;
use super::{Chosen, default_name, dial_command};
use crate::cli::Args;
use crate::config::Env;
use crate::config::suite::SuiteRun;
use crate::error::{Error, usage};
use crate::start;
use serde_json::{Map, Value};
use std::io::Read;
use std::path::Path;

/// `--suite PATH`: checked before anything else, with no key; then only
/// checked (`--check`), replayed by key (`--from-file`), priced by the
/// platform (`--dry-run`) or started.
pub(super) fn chosen(
    args: &Args,
    env: &Env,
    stdin: &mut dyn Read,
    keys: &[&str],
    path: &Path,
) -> Result<(Option<Chosen>, Option<SuiteRun>), Error> {
    // The flags a spec replaces (a start's, another source of runs) are
    // declared to clap as clashing with --suite (cli::flat); the `suite`
    // command has none of them.
    let s = &args.start;
    let annotations = env.github_actions;
    let suite = crate::config::suite::read(path, args.form.suite(), stdin, annotations)?;
    if s.check {
        if let Some(flag) = [
            ("--agent-id", s.agent_id.is_some()),
            ("--dry-run", s.dry_run),
            ("--from-file", args.from_file.is_some()),
        ]
        .into_iter()
        .find_map(|(f, given)| given.then_some(f))
        {
            return Err(usage(format!(
                "--check only checks the spec, with no key and no network; drop {flag}"
            )));
        }
        return Ok((
            Some(Chosen::Checked(crate::config::suite::checked(&suite))),
            Some(suite),
        ));
    }
    if args.from_file.is_some() {
        // A replay of a suite's runs: the spec names the cases by key.
        if s.agent_id.is_some() || s.dry_run {
            return Err(usage(
                "--suite with --from-file replays a suite's saved runs, naming them by the spec's keys; it starts nothing, so drop --agent-id and --dry-run",
            ));
        }
        return Ok((None, Some(suite)));
    }
    let Some(agent) = &s.agent_id else {
        return Err(usage(
            "--suite needs --agent-id N: the agent to test (a spec never names it); or add --check to only check the spec",
        ));
    };
    let agent = number("--agent-id", agent, keys)?;
    let default_name = suite
        .spec
        .suite_name
        .clone()
        .unwrap_or_else(|| default_name(env));
    let name = s.run_name.clone().unwrap_or(default_name);
    let mut body = Map::new();
    body.insert("agent_id".into(), Value::from(agent));
    body.insert("spec".into(), suite.spec.value.clone());
    body.insert("channel".into(), Value::from(s.channel.as_str()));
    body.insert(
        "name".into(),
        Value::from(start::unique_name(&name, env.ci_run.as_deref(), &env.nonce)),
    );
    Ok((
        Some(Chosen::Start {
            body,
            dry_run: s.dry_run,
            keep_calls: s.keep_calls,
            dial_command: dial_command(s)?,
            suite: true,
        }),
        Some(suite),
    ))
}
