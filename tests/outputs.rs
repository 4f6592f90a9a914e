//! The files the gate shares with its CI step: GitHub's step outputs and
//! step summary, appended to, checked before any request.

use crate::common;

use common::*;
use std::collections::BTreeMap;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/runs.json");

/// Reads a `$GITHUB_OUTPUT` file the way the Actions runner does: `name=value`
/// lines and `name<<DELIMITER` heredocs. A later value wins.
fn step_outputs(text: &str) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value: Vec<&str> = Vec::new();
            loop {
                let next = lines
                    .next()
                    .unwrap_or_else(|| panic!("{name}: no closing {delimiter} in {text}"));
                if next == delimiter {
                    break;
                }
                value.push(next);
            }
            outputs.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_owned(), value.to_owned());
        } else {
            panic!("a line the runner cannot read: {line:?} in {text}");
        }
    }
    outputs
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gate_appends_its_step_outputs_to_github_output() {
    let out = Gate::replay(EXAMPLE)
        .file("out.txt", "earlier=kept\n")
        .env("GITHUB_OUTPUT", "out.txt")
        .expect_code(1)
        .await;
    let text = out.file("out.txt").expect("the outputs file");
    assert!(text.starts_with("earlier=kept\n"), "appended: {text}");
    let outputs = step_outputs(&text);
    let want = [
        ("earlier", "kept"),
        ("verdict", "failed"),
        ("exit-code", "1"),
        ("score", "35"),
        ("max-score", "0"),
        ("runs", "8"),
        ("passed-runs", "2"),
        ("failed-runs", "4"),
        ("errored-runs", "2"),
        ("missing-runs", "0"),
        ("unfinished-runs", "0"),
        (
            "reasons",
            "weighted score 35 is above --max-score 0\n1 unsuccessful run is above --max-failed-runs 0\n2 runs ended with an error (failed, timeout, cancelled or unknown status)",
        ),
        ("junit-path", "vocera-junit.xml"),
        (
            "failed-scenarios",
            "Cancel an appointment\nAsk about pricing\nRefund request\nOpening hours (v2 payload)\nrun 187\nUnicode & control characters <ünïcødé>",
        ),
        ("flaky-scenarios", ""),
        ("result-id", ""),
        ("run-ids", "181,182,183,184,185,186,187,188"),
        ("regressions", ""),
        ("dial-numbers", "[]"),
    ];
    let want: BTreeMap<String, String> = want
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(outputs, want, "{text}");
    let delimiters: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once("<<").map(|(_, d)| d))
        .collect();
    assert_eq!(delimiters.len(), 18);
    assert!(
        delimiters
            .iter()
            .all(|d| d.starts_with("ghadelimiter_") && d.len() == 13 + 32),
        "{delimiters:?}"
    );
    let unique: std::collections::HashSet<&&str> = delimiters.iter().collect();
    assert_eq!(
        unique.len(),
        18,
        "a new delimiter per value: {delimiters:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_flag_wins_over_the_variable_and_report_only_says_exit_0() {
    let out = Gate::replay(EXAMPLE)
        .args([
            "--github-output",
            "mine.txt",
            "--report-only",
            "--junit",
            "r.xml",
        ])
        .env("GITHUB_OUTPUT", "theirs.txt")
        .expect_code(0)
        .await;
    assert!(out.file("theirs.txt").is_none(), "the flag wins");
    let outputs = step_outputs(&out.file("mine.txt").expect("written"));
    assert_eq!(outputs["verdict"], "failed");
    assert_eq!(outputs["exit-code"], "0");
    assert_eq!(outputs["junit-path"], "r.xml");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gate_that_cannot_judge_still_writes_error_and_its_exit_code() {
    for (args, code) in [
        (vec!["--from-file", "broken.json"], 2),
        (vec!["--from-file", "broken.json", "--timeout", "5"], 2),
    ] {
        let out = Gate::new()
            .args(args)
            .file("broken.json", "{\"not\": \"an array\"}")
            .env("GITHUB_OUTPUT", "out.txt")
            .expect_code(code)
            .await;
        let outputs = step_outputs(&out.file("out.txt").expect("written"));
        assert_eq!(outputs["verdict"], "error");
        assert_eq!(outputs["exit-code"], code.to_string());
        assert_eq!(outputs["score"], "", "no numbers without a verdict");
        assert_eq!(outputs.len(), 18, "every output: {outputs:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_failure_gives_verdict_error_and_exit_code_4() {
    let server = serve(|_, _| wiremock::ResponseTemplate::new(401)).await;
    let out = Gate::against(&server)
        .args(["1", "--github-output", "out.txt"])
        .expect_code(4)
        .await;
    let outputs = step_outputs(&out.file("out.txt").expect("written"));
    assert_eq!(outputs["verdict"], "error");
    assert_eq!(outputs["exit-code"], "4");
    assert_eq!(outputs["junit-path"], "", "no JUnit without any run data");
}

#[tokio::test(flavor = "multi_thread")]
async fn unwritable_step_files_are_refused_before_any_request() {
    let server = serve_runs(vec![run(1, "completed", true, &[])]).await;
    for (var, says) in [
        (
            "GITHUB_OUTPUT",
            "GITHUB_OUTPUT no/such/dir/out.txt: cannot write in",
        ),
        (
            "GITHUB_STEP_SUMMARY",
            "GITHUB_STEP_SUMMARY no/such/dir/out.txt: cannot write in",
        ),
    ] {
        let out = Gate::against(&server)
            .args(["1"])
            .env(var, "no/such/dir/out.txt")
            .expect_code(2)
            .await;
        assert!(out.stderr.contains(says), "{var}: {}", out.stderr);
    }
    assert!(requests(&server).await.is_empty(), "checked before asking");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_step_file_is_refused_before_any_request() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("out.txt");
    std::fs::write(&file, "").expect("file");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    if std::fs::OpenOptions::new().append(true).open(&file).is_ok() {
        return; // root writes anyway: nothing to refuse
    }
    let server = serve_runs(vec![run(1, "completed", true, &[])]).await;
    let out = Gate::against(&server)
        .args(["1"])
        .env("GITHUB_STEP_SUMMARY", "out.txt")
        .in_dir(dir.path())
        .expect_code(2)
        .await;
    assert!(
        out.stderr
            .contains("GITHUB_STEP_SUMMARY out.txt: cannot append to it"),
        "{}",
        out.stderr
    );
    assert!(requests(&server).await.is_empty(), "checked before asking");
}

/// Issue 20, defect 7: a failing scenario named "Refund\nBooking OK" must
/// not list a passing "Booking OK" as failed; one name is one line.
#[tokio::test(flavor = "multi_thread")]
async fn a_name_cannot_forge_an_entry_of_a_list_output() {
    let mut forged = run(1, "completed", false, &[]);
    forged["scenario_name"] = serde_json::json!("Refund\nBooking OK");
    let mut passing = run(2, "completed", true, &[]);
    passing["scenario_name"] = serde_json::json!("Booking OK");
    let mut separated = run(3, "completed", false, &[]);
    separated["scenario_name"] = serde_json::json!("Cancel\u{2028}Booking OK\r\u{0}");
    let runs = serde_json::Value::Array(vec![forged, passing, separated]).to_string();
    let out = Gate::new()
        .file("runs.json", &runs)
        .args(["--from-file", "runs.json", "--json", "v.json"])
        .env("GITHUB_OUTPUT", "out.txt")
        .expect_code(1)
        .await;
    let text = out.file("out.txt").expect("the outputs file");
    let outputs = step_outputs(&text);
    assert_eq!(
        outputs["failed-scenarios"], "Refund\\x0aBooking OK\nCancel\\u{2028}Booking OK\\x0d\\x00",
        "{text}"
    );
    assert!(
        !text.lines().any(|l| l == "Booking OK"),
        "no line names the passing scenario: {text}"
    );
    // The exact names stay in the JSON report.
    let names = &out.json("v.json")["scenarios"];
    assert_eq!(names[0]["name"], "Refund\nBooking OK");
    assert_eq!(names[1]["name"], "Cancel\u{2028}Booking OK\r\u{0}");
    out.stdout_has("Refund Booking OK (run 1)");
}

/// Every file in `dir` and what it holds.
fn contents(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap_or_default())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_output_may_overwrite_an_input_and_nothing_is_sent() {
    let saved = serde_json::to_string(&[run(1, "completed", true, &[])]).expect("JSON");
    // A replay's baseline turned into JUnit XML, by its own path.
    let out = Gate::replay("cur.json")
        .file("cur.json", &saved)
        .file("base.json", &saved)
        .args(["--baseline", "base.json", "--junit", "base.json"])
        .expect_code(2)
        .await;
    assert_eq!(
        out.stderr,
        "vocera-gate: error: --junit base.json would overwrite the --baseline input; give another path\n"
    );
    assert_eq!(out.file("base.json").as_deref(), Some(saved.as_str()));
    // A start's trigger file, a live gate's run-IDs file: refused before
    // the start (or the first read), so no call is placed.
    let server = common::platform::platform(
        |_, _| common::platform::started(&[(181, 67)]),
        vec![run(181, "completed", true, &[])],
    )
    .await;
    let trigger = r#"{"agent_id": 42, "scenarios": [67]}"#;
    for (input, output, file, text) in [
        ("--trigger-json", "--json", "t.json", trigger),
        ("--run-ids-file", "--save-response", "ids.txt", "181\n"),
        ("--trigger-json", "--summary", "t.json", trigger),
    ] {
        let out = Gate::against(&server)
            .file(file, text)
            .args([input, file, output, file])
            .expect_code(2)
            .await;
        assert_eq!(
            out.stderr,
            format!(
                "vocera-gate: error: {output} {file} would overwrite the {input} input; give another path\n"
            )
        );
        assert_eq!(out.file(file).as_deref(), Some(text), "{input} untouched");
    }
    assert!(requests(&server).await.is_empty(), "nothing was sent");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn an_input_reached_through_a_link_is_not_overwritten() {
    let dir = tempfile::tempdir().expect("dir");
    let saved = serde_json::to_string(&[run(1, "completed", true, &[])]).expect("JSON");
    for name in ["cur.json", "base.json"] {
        std::fs::write(dir.path().join(name), &saved).expect("write");
    }
    std::os::unix::fs::symlink("base.json", dir.path().join("soft.xml")).expect("symlink");
    std::fs::hard_link(dir.path().join("base.json"), dir.path().join("hard.md")).expect("link");
    let before = contents(dir.path());
    for (flags, env, says) in [
        (vec!["--junit", "soft.xml"], None, "--junit soft.xml"),
        (vec!["--summary", "hard.md"], None, "--summary hard.md"),
        (vec![], Some("hard.md"), "GITHUB_STEP_SUMMARY hard.md"),
        (
            vec!["--json", "./sub/../base.json"],
            None,
            "--json ./sub/../base.json",
        ),
    ] {
        std::fs::create_dir_all(dir.path().join("sub")).expect("sub");
        let mut gate = Gate::replay("cur.json")
            .in_dir(dir.path())
            .args(["--baseline", "base.json", "--junit", "r.xml"])
            .args(flags);
        if let Some(path) = env {
            gate = gate.env("GITHUB_STEP_SUMMARY", path);
        }
        let out = gate.expect_code(2).await;
        assert!(
            out.stderr.starts_with(&format!(
                "vocera-gate: error: {says} would overwrite the --baseline input base.json (the same file); give another path"
            )),
            "{says}: {}",
            out.stderr
        );
        std::fs::remove_dir(dir.path().join("sub")).expect("sub");
        assert_eq!(contents(dir.path()), before, "{says}: nothing written");
    }
}
