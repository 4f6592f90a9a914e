//! The spec's local checks: every problem at once, each at its place.

use super::*;

const GOOD: &str = r#"{
  "version": "1",
  "suite": {"name": "Billing", "description": "refunds and invoices"},
  "defaults": {"frequency": 3, "metrics": ["greeting_by_name", 12], "tags": ["billing"]},
  "scenarios": [
    {"name": "Refund", "key": "refund-v1", "instructions": "Ask for a refund.", "tools": ["end_call"]},
    {"name": "Invoice", "instructions": "Ask for an invoice.", "personality": 7,
     "test_profile": {"name": "inline"}},
    {"name": "Transfer", "type": "conditional_actions"}
  ]
}
"#;

fn problems(text: &str) -> Vec<String> {
    match check(text) {
        Ok(_) => Vec::new(),
        Err(list) => list.iter().map(|p| p.shown("cekura.tests.json")).collect(),
    }
}

#[test]
fn a_good_spec_gives_its_cases_and_keys() {
    let spec = check(GOOD).expect("valid");
    assert_eq!(spec.suite_name.as_deref(), Some("Billing"));
    let keys: Vec<(&str, &str)> = spec
        .cases
        .iter()
        .map(|c| (c.key.as_str(), c.name.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("refund-v1", "Refund"),
            ("Invoice", "Invoice"),
            ("Transfer", "Transfer")
        ],
        "a key defaults to the name"
    );
    assert_eq!(spec.key_of("Refund"), Some("refund-v1"));
    assert_eq!(spec.key_of("Nothing"), None);
    let twice = check(
        r#"{"version": "1", "scenarios": [{"name": "A", "key": "a1", "instructions": "x"},
        {"name": "A", "key": "a2", "instructions": "y"}]}"#,
    )
    .expect("one name, two keys");
    assert_eq!(
        twice.key_of("A"),
        None,
        "a run named A cannot tell which case it is of"
    );
}

#[test]
fn every_problem_is_reported_at_once_at_its_line_and_column() {
    let bad = r#"{
  "version": 1,
  "agent_id": 12,
  "defaults": {"metrics": ["Greeting"], "colour": "red"},
  "scenarios": [
    {"name": "Refund", "instructions": "x", "tools": ["fax"], "frequency": 0},
    {"key": "refund", "name": "Refund again", "instructions": "y"},
    {"name": "Refund", "instructions": ""},
    {"name": "Needs instructions"},
    {"name": "A very long name that goes on and on and on, well past the eighty characters allowed"}
  ]
}"#;
    let got = problems(bad);
    let want = [
        "cekura.tests.json:2:14: version: this gate reads version \"1\" (a string) only",
        "cekura.tests.json:3:15: agent_id: a spec may not name its target: give --agent-id on the command line instead",
        "cekura.tests.json:4:28: defaults.metrics[0]: a metric is an existing metric's ID (a whole number) or slug (lowercase letters, digits and _)",
        "cekura.tests.json:4:51: defaults.colour: unknown field \"colour\"; the fields here are frequency, concurrency_limit, language, max_duration, metrics, personality, test_profile, tags",
        "cekura.tests.json:6:55: scenarios[0].tools[0]: a tool is one of end_call, dtmf, receive_dtmf, end_call_only_on_transfer, send_sms, call_hold",
        "cekura.tests.json:6:76: scenarios[0].frequency: expected a whole number of at least 1",
        "cekura.tests.json:8:14: scenarios[2].name: key \"Refund\" is also case scenarios[0]'s; give each case its own key (a key defaults to the name)",
    ];
    for w in want {
        assert!(got.iter().any(|g| g == w), "missing {w}\nin {got:#?}");
    }
    assert!(
        got.iter().any(|g| g.starts_with(
            "cekura.tests.json:8:40: scenarios[2].instructions: expected non-empty text"
        )),
        "{got:#?}"
    );
    assert!(got.iter().any(|g| g.starts_with("cekura.tests.json:9:5: scenarios[3]: instructions are missing")), "{got:#?}");
    assert!(
        got.iter()
            .any(|g| g.contains("scenarios[4].name: 84 characters, at most 80 allowed")),
        "{got:#?}"
    );
    let mut sorted = got.clone();
    sorted.sort_by_key(|g| {
        let mut parts = g.split(':').skip(1);
        let line: usize = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
        let col: usize = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        (line, col)
    });
    assert_eq!(got, sorted, "in file order");
}

#[test]
fn limits_and_shapes_are_refused() {
    let many: Vec<String> = (0..201)
        .map(|i| format!(r#"{{"name": "c{i}", "instructions": "x"}}"#))
        .collect();
    let text = format!(r#"{{"version": "1", "scenarios": [{}]}}"#, many.join(","));
    assert!(
        problems(&text)
            .iter()
            .any(|p| p.contains("201 cases; a spec runs 1 to 200"))
    );
    assert!(
        problems(r#"{"version": "1", "scenarios": []}"#)
            .iter()
            .any(|p| p.contains("0 cases"))
    );
    assert!(
        problems(r#"{"scenarios": [{"name": "a", "instructions": "x"}]}"#)[0]
            .contains("version is missing")
    );
    assert!(problems("[1, 2]")[0].contains("a spec is a JSON object"));
    let syntax = problems("{\n  \"version\": \"1\",\n  \"scenarios\": [\n}");
    assert_eq!(syntax.len(), 1);
    assert!(
        syntax[0].starts_with("cekura.tests.json:4:1: not valid JSON"),
        "{syntax:?}"
    );
    let huge = format!(r#"{{"version": "1", "x": "{}"}}"#, "a".repeat(MAX_BYTES));
    assert!(problems(&huge)[0].contains("at most 1000000 (1 MB)"));
    let metrics: Vec<String> = (1..=65).map(|i| i.to_string()).collect();
    let text = format!(
        r#"{{"version": "1", "scenarios": [{{"name": "a", "instructions": "x", "channel": "voice", "metrics": [{}], "tags": [1]}}]}}"#,
        metrics.join(",")
    );
    let got = problems(&text);
    assert!(
        got.iter()
            .any(|p| p.contains("scenarios[0].metrics: 65 entries, at most 64")),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|p| p
                .contains("scenarios[0].channel: a spec may not name its target: give --channel")),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|p| p.contains("scenarios[0].tags[0]: expected text")),
        "{got:?}"
    );
}

#[test]
fn the_platforms_errors_are_placed_too() {
    let located = locate(
        GOOD,
        vec![
            Problem {
                path: "scenarios[1].test_profile".into(),
                message: "No test profile named inline".into(),
            },
            Problem {
                path: "defaults.metrics[0]".into(),
                message: "No metric with slug 'greeting_by_name' in project 742.".into(),
            },
        ],
    );
    let shown: Vec<String> = located.iter().map(|l| l.shown("t.json")).collect();
    assert_eq!(
        shown,
        [
            "t.json:4:44: defaults.metrics[0]: No metric with slug 'greeting_by_name' in project 742.",
            "t.json:8:22: scenarios[1].test_profile: No test profile named inline",
        ]
    );
}

/// A run of scenario `name`, as parsed from the API.
fn run_named(id: u64, name: &str) -> crate::model::Run {
    let body = format!(
        r#"[{{"id": {id}, "scenario": 913, "scenario_name": "{name}", "status": "completed"}}]"#
    );
    crate::model::parse_runs(&body).expect("a run")[0]
        .run
        .clone()
}

#[test]
fn a_run_is_named_by_its_cases_key() {
    let spec = check(GOOD).expect("valid");
    let mut run = run_named(1, "Refund");
    spec.identify(&mut run);
    assert_eq!(
        (run.scenario_name.as_deref(), run.scenario_id),
        (Some("refund-v1"), None),
        "the key is the identity, not the platform's scenario"
    );
    let mut other = run_named(2, "Scenario 2");
    let before = other.clone();
    spec.identify(&mut other);
    assert_eq!(other, before, "a run of no case is left as it is");
}
