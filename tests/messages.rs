//! What users read: each message says what happened, in their words.

use crate::common;

use common::*;
use wiremock::ResponseTemplate;

#[tokio::test(flavor = "multi_thread")]
async fn after_an_api_failure_the_verdict_line_says_it_is_incomplete() {
    let runs = vec![
        run(1, "completed", false, &["high"]),
        run(2, "pending", false, &[]),
    ];
    let server = serve(move |n, request| match n {
        0 => answer(request, &runs),
        _ => ResponseTemplate::new(401),
    })
    .await;
    let out = Gate::against(&server).args(["1,2"]).expect_code(4).await;
    out.stdout_has("vocera-gate: INCOMPLETE, the API failed, so there is no verdict: score 10");
    assert!(
        !out.stdout.contains("FAILED") && !out.stdout.contains("UNFINISHED"),
        "{}",
        out.stdout
    );
    out.stderr_has("the API refused the key");
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_nobody_asked_for_are_never_built() {
    // Run 99 was not requested; its fields are of the wrong type, which
    // would reject the whole answer if it were read.
    let mut stray = run(99, "completed", true, &[]);
    stray["critical_categories"] = serde_json::json!("junk");
    stray["success"] = serde_json::json!("maybe");
    let runs = vec![run(1, "completed", true, &[]), stray.clone()];
    let server = serve_runs_all(runs.clone()).await;
    let out = Gate::against(&server).args(["1"]).expect_code(0).await;
    out.stderr_has("the API returned run 99, never requested; ignored");
    // A replay given its IDs skips the others the same way.
    let saved = serde_json::to_string(&runs).expect("JSON");
    Gate::replay("saved.json")
        .file("saved.json", &saved)
        .args(["1"])
        .expect_code(0)
        .await;
}

/// A server that answers every request with all of `runs`.
async fn serve_runs_all(runs: Vec<serde_json::Value>) -> wiremock::MockServer {
    serve(move |_, _| ResponseTemplate::new(200).set_body_json(&runs)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_misshapen_answer_twice_stops_at_once_with_exit_4() {
    let server = serve(|_, _| {
        ResponseTemplate::new(200).set_body_string(r#"{"runs": [{"id": 1, "success": true}]}"#)
    })
    .await;
    let out = Gate::against(&server)
        .args(["1", "--timeout", "1m"])
        .expect_code(4)
        .await;
    out.stderr_has("the same answer came twice in a row");
    // Stopped at once: two requests, though a minute of polling was allowed.
    assert_eq!(requests(&server).await.len(), 2, "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn replaying_a_pending_run_does_not_ask_for_a_longer_timeout() {
    let saved = serde_json::to_string(&[run(1, "pending", true, &[])]).expect("JSON");
    let out = Gate::replay("saved.json")
        .file("saved.json", &saved)
        .args(["1"])
        .expect_code(3)
        .await;
    out.stdout_has("1 run had not finished when the response was saved");
    assert!(!out.stdout.contains("--timeout"), "{}", out.stdout);
    // The report still reads like the live run's, byte for byte.
    assert!(
        out.junit()
            .contains("run was still pending when the deadline passed")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_400_says_what_the_api_said() {
    let server = serve(|_, _| {
        ResponseTemplate::new(400).set_body_string(r#"{"run_ids": ["Enter a whole number."]}"#)
    })
    .await;
    Gate::against(&server)
        .args(["1"])
        .expect_code(4)
        .await
        .stderr_has(r#"saying "{\"run_ids\": [\"Enter a whole number.\"]}"; check --base-url"#);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_compressed_answer_is_named_not_quoted_as_garbage() {
    // The gzip header of an empty member: what a compressing proxy sends.
    let gzip: Vec<u8> = vec![
        0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let labelled = gzip.clone();
    let server = serve(move |_, _| {
        ResponseTemplate::new(200)
            .insert_header("Content-Encoding", "gzip")
            .set_body_raw(labelled.clone(), "application/json")
    })
    .await;
    Gate::against(&server)
        .args(["1"])
        .expect_code(4)
        .await
        .stderr_has("the API's answer is gzip-compressed (Content-Encoding)");
    let server = serve(move |_, _| {
        ResponseTemplate::new(200).set_body_raw(gzip.clone(), "application/json")
    })
    .await;
    let out = Gate::against(&server)
        .args(["1", "--timeout", "1s"])
        .expect_code(4)
        .await;
    out.stderr_has("it is gzip-compressed data, though no Content-Encoding said so");
    assert!(!out.stderr.contains("\u{fffd}"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_comes_from_the_profiles_own_variable_and_errors_name_its_source() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path(V2_PATH))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let out = Gate::new()
        .args(["--api", "cekura", "--base-url", &server.uri(), "-v", "1"])
        .env("VOCERA_API_KEY", "vk_the_vocera_key")
        .env("CEKURA_API_KEY", "ck_the_cekura_key")
        .expect_code(4)
        .await;
    out.stderr_has("using the API key from CEKURA_API_KEY")
        .stderr_has("the API refused the key from CEKURA_API_KEY (HTTP 401");
    let sent = requests(&server).await;
    assert_eq!(
        sent[0]
            .headers
            .get("x-cekura-api-key")
            .map(|v| v.as_bytes()),
        Some(b"ck_the_cekura_key".as_slice())
    );
    let out = Gate::new()
        .args(["--api-key", "", "1"])
        .env("VOCERA_API_KEY", "vk_the_vocera_key")
        .expect_code(2)
        .await;
    out.stderr_has("--api-key is empty; leave the flag out to use VOCERA_API_KEY");
}

#[tokio::test(flavor = "multi_thread")]
async fn help_shows_no_empty_variable_as_a_setting() {
    let out = Gate::new()
        .args(["gate", "--help"])
        .env("VOCERA_API", "")
        .env("VOCERA_BASE_URL", "")
        .env("VOCERA_CA_CERT", "")
        .expect_code(0)
        .await;
    out.stdout_has("[env: VOCERA_API]");
    assert!(!out.stdout.contains("=]"), "{}", out.stdout);
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_proxy_is_named_not_blamed_on_the_api() {
    let server = serve_runs_all(vec![run(1, "completed", true, &[])]).await;
    let proxy = format!("http://user:pr0xy-pw@127.0.0.1:{}", closed_port());
    let out = Gate::against(&server)
        .env("HTTP_PROXY", &proxy)
        .args(["--timeout", "1s", "1"])
        .expect_code(4)
        .await;
    out.stderr_has("could not reach the proxy http://127.0.0.1:");
    out.stderr_has("(from HTTP_PROXY)");
    out.stderr_has("so the API itself was not reached");
    out.stderr_has("check that proxy, or add the API's host to NO_PROXY");
    assert!(
        !out.stderr.contains("check the service status"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("pr0xy-pw"), "{}", out.stderr);
    let seen = server.received_requests().await.unwrap_or_default();
    assert!(seen.is_empty(), "the API was reached: {}", seen.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn no_proxy_sends_the_api_host_around_the_proxy() {
    let server = serve_runs_all(vec![run(1, "completed", true, &[])]).await;
    let proxy = format!("127.0.0.1:{}", closed_port());
    let out = Gate::against(&server)
        .env("http_proxy", &proxy)
        .env("no_proxy", "example.com, 127.0.0.0/8")
        .args(["-v", "1"])
        .expect_code(0)
        .await;
    assert!(!out.stderr.contains("using the proxy"), "{}", out.stderr);
    let out = Gate::against(&server)
        .env("HTTP_PROXY", "socks5://127.0.0.1:1080")
        .args(["1"])
        .expect_code(2)
        .await;
    out.stderr_has("HTTP_PROXY names a socks5 proxy");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_refuses_the_baseline_the_real_run_would_refuse() {
    let start = ["--agent-id", "42", "--scenarios", "101", "--dry-run"];
    let saved = serde_json::to_string(&[run(1, "completed", true, &[])]).expect("JSON");
    let out = Gate::new()
        .file("base.json", &saved)
        .args(start)
        .args(["--baseline", "base.json"])
        .expect_code(0)
        .await;
    out.stdout_has("dry run, nothing was sent");
    let out = Gate::new()
        .file("base.json", "not JSON")
        .file("out.txt", "")
        .args(start)
        .args(["--baseline", "base.json", "--github-output", "out.txt"])
        .expect_code(2)
        .await;
    out.stderr_has("--baseline base.json");
    assert!(out.stdout.is_empty(), "no request shown: {}", out.stdout);
    let outputs = out.file("out.txt").expect("outputs");
    let lines: Vec<&str> = outputs.lines().collect();
    let code = lines
        .iter()
        .position(|l| l.starts_with("exit-code<<"))
        .and_then(|i| lines.get(i + 1));
    assert_eq!(code, Some(&"2"), "{outputs}");
}
