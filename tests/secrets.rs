//! The key, quoted back by the API in run data or in an error, typed,
//! JSON-escaped or percent-encoded, is written nowhere: not on stdout or
//! stderr, not in any report, not in the saved response.

mod common;

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
