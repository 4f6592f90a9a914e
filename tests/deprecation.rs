//! The platform as it is (issue 21, items 11 and 12), end to end against a
//! loopback fake of it: `--api vocera --result-id` reads the v1 result
//! (deprecated, but there), and a deprecated endpoint or a `Deprecation`
//! header gives one warning per run of the gate, naming `--api cekura`.

use crate::common;

use common::platform::*;
use common::*;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const V1_RESULT: &str = "/test_framework/v1/results-external/9876/";

fn passing() -> Vec<Value> {
    vec![
        run(181, "completed", true, &[]),
        run(182, "completed", true, &[]),
    ]
}

/// The lines of `stderr` that warn of a deprecation.
fn deprecation_warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("warning") && l.contains("deprecated"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_v1_api_reads_a_result_by_id() {
    let server = platform(|_, _| started(&[]), passing()).await;
    let out = Gate::against(&server)
        .args(["--api", "vocera", "--result-id", "9876", "--json", "r.json"])
        .expect_code_because(0, "the v1 result read lists both passing runs")
        .await;
    out.stderr_has("gating result 9876: 2 runs");
    assert_eq!(junit_counts(&out.junit()), (2, 0, 0));
    assert_eq!(out.json("r.json")["result_id"], 9876);
    let reads = sent(&server, "GET", V1_RESULT).await;
    assert!(!reads.is_empty(), "the v1 result path");
    assert!(
        reads.iter().all(|r| r
            .headers
            .get("X-VOCERA-API-KEY")
            .and_then(|v| v.to_str().ok())
            == Some(KEY)),
        "with the v1 key header"
    );
    assert!(sent(&server, "GET", "/v2/results/9876/").await.is_empty());
    let bulk = sent(&server, "GET", V1_PATH).await;
    assert_eq!(requested_ids(&bulk[0]), vec![181, 182]);
    let warnings = deprecation_warnings(&out.stderr);
    assert_eq!(
        warnings.len(),
        1,
        "one warning for the v1 result and bulk reads together:\n{}",
        out.stderr
    );
    assert!(warnings[0].contains("--api cekura"), "{}", warnings[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_v1_bulk_read_warns_once_per_run_of_the_gate() {
    // Three polls, every one to the deprecated v1 bulk endpoint.
    let server = serve(|n, request| {
        let status = if n < 2 { "in_progress" } else { "completed" };
        answer(request, &[run(1, status, true, &[])])
    })
    .await;
    let out = Gate::against(&server).args(["1"]).expect_code(0).await;
    assert_eq!(requests(&server).await.len(), 3);
    let warnings = deprecation_warnings(&out.stderr);
    assert_eq!(warnings.len(), 1, "{}", out.stderr);
    assert!(
        warnings[0].contains("switch to the newer profile, --api cekura"),
        "{}",
        warnings[0]
    );
    let quiet = Gate::against(&server)
        .args(["--quiet", "1"])
        .expect_code(0)
        .await;
    assert!(
        deprecation_warnings(&quiet.stderr).is_empty(),
        "{}",
        quiet.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deprecation_header_warns_once_quoting_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(V2_PATH))
        .respond_with(move |request: &Request| {
            let done = requested_ids(request).len() == 1;
            let runs = [
                run(1, "completed", true, &[]),
                run(2, if done { "completed" } else { "pending" }, true, &[]),
            ];
            let runs: Vec<Value> = if done {
                runs[1..].to_vec()
            } else {
                runs.to_vec()
            };
            ResponseTemplate::new(200)
                .insert_header("Deprecation", "@1767225600")
                .set_body_json(runs)
        })
        .mount(&server)
        .await;
    let out = Gate::against(&server)
        .args(["--api", "cekura", "1,2"])
        .expect_code(0)
        .await;
    assert!(requests(&server).await.len() >= 2, "polled more than once");
    let warnings = deprecation_warnings(&out.stderr);
    assert_eq!(warnings.len(), 1, "{}", out.stderr);
    assert!(
        warnings[0].contains("/test_framework/v2/runs/bulk/ deprecated (Deprecation: @1767225600)"),
        "{}",
        warnings[0]
    );
}
