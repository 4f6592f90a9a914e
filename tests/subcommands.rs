//! The commands (`gate`, `replay`, `result`, `start`, `suite`) end to end:
//! each does what its flat form does, against the same loopback platform;
//! every clash of flags is refused by name (exit 2); `--help` shows the
//! commands, not the flat flags, which still work without a word.

use crate::common;

use common::platform::{RESULT_ID, body_of, platform, sent, started};
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/runs.json");
const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/cekura.tests.json");

fn done(ids: &[u64]) -> Vec<Value> {
    ids.iter()
        .map(|id| run(*id, "completed", true, &[]))
        .collect()
}

/// `command`, then the arguments that point it at `server` (a command
/// comes first: the flat form's flags before it would make it a run ID).
fn command(name: &str, server: &wiremock::MockServer) -> Gate {
    Gate::new().args([name]).args(live_args(server))
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_writes_the_same_junit_and_exit_code_as_the_flat_form() {
    let flat = Gate::new()
        .args(["--from-file", EXAMPLE, "--json", "v.json"])
        .run()
        .await;
    let replay = Gate::new()
        .args(["replay", EXAMPLE, "--json", "v.json"])
        .run()
        .await;
    assert_eq!(flat.code, 1, "the example fails the default policy");
    assert_eq!(replay.code, flat.code);
    assert_eq!(replay.junit(), flat.junit(), "byte-identical JUnit");
    assert_eq!(replay.json("v.json"), flat.json("v.json"));
    assert_eq!(replay.stdout, flat.stdout);
    // Run IDs pick runs of the file, as with --from-file.
    let one = Gate::new()
        .args(["replay", EXAMPLE, "181", "--max-score", "100", "-q"])
        .run()
        .await;
    let flat_one = Gate::new()
        .args(["--from-file", EXAMPLE, "181", "--max-score", "100", "-q"])
        .run()
        .await;
    assert_eq!((one.code, one.junit()), (flat_one.code, flat_one.junit()));
    assert_eq!(junit_counts(&one.junit()).0, 1, "{}", one.junit());
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_with_a_spec_names_the_runs_as_the_flat_form_does() {
    let flat = Gate::new()
        .args(["--from-file", EXAMPLE, "--suite", SPEC, "--report-only"])
        .run()
        .await;
    let replay = Gate::new()
        .args(["replay", EXAMPLE, "--suite", SPEC, "--report-only"])
        .expect_code(0)
        .await;
    assert_eq!(flat.code, 0, "{}", flat.stderr);
    assert_eq!(replay.junit(), flat.junit());
}

#[tokio::test(flavor = "multi_thread")]
async fn gate_waits_for_the_runs_it_is_given() {
    let server = serve_runs(done(&[181, 180])).await;
    let out = command("gate", &server)
        .args(["181,180", "--json", "v.json"])
        .expect_code(0)
        .await;
    assert_eq!(out.json("v.json")["verdict"], "passed");
    let polls = requests(&server).await;
    assert_eq!(requested_ids(&polls[0]), [181, 180]);
    // And from a file.
    let out = command("gate", &server)
        .file("ids.txt", "180\n")
        .args(["--run-ids-file", "ids.txt", "-q"])
        .expect_code(0)
        .await;
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn result_gates_every_run_of_a_result() {
    let server = platform(|_, _| started(&[]), done(&[182, 181])).await;
    let out = command("result", &server)
        .args(["9876", "--api", "cekura", "--json", "r.json"])
        .expect_code(0)
        .await;
    assert_eq!(out.json("r.json")["result_id"], 9876);
    let polls = sent(&server, "GET", V2_PATH).await;
    assert_eq!(requested_ids(&polls[0]), [181, 182]);
}

#[tokio::test(flavor = "multi_thread")]
async fn start_starts_runs_then_gates_them() {
    let server = platform(|_, _| started(&[(181, 67), (182, 68)]), done(&[181, 182])).await;
    let out = command("start", &server)
        .args([
            "--api",
            "cekura",
            "--agent-id",
            "42",
            "--scenarios",
            "67,68",
        ])
        .args(["--run-name", "nightly", "--json", "r.json"])
        .expect_code(0)
        .await;
    assert_eq!(out.json("r.json")["result_id"], RESULT_ID);
    let starts = sent(&server, "POST", "/run_scenarios/").await;
    assert_eq!(starts.len(), 1, "one start");
    let body = body_of(&starts[0]);
    assert_eq!(body["agent_id"], 42);
    assert_eq!(body["scenarios"], json!([67, 68]));
    assert!(
        body["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("nightly")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn suite_checks_with_no_key_and_runs_against_the_platform() {
    let checked = Gate::new()
        .args(["suite", SPEC, "--check"])
        .expect_code(0)
        .await;
    checked.stdout_has("valid: 3 cases of suite \"Appointments\"");
    let runs: Vec<Value> = [(181, "booking"), (182, "cancellation"), (183, "handover")]
        .iter()
        .map(|(id, _)| {
            let mut r = run(*id, "completed", true, &[]);
            r["result_id"] = json!(RESULT_ID);
            r
        })
        .collect();
    let server = platform(|_, _| ResponseTemplate::new(500), runs.clone()).await;
    let pending: Vec<Value> = runs
        .iter()
        .map(|r| json!({"id": r["id"], "status": "pending", "scenario": r["scenario"], "scenario_name": r["scenario_name"]}))
        .collect();
    Mock::given(method("POST"))
        .and(path(
            "/test_framework/v1/scenarios-external/run_scenarios_json/",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": RESULT_ID, "agent": 42, "status": "pending", "runs": pending}),
        ))
        .mount(&server)
        .await;
    let out = command("suite", &server)
        .args([SPEC, "--agent-id", "42", "--channel", "text"])
        .args(["--json", "v.json"])
        .expect_code(0)
        .await;
    out.stderr_has(&format!("started result {RESULT_ID}"));
    let starts = sent(&server, "POST", "/run_scenarios_json/").await;
    assert_eq!(starts.len(), 1);
    let body = body_of(&starts[0]);
    assert_eq!(
        (&body["agent_id"], &body["channel"]),
        (&json!(42), &json!("text"))
    );
    assert_eq!(body["spec"]["suite"]["name"], "Appointments");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_clash_is_refused_naming_both_flags() {
    for (argv, a, b) in [
        // The flat form's sources of runs, the pair that clashes named.
        (
            &["--from-file", "f.json", "181", "--result-id", "5"][..],
            "--from-file",
            "--result-id",
        ),
        (&["181", "--result-id", "5"], "run IDs", "--result-id"),
        (
            &["--from-file", "f.json", "--agent-id", "4", "--tags", "x"],
            "--from-file",
            "--agent-id",
        ),
        (
            &["--run-ids-file", "ids.txt", "--tags", "x"],
            "--run-ids-file",
            "--tags",
        ),
        (
            &["--result-id", "5", "--trigger-json", "t.json"],
            "--result-id",
            "--trigger-json",
        ),
        (
            &["--suite", "s.json", "--scenarios", "1"],
            "--suite",
            "--scenarios",
        ),
        (
            &["--suite", "s.json", "--result-id", "5"],
            "--suite",
            "--result-id",
        ),
        (&["--suite", "s.json", "181"], "--suite", "run IDs"),
        // The commands' own.
        (
            &["suite", "s.json", "--check", "--agent-id", "4"],
            "--check",
            "--agent-id",
        ),
        (
            &["suite", "s.json", "--check", "--dry-run"],
            "--check",
            "--dry-run",
        ),
        (
            &[
                "start",
                "--agent-id",
                "1",
                "--assistant-id",
                "a",
                "--tags",
                "x",
            ],
            "--agent-id",
            "--assistant-id",
        ),
        (
            &[
                "start",
                "--agent-id",
                "1",
                "--scenarios",
                "1",
                "--tags",
                "x",
            ],
            "--scenarios",
            "--tags",
        ),
        (
            &[
                "start",
                "--agent-id",
                "1",
                "--tags",
                "x",
                "--folder-path",
                "A.B",
            ],
            "--tags",
            "--folder-path",
        ),
        (
            &["gate", "181", "--quiet", "--verbose"],
            "--quiet",
            "--verbose",
        ),
    ] {
        let out = Gate::new()
            .args(argv)
            .expect_code_because(2, format!("{argv:?}"))
            .await;
        assert!(
            out.stderr.starts_with("vocera-gate: error: ")
                && out.stderr.contains(a)
                && out.stderr.contains(b),
            "{argv:?} names {a} and {b}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{argv:?}: {}", out.stdout);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_takes_only_its_own_groups_and_needs_what_it_needs() {
    for (argv, says) in [
        (&["replay", "f.json", "--api-key", "k"][..], "'--api-key'"),
        (&["replay", "f.json", "--timeout", "5m"], "'--timeout'"),
        (&["gate", "181", "--from-file", "f.json"], "'--from-file'"),
        (&["gate", "181", "--agent-id", "4"], "'--agent-id'"),
        (&["result", "5", "--scenarios", "1"], "'--scenarios'"),
        (&["gate"], "<RUN_IDS|--run-ids-file <PATH>>"),
        (&["result"], "<ID>"),
        (&["start", "--tags", "x"], "--agent-id"),
        (&["suite", "s.json"], "--agent-id <N>"),
        (&["replay"], "<FILE>"),
    ] {
        let out = Gate::new()
            .args(argv)
            .expect_code_because(2, format!("{argv:?}"))
            .await;
        out.stderr_has(says);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn help_lists_the_commands_and_hides_the_flat_flags() {
    let top = Gate::new().args(["--help"]).expect_code(0).await;
    for command in [
        "gate",
        "replay",
        "result",
        "start",
        "suite",
        "completions",
        "man",
    ] {
        top.stdout_has(&format!("\n  {command} "));
    }
    for flat in [
        "--from-file <",
        "--result-id <",
        "--agent-id <N>",
        "--max-score <N>",
        "[RUN_IDS]",
    ] {
        assert!(!top.stdout.contains(flat), "{flat} shown:\n{}", top.stdout);
    }
    top.stdout_has("vocera-gate replay runs.json")
        .stdout_has("Exit codes:");
    let gate = Gate::new().args(["gate", "--help"]).expect_code(0).await;
    for part in [
        "Input:",
        "API:",
        "Waiting:",
        "Policy:",
        "Output:",
        "Exit codes:",
    ] {
        gate.stdout_has(part);
    }
    gate.stdout_has("vocera-gate gate 181,180");
    let help_gate = Gate::new().args(["help", "gate"]).expect_code(0).await;
    assert_eq!(help_gate.stdout, gate.stdout, "help gate is gate --help");
    let replay = Gate::new().args(["replay", "--help"]).expect_code(0).await;
    assert!(
        !replay.stdout.contains("API:") && !replay.stdout.contains("--timeout"),
        "a replay calls nothing: {}",
        replay.stdout
    );
    let bash = Gate::new()
        .args(["completions", "bash"])
        .expect_code(0)
        .await;
    for word in ["replay", "suite", "--max-score", "--agent-id"] {
        bash.stdout_has(word);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_flat_form_still_works_without_a_word() {
    let server = serve_runs(done(&[181])).await;
    let out = Gate::against(&server)
        .args(["181", "--json", "v.json"])
        .expect_code(0)
        .await;
    assert_eq!(out.json("v.json")["verdict"], "passed");
    // Nothing said of the form: the same words as the command's.
    for word in ["subcommand", "flat", "deprecated form", "instead of the"] {
        assert!(!out.stderr.contains(word), "{word}: {}", out.stderr);
    }
    let flat = Gate::replay(EXAMPLE).expect_code(1).await;
    let replay = Gate::new().args(["replay", EXAMPLE]).expect_code(1).await;
    assert_eq!(flat.stderr, replay.stderr);
    assert_eq!(flat.stdout, replay.stdout);
}
