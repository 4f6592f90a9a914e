//! Issue 23: JUnit readers show every failure red while the exit code
//! applies the policy; each case the gate did not count says why (a `gate`
//! property and the start of its message), and every consumer still reads
//! the same counts.

use crate::common;

use common::*;
use serde_json::Value;

fn runs() -> String {
    let mut errored = run(3, "failed", false, &[]);
    errored["error_message"] = Value::from("the call dropped");
    Value::Array(vec![
        run(1, "completed", true, &[]),
        run(2, "completed", false, &["high"]),
        errored,
    ])
    .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_within_the_policy_are_marked_tolerated_and_the_gate_passes() {
    let out = Gate::new()
        .file("runs.json", &runs())
        .args([
            "--from-file",
            "runs.json",
            "--max-score",
            "10",
            "--max-failed-runs",
            "1",
            "--max-errored-runs",
            "1",
        ])
        .expect_code(0)
        .await;
    let junit = out.junit();
    assert_eq!(junit_counts(&junit), (3, 1, 1), "still red: {junit}");
    assert_eq!(
        junit
            .matches("<property name=\"gate\" value=\"tolerated\"/>")
            .count(),
        2,
        "{junit}"
    );
    assert!(
        junit.contains("<failure message=\"tolerated: within --max-score 10 (score 10) and within --max-failed-runs (1 unsuccessful): [high] high problem\""),
        "{junit}"
    );
    assert!(
        junit.contains("<error message=\"tolerated: within --max-errored-runs: run ended with status failed: the call dropped\""),
        "{junit}"
    );
    assert!(!junit.contains("value=\"counted\""), "{junit}");
    junit_check(&out.dir.join("vocera-junit.xml"), 3, 1, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_that_fail_the_gate_are_unmarked_with_their_message_as_before() {
    let out = Gate::new()
        .file("runs.json", &runs())
        .args(["--from-file", "runs.json", "--max-score", "10"])
        .expect_code(1)
        .await;
    let junit = out.junit();
    // A red case without a `gate` property counted: the report is the one
    // written before the marks existed.
    assert!(!junit.contains("<property name=\"gate\""), "{junit}");
    assert!(
        junit.contains("<failure message=\"[high] high problem\""),
        "{junit}"
    );
    assert!(!junit.contains("tolerated"), "{junit}");
    junit_check(&out.dir.join("vocera-junit.xml"), 3, 1, 1);
}
