//! The gate end to end against a real HTTP server on 127.0.0.1.

use crate::common;

use common::*;
use wiremock::ResponseTemplate;

#[tokio::test(flavor = "multi_thread")]
async fn all_runs_passing_exits_0_and_sends_the_key_header() {
    let server = serve_runs(vec![
        run(181, "completed", true, &[]),
        run(180, "completed", true, &["not_a_bug"]),
    ])
    .await;
    let out = Gate::against(&server)
        .args(["181,180"])
        .expect_code_because(0, "passes")
        .await;
    assert!(
        out.stdout.starts_with("vocera-gate: PASSED"),
        "verdict on stdout: {}",
        out.stdout
    );
    assert_eq!(junit_counts(&out.junit()), (2, 0, 0));
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 1, "one poll is enough");
    assert_eq!(
        reqs[0]
            .headers
            .get("X-VOCERA-API-KEY")
            .and_then(|v| v.to_str().ok()),
        Some(KEY),
        "key header"
    );
    assert_eq!(
        requested_ids(&reqs[0]),
        vec![181, 180],
        "IDs in the given order"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_progressing_over_several_polls_are_waited_for_and_only_unfinished_ones_asked_again() {
    // Call 0: 1 done, 2 pending, 3 pending. Call 1: 2 in_progress. Call 2+: all done.
    let server = serve(|n, request| {
        let state = |id: u64| match (id, n) {
            (1, _) => run(1, "completed", true, &[]),
            (2, 0) | (3, 0) => run(id, "pending", false, &[]),
            (2, 1) => run(2, "in_progress", false, &[]),
            (3, 1) => run(3, "running", false, &[]),
            (id, _) => run(id, "completed", true, &[]),
        };
        answer(request, &[state(1), state(2), state(3)])
    })
    .await;
    let out = Gate::against(&server)
        .args(["1 2 3"])
        .expect_code_because(0, "all finish and pass")
        .await;
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 3, "three polls");
    assert_eq!(requested_ids(&reqs[0]), vec![1, 2, 3]);
    assert_eq!(
        requested_ids(&reqs[1]),
        vec![2, 3],
        "finished run 1 is not asked again"
    );
    // Progress line.
    out.stderr_has("1/3 finished, 2 pending; next check in");
    // Statuses counted.
    out.stderr_has("1 in_progress, 1 running");
}

#[tokio::test(flavor = "multi_thread")]
async fn deadline_with_a_run_that_never_finishes_exits_3_and_writes_the_report() {
    let server = serve_runs(vec![
        run(1, "completed", true, &[]),
        run(2, "in_progress", false, &[]),
    ])
    .await;
    let out = Gate::against(&server)
        .args(["--timeout", "600ms", "1,2"])
        .expect_code_because(3, "unfinished at the deadline")
        .await;
    // Polls stop at the deadline: never more than it leaves room for at
    // the shortest interval (50 ms), and a loaded machine only makes fewer.
    let polls = requests(&server).await.len();
    assert!((1..=13).contains(&polls), "{polls} polls\n{}", out.stderr);
    let junit = out.junit();
    assert_eq!(junit_counts(&junit), (2, 0, 1));
    assert!(
        junit.contains("run was still in_progress when the deadline passed"),
        "{junit}"
    );
    out.stdout_has("UNFINISHED");
}

#[tokio::test(flavor = "multi_thread")]
async fn unfinished_runs_with_finished_failures_exit_1() {
    let server = serve_runs(vec![
        run(1, "completed", false, &[]),
        run(2, "pending", false, &[]),
    ])
    .await;
    Gate::against(&server)
        .args(["--timeout", "300ms", "1,2"])
        .expect_code_because(1, "the finished run already fails the gate")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_with_retry_after_is_honoured() {
    let server = serve(|n, request| {
        if n == 0 {
            ResponseTemplate::new(429).insert_header("Retry-After", "1")
        } else {
            answer(request, &[run(1, "completed", true, &[])])
        }
    })
    .await;
    let out = Gate::against(&server).args(["1"]).expect_code(0).await;
    assert_eq!(requests(&server).await.len(), 2, "one retry");
    // Waits the Retry-After second, not its 50 ms poll interval, and says why.
    out.stderr_has("next check in 1s (last request: the API is rate-limiting us (HTTP 429");
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_then_success_recovers() {
    let server = serve(|n, request| match n {
        0 => ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>"),
        1 => ResponseTemplate::new(503),
        _ => answer(request, &[run(1, "completed", true, &[])]),
    })
    .await;
    Gate::against(&server).args(["1"]).expect_code(0).await;
    assert_eq!(requests(&server).await.len(), 3);
}

/// Whether one failed poll at the deadline is a blip or an outage is decided
/// in `src/poll/state.rs` with synthetic instants; here, the exit code and
/// the report when the service fails every poll after the first answer.
#[tokio::test(flavor = "multi_thread")]
async fn a_service_failing_every_poll_after_the_first_answer_is_an_outage_exit_4() {
    let server = serve(|n, request| {
        if n == 0 {
            answer(
                request,
                &[
                    run(1, "completed", true, &[]),
                    run(2, "pending", false, &[]),
                ],
            )
        } else {
            ResponseTemplate::new(502)
        }
    })
    .await;
    let out = Gate::against(&server)
        .args(["--timeout", "1500ms", "1,2"])
        .expect_code_because(4, "the API failed from the second poll on")
        .await;
    out.stderr_has("kept failing until the --timeout deadline passed");
    assert_eq!(junit_counts(&out.junit()), (2, 0, 1), "run 2 unfinished");
    assert!(
        requests(&server).await.len() >= 3,
        "one answer, then at least two failed polls"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_key_exits_4_after_exactly_one_request() {
    let server = serve(|_, _| {
        ResponseTemplate::new(401).set_body_string("{\"detail\":\"Invalid API key\"}")
    })
    .await;
    let out = Gate::against(&server)
        .args(["--json", "v.json", "1,2"])
        .expect_code(4)
        .await;
    assert_eq!(requests(&server).await.len(), 1, "no retry on 401");
    out.stderr_has("refused the key from --api-key");
    assert!(
        out.file("vocera-junit.xml").is_none(),
        "nothing known, no report"
    );
    let json = out.json("v.json");
    assert_eq!(
        (json["verdict"].as_str(), json["exit_code"].as_u64()),
        (Some("error"), Some(4))
    );
    assert!(
        !out.stderr.contains(KEY) && !out.stdout.contains(KEY),
        "key not echoed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn other_client_errors_exit_4_with_the_status() {
    let server = serve(|_, _| ResponseTemplate::new(404)).await;
    let out = Gate::against(&server).args(["1"]).expect_code(4).await;
    out.stderr_has("404");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_id_is_an_error_case_and_fails_the_gate() {
    let server = serve_runs(vec![run(1, "completed", true, &[])]).await;
    let out = Gate::against(&server).args(["1,99"]).expect_code(1).await;
    let junit = out.junit();
    assert_eq!(junit_counts(&junit), (2, 0, 1));
    assert!(
        junit.contains("run 99 was requested but the API did not return it"),
        "{junit}"
    );
    out.stdout_has("1 requested run was not returned by the API");
    assert_eq!(
        requests(&server).await.len(),
        1,
        "a missing run is not polled again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn replaying_a_saved_response_gives_the_same_bytes_and_exit_code() {
    let server = serve(|n, request| {
        let two = if n == 0 {
            run(2, "pending", false, &[])
        } else {
            run(2, "completed", false, &["medium"])
        };
        answer(
            request,
            &[
                run(1, "completed", true, &["high", "low"]),
                two,
                run(3, "timeout", false, &[]),
            ],
        )
    })
    .await;
    let live = Gate::against(&server)
        .args([
            "--save-response",
            "saved.json",
            "--junit",
            "live.xml",
            "3,1,2,4",
        ])
        .expect_code(1)
        .await;
    let replay = Gate::replay("saved.json")
        .args(["--junit", "replay.xml", "3,1,2,4"])
        .in_dir(&live.dir)
        .expect_code_because(live.code, "same exit code")
        .await;
    let (a, b) = (
        live.file("live.xml").expect("live report"),
        replay.file("replay.xml").expect("replay report"),
    );
    assert_eq!(a, b, "byte-identical reports");
    assert_eq!(
        replay.stdout.replace("replay.xml", "live.xml"),
        live.stdout,
        "same verdict text"
    );
    // Without IDs the replay uses the file's runs, in request order (4 was missing, so not in the file).
    let again = Gate::replay("saved.json")
        .args(["--junit", "again.xml"])
        .in_dir(&live.dir)
        .expect_code(1)
        .await;
    assert_eq!(
        junit_counts(&again.file("again.xml").expect("report")),
        (3, 2, 1)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn weighted_score_on_both_sides_of_max_score() {
    // high + medium + low = 14 with the defaults; medium weighted 5 gives 16.
    let server = serve_runs(vec![
        run(1, "completed", true, &["high", "medium"]),
        run(2, "completed", true, &["low"]),
    ])
    .await;
    for (max, weights, code) in [
        ("14", None, 0),
        ("13", None, 1),
        ("16", Some("Medium=5"), 0),
        ("15", Some("medium=5"), 1),
    ] {
        let weight = weights.map(|w| ["--weight", w]);
        let out = Gate::against(&server)
            .args(["--max-score", max, "1,2"])
            .args(weight.into_iter().flatten())
            .expect_code_because(code, format!("--max-score {max} {weights:?}"))
            .await;
        assert_eq!(
            junit_counts(&out.junit()).1,
            2,
            "both runs are JUnit failures either way"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn report_only_exits_0_where_the_gate_failed() {
    let server = serve_runs(vec![run(1, "completed", false, &["high"])]).await;
    let out = Gate::against(&server)
        .args(["--report-only", "1"])
        .expect_code(0)
        .await;
    // The verdict still says failed.
    out.stdout_has("FAILED");
    assert_eq!(junit_counts(&out.junit()), (1, 1, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_text_gives_valid_xml_that_keeps_the_text() {
    let mut hostile = run(1, "completed", false, &["high"]);
    hostile["scenario_name"] = "<script>&amp;\"quoted\"\u{0}\u{1b}[31m".into();
    hostile["critical_categories"][0]["category"] =
        "tab\there ESC\u{1b}[2Jafter \u{fffe}\u{ffff} ]]> end".into();
    hostile["critical_categories"][0]["scenario"] = "line1\r\nline2\u{7}\u{9b}".into();
    hostile["transcript"] = "A: hi\u{0}\u{8}\u{b}\u{c}\u{1f} 😀 \u{10ffff}".into();
    let server = serve_runs(vec![hostile]).await;
    let out = Gate::against(&server)
        .args(["--include-transcript", "1"])
        .expect_code(1)
        .await;
    let junit = out.junit();
    assert_eq!(junit_counts(&junit), (1, 1, 0));
    let doc = roxmltree::Document::parse(&junit).expect("strict parse");
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("failure");
    let body = failure.text().expect("body");
    assert!(
        body.contains("tab\there ESC\\x1b[2Jafter \\u{fffe}\\u{ffff} ]]> end"),
        "text kept: {body:?}"
    );
    assert!(
        body.contains("line1\r\n    line2\\x07\\u{9b}"),
        "CR kept: {body:?}"
    );
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase"))
        .expect("case");
    assert_eq!(
        case.attribute("name"),
        Some("<script>&amp;\"quoted\"\\x00\\x1b[31m"),
        "name round-trips"
    );
    assert!(
        !out.stdout.contains('\u{1b}'),
        "no raw ESC reaches the terminal: {:?}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_appears_in_no_output_report_or_saved_file() {
    let server = serve_runs(vec![
        run(1, "completed", false, &["high"]),
        run(2, "failed", false, &[]),
    ])
    .await;
    let out = Gate::against(&server)
        .args(["-v", "--save-response", "saved.json", "1,2,3"])
        .expect_code(1)
        .await;
    for (what, text) in [
        ("stdout", out.stdout.clone()),
        ("stderr", out.stderr.clone()),
        ("junit", out.junit()),
        ("saved response", out.file("saved.json").expect("saved")),
    ] {
        assert!(!text.contains(KEY), "key leaked into {what}");
    }
    // Verbose logs requests.
    out.stderr_has("GET http://127.0.0.1");
    let help = Gate::new()
        .args(["gate", "--help"])
        .env("VOCERA_API_KEY", KEY)
        .expect_code(0)
        .await;
    assert!(
        help.stdout.contains("--api-key") && !help.stdout.contains(KEY),
        "help hides the env value"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cekura_profile_uses_its_path_and_header() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path(V2_PATH))
        .and(wiremock::matchers::header("X-CEKURA-API-KEY", KEY))
        .respond_with(move |request: &wiremock::Request| {
            answer(request, &[run(1, "completed", true, &[])])
        })
        .mount(&server)
        .await;
    Gate::new()
        .args(["--api", "cekura", "--base-url", &server.uri(), "1"])
        .env("CEKURA_API_KEY", KEY)
        .expect_code(0)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_status_is_final_and_an_error_naming_it() {
    let server = serve_runs(vec![run(1, "archived_by_robot", true, &[])]).await;
    let out = Gate::against(&server)
        .args(["1"])
        .expect_code_because(1, "an error fails the gate")
        .await;
    assert_eq!(requests(&server).await.len(), 1, "never waited on");
    assert!(
        out.junit()
            .contains("run has an undocumented status &quot;archived_by_robot&quot;"),
        "{}",
        out.junit()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lone_surrogate_is_saved_as_sent_and_replays_to_the_same_report() {
    let body = r#"[{"id": 1, "scenario": 10, "scenario_name": "Caf\u00e9 \ud800 order", "status": "completed", "success": true}]"#;
    let server = serve(move |_, _| ResponseTemplate::new(200).set_body_string(body)).await;
    let live = Gate::against(&server)
        .args(["--save-response", "saved.json", "--junit", "live.xml", "1"])
        .expect_code(0)
        .await;
    let saved = live.file("saved.json").expect("saved");
    assert!(
        saved.contains(r"Caf\u00e9 \ud800 order"),
        "as the API sent it: {saved}"
    );
    let replay = Gate::replay("saved.json")
        .args(["--junit", "replay.xml", "1"])
        .in_dir(&live.dir)
        .expect_code(0)
        .await;
    let report = live.file("live.xml").expect("live report");
    assert!(report.contains(r"Café \u{d800} order"), "{report}");
    assert_eq!(Some(report), replay.file("replay.xml"), "byte-identical");
}
