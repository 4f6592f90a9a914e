//! Outbound agents (issue 21, item 14), against a loopback fake of the
//! platform: each started run's dial number and window is printed at once,
//! and the first poll that finds runs still waiting to be dialed warns.

mod common;

use common::platform::*;
use common::*;
use serde_json::json;
use wiremock::ResponseTemplate;

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
