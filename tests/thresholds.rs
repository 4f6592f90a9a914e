//! Metric thresholds (issue 13), end to end on loopback and on replays:
//! per-run checks fail runs, aggregates fail the gate in a suite of their
//! own, a missing metric fails closed, a kind mismatch on a replay is exit 2.

use crate::common;

use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request};

/// A v1 run whose Latency scored `latency` (none when `None`).
fn v1(id: u64, latency: Option<f64>) -> Value {
    let mut r = run(id, "completed", true, &[]);
    r["evaluation"]["metrics"] = match latency {
        Some(ms) => json!([{"id": 33, "name": "Latency", "type": "numeric", "score": ms}]),
        None => json!([]),
    };
    r
}

/// A v2 run with a binary "Goal reached" metric and a "Call Quality" rubric rule.
fn v2(id: u64, goal: bool, quality: u32) -> Value {
    json!({
        "id": id,
        "scenario": {"id": 7, "name": "Book an appointment"},
        "success": true,
        "status": "completed",
        "evaluation": {"metrics": [{"name": "Goal reached", "eval_type": "binary", "passed": goal, "explanation": ["..."]}]},
        "rubric": [{"metric_id": 100, "metric_name": "Call Quality", "value": quality, "passed": quality >= 4, "conditions": "score gte 4"}],
        "critical_categories": [],
    })
}

async fn serve_v2(runs: Vec<Value>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(V2_PATH))
        .respond_with(move |request: &Request| answer(request, &runs))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn v1_latency_per_run_and_p95_on_loopback() {
    let runs = vec![
        v1(1, Some(1200.0)),
        v1(2, Some(5200.0)),
        v1(3, Some(2400.0)),
        v1(4, Some(2600.0)),
    ];
    let server = serve_runs(runs).await;
    let out = Gate::against(&server)
        .args(["1,2,3,4", "--json", "v.json"])
        .args([
            "--threshold",
            "Latency<=4000",
            "--threshold",
            "p95(Latency)<=2500",
        ])
        .args(["--threshold", "med(Latency) <= 2500"])
        .expect_code(1)
        .await;
    out.stdout_has("threshold Latency<=4000 broken: Latency 5200 (limit <= 4000)")
        .stdout_has("threshold p95(Latency)<=2500: measured 5200, limit <= 2500")
        .stdout_has("    - med(Latency) <= 2500, 2400, <= 2500, holds");
    let junit = out.junit();
    // 4 runs + 2 aggregates; run 2 and the p95 fail.
    assert_eq!(junit_counts(&junit), (6, 2, 0), "{junit}");
    assert!(junit.contains("<testsuite name=\"thresholds\" tests=\"2\" failures=\"1\""));
    assert!(
        junit.contains("<property name=\"measured\" value=\"5200\"/>"),
        "{junit}"
    );
    junit_check(&out.dir.join("vocera-junit.xml"), 6, 2, 0);
    let verdict = out.json("v.json");
    assert_eq!(verdict["thresholds"][0]["threshold"], "p95(Latency)<=2500");
    assert_eq!(verdict["thresholds"][0]["passed"], false);
    assert_eq!(verdict["thresholds"][0]["measured"][0]["value"], "5200");
    assert_eq!(verdict["thresholds"][1]["passed"], true);
    assert_eq!(
        verdict["failed_runs"], 1,
        "only run 2 broke the per-run check"
    );
    assert_eq!(
        verdict["results"][1]["breaches"][0],
        "Latency<=4000: Latency 5200 (limit <= 4000)"
    );
    assert_eq!(
        verdict["reasons"][0], "1 unsuccessful run is above --max-failed-runs 0",
        "a broken per-run threshold counts toward --max-failed-runs"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn v2_binary_and_rubric_metrics_on_loopback() {
    let runs = vec![
        v2(11, true, 5),
        v2(12, true, 4),
        v2(13, false, 3),
        v2(14, true, 5),
    ];
    let server = serve_v2(runs).await;
    let gate = |thresholds: &[&str]| {
        let mut g = Gate::against(&server).args(["11,12,13,14", "--api", "cekura"]);
        for t in thresholds {
            g = g.args(["--threshold", t]);
        }
        g
    };
    let out = gate(&[
        "rate(Goal reached)>=0.75",
        "avg(Call Quality)>=4",
        "min(Call Quality)>=3",
    ])
    .expect_code(0)
    .await;
    out.stdout_has("rate(Goal reached)>=0.75, 0.75 (3/4), >= 0.75, holds")
        .stdout_has("avg(Call Quality)>=4, 4.25, >= 4, holds");
    assert_eq!(junit_counts(&out.junit()), (7, 0, 0));
    let out = gate(&[
        "rate(Goal reached)>=90%",
        "Call Quality>=4",
        "Goal reached==true",
    ])
    .expect_code(1)
    .await;
    out.stdout_has("threshold rate(Goal reached)>=90%: measured 0.75 (3/4), limit >= 0.9");
    let junit = out.junit();
    assert_eq!(junit_counts(&junit), (5, 2, 0), "run 13 and the rate");
    assert!(
        junit.contains("Threshold Call Quality&gt;=4 broken: Call Quality 3 (limit &gt;= 4)."),
        "{junit}"
    );
    assert!(
        junit.contains("Threshold Goal reached==true broken: Goal reached false (limit == true)."),
        "{junit}"
    );
    junit_check(&out.dir.join("vocera-junit.xml"), 5, 2, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_metric_fails_closed() {
    let runs = [v1(1, Some(900.0)), v1(2, None)];
    let out = Gate::new()
        .file("runs.json", &Value::Array(runs.to_vec()).to_string())
        .args(["--from-file", "runs.json", "--threshold", "Latency<=4000"])
        .expect_code(1)
        .await;
    out.stdout_has("threshold Latency<=4000 broken: metric Latency missing");
    assert_eq!(junit_counts(&out.junit()), (2, 1, 0));
    let out = Gate::new()
        .file("runs.json", &Value::Array(vec![v1(2, None)]).to_string())
        .args([
            "--from-file",
            "runs.json",
            "--threshold",
            "p95(Latency)<=4000",
        ])
        .expect_code(1)
        .await;
    out.stdout_has("threshold p95(Latency)<=4000: measured no run carried Latency");
    junit_check(&out.dir.join("vocera-junit.xml"), 2, 1, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn scope_scenario_names_the_scenario_that_broke_it() {
    let mut runs = Vec::new();
    for (id, scenario, ms) in [
        (1, 10, 1000.0),
        (2, 10, 1200.0),
        (3, 20, 3000.0),
        (4, 20, 3100.0),
    ] {
        let mut r = v1(id, Some(ms));
        r["scenario"] = json!(scenario);
        r["scenario_name"] = json!(format!("S{scenario}"));
        runs.push(r);
    }
    let file = Value::Array(runs).to_string();
    let gate = |scope: &str| {
        Gate::new().file("runs.json", &file).args([
            "--from-file",
            "runs.json",
            "--threshold",
            "avg(Latency)<=2500",
            "--threshold-scope",
            scope,
        ])
    };
    gate("all").expect_code(0).await.stdout_has("2075");
    let out = gate("scenario").expect_code(1).await;
    out.stdout_has("threshold avg(Latency)<=2500: S20: measured 3050, limit <= 2500");
    let junit = out.junit();
    assert!(
        junit.contains("<property name=\"measured.S10\" value=\"1100\"/>"),
        "{junit}"
    );
    junit_check(&out.dir.join("vocera-junit.xml"), 5, 1, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kind_that_does_not_fit_is_exit_2_on_a_replay_and_bad_expressions_point() {
    let file = Value::Array(vec![v2(11, true, 5)]).to_string();
    let out = Gate::new()
        .file("runs.json", &file)
        .args([
            "--from-file",
            "runs.json",
            "--threshold",
            "avg(Goal reached)<=1",
        ])
        .expect_code(2)
        .await;
    out.stderr_has(
        "--threshold: metric Goal reached holds true/false (a binary metric), but avg(Goal reached)<=1 needs a number",
    );
    assert!(
        out.file("vocera-junit.xml").is_none(),
        "no report of a usage error"
    );
    let out = Gate::new()
        .args([
            "--from-file",
            "runs.json",
            "--threshold",
            "p(100)(Latency)<=5",
        ])
        .expect_code(2)
        .await;
    out.stderr_has("percentile \"100\" must be above 0 and below 100")
        .stderr_has("  p(100)(Latency)<=5\n    ^^^");
    let out = Gate::new()
        .args([
            "--from-file",
            "runs.json",
            "--threshold",
            "p95(Latency)<=baseline+10%",
        ])
        .expect_code(2)
        .await;
    out.stderr_has("compares with the baseline, but no --baseline was given");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_metric_sent_without_a_value_is_missing_and_unfinished_runs_keep_it_open() {
    let mut null = v1(2, None);
    null["evaluation"]["metrics"] = json!([{"name": "Latency", "score": null}]);
    let file = Value::Array(vec![v1(1, Some(900.0)), null]).to_string();
    let out = Gate::new()
        .file("runs.json", &file)
        .args(["--from-file", "runs.json", "--threshold", "Latency<=4000"])
        .args(["--threshold", "Latency<=4000"])
        .expect_code(1)
        .await;
    out.stdout_has("threshold Latency<=4000 broken: metric Latency missing");
    // Broken over the finished runs while one still runs: not final, so the
    // verdict stays unfinished (exit 3), not failed.
    let mut running = v1(3, None);
    running["status"] = json!("in_progress");
    let file = Value::Array(vec![v1(1, Some(5000.0)), running]).to_string();
    let out = Gate::new()
        .file("runs.json", &file)
        .args([
            "--from-file",
            "runs.json",
            "--threshold",
            "avg(Latency)<=4000",
        ])
        .args(["--json", "v.json"])
        .expect_code(3)
        .await;
    out.stdout_has("avg(Latency)<=4000, 5000, <= 4000, not final");
    assert_eq!(
        out.json("v.json")["thresholds"][0]["measured"][0]["pending"],
        true
    );
    let junit = out.junit();
    assert_eq!(
        junit.matches("<testcase").count(),
        3,
        "a repeated --threshold is one testcase"
    );
    assert_eq!(junit_counts(&junit), (3, 0, 1), "not final is no failure");
}

#[tokio::test(flavor = "multi_thread")]
async fn aggregates_in_capitals_and_signed_or_exponent_limits_are_read() {
    let file = Value::Array(vec![v1(1, Some(1200.0)), v1(2, Some(2600.0))]).to_string();
    let out = Gate::new()
        .file("runs.json", &file)
        .args(["--from-file", "runs.json"])
        .args(["--threshold", "P95(Latency)<=3000"])
        .args(["--threshold", "AVG(Latency)<=1e4"])
        .args(["--threshold", "Latency<=+5000"])
        .args(["--threshold", "Latency>=-1.5E3"])
        .args(["--json", "v.json"])
        .expect_code(0)
        .await;
    out.stdout_has("P95(Latency)<=3000, 2600, <= 3000, holds")
        .stdout_has("AVG(Latency)<=1e4, 1900, <= 10000, holds");
    let verdict = out.json("v.json");
    assert_eq!(verdict["thresholds"].as_array().map(Vec::len), Some(2));
    let out = Gate::new()
        .file("runs.json", &file)
        .args(["--from-file", "runs.json", "--threshold", "Latency<=+2000"])
        .expect_code(1)
        .await;
    out.stdout_has("threshold Latency<=+2000 broken: Latency 2600 (limit <= +2000)");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_check_given_twice_counts_once() {
    let file = Value::Array(vec![v1(1, Some(1200.0)), v1(2, Some(5200.0))]).to_string();
    let out = Gate::new()
        .file("runs.json", &file)
        .args(["--from-file", "runs.json", "--json", "v.json"])
        .args(["--threshold", "Latency<=4000"])
        .args(["--threshold", "Latency <= 4000"])
        .args(["--threshold", "Latency<=4e3"])
        .args(["--threshold", "p95(Latency)<=2500"])
        .args(["--threshold", "p95( Latency ) <= 2500.0"])
        .expect_code(1)
        .await;
    assert_eq!(
        out.stdout.matches("broken: Latency 5200").count(),
        1,
        "{}",
        out.stdout
    );
    let verdict = out.json("v.json");
    assert_eq!(
        verdict["results"][1]["breaches"],
        json!(["Latency<=4000: Latency 5200 (limit <= 4000)"]),
        "the first spelling is kept"
    );
    assert_eq!(verdict["thresholds"].as_array().map(Vec::len), Some(1));
    assert_eq!(verdict["thresholds"][0]["threshold"], "p95(Latency)<=2500");
    let junit = out.junit();
    assert!(
        junit.contains("<testsuite name=\"thresholds\" tests=\"1\" failures=\"1\""),
        "{junit}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn scenarios_of_one_name_are_told_apart_per_scenario() {
    let mut runs = Vec::new();
    for (id, scenario, ms) in [(1, 12, 1000.0), (2, 13, 3000.0)] {
        let mut r = v1(id, Some(ms));
        r["scenario"] = json!(scenario);
        r["scenario_name"] = json!("Refund");
        runs.push(r);
    }
    let out = Gate::new()
        .file("runs.json", &Value::Array(runs).to_string())
        .args(["--from-file", "runs.json", "--json", "v.json"])
        .args(["--threshold", "avg(Latency)<=2500"])
        .args(["--threshold-scope", "scenario"])
        .expect_code(1)
        .await;
    out.stdout_has(
        "threshold avg(Latency)<=2500: Refund (scenario 13): measured 3000, limit <= 2500",
    );
    let junit = out.junit();
    assert!(
        junit.contains("<property name=\"measured.Refund (scenario 12)\" value=\"1000\"/>"),
        "{junit}"
    );
    let rows = &out.json("v.json")["thresholds"][0]["measured"];
    assert_eq!(rows[0]["scenario"], "Refund (scenario 13)", "{rows}");
    assert_eq!(rows[1]["scenario"], "Refund (scenario 12)", "{rows}");
}

/// A completed run whose evaluation holds exactly `metrics`.
fn with_metrics(id: u64, metrics: Value) -> Value {
    let mut r = run(id, "completed", true, &[]);
    r["evaluation"]["metrics"] = metrics;
    r
}

/// Three runs reading `Latency` 1000 and run 184 reading it as "timeout";
/// three runs passing `Goal` and run 4 scoring it 0.
fn one_odd_run_each() -> String {
    let mut runs: Vec<Value> = (1..=3)
        .map(|id| {
            with_metrics(
                id,
                json!([{"name": "Latency", "type": "numeric", "score": 1000},
                    {"name": "Goal", "eval_type": "binary", "passed": true}]),
            )
        })
        .collect();
    runs.push(with_metrics(
        184,
        json!([{"name": "Latency", "value": "timeout"},
            {"name": "Goal", "eval_type": "binary", "passed": true}]),
    ));
    runs.push(with_metrics(
        4,
        json!([{"name": "Latency", "score": 900}, {"name": "Goal", "score": 0}]),
    ));
    Value::Array(runs).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_run_of_another_kind_breaks_an_aggregate_on_a_replay() {
    let file = one_odd_run_each();
    let replay = |threshold: &str| {
        Gate::new().file("runs.json", &file).args([
            "--from-file",
            "runs.json",
            "--threshold",
            threshold,
        ])
    };
    let out = replay("max(Latency)<=2000")
        .expect_code_because(1, "not passed with run 184 left out, nor a usage error")
        .await;
    out.stdout_has(
        "threshold max(Latency)<=2000: measured run 184 reads Latency as text \"timeout\", not a number, limit <= 2000",
    );
    junit_check(&out.dir.join("vocera-junit.xml"), 6, 1, 0);
    let out = replay("rate(Goal)>=1").expect_code(1).await;
    out.stdout_has(
        "threshold rate(Goal)>=1: measured run 4 reads Goal as a number (0), not true/false, limit >= 1",
    );
    // Per run: the odd run fails its check; the others pass theirs.
    let out = replay("Latency<=2000")
        .args(["--json", "v.json"])
        .expect_code(1)
        .await;
    let verdict = out.json("v.json");
    assert_eq!(verdict["failed_runs"], 1, "{verdict}");
    assert_eq!(
        verdict["results"][3]["breaches"][0],
        "Latency<=2000: metric Latency holds text (an enum metric), but Latency<=2000 needs a number"
    );
    // A kind that fits no run at all is still a typo: exit 2.
    replay("Latency==true").expect_code(2).await.stderr_has(
        "--threshold: metric Latency holds a number, but Latency==true needs true/false",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_run_of_another_kind_breaks_an_aggregate_live() {
    let file = one_odd_run_each();
    let runs: Vec<Value> = serde_json::from_str(&file).expect("JSON");
    let server = serve_runs(runs).await;
    let out = Gate::against(&server)
        .args(["1,2,3,184,4", "--threshold", "avg(Latency)<=2000"])
        .expect_code(1)
        .await;
    out.stdout_has("threshold avg(Latency)<=2000: measured run 184 reads Latency as text \"timeout\", not a number");
}

#[tokio::test(flavor = "multi_thread")]
async fn binary_shapes_read_as_passed_and_odd_scores_are_not_a_number() {
    let runs = vec![
        with_metrics(
            1,
            json!([{"name": "Goal", "type": "binary_workflow_adherence", "score": 5}]),
        ),
        with_metrics(
            2,
            json!([{"name": "Goal", "type": "binary_workflow_adherence", "score": 0}]),
        ),
        with_metrics(3, json!([{"name": "Goal", "type": "binary", "score": 1}])),
        with_metrics(
            4,
            json!([{"name": "Goal", "type": "binary", "value": true}]),
        ),
        with_metrics(
            5,
            json!([{"name": "Goal", "eval_type": "binary", "passed": false}]),
        ),
    ];
    let file = Value::Array(runs).to_string();
    let out = Gate::new()
        .file("runs.json", &file)
        .args(["--from-file", "runs.json", "--threshold", "rate(Goal)>=0.5"])
        .expect_code(0)
        .await;
    out.stdout_has("rate(Goal)>=0.5, 0.6 (3/5), >= 0.5, holds");
    let odd = vec![
        with_metrics(1, json!([{"name": "Latency", "score": 1200}])),
        with_metrics(2, json!([{"name": "Latency", "score": true}])),
        with_metrics(3, json!([{"name": "Latency", "score": "NaN"}])),
        with_metrics(
            4,
            json!([{"name": "Goal", "type": "binary_workflow_adherence", "score": 3}]),
        ),
    ];
    let out = Gate::new()
        .file("runs.json", &Value::Array(odd).to_string())
        .args(["--from-file", "runs.json", "--threshold", "Latency<=4000"])
        .args(["--threshold", "p50(Latency)<=4000", "--json", "v.json"])
        .expect_code(1)
        .await;
    let verdict = out.json("v.json");
    let said: Vec<&str> = verdict["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["breaches"][0].as_str())
        .collect();
    assert_eq!(
        said,
        [
            "Latency<=4000: metric Latency unreadable: score true is not a number",
            "Latency<=4000: metric Latency unreadable: score \"NaN\" is not a number",
            "Latency<=4000: metric Latency missing",
        ]
    );
    out.stdout_has(
        "measured run 2 cannot read Latency: score true is not a number (and 1 more run)",
    );
    let out = Gate::new()
        .file(
            "runs.json",
            &Value::Array(vec![with_metrics(
                4,
                json!([{"name": "Goal", "type": "binary_workflow_adherence", "score": 3}]),
            )])
            .to_string(),
        )
        .args(["--from-file", "runs.json", "--threshold", "Goal==true"])
        .expect_code(1)
        .await;
    out.stdout_has(
        "metric Goal unreadable: score 3 of a binary metric is neither 5 (passed) nor 0 (failed)",
    );
}
