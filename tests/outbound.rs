//! Outbound agents (issue 21, item 14), against a loopback fake of the
//! platform: each started run's dial number and window is printed at once,
//! and the first poll that finds runs still waiting to be dialed warns; the
//! numbers reach the JSON report and the `dial-numbers` step output; and
//! `--dial-command` dials each run, its values in its environment.

use crate::common;

use common::platform::*;
use common::*;
use serde_json::{Value, json};
use std::path::Path;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A start's answer whose runs 181 and 182 must be dialed.
fn outbound() -> ResponseTemplate {
    let run = |id: u64, number: &str| {
        json!({"id": id, "status": "pending", "scenario": 67, "number": number,
               "outbound_dial_window_opens_at": "2026-12-01T12:00:00Z",
               "outbound_dial_window_seconds": 300,
               "outbound_dial_window_closes_at": "2026-12-01T12:05:00Z"})
    };
    ResponseTemplate::new(201).set_body_json(json!({
        "id": RESULT_ID, "agent": 42, "status": "pending",
        "runs": [run(181, "+15550100"), run(182, "+15550101")]
    }))
}

#[tokio::test(flavor = "multi_thread")]
async fn each_runs_dial_number_is_printed_at_once_and_undialed_runs_warned_of() {
    let server = platform(
        |_, _| outbound(),
        vec![
            run(181, "pending", false, &[]),
            run(182, "completed", true, &[]),
        ],
    )
    .await;
    let out = Gate::against(&server)
        .args(["--agent-id", "42", "--scenarios", "67", "--timeout", "1s"])
        .expect_code_because(3, "run 181 is never dialed")
        .await;
    out.stderr_has("vocera-gate: run 181: dial +15550100 between 2026-12-01T12:00:00Z and 2026-12-01T12:05:00Z (300 s window)\n")
        .stderr_has("vocera-gate: run 182: dial +15550101 between")
        .stderr_has("warning: 1 run still waits to be dialed (181): the agent under test must call each run's number before its window closes, or the run ends timeout");
    let started = out.stderr.find("started result 9876").expect("started");
    let dial = out.stderr.find("run 181: dial").expect("dial line");
    let first_poll = out.stderr.find("still waits to be dialed").expect("warned");
    assert!(
        started < dial && dial < first_poll,
        "at once, before waiting:\n{}",
        out.stderr
    );
    assert_eq!(
        out.stderr.matches("to be dialed").count(),
        1,
        "warned once:\n{}",
        out.stderr
    );
}

/// A start's answer listing run 182 before 181, run 182's number hostile.
fn outbound_answer(numbers: [&str; 2]) -> Value {
    let run = |id: u64, number: &str| {
        json!({"id": id, "status": "pending", "scenario": 67, "number": number,
               "outbound_dial_window_opens_at": "2020-01-01T00:00:00Z",
               "outbound_dial_window_seconds": 300,
               "outbound_dial_window_closes_at": "2020-01-01T00:05:00Z"})
    };
    json!({"id": RESULT_ID, "agent": 42, "status": "pending",
           "runs": [run(182, numbers[1]), run(181, numbers[0])]})
}

/// A fake platform whose start answers `answer`, and whose runs 181 and
/// 182 stay pending until the dial command dialed them (left a file
/// `dialed-ID` in `dir`), then complete with success.
async fn dialed_platform(dir: &Path, answer: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(START_V1))
        .respond_with(ResponseTemplate::new(201).set_body_json(answer))
        .mount(&server)
        .await;
    let dir = dir.to_path_buf();
    Mock::given(method("GET"))
        .and(path(V1_PATH))
        .respond_with(move |request: &Request| {
            let runs: Vec<Value> = [181, 182]
                .into_iter()
                .map(|id| {
                    let dialed = dir.join(format!("dialed-{id}")).exists();
                    let status = if dialed { "completed" } else { "pending" };
                    run(id, status, dialed, &[])
                })
                .collect();
            common::answer(request, &runs)
        })
        .mount(&server)
        .await;
    server
}

/// The value of step output `name` in a `$GITHUB_OUTPUT` file's text.
fn step_output(text: &str, name: &str) -> String {
    let (_, rest) = text
        .split_once(&format!("\n{name}<<"))
        .unwrap_or_else(|| panic!("no {name} in {text}"));
    let (delimiter, rest) = rest.split_once('\n').expect("a delimiter line");
    let (value, _) = rest
        .split_once(&format!("\n{delimiter}\n"))
        .unwrap_or_else(|| panic!("{name} not closed in {text}"));
    value.to_owned()
}

/// Writes its environment to `dialed.txt` and marks its run dialed.
const RECORDING: &str = r#"printf '%s|%s|%s|%s|%s|%s|%s\n' "$VOCERA_DIAL_NUMBER" "$VOCERA_RUN_ID" "$VOCERA_RESULT_ID" "$VOCERA_DIAL_OPENS_AT" "$VOCERA_DIAL_CLOSES_AT" "$VOCERA_DIAL_WINDOW_SECONDS" "${VOCERA_API_KEY:-no key}" >> dialed.txt; echo "called $VOCERA_RUN_ID"; touch "dialed-$VOCERA_RUN_ID""#;

#[tokio::test(flavor = "multi_thread")]
async fn dial_numbers_reach_the_json_report_and_the_step_output_on_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hostile = "+1555\n::error::forged\r\u{2028}x";
    let server = dialed_platform(dir.path(), outbound_answer(["+15550100", hostile])).await;
    std::fs::write(dir.path().join("dialed-181"), "").expect("mark");
    std::fs::write(dir.path().join("dialed-182"), "").expect("mark");
    let out = Gate::against(&server)
        .in_dir(dir.path())
        .args([
            "--agent-id",
            "42",
            "--scenarios",
            "67",
            "--json",
            "out.json",
        ])
        .env("GITHUB_OUTPUT", "out.txt")
        .expect_code_because(0, "both runs were dialed and passed")
        .await;
    let want = json!([
        {"run_id": 181, "number": "+15550100", "opens_at": "2020-01-01T00:00:00Z",
         "closes_at": "2020-01-01T00:05:00Z", "window_seconds": 300},
        {"run_id": 182, "number": hostile, "opens_at": "2020-01-01T00:00:00Z",
         "closes_at": "2020-01-01T00:05:00Z", "window_seconds": 300},
    ]);
    assert_eq!(
        out.json("out.json")["dial_numbers"],
        want,
        "in run-ID order"
    );
    let outputs = out.file("out.txt").expect("step outputs");
    let value = step_output(&outputs, "dial-numbers");
    assert!(!value.contains(['\n', '\r']), "one line: {value:?}");
    assert!(!outputs.contains("\n::error::forged"), "{outputs}");
    let parsed: Value = serde_json::from_str(&value).expect("JSON");
    assert_eq!(parsed, want);
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_without_a_dial_number_give_no_field_and_an_empty_list() {
    let server = platform(
        |_, _| started(&[(181, 67)]),
        vec![run(181, "completed", true, &[])],
    )
    .await;
    let out = Gate::against(&server)
        .args([
            "--agent-id",
            "42",
            "--scenarios",
            "67",
            "--json",
            "out.json",
        ])
        .args(["--dial-command", "touch dialed"])
        .env("GITHUB_OUTPUT", "out.txt")
        .expect_code(0)
        .await;
    assert!(out.json("out.json").get("dial_numbers").is_none(), "absent");
    let outputs = out.file("out.txt").expect("step outputs");
    assert_eq!(step_output(&outputs, "dial-numbers"), "[]");
    out.stderr_has("warning: no started run carries a dial number, so --dial-command was not run");
    assert!(out.file("dialed").is_none(), "nothing dialed");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dial_command_gets_each_runs_values_in_its_environment_never_in_its_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let number = "+1555; touch pwned; #";
    let server = dialed_platform(dir.path(), outbound_answer(["+15550100", number])).await;
    let out = Gate::against(&server)
        .in_dir(dir.path())
        .env("VOCERA_API_KEY", KEY)
        .args([
            "--agent-id",
            "42",
            "--scenarios",
            "67",
            "--dial-command",
            RECORDING,
        ])
        .expect_code_because(0, "each run was dialed by the command, then passed")
        .await;
    let dialed = out.file("dialed.txt").expect("the command ran");
    assert_eq!(
        dialed,
        format!(
            "+15550100|181|9876|2020-01-01T00:00:00Z|2020-01-01T00:05:00Z|300|no key\n\
             {number}|182|9876|2020-01-01T00:00:00Z|2020-01-01T00:05:00Z|300|no key\n"
        ),
        "one after another in run-ID order, the key not passed on"
    );
    assert!(
        out.file("pwned").is_none(),
        "the number was run as a command"
    );
    out.stderr_has("vocera-gate: dial run 181: called 181\n")
        .stderr_has("vocera-gate: dial run 182: called 182\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_dial_command_makes_its_run_errored_whatever_the_platform_says() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = dialed_platform(dir.path(), outbound_answer(["+15550100", "+15550101"])).await;
    // Both runs are dialed (and complete with success), but 181's command exits 3.
    let command = r#"touch "dialed-$VOCERA_RUN_ID"; [ "$VOCERA_RUN_ID" != 181 ] || exit 3"#;
    let out = Gate::against(&server)
        .in_dir(dir.path())
        .args([
            "--agent-id",
            "42",
            "--scenarios",
            "67",
            "--json",
            "out.json",
        ])
        .args(["--dial-command", command])
        .expect_code_because(1, "run 181 errored, over --max-errored-runs 0")
        .await;
    out.stderr_has(
        "vocera-gate: error: --dial-command failed for run 181: exit 3; the run counts as errored",
    );
    let report = out.json("out.json");
    let results = report["results"].as_array().expect("results");
    let of = |id: u64| {
        results
            .iter()
            .find(|r| r["run_id"] == id)
            .unwrap_or_else(|| panic!("run {id} in {report}"))
    };
    assert_eq!(of(181)["outcome"], "errored", "{report}");
    assert!(
        of(181)
            .to_string()
            .contains("--dial-command failed for run 181: exit 3"),
        "{report}"
    );
    assert_eq!(of(182)["outcome"], "passed", "{report}");
}
