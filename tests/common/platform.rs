//! A loopback fake of the platform around the runs: the start, result and
//! end-calls endpoints as `shared/api/README.md` documents them, beside the
//! bulk-runs endpoint, on one real HTTP server (wiremock) that records every
//! request.

use super::{V1_PATH, V2_PATH, answer};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const START_V1: &str = "/test_framework/v1/scenarios-external/run_scenarios/";
pub const START_V2: &str = "/test_framework/v2/scenarios/run_scenarios/";
pub const RESULT_ID: u64 = 9876;

/// The 201 answer of a start: result 9876 with these (run ID, scenario ID) runs.
pub fn started(runs: &[(u64, i64)]) -> ResponseTemplate {
    let runs: Vec<Value> = runs
        .iter()
        .map(|(id, scenario)| {
            json!({"id": id, "status": "pending", "scenario": scenario, "scenario_name": format!("Scenario {scenario}"),
                   "number": "+15550100", "inbound_number": null, "test_profile_data": null})
        })
        .collect();
    ResponseTemplate::new(201).set_body_json(json!({
        "id": RESULT_ID, "agent": 42, "status": "pending", "run_as_text": false,
        "runs": runs, "created_at": "2026-12-01T12:00:00Z"
    }))
}

/// Starts the fake: `start(call_number, request)` answers each start request
/// (both generations); the result (9876 only, both generations), bulk-runs
/// and end-calls endpoints answer from `runs`.
pub async fn platform<F>(start: F, runs: Vec<Value>) -> MockServer
where
    F: Fn(usize, &Request) -> ResponseTemplate + Send + Sync + 'static,
{
    platform_on(MockServer::start().await, start, runs).await
}

/// [`platform`] on a server the caller started (say, on a chosen port).
pub async fn platform_on<F>(server: MockServer, start: F, runs: Vec<Value>) -> MockServer
where
    F: Fn(usize, &Request) -> ResponseTemplate + Send + Sync + 'static,
{
    let calls = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(start);
    for start_path in [START_V1, START_V2] {
        let (calls, start) = (calls.clone(), start.clone());
        Mock::given(method("POST"))
            .and(path(start_path))
            .respond_with(move |request: &Request| {
                start(calls.fetch_add(1, Ordering::SeqCst), request)
            })
            .mount(&server)
            .await;
    }
    let all = runs.clone();
    Mock::given(method("GET"))
        .and(path_regex(
            r"^/test_framework/(v2/results|v1/results-external)/[0-9]+/$",
        ))
        .respond_with(move |request: &Request| {
            if !request.url.path().ends_with(&format!("/{RESULT_ID}/")) {
                return ResponseTemplate::new(404).set_body_json(json!({"detail": "Not found."}));
            }
            let keyed: serde_json::Map<String, Value> = all
                .iter()
                .map(|r| (r["id"].to_string(), r.clone()))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({
                "id": RESULT_ID, "name": "nightly", "agent": 42, "status": "running",
                "runs": keyed, "total_runs_count": all.len(), "completed_runs_count": "0"
            }))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"/results(-external)?/[0-9]+/end_calls/$"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    for bulk in [V1_PATH, V2_PATH] {
        let runs = runs.clone();
        Mock::given(method("GET"))
            .and(path(bulk))
            .respond_with(move |request: &Request| answer(request, &runs))
            .mount(&server)
            .await;
    }
    server
}

/// The requests to `path_end` (a path suffix) with `verb`.
pub async fn sent(server: &MockServer, verb: &str, path_end: &str) -> Vec<Request> {
    super::requests(server)
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path().ends_with(path_end))
        .collect()
}

/// A request's body as JSON.
pub fn body_of(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or_else(|e| {
        panic!(
            "the body is not JSON ({e}): {}",
            String::from_utf8_lossy(&request.body)
        )
    })
}
