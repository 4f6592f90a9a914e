//! The binary as a process: usage errors, replay of the bundled example, help.

use crate::common;

use common::*;
use std::io::Write;
use std::process::Stdio;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/runs.json");

#[tokio::test]
async fn bundled_example_replays_without_key_or_network_and_fails_the_gate() {
    let out = Gate::replay(EXAMPLE)
        .expect_code_because(1, "the example fails on purpose")
        .await;
    assert!(
        out.stdout
            .starts_with("vocera-gate: FAILED: score 35 (max 0), 8 runs"),
        "{}",
        out.stdout
    );
    assert_eq!(junit_counts(&out.junit()), (8, 4, 2));
}

#[tokio::test]
async fn bundled_example_report_matches_the_golden_file() {
    let out = Gate::replay(EXAMPLE)
        .args(["--include-transcript"])
        .run()
        .await;
    let golden = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-junit.xml"
    );
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(golden, out.junit()).expect("write golden");
    }
    let expected = std::fs::read_to_string(golden)
        .expect("golden file (UPDATE_GOLDEN=1 cargo test to create)");
    assert_eq!(
        out.junit(),
        expected,
        "report differs from tests/fixtures/example-junit.xml"
    );
}

/// The messages themselves are command cases in `tests/cmd/usage-errors.trycmd`;
/// here, that a usage error leaves nothing behind.
#[tokio::test]
async fn usage_errors_exit_2_and_write_nothing() {
    let cases: &[&[&str]] = &[
        &["18x"],
        &["181"],
        &["--api-key", "k", "--timeout", "5", "1"],
        &["--api-key", "--max-score", "5", "181"],
        &["--api-key", "k", "--weight", "high", "1"],
        &["--api-key", "k", "--base-url", "http://example.com", "1"],
        &["--from-file", "absent.json", "--json", "r.json"],
    ];
    for args in cases {
        let out = Gate::new()
            .args(*args)
            .expect_code_because(2, format!("{args:?}"))
            .await;
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
        assert_eq!(
            out.stderr.trim().lines().count(),
            1,
            "one line: {}",
            out.stderr
        );
        let left: Vec<_> = std::fs::read_dir(&out.dir)
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
}

#[tokio::test]
async fn invalid_saved_responses_exit_2_naming_the_problem() {
    for (content, says) in [
        ("{\"runs\": []}", "found a JSON object"),
        ("[{\"id\": \"181\"}]", "not a run ID"),
        ("[{\"id\": 1,", "invalid JSON"),
        ("[]", "holds no runs"),
        (
            r#"[{"id": 5, "status": "failed"}, {"id": 5, "status": "completed", "success": true}]"#,
            "run 5 appears twice with different contents",
        ),
    ] {
        let out = Gate::replay("bad.json")
            .file("bad.json", content)
            .expect_code_because(2, content)
            .await;
        assert!(
            out.stderr.contains(says),
            "{content} should say {says:?}: {}",
            out.stderr
        );
    }
}

#[tokio::test]
async fn unwritable_output_fails_before_any_request() {
    let server = serve_runs(vec![run(1, "completed", true, &[])]).await;
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir(dir.path().join("report.xml"))
        .expect("a directory where the file should go");
    for (junit, says) in [
        ("report.xml", "is a folder"),
        ("nodir/", "is a folder"),
        ("nodir/report.xml", "cannot write in nodir"),
    ] {
        let out = Gate::against(&server)
            .args(["--junit", junit, "--save-response", "s.json", "1"])
            .in_dir(dir.path())
            .expect_code_because(2, junit)
            .await;
        assert!(out.stderr.contains(says), "{junit}: {}", out.stderr);
    }
    assert!(requests(&server).await.is_empty(), "no request was made");
}

#[tokio::test]
async fn outputs_may_not_name_one_file_or_the_input() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir(dir.path().join("w")).expect("mkdir");
    let work = dir.path().join("w");
    std::fs::copy(EXAMPLE, work.join("in.json")).expect("copy");
    for (args, says) in [
        (
            vec![
                "--from-file",
                "in.json",
                "--junit",
                "r.xml",
                "--json",
                "../w/r.xml",
            ],
            "--junit and --json name the same file",
        ),
        (
            vec!["--from-file", "in.json", "--junit", "./in.json"],
            "--junit ./in.json would overwrite the --from-file input in.json (the same file)",
        ),
        (
            vec![
                "--from-file",
                "in.json",
                "181",
                "--save-response",
                "in.json",
            ],
            "--save-response in.json would overwrite the --from-file input",
        ),
    ] {
        let out = Gate::new()
            .args(&args)
            .in_dir(&work)
            .expect_code_because(2, format!("{args:?}"))
            .await;
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
    assert_eq!(
        std::fs::read_to_string(work.join("in.json")).expect("input"),
        std::fs::read_to_string(EXAMPLE).expect("example"),
        "the input is untouched"
    );
    assert!(!work.join("r.xml").exists());
}

#[cfg(unix)]
#[tokio::test]
async fn a_device_as_output_is_written_into_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    // A private copy of /dev/null (needs root); a regression must never
    // get to replace the real one.
    let dir = tempfile::tempdir().expect("dir");
    let null = dir.path().join("null");
    let made = std::process::Command::new("mknod")
        .args([null.as_os_str(), "c".as_ref(), "1".as_ref(), "3".as_ref()])
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("skipped: mknod needs root");
        return;
    }
    let out = Gate::replay(EXAMPLE)
        .args(["--junit", "null", "--json", "null2.json"])
        .in_dir(dir.path())
        .expect_code(1)
        .await;
    let kind = std::fs::metadata(&null).expect("still there").file_type();
    assert!(kind.is_char_device(), "still a device, not a regular file");
    assert!(
        out.file("null2.json").is_some(),
        "the other outputs are written"
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_report_that_cannot_be_written_at_the_end_leaves_the_others() {
    // Every path is checked at start; /dev/full passes (a device is written
    // into, never replaced) and then refuses every byte: a disk filling up.
    let out = Gate::replay(EXAMPLE)
        .args(["--json", "gate.json", "--summary", "/dev/full"])
        .expect_code(2)
        .await;
    out.stderr_has("cannot write /dev/full");
    assert_eq!(
        junit_counts(&out.junit()),
        (8, 4, 2),
        "the JUnit report is written"
    );
    assert!(out.file("gate.json").is_some(), "so is the JSON");
    assert!(
        out.stdout.contains("vocera-gate: FAILED"),
        "and the verdict shown"
    );
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_before_connecting() {
    // 192.0.2.1 is TEST-NET-1: nothing answers there; refusal must come first.
    let out = Gate::new()
        .args(["--api-key", "k", "--base-url", "http://192.0.2.1:9"])
        .args(["--timeout", "30s", "1"])
        .expect_code(2)
        .await;
    out.stderr_has("use https://");
}

#[tokio::test]
async fn ids_come_from_arguments_files_and_stdin_deduplicated() {
    let out = Gate::replay(EXAMPLE)
        .file("ids.txt", "186\n181, 999\n")
        .args(["182 181", "--run-ids-file", "ids.txt"])
        .expect_code_because(1, "999 is missing")
        .await;
    let junit = out.junit();
    let ids: Vec<&str> = junit
        .match_indices("run_id\" value=\"")
        .map(|(i, m)| &junit[i + m.len()..i + m.len() + 3])
        .collect();
    assert_eq!(
        ids,
        vec!["182", "181", "186", "999"],
        "order kept, 181 once"
    );

    let mut cmd = gate_command(&out.dir);
    cmd.args(["--from-file", EXAMPLE, "--run-ids-file", "-", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"181\n")
        .expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0), "run 181 alone passes");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), 1, "quiet prints one line: {stdout}");
}

#[tokio::test]
async fn help_lists_groups_and_exit_codes() {
    // The commands' help; the top level's lists the commands.
    let top = Gate::new().args(["--help"]).expect_code(0).await;
    for command in ["gate", "replay", "result", "start", "suite"] {
        top.stdout_has(&format!("\n  {command} "));
    }
    let out = Gate::new().args(["gate", "--help"]).expect_code(0).await;
    for part in [
        "Input:",
        "API:",
        "Waiting:",
        "Policy:",
        "Output:",
        "Exit codes:",
        "143",
    ] {
        assert!(out.stdout.contains(part), "help mentions {part:?}");
    }
}

#[tokio::test]
async fn json_verdict_summary_and_annotations_for_github() {
    let out = Gate::replay(EXAMPLE)
        .file("summary.md", "earlier step output\n")
        .args(["--json", "verdict.json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", "summary.md")
        .expect_code(1)
        .await;
    let json = out.json("verdict.json");
    assert_eq!(json["verdict"], "failed");
    assert_eq!(json["exit_code"], 1);
    assert_eq!(json["score"], 35);
    assert_eq!(
        (
            json["runs"].as_u64(),
            json["failed_runs"].as_u64(),
            json["errored_runs"].as_u64()
        ),
        (Some(8), Some(4), Some(2))
    );
    assert_eq!(json["junit_path"], "vocera-junit.xml");
    assert_eq!(json["results"].as_array().map(Vec::len), Some(8));
    let summary = out.file("summary.md").expect("summary");
    assert!(
        summary.starts_with("earlier step output\n### ❌ vocera-gate: failed"),
        "appended: {summary}"
    );
    let annotations: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(
        annotations.len(),
        6,
        "one per run that did not pass: {}",
        out.stdout
    );
    assert!(
        annotations[0].contains("(run 185)"),
        "errored runs first: {annotations:?}"
    );
}

#[tokio::test]
async fn report_only_keeps_the_failed_verdict_in_json_with_exit_code_0() {
    let out = Gate::replay(EXAMPLE)
        .args(["--report-only", "--json", "v.json", "--summary", "s.md"])
        .expect_code(0)
        .await;
    let json = out.json("v.json");
    assert_eq!(
        (json["verdict"].as_str(), json["exit_code"].as_u64()),
        (Some("failed"), Some(0))
    );
    assert!(
        out.file("s.md")
            .expect("summary")
            .contains("| Cancel an appointment | 182 | completed | ❌ failed |")
    );
    assert!(
        !out.stdout.contains("::error"),
        "no annotations outside GitHub Actions"
    );
}

#[tokio::test]
async fn colour_only_when_asked_or_on_a_terminal() {
    let plain = Gate::replay(EXAMPLE).args(["-q"]).run().await;
    assert!(
        !plain.stdout.contains('\u{1b}'),
        "not a terminal: no colour"
    );
    let always = Gate::replay(EXAMPLE)
        .args(["-q", "--color", "always"])
        .run()
        .await;
    assert!(
        always.stdout.contains("\u{1b}[31mFAILED"),
        "forced colour: {:?}",
        always.stdout
    );
}

#[tokio::test]
async fn completions_and_man_page_are_generated() {
    let bash = Gate::new()
        .args(["completions", "bash"])
        .expect_code(0)
        .await;
    assert!(
        bash.stdout.contains("--max-score"),
        "bash completion knows the flags"
    );
    let man = Gate::new().args(["man"]).expect_code(0).await;
    assert!(
        man.stdout.starts_with(".ie") && man.stdout.contains("max\\-score"),
        "roff man page"
    );
}

#[tokio::test]
async fn empty_environment_variables_mean_unset() {
    // A replay needs no key; empty API variables must not be read as values.
    Gate::replay(EXAMPLE)
        .args(["-q", "181"])
        .env("VOCERA_BASE_URL", "")
        .env("VOCERA_CA_CERT", "")
        .env("VOCERA_API_KEY", "")
        .env("VOCERA_API", "")
        .expect_code(0)
        .await;
    // An empty VOCERA_API_KEY leaves CEKURA_API_KEY in charge, and the
    // profile name is read whatever its case.
    let server = serve_runs(vec![run(1, "completed", true, &[])]).await;
    Gate::new()
        .args(["--base-url", &server.uri(), "1"])
        .env("VOCERA_API_KEY", "")
        .env("CEKURA_API_KEY", KEY)
        .env("VOCERA_API", "VOCERA")
        .expect_code(0)
        .await;
    let sent = requests(&server).await;
    assert_eq!(
        sent[0]
            .headers
            .get("x-vocera-api-key")
            .map(|v| v.as_bytes()),
        Some(KEY.as_bytes())
    );
    // An unwritable report path stops the gate after the API settings were
    // checked and before any request: only that error may show.
    let live = Gate::new()
        .args(["--junit", "no/such/dir/r.xml", "181"])
        .env("VOCERA_BASE_URL", " ")
        .env("VOCERA_API_KEY", "k")
        .env("VOCERA_CA_CERT", "")
        .expect_code(2)
        .await;
    // Empty values ignored.
    live.stderr_has("cannot write in no/such/dir");
}

#[test]
fn a_closed_stdout_keeps_the_verdicts_exit_code() {
    // `vocera-gate ... | head` closes the pipe early; println! would panic
    // (exit 101) and the pipeline would act on the wrong code.
    let dir = tempfile::tempdir().expect("dir");
    for (args, code) in [
        (vec!["--from-file", EXAMPLE], 1),
        (vec!["--from-file", EXAMPLE, "--report-only"], 0),
        (vec!["completions", "bash"], 0),
        (vec!["man"], 0),
    ] {
        let mut child = gate_command(dir.path())
            .args(&args)
            .env("GITHUB_ACTIONS", "true")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn a_lone_surrogate_in_run_text_is_shown_not_fatal() {
    // Valid JSON that is not Unicode: Python's json.dumps writes it for a
    // broken string. One such character must not sink the whole answer.
    let body = r#"[{"id": 7, "scenario": 70, "scenario_name": "Caf\u00e9 \ud800 order", "status": "completed", "success": true, "critical_categories": []}]"#;
    let out = Gate::replay("runs.json")
        .file("runs.json", body)
        .expect_code(0)
        .await;
    let junit = out.junit();
    assert_eq!(junit_counts(&junit), (1, 0, 0));
    assert!(junit.contains(r#"name="Café \u{d800} order""#), "{junit}");
}

#[tokio::test]
async fn a_key_given_where_run_ids_go_is_not_echoed() {
    let ids = format!("181\n{KEY}\n");
    for gate in [
        Gate::new().args(["181", KEY]).env("VOCERA_API_KEY", KEY),
        Gate::new()
            .file("ids.txt", &ids)
            .args(["--run-ids-file", "ids.txt"])
            .env("CEKURA_API_KEY", KEY),
        Gate::new().args(["--api-key", KEY, KEY]),
    ] {
        let out = gate.expect_code(2).await;
        assert!(
            out.stderr.contains("holds the API key") && !out.stderr.contains("S3CRET"),
            "{}",
            out.stderr
        );
    }
    // A token holding the key and more hides it too.
    let out = Gate::new()
        .args(["1", &format!("{KEY}x")])
        .env("VOCERA_API_KEY", KEY)
        .run()
        .await;
    assert!(!out.stderr.contains("S3CRET"), "{}", out.stderr);
    // Any other bad token is still named, whatever the key.
    let out = Gate::new().args(["--api-key", "k", "1,like"]).run().await;
    out.stderr_has(r#"run ID "like" is not"#);
}

#[tokio::test]
async fn a_key_starting_with_a_dash_is_taken_not_echoed() {
    let key = format!("-x{KEY}");
    let out = Gate::new()
        .args(["--api-key", &key, "--timeout", "200ms", "1"])
        .expect_code_because(4, "taken as the key, then no server")
        .await;
    assert!(!out.stderr.contains("S3CRET"), "{}", out.stderr);
}

#[tokio::test]
async fn a_passing_replay_without_ids_says_what_it_judged() {
    // Live, IDs 7,8 where the API did not return 8: exit 1. The saved
    // response holds run 7 alone, so replayed without IDs it passes.
    let body = r#"[{"id": 7, "scenario": 70, "status": "completed", "success": true}]"#;
    let without = Gate::replay("saved.json")
        .file("saved.json", body)
        .expect_code(0)
        .await;
    without
        .stderr_has("only the 1 run in saved.json was judged")
        .stderr_has("give its run IDs too");
    let with = Gate::replay("saved.json")
        .args(["7,8"])
        .in_dir(&without.dir)
        .expect_code_because(1, "the live verdict")
        .await;
    assert!(!with.stderr.contains("note:"), "{}", with.stderr);
    let failing = Gate::replay(EXAMPLE).run().await;
    assert!(
        !failing.stderr.contains("note:"),
        "a failing replay needs no warning: {}",
        failing.stderr
    );
}

#[tokio::test]
async fn a_byte_order_mark_in_the_ids_file_is_skipped() {
    let out = Gate::replay(EXAMPLE)
        .file("ids.txt", "\u{feff}181\r\n182\r\n")
        .args(["--run-ids-file", "ids.txt"])
        .expect_code(1)
        .await;
    assert_eq!(junit_counts(&out.junit()).0, 2);
}

#[tokio::test]
async fn a_ca_cert_that_is_no_certificate_is_a_usage_error() {
    let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let out = Gate::new()
        .file("bad.pem", pem)
        .args(["--ca-cert", "bad.pem", "--api-key", "k", "1"])
        .expect_code(2)
        .await;
    out.stderr_has("--ca-cert bad.pem holds a certificate TLS cannot use");
}

#[cfg(unix)]
#[tokio::test]
async fn a_pipe_as_output_gets_the_report_and_a_link_stays_a_link() {
    let dir = tempfile::tempdir().expect("dir");
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfifo");
    // The reader is there from the start, as with `--junit >(cat)`; the
    // check at start must not open the pipe (its close would end the input).
    let reader = std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the pipe"));
    std::os::unix::fs::symlink("real.xml", dir.path().join("link.xml")).expect("symlink");
    std::fs::write(dir.path().join("real.xml"), "old").expect("write");
    let out = Gate::replay(EXAMPLE)
        .args(["--junit", "fifo", "--json", "link.xml"])
        .in_dir(dir.path())
        .expect_code(1)
        .await;
    let piped = reader.join().expect("reader");
    assert_eq!(
        junit_counts(&piped),
        (8, 4, 2),
        "the whole report came through"
    );
    let link = std::fs::symlink_metadata(dir.path().join("link.xml")).expect("link");
    assert!(link.file_type().is_symlink(), "the link stays a link");
    assert!(
        out.file("real.xml")
            .is_some_and(|t| t.contains("\"score\": 35"))
    );
}
