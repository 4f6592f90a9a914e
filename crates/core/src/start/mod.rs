//! Starting runs, as data: the start request's JSON body built from the
//! flags and a `--trigger-json` file (flags win), checked against the
//! documented fields before anything is sent, the number of calls it will
//! place when that is knowable, and the API's answers (a started result, a
//! result's run IDs, a 400's field messages) read strictly.
//!
//! No I/O here: `config` reads the file, `api` sends the body, `app` prints.
//! Every call is billed, so anything the API documentation does not cover
//! (an unknown field, a value of another type) is refused, not passed on.

mod answers;
mod dial;

pub use answers::{
    Named, Started, field_messages, named_result, parse_named, parse_result_runs, parse_started,
    parse_success_rate,
};
pub use dial::Dial;

use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The body fields the documentation lists, in its order (the single
/// overrides `personality_id` and `test_profile_id` documented later).
pub(crate) const FIELDS: [&str; 17] = [
    "agent_id",
    "assistant_id",
    "scenarios",
    "tags",
    "folder_path",
    "project_id",
    "frequency",
    "name",
    "personality_ids",
    "test_profile_ids",
    "personality_id",
    "test_profile_id",
    "mode",
    "concurrency_limit",
    "outbound_phone_number",
    "agent_number",
    "mock_tool_names",
];

/// The three ways to choose scenarios; exactly one goes in a body.
pub(crate) const SELECTORS: [&str; 3] = ["scenarios", "tags", "folder_path"];

/// The documented `mode` values.
pub(crate) const MODES: [&str; 2] = ["same_number", "different_numbers"];

/// The agent under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agent {
    Id(u64),
    Assistant(String),
}

/// Which scenarios to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Scenarios(Vec<u64>),
    Tags(Vec<String>),
    Folder(String),
}

/// What the flags say about the body, each already typed; `None` leaves
/// the file's value (if any) in place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub agent: Option<Agent>,
    pub selector: Option<Selector>,
    pub project_id: Option<u64>,
    pub frequency: Option<u64>,
    pub name: Option<String>,
    pub concurrency_limit: Option<u64>,
    pub personality_ids: Option<Vec<u64>>,
    pub test_profile_ids: Option<Vec<u64>>,
    pub mode: Option<String>,
    pub mock_tools: Option<MockTools>,
}

/// Which of the agent's tools run as mocks (`--mock-tools`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MockTools {
    /// Every tool configured on the agent: `mock_tool_names` omitted.
    All,
    /// None: `mock_tool_names` is `[]`, the agent's real tools run.
    None,
    /// These.
    Names(Vec<String>),
}

/// The start request's body: the file's fields, overridden by the flags,
/// `name` defaulting to `default_name`, then checked. Errors name the field
/// (and `--trigger-json` when the file gave it).
pub fn body(
    flags: &Flags,
    file: Option<Map<String, Value>>,
    default_name: Option<&str>,
) -> Result<Map<String, Value>, String> {
    let mut body = file.unwrap_or_default();
    if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!(
            "--trigger-json has the field {unknown:?}, which the start endpoint does not document; use only {}",
            FIELDS.join(", ")
        ));
    }
    let from_file: BTreeSet<String> = body.keys().cloned().collect();
    if let Some(agent) = &flags.agent {
        body.remove("agent_id");
        body.remove("assistant_id");
        match agent {
            Agent::Id(id) => body.insert("agent_id".into(), (*id).into()),
            Agent::Assistant(text) => body.insert("assistant_id".into(), text.clone().into()),
        };
    }
    if let Some(selector) = &flags.selector {
        for key in SELECTORS {
            body.remove(key);
        }
        match selector {
            Selector::Scenarios(ids) => body.insert("scenarios".into(), ids.clone().into()),
            Selector::Tags(tags) => body.insert("tags".into(), tags.clone().into()),
            Selector::Folder(path) => body.insert("folder_path".into(), path.clone().into()),
        };
    }
    let numbers = [
        ("project_id", flags.project_id),
        ("frequency", flags.frequency),
        ("concurrency_limit", flags.concurrency_limit),
    ];
    for (key, value) in numbers {
        if let Some(n) = value {
            body.insert(key.into(), n.into());
        }
    }
    for (key, value) in [
        ("personality_ids", &flags.personality_ids),
        ("test_profile_ids", &flags.test_profile_ids),
    ] {
        if let Some(ids) = value {
            body.insert(key.into(), ids.clone().into());
        }
    }
    if let Some(mode) = &flags.mode {
        body.insert("mode".into(), mode.clone().into());
    }
    match &flags.mock_tools {
        Some(MockTools::All) => {
            body.remove("mock_tool_names");
        }
        Some(MockTools::None) => {
            body.insert("mock_tool_names".into(), Value::Array(Vec::new()));
        }
        Some(MockTools::Names(names)) => {
            body.insert("mock_tool_names".into(), names.clone().into());
        }
        None => {}
    }
    if let Some(name) = &flags.name {
        body.insert("name".into(), name.clone().into());
    } else if let (false, Some(name)) = (body.contains_key("name"), default_name) {
        body.insert("name".into(), name.into());
    }
    check(&body).map_err(|e| {
        if from_file.contains(&e.field) {
            format!("--trigger-json: {}", e.message)
        } else {
            e.message
        }
    })?;
    Ok(body)
}

/// A body field that is not as documented.
struct Bad {
    field: String,
    message: String,
}

fn bad(field: &str, message: String) -> Bad {
    Bad {
        field: field.to_owned(),
        message,
    }
}

/// Checks every field's type and the rules between them.
fn check(body: &Map<String, Value>) -> Result<(), Bad> {
    match (body.get("agent_id"), body.get("assistant_id")) {
        (None, None) => {
            return Err(bad(
                "",
                "no agent to test; give --agent-id N or --assistant-id TEXT".into(),
            ));
        }
        (Some(_), Some(_)) => {
            return Err(bad(
                "agent_id",
                "agent_id and assistant_id are both given; keep one".into(),
            ));
        }
        _ => {}
    }
    let selectors: Vec<&str> = SELECTORS
        .into_iter()
        .filter(|k| body.contains_key(*k))
        .collect();
    match selectors.as_slice() {
        [] => {
            return Err(bad(
                "",
                "no scenarios chosen; give one of --scenarios IDS, --tags TAGS or --folder-path PATH (with --project-id N)".into(),
            ));
        }
        [_] => {}
        [first, second, ..] => {
            return Err(bad(
                first,
                format!("{first} and {second} both choose scenarios; keep one"),
            ));
        }
    }
    if body.contains_key("folder_path") && !body.contains_key("project_id") {
        return Err(bad(
            "folder_path",
            "--folder-path needs --project-id N (the project the folder is in)".into(),
        ));
    }
    for (key, value) in body {
        let ok = match key.as_str() {
            "agent_id" | "project_id" | "frequency" | "concurrency_limit" => positive(value),
            "assistant_id" | "folder_path" | "name" | "outbound_phone_number" | "agent_number" => {
                value.as_str().is_some_and(|s| !s.trim().is_empty())
            }
            "scenarios" => list(value, positive),
            "tags" => list(value, text),
            // null or absent mocks every tool, [] none.
            "mock_tool_names" => value.is_null() || any_list(value, text),
            "personality_ids" | "test_profile_ids" => value.is_null() || any_list(value, positive),
            "personality_id" | "test_profile_id" => value.is_null() || positive(value),
            "mode" => value.as_str().is_some_and(|m| MODES.contains(&m)),
            _ => false,
        };
        if !ok {
            return Err(bad(key, format!("{key} must be {}", expected(key))));
        }
    }
    Ok(())
}

pub(crate) fn positive(value: &Value) -> bool {
    value.as_u64().is_some_and(|n| n > 0)
}

fn list(value: &Value, each: impl Fn(&Value) -> bool) -> bool {
    value
        .as_array()
        .is_some_and(|items| !items.is_empty() && items.iter().all(each))
}

/// A list, empty or not, of items that are each `each`.
fn any_list(value: &Value, each: impl Fn(&Value) -> bool) -> bool {
    value.as_array().is_some_and(|items| items.iter().all(each))
}

fn text(value: &Value) -> bool {
    value.as_str().is_some_and(|s| !s.trim().is_empty())
}

fn expected(key: &str) -> &'static str {
    match key {
        "agent_id" | "project_id" | "concurrency_limit" => "a positive integer",
        "frequency" => "a positive integer (how many times each scenario runs)",
        "scenarios" => "a non-empty list of positive scenario IDs",
        "tags" => "a non-empty list of non-empty strings",
        "mock_tool_names" => "a list of tool names ([] mocks none), or null (mocks every tool)",
        "personality_ids" | "test_profile_ids" => "a list of positive IDs, or null",
        "personality_id" | "test_profile_id" => "a positive integer, or null",
        "mode" => "\"same_number\" or \"different_numbers\"",
        _ => "a non-empty string",
    }
}

/// The calls a start will place, when the body names its scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calls {
    pub scenarios: u64,
    pub frequency: u64,
    pub personalities: u64,
    pub test_profiles: u64,
}

impl Calls {
    /// scenarios × frequency × max(1, personalities) × max(1, test profiles),
    /// as documented; `None` when tags or a folder choose the scenarios.
    pub fn of(body: &Map<String, Value>) -> Option<Calls> {
        // The single override is merged into the list.
        let count = |list: &str, single: &str| {
            let mut ids: BTreeSet<u64> = body
                .get(list)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default();
            ids.extend(body.get(single).and_then(Value::as_u64));
            ids.len().max(1) as u64
        };
        let scenarios = body.get("scenarios")?.as_array()?.len() as u64;
        Some(Calls {
            scenarios,
            frequency: frequency(body),
            personalities: count("personality_ids", "personality_id"),
            test_profiles: count("test_profile_ids", "test_profile_id"),
        })
    }

    pub fn total(&self) -> u64 {
        self.scenarios
            .saturating_mul(self.frequency)
            .saturating_mul(self.personalities)
            .saturating_mul(self.test_profiles)
    }

    /// `12 calls (4 scenarios x 3 x 2 personalities)`: the factors above 1
    /// after the scenarios.
    pub(crate) fn describe(&self) -> String {
        let mut s = format!(
            "{} ({}",
            plural(self.total(), "call"),
            plural(self.scenarios, "scenario")
        );
        let _ = write!(s, " x {}", self.frequency);
        if self.personalities > 1 {
            let _ = write!(s, " x {}", plural(self.personalities, "personality"));
        }
        if self.test_profiles > 1 {
            let _ = write!(s, " x {}", plural(self.test_profiles, "test profile"));
        }
        s.push(')');
        s
    }
}

/// The name a start gives its result: `name` followed by who started it,
/// `commit 0123456789ab (run 123456.2, gate 3f9a0c2e)`, so that after a
/// start whose fate is unknown exactly this invocation's result can be
/// found by name. `ci` is the CI run's identity when there is one; `nonce`
/// is random per invocation, since two gates of one CI run (a matrix, two
/// steps) share its identity. With neither, `name` as it is.
pub fn unique_name(name: &str, ci: Option<&str>, nonce: &str) -> String {
    let parts: Vec<String> = ci
        .map(str::to_owned)
        .into_iter()
        .chain((!nonce.is_empty()).then(|| format!("gate {nonce}")))
        .collect();
    if parts.is_empty() {
        name.to_owned()
    } else {
        format!("{name} ({})", parts.join(", "))
    }
}

/// The body's `frequency`, 1 when absent.
pub fn frequency(body: &Map<String, Value>) -> u64 {
    body.get("frequency").and_then(Value::as_u64).unwrap_or(1)
}

pub fn plural(n: u64, what: &str) -> String {
    match (n, what) {
        (1, _) => format!("1 {what}"),
        (_, "personality") => format!("{n} personalities"),
        _ => format!("{n} {what}s"),
    }
}

/// What the dry run prints: the request (the key header's value hidden)
/// and the calls it would place.
pub fn dry_run(url: &str, header: &str, body: &Map<String, Value>) -> String {
    let json = serde_json::to_string_pretty(body).unwrap_or_else(|_| "{}".to_owned()); // ok: plain data always serializes
    let calls = match Calls::of(body) {
        Some(calls) => format!("it would place {}, each billed", calls.describe()),
        None => "the number of calls is known only after the start: the API chooses the scenarios by tag or folder".to_owned(),
    };
    format!(
        "POST {url}\n{header}: [the API key]\nContent-Type: application/json\n\n{json}\n\nvocera-gate: dry run, nothing was sent; {calls}\n"
    )
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
