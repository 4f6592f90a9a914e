//! Every start field the API documents is taken (issue 21, item 13),
//! against a loopback fake of the platform that records the body sent:
//! mocking turned off (`mock_tool_names: []`) or left to the agent
//! (`null`, omitted), the single overrides `personality_id` and
//! `test_profile_id`, empty override lists, and `--mock-tools`.

use crate::common;

use common::platform::*;
use common::*;
use serde_json::{Value, json};

fn done() -> Vec<Value> {
    vec![run(181, "completed", true, &[])]
}

/// The body of the one start `args` sent, without its `name`.
async fn body_sent(args: &[&str], trigger: Option<&str>) -> Value {
    let server = platform(|_, _| started(&[(181, 67)]), done()).await;
    let mut gate = Gate::against(&server).args(args);
    if let Some(file) = trigger {
        gate = gate
            .file("trigger.json", file)
            .args(["--trigger-json", "trigger.json"]);
    }
    gate.expect_code(0).await;
    let posts = sent(&server, "POST", START_V1).await;
    assert_eq!(posts.len(), 1, "one start");
    let mut body = body_of(&posts[0]);
    body.as_object_mut().map(|o| o.remove("name"));
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn the_trigger_file_takes_every_documented_field_as_documented() {
    let file = r#"{"agent_id": 42, "scenarios": [67], "mock_tool_names": [],
        "personality_id": 7, "test_profile_id": null,
        "personality_ids": [], "test_profile_ids": []}"#;
    assert_eq!(
        body_sent(&[], Some(file)).await,
        json!({"agent_id": 42, "scenarios": [67], "mock_tool_names": [],
               "personality_id": 7, "test_profile_id": null,
               "personality_ids": [], "test_profile_ids": []}),
        "sent as written"
    );
    let file = r#"{"agent_id": 42, "tags": ["smoke"], "mock_tool_names": null,
        "test_profile_id": 9, "personality_ids": null}"#;
    assert_eq!(
        body_sent(&[], Some(file)).await,
        json!({"agent_id": 42, "tags": ["smoke"], "mock_tool_names": null,
               "test_profile_id": 9, "personality_ids": null})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_tools_turns_mocking_off_lists_tools_or_leaves_every_tool_mocked() {
    let start = ["--agent-id", "42", "--scenarios", "67"];
    let with = |mock: &'static str| {
        let mut args = start.to_vec();
        args.extend(["--mock-tools", mock]);
        args
    };
    let file = r#"{"mock_tool_names": ["crm"]}"#;
    let none = body_sent(&with("none"), Some(file)).await;
    assert_eq!(
        none["mock_tool_names"],
        json!([]),
        "none: the real tools run"
    );
    let names = body_sent(&with(" lookup, book ,"), Some(file)).await;
    assert_eq!(names["mock_tool_names"], json!(["lookup", "book"]));
    let all = body_sent(&with("all"), Some(file)).await;
    assert_eq!(
        all,
        json!({"agent_id": 42, "scenarios": [67]}),
        "all: the field omitted, so the API mocks every tool"
    );
    let plain = body_sent(&start, None).await;
    assert_eq!(plain.get("mock_tool_names"), None, "no flag, no field");
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_tools_is_checked_before_anything_is_sent() {
    let server = platform(|_, _| started(&[(181, 67)]), done()).await;
    let out = Gate::against(&server)
        .args([
            "--agent-id",
            "42",
            "--scenarios",
            "67",
            "--mock-tools",
            " , ",
        ])
        .expect_code(2)
        .await;
    out.stderr_has(
        "--mock-tools is empty; give all (every tool mocked), none (no tool mocked) or tool names",
    );
    let out = Gate::against(&server)
        .args(["--mock-tools", "none", "181"])
        .expect_code(2)
        .await;
    out.stderr_has("--mock-tools only applies when starting runs");
    assert!(requests(&server).await.is_empty(), "nothing sent");
}
