//! Polling that respects the API and misses no run (issue 21, items 8 and
//! 9), end to end against a real HTTP server on 127.0.0.1: a failing API is
//! backed off whatever the runs' status, and a result's list of runs is
//! read again while waiting and before judging. The waits themselves are
//! tested in `src/poll`.

use crate::common;

use common::*;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limit_or_5xx_storm_while_runs_are_evaluated_is_backed_off() {
    // The runs are seen being evaluated (seconds from done, so looked at
    // often), then the API answers 429 without Retry-After, and 503, until
    // the deadline.
    let server = serve(|n, request| match n {
        0 => answer(
            request,
            &[
                run(1, "running", false, &[]),
                run(2, "evaluating", false, &[]),
            ],
        ),
        n if n % 2 == 1 => ResponseTemplate::new(429),
        _ => ResponseTemplate::new(503),
    })
    .await;
    // Polling every 200 ms at first, at most every second: the short wait
    // of an evaluation is 100-125 ms, about 30 requests in 4 s.
    let out = Gate::against(&server)
        .args([
            "--poll-interval",
            "200ms",
            "--max-poll-interval",
            "1s",
            "--timeout",
            "4s",
            "1,2",
        ])
        .expect_code_because(4, "the API failed until the deadline")
        .await;
    out.stderr_has("until the --timeout deadline passed");
    let sent = requests(&server).await.len();
    // 200, 400, 800 ms, then the 1 s cap (jitter only lengthens them):
    // the first answer and at most 7 failed polls in 4 s.
    assert!(
        (3..=8).contains(&sent),
        "{sent} requests in 4 s of a storm; backing off allows at most 8\n{}",
        out.stderr
    );
}

/// A platform whose result 9876 lists `listed(read_number)` (reads counted
/// from 0, at both generations' result paths), and whose bulk endpoints
/// answer `runs(poll_number, request)`.
async fn result_platform<L, R>(listed: L, runs: R) -> MockServer
where
    L: Fn(usize) -> Vec<u64> + Send + Sync + 'static,
    R: Fn(usize, &Request) -> ResponseTemplate + Send + Sync + 'static,
{
    let server = MockServer::start().await;
    let reads = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path_regex(
            r"^/test_framework/(v2/results|v1/results-external)/9876/$",
        ))
        .respond_with(move |_: &Request| {
            let n = reads.fetch_add(1, Ordering::SeqCst);
            let keyed: serde_json::Map<String, Value> = listed(n)
                .into_iter()
                .map(|id| (id.to_string(), json!({"id": id})))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({
                "id": 9876, "name": "nightly", "status": "running", "runs": keyed
            }))
        })
        .mount(&server)
        .await;
    let polls = Arc::new(AtomicUsize::new(0));
    let runs = Arc::new(runs);
    for bulk in [V1_PATH, V2_PATH] {
        let (polls, runs) = (polls.clone(), runs.clone());
        Mock::given(method("GET"))
            .and(path(bulk))
            .respond_with(move |request: &Request| {
                runs(polls.fetch_add(1, Ordering::SeqCst), request)
            })
            .mount(&server)
            .await;
    }
    server
}

/// Run 181 passes; run 182, added to the result later, fails.
fn passing_and_added() -> Vec<Value> {
    vec![
        run(181, "completed", true, &[]),
        run(182, "completed", false, &["high"]),
    ]
}

async fn result_reads(server: &MockServer) -> usize {
    requests(server)
        .await
        .iter()
        .filter(|r| r.url.path().contains("9876"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_added_to_the_result_after_the_first_read_is_gated_before_judging() {
    // The first read lists 181 only; 181 is final at once, and the read
    // before judging lists 182, which fails.
    let server = result_platform(
        |n| if n == 0 { vec![181] } else { vec![181, 182] },
        |_, request| answer(request, &passing_and_added()),
    )
    .await;
    let out = Gate::against(&server)
        .args(["--api", "cekura", "--result-id", "9876", "--json", "r.json"])
        .expect_code_because(1, "the run added later fails, and is gated")
        .await;
    out.stderr_has("gating result 9876: 1 run")
        .stderr_has("1 run added to the result while waiting (182); waited for and gated too");
    assert_eq!(junit_counts(&out.junit()), (2, 1, 0), "both runs judged");
    assert_eq!(out.json("r.json")["result_id"], 9876);
    assert_eq!(
        result_reads(&server).await,
        4,
        "read, twice before judging, then for its success rate"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_added_to_the_result_while_waiting_is_polled_with_the_others() {
    // 181 stays in its call for the first eight polls; the result lists
    // 182 from its second read on, made while waiting.
    let server = result_platform(
        |n| if n == 0 { vec![181] } else { vec![181, 182] },
        |n, request| {
            let first = if n < 8 {
                run(181, "in_progress", false, &[])
            } else {
                run(181, "completed", true, &[])
            };
            answer(request, &[first, run(182, "completed", true, &[])])
        },
    )
    .await;
    Gate::against(&server)
        .args(["--api", "cekura", "--result-id", "9876"])
        .expect_code_because(0, "both runs pass")
        .await;
    let asked: Vec<Vec<u64>> = requests(&server)
        .await
        .iter()
        .filter(|r| r.url.path() == V2_PATH)
        .map(requested_ids)
        .collect();
    assert!(
        asked.iter().any(|ids| ids == &[181, 182]),
        "182 was polled beside 181 while 181 was unfinished: {asked:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_result_that_cannot_be_read_again_before_judging_does_not_pass() {
    let server = MockServer::start().await;
    let reads = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path("/test_framework/v2/results/9876/"))
        .respond_with(move |_: &Request| {
            if reads.fetch_add(1, Ordering::SeqCst) == 0 {
                ResponseTemplate::new(200).set_body_json(json!({"id": 9876, "runs": {"181": {}}}))
            } else {
                ResponseTemplate::new(503)
            }
        })
        .mount(&server)
        .await;
    let runs = passing_and_added();
    Mock::given(method("GET"))
        .and(path(V2_PATH))
        .respond_with(move |request: &Request| answer(request, &runs))
        .mount(&server)
        .await;
    let out = Gate::against(&server)
        .args(["--api", "cekura", "--timeout", "2s", "--result-id", "9876"])
        .expect_code_because(4, "runs added since could be missed")
        .await;
    out.stderr_has("could not be read again before judging");
}
