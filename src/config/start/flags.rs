//! The start flags, typed: numbers, ID lists, names, `--mock-tools` and
//! the `--trigger-json` file; a value holding the API key is never quoted back.

use crate::cli::StartArgs;
use crate::error::{Error, usage};
use crate::start::{Agent, Flags, MockTools, Selector};
use serde_json::{Map, Value};
use std::io::Read;
use std::path::Path;

/// The flags, typed; clashes between them named.
pub(super) fn flags(s: &StartArgs, keys: &[&str]) -> Result<Flags, Error> {
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
pub(super) fn hide(text: &str, keys: &[&str]) -> String {
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
pub(super) fn number(flag: &str, text: &str, keys: &[&str]) -> Result<u64, Error> {
    let t = text.trim();
    t.parse::<u64>()
        .ok()
        .filter(|n| *n > 0 && t.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| refused(flag, text, crate::config::ids::not_an_id(t), keys))
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
    Ok(crate::config::ids::dedup(ids))
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
pub(super) fn read_trigger(
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
