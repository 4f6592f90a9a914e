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

pub use answers::{
    Named, Started, field_messages, named_result, parse_named, parse_result_runs, parse_started,
    parse_success_rate,
};

use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The body fields the documentation lists, in its order.
pub const FIELDS: [&str; 15] = [
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
    "mode",
    "concurrency_limit",
    "outbound_phone_number",
    "agent_number",
    "mock_tool_names",
];

/// The three ways to choose scenarios; exactly one goes in a body.
pub const SELECTORS: [&str; 3] = ["scenarios", "tags", "folder_path"];

/// The documented `mode` values.
pub const MODES: [&str; 2] = ["same_number", "different_numbers"];

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
            "tags" | "mock_tool_names" => {
                list(value, |v| v.as_str().is_some_and(|s| !s.trim().is_empty()))
            }
            "personality_ids" | "test_profile_ids" => value.is_null() || list(value, positive),
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

fn expected(key: &str) -> &'static str {
    match key {
        "agent_id" | "project_id" | "concurrency_limit" => "a positive integer",
        "frequency" => "a positive integer (how many times each scenario runs)",
        "scenarios" => "a non-empty list of positive scenario IDs",
        "tags" | "mock_tool_names" => "a non-empty list of non-empty strings",
        "personality_ids" | "test_profile_ids" => "a non-empty list of positive IDs, or null",
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
        let count = |key: &str| {
            body.get(key)
                .and_then(Value::as_array)
                .map_or(1, |a| a.len().max(1) as u64)
        };
        let scenarios = body.get("scenarios")?.as_array()?.len() as u64;
        Some(Calls {
            scenarios,
            frequency: frequency(body),
            personalities: count("personality_ids"),
            test_profiles: count("test_profile_ids"),
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
    pub fn describe(&self) -> String {
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

pub(crate) fn plural(n: u64, what: &str) -> String {
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
mod tests {
    use super::*;
    use serde_json::json;

    fn flags() -> Flags {
        Flags {
            agent: Some(Agent::Id(42)),
            selector: Some(Selector::Scenarios(vec![101, 102])),
            ..Flags::default()
        }
    }

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn flags_make_the_body_and_the_commit_names_it() {
        let body = body(&flags(), None, Some("commit abc")).expect("valid");
        assert_eq!(
            Value::Object(body),
            json!({"agent_id": 42, "scenarios": [101, 102], "name": "commit abc"})
        );
    }

    #[test]
    fn flags_override_the_file_and_the_file_may_give_the_rest() {
        let file = object(json!({
            "assistant_id": "asst_1", "tags": ["smoke"], "frequency": 2,
            "name": "from file", "mock_tool_names": ["lookup"], "mode": "same_number"
        }));
        let mut f = flags();
        f.frequency = Some(3);
        let body = body(&f, Some(file.clone()), Some("commit abc")).expect("valid");
        assert_eq!(
            Value::Object(body),
            json!({"agent_id": 42, "scenarios": [101, 102], "frequency": 3,
                   "name": "from file", "mock_tool_names": ["lookup"], "mode": "same_number"}),
            "the flags' agent and selector replace the file's kind of them"
        );
        let alone = super::body(&Flags::default(), Some(file), None).expect("file alone");
        assert_eq!(alone["assistant_id"], "asst_1");
        assert_eq!(alone["tags"], json!(["smoke"]));
    }

    #[test]
    fn bodies_outside_the_documentation_are_refused_naming_the_field() {
        let cases = [
            (
                json!({"agent_id": 1, "scenarios": [1], "retries": 3}),
                "\"retries\"",
            ),
            (
                json!({"agent_id": 1, "tags": ["a"], "scenarios": [1]}),
                "scenarios and tags both",
            ),
            (
                json!({"agent_id": 1, "assistant_id": "a", "tags": ["a"]}),
                "keep one",
            ),
            (
                json!({"agent_id": 1, "folder_path": "A.B"}),
                "needs --project-id",
            ),
            (
                json!({"agent_id": "1", "tags": ["a"]}),
                "agent_id must be a positive integer",
            ),
            (
                json!({"agent_id": 1, "tags": []}),
                "tags must be a non-empty list",
            ),
            (
                json!({"agent_id": 1, "tags": ["a"], "frequency": 0}),
                "frequency must be",
            ),
            (
                json!({"agent_id": 1, "tags": ["a"], "mode": "one"}),
                "mode must be",
            ),
            (
                json!({"agent_id": 1, "scenarios": [1, -2]}),
                "scenarios must be",
            ),
            (json!({"tags": ["a"]}), "no agent"),
            (json!({"agent_id": 1}), "no scenarios chosen"),
        ];
        for (file, says) in cases {
            let err = body(&Flags::default(), Some(object(file.clone())), None).expect_err("bad");
            assert!(err.contains(says), "{file}: {err}");
        }
        let err = body(&flags(), Some(object(json!({"frequency": 0}))), None).expect_err("bad");
        assert!(err.starts_with("--trigger-json: frequency"), "{err}");
    }

    #[test]
    fn calls_multiply_as_documented_and_are_unknown_for_tags() {
        let body = object(
            json!({"agent_id": 1, "scenarios": [1, 2, 3, 4], "frequency": 3,
            "personality_ids": [7, 8], "test_profile_ids": null}),
        );
        let calls = Calls::of(&body).expect("known");
        assert_eq!(calls.total(), 24);
        assert_eq!(
            calls.describe(),
            "24 calls (4 scenarios x 3 x 2 personalities)"
        );
        assert_eq!(Calls::of(&object(json!({"tags": ["a"]}))), None);
        let text = dry_run("https://x/run/", "X-KEY", &body);
        assert!(
            text.starts_with("POST https://x/run/\nX-KEY: [the API key]\n"),
            "{text}"
        );
        assert!(text.contains("place 24 calls"), "{text}");
    }

    #[test]
    fn a_started_result_is_named_by_the_commit_the_ci_run_and_the_invocation() {
        assert_eq!(
            unique_name("commit 0123456789ab", Some("run 123456.2"), "3f9a0c2e"),
            "commit 0123456789ab (run 123456.2, gate 3f9a0c2e)"
        );
        assert_eq!(
            unique_name("nightly", None, "3f9a0c2e"),
            "nightly (gate 3f9a0c2e)"
        );
        assert_eq!(unique_name("nightly", None, ""), "nightly");
    }
}
