//! Run text that tries to become a GitHub workflow command in the CI log,
//! in both forms the runner honours: `::cmd` at a line's start, and
//! `##[cmd]` anywhere in a line (actions/runner `ActionCommand.cs`).

use crate::common;

use common::*;
use serde_json::{Value, json};

const FORMS: [&str; 2] = ["##[stop-commands]zq9x7w3k", "::warning::forged"];

/// Each form at the start, in the middle and at the end of a text.
fn payloads() -> Vec<String> {
    FORMS
        .iter()
        .flat_map(|f| [format!("{f} a"), format!("a {f} b"), format!("a {f}")])
        .collect()
}

/// Asserts no line of `out` is a workflow command but our annotations.
#[track_caller]
fn no_forged_command(stream: &str, out: &str) {
    for line in out.lines().flat_map(|l| l.split('\r')) {
        assert!(!line.contains("##["), "{stream} line {line:?}");
        let body = line.trim_start();
        if body.starts_with("::") {
            assert!(
                body.starts_with("::error title=vocera-gate"),
                "{stream} line {line:?}"
            );
        }
    }
}

fn runs_carrying(payloads: &[String]) -> Vec<Value> {
    let mut runs = Vec::new();
    for (i, p) in payloads.iter().enumerate() {
        let id = 3 * i as u64 + 1;
        let mut unsuccessful = run(id, "completed", false, &[]);
        unsuccessful["scenario_name"] = json!(p);
        unsuccessful["voice_recording_url"] = json!(format!("https://rec.example/{p}"));
        unsuccessful["critical_categories"] = json!([{"category": p, "priority": p}]);
        let mut failed = run(id + 1, "failed", false, &[]);
        failed["scenario_name"] = json!(p);
        failed["error_message"] = json!(p);
        let mut unknown = run(id + 2, "completed", true, &[]);
        unknown["status"] = json!(p);
        runs.extend([unsuccessful, failed, unknown]);
    }
    runs
}

#[tokio::test(flavor = "multi_thread")]
async fn run_text_cannot_forge_a_workflow_command() {
    let payloads = payloads();
    let runs = runs_carrying(&payloads);
    let ids: Vec<String> = runs.iter().map(|r| r["id"].to_string()).collect();
    let server = serve_runs(runs).await;
    let out = Gate::against(&server)
        .args([ids.join(",")])
        .env("GITHUB_ACTIONS", "true")
        .expect_code(1)
        .await;
    no_forged_command("stdout", &out.stdout);
    no_forged_command("stderr", &out.stderr);
    // The text did reach the lines, broken where it would start a command.
    let shown = out
        .stdout
        .matches("##\u{200d}[stop-commands]zq9x7w3k")
        .count();
    assert!(
        shown >= 9,
        "names, categories, errors, statuses: {}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("unknown priority \"##\u{200d}[stop-commands]"),
        "the priority's warning: {}",
        out.stderr
    );
    assert!(
        out.stdout.lines().any(|l| l.starts_with("::error title=")),
        "our own annotations stay commands: {}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_apis_error_text_cannot_forge_a_workflow_command() {
    for form in FORMS {
        let body = format!("{form} then\n::error::second line ##[add-mask]x {form}");
        let server =
            serve(move |_, _| wiremock::ResponseTemplate::new(200).set_body_string(body.clone()))
                .await;
        let out = Gate::against(&server)
            .args(["1", "--timeout", "1s"])
            .env("GITHUB_ACTIONS", "true")
            .expect_code(4)
            .await;
        no_forged_command("stdout", &out.stdout);
        no_forged_command("stderr", &out.stderr);
        out.stderr_has("it began:");
    }
}
