//! `--html`: the evidence report, written by the binary like every other
//! report (checked before anything, replaced whole, redacted), never
//! changing the exit code.

use crate::common;

use common::*;
use serde_json::json;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/runs.json");

#[tokio::test(flavor = "multi_thread")]
async fn replay_writes_the_report_and_keeps_the_exit_code() {
    let plain = Gate::new().args(["replay", EXAMPLE]).expect_code(1).await;
    let out = Gate::new()
        .args([
            "replay",
            EXAMPLE,
            "--html",
            "out.html",
            "--json",
            "gate.json",
        ])
        .expect_code(1)
        .await;
    assert_eq!(out.stdout, plain.stdout, "the report changes nothing else");
    let page = out.file("out.html").expect("the HTML report");
    assert!(page.starts_with("<!DOCTYPE html>\n"), "{page}");
    assert!(page.contains("<h1 class=\"failed\">vocera-gate: failed</h1>"));
    assert!(page.contains("Content-Security-Policy"));
    assert!(page.contains("media-src 'none'"));
    assert!(!page.contains("<audio"), "recordings are off by default");
    assert!(!page.contains("<script"));
    assert!(
        page.contains("Unicode &amp; control characters &lt;ünïcødé&gt;"),
        "run text escaped"
    );
    let passing = Gate::new()
        .args(["replay", EXAMPLE, "181", "--html", "ok.html"])
        .expect_code(0)
        .await;
    let page = passing.file("ok.html").expect("written on a pass too");
    assert!(page.contains("<h1 class=\"passed\">vocera-gate: passed</h1>"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_runs_give_the_same_bytes() {
    let args = [
        "replay",
        EXAMPLE,
        "--html",
        "a.html",
        "--include-transcript",
    ];
    let first = Gate::new().args(args).expect_code(1).await;
    let again = Gate::new().args(args).expect_code(1).await;
    assert_eq!(first.file("a.html"), again.file("a.html"));
}

#[tokio::test]
async fn an_unwritable_path_is_a_usage_error_before_anything() {
    let server = serve_runs(vec![run(1, "completed", true, &[])]).await;
    let out = Gate::against(&server)
        .args(["--html", "nodir/report.html", "1"])
        .expect_code(2)
        .await;
    out.stderr_has("--html nodir/report.html: cannot write in nodir");
    assert!(requests(&server).await.is_empty(), "no request was made");
    assert_eq!(out.file("vocera-junit.xml"), None, "no report written");
    let replay = Gate::new()
        .args(["replay", EXAMPLE, "--html", "nodir/report.html"])
        .expect_code(2)
        .await;
    assert_eq!(replay.file("vocera-junit.xml"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn recordings_play_only_when_asked_and_the_key_is_hidden() {
    const KEY: &str = "vk_live_HtmlS3cret42";
    let mut failed = run(1, "completed", false, &["high"]);
    failed["scenario_name"] = json!(format!("<img src=x onerror=alert(1)> {KEY}"));
    failed["voice_recording_url"] = json!("https://rec.example/1.mp3");
    let mut other = run(2, "completed", false, &[]);
    other["voice_recording_url"] = json!("javascript:alert(1)");
    let server = serve_runs(vec![failed, other]).await;
    let out = Gate::new()
        .args(["--base-url", &server.uri(), "--api-key", KEY, "1,2"])
        .args(["--html", "r.html", "--include-recordings"])
        .expect_code(1)
        .await;
    let page = out.file("r.html").expect("the report");
    assert!(!page.contains(KEY), "{page}");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt; [the API key]"));
    assert_eq!(page.matches("<audio").count(), 1, "{page}");
    assert!(page.contains("media-src https://rec.example;"));
    assert!(!page.contains("javascript:"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_runs_explanations_show_for_the_failing_run_and_stay_in_the_json() {
    let mut failed = run(1, "completed", false, &["high"]);
    failed["evaluation"] = json!({"metrics": [
        {"name": "Goal", "eval_type": "binary", "passed": false,
         "explanation": ["Never greeted", "<script>alert(1)</script>"]},
        {"name": "Tone", "type": "numeric", "score": 2, "explanation": {"odd": true}}
    ]});
    failed["rubric"] = json!([
        {"metric_name": "Call Quality", "value": 2, "passed": false, "explanation": "Curt & rushed"}
    ]);
    let mut passed = run(2, "completed", true, &[]);
    passed["evaluation"] =
        json!({"metrics": [{"name": "Goal", "passed": true, "explanation": "Greeted well"}]});
    let body = json!([failed, passed]).to_string();
    let out = Gate::replay("runs.json")
        .file("runs.json", &body)
        .args(["--html", "r.html", "--json", "r.json"])
        .expect_code(1)
        .await;
    let page = out.file("r.html").expect("the report");
    assert!(
        page.contains("<td>Never greeted<br>&lt;script&gt;alert(1)&lt;/script&gt;</td>"),
        "{page}"
    );
    assert!(page.contains("<td>Curt &amp; rushed</td>"), "{page}");
    assert!(!page.contains("<script"));
    assert!(
        !page.contains("Greeted well"),
        "a passing run's is folded away"
    );
    let report = out.json("r.json");
    let metrics = &report["results"][0]["run"]["metrics"];
    assert_eq!(
        metrics[0]["explanation"],
        json!(["Never greeted", "<script>alert(1)</script>"])
    );
    assert!(metrics[1].get("explanation").is_none(), "{metrics}");
    assert_eq!(metrics[2]["explanation"], json!(["Curt & rushed"]));
    // The report, explanations and all, still reads as a baseline.
    let again = Gate::replay("runs.json")
        .file("runs.json", &body)
        .file("base.json", &out.file("r.json").expect("the JSON report"))
        .args(["--baseline", "base.json"])
        .expect_code(0)
        .await;
    again.stdout_has("compared with the baseline (2 scenarios in both)");
    again.stdout_has("(known failure, also in the baseline: not counted)");
}
