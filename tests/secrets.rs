//! The key, quoted back by the API in run data or in an error, typed,
//! JSON-escaped or percent-encoded, is written nowhere: not on stdout or
//! stderr, not in any report, not in the saved response.

use crate::common;

use common::*;
use serde_json::json;
use wiremock::ResponseTemplate;

/// A key with the characters that encodings change.
const KEY: &str = "vk_live+S3CRET/9f8e=7d6c";
const FORMS: [&str; 7] = [
    KEY,
    "vk_live+S3CRET\\/9f8e=7d6c",
    "vk_live%2BS3CRET%2F9f8e%3D7d6c",
    "vk_live%2bS3CRET%2f9f8e%3d7d6c",
    // Python's urllib.parse.quote leaves `/` as typed.
    "vk_live%2BS3CRET/9f8e%3D7d6c",
    // JSON encoders that escape `+` or `/` as \u sequences.
    "vk_live\\u002BS3CRET/9f8e=7d6c",
    "vk_live+S3CRET\\u002f9f8e=7d6c",
];

#[track_caller]
fn holds_no_key(what: &str, text: &str) {
    for form in FORMS {
        assert!(!text.contains(form), "{what} holds {form:?}:\n{text}");
    }
}

fn gate(server: &wiremock::MockServer) -> Gate {
    Gate::new().args([
        "--base-url",
        &server.uri(),
        "--api-key",
        KEY,
        "--poll-interval",
        "50ms",
        "--max-poll-interval",
        "100ms",
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_in_run_data_is_hidden_everywhere_and_the_replay_agrees() {
    let mut unsuccessful = run(1, "completed", false, &[]);
    unsuccessful["scenario_name"] = json!(format!("echo {KEY}"));
    unsuccessful["transcript"] = json!(format!("my key is {KEY}"));
    unsuccessful["voice_recording_url"] = json!(format!("https://rec.example/a?k={}", FORMS[2]));
    unsuccessful["critical_categories"] =
        json!([{"category": format!("leaked {KEY}"), "priority": KEY, "scenario": KEY}]);
    let mut failed = run(2, "failed", false, &[]);
    failed["error_message"] = json!(format!("auth header was {KEY}"));
    failed["scenario_name"] = json!(format!("lower {}", FORMS[3]));
    let mut unknown = run(3, "completed", true, &[]);
    unknown["status"] = json!(KEY);
    // serde_json writes `/` as is; the JSON-escaped form is spelled out.
    let body = serde_json::to_string(&[unsuccessful, failed, unknown])
        .expect("JSON")
        .replacen(
            &format!("my key is {KEY}"),
            &format!("my key is {}", FORMS[1]),
            1,
        );
    let server = serve(move |_, _| {
        ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json")
    })
    .await;
    let files = ["--save-response", "saved.json", "--json", "gate.json"];
    let out = gate(&server)
        .args(files)
        .args(["--summary", "summary.md", "--include-transcript", "1,2,3"])
        .env("GITHUB_ACTIONS", "true")
        .expect_code(1)
        .await;
    holds_no_key("stdout", &out.stdout);
    holds_no_key("stderr", &out.stderr);
    let junit = out.junit();
    for name in ["saved.json", "gate.json", "summary.md", "vocera-junit.xml"] {
        holds_no_key(name, &out.file(name).expect(name));
    }
    out.stdout_has("echo [the API key]");
    out.stderr_has("unknown priority \"[the API key]\"");
    assert!(junit.contains("my key is [the API key]"), "{junit}");
    assert!(junit.contains("k=[the API key]"), "{junit}");

    let replay = Gate::replay("saved.json")
        .in_dir(&out.dir)
        .args(["--junit", "replay.xml", "--include-transcript", "1,2,3"])
        .expect_code(1)
        .await;
    assert_eq!(replay.file("replay.xml").as_deref(), Some(junit.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn encoded_copies_of_the_key_in_errors_are_hidden() {
    let html = format!("<html><a href=\"/login?key={}\">again</a></html>", FORMS[2]);
    let json_error = format!("{{\"detail\": \"bad key {}\"}}", FORMS[1]);
    let location = format!("https://elsewhere.example/?key={}", FORMS[2]);
    for (name, answer) in [
        (
            "HTML page",
            ResponseTemplate::new(200).set_body_string(html),
        ),
        (
            "JSON error",
            ResponseTemplate::new(200).set_body_string(json_error),
        ),
        (
            "redirect",
            ResponseTemplate::new(302).insert_header("Location", location.as_str()),
        ),
        (
            "partly encoded URL",
            ResponseTemplate::new(200)
                .set_body_string(format!("<a href=\"/login?key={}\">again</a>", FORMS[4])),
        ),
        (
            "\\u-escaped JSON",
            ResponseTemplate::new(200).set_body_string(format!(
                "{{\"detail\": \"bad key {} or {}\"}}",
                FORMS[5], FORMS[6]
            )),
        ),
    ] {
        let server = serve(move |_, _| answer.clone()).await;
        let out = gate(&server)
            .args(["1", "--timeout", "1s", "--json", "gate.json"])
            .env("GITHUB_ACTIONS", "true")
            .expect_code(4)
            .await;
        holds_no_key(&format!("{name}: stdout"), &out.stdout);
        holds_no_key(&format!("{name}: stderr"), &out.stderr);
        holds_no_key(
            &format!("{name}: JSON"),
            &out.file("gate.json").unwrap_or_default(),
        );
        out.stderr_has("[the API key]");
    }
}

/// A key that starts with letters, as real keys do (`sk-`, `vk_`), and
/// holds characters that encodings change.
const SK: &str = "sk-test+S3CRET/9f8e=7d6c";

/// `SK` with each byte written by `form`.
fn each(form: impl Fn(u8) -> String) -> String {
    SK.bytes().map(form).collect()
}

/// `SK` in every form a JSON answer's string can carry it, as raw JSON:
/// none needs any byte of the key typed, the first ones included.
fn sk_forms() -> Vec<(&'static str, String)> {
    let mixed = SK
        .bytes()
        .enumerate()
        .map(|(i, b)| match i % 3 {
            0 => format!("%{b:02X}"),
            1 => format!("\\u{b:04x}"),
            _ => char::from(b).to_string(),
        })
        .collect();
    vec![
        ("typed", SK.to_owned()),
        ("JSON \\/", SK.replace('/', "\\/")),
        ("first byte \\u", format!("\\u0073{}", &SK[1..])),
        ("every byte \\u", each(|b| format!("\\u{b:04X}"))),
        ("percent-encoded", each(|b| format!("%{b:02X}"))),
        ("percent-encoded, lower case", each(|b| format!("%{b:02x}"))),
        ("percent-encoded twice", each(|b| format!("%25{b:02X}"))),
        ("urllib quote", "sk-test%2BS3CRET/9f8e%3D7d6c".to_owned()),
        ("mixed", mixed),
        ("character references", each(|b| format!("&#{b};"))),
    ]
}

/// Asserts `text` holds no piece of `SK` in any form: its start, middle or
/// end typed, or the first or last 12 characters of any form.
#[track_caller]
fn sk_nowhere(what: &str, text: &str) {
    let mut pieces: Vec<String> = ["sk-test", "S3CRET", "9f8e=7d6c"].map(String::from).into();
    for (_, form) in sk_forms() {
        let chars: Vec<char> = form.chars().collect();
        pieces.push(chars[..12].iter().collect());
        pieces.push(chars[chars.len() - 12..].iter().collect());
    }
    for piece in pieces {
        assert!(!text.contains(&piece), "{what} holds {piece:?}:\n{text}");
    }
}

/// Asserts no stream and no file the run wrote holds a piece of `SK`.
#[track_caller]
fn sk_nowhere_in(out: &Finished) {
    sk_nowhere("stdout", &out.stdout);
    sk_nowhere("stderr", &out.stderr);
    let written = std::fs::read_dir(&out.dir).expect("dir").flatten();
    for entry in written.filter(|e| e.file_name() != "t.json") {
        let text = std::fs::read(entry.path()).expect("read");
        sk_nowhere(
            &entry.path().display().to_string(),
            &String::from_utf8_lossy(&text),
        );
    }
}

fn gate_sk(server: &wiremock::MockServer) -> Gate {
    Gate::new().args([
        "--base-url",
        &server.uri(),
        "--api-key",
        SK,
        "--poll-interval",
        "50ms",
        "--max-poll-interval",
        "100ms",
        "--timeout",
        "20s",
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn every_form_of_the_key_anywhere_in_a_field_is_hidden_from_every_output() {
    let forms = sk_forms();
    let mut runs = Vec::new();
    for i in 0..forms.len() {
        let failed = i % 2 == 1;
        let status = if failed { "failed" } else { "completed" };
        let mut r = run(i as u64 + 1, status, false, &[]);
        let f = format!("@F{i}@");
        r["scenario_name"] = json!(format!("{f} opens the name"));
        r["transcript"] = json!(format!("Testing Agent: the middle {f} of the call"));
        r["voice_recording_url"] = json!(format!("https://rec.example/r?k={f}"));
        r["error_message"] = json!(format!("the call ended at {f}"));
        // Text is cut for length at 40, 60, 80, 100, 120, 160 and 400
        // characters: the key straddles each cut.
        r["critical_categories"] = json!([35, 55, 75, 95, 115, 155, 395].map(|pad| json!({
            "category": format!("{}{f}", "c".repeat(pad)),
            "priority": "high",
            "scenario": format!("{}{f}", "s".repeat(pad)),
        })));
        runs.push(r);
    }
    let mut body = serde_json::to_string(&runs).expect("JSON");
    for (i, (_, form)) in forms.iter().enumerate() {
        body = body.replace(&format!("@F{i}@"), form);
    }
    let server = serve(move |_, _| {
        ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json")
    })
    .await;
    let ids: Vec<String> = (1..=forms.len()).map(|i| i.to_string()).collect();
    let ids = ids.join(",");
    let out = gate_sk(&server)
        .args([ids.as_str(), "--include-transcript", ids.as_str()])
        .args(["--save-response", "saved.json", "--json", "gate.json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", "step-summary.md")
        .env("GITHUB_OUTPUT", "step-outputs.txt")
        .expect_code(1)
        .await;
    sk_nowhere_in(&out);
    let junit = out.junit();
    assert_eq!(
        junit.matches("name=\"[the API key] opens the name").count(),
        forms.len(),
        "each run's name keeps its text around the hidden key:\n{junit}"
    );
    assert!(
        junit.contains("the middle [the API key] of the call"),
        "{junit}"
    );
    for file in [
        "step-summary.md",
        "step-outputs.txt",
        "gate.json",
        "saved.json",
    ] {
        let text = out.file(file).unwrap_or_default();
        assert!(text.contains("the API key"), "{file}:\n{text}");
    }
    out.stdout_has("::error title=vocera-gate%3A [the API key] opens the name");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_cut_for_length_is_hidden_first_in_every_form() {
    for (name, form) in sk_forms() {
        // A 400 to the start request: its field message, and a body that is
        // no JSON, each quoted up to 300 characters, the key from 290 on.
        let field = format!(r#"{{"name": ["{}{form} and more"]}}"#, "x".repeat(290));
        let plain = format!("{}{form} and more", "y".repeat(290));
        for body in [field, plain] {
            let server = common::platform::platform(
                move |_, _| ResponseTemplate::new(400).set_body_raw(body.clone(), "text/plain"),
                vec![],
            )
            .await;
            let out = gate_sk(&server)
                .args([
                    "--agent-id",
                    "42",
                    "--scenarios",
                    "67",
                    "--json",
                    "gate.json",
                ])
                .env("GITHUB_OUTPUT", "step-outputs.txt")
                .expect_code(2)
                .await;
            out.stderr_has("the API refused the start request (HTTP 400)");
            sk_nowhere_in(&out);
            assert!(out.stderr.contains("[the API"), "{name}: {}", out.stderr);
        }
        // A 404 for the runs, quoted up to 120 characters, the key from 100 on.
        let page = format!("<p>{}{form}</p>", "z".repeat(97));
        let server =
            serve(move |_, _| ResponseTemplate::new(404).set_body_string(page.clone())).await;
        let out = gate_sk(&server)
            .args(["181", "--json", "gate.json", "--summary", "summary.md"])
            .expect_code(4)
            .await;
        out.stderr_has("HTTP 404");
        sk_nowhere_in(&out);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_key_the_gate_knows_is_hidden_not_only_the_one_it_sends() {
    // CEKURA_API_KEY is set too, though --api-key is the one sent; the API
    // (or a hostile run) echoes the other.
    const OTHER: &str = "ck_live_0THER-key-5678";
    let mut echo = run(1, "completed", false, &["high"]);
    echo["scenario_name"] = json!(format!("{OTHER} and {SK}"));
    let server = serve_runs(vec![echo]).await;
    let out = gate_sk(&server)
        .args(["1", "--json", "gate.json"])
        .env("CEKURA_API_KEY", OTHER)
        .expect_code(1)
        .await;
    for (what, text) in [
        ("stdout", out.stdout.clone()),
        ("JUnit", out.junit()),
        ("JSON", out.file("gate.json").unwrap_or_default()),
    ] {
        assert!(!text.contains("0THER"), "{what}:\n{text}");
        sk_nowhere(what, &text);
    }
    out.stdout_has("[the API key] and [the API key]");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dry_run_echo_and_usage_errors_hide_the_key_in_every_form() {
    let trigger = format!(
        r#"{{"agent_id": 42, "scenarios": [67], "name": "{} {}"}}"#,
        each(|b| format!("%{b:02X}")),
        each(|b| format!("\\u{b:04x}"))
    );
    let out = Gate::new()
        .args(["--api-key", SK, "--dry-run", "--trigger-json", "t.json"])
        .file("t.json", &trigger)
        .expect_code(0)
        .await;
    out.stdout_has("\"name\": \"[the API key] [the API key] (gate ");
    sk_nowhere_in(&out);
    // A key given where a value was expected is quoted back by the parser.
    let out = Gate::new()
        .args(["--api-key", SK, "--timeout", SK, "181"])
        .expect_code(2)
        .await;
    out.stderr_has("invalid value '[the API key]' for '--timeout");
    sk_nowhere_in(&out);
}
