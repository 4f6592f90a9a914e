//! The spec's rules, checked before anything is sent (the API README,
//! "Tests as Code"): every problem at once, each at its place in the spec.
//!
//! What is documented is checked; what is not is refused (no unknown field
//! anywhere). An inline personality or test profile has no documented
//! fields, so only its type (an ID or an object) is checked here; the
//! platform's dry run checks the rest.

use super::Problem;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// At most this many bytes (1 MB, counted in decimal: the smaller reading).
pub(crate) const MAX_BYTES: usize = 1_000_000;
pub(crate) const MAX_CASES: usize = 200;
const MAX_NAME: usize = 80;
const MAX_KEY: usize = 128;
const MAX_METRICS: usize = 64;
const MAX_TAGS: usize = 32;
const MAX_TOOLS: usize = 16;
const TOOLS: [&str; 6] = [
    "end_call",
    "dtmf",
    "receive_dtmf",
    "end_call_only_on_transfer",
    "send_sms",
    "call_hold",
];
const TOP: [&str; 4] = ["version", "suite", "defaults", "scenarios"];
const SUITE: [&str; 2] = ["name", "description"];
const DEFAULTS: [&str; 8] = [
    "frequency",
    "concurrency_limit",
    "language",
    "max_duration",
    "metrics",
    "personality",
    "test_profile",
    "tags",
];
const CASE: [&str; 14] = [
    "name",
    "key",
    "type",
    "instructions",
    "expected_outcome",
    "first_message",
    "metrics",
    "personality",
    "test_profile",
    "tags",
    "tools",
    "language",
    "frequency",
    "max_duration",
];

/// One case of a valid spec: its identity and its display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub key: String,
    pub name: String,
}

struct Check {
    problems: Vec<Problem>,
}

impl Check {
    fn say(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    /// Fields of `object` not in `known`; `agent_id` and `channel` get their
    /// own message.
    fn fields(&mut self, path: &str, object: &Map<String, Value>, known: &[&str]) {
        for key in object.keys() {
            let at = join(path, key);
            match key.as_str() {
                k if known.contains(&k) => {}
                "agent_id" | "channel" => self.say(
                    &at,
                    format!(
                        "a spec may not name its target: give --{} on the command line instead",
                        key.replace('_', "-")
                    ),
                ),
                _ => self.say(
                    &at,
                    format!(
                        "unknown field {key:?}; the fields here are {}",
                        known.join(", ")
                    ),
                ),
            }
        }
    }

    fn text(&mut self, path: &str, value: Option<&Value>, max: Option<usize>) {
        match value {
            None => {}
            Some(Value::String(s)) => {
                let n = s.chars().count();
                if let Some(max) = max.filter(|m| n > *m) {
                    self.say(path, format!("{n} characters, at most {max} allowed"));
                }
            }
            Some(_) => self.say(path, "expected text (a JSON string)"),
        }
    }

    fn positive(&mut self, path: &str, value: Option<&Value>) {
        match value {
            None => {}
            Some(v) if v.as_u64().is_some_and(|n| n >= 1) => {}
            Some(_) => self.say(path, "expected a whole number of at least 1"),
        }
    }

    fn list<'v>(&mut self, path: &str, value: Option<&'v Value>, max: usize) -> &'v [Value] {
        match value {
            None => &[],
            Some(Value::Array(items)) => {
                if items.len() > max {
                    self.say(
                        path,
                        format!("{} entries, at most {max} allowed", items.len()),
                    );
                }
                items
            }
            Some(_) => {
                self.say(path, "expected a list (a JSON array)");
                &[]
            }
        }
    }

    fn metrics(&mut self, path: &str, value: Option<&Value>) {
        let at = join(path, "metrics");
        for (i, m) in self.list(&at, value, MAX_METRICS).iter().enumerate() {
            let ok = match m {
                Value::Number(n) => n.as_u64().is_some_and(|n| n >= 1),
                Value::String(s) => {
                    !s.is_empty()
                        && s.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                }
                _ => false,
            };
            if !ok {
                self.say(
                    &format!("{at}[{i}]"),
                    "a metric is an existing metric's ID (a whole number) or slug (lowercase letters, digits and _)",
                );
            }
        }
    }

    fn tags(&mut self, path: &str, value: Option<&Value>) {
        let at = join(path, "tags");
        for (i, t) in self.list(&at, value, MAX_TAGS).iter().enumerate() {
            if !t.is_string() {
                self.say(&format!("{at}[{i}]"), "expected text (a JSON string)");
            }
        }
    }

    fn reference(&mut self, path: &str, value: Option<&Value>) {
        match value {
            None | Some(Value::Object(_)) => {}
            Some(v) if v.as_u64().is_some_and(|n| n >= 1) => {}
            Some(_) => self.say(
                path,
                "expected an existing ID (a whole number) or an inline object",
            ),
        }
    }

    /// The fields a case and the defaults share.
    fn shared(&mut self, path: &str, object: &Map<String, Value>) {
        self.positive(&join(path, "frequency"), object.get("frequency"));
        self.positive(&join(path, "max_duration"), object.get("max_duration"));
        self.text(&join(path, "language"), object.get("language"), None);
        self.metrics(path, object.get("metrics"));
        self.tags(path, object.get("tags"));
        self.reference(&join(path, "personality"), object.get("personality"));
        self.reference(&join(path, "test_profile"), object.get("test_profile"));
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Checks a parsed spec: its cases, or every problem found.
pub(crate) fn check(spec: &Value) -> Result<Vec<Case>, Vec<Problem>> {
    let mut c = Check {
        problems: Vec::new(),
    };
    let Some(top) = spec.as_object() else {
        c.say(
            "",
            "a spec is a JSON object with version, suite, defaults and scenarios",
        );
        return Err(c.problems);
    };
    c.fields("", top, &TOP);
    head(&mut c, top);
    let cases = match top.get("scenarios") {
        None => {
            c.say("", "scenarios is missing; a spec runs 1 to 200 cases");
            &[][..]
        }
        Some(Value::Array(cases)) => {
            if cases.is_empty() || cases.len() > MAX_CASES {
                c.say(
                    "scenarios",
                    format!("{} cases; a spec runs 1 to {MAX_CASES}", cases.len()),
                );
            }
            cases
        }
        Some(_) => {
            c.say("scenarios", "expected a list of cases");
            &[][..]
        }
    };
    let mut found = Vec::with_capacity(cases.len());
    let mut keys: HashMap<String, usize> = HashMap::new();
    for (i, case) in cases.iter().enumerate() {
        let path = format!("scenarios[{i}]");
        let Some(case) = case.as_object() else {
            c.say(&path, "expected a case (a JSON object)");
            continue;
        };
        c.fields(&path, case, &CASE);
        let (key, name) = case_names(&mut c, &path, case);
        case_content(&mut c, &path, case);
        if let (Some(key), Some(name)) = (key, name) {
            match keys.get(&key) {
                Some(first) => {
                    let at = if case.contains_key("key") {
                        format!("{path}.key")
                    } else {
                        format!("{path}.name")
                    };
                    c.say(&at, format!("key {key:?} is also case scenarios[{first}]'s; give each case its own key (a key defaults to the name)"));
                }
                None => {
                    keys.insert(key.clone(), i);
                }
            }
            found.push(Case { key, name });
        }
    }
    if c.problems.is_empty() {
        Ok(found)
    } else {
        Err(c.problems)
    }
}

/// The spec's head: its version, suite and defaults.
fn head(c: &mut Check, top: &Map<String, Value>) {
    match top.get("version") {
        Some(Value::String(v)) if v == "1" => {}
        None => c.say("", "version is missing; write \"version\": \"1\""),
        Some(_) => c.say("version", "this gate reads version \"1\" (a string) only"),
    }
    match top.get("suite") {
        None => {}
        Some(Value::Object(suite)) => {
            c.fields("suite", suite, &SUITE);
            c.text("suite.name", suite.get("name"), None);
            c.text("suite.description", suite.get("description"), None);
        }
        Some(_) => c.say("suite", "expected an object with name and description"),
    }
    match top.get("defaults") {
        None => {}
        Some(Value::Object(defaults)) => {
            c.fields("defaults", defaults, &DEFAULTS);
            c.shared("defaults", defaults);
            c.positive(
                "defaults.concurrency_limit",
                defaults.get("concurrency_limit"),
            );
        }
        Some(_) => c.say("defaults", "expected an object"),
    }
}

/// A case's name and key (the key defaults to the name), each checked;
/// `None` for one that is missing or wrong (already said).
fn case_names(
    c: &mut Check,
    path: &str,
    case: &Map<String, Value>,
) -> (Option<String>, Option<String>) {
    let name = match case.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() => {
            c.text(&format!("{path}.name"), case.get("name"), Some(MAX_NAME));
            Some(n.clone())
        }
        Some(Value::String(_)) => {
            c.say(&format!("{path}.name"), "the name is empty");
            None
        }
        None => {
            c.say(
                path,
                "name is missing; every case needs one (at most 80 characters)",
            );
            None
        }
        Some(_) => {
            c.say(&format!("{path}.name"), "expected text (a JSON string)");
            None
        }
    };
    let key = match case.get("key") {
        None => name.clone(),
        Some(Value::String(k)) if !k.trim().is_empty() => {
            c.text(&format!("{path}.key"), case.get("key"), Some(MAX_KEY));
            Some(k.clone())
        }
        Some(_) => {
            c.say(
                &format!("{path}.key"),
                "expected non-empty text (a JSON string)",
            );
            None
        }
    };
    (key, name)
}

/// A case's type, instructions, texts, shared settings and tools.
fn case_content(c: &mut Check, path: &str, case: &Map<String, Value>) {
    let kind = case.get("type");
    match kind {
        None => {}
        Some(Value::String(t)) if t == "instruction" || t == "conditional_actions" => {}
        Some(_) => c.say(
            &format!("{path}.type"),
            "expected \"instruction\" or \"conditional_actions\"",
        ),
    }
    let instruction = kind.is_none_or(|t| t == "instruction");
    match case.get("instructions") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        None if !instruction => {}
        None => c.say(
            path,
            "instructions are missing; an instruction case needs them",
        ),
        Some(_) => c.say(
            &format!("{path}.instructions"),
            "expected non-empty text (a JSON string)",
        ),
    }
    for field in ["expected_outcome", "first_message"] {
        c.text(&format!("{path}.{field}"), case.get(field), None);
    }
    c.shared(path, case);
    let tools_at = format!("{path}.tools");
    for (t, tool) in c
        .list(&tools_at, case.get("tools"), MAX_TOOLS)
        .iter()
        .enumerate()
    {
        if !tool.as_str().is_some_and(|s| TOOLS.contains(&s)) {
            c.say(
                &format!("{tools_at}[{t}]"),
                format!("a tool is one of {}", TOOLS.join(", ")),
            );
        }
    }
}
