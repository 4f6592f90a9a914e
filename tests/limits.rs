//! GitHub's limits, kept end to end: a step summary over 1 MiB is dropped
//! whole, an output over 1 MB refused, and a step shows 10 error
//! annotations (the runner's exit-code error among them). And a gate that
//! stops on a usage error in GitHub Actions says why, once, with the fix.

use crate::common;

use common::*;

/// A step output file read as the runner reads it: `name<<DELIMITER`
/// heredocs; each value with its length in bytes.
fn values(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        let Some((name, delimiter)) = line.split_once("<<") else {
            continue;
        };
        let mut value: Vec<&str> = Vec::new();
        for next in lines.by_ref() {
            if next == delimiter {
                break;
            }
            value.push(next);
        }
        out.push((name.to_owned(), value.join("\n")));
    }
    out
}

/// The `::error` and `::warning` lines of both streams.
fn commands<'a>(out: &'a Finished, kind: &str) -> Vec<&'a str> {
    let prefix = format!("::{kind} ");
    (out.stdout.lines().chain(out.stderr.lines()))
        .filter(|l| l.starts_with(&prefix))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_thousand_runs_keep_every_github_limit() {
    // Every run failing or errored, each its own scenario with a usual name.
    let runs: Vec<serde_json::Value> = (1..=20_000u64)
        .map(|id| {
            let mut r = if id % 10 == 0 {
                run(id, "failed", false, &[])
            } else {
                run(id, "completed", false, &["high"])
            };
            r["scenario_name"] =
                format!("Book an appointment for a new caller, evening slot, variant {id:05}")
                    .into();
            r
        })
        .collect();
    let answer = serde_json::to_string(&runs).expect("json");
    let out = Gate::replay("runs.json")
        .file("runs.json", &answer)
        .args(["--json", "r.json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", "summary.md")
        .env("GITHUB_OUTPUT", "outputs.txt")
        .expect_code_because(1, "the verdict's code, whatever was cut")
        .await;
    let summary = out.file("summary.md").expect("the summary");
    assert!(
        summary.len() <= 1_000_000,
        "summary: {} bytes",
        summary.len()
    );
    let table_rows = summary.lines().filter(|l| l.starts_with("| ")).count();
    assert!(table_rows > 1_000, "as many rows as fit: {table_rows}");
    let note = summary
        .lines()
        .find(|l| l.starts_with("_… and "))
        .unwrap_or_else(|| panic!("no note: {}", &summary[summary.len() - 500..]));
    assert!(
        note.ends_with(
            "more runs left out to keep this summary under GitHub's 1 MiB limit; every one is in \
             the JSON report `r.json` and the JUnit report `vocera-junit.xml`._"
        ),
        "{note}"
    );
    let outputs = values(&out.file("outputs.txt").expect("the step outputs"));
    assert_eq!(outputs.len(), 18, "every output");
    for (name, value) in &outputs {
        assert!(value.len() < 1_000_000, "{name}: {} bytes", value.len());
    }
    let failed = &outputs
        .iter()
        .find(|(n, _)| n == "failed-scenarios")
        .expect("output")
        .1;
    let last = failed.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("… and ")
            && last.ends_with(" more (the full list is in the JSON report r.json)"),
        "{last}"
    );
    let errors = commands(&out, "error");
    assert_eq!(errors.len(), 9, "nine with the runner's own: {errors:?}");
    assert!(
        errors[8].starts_with("::error title=vocera-gate::19992 more runs did not pass"),
        "{}",
        errors[8]
    );
    let report = out.json("r.json");
    assert_eq!(
        report["results"].as_array().map(Vec::len),
        Some(20_000),
        "the JSON report keeps every run"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forks_pull_request_without_a_key_is_told_why_and_what_to_do() {
    let event = r#"{"pull_request": {"number": 7,
        "head": {"repo": {"full_name": "someone/agent"}},
        "base": {"repo": {"full_name": "acme/agent"}}}}"#;
    let out = Gate::new()
        .args(["181,182"])
        .file("event.json", event)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", "event.json")
        .env("GITHUB_STEP_SUMMARY", "summary.md")
        .env("GITHUB_OUTPUT", "outputs.txt")
        .env("VOCERA_API_KEY", "")
        .expect_code(2)
        .await;
    let errors = commands(&out, "error");
    assert_eq!(errors.len(), 1, "exactly one annotation: {errors:?}");
    assert!(
        errors[0].starts_with(
            "::error title=vocera-gate%3A no API key in a pull request from a fork::no API key"
        ),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("fork (someone/agent)"), "{}", errors[0]);
    out.stderr_has("vocera-gate: error: no API key");
    let summary = out.file("summary.md").expect("a summary");
    assert!(
        summary.starts_with("### ⚠️ vocera-gate: error (exit 2)\n"),
        "{summary}"
    );
    assert!(
        summary.contains("`on: workflow_run`") && summary.contains("--check"),
        "{summary}"
    );
    let outputs = values(&out.file("outputs.txt").expect("the step outputs"));
    assert_eq!(outputs[0], ("verdict".to_owned(), "error".to_owned()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_usage_error_in_github_actions_is_one_annotation_and_a_summary() {
    let out = Gate::replay("missing.json")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", "summary.md")
        .expect_code(2)
        .await;
    let errors = commands(&out, "error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("::error title=vocera-gate%3A usage error (exit 2)::cannot read --from-file missing.json"),
        "{}",
        errors[0]
    );
    let summary = out.file("summary.md").expect("a summary");
    assert!(
        summary.contains("**cannot read --from-file missing.json"),
        "{summary}"
    );
    // Outside GitHub Actions: the one line on stderr, nothing else.
    let out = Gate::replay("missing.json").expect_code(2).await;
    assert_eq!(commands(&out, "error").len(), 0, "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spec_with_many_problems_keeps_to_nine_annotations() {
    let cases: Vec<String> = (0..13)
        .map(|i| format!("    {{\"name\": \"Refund\", \"instructions\": \"case {i}\"}}"))
        .collect();
    let spec = format!(
        "{{\n  \"version\": \"1\",\n  \"scenarios\": [\n{}\n  ]\n}}\n",
        cases.join(",\n")
    );
    let out = Gate::new()
        .file("cekura.tests.json", &spec)
        .args(["suite", "cekura.tests.json", "--check"])
        .env("GITHUB_ACTIONS", "true")
        .expect_code(2)
        .await;
    let listed = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("cekura.tests.json:"))
        .count();
    assert_eq!(listed, 12, "stderr lists every problem: {}", out.stderr);
    let errors = commands(&out, "error");
    assert_eq!(errors.len(), 9, "{errors:?}");
    assert!(
        errors[..8]
            .iter()
            .all(|e| e.starts_with("::error file=cekura.tests.json,")),
        "{errors:?}"
    );
    assert!(
        errors[8].contains("::the spec cekura.tests.json has 12 problems; fix them"),
        "the last counts them all: {}",
        errors[8]
    );
}
