//! Tests as Code (issue 22): a spec in the repository, checked locally with
//! no key, priced by the platform's dry run, started and gated; every
//! problem, ours or the platform's, at its line and column in the file.

use crate::common;

use common::platform::{RESULT_ID, body_of, sent};
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SUITE_V1: &str = "/test_framework/v1/scenarios-external/run_scenarios_json/";

/// A valid spec: Refund under the key `refund-v1`, Invoice by its name.
const SPEC: &str = r#"{
  "version": "1",
  "suite": {"name": "Billing", "description": "refunds and invoices"},
  "defaults": {"frequency": 2, "metrics": ["greeting_by_name"]},
  "scenarios": [
    {"name": "Refund", "key": "refund-v1", "instructions": "Ask for a refund."},
    {"name": "Invoice", "instructions": "Ask for an invoice."}
  ]
}
"#;

/// The runs the started result holds: two of Refund (one fails), two of
/// Invoice, each named as the platform names them (the case's name).
fn suite_runs() -> Vec<Value> {
    [
        (181, "Refund", true),
        (182, "Refund", false),
        (183, "Invoice", true),
        (184, "Invoice", true),
    ]
    .iter()
    .map(|(id, name, ok)| {
        let mut r = run(*id, "completed", *ok, if *ok { &[] } else { &["medium"] });
        r["scenario"] = json!(9000 + id);
        r["scenario_name"] = json!(name);
        r["result_id"] = json!(RESULT_ID);
        r
    })
    .collect()
}

async fn suite_platform(start: ResponseTemplate) -> MockServer {
    let runs = suite_runs();
    let server = common::platform::platform(|_, _| ResponseTemplate::new(500), runs).await;
    Mock::given(method("POST"))
        .and(path(SUITE_V1))
        .respond_with(start)
        .mount(&server)
        .await;
    server
}

fn started() -> ResponseTemplate {
    let runs: Vec<Value> = suite_runs()
        .iter()
        .map(|r| json!({"id": r["id"], "status": "pending", "scenario": r["scenario"], "scenario_name": r["scenario_name"]}))
        .collect();
    ResponseTemplate::new(200)
        .set_body_json(json!({"id": RESULT_ID, "agent": 42, "status": "pending", "runs": runs}))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spec_is_checked_with_no_key_and_every_problem_points_into_the_file() {
    let bad = "{\n  \"version\": \"1\",\n  \"defaults\": {\"metrics\": [\"Greeting\"]},\n  \"scenarios\": [\n    {\"name\": \"Refund\", \"instructions\": \"x\", \"channel\": \"voice\"},\n    {\"name\": \"Refund\", \"instructions\": \"y\"}\n  ]\n}\n";
    let out = Gate::new()
        .file("cekura.tests.json", bad)
        .args(["--suite", "cekura.tests.json", "--check"])
        .env("GITHUB_ACTIONS", "true")
        .expect_code(2)
        .await;
    out.stderr_has("cekura.tests.json:3:28: defaults.metrics[0]: a metric is an existing metric's ID")
        .stderr_has("cekura.tests.json:5:56: scenarios[0].channel: a spec may not name its target: give --channel")
        .stderr_has("cekura.tests.json:6:14: scenarios[1].name: key \"Refund\" is also case scenarios[0]'s")
        .stderr_has("vocera-gate: error: the spec cekura.tests.json has 3 problems; fix them and run again (nothing was sent)");
    assert!(
        out.stdout.contains(
            "::error file=cekura.tests.json,line=5,col=56,title=vocera-gate::scenarios[0].channel"
        ),
        "an annotation on the pull request's diff: {}",
        out.stdout
    );
    let out = Gate::new()
        .file("cekura.tests.json", SPEC)
        .args(["--suite", "cekura.tests.json", "--check"])
        .expect_code(0)
        .await;
    out.stdout_has("cekura.tests.json: valid: 2 cases of suite \"Billing\" (sha256 ");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_platforms_dry_run_is_printed_and_starts_nothing() {
    let plan = json!({"dry_run": true, "valid": true, "plan": {"agent_id": 42, "project_id": 742,
        "channel": "text", "suite_name": "Billing", "scenario_count": 2, "total_runs": 4, "estimated_cost": 0.8,
        "scenarios": [
            {"key": "refund-v1", "name": "Refund", "type": "instruction", "frequency": 2,
             "personality": {"mode": "project_default"}, "test_profile": {"mode": "project_default"}},
            {"key": "Invoice", "name": "Invoice", "type": "instruction", "frequency": 2,
             "personality": {"mode": "existing", "id": 7}, "test_profile": {"mode": "inline"}}]}});
    let server = suite_platform(ResponseTemplate::new(500)).await;
    Mock::given(method("POST"))
        .and(path(SUITE_V1))
        .and(query_param("dry_run", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(plan))
        .with_priority(1)
        .mount(&server)
        .await;
    let out = Gate::against(&server)
        .file("cekura.tests.json", SPEC)
        .args([
            "--suite",
            "cekura.tests.json",
            "--agent-id",
            "42",
            "--channel",
            "text",
            "--dry-run",
        ])
        .expect_code(0)
        .await;
    assert_eq!(
        out.stdout,
        "dry run: suite \"Billing\" for agent 42 (project 742, channel text): 2 cases, 4 runs, estimated cost 0.8; nothing was started\n  \
         - refund-v1 (Refund): instruction, frequency 2, personality project_default, test profile project_default\n  \
         - Invoice (Invoice): instruction, frequency 2, personality existing, test profile inline\n"
    );
    let posts = sent(&server, "POST", "run_scenarios_json/").await;
    assert_eq!(posts.len(), 1, "one dry run, nothing started");
    assert_eq!(posts[0].url.query(), Some("dry_run=true"));
    let body = body_of(&posts[0]);
    assert_eq!(body["agent_id"], 42);
    assert_eq!(body["channel"], "text");
    assert_eq!(body["spec"]["suite"]["name"], "Billing");
    assert!(
        body["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("Billing (gate ")),
        "the suite's name, made unique: {body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_platforms_errors_point_into_the_file_even_in_defaults_and_under_a_key() {
    let errors = json!({"errors": {
        "scenarios[0].instructions": ["Instructions must mention the order number."],
        "defaults.metrics[0]": ["No metric with slug 'greeting_by_name' in project 742."]}});
    let server = suite_platform(ResponseTemplate::new(400).set_body_json(errors.clone())).await;
    Mock::given(method("POST"))
        .and(path(SUITE_V1))
        .and(query_param("dry_run", "true"))
        .respond_with(ResponseTemplate::new(400).set_body_json(errors))
        .with_priority(1)
        .mount(&server)
        .await;
    for dry_run in [true, false] {
        let mut gate = Gate::against(&server)
            .file("cekura.tests.json", SPEC)
            .args(["--suite", "cekura.tests.json", "--agent-id", "42"]);
        if dry_run {
            gate = gate.args(["--dry-run"]);
        }
        let out = gate.expect_code(2).await;
        out.stderr_has("cekura.tests.json:4:44: defaults.metrics[0]: No metric with slug 'greeting_by_name' in project 742.")
            .stderr_has("cekura.tests.json:6:60: scenarios[0].instructions: Instructions must mention the order number.")
            .stderr_has("has 2 problems");
    }
    assert_eq!(
        sent(&server, "POST", "end_calls/").await.len(),
        0,
        "nothing was started, nothing to end"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spec_runs_and_is_gated_by_its_cases_keys() {
    let server = suite_platform(started()).await;
    let out = Gate::against(&server)
        .file("cekura.tests.json", SPEC)
        .args(["--suite", "cekura.tests.json", "--agent-id", "42"])
        .args([
            "--min-pass-rate",
            "0.5",
            "--max-score",
            "10",
            "--json",
            "v.json",
        ])
        .expect_code(0)
        .await;
    out.stderr_has(&format!("started result {RESULT_ID}"));
    let junit = out.junit();
    assert!(
        junit.contains("name=\"refund-v1\""),
        "a case is named by its key: {junit}"
    );
    assert!(junit.contains("name=\"refund-v1 #2\""), "{junit}");
    assert!(junit.contains("name=\"Invoice\""), "{junit}");
    let verdict = out.json("v.json");
    let names: Vec<&str> = verdict["scenarios"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["refund-v1", "Invoice"], "grouped by key: {verdict}");
    let sha = {
        use std::process::Command;
        let out = Command::new("sha256sum")
            .arg(out.dir.join("cekura.tests.json"))
            .output()
            .expect("sha256sum runs");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(sha.len(), 64);
    assert!(
        junit.contains("<property name=\"suite\" value=\"Billing\"/>"),
        "{junit}"
    );
    assert!(junit.contains("<property name=\"suite_path\" value=\"cekura.tests.json\"/>"));
    assert!(junit.contains(&format!(
        "<property name=\"suite_sha256\" value=\"{sha}\"/>"
    )));
    assert_eq!(
        verdict["suite"],
        json!({"name": "Billing", "path": "cekura.tests.json", "sha256": sha})
    );
    out.stdout_has(&format!(
        "  judged suite \"Billing\" (cekura.tests.json, sha256 {})",
        &sha[..12]
    ));
    let posts = sent(&server, "POST", "run_scenarios_json/").await;
    assert_eq!(posts.len(), 1, "started once");
    assert_eq!(posts[0].url.query(), None);
    assert_eq!(
        body_of(&posts[0])["spec"]["scenarios"][0]["key"],
        "refund-v1"
    );
    // Replayed with the same spec: the same verdict, the same report.
    let saved = Gate::against(&server)
        .file("cekura.tests.json", SPEC)
        .args(["--suite", "cekura.tests.json", "--agent-id", "42"])
        .args([
            "--min-pass-rate",
            "0.5",
            "--max-score",
            "10",
            "--save-response",
            "runs.json",
        ])
        .expect_code(0)
        .await;
    let runs = saved.file("runs.json").expect("saved");
    let replay = Gate::new()
        .file("runs.json", &runs)
        .file("cekura.tests.json", SPEC)
        .args(["--from-file", "runs.json", "--suite", "cekura.tests.json"])
        .args(["--min-pass-rate", "0.5", "--max-score", "10"])
        .expect_code(0)
        .await;
    assert_eq!(
        replay.junit(),
        saved.junit(),
        "a replay with the spec gives the same JUnit"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_suite_never_needs_what_it_cannot_use() {
    for (args, says) in [
        (vec!["--suite", "s.json"], "--suite needs --agent-id N"),
        (
            vec!["--suite", "s.json", "--agent-id", "4", "--scenarios", "1"],
            "--suite and --scenarios do not go together",
        ),
        (
            vec!["--suite", "s.json", "--check", "--agent-id", "4"],
            "--check only checks the spec",
        ),
        (
            vec!["--channel", "text", "181"],
            "--channel only applies with --suite",
        ),
        (vec!["--check", "181"], "--check only applies with --suite"),
        (
            vec!["--suite", "missing.json", "--check"],
            "cannot read --suite missing.json",
        ),
    ] {
        let out = Gate::new()
            .file("s.json", SPEC)
            .args(args.clone())
            .expect_code(2)
            .await;
        out.stderr_has(says);
        assert_eq!(
            out.stderr.lines().count(),
            1,
            "{args:?}: one line: {}",
            out.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_suite_stopped_early_ends_its_calls_once() {
    let waiting: Vec<Value> = suite_runs()
        .into_iter()
        .map(|mut r| {
            r["status"] = json!("in_progress");
            r["success"] = Value::Null;
            r
        })
        .collect();
    let server = common::platform::platform(|_, _| ResponseTemplate::new(500), waiting).await;
    Mock::given(method("POST"))
        .and(path(SUITE_V1))
        .respond_with(started())
        .mount(&server)
        .await;
    // SIGTERM once the start was sent and answered.
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("cekura.tests.json"), SPEC).expect("spec");
    let mut args = live_args(&server);
    args.extend(["--suite", "cekura.tests.json", "--agent-id", "42"].map(str::to_owned));
    let child = gate_command(dir.path())
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_until("the first poll", || async {
        !sent(&server, "GET", "bulk/").await.is_empty()
    })
    .await;
    let (status, stderr) = terminate(child).await;
    assert_eq!(status.code(), Some(143), "{stderr}");
    assert!(
        stderr.contains(&format!("ended the calls of result {RESULT_ID}")),
        "{stderr}"
    );
    assert_eq!(sent(&server, "POST", "end_calls/").await.len(), 1, "once");
    assert_eq!(sent(&server, "POST", "run_scenarios_json/").await.len(), 1);
}
