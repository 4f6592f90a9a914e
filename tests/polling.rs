//! Polling that respects the API (issue 21, item 8), end to end against a
//! real HTTP server on 127.0.0.1: a failing API is backed off from whatever
//! the runs' status. The waits themselves are tested in `src/poll`.

mod common;

use common::*;
use wiremock::ResponseTemplate;

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
