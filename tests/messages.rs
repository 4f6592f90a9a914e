//! What users read: each message says what happened, in their words.

mod common;

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
