//! Which baseline was compared with (issue 23): a `--json` report names
//! the commit it gated, a later gate names that commit as its baseline's,
//! and `--baseline-saved-at` gives the baseline's age, with a warning past
//! 7 days. The JSON report stays deterministic: no age in it.

use crate::common;

use common::*;
use serde_json::Value;
use std::time::{Duration, SystemTime};

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn runs() -> String {
    Value::Array(vec![
        run(1, "completed", true, &[]),
        run(2, "completed", true, &[]),
    ])
    .to_string()
}

/// The main branch's report, written with `GITHUB_SHA` set.
async fn main_report() -> String {
    let main = Gate::new()
        .env("GITHUB_SHA", SHA)
        .file("runs.json", &runs())
        .args(["replay", "runs.json", "--json", "main.json"])
        .expect_code(0)
        .await;
    assert_eq!(main.json("main.json")["commit"], SHA, "the commit gated");
    main.file("main.json").expect("the main branch's report")
}

/// `days` ago, as RFC 3339 (whole seconds: a little older than `days`).
fn days_ago(days: u64) -> String {
    let then = SystemTime::now() - Duration::from_secs(days * 86_400);
    humantime::format_rfc3339_seconds(then).to_string()
}

fn compare(report: &str) -> Gate {
    Gate::new()
        .file("runs.json", &runs())
        .file("main.json", report)
        .args(["replay", "runs.json", "--baseline", "main.json"])
        .args(["--json", "v.json", "--summary", "s.md", "--html", "r.html"])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_baseline_10_days_old_is_named_with_its_commit_and_age_and_warned_of() {
    let report = main_report().await;
    let saved = days_ago(10);
    let out = compare(&report)
        .args(["--baseline-saved-at", &saved])
        .expect_code(0)
        .await;
    out.stdout_has("  baseline: commit 0123456 (10 days old)\n  compared with the baseline");
    let warning = "the baseline is 10 days old: run the gate on the default branch to refresh it";
    out.stderr_has(&format!("vocera-gate: warning: {warning}\n"));
    let summary = out.file("s.md").expect("the summary");
    assert!(
        summary.contains(&format!(
            "Baseline: commit 0123456 (10 days old)\n\n⚠ The{}\n",
            &warning[3..]
        )),
        "{summary}"
    );
    let page = out.file("r.html").expect("the HTML report");
    assert!(
        page.contains("<p>Baseline: commit 0123456 (10 days old)</p>"),
        "{page}"
    );
    let verdict = out.json("v.json");
    assert_eq!(verdict["baseline"]["commit"], SHA, "the baseline's commit");
    assert!(
        verdict.get("commit").is_none(),
        "no commit known for this run"
    );

    // Without --baseline-saved-at: the commit alone, no warning, and the
    // JSON report the same bytes (it never holds the age).
    let plain = compare(&report).expect_code(0).await;
    plain.stdout_has("  baseline: commit 0123456\n  compared with the baseline");
    assert!(!plain.stderr.contains("days old"), "{}", plain.stderr);
    assert_eq!(
        plain.file("v.json"),
        out.file("v.json"),
        "deterministic JSON"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fresh_baseline_is_named_without_a_warning() {
    let report = main_report().await;
    let out = compare(&report)
        .args(["--baseline-saved-at", &days_ago(2)])
        .expect_code(0)
        .await;
    out.stdout_has("  baseline: commit 0123456 (2 days old)\n");
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    let summary = out.file("s.md").expect("the summary");
    assert!(summary.contains("Baseline: commit 0123456 (2 days old)\n") && !summary.contains('⚠'));
}

#[tokio::test(flavor = "multi_thread")]
async fn baseline_saved_at_needs_a_baseline_and_an_rfc_3339_time() {
    let out = Gate::new()
        .file("runs.json", &runs())
        .args([
            "replay",
            "runs.json",
            "--baseline-saved-at",
            "2026-12-01T10:00:00Z",
        ])
        .expect_code(2)
        .await;
    out.stderr_has("--baseline-saved-at says when the baseline was saved, but no --baseline was given; add --baseline PATH, or drop --baseline-saved-at");
    for bad in ["yesterday", "2026-12-01 10:00", "2026-12-01T10:00:00"] {
        let out = compare("[]")
            .args(["--baseline-saved-at", bad])
            .expect_code(2)
            .await;
        out.stderr_has("--baseline-saved-at")
            .stderr_has("is not an RFC 3339 time; give e.g. 2026-12-01T10:00:00Z");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_time_in_the_future_is_an_age_of_0_and_said() {
    let report = main_report().await;
    let later = SystemTime::now() + Duration::from_secs(2 * 86_400);
    let later = humantime::format_rfc3339_seconds(later).to_string();
    let out = compare(&report)
        .args(["--baseline-saved-at", &later])
        .expect_code(0)
        .await;
    out.stderr_has("warning: --baseline-saved-at is in the future");
    out.stdout_has("  baseline: commit 0123456 (less than an hour old)\n");
}
