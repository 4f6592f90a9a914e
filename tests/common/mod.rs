//! Helpers for the end-to-end tests: a real HTTP server on 127.0.0.1
//! (wiremock) that plays the runs API, and the binary run as a process.
//!
//! No test bounds how long something takes: a loaded machine makes any
//! bound flaky. Tests assert what happened (the requests the fake server
//! saw, the exit code, the message); [`PATIENCE`] only stops a hang.

pub mod platform;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tempfile::TempDir;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// How long a test waits for the gate before calling it hung: a safety
/// bound, never an assertion, so far beyond any real run that load cannot
/// reach it (the gate's own `--timeout` in these tests is seconds).
pub const PATIENCE: Duration = Duration::from_secs(300);

/// Waits until `ready()` holds, checking every 20 ms; panics naming `what`
/// only when it has not happened within [`PATIENCE`].
pub async fn wait_until<F, Fut>(what: &str, ready: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let waited = tokio::time::timeout(PATIENCE, async {
        while !ready().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "{what}: not within {PATIENCE:?}");
}

/// A key that must never show up anywhere but in the request header.
pub const KEY: &str = "vk_test_S3CRET-9f8e7d6c5b4a";
pub const V1_PATH: &str = "/test_framework/v1/runs-external/bulk/";
pub const V2_PATH: &str = "/test_framework/v2/runs/bulk/";

/// A run object in the documented shape.
pub fn run(id: u64, status: &str, success: bool, priorities: &[&str]) -> Value {
    json!({
        "id": id,
        "scenario": id + 1000,
        "scenario_name": format!("Scenario {id}"),
        "success": success,
        "evaluation": {"metrics": [{"id": 33, "name": "Latency", "type": "numeric", "score": 812.5, "explanation": "", "function_name": "get_latency"}]},
        "transcript": "Testing Agent: Hello.\nMain Agent: Hi.",
        "transcript_object": [],
        "duration": "01:02",
        "voice_recording_url": null,
        "email_id": null,
        "status": status,
        "metadata": null,
        "timestamp": "2025-01-08T12:06:15.042852Z",
        "critical_categories": priorities.iter().map(|p| json!({
            "category": format!("{p} problem"),
            "scenario_id": id + 1000,
            "scenario": format!("how the {p} problem showed"),
            "priority": p,
        })).collect::<Vec<_>>(),
    })
}

/// The `run_ids` a request asked for.
pub fn requested_ids(request: &Request) -> Vec<u64> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == "run_ids")
        .map(|(_, v)| v.split(',').filter_map(|t| t.parse().ok()).collect())
        .unwrap_or_default()
}

/// The runs in `all` whose IDs the request asked for, as a 200 answer.
pub fn answer(request: &Request, all: &[Value]) -> ResponseTemplate {
    let ids = requested_ids(request);
    let runs: Vec<&Value> = all
        .iter()
        .filter(|r| r["id"].as_u64().is_some_and(|id| ids.contains(&id)))
        .collect();
    ResponseTemplate::new(200).set_body_json(runs)
}

/// Starts a server whose bulk endpoint answers with `script(call_number, request)`
/// (calls counted from 0).
pub async fn serve<F>(script: F) -> MockServer
where
    F: Fn(usize, &Request) -> ResponseTemplate + Send + Sync + 'static,
{
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path(V1_PATH))
        .respond_with(move |request: &Request| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            script(n, request)
        })
        .mount(&server)
        .await;
    server
}

/// A server that always answers with these runs.
pub async fn serve_runs(runs: Vec<Value>) -> MockServer {
    serve(move |_, request| answer(request, &runs)).await
}

/// The requests `server` received so far.
pub async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

/// What a finished gate process left behind. It owns the temporary folder it
/// ran in (if it made one), so the files stay readable while it lives.
#[derive(Debug)]
pub struct Finished {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub dir: PathBuf,
    _temp: Option<TempDir>,
}

impl Finished {
    /// The JUnit report at the default path; panics with stderr if absent.
    pub fn junit(&self) -> String {
        self.file("vocera-junit.xml")
            .unwrap_or_else(|| panic!("no JUnit file; stderr: {}", self.stderr))
    }

    /// A file the run left in its folder, if there is one.
    pub fn file(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join(name)).ok()
    }

    /// Asserts stdout holds `text`, showing stdout if not.
    #[track_caller]
    pub fn stdout_has(&self, text: &str) -> &Self {
        holds("stdout", &self.stdout, text);
        self
    }

    /// Asserts stderr holds `text`, showing stderr if not.
    #[track_caller]
    pub fn stderr_has(&self, text: &str) -> &Self {
        holds("stderr", &self.stderr, text);
        self
    }

    /// A JSON file the run wrote, parsed; panics if it is absent or invalid.
    pub fn json(&self, name: &str) -> Value {
        let text = self
            .file(name)
            .unwrap_or_else(|| panic!("no {name}; stderr: {}", self.stderr));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}\n{text}"))
    }
}

/// Asserts `output` (the stream named `stream`) holds `text`.
#[track_caller]
fn holds(stream: &str, output: &str, text: &str) {
    assert!(output.contains(text), "no {text:?} in {stream}:\n{output}");
}

/// The binary with a clean environment (no key, no CI variables of the
/// machine running the tests), working in `dir`.
pub fn gate_command(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vocera-gate"));
    for (k, _) in std::env::vars() {
        if k.starts_with("VOCERA_")
            || k.starts_with("CEKURA_")
            || k.starts_with("GITHUB_")
            || k == "CI_COMMIT_SHA"
            || k == "GIT_COMMIT"
            || k.ends_with("_PROXY")
            || k.ends_with("_proxy")
        {
            cmd.env_remove(k);
        }
    }
    // A test that forgets --base-url must fail fast on a closed loopback
    // port, never reach the production API.
    cmd.env("VOCERA_BASE_URL", "http://127.0.0.1:9");
    cmd.current_dir(dir);
    cmd
}

/// One run of the binary, built up like its command line:
/// `Gate::against(&server).args(["--timeout", "600ms", "1,2"]).expect_code(3).await`.
#[derive(Default)]
pub struct Gate {
    args: Vec<String>,
    env: Vec<(String, String)>,
    files: Vec<(String, String)>,
    dir: Option<PathBuf>,
}

impl Gate {
    /// No arguments and no server.
    pub fn new() -> Self {
        Self::default()
    }

    /// Pointed at `server` with the test key and fast polling (see [`live_args`]).
    pub fn against(server: &MockServer) -> Self {
        Self::new().args(live_args(server))
    }

    /// Pointed at `base_url` with the test key, polling as the gate's defaults.
    pub fn at(base_url: &str) -> Self {
        Self::new().args(["--base-url", base_url, "--api-key", KEY])
    }

    /// Replaying a saved response: `--from-file path`.
    pub fn replay(path: &str) -> Self {
        Self::new().args(["--from-file", path])
    }

    /// More arguments, after those given so far.
    pub fn args<S: AsRef<str>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// An environment variable for the process.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// A file written into the working folder before the run.
    pub fn file(mut self, name: &str, contents: &str) -> Self {
        self.files.push((name.to_owned(), contents.to_owned()));
        self
    }

    /// Runs in `dir` (the caller keeps it) instead of a fresh temporary folder.
    pub fn in_dir(mut self, dir: &Path) -> Self {
        self.dir = Some(dir.to_path_buf());
        self
    }

    /// Runs the binary and collects what it left; kills it and panics if it
    /// is still running after [`PATIENCE`] (a hang, not a slow machine).
    pub async fn run(self) -> Finished {
        let (dir, temp) = match self.dir {
            Some(dir) => (dir, None),
            None => {
                let temp = tempfile::tempdir().expect("temp dir");
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        for (name, contents) in &self.files {
            std::fs::write(dir.join(name), contents).expect("write a file for the run");
        }
        let mut cmd = gate_command(&dir);
        cmd.args(&self.args).envs(self.env);
        let mut cmd = tokio::process::Command::from(cmd);
        cmd.kill_on_drop(true);
        let out = tokio::time::timeout(PATIENCE, cmd.output())
            .await
            .unwrap_or_else(|_| panic!("the gate hung: still running after {PATIENCE:?}"))
            .expect("the binary runs");
        Finished {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            dir,
            _temp: temp,
        }
    }

    /// Runs the binary and asserts its exit code, showing stdout and stderr if it differs.
    pub async fn expect_code(self, code: i32) -> Finished {
        self.expect_code_because(code, "").await
    }

    /// Runs the binary and asserts its exit code, saying `why` if it differs.
    pub async fn expect_code_because(self, code: i32, why: impl std::fmt::Display) -> Finished {
        let out = self.run().await;
        assert!(
            out.code == code,
            "exit code {} where {code} was expected: {why}\n--- stdout\n{}\n--- stderr\n{}",
            out.code,
            out.stdout,
            out.stderr
        );
        out
    }
}

/// Arguments that point the gate at `server` with the test key and fast polling.
pub fn live_args(server: &MockServer) -> Vec<String> {
    vec![
        "--base-url".into(),
        server.uri(),
        "--api-key".into(),
        KEY.into(),
        "--poll-interval".into(),
        "50ms".into(),
        "--max-poll-interval".into(),
        "200ms".into(),
        "--timeout".into(),
        "20s".into(),
    ]
}

/// Parses the report with a strict XML parser and returns (tests, failures, errors)
/// as counted from the elements, checking the attributes agree.
pub fn junit_counts(xml: &str) -> (usize, usize, usize) {
    let doc = roxmltree::Document::parse(xml)
        .unwrap_or_else(|e| panic!("report is not valid XML: {e}\n{xml}"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let failures = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .count();
    let errors = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("error")))
        .count();
    let count = |node: roxmltree::Node<'_, '_>| {
        let cases: Vec<_> = node
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let with = |tag: &str| {
            cases
                .iter()
                .filter(|c| c.children().any(|n| n.has_tag_name(tag)))
                .count()
        };
        (cases.len(), with("failure"), with("error"))
    };
    // The whole report, and each suite (the runs, the thresholds) alone.
    for node in doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuites") || n.has_tag_name("testsuite"))
    {
        let (tests, failed, errored) = count(node);
        let tag = node.tag_name().name();
        assert_eq!(
            node.attribute("tests"),
            Some(tests.to_string().as_str()),
            "{tag} tests"
        );
        assert_eq!(
            node.attribute("failures"),
            Some(failed.to_string().as_str()),
            "{tag} failures"
        );
        assert_eq!(
            node.attribute("errors"),
            Some(errored.to_string().as_str()),
            "{tag} errors"
        );
    }
    (cases.len(), failures, errors)
}

/// Runs junit-check (`tools/junit-check`: GitLab, Jenkins and the GitHub
/// test-report actions read the file alike), expecting these counts.
///
/// Never a silent skip: where its consumers are not installed (its
/// `setup.sh` has not run), this fails the test when `CI` or
/// `VOCERA_REQUIRE_JUNIT_CHECK` is set, and warns on a developer's machine.
/// Only `VOCERA_SKIP_JUNIT_CHECK=<reason>` skips it there, saying why.
pub fn junit_check(report: &Path, tests: usize, failures: usize, errors: usize) {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/junit-check");
    if let Err(missing) = junit_check_installed() {
        let skip = std::env::var("VOCERA_SKIP_JUNIT_CHECK").unwrap_or_default();
        let required = set("VOCERA_REQUIRE_JUNIT_CHECK") || (set("CI") && skip.is_empty());
        assert!(
            !required,
            "junit-check cannot run ({missing}): run `bash {}/setup.sh` before the tests",
            tool.display()
        );
        let why = if skip.is_empty() {
            "not set up".to_owned()
        } else {
            skip
        };
        eprintln!(
            "warning: junit-check skipped ({why}; {missing}): {} not cross-checked with the JUnit consumers",
            report.display()
        );
        return;
    }
    let out = Command::new("python3")
        .arg(tool.join("junit_check.py"))
        .arg(report)
        .args(["--expect-tests", &tests.to_string()])
        .args(["--expect-failures", &failures.to_string()])
        .args(["--expect-errors", &errors.to_string()])
        .args(["--expect-skipped", "0"])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "junit-check disagrees:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether an environment variable is set to something other than empty,
/// `0` or `false` (as `CI=false` says "not CI").
fn set(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Whether junit-check's consumers are where its `setup.sh` puts them
/// (`$JUNIT_CHECK_HOME`, else `~/.cache/junit-check`): the npm packages and
/// the compiled Jenkins parser, made after its Python packages.
fn junit_check_installed() -> Result<(), String> {
    let home = std::env::var_os("JUNIT_CHECK_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/junit-check")))
        .ok_or("neither JUNIT_CHECK_HOME nor HOME is set")?;
    for part in ["node_modules", "build/JenkinsJunit.class"] {
        if !home.join(part).exists() {
            return Err(format!("no {}", home.join(part).display()));
        }
    }
    Ok(())
}

/// Sends the gate SIGTERM, then waits for it: its exit status and stderr.
/// A gate still running after [`PATIENCE`] is killed and fails the test.
pub async fn terminate(mut child: std::process::Child) -> (std::process::ExitStatus, String) {
    let pid = child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let ended = tokio::task::spawn_blocking(move || {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            std::io::Read::read_to_string(&mut pipe, &mut stderr).expect("read stderr");
        }
        (child.wait().expect("wait"), stderr)
    });
    match tokio::time::timeout(PATIENCE, ended).await {
        Ok(ended) => ended.expect("join"),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("the gate hung: still running {PATIENCE:?} after SIGTERM");
        }
    }
}
