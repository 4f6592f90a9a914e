//! The platform's own success rate (issue 20): when the runs belong to a
//! result the gate read or started, the result is read once more after
//! waiting, and its `success_rate` (over all its runs, errored included)
//! is shown beside the gate's figures, in the verdict, the job summary and
//! the JSON; never judged, and never fatal.

use crate::common;

use common::platform::*;
use common::*;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const RESULT_PATH: &str = "/test_framework/v2/results/9876/";

/// Runs 181 (passes), 182 (fails: unsuccessful) and 183 (timeout).
fn runs() -> Vec<Value> {
    vec![
        run(181, "completed", true, &[]),
        run(182, "completed", false, &[]),
        run(183, "timeout", false, &[]),
    ]
}

/// The platform serving [`runs`], whose result 9876 answers `answer(n,
/// body)` to its `n`th read (counting from 0); reads are counted.
async fn with_result<F>(answer: F) -> (MockServer, Arc<AtomicUsize>)
where
    F: Fn(usize, Value) -> ResponseTemplate + Send + Sync + 'static,
{
    with_result_of(runs(), answer).await
}

async fn with_result_of<F>(runs: Vec<Value>, answer: F) -> (MockServer, Arc<AtomicUsize>)
where
    F: Fn(usize, Value) -> ResponseTemplate + Send + Sync + 'static,
{
    let server = MockServer::start().await;
    let reads = Arc::new(AtomicUsize::new(0));
    let counted = reads.clone();
    let keyed: serde_json::Map<String, Value> = runs
        .iter()
        .map(|r| (r["id"].to_string(), r.clone()))
        .collect();
    Mock::given(method("GET"))
        .and(path(RESULT_PATH))
        .respond_with(move |_: &Request| {
            let body = json!({"id": RESULT_ID, "status": "completed", "runs": keyed.clone(),
                              "total_runs_count": 3, "success_runs_count": "1"});
            answer(counted.fetch_add(1, Ordering::SeqCst), body)
        })
        .with_priority(1)
        .mount(&server)
        .await;
    let server = platform_on(
        server,
        |_, _| started(&[(181, 67), (182, 68), (183, 69)]),
        runs,
    )
    .await;
    (server, reads)
}

fn rated(rate: Value) -> impl Fn(usize, Value) -> ResponseTemplate {
    move |_, mut body| {
        body["success_rate"] = rate.clone();
        ResponseTemplate::new(200).set_body_json(body)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_result_shows_its_success_rate_beside_the_gates_figures() {
    let (server, reads) = with_result(rated(json!(33.33))).await;
    let out = Gate::against(&server)
        .args(["--api", "cekura", "--result-id", "9876", "--json", "r.json"])
        .args(["--max-errored-runs", "1"])
        .env("GITHUB_STEP_SUMMARY", "summary.md")
        .expect_code(1)
        .await;
    assert_eq!(
        reads.load(Ordering::SeqCst),
        3,
        "its runs, again before judging (issue 21, item 9), then its rate after waiting"
    );
    let said = "the platform's success rate of result 9876 is 33.33% (its runs with success true, over all its runs, errored ones included); the gate passed 1 of 3 runs (it also weighs categories, thresholds and reviews)";
    out.stdout_has(&format!("; result 9876\n  {said}\n"));
    let summary = out.file("summary.md").expect("a summary");
    assert!(
        summary.contains("Result 9876\n\nThe platform's success rate of result 9876 is 33.33% ("),
        "{summary}"
    );
    let v = out.json("r.json");
    assert_eq!(v["platform_success_rate"], "33.33");
    assert_eq!(v["passed_runs"], 1, "the gate's own figures unchanged");
    // A replay of the same runs names no rate: it read no result.
    let replay = Gate::new()
        .file("runs.json", &Value::Array(runs()).to_string())
        .args([
            "--from-file",
            "runs.json",
            "--json",
            "r.json",
            "--max-errored-runs",
            "1",
        ])
        .expect_code(1)
        .await;
    assert_eq!(replay.json("r.json")["platform_success_rate"], Value::Null);
    assert!(!replay.stdout.contains("platform"), "{}", replay.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_started_result_is_read_after_waiting_and_kept_as_written() {
    let (server, reads) = with_result(rated(json!("66.666"))).await;
    let out = Gate::against(&server)
        .args([
            "--api",
            "cekura",
            "--agent-id",
            "42",
            "--scenarios",
            "67,68,69",
        ])
        .args(["--json", "r.json"])
        .expect_code(1)
        .await;
    assert_eq!(reads.load(Ordering::SeqCst), 1, "once, after waiting");
    assert_eq!(out.json("r.json")["platform_success_rate"], "66.666");
    out.stdout_has("success rate of result 9876 is 66.666% (");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_that_cannot_be_read_is_a_warning_and_no_figure() {
    // The reads of the runs (before waiting and before judging) succeed;
    // the one after waiting fails.
    let failing = |n: usize, body: Value| {
        if n <= 1 {
            ResponseTemplate::new(200).set_body_json(body)
        } else {
            ResponseTemplate::new(503).set_body_string("down")
        }
    };
    let (server, _) = with_result(failing).await;
    let out = Gate::against(&server)
        .args(["--api", "cekura", "--result-id", "9876", "--json", "r.json"])
        .expect_code(1)
        .await;
    out.stderr_has(
        "warning: could not read the success rate of result 9876 (the API answered HTTP 503",
    );
    assert_eq!(out.json("r.json")["platform_success_rate"], Value::Null);
    // Not a percentage: refused as well, never shown.
    let (server, _) = with_result(rated(json!("all\n::error::forged"))).await;
    let out = Gate::against(&server)
        .args(["--api", "cekura", "--result-id", "9876", "--json", "r.json"])
        .expect_code(1)
        .await;
    out.stderr_has("its success_rate is not a percentage from 0 to 100");
    assert_eq!(out.json("r.json")["platform_success_rate"], Value::Null);
    assert!(!out.stdout.contains("forged"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gate_past_its_deadline_reads_no_rate() {
    let mut waiting = runs();
    waiting[1]["success"] = json!(true);
    waiting[2]["status"] = json!("in_progress");
    let (server, reads) = with_result_of(waiting, rated(json!(0))).await;
    let out = Gate::against(&server)
        .args(["--api", "cekura", "--result-id", "9876", "--json", "r.json"])
        .args(["--timeout", "600ms"])
        .expect_code(3)
        .await;
    assert_eq!(
        reads.load(Ordering::SeqCst),
        1,
        "the runs only: a partial rate would mislead"
    );
    assert_eq!(out.json("r.json")["platform_success_rate"], Value::Null);
}
