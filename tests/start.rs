//! Starting runs, then gating them (issue 11), against a loopback fake of
//! the platform that records every request: the body sent, what is retried
//! (only what provably was not processed), the result ID everywhere, the
//! calls ended on the way out, and the key nowhere.

use crate::common;

use common::platform::*;
use common::*;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpListener;
use wiremock::{MockServer, ResponseTemplate};

fn done(ids: &[u64]) -> Vec<Value> {
    ids.iter()
        .map(|id| run(*id, "completed", true, &[]))
        .collect()
}

/// The body without its `name`, and the name's part before the gate's own
/// ` (..., gate XXXXXXXX)`, which is asserted to end it.
#[track_caller]
fn unnamed(mut body: Value) -> (Value, String) {
    let name = body
        .as_object_mut()
        .and_then(|o| o.remove("name"))
        .and_then(|n| n.as_str().map(str::to_owned))
        .expect("every start names its result");
    let (given, tag) = name.rsplit_once(" (").expect("a tag");
    let nonce = tag
        .strip_suffix(')')
        .and_then(|t| t.rsplit_once("gate "))
        .map(|(_, n)| n)
        .expect("gate NONCE");
    assert!(
        nonce.len() == 8 && nonce.bytes().all(|b| b.is_ascii_hexdigit()),
        "{name}"
    );
    (body, format!("{given} ({}", &tag[..tag.len() - 14]))
}

/// Asserts the key is in no output and no file the run left.
#[track_caller]
fn key_nowhere(out: &Finished) {
    assert!(!out.stdout.contains(KEY), "key on stdout");
    assert!(!out.stderr.contains(KEY), "key on stderr");
    for entry in std::fs::read_dir(&out.dir).expect("dir").flatten() {
        let text = std::fs::read(entry.path()).expect("read");
        assert!(
            !String::from_utf8_lossy(&text).contains(KEY),
            "key in {}",
            entry.path().display()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn scenarios_start_a_result_then_the_gate_judges_its_runs() {
    let server = platform(
        |_, _| started(&[(181, 67), (182, 67), (183, 68), (184, 68)]),
        done(&[181, 182, 183, 184]),
    )
    .await;
    let out = Gate::against(&server)
        .args([
            "--api",
            "cekura",
            "--agent-id",
            "42",
            "--scenarios",
            "67, 68",
        ])
        .args(["--frequency", "2", "--json", "r.json", "--summary", "s.md"])
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
        .env("GITHUB_RUN_ID", "555")
        .env("GITHUB_RUN_ATTEMPT", "2")
        .expect_code(0)
        .await;
    out.stderr_has("vocera-gate: started result 9876: 4 runs (2 scenarios x 2)");
    out.stdout_has("0 unfinished; result 9876\n");
    let posts = sent(&server, "POST", START_V2).await;
    assert_eq!(posts.len(), 1, "one start");
    assert_eq!(
        unnamed(body_of(&posts[0])),
        (
            json!({"agent_id": 42, "scenarios": [67, 68], "frequency": 2}),
            "commit 0123456789ab (run 555.2, ".to_owned()
        ),
        "the commit, the CI run and the invocation name the result"
    );
    assert_eq!(
        posts[0]
            .headers
            .get("x-cekura-api-key")
            .map(|v| v.as_bytes()),
        Some(KEY.as_bytes())
    );
    let polls = sent(&server, "GET", V2_PATH).await;
    assert_eq!(requested_ids(&polls[0]), [181, 182, 183, 184]);
    assert_eq!(out.json("r.json")["result_id"], 9876);
    assert!(out.file("s.md").expect("summary").contains("Result 9876"));
    assert!(
        out.junit()
            .contains("<property name=\"result_id\" value=\"9876\"/>")
    );
    assert!(
        sent(&server, "POST", "/end_calls/").await.is_empty(),
        "all finished"
    );
    key_nowhere(&out);
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_and_folders_start_through_the_v1_endpoint() {
    for (args, want) in [
        (
            &["--assistant-id", "asst_7", "--tags", "smoke, billing"][..],
            json!({"assistant_id": "asst_7", "tags": ["smoke", "billing"]}),
        ),
        (
            &[
                "--agent-id",
                "42",
                "--folder-path",
                "Sales.Inbound",
                "--project-id",
                "5",
            ],
            json!({"agent_id": 42, "folder_path": "Sales.Inbound", "project_id": 5}),
        ),
    ] {
        let server = platform(|_, _| started(&[(181, 67)]), done(&[181])).await;
        let out = Gate::against(&server).args(args).expect_code(0).await;
        out.stderr_has("started result 9876: 1 run (1 scenario x 1)");
        let posts = sent(&server, "POST", START_V1).await;
        assert_eq!(posts.len(), 1, "{args:?}");
        assert_eq!(
            unnamed(body_of(&posts[0])),
            (want, "vocera-gate (".to_owned()),
            "{args:?}"
        );
        assert!(posts[0].headers.get("x-vocera-api-key").is_some());
        key_nowhere(&out);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_trigger_file_gives_other_fields_and_the_flags_override_it() {
    let server = platform(|_, _| started(&[(181, 67)]), done(&[181])).await;
    let file = r#"{"assistant_id": "asst_1", "tags": ["smoke"], "frequency": 5, "name": "from the file",
        "mock_tool_names": ["lookup"], "concurrency_limit": 2, "outbound_phone_number": "+15550100"}"#;
    Gate::against(&server)
        .file("trigger.json", file)
        .args(["--trigger-json", "trigger.json", "--agent-id", "42"])
        .args([
            "--scenarios",
            "67",
            "--frequency",
            "1",
            "--mode",
            "different_numbers",
        ])
        .args(["--personality-ids", "3,4", "--run-name", "flag name"])
        .expect_code(0)
        .await;
    let posts = sent(&server, "POST", START_V1).await;
    assert_eq!(
        unnamed(body_of(&posts[0])),
        (
            json!({"agent_id": 42, "scenarios": [67], "frequency": 1,
               "mock_tool_names": ["lookup"], "concurrency_limit": 2, "mode": "different_numbers",
               "personality_ids": [3, 4], "outbound_phone_number": "+15550100"}),
            "flag name (".to_owned()
        ),
        "a given name is made unique too"
    );
    // The file alone may name the agent and the scenarios.
    let server = platform(|_, _| started(&[(181, 67)]), done(&[181])).await;
    Gate::against(&server)
        .file("trigger.json", file)
        .args(["--trigger-json", "trigger.json"])
        .expect_code(0)
        .await;
    let body = body_of(&sent(&server, "POST", START_V1).await[0]);
    assert_eq!(
        (body["assistant_id"].clone(), body["tags"].clone()),
        (json!("asst_1"), json!(["smoke"]))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_400_is_the_users_input_quoting_each_field() {
    let server = platform(
        |_, _| {
            ResponseTemplate::new(400).set_body_json(json!({
                "scenarios": ["Invalid pk \"999\" - object does not exist."],
                "frequency": ["Ensure this value is less than or equal to 10."],
                "name": [format!("echoed {KEY}")]
            }))
        },
        vec![],
    )
    .await;
    let out = Gate::against(&server)
        .args([
            "--agent-id",
            "42",
            "--scenarios",
            "999",
            "--frequency",
            "50",
        ])
        .expect_code(2)
        .await;
    out.stderr_has("the API refused the start request (HTTP 400): frequency: Ensure this value is less than or equal to 10.; name: echoed [the API key]; scenarios: Invalid pk \"999\" - object does not exist.")
        .stderr_has("no runs were started");
    key_nowhere(&out);
    assert_eq!(
        sent(&server, "POST", START_V1).await.len(),
        1,
        "not retried"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_result_with_no_runs_is_a_usage_error() {
    let server = platform(|_, _| started(&[]), vec![]).await;
    let out = Gate::against(&server)
        .args(["--agent-id", "42", "--tags", "nothing-has-this"])
        .expect_code(2)
        .await;
    out.stderr_has("started result 9876: 0 runs")
        .stderr_has("result 9876 was started with no runs: the selector matched no scenario");
    assert!(
        sent(&server, "GET", V1_PATH).await.is_empty(),
        "nothing to poll"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_is_retried_after_its_retry_after_and_only_then() {
    let server = platform(
        |n, _| match n {
            0 => ResponseTemplate::new(429).insert_header("Retry-After", "1"),
            _ => started(&[(181, 67)]),
        },
        done(&[181]),
    )
    .await;
    let out = Gate::against(&server)
        .args(["--agent-id", "42", "--scenarios", "67"])
        .expect_code(0)
        .await;
    assert_eq!(
        sent(&server, "POST", START_V1).await.len(),
        2,
        "retried once"
    );
    out.stderr_has("rate-limiting the start request (HTTP 429); trying again in 1s");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_500_after_sending_is_not_retried_and_says_runs_may_have_started() {
    let server = platform(|_, _| ResponseTemplate::new(500), vec![]).await;
    let out = Gate::against(&server)
        .args(["--agent-id", "42", "--scenarios", "67"])
        .expect_code(4)
        .await;
    assert_eq!(
        sent(&server, "POST", START_V1).await.len(),
        1,
        "never repeated"
    );
    out.stderr_has("HTTP 500")
        .stderr_has("the runs may have started")
        .stderr_has("--result-id");
    key_nowhere(&out);
}

/// A server that reads each request, then drops the connection unanswered;
/// returns its URL and the number of requests it read.
fn resetting_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let mut got = Vec::new();
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                if got.windows(4).any(|w| w == b"\r\n\r\n") && got.ends_with(b"}") {
                    break;
                }
            }
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = stream.flush();
            drop(stream);
        }
    });
    (format!("http://127.0.0.1:{port}"), seen)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_reset_after_sending_is_not_retried() {
    let (base, seen) = resetting_server();
    let out = Gate::at(&base)
        .args(["--timeout", "20s", "--agent-id", "42", "--scenarios", "67"])
        .expect_code(4)
        .await;
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "sent once"
    );
    out.stderr_has("after it was sent")
        .stderr_has("the runs may have started");
    key_nowhere(&out);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_never_established_is_retried() {
    // A port nobody listens on yet; the fake opens it once the gate said
    // its first try could not connect.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let dir = tempfile::tempdir().expect("dir");
    let mut child = gate_command(dir.path())
        .args([
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
            "--api-key",
            KEY,
        ])
        .args(["--poll-interval", "50ms", "--max-poll-interval", "200ms"])
        .args(["--timeout", "20s", "--agent-id", "42", "--scenarios", "67"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let (tried, first_try) = tokio::sync::oneshot::channel::<()>();
    let reader = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut tried = Some(tried);
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("trying again")
                && let Some(tried) = tried.take()
            {
                let _ = tried.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        (child.wait().expect("wait"), all)
    });
    tokio::time::timeout(PATIENCE, first_try)
        .await
        .expect("the gate reports a failed first try")
        .expect("sent");
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("the port again");
    let server = MockServer::builder().listener(listener).start().await;
    let server = platform_on(server, |_, _| started(&[(181, 67)]), done(&[181])).await;
    let (status, stderr) = reader.await.expect("join");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("could not connect"), "{stderr}");
    assert_eq!(sent(&server, "POST", START_V1).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_sends_nothing_and_shows_no_key() {
    let server = platform(|_, _| started(&[(181, 67)]), done(&[181])).await;
    let out = Gate::against(&server)
        .args([
            "--api",
            "cekura",
            "--agent-id",
            "42",
            "--scenarios",
            "67,68,69",
        ])
        .args(["--frequency", "2", "--test-profile-ids", "1,2", "--dry-run"])
        .args(["--run-name", &format!("leaked {KEY}")])
        .expect_code(0)
        .await;
    assert!(requests(&server).await.is_empty(), "nothing sent");
    let start = format!(
        "POST {}{START_V2}\nX-CEKURA-API-KEY: [the API key]\n",
        server.uri()
    );
    assert!(out.stdout.starts_with(&start), "{}", out.stdout);
    out.stdout_has("\"scenarios\": [\n    67,\n    68,\n    69\n  ]")
        .stdout_has("\"name\": \"leaked [the API key] (gate ")
        .stdout_has("it would place 12 calls (3 scenarios x 2 x 2 test profiles), each billed");
    key_nowhere(&out);
    // No key needed.
    let out = Gate::new()
        .args(["--agent-id", "42", "--tags", "smoke", "--dry-run"])
        .expect_code(0)
        .await;
    out.stdout_has("POST http://127.0.0.1:9/test_framework/v1/scenarios-external/run_scenarios/")
        .stdout_has("the number of calls is known only after the start");
}

/// Starts the gate on runs that never finish, sends SIGTERM once it has
/// polled, and returns its exit code and stderr with the server.
async fn cancelled(extra: &[&str]) -> (i32, String, MockServer, tempfile::TempDir) {
    let server = platform(
        |_, _| started(&[(181, 67), (182, 68)]),
        vec![
            run(181, "completed", true, &[]),
            run(182, "in_progress", false, &[]),
        ],
    )
    .await;
    let dir = tempfile::tempdir().expect("dir");
    let mut args = live_args(&server);
    args.extend(["--agent-id", "42", "--scenarios", "67,68"].map(String::from));
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let child = gate_command(dir.path())
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // A second poll proves the first answer was read: run 182 is then
    // known to be in progress when the signal comes.
    wait_until("a second poll", || async {
        sent(&server, "GET", V1_PATH).await.len() >= 2
    })
    .await;
    let (status, stderr) = terminate(child).await;
    (status.code().unwrap_or(-1), stderr, server, dir)
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_the_wait_ends_the_started_calls_once() {
    let (code, stderr, server, dir) = cancelled(&[]).await;
    assert_eq!(code, 143, "{stderr}");
    assert!(!stderr.contains(KEY), "key on stderr");
    assert!(
        stderr.contains("vocera-gate: started result 9876: 2 runs"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ended the calls of result 9876"),
        "{stderr}"
    );
    let ends = sent(&server, "POST", "/end_calls/").await;
    assert_eq!(ends.len(), 1, "exactly one end-calls request");
    assert_eq!(
        ends[0].url.path(),
        format!("/test_framework/v1/results-external/{RESULT_ID}/end_calls/")
    );
    assert!(ends[0].body.is_empty(), "empty body");
    let junit =
        std::fs::read_to_string(dir.path().join("vocera-junit.xml")).expect("partial JUnit");
    assert!(
        junit.contains("run was still in_progress when the gate was cancelled"),
        "{junit}"
    );
    assert!(
        junit.contains("<property name=\"result_id\" value=\"9876\"/>"),
        "{junit}"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_while_a_429_is_waited_out_sends_nothing_more() {
    let server = platform(
        |_, _| ResponseTemplate::new(429).insert_header("Retry-After", "30"),
        vec![],
    )
    .await;
    let dir = tempfile::tempdir().expect("dir");
    let mut args = live_args(&server);
    args.extend(["--agent-id", "42", "--scenarios", "67", "--timeout", "2m"].map(String::from));
    let child = gate_command(dir.path())
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_until("the start request", || async {
        !sent(&server, "POST", START_V1).await.is_empty()
    })
    .await;
    let (status, stderr) = terminate(child).await;
    // The 30 s Retry-After was not waited out: the message says nothing was
    // sent again, and the server saw one start (below).
    assert_eq!(status.code(), Some(143), "{stderr}");
    assert!(
        stderr.contains(
            "cancelled by SIGTERM: the start request was not sent again, so no runs were started"
        ),
        "{stderr}"
    );
    assert_eq!(
        sent(&server, "POST", START_V1).await.len(),
        1,
        "one try, no more"
    );
    assert!(
        sent(&server, "POST", "/end_calls/").await.is_empty(),
        "nothing to end"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn keep_calls_leaves_them_running() {
    let (code, stderr, server, _dir) = cancelled(&["--keep-calls"]).await;
    assert_eq!(code, 143, "{stderr}");
    assert!(!stderr.contains(KEY), "key on stderr");
    assert!(sent(&server, "POST", "/end_calls/").await.is_empty());
    assert!(
        stderr.contains("leaving the unfinished calls of result 9876 running (--keep-calls)"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_deadline_ends_a_started_results_calls_but_never_a_given_ones() {
    let unfinished = vec![
        run(181, "completed", true, &[]),
        run(182, "in_progress", false, &[]),
    ];
    let server = platform(|_, _| started(&[(181, 67), (182, 68)]), unfinished.clone()).await;
    let out = Gate::against(&server)
        .args([
            "--timeout",
            "600ms",
            "--agent-id",
            "42",
            "--scenarios",
            "67,68",
        ])
        .expect_code(3)
        .await;
    out.stderr_has("ended the calls of result 9876");
    assert_eq!(sent(&server, "POST", "/end_calls/").await.len(), 1);

    let server = platform(|_, _| started(&[]), unfinished).await;
    let out = Gate::against(&server)
        .args([
            "--api",
            "cekura",
            "--timeout",
            "600ms",
            "--result-id",
            "9876",
        ])
        .expect_code(3)
        .await;
    out.stderr_has("gating result 9876: 2 runs");
    assert!(
        sent(&server, "POST", "/end_calls/").await.is_empty(),
        "not ours"
    );
    assert!(
        sent(&server, "POST", START_V2).await.is_empty(),
        "nothing started"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_existing_result_is_gated_and_an_unknown_one_named() {
    let server = platform(|_, _| started(&[]), done(&[182, 181])).await;
    let out = Gate::against(&server)
        .args(["--api", "cekura", "--result-id", "9876", "--json", "r.json"])
        .expect_code(0)
        .await;
    assert_eq!(out.json("r.json")["result_id"], 9876);
    let polls = sent(&server, "GET", V2_PATH).await;
    assert_eq!(requested_ids(&polls[0]), [181, 182]);
    let out = Gate::against(&server)
        .args(["--api", "cekura", "--result-id", "5"])
        .expect_code(2)
        .await;
    out.stderr_has(&format!("result 5 was not found at {}", server.uri()));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undocumented_success_answer_may_have_started_runs() {
    let server = platform(
        |_, _| ResponseTemplate::new(201).set_body_string("<html>proxy</html>"),
        vec![],
    )
    .await;
    let out = Gate::against(&server)
        .args(["--agent-id", "42", "--scenarios", "67"])
        .expect_code(4)
        .await;
    out.stderr_has("not with the documented result")
        .stderr_has("the runs may have started");
    assert_eq!(
        sent(&server, "POST", START_V1).await.len(),
        1,
        "never repeated"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirected_start_is_not_followed_and_the_key_goes_nowhere_else() {
    let elsewhere = platform(|_, _| started(&[(181, 67)]), done(&[181])).await;
    let target = format!("{}{START_V1}", elsewhere.uri());
    let server = platform(
        move |_, _| ResponseTemplate::new(307).insert_header("Location", target.as_str()),
        vec![],
    )
    .await;
    let out = Gate::against(&server)
        .args(["--agent-id", "42", "--scenarios", "67"])
        .expect_code(4)
        .await;
    out.stderr_has("HTTP 307").stderr_has("check --base-url");
    assert!(
        requests(&elsewhere).await.is_empty(),
        "nothing sent elsewhere"
    );
    assert_eq!(sent(&server, "POST", START_V1).await.len(), 1);
    key_nowhere(&out);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_key_starts_nothing_and_exits_4() {
    let server = platform(|_, _| ResponseTemplate::new(401), vec![]).await;
    let out = Gate::against(&server)
        .args(["--agent-id", "42", "--scenarios", "67"])
        .expect_code(4)
        .await;
    out.stderr_has("refused the key")
        .stderr_has("no runs were started");
    assert_eq!(sent(&server, "POST", START_V1).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_response_of_a_started_result_replays_to_the_same_verdict() {
    // v2 runs name their result, so the saved response does too.
    let mut runs = vec![
        run(181, "completed", true, &[]),
        run(182, "completed", false, &["high"]),
    ];
    for r in &mut runs {
        r["result_id"] = json!(RESULT_ID);
    }
    let server = platform(|_, _| started(&[(181, 67), (182, 68)]), runs).await;
    let live = Gate::against(&server)
        .args([
            "--api",
            "cekura",
            "--agent-id",
            "42",
            "--scenarios",
            "67,68",
        ])
        .args(["--save-response", "saved.json"])
        .expect_code(1)
        .await;
    let replay = Gate::replay("saved.json")
        .in_dir(&live.dir)
        .args(["--junit", "replayed.xml"])
        .expect_code(1)
        .await;
    let headline = |s: &str| s.lines().next().unwrap_or("").to_owned();
    assert_eq!(headline(&live.stdout), headline(&replay.stdout));
    assert!(
        headline(&replay.stdout).ends_with("; result 9876"),
        "{}",
        replay.stdout
    );
    assert_eq!(
        live.junit(),
        replay.file("replayed.xml").expect("replayed JUnit"),
        "the same report, result property included"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_of_different_results_name_none() {
    let mut runs = done(&[181, 182]);
    runs[0]["result_id"] = json!(1);
    runs[1]["result_id"] = json!(2);
    let server = serve_runs(runs).await;
    let out = Gate::against(&server)
        .args(["181,182", "--json", "r.json"])
        .expect_code(0)
        .await;
    assert_eq!(out.json("r.json")["result_id"], Value::Null);
    let mut same = done(&[181, 182]);
    for r in &mut same {
        r["result_id"] = json!(5);
    }
    let server = serve_runs(same).await;
    let out = Gate::against(&server)
        .args(["181,182", "--json", "r.json"])
        .expect_code(0)
        .await;
    assert_eq!(
        out.json("r.json")["result_id"],
        5,
        "runs by ID of one result"
    );
}
