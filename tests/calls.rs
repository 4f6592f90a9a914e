//! Every call the gate starts, it answers for (issue 21, items 5, 6, 7 and
//! 10), against a loopback fake of the platform that records every request:
//! a started result's calls are ended whatever stops the gate, a start
//! answer that names its result never loses it, a start whose fate is
//! unknown is looked up by its unique name (and never sent twice), and a
//! signal abandons a hanging request at once.

use crate::common;

use common::platform::*;
use common::*;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const LIST: &str = "/test_framework/v2/results/";

fn done(ids: &[u64]) -> Vec<Value> {
    ids.iter()
        .map(|id| run(*id, "completed", true, &[]))
        .collect()
}

fn unfinished() -> Vec<Value> {
    vec![
        run(181, "completed", true, &[]),
        run(182, "in_progress", false, &[]),
    ]
}

/// A server whose `verb` requests to paths matching `pattern` get
/// `answer`, before the platform's own endpoints (mounted after it).
async fn overriding(verb: &str, pattern: &str, answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path_regex(pattern))
        .respond_with(answer)
        .with_priority(1)
        .mount(&server)
        .await;
    server
}

/// Mounts the results list: `answer(search)` gives the page for the name
/// searched for.
async fn listing<F>(server: &MockServer, answer: F)
where
    F: Fn(&str) -> Value + Send + Sync + 'static,
{
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(move |request: &Request| {
            let search = query(request, "search").unwrap_or_default();
            ResponseTemplate::new(200).set_body_json(answer(&search))
        })
        .with_priority(1)
        .mount(server)
        .await;
}

fn query(request: &Request, key: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// A page of results: this invocation's (named as searched) when `found`,
/// beside one whose name only begins the same.
fn page(search: &str, found: bool) -> Value {
    let mut results = vec![json!({"id": 5, "name": format!("{search} again"), "agent": 42})];
    if found {
        results.push(json!({"id": RESULT_ID, "name": search, "agent": 42}));
    }
    json!({"count": results.len(), "next": null, "previous": null, "results": results})
}

/// The start requests, asserting there was exactly one, and its `name`.
async fn the_one_start(server: &MockServer, start_path: &str) -> String {
    let posts = sent(server, "POST", start_path).await;
    assert_eq!(posts.len(), 1, "the start is sent once, never again");
    body_of(&posts[0])["name"]
        .as_str()
        .expect("a name")
        .to_owned()
}

#[track_caller]
fn key_nowhere(out: &Finished) {
    assert!(!out.stdout.contains(KEY), "key on stdout");
    assert!(!out.stderr.contains(KEY), "key on stderr");
}

// Item 5: whatever stops the gate, a started result's calls are ended.

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_api_after_the_start_ends_the_started_calls_once() {
    for (answer, why) in [
        (ResponseTemplate::new(503), "a 5xx storm until the deadline"),
        (
            ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"),
            "answers that cannot be read, twice",
        ),
    ] {
        let server = overriding("GET", "/runs-external/bulk/$", answer).await;
        let server = platform_on(server, |_, _| started(&[(181, 67), (182, 68)]), vec![]).await;
        let out = Gate::against(&server)
            .args([
                "--timeout",
                "3s",
                "--agent-id",
                "42",
                "--scenarios",
                "67,68",
            ])
            .expect_code_because(4, why)
            .await;
        out.stderr_has("ended the calls of result 9876, as the gate stopped with runs unfinished");
        let ends = sent(&server, "POST", "/end_calls/").await;
        assert_eq!(ends.len(), 1, "{why}: ended once");
        assert_eq!(
            ends[0].url.path(),
            format!("/test_framework/v1/results-external/{RESULT_ID}/end_calls/")
        );
        the_one_start(&server, START_V1).await;
        key_nowhere(&out);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_that_cannot_be_ended_are_explained_how_to_end_by_hand() {
    let refusing = ResponseTemplate::new(500).set_body_string(format!("boom {KEY}"));
    let server = overriding("POST", "/end_calls/$", refusing).await;
    let server = platform_on(
        server,
        |_, _| started(&[(181, 67), (182, 68)]),
        unfinished(),
    )
    .await;
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
    out.stderr_has("could not end the calls of result 9876 (the API answered HTTP 500")
        .stderr_has(&format!(
            "end them on the dashboard, or by hand: curl -X POST -H 'X-VOCERA-API-KEY: <your API key>' '{}/test_framework/v1/results-external/9876/end_calls/'",
            server.uri()
        ));
    assert_eq!(sent(&server, "POST", "/end_calls/").await.len(), 1);
    key_nowhere(&out);
}

// Item 6: a start answer that names its result never loses it.

#[tokio::test(flavor = "multi_thread")]
async fn a_start_answer_naming_its_result_is_never_lost() {
    for answer in [
        r#"{"id": 9876, "runs": [{"id": 181}, {"id": "x"}]}"#,
        r#"{"id": 9876, "agent": 42, "runs": [{"id": 181, "scenario": 67}, {"id": 18"#,
    ] {
        let server = platform(
            move |_, _| ResponseTemplate::new(201).set_body_string(answer),
            unfinished(),
        )
        .await;
        let out = Gate::against(&server)
            .args(["--agent-id", "42", "--scenarios", "67,68"])
            .expect_code_because(4, answer)
            .await;
        out.stderr_has(
            "vocera-gate: started result 9876, but its answer could not be read in full",
        )
        .stderr_has("ended the calls of result 9876")
        .stderr_has("not with the documented result")
        .stderr_has("it names result 9876, which this start created: its calls were ended");
        assert_eq!(
            sent(&server, "POST", "/end_calls/").await.len(),
            1,
            "{answer}"
        );
        the_one_start(&server, START_V1).await;
        assert!(
            sent(&server, "GET", V1_PATH).await.is_empty(),
            "nothing gated"
        );

        let server = platform(
            move |_, _| ResponseTemplate::new(201).set_body_string(answer),
            unfinished(),
        )
        .await;
        let out = Gate::against(&server)
            .args(["--agent-id", "42", "--scenarios", "67,68", "--keep-calls"])
            .expect_code(4)
            .await;
        out.stderr_has("left running (--keep-calls): gate it with --result-id 9876");
        assert!(sent(&server, "POST", "/end_calls/").await.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_command_the_advice_names_the_result_command() {
    let answer = r#"{"id": 9876, "runs": [{"id": 181}, {"id": "x"}]}"#;
    let server = platform(
        move |_, _| ResponseTemplate::new(201).set_body_string(answer),
        unfinished(),
    )
    .await;
    let out = Gate::new()
        .args(["start"])
        .args(live_args(&server))
        .args(["--agent-id", "42", "--scenarios", "67,68", "--keep-calls"])
        .expect_code(4)
        .await;
    out.stderr_has("left running (--keep-calls): gate it with `vocera-gate result 9876`");
}

// Item 7: a start whose fate is unknown is found by its unique name.

#[tokio::test(flavor = "multi_thread")]
async fn an_ambiguous_start_found_by_its_name_is_gated_as_ours() {
    let server = platform(|_, _| ResponseTemplate::new(502), done(&[181, 182])).await;
    listing(&server, |search| page(search, true)).await;
    let out = Gate::against(&server)
        .args([
            "--api",
            "cekura",
            "--agent-id",
            "42",
            "--scenarios",
            "67,68",
        ])
        .args(["--json", "r.json"])
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
        .env("GITHUB_RUN_ID", "555")
        .expect_code(0)
        .await;
    let name = the_one_start(&server, START_V2).await;
    assert!(
        name.starts_with("commit 0123456789ab (run 555, gate "),
        "{name}"
    );
    let looks = sent(&server, "GET", LIST).await;
    assert_eq!(looks.len(), 1, "found at the first look");
    assert_eq!(query(&looks[0], "search").as_deref(), Some(name.as_str()));
    assert_eq!(query(&looks[0], "agent_id").as_deref(), Some("42"));
    out.stderr_has("HTTP 502")
        .stderr_has(&format!(
            "found result 9876 named {name:?}: the start was processed after all; gating it"
        ))
        .stderr_has("gating result 9876: 2 runs");
    assert_eq!(out.json("r.json")["result_id"], 9876);
    let polls = sent(&server, "GET", V2_PATH).await;
    assert_eq!(requested_ids(&polls[0]), [181, 182]);
    key_nowhere(&out);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_result_found_after_a_timed_out_start_is_ours_to_end() {
    let server = platform(
        |_, _| started(&[(181, 67), (182, 68)]).set_delay(Duration::from_secs(30)),
        unfinished(),
    )
    .await;
    listing(&server, |search| page(search, true)).await;
    let out = Gate::against(&server)
        .args(["--api", "cekura", "--timeout", "1s", "--agent-id", "42"])
        .args(["--scenarios", "67,68"])
        .run()
        .await;
    // The deadline passed during the start: the one poll left either sees
    // the runs unfinished (3) or is itself cut off by the deadline (4).
    assert!(matches!(out.code, 3 | 4), "{}", out.stderr);
    the_one_start(&server, START_V2).await;
    out.stderr_has("timed out after it was sent")
        .stderr_has("found result 9876")
        .stderr_has("ended the calls of result 9876");
    let ends = sent(&server, "POST", "/end_calls/").await;
    assert_eq!(ends.len(), 1);
    assert_eq!(
        ends[0].url.path(),
        format!("/test_framework/v2/results/{RESULT_ID}/end_calls/")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ambiguous_start_no_result_is_named_after_was_not_processed() {
    let server = platform(|_, _| ResponseTemplate::new(500), vec![]).await;
    listing(&server, |search| page(search, false)).await;
    let out = Gate::against(&server)
        .args([
            "--api",
            "cekura",
            "--assistant-id",
            "asst_1",
            "--tags",
            "smoke",
        ])
        .expect_code(4)
        .await;
    let name = the_one_start(&server, START_V2).await;
    let looks = sent(&server, "GET", LIST).await;
    assert_eq!(looks.len(), 3, "looked again while the platform may finish");
    assert_eq!(query(&looks[0], "agent_id"), None, "no agent ID to give");
    out.stderr_has(&format!(
        "no result is named {name:?}, so the platform did not process the start: no runs were started"
    ));
    assert!(!out.stderr.contains("may have started"), "{}", out.stderr);
    assert!(sent(&server, "POST", "/end_calls/").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ambiguous_start_that_cannot_be_looked_up_may_have_started() {
    // Two results of the name, a failing list, no list at all (v1).
    let twice = |search: &str| {
        json!({"count": 2, "next": null, "results": [
            {"id": 1, "name": search}, {"id": 2, "name": search}]})
    };
    let server = platform(|_, _| ResponseTemplate::new(500), vec![]).await;
    listing(&server, twice).await;
    let out = Gate::against(&server)
        .args(["--api", "cekura", "--agent-id", "42", "--scenarios", "67"])
        .expect_code(4)
        .await;
    let name = the_one_start(&server, START_V2).await;
    out.stderr_has("looking for it by its name did not tell (2 results have that name)")
        .stderr_has(&format!(
            "the runs may have started (and be billed): look for the result named {name:?}"
        ))
        .stderr_has("--result-id");
    assert!(
        sent(&server, "GET", "/results/1/").await.is_empty(),
        "neither is gated"
    );

    let server = overriding(
        "GET",
        "^/test_framework/v2/results/$",
        ResponseTemplate::new(503),
    )
    .await;
    let server = platform_on(server, |_, _| ResponseTemplate::new(500), vec![]).await;
    let out = Gate::against(&server)
        .args(["--api", "cekura", "--agent-id", "42", "--scenarios", "67"])
        .expect_code(4)
        .await;
    the_one_start(&server, START_V2).await;
    out.stderr_has("did not tell (the API answered the search with HTTP 503")
        .stderr_has("the runs may have started");

    let server = platform(|_, _| ResponseTemplate::new(500), vec![]).await;
    let out = Gate::against(&server)
        .args(["--agent-id", "42", "--scenarios", "67"])
        .expect_code(4)
        .await;
    let name = the_one_start(&server, START_V1).await;
    out.stderr_has("the v1 API (--api vocera) lists no results")
        .stderr_has(&format!("look for the result named {name:?}"));
    assert!(
        sent(&server, "GET", LIST).await.is_empty(),
        "no list asked for"
    );
}

// Item 10: a signal abandons a hanging request at once.

/// Runs the gate with `args` against `server`, sends SIGTERM once
/// `ready(server)` holds, and returns the exit code and stderr.
///
/// The hanging answers below come after an hour: a gate that waited for one
/// instead of abandoning it would say it was answered, or hang until
/// [`PATIENCE`] fails the test. No clock is read.
async fn terminated_once<F, Fut>(server: &MockServer, args: &[&str], ready: F) -> (i32, String)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let dir = tempfile::tempdir().expect("dir");
    let mut all = live_args(server);
    all.extend(args.iter().map(|s| (*s).to_owned()));
    let child = gate_command(dir.path())
        .args(&all)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_until("the request the test hangs on was sent", ready).await;
    // The request is out and hangs: the gate cannot be between tries.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, stderr) = terminate(child).await;
    (status.code().unwrap_or(-1), stderr)
}

/// Longer than any test may take: an answer the gate can only abandon.
const AN_HOUR: Duration = Duration::from_secs(3600);

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_signal_abandons_a_hanging_start_and_ends_the_calls_of_the_result_it_made() {
    let hanging = |_: usize, _: &Request| started(&[(181, 67)]).set_delay(AN_HOUR);
    let server = platform(hanging, unfinished()).await;
    listing(&server, |search| page(search, true)).await;
    let args = [
        "--api",
        "cekura",
        "--timeout",
        "5m",
        "--agent-id",
        "42",
        "--scenarios",
        "67",
    ];
    let (code, stderr) = terminated_once(&server, &args, || async {
        !sent(&server, "POST", START_V2).await.is_empty()
    })
    .await;
    assert_eq!(code, 143, "{stderr}");
    assert!(
        stderr.contains("cancelled by SIGTERM: the start request was not answered, but it created result 9876: its calls were ended"),
        "{stderr}"
    );
    the_one_start(&server, START_V2).await;
    let ends = sent(&server, "POST", "/end_calls/").await;
    assert_eq!(ends.len(), 1, "{stderr}");
    assert_eq!(
        ends[0].url.path(),
        format!("/test_framework/v2/results/{RESULT_ID}/end_calls/")
    );
    assert!(!stderr.contains(KEY));

    // The v1 API lists no results: the user is told what to look for.
    let server = platform(hanging, unfinished()).await;
    let args = ["--timeout", "5m", "--agent-id", "42", "--scenarios", "67"];
    let (code, stderr) = terminated_once(&server, &args, || async {
        !sent(&server, "POST", START_V1).await.is_empty()
    })
    .await;
    assert_eq!(code, 143, "{stderr}");
    let name = the_one_start(&server, START_V1).await;
    assert!(
        stderr.contains(&format!("cancelled by SIGTERM: the start request was sent but not answered, so the runs may have started (and be billed): look for the result named {name:?}")),
        "{stderr}"
    );
    assert!(sent(&server, "POST", "/end_calls/").await.is_empty());
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_signal_abandons_a_hanging_result_read() {
    let hanging = ResponseTemplate::new(200)
        .set_body_json(json!({"id": RESULT_ID, "runs": {"181": {}}}))
        .set_delay(AN_HOUR);
    let server = overriding("GET", "^/test_framework/v2/results/[0-9]+/$", hanging).await;
    let server = platform_on(server, |_, _| started(&[]), unfinished()).await;
    let args = ["--api", "cekura", "--timeout", "5m", "--result-id", "9876"];
    let (code, stderr) = terminated_once(&server, &args, || async {
        !sent(&server, "GET", "/results/9876/").await.is_empty()
    })
    .await;
    assert_eq!(code, 143, "{stderr}");
    assert!(
        stderr.contains("cancelled by SIGTERM: the result's runs were not read"),
        "{stderr}"
    );
    assert!(
        sent(&server, "POST", "/end_calls/").await.is_empty(),
        "not ours"
    );
    assert!(sent(&server, "GET", V2_PATH).await.is_empty());
}
