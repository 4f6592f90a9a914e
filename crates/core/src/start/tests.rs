//! The start body built and checked, the calls counted, the name made unique.

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
    for (file, says) in [
        (
            json!({"agent_id": 1, "tags": ["a"], "mock_tool_names": [""]}),
            "mock_tool_names must be a list of tool names",
        ),
        (
            json!({"agent_id": 1, "tags": ["a"], "personality_id": 0}),
            "personality_id must be a positive integer, or null",
        ),
        (
            json!({"agent_id": 1, "tags": ["a"], "test_profile_ids": [0]}),
            "test_profile_ids must be a list of positive IDs",
        ),
    ] {
        let err = body(&Flags::default(), Some(object(file.clone())), None).expect_err("bad");
        assert!(err.contains(says), "{file}: {err}");
    }
    let err = body(&flags(), Some(object(json!({"frequency": 0}))), None).expect_err("bad");
    assert!(err.starts_with("--trigger-json: frequency"), "{err}");
}

#[test]
fn every_documented_start_field_is_taken_as_documented() {
    // Issue 21, item 13: mocking turned off or left to the agent, the
    // single overrides, empty override lists.
    let file = object(json!({
        "agent_id": 1, "scenarios": [1, 2], "mock_tool_names": [],
        "personality_id": 7, "test_profile_id": null,
        "personality_ids": [], "test_profile_ids": []
    }));
    let sent = body(&Flags::default(), Some(file.clone()), None).expect("documented");
    assert_eq!(Value::Object(sent.clone()), Value::Object(file));
    let calls = Calls::of(&sent).expect("known");
    assert_eq!(calls.total(), 2, "one personality merged in, no profile");
    let mut both = sent.clone();
    both.insert("personality_ids".into(), json!([7, 8]));
    assert_eq!(
        Calls::of(&both).map(|c| c.personalities),
        Some(2),
        "7 is in the list once"
    );
    let nulls = object(json!({"agent_id": 1, "tags": ["a"], "mock_tool_names": null}));
    assert!(body(&Flags::default(), Some(nulls), None).is_ok());
}

#[test]
fn mock_tools_omit_empty_or_list_the_field_over_the_file() {
    let file = object(json!({"agent_id": 1, "tags": ["a"], "mock_tool_names": ["crm"]}));
    let with = |mock: MockTools| {
        let f = Flags {
            mock_tools: Some(mock),
            ..Flags::default()
        };
        body(&f, Some(file.clone()), None).expect("valid")
    };
    assert_eq!(
        with(MockTools::All).get("mock_tool_names"),
        None,
        "every tool"
    );
    assert_eq!(
        with(MockTools::None)["mock_tool_names"],
        json!([]),
        "no tool"
    );
    assert_eq!(
        with(MockTools::Names(vec!["lookup".into(), "book".into()]))["mock_tool_names"],
        json!(["lookup", "book"])
    );
    let kept = body(&Flags::default(), Some(file.clone()), None).expect("valid");
    assert_eq!(
        kept["mock_tool_names"],
        json!(["crm"]),
        "no flag: the file's"
    );
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
