//! `--pr-comment`: the gate against a fake GitHub REST API on loopback
//! that keeps the comments of one pull request (pages of two), and can
//! refuse (403) or play a second job writing at the same time.

use crate::common::{self, Gate};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use vocera_gate::github::sections;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "ghs_T0KEN-that-must-never-show-1234";
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/runs.json");
const LIST: &str = "/repos/acme/agent/issues/7/comments";
const PER_PAGE: usize = 2;

/// The fake's comments and what it is told to do.
#[derive(Default)]
struct State {
    comments: Vec<(u64, String)>,
    next_id: u64,
    forbid: bool,
    /// On our first PATCH, another job's write lands right after ours,
    /// made from the body as it was before ours.
    interfere: bool,
    patches: usize,
    posts: usize,
}

type Shared = Arc<Mutex<State>>;

async fn fake(state: Shared) -> MockServer {
    let server = MockServer::start().await;
    let origin = server.uri();
    Mock::given(wiremock::matchers::any())
        .respond_with(move |req: &Request| answer(&state, req, &origin))
        .mount(&server)
        .await;
    server
}

fn answer(state: &Shared, req: &Request, origin: &str) -> ResponseTemplate {
    let mut s = state.lock().expect("state");
    let auth = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        return ResponseTemplate::new(401).set_body_json(json!({"message": "Bad credentials"}));
    }
    if s.forbid {
        return ResponseTemplate::new(403)
            .set_body_json(json!({"message": "Resource not accessible by integration"}));
    }
    let path = req.url.path().to_owned();
    let body = || -> String {
        let v: Value = serde_json::from_slice(&req.body).expect("JSON body");
        v["body"].as_str().expect("a body").to_owned()
    };
    let shown = |id: u64, text: &str| json!({"id": id, "body": text, "html_url": format!("https://github.test/acme/agent/pull/7#issuecomment-{id}")});
    match (req.method.as_str(), path.as_str()) {
        ("GET", LIST) => {
            let page: usize = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(1);
            let items: Vec<Value> = (s.comments.iter())
                .skip((page - 1) * PER_PAGE)
                .take(PER_PAGE)
                .map(|(id, b)| shown(*id, b))
                .collect();
            let mut t = ResponseTemplate::new(200).set_body_json(items);
            if page * PER_PAGE < s.comments.len() {
                let next = format!(
                    "<{origin}{LIST}?per_page=100&page={}>; rel=\"next\"",
                    page + 1
                );
                t = t.insert_header("link", next.as_str());
            }
            t
        }
        ("POST", LIST) => {
            s.posts += 1;
            s.next_id += 1;
            let id = s.next_id;
            let text = body();
            s.comments.push((id, text.clone()));
            ResponseTemplate::new(201).set_body_json(shown(id, &text))
        }
        ("PATCH", p) if p.starts_with("/repos/acme/agent/issues/comments/") => {
            s.patches += 1;
            let id: u64 = p
                .rsplit('/')
                .next()
                .and_then(|i| i.parse().ok())
                .expect("id");
            let text = body();
            let interfere = std::mem::take(&mut s.interfere);
            let Some(slot) = s.comments.iter_mut().find(|(i, _)| *i == id) else {
                return ResponseTemplate::new(404);
            };
            let before = std::mem::replace(&mut slot.1, text.clone());
            if interfere {
                slot.1 = sections::merge(Some(&before), "other-job", "Other job's verdict");
            }
            ResponseTemplate::new(200).set_body_json(shown(id, &text))
        }
        _ => ResponseTemplate::new(404),
    }
}

/// A filler comment of someone else.
fn filler(state: &Shared, n: usize) {
    let mut s = state.lock().expect("state");
    for _ in 0..n {
        s.next_id += 1;
        let id = s.next_id;
        s.comments.push((id, format!("LGTM {id}")));
    }
}

/// The gate replaying `file` in a pull request, the comment asked for.
fn gate(server: &MockServer, file: &str) -> Gate {
    Gate::new()
        .file(
            "event.json",
            r#"{"pull_request": {"number": 7, "head": {"sha": "abc1234"}}}"#,
        )
        .args([
            "--from-file",
            file,
            "--pr-comment",
            "always",
            "--json",
            "r.json",
        ])
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", &server.uri())
        .env("GITHUB_REPOSITORY", "acme/agent")
        .env("GITHUB_EVENT_PATH", "event.json")
        .env("GITHUB_JOB", "voice")
        .env("GITHUB_SERVER_URL", "https://github.test")
        .env("GITHUB_RUN_ID", "99")
}

fn no_token(out: &common::Finished) {
    assert!(!out.stdout.contains(TOKEN) && !out.stderr.contains(TOKEN));
    for name in ["r.json", "vocera-junit.xml"] {
        let text = out.file(name).unwrap_or_default();
        assert!(!text.contains(TOKEN), "{name}");
    }
}

fn bodies(state: &Shared) -> Vec<String> {
    let s = state.lock().expect("state");
    s.comments.iter().map(|(_, b)| b.clone()).collect()
}

#[tokio::test]
async fn creates_the_comment_when_absent() {
    let state = Shared::default();
    let server = fake(state.clone()).await;
    let out = gate(&server, EXAMPLE).expect_code(1).await;
    out.stderr_has("vocera-gate: pull-request comment updated: https://github.test/acme/agent/pull/7#issuecomment-1");
    let all = bodies(&state);
    assert_eq!(all.len(), 1);
    assert!(all[0].starts_with("<!-- vocera-gate -->\n<!-- vocera-gate:begin voice -->\n### ❌ vocera-gate: failed · voice\n"), "{}", all[0]);
    assert!(all[0].contains("[the CI run](https://github.test/acme/agent/actions/runs/99)"));
    assert!(all[0].contains("commit `abc1234`"));
    // Recordings may be private and comments are often public.
    assert!(!all[0].contains("listen"), "{}", all[0]);
    no_token(&out);
}

#[tokio::test]
async fn recordings_are_linked_only_with_include_recordings() {
    let state = Shared::default();
    let server = fake(state.clone()).await;
    let runs = include_str!("../examples/runs.json").replace(
        "\"voice_recording_url\": null",
        "\"voice_recording_url\": \"https://rec.example/call.wav\"",
    );
    gate(&server, "with-recordings.json")
        .file("with-recordings.json", &runs)
        .args(["--include-recordings"])
        .expect_code(1)
        .await;
    let all = bodies(&state);
    assert_eq!(all.len(), 1);
    assert!(
        all[0].contains("[▶ listen](https://rec.example/call.wav)"),
        "{}",
        all[0]
    );
}

#[tokio::test]
async fn updates_in_place_found_on_page_two_of_three_and_keeps_another_jobs_section() {
    let state = Shared::default();
    filler(&state, 2);
    {
        let mut s = state.lock().expect("state");
        s.next_id += 1;
        let old = sections::merge(None, "voice", "old verdict");
        let both = sections::merge(Some(&old), "another", "kept as is");
        s.comments.push((3, both));
    }
    filler(&state, 2);
    let server = fake(state.clone()).await;
    let out = gate(&server, EXAMPLE).expect_code(1).await;
    let (posts, patches, body) = {
        let s = state.lock().expect("state");
        (s.posts, s.patches, s.comments[2].1.clone())
    };
    assert_eq!((posts, patches), (0, 1), "{}", out.stderr);
    assert!(
        !body.contains("old verdict") && body.contains("failed · voice"),
        "{body}"
    );
    assert_eq!(
        sections::section_of(&body, "another"),
        Some("<!-- vocera-gate:begin another -->\nkept as is\n<!-- vocera-gate:end another -->")
    );
    let pages: Vec<String> = common::requests(&server)
        .await
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .map(|r| r.url.query().unwrap_or_default().to_owned())
        .collect();
    assert!(
        pages.contains(&"per_page=100&page=3".to_owned()),
        "{pages:?}"
    );
}

#[tokio::test]
async fn a_concurrent_writer_loses_no_section() {
    let state = Shared::default();
    {
        let mut s = state.lock().expect("state");
        s.next_id = 1;
        s.comments.push((1, sections::merge(None, "voice", "old")));
        s.interfere = true;
    }
    let server = fake(state.clone()).await;
    let out = gate(&server, EXAMPLE).expect_code(1).await;
    let s = state.lock().expect("state");
    assert_eq!(
        s.patches, 2,
        "wrote again after the re-read: {}",
        out.stderr
    );
    let body = &s.comments[0].1;
    assert!(sections::section_of(body, "other-job").is_some(), "{body}");
    assert!(sections::section_of(body, "voice").is_some_and(|t| t.contains("failed · voice")));
}

#[tokio::test]
async fn a_refusal_is_one_warning_and_the_exit_code_stays() {
    let state = Shared::default();
    state.lock().expect("state").forbid = true;
    let server = fake(state.clone()).await;
    let out = gate(&server, EXAMPLE).expect_code(1).await;
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("--pr-comment"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", out.stderr);
    assert!(
        warnings[0].starts_with("vocera-gate: warning: --pr-comment: GitHub answered 403"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("fork"), "{}", warnings[0]);
    no_token(&out);
}

#[tokio::test]
async fn not_a_pull_request_is_a_notice_and_no_request() {
    let server = MockServer::start().await;
    let out = Gate::new()
        .args(["--from-file", EXAMPLE, "--pr-comment", "always"])
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", &server.uri())
        .env("GITHUB_REPOSITORY", "acme/agent")
        .expect_code(1)
        .await;
    out.stderr_has("vocera-gate: note: --pr-comment: not a pull request (GITHUB_EVENT_PATH is not set); no comment posted");
    assert!(common::requests(&server).await.is_empty());
    let push = Gate::new()
        .file("event.json", r#"{"ref": "refs/heads/main"}"#)
        .args(["--from-file", EXAMPLE, "--pr-comment", "failures"])
        .env("GITHUB_EVENT_PATH", "event.json")
        .expect_code(1)
        .await;
    push.stderr_has("not a pull request (the event has no pull_request.number)");
}

#[tokio::test]
async fn failures_posts_nothing_for_a_pass_but_updates_a_section_there() {
    let state = Shared::default();
    let server = fake(state.clone()).await;
    let passing =
        serde_json::to_string(&json!([common::run(1, "completed", true, &[])])).expect("json");
    let run = |s: &MockServer| {
        gate(s, "pass.json")
            .file("pass.json", &passing)
            .args(["--pr-comment", "failures"])
    };
    let out = run(&server).expect_code(0).await;
    out.stderr_has("no section of this gate to update; no comment posted");
    assert!(bodies(&state).is_empty());
    state
        .lock()
        .expect("state")
        .comments
        .push((5, sections::merge(None, "voice", "red")));
    run(&server).expect_code(0).await;
    let all = bodies(&state);
    assert!(
        all[0].contains("### ✅ vocera-gate: passed · voice"),
        "{}",
        all[0]
    );
}

#[tokio::test]
async fn twenty_thousand_runs_make_a_comment_under_githubs_limit() {
    let state = Shared::default();
    let server = fake(state.clone()).await;
    let runs: Vec<Value> = (1..=20_000u64)
        .map(|id| common::run(id, "completed", false, &["high", "low"]))
        .collect();
    let text = serde_json::to_string(&runs).expect("json");
    let out = gate(&server, "big.json")
        .file("big.json", &text)
        .args(["--min-pass-rate", "0.9"])
        .expect_code(1)
        .await;
    let all = bodies(&state);
    assert_eq!(all.len(), 1, "{}", out.stderr);
    assert!(all[0].chars().count() <= 65_535, "{}", all[0].len());
    assert!(all[0].contains("more scenarios left out to keep the comment under GitHub's limit"));
}
