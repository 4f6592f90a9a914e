//! What a gate meets in the wild: redirects, big batches, endless rate
//! limits, broken answers, signals, TLS. Real servers on loopback throughout.

use crate::common;

use common::*;
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_to_another_origin_is_not_followed_and_the_key_never_goes_there() {
    // A second loopback address: another host, as far as origins go. macOS
    // has only 127.0.0.1 unless aliased; another port is another origin too.
    let listener = TcpListener::bind("127.0.0.2:0")
        .or_else(|_| TcpListener::bind("127.0.0.1:0"))
        .expect("bind a loopback port");
    let elsewhere = MockServer::builder().listener(listener).start().await;
    Mock::given(path(V1_PATH))
        .respond_with(|r: &Request| answer(r, &[run(1, "completed", true, &[])]))
        .mount(&elsewhere)
        .await;
    #[cfg(target_os = "linux")]
    assert!(elsewhere.uri().starts_with("http://127.0.0.2:"));
    let target = format!("{}{V1_PATH}?run_ids=1", elsewhere.uri());
    let location = target.clone();
    let server =
        serve(move |_, _| ResponseTemplate::new(302).insert_header("Location", location.as_str()))
            .await;
    let out = Gate::against(&server).args(["1"]).expect_code(4).await;
    // Names the redirect target.
    out.stderr_has(&target);
    let seen = requests(&elsewhere).await;
    assert!(
        seen.iter()
            .all(|r| !r.headers.contains_key("x-vocera-api-key")),
        "no key at the other origin"
    );
    assert!(seen.is_empty(), "not even a request");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_within_the_origin_is_followed() {
    let server = MockServer::start().await;
    let moved = format!("{}/moved{V1_PATH}", server.uri());
    Mock::given(path(V1_PATH))
        .respond_with(move |r: &Request| {
            ResponseTemplate::new(307).insert_header(
                "Location",
                format!("{moved}?{}", r.url.query().unwrap_or("")),
            )
        })
        .mount(&server)
        .await;
    Mock::given(path(format!("/moved{V1_PATH}")))
        .respond_with(|r: &Request| answer(r, &[run(1, "completed", true, &[])]))
        .mount(&server)
        .await;
    Gate::against(&server).args(["1"]).expect_code(0).await;
}

/// A server whose runs `ids` are all completed, answering `status` to any
/// request whose URL is longer than `limit` bytes.
async fn serve_completed_refusing_urls_over(limit: usize, status: u16, ids: &[u64]) -> MockServer {
    let runs: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| run(*id, "completed", true, &[]))
        .collect();
    serve(move |_, request| {
        if request.url.as_str().len() > limit {
            return ResponseTemplate::new(status);
        }
        answer(request, &runs)
    })
    .await
}

/// The IDs as one string, `separator` between them.
fn joined(ids: &[u64], separator: &str) -> String {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    ids.join(separator)
}

#[tokio::test(flavor = "multi_thread")]
async fn five_thousand_ids_are_split_under_an_8kb_url_limit_and_merged_in_order() {
    let ids: Vec<u64> = (0..5000u64)
        .map(|i| 1_000_000 + i * 7919 % 9_000_000)
        .collect();
    let server = serve_completed_refusing_urls_over(8192, 414, &ids).await;
    let out = Gate::against(&server)
        .file("ids.txt", &joined(&ids, "\n"))
        .args(["--run-ids-file", "ids.txt", "-q"])
        .expect_code(0)
        .await;
    let reqs = requests(&server).await;
    assert!(reqs.len() > 1, "several requests");
    assert!(
        reqs.iter().all(|r| r.url.as_str().len() <= 8192),
        "every URL within the limit"
    );
    let mut asked: Vec<u64> = reqs.iter().flat_map(requested_ids).collect();
    asked.sort_unstable();
    let mut expected = ids.clone();
    expected.sort_unstable();
    assert_eq!(asked, expected, "every ID asked exactly once");
    let junit = out.junit();
    assert_eq!(junit_counts(&junit).0, 5000);
    let first = junit.find(&format!("value=\"{}\"", ids[0])).expect("first");
    let last = junit
        .find(&format!("value=\"{}\"", ids[4999]))
        .expect("last");
    assert!(first < last, "cases in the order given");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_refusing_long_urls_gets_the_request_in_halves() {
    let ids: Vec<u64> = (1..=600).collect();
    let server = serve_completed_refusing_urls_over(1200, 431, &ids).await;
    let out = Gate::against(&server)
        .args([joined(&ids, ",")])
        .expect_code(0)
        .await;
    assert_eq!(junit_counts(&out.junit()).0, 600);
}

#[tokio::test(flavor = "multi_thread")]
async fn endless_rate_limiting_ends_at_the_deadline_with_exit_4() {
    // Without Retry-After the gate polls every 50 to 200 ms: a handful of
    // requests in 1.5 s. Honouring it leaves room for a few at most (a
    // loaded machine only makes fewer); waiting out a day would hang until
    // PATIENCE fails the test.
    for (retry_after, most) in [("1", 3), ("86400", 2)] {
        let server =
            serve(move |_, _| ResponseTemplate::new(429).insert_header("Retry-After", retry_after))
                .await;
        let out = Gate::against(&server)
            .args(["--timeout", "1500ms", "1"])
            .expect_code_because(4, format!("Retry-After {retry_after}"))
            .await;
        let sent = requests(&server).await.len();
        assert!(
            (1..=most).contains(&sent),
            "Retry-After {retry_after}: {sent} requests, at most {most} expected\n{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("rate-limiting") && out.stderr.contains("deadline"),
            "says so: {}",
            out.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_that_are_not_the_documented_json_are_retried_then_exit_4_quoting_them() {
    let server = serve(|_, _| {
        ResponseTemplate::new(200).set_body_string("<html><body>Proxy login required</body></html>")
    })
    .await;
    let out = Gate::against(&server)
        .args(["--timeout", "600ms", "1"])
        .expect_code(4)
        .await;
    // Quotes the answer.
    out.stderr_has("<html><body>Proxy login required");
    assert!(requests(&server).await.len() > 1, "retried");

    for broken in [
        "{\"results\": []}",
        "[{\"id\": 1, \"status\": \"comp",
        // Two different copies of one run: believing the last would fail.
        "[{\"id\": 1, \"status\": \"completed\", \"success\": true}, {\"id\": 1, \"status\": \"failed\"}]",
    ] {
        let body = broken.to_owned();
        let server = serve(move |n, request| {
            if n == 0 {
                ResponseTemplate::new(200).set_body_string(body.clone())
            } else {
                answer(request, &[run(1, "completed", true, &[])])
            }
        })
        .await;
        Gate::against(&server)
            .args(["1"])
            .expect_code_because(0, format!("{broken} once, then a good answer"))
            .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_odd_run_costs_only_itself_and_one_without_an_id_is_missing() {
    let mut odd = run(2, "completed", true, &[]);
    odd["critical_categories"] = json!("x");
    let server = serve(move |_, _| {
        ResponseTemplate::new(200).set_body_json(vec![
            run(1, "completed", true, &[]),
            odd.clone(),
            json!({"id": "3", "status": "completed", "success": true}),
        ])
    })
    .await;
    let out = Gate::against(&server)
        .args(["1,2,3", "--timeout", "1m"])
        .expect_code_because(1, "a verdict at once, not retries to the deadline")
        .await;
    out.stderr_has(
        "the API returned a run without a usable ID, run #3 (counting from 1) has `id` the text \"3\", not a run ID (a whole number, 0 or more); ignored",
    );
    assert_eq!(requests(&server).await.len(), 1, "{}", out.stderr);
    let junit = out.junit();
    assert_eq!(junit_counts(&junit), (3, 0, 2), "{junit}");
    assert!(
        junit.contains("run could not be read: `critical_categories` is the text &quot;x&quot;, not a list of categories"),
        "{junit}"
    );
    assert!(
        junit.contains("Run 3 was requested but is not in the API's answer"),
        "{junit}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_nobody_asked_for_are_ignored_with_a_warning() {
    let server = serve(|_, _| {
        ResponseTemplate::new(200).set_body_json(vec![
            run(1, "completed", true, &[]),
            run(77, "completed", false, &["high"]),
        ])
    })
    .await;
    let out = Gate::against(&server)
        .args(["1"])
        .expect_code_because(0, "run 77 does not count")
        .await;
    out.stderr_has("returned run 77, never requested; ignored");
    assert_eq!(junit_counts(&out.junit()).0, 1);
}

/// A one-shot HTTP server that claims a huge body.
fn huge_answer_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                line.clear();
            }
            let mut stream = reader.into_inner();
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 300000000\r\n\r\n[");
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_over_256_mib_are_refused() {
    let base = huge_answer_server();
    let out = Gate::at(&base)
        .args(["--timeout", "5s", "1"])
        .expect_code(4)
        .await;
    out.stderr_has("larger than 256 MiB");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigint_and_sigterm_write_the_report_and_exit_130_or_143() {
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let server = serve_runs(vec![
            run(1, "completed", true, &[]),
            run(2, "in_progress", false, &[]),
        ])
        .await;
        let dir = tempfile::tempdir().expect("dir");
        let mut args = live_args(&server);
        args.extend([
            "--save-response".into(),
            "saved.json".into(),
            "1,2,3".into(),
        ]);
        let mut child = gate_command(dir.path())
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // Wait for the first poll to be answered, then cancel.
        wait_until("the first poll", || async {
            !requests(&server).await.is_empty()
        })
        .await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let status = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let out = tokio::task::spawn_blocking(move || {
            let mut stdout = String::new();
            child
                .stdout
                .take()
                .expect("stdout")
                .read_to_string(&mut stdout)
                .expect("read");
            (child.wait().expect("wait"), stdout)
        })
        .await
        .expect("join");
        assert_eq!(out.0.code(), Some(code), "{signal}");
        let junit =
            std::fs::read_to_string(dir.path().join("vocera-junit.xml")).expect("report written");
        assert!(
            junit.contains("run was still in_progress when the gate was cancelled"),
            "{junit}"
        );
        assert!(
            junit.contains("run 3 was requested but the API did not return it"),
            "{junit}"
        );
        assert!(
            dir.path().join("saved.json").exists(),
            "saved response written"
        );
        assert!(
            out.1.contains("vocera-gate: FAILED"),
            "verdict so far printed: {}",
            out.1
        );
        assert!(
            out.1
                .contains("1 run had not finished when the gate was cancelled"),
            "says why runs are unfinished: {}",
            out.1
        );
    }
}

/// A loopback HTTPS server with a certificate made for this test.
fn tls_server(runs: Vec<serde_json::Value>) -> (String, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let cert_pem = certified.cert.pem();
    let cert_der = certified.cert.der().clone();
    let key_der = rustls::pki_types::PrivateKeyDer::try_from(certified.signing_key.serialize_der())
        .expect("key");
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .expect("server config"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let body = serde_json::to_string(&runs).expect("json");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, stream);
            let mut reader = BufReader::new(&mut tls);
            let mut line = String::new();
            let mut ok = true;
            loop {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(n) if n > 2 => continue,
                    Ok(_) => break,
                    Err(_) => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                let _ = write!(
                    tls,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.flush();
            }
        }
    });
    (format!("https://localhost:{port}"), cert_pem)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_self_signed_server_is_refused_without_ca_cert_and_trusted_with_it() {
    let (base, pem) = tls_server(vec![run(1, "completed", true, &[])]);
    let refused = Gate::at(&base)
        .file("ca.pem", &pem)
        .args(["--timeout", "10s", "1"])
        .expect_code(4)
        .await;
    refused.stderr_has("not trusted").stderr_has("--ca-cert");
    Gate::at(&base)
        .args(["--ca-cert", "ca.pem", "1"])
        .in_dir(&refused.dir)
        .expect_code(0)
        .await;
    Gate::at(&base)
        .args(["1"])
        .env("VOCERA_CA_CERT", "ca.pem")
        .in_dir(&refused.dir)
        .expect_code(0)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_proxy_from_the_environment_is_used() {
    // The "proxy" is a plain HTTP server: a proxied request arrives in
    // absolute form and is answered like any other.
    let proxy = serve_runs(vec![run(1, "completed", true, &[])]).await;
    // Nothing listens on port 9 of 127.0.0.2: only the proxy can answer.
    Gate::at("http://127.0.0.2:9")
        .args(["--timeout", "5s", "1"])
        .env("HTTP_PROXY", &proxy.uri())
        .env("NO_PROXY", "")
        .expect_code(0)
        .await;
    assert_eq!(requests(&proxy).await.len(), 1, "went through the proxy");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hung_server_cannot_hold_the_gate_past_its_timeout() {
    // The server accepts the request and answers only after an hour: a gate
    // not bounded by its deadline would hang until PATIENCE fails the test.
    let server =
        serve(|_, _| ResponseTemplate::new(200).set_delay(Duration::from_secs(3600))).await;
    let out = Gate::against(&server)
        .args(["--timeout", "300ms", "1"])
        .expect_code(4)
        .await;
    assert_eq!(requests(&server).await.len(), 1, "{}", out.stderr);
    out.stderr_has("timed out")
        .stderr_has("deadline passed before every run had an answer");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_loop_within_the_origin_ends_with_exit_4_saying_so() {
    let server = MockServer::start().await;
    let here = format!("{}{V1_PATH}?run_ids=1", server.uri());
    Mock::given(path(V1_PATH))
        .respond_with(move |_: &Request| {
            ResponseTemplate::new(307).insert_header("Location", here.as_str())
        })
        .mount(&server)
        .await;
    let out = Gate::against(&server).args(["1"]).expect_code(4).await;
    out.stderr_has("kept redirecting");
    assert!(!out.stderr.contains("another origin"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_that_echoes_the_key_does_not_put_it_in_any_output() {
    let long = format!("{{\"detail\": \"{}{KEY} is not valid\"}}", "x".repeat(100));
    for body in [
        format!("{{\"detail\": \"{KEY} is not valid\"}}"),
        // The key straddles the 120 bytes quoted from the answer.
        long,
        // Multi-byte text before it: 120 characters are more than 120 bytes.
        format!("{{\"detail\": \"{}x{KEY}\"}}", "é".repeat(54)),
    ] {
        let server =
            serve(move |_, _| ResponseTemplate::new(200).set_body_string(body.clone())).await;
        let out = Gate::against(&server)
            .args(["--timeout", "500ms", "--summary", "summary.md"])
            .args(["--json", "gate.json", "1"])
            .env("GITHUB_ACTIONS", "true")
            .expect_code(4)
            .await;
        out.stderr_has("[the ");
        let files: String = ["summary.md", "gate.json"]
            .iter()
            .filter_map(|f| out.file(f))
            .collect();
        for (what, text) in [
            ("stdout", &out.stdout),
            ("stderr", &out.stderr),
            ("files", &files),
        ] {
            assert!(!text.contains("S3CRET"), "key in {what}: {text}");
            assert!(!text.contains("vk_test_S3"), "key prefix in {what}: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_field_holding_the_key_does_not_put_it_in_any_output() {
    // The reason an unreadable run gives quotes the value it held.
    let body = format!("[{{\"id\": 1, \"status\": \"completed\", \"success\": \"{KEY}\"}}]");
    let server = serve(move |_, _| ResponseTemplate::new(200).set_body_string(body.clone())).await;
    let out = Gate::against(&server)
        .args(["--summary", "summary.md", "--json", "gate.json", "1"])
        .env("GITHUB_ACTIONS", "true")
        .expect_code(1)
        .await;
    let junit = out.junit();
    assert!(
        junit.contains("`success` is the text &quot;[the "),
        "{junit}"
    );
    let files: String = ["summary.md", "gate.json", "vocera-junit.xml"]
        .iter()
        .filter_map(|f| out.file(f))
        .collect();
    for (what, text) in [
        ("stdout", &out.stdout),
        ("stderr", &out.stderr),
        ("files", &files),
    ] {
        assert!(!text.contains("S3CRET"), "key in {what}: {text}");
        assert!(!text.contains("vk_test_S3"), "key prefix in {what}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_without_a_location_says_so() {
    let server = serve(|_, _| ResponseTemplate::new(301)).await;
    let out = Gate::against(&server).args(["1"]).expect_code(4).await;
    out.stderr_has("HTTP 301 Moved Permanently without a Location");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_short_test_key_does_not_garble_messages() {
    let server = serve(|_, _| ResponseTemplate::new(200).set_body_string("{\"detail\": 1}")).await;
    let out = Gate::against(&server)
        .args(["--api-key", "a", "--timeout", "300ms", "1"])
        .expect_code(4)
        .await;
    out.stderr_has("the API's answer is not the documented JSON");
}
