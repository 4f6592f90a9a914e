//! Which runs to gate when they are not given by ID: an existing result
//! (`--result-id`) or a new one to start. Exactly one source of runs per
//! invocation; every start flag is checked here, before any request, since
//! every call a start places is billed.

use super::Env;
use super::suite::SuiteRun;
use crate::cli::{Args, Channel, StartArgs};
use crate::error::{Error, usage};
use crate::start::{self, Agent, Flags, MockTools, Selector};
use serde_json::{Map, Value};
use std::io::Read;
use std::path::Path;

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
        return suite_chosen(args, env, stdin, keys, path);
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

/// `--suite PATH`: checked before anything else, with no key; then only
/// checked (`--check`), replayed by key (`--from-file`), priced by the
/// platform (`--dry-run`) or started.
fn suite_chosen(
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
    let suite = super::suite::read(path, stdin, annotations)?;
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
            Some(Chosen::Checked(super::suite::checked(&suite))),
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

/// The runs chosen by `--result-id` or the start flags.
fn choose_runs(
    args: &Args,
    env: &Env,
    stdin: &mut dyn Read,
    keys: &[&str],
) -> Result<Option<Chosen>, Error> {
    // Which source of runs (run IDs, --from-file, --result-id, a start) is
    // clap's to check: the flat form declares them exclusive (cli::flat),
    // and each command has only its own.
    let s = &args.start;
    let starting = start_flags(s);
    if starting.is_empty() {
        if let Some(option) = start_options(s).first() {
            return Err(usage(format!(
                "{option} only applies when starting runs; add --agent-id N and one of --scenarios, --tags or --folder-path"
            )));
        }
        return match &s.result_id {
            Some(text) => Ok(Some(Chosen::Result(number("--result-id", text, keys)?))),
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

/// The flags, typed; clashes between them named.
fn flags(s: &StartArgs, keys: &[&str]) -> Result<Flags, Error> {
    let agent = match (&s.agent_id, &s.assistant_id) {
        (Some(_), Some(_)) => {
            return Err(usage(
                "--agent-id and --assistant-id both name the agent; give one",
            ));
        }
        (Some(id), None) => Some(Agent::Id(number("--agent-id", id, keys)?)),
        (None, Some(text)) => Some(Agent::Assistant(text_value("--assistant-id", text)?)),
        (None, None) => None,
    };
    let selectors: Vec<&str> = [
        ("--scenarios", s.scenarios.is_some()),
        ("--tags", s.tags.is_some()),
        ("--folder-path", s.folder_path.is_some()),
    ]
    .into_iter()
    .filter_map(|(flag, given)| given.then_some(flag))
    .collect();
    if let [a, b, ..] = selectors.as_slice() {
        return Err(usage(format!(
            "{a} and {b} both choose the scenarios; give one"
        )));
    }
    let selector = if let Some(text) = &s.scenarios {
        Some(Selector::Scenarios(ids("--scenarios", text, keys)?))
    } else if let Some(text) = &s.tags {
        let tags: Vec<String> = text
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        if tags.is_empty() {
            return Err(usage("--tags is empty; give tags like smoke,billing"));
        }
        Some(Selector::Tags(tags))
    } else if let Some(text) = &s.folder_path {
        Some(Selector::Folder(text_value("--folder-path", text)?))
    } else {
        None
    };
    let optional = |flag: &str, value: &Option<String>| -> Result<Option<u64>, Error> {
        value.as_deref().map(|t| number(flag, t, keys)).transpose()
    };
    let list = |flag: &str, value: &Option<String>| -> Result<Option<Vec<u64>>, Error> {
        value.as_deref().map(|t| ids(flag, t, keys)).transpose()
    };
    Ok(Flags {
        agent,
        selector,
        project_id: optional("--project-id", &s.project_id)?,
        frequency: optional("--frequency", &s.frequency)?,
        name: s
            .run_name
            .as_deref()
            .map(|t| text_value("--run-name", t))
            .transpose()?,
        concurrency_limit: optional("--concurrency-limit", &s.concurrency_limit)?,
        personality_ids: list("--personality-ids", &s.personality_ids)?,
        test_profile_ids: list("--test-profile-ids", &s.test_profile_ids)?,
        mode: s.mode.map(|m| m.as_str().to_owned()),
        mock_tools: s.mock_tools.as_deref().map(mock_tools).transpose()?,
    })
}

/// `--mock-tools`: `all`, `none`, or tool names separated by commas.
fn mock_tools(text: &str) -> Result<MockTools, Error> {
    match text.trim() {
        "all" => return Ok(MockTools::All),
        "none" => return Ok(MockTools::None),
        _ => {}
    }
    let names: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        return Err(usage(
            "--mock-tools is empty; give all (every tool mocked), none (no tool mocked) or tool names like lookup,book",
        ));
    }
    Ok(MockTools::Names(names))
}

/// `text` with every key in play replaced.
fn hide(text: &str, keys: &[&str]) -> String {
    keys.iter()
        .filter(|k| crate::api::shows_key(text, k))
        .fold(text.to_owned(), |t, k| t.replace(k, "[the API key]"))
}

/// A refused value, quoted unless it holds the key.
fn refused(flag: &str, text: &str, what: impl std::fmt::Display, keys: &[&str]) -> Error {
    if keys.iter().any(|k| crate::api::shows_key(text, k)) {
        return usage(format!(
            "{flag} holds the API key; pass the key with --api-key or VOCERA_API_KEY, never in {flag}"
        ));
    }
    usage(format!("{flag} {text:?} {what}"))
}

/// A positive integer flag, at most `u64::MAX`.
fn number(flag: &str, text: &str, keys: &[&str]) -> Result<u64, Error> {
    let t = text.trim();
    t.parse::<u64>()
        .ok()
        .filter(|n| *n > 0 && t.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| refused(flag, text, super::ids::not_an_id(t), keys))
}

/// A list of positive IDs, separated by commas and/or whitespace.
fn ids(flag: &str, text: &str, keys: &[&str]) -> Result<Vec<u64>, Error> {
    let mut ids = Vec::new();
    for token in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        ids.push(number(flag, token, keys).map_err(|e| match e {
            Error::Usage(m) if !m.contains("holds the API key") => {
                usage(format!("{m}; give IDs like 101,102"))
            }
            e => e,
        })?);
    }
    if ids.is_empty() {
        return Err(usage(format!("{flag} is empty; give IDs like 101,102")));
    }
    Ok(super::ids::dedup(ids))
}

/// A text flag, trimmed; empty is an error.
fn text_value(flag: &str, text: &str) -> Result<String, Error> {
    let t = text.trim();
    if t.is_empty() {
        return Err(usage(format!("{flag} is empty")));
    }
    Ok(t.to_owned())
}

/// The `--trigger-json` object, from a file or standard input.
fn read_trigger(
    path: &Path,
    stdin: &mut dyn Read,
    keys: &[&str],
) -> Result<Map<String, Value>, Error> {
    let text = if path.as_os_str() == "-" {
        // --run-ids-file (the other reader of standard input) is another
        // source of runs, refused before this.
        let mut s = String::new();
        stdin.read_to_string(&mut s).map_err(|e| {
            usage(format!(
                "cannot read --trigger-json from standard input: {e}"
            ))
        })?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            usage(format!(
                "cannot read --trigger-json {}: {}",
                path.display(),
                crate::files::plain(&e)
            ))
        })?
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(usage(format!(
            "--trigger-json {} is not a JSON object; give e.g. {{\"agent_id\": 42, \"tags\": [\"smoke\"]}}",
            path.display()
        ))),
        Err(e) => Err(usage(hide(
            &format!("--trigger-json {} is not valid JSON: {e}", path.display()),
            keys,
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn chosen(argv: &[&str], env: &Env) -> Result<Option<Chosen>, Error> {
        // Sources of runs that clash are clap's to refuse (cli::flat).
        let args = Args::try_parse_from(std::iter::once("vocera-gate").chain(argv.iter().copied()))
            .map_err(|e| crate::error::usage(e.to_string()))?;
        choose(&args, env, &mut std::io::empty(), &["vk_secret_123"]).map(|(c, _)| c)
    }

    #[test]
    fn one_source_of_runs_and_clashes_are_named() {
        for (argv, says) in [
            (&["1,2", "--result-id", "5"][..], "run IDs and --result-id"),
            (
                &["--from-file", "r.json", "--agent-id", "1"],
                "--from-file and --agent-id",
            ),
            (
                &["--result-id", "5", "--tags", "a"],
                "--result-id and --tags",
            ),
            (
                &["--agent-id", "1", "--assistant-id", "a", "--tags", "x"],
                "--agent-id and --assistant-id",
            ),
            (
                &["--agent-id", "1", "--tags", "x", "--scenarios", "1"],
                "--scenarios and --tags",
            ),
            (&["--frequency", "3", "1,2"], "--frequency only applies"),
            (&["--dry-run", "--result-id", "5"], "--dry-run only applies"),
            (
                &["--agent-id", "x1", "--tags", "a"],
                "--agent-id \"x1\" is not a positive integer",
            ),
            (
                &["--agent-id", "1", "--scenarios", "1,0"],
                "--scenarios \"0\"",
            ),
            (
                &["--agent-id", "1", "--tags", "a", "--frequency", "0"],
                "--frequency \"0\"",
            ),
            (&["--agent-id", "1", "--tags", " , "], "--tags is empty"),
            (&["--agent-id", "1"], "no scenarios chosen"),
            (&["--tags", "a"], "no agent"),
            (
                &["--agent-id", "1", "--folder-path", "A.B"],
                "needs --project-id",
            ),
            (
                &["--agent-id", "vk_secret_123", "--tags", "a"],
                "--agent-id holds the API key",
            ),
            (
                &["--result-id", "12345678901234567890123"],
                "--result-id \"12345678901234567890123\" is too large; the largest is 18446744073709551615",
            ),
            (
                &["--agent-id", "1", "--scenarios", "1,18446744073709551616"],
                "\"18446744073709551616\" is too large; the largest is 18446744073709551615; give IDs like 101,102",
            ),
            (
                &[
                    "--agent-id",
                    "1",
                    "--scenarios",
                    "1,2",
                    "--frequency",
                    "9223372036854775808",
                ],
                "more than 18446744073709551615 calls (2 scenarios x 9223372036854775808), each billed",
            ),
            (
                &[
                    "--agent-id",
                    "1",
                    "--scenarios",
                    "1",
                    "--frequency",
                    "9223372036854775808",
                    "--personality-ids",
                    "1,2",
                    "--test-profile-ids",
                    "3,4",
                ],
                "(1 scenario x 9223372036854775808 x 2 personalities x 2 test profiles)",
            ),
        ] {
            let err = chosen(argv, &Env::default()).expect_err(says);
            assert!(err.to_string().contains(says), "{argv:?}: {err}");
            assert!(!err.to_string().contains("vk_secret_123"), "{err}");
        }
        assert_eq!(chosen(&["1,2"], &Env::default()).ok(), Some(None));
        let most = ["--agent-id", "1", "--scenarios", "1", "--frequency"];
        let argv = [&most[..], &["18446744073709551615"]].concat();
        let Ok(Some(Chosen::Start { body, .. })) = chosen(&argv, &Env::default()) else {
            panic!("u64::MAX calls can be counted");
        };
        let calls = start::Calls::of(&body).map(|c| c.total());
        assert_eq!(calls, Some(u64::MAX));
        assert_eq!(
            chosen(&["--result-id", "9876"], &Env::default()).ok(),
            Some(Some(Chosen::Result(9876)))
        );
    }

    #[test]
    fn the_trigger_file_may_come_from_standard_input_but_not_twice() {
        let parse = |argv: &[&str]| {
            Args::try_parse_from(std::iter::once("vocera-gate").chain(argv.iter().copied()))
                .expect("parses")
        };
        let args = parse(&["--trigger-json", "-", "--scenarios", "1"]);
        let mut stdin = r#"{"agent_id": 7, "frequency": 2}"#.as_bytes();
        let Ok((Some(Chosen::Start { body, .. }), None)) =
            choose(&args, &Env::default(), &mut stdin, &[])
        else {
            panic!("a start from standard input");
        };
        assert_eq!(
            Value::Object(body),
            serde_json::json!({"agent_id": 7, "frequency": 2, "scenarios": [1], "name": "vocera-gate"})
        );
        let args = parse(&["--trigger-json", "-"]);
        let err = choose(&args, &Env::default(), &mut "[1]".as_bytes(), &[]).expect_err("array");
        assert!(err.to_string().contains("is not a JSON object"), "{err}");
        let err = choose(&args, &Env::default(), &mut "{".as_bytes(), &[]).expect_err("bad");
        assert!(err.to_string().contains("is not valid JSON"), "{err}");
    }

    #[test]
    fn a_start_names_the_commit_unless_named() {
        let env = Env {
            commit: Some("0123456789abcdef0123".into()),
            ..Env::default()
        };
        let argv = [
            "--agent-id",
            "42",
            "--scenarios",
            "101 102,101",
            "--frequency",
            "3",
        ];
        let Ok(Some(Chosen::Start {
            body,
            dry_run,
            keep_calls,
            dial_command: None,
            suite: false,
        })) = chosen(&argv, &env)
        else {
            panic!("a start");
        };
        assert_eq!(
            Value::Object(body),
            serde_json::json!({"agent_id": 42, "scenarios": [101, 102], "frequency": 3,
                "name": "commit 0123456789ab"})
        );
        assert!(!dry_run && !keep_calls);
        let named = chosen(
            &["--agent-id", "1", "--tags", "a, b", "--run-name", "nightly"],
            &env,
        );
        let Ok(Some(Chosen::Start { body, .. })) = named else {
            panic!("a start");
        };
        assert_eq!(body["name"], "nightly");
        assert_eq!(body["tags"], serde_json::json!(["a", "b"]));
        let ci = Env {
            ci_run: Some("run 7.1".into()),
            nonce: "3f9a0c2e".into(),
            ..Env::default()
        };
        let Ok(Some(Chosen::Start { body, .. })) = chosen(&["--agent-id", "1", "--tags", "a"], &ci)
        else {
            panic!("a start");
        };
        assert_eq!(
            body["name"], "vocera-gate (run 7.1, gate 3f9a0c2e)",
            "named without a commit, uniquely"
        );
    }
}
