#!/usr/bin/env python3
"""End-to-end tests of the composite action (action.yml), run locally.

Each case runs the action's steps with run_action.py in a faked GitHub
Actions environment (temporary GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH,
GITHUB_STEP_SUMMARY and RUNNER_TEMP; RUNNER_OS=Linux, RUNNER_ARCH=X64;
GITHUB_ACTIONS=true; GITHUB_ACTION_PATH = the repository root, or a copy of
the action with a test release-manifest.txt) against a loopback HTTP server
that plays the runs API and a GitHub releases page. Its `shell: sh` steps run
in the machine's sh (dash here), in busybox sh with only busybox on PATH (a
slim container: no bash, jq, python or curl), and in bash as sh.

    python3 tests/action/test_action.py --bin target/debug/vocera-gate [--source-build]

--bin is the vocera-gate binary under test (handed to the action through
VOCERA_GATE_BIN, and packed into the fake release archives).
--source-build also runs the build-from-source path with the real cargo
(cargo build --release into the repository's target/), which takes minutes;
without it, that path runs with a stand-in cargo.

Prints one line per check and ends with "N passed, M failed"; exits 1 when a
check failed. Listens on 127.0.0.1 only, and stops its server when done.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_action import ActionResult, run_action  # noqa: E402
from suite_cases import SUITE_PATH, example_suite_cases, suite_answer, suite_cases  # noqa: E402
from report_cases import report_cases  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ACTION = ROOT / "action.yml"
RUNS = {r["id"]: r for r in json.loads((HERE / "runs.json").read_text())}
API_PATH = "/test_framework/v1/runs-external/bulk/"
START_PATH = "/test_framework/v1/scenarios-external/run_scenarios/"
KEY = "vg-test-" + os.urandom(12).hex()  # the secret that must never leak
TARGET = "x86_64-unknown-linux-musl"  # RUNNER_OS=Linux, RUNNER_ARCH=X64
GATE_OUTPUTS = ("verdict", "score", "max-score", "runs", "passed-runs", "failed-runs", "errored-runs", "missing-runs", "unfinished-runs", "reasons", "junit-path", "failed-scenarios", "flaky-scenarios", "result-id", "run-ids", "regressions", "dial-numbers")


# ---------------------------------------------------------------- the fake service


class Service(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, release_dir: Path):
        super().__init__(("127.0.0.1", 0), Handler)
        self.release_dir = release_dir
        self.requests: list[dict] = []
        self.downloads: list[str] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Service

    def log_message(self, fmt, *args):  # keep the test output clean
        pass

    def send(self, code: int, body: bytes, ctype: str = "application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.server.lock:
            self.server.requests.append(
                {"method": "POST", "path": url.path, "query": url.query, "key": self.headers.get("X-VOCERA-API-KEY"), "body": body}
            )
        if self.headers.get("X-VOCERA-API-KEY") != KEY:
            return self.send(401, b'{"detail": "Invalid API key"}')
        if url.path == SUITE_PATH:
            return self.send(*suite_answer(url.query, body))
        if url.path == START_PATH:
            runs = [{"id": i, "status": "pending", "scenario": RUNS[i].get("scenario")} for i in (101, 102)]
            return self.send(201, json.dumps({"id": 9876, "agent": 42, "status": "pending", "runs": runs}).encode())
        if url.path.endswith("/end_calls/"):
            return self.send(200, b"")
        return self.send(404, b'{"detail": "Not found."}')

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        with self.server.lock:
            self.server.requests.append(
                {"path": url.path, "query": url.query, "key": self.headers.get("X-VOCERA-API-KEY")}
            )
        if url.path == API_PATH:
            if self.headers.get("X-VOCERA-API-KEY") != KEY:
                return self.send(401, b'{"detail": "Invalid API key"}')
            ids = urllib.parse.parse_qs(url.query).get("run_ids", [""])[0]
            wanted = [int(x) for x in ids.split(",") if x.strip().isdigit()]
            runs = [RUNS[i] for i in wanted if i in RUNS]
            return self.send(200, json.dumps(runs).encode())
        prefix = "/releases/download/"
        if url.path.startswith(prefix):
            with self.server.lock:
                self.server.downloads.append(url.path[len(prefix) :])
            rel = url.path[len(prefix) :]
            parts = rel.split("/")
            if len(parts) == 2 and all(p and p not in (".", "..") for p in parts):
                f = self.server.release_dir / parts[0] / parts[1]
                if f.is_file():
                    return self.send(200, f.read_bytes(), "application/octet-stream")
        return self.send(404, b"not found", "text/plain")


# ---------------------------------------------------------------- checks


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def check(self, case: str, ok: bool, what: str, detail: str = ""):
        if ok:
            self.passed += 1
            print(f"ok      {case}: {what}")
        else:
            self.failed += 1
            print(f"FAILED  {case}: {what}" + (f"\n        {detail}" if detail else ""))
        return ok

    def skip(self, case: str, why: str):
        self.skipped += 1
        print(f"skip    {case}: {why}")


C = Checks()


def make_release(release_dir: Path, tag: str, binary: Path, *, target: str = TARGET, served_differs: bool = False) -> str:
    """The archive and its .sha256 file exactly as release.yml names and lays
    them out; returns the archive's SHA-256 (what the manifest commits). With
    served_differs, the server holds another archive, with a .sha256 file
    that matches it: only the committed hash can tell."""
    name = f"vocera-gate-{tag}-{target}"
    exe = ".exe" if "windows" in target else ""
    ext = "zip" if "windows" in target else "tar.gz"
    d = release_dir / tag
    d.mkdir(parents=True, exist_ok=True)
    archive = d / f"{name}.{ext}"

    def pack(marker: str) -> bytes:
        # A small stand-in that runs the binary under test keeps archives small.
        script = f'#!/bin/sh\n# {marker}\nexec "{binary}" "$@"\n'
        if ext == "zip":
            with zipfile.ZipFile(archive, "w") as z:
                info = zipfile.ZipInfo(f"{name}/vocera-gate{exe}")
                info.external_attr = 0o755 << 16
                z.writestr(info, script)
                z.writestr(f"{name}/README.md", "vocera-gate test archive\n")
        else:
            staging = d / "staging" / name
            staging.mkdir(parents=True, exist_ok=True)
            (staging / "vocera-gate").write_text(script)
            (staging / "vocera-gate").chmod(0o755)
            (staging / "README.md").write_text("vocera-gate test archive\n")
            with tarfile.open(archive, "w:gz") as tar:
                tar.add(staging, arcname=name)
            shutil.rmtree(d / "staging")
        return archive.read_bytes()

    committed = hashlib.sha256(pack(f"release {tag}")).hexdigest()
    served = committed
    if served_differs:
        served = hashlib.sha256(pack(f"replaced after release {tag}")).hexdigest()
    (d / f"{archive.name}.sha256").write_text(f"{served}  {archive.name}\n")
    return committed


def source_sha256(root: Path) -> str:
    """The source hash as release-manifest.txt documents it."""
    files = [f for f in ("Cargo.toml", "Cargo.lock", "build.rs") if (root / f).is_file()]
    files += [p.relative_to(root).as_posix() for d in ("src", "crates") for p in (root / d).rglob("*") if p.is_file() and "target" not in p.relative_to(root).parts]
    listing = "".join(f"{hashlib.sha256((root / f).read_bytes()).hexdigest()}  {f}\n" for f in sorted(files, key=lambda s: s.encode()))
    return hashlib.sha256(listing.encode()).hexdigest()


COPIES = 0


def action_copy(manifest: str, *, source_change: bool = False) -> Path:
    """A copy of the action (action.yml, its source, Cargo files) with this
    release-manifest.txt; returns the path of its action.yml."""
    global COPIES
    COPIES += 1
    d = Path(SCRATCH) / f"action-copy-{COPIES}"
    d.mkdir()
    for f in ("action.yml", "Cargo.toml", "Cargo.lock", "build.rs"):
        if (ROOT / f).is_file():
            shutil.copy2(ROOT / f, d / f)
    shutil.copytree(ROOT / "src", d / "src")
    if (ROOT / "crates").is_dir():  # the workspace's members: built and hashed with src/
        shutil.copytree(ROOT / "crates", d / "crates", ignore=shutil.ignore_patterns("target"))
    if (ROOT / "benches").is_dir():  # Cargo.toml names a bench: cargo wants it there
        shutil.copytree(ROOT / "benches", d / "benches")
    if source_change:
        with open(d / "src" / "main.rs", "a") as f:
            f.write("// changed after the release\n")
    (d / "release-manifest.txt").write_text(manifest)
    return d / "action.yml"


def stand_in(path: Path, binary: Path) -> Path:
    """A script that runs the binary under test (copies of it stay small)."""
    path.write_text(f'#!/bin/sh\nexec "{binary}" "$@"\n')
    path.chmod(0o755)
    return path


def busybox_path() -> Path | None:
    """A folder holding busybox and a link for each of its applets, and
    nothing else: a slim container's PATH (no bash, jq, python or curl)."""
    bb = shutil.which("busybox")
    if bb is None:
        return None
    d = Path(SCRATCH) / "busybox-only"
    if not d.is_dir():
        d.mkdir()
        applets = subprocess.run([bb, "--list"], capture_output=True, text=True).stdout.split()
        for name in ["busybox", *applets]:
            if "/" not in name and not (d / name).exists():
                (d / name).symlink_to(bb)
    return d


def base_env(binary: Path | None, extra: dict | None = None) -> dict:
    """A job environment: none of the caller's API variables leak in."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
        "GITHUB_ACTIONS": "true",
        "CI": "true",
    }
    for k in ("CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"):
        if k in os.environ:
            env[k] = os.environ[k]
    if binary is not None:
        env["VOCERA_GATE_BIN"] = str(binary)
    env.update(extra or {})
    return env


class Case:
    def __init__(self, name: str, result: ActionResult, tmp: Path, work: Path):
        self.name, self.r, self.tmp, self.work = name, result, tmp, work

    def check(self, ok, what, detail=""):
        return C.check(self.name, ok, what, detail)

    def gate_outputs(self) -> dict:
        try:
            return self.r.step("gate").outputs
        except KeyError:
            return {}

    def expect_outputs(self, expected: dict):
        out = self.gate_outputs()
        for k, v in expected.items():
            self.check(out.get(k, "") == v, f"output {k} = {v!r}", f"got {out.get(k)!r}; all outputs: {out}")
            self.check(self.r.outputs.get(k) == v, f"action output {k} = {v!r}", f"got {self.r.outputs.get(k)!r}")

    def expect_exit(self, code: int):
        gate = self.r.step("gate")
        self.check(gate.exit_code == code, f"gate step exits {code}", f"got {gate.exit_code}\nstdout:\n{gate.stdout}\nstderr:\n{gate.stderr}")
        self.check(self.r.exit_code == code, f"action exits {code}", f"got {self.r.exit_code}")
        self.check(self.gate_outputs().get("exit-code") == str(code), f"exit-code output is {code}", f"{self.gate_outputs()}")

    def expect_no_leak(self):
        """The key is in no file, output or log, except the ::add-mask:: command the runner consumes."""
        for s in self.r.steps:
            for line in s.stdout.splitlines():
                if KEY in line and line != f"::add-mask::{KEY}":
                    self.check(False, "the key never appears on stdout", f"step {s.name!r}: {line!r}")
                    return
            if KEY in s.stderr:
                self.check(False, "the key never appears on stderr", f"step {s.name!r}")
                return
            if KEY in s.output_file or KEY in s.summary:
                self.check(False, "the key is in no output or summary file", f"step {s.name!r}")
                return
        for v in self.r.outputs.values():
            if KEY in v:
                self.check(False, "the key is in no action output")
                return
        for path in self.tmp.rglob("*"):
            if path.is_file() and KEY.encode() in path.read_bytes():
                self.check(False, "the key is in no file the action left", str(path))
                return
        self.check(True, "the key appears nowhere but in ::add-mask::")

    def expect_masked_first(self):
        first = self.r.steps[0]
        self.check(
            first.ran and first.stdout.splitlines()[:1] == [f"::add-mask::{KEY}"] and "VOCERA_API_KEY" in first.env,
            "the first step masks the key before anything else runs",
            f"first step {first.name!r} printed {first.stdout[:200]!r}",
        )
        for s in self.r.steps[1:]:
            if s.ran and s.kind == "run" and "VOCERA_API_KEY" in s.env:
                self.check(s.id == "gate", f"only the gate step gets the key (step {s.name!r})")

    def expect_heredoc(self, name: str) -> str | None:
        out = self.r.step("gate")
        delim = out.output_delimiters.get(name)
        self.check(
            delim is not None and len(delim) >= 16 and delim not in out.outputs.get(name, ""),
            f"multi-line output {name} uses a random heredoc delimiter",
            f"delimiter {delim!r}; output file:\n{out.output_file}",
        )
        return delim

    def expect_gate_wrote_outputs(self):
        """Each figure once, written by the gate (--github-output), and the
        action's exit-code and json-path once."""
        f = self.r.step("gate").output_file
        names = [re.split(r"<<|=", ln, maxsplit=1)[0] for ln in f.splitlines() if re.match(r"^[a-z-]+(<<|=)", ln)]
        for n in (*GATE_OUTPUTS, "exit-code", "json-path"):
            self.check(names.count(n) == 1, f"output {n} is written once", f"output file:\n{f}")

    def junit_cases(self, path: str) -> int | None:
        p = Path(path)
        if not p.is_absolute():
            p = self.work / p
        if not p.is_file():
            return None
        return len(ET.parse(p).getroot().findall(".//testcase"))


def run_case(
    name: str,
    service: Service,
    inputs: dict,
    *,
    binary: Path | None,
    github: dict | None = None,
    env: dict | None = None,
    overrides: dict | None = None,
    uses_outputs: dict | None = None,
    uses_effects: dict | None = None,
    stop_after: str | None = None,
    action: Path = ACTION,
    sh: list | None = None,
    files: dict | None = None,
    same_job: "Case | None" = None,
) -> Case:
    if same_job is not None:  # a second call in the same job: same workspace and RUNNER_TEMP
        tmp = same_job.tmp
    else:
        tmp = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=SCRATCH))
    work, temp = tmp / "work", tmp / "runner-temp"
    work.mkdir(exist_ok=True)
    temp.mkdir(exist_ok=True)
    for rel, text in (files or {}).items():  # the checkout: files the inputs name
        (work / rel).write_text(text)
    full = {"api-key": KEY, "base-url": service.url, "poll-interval": "200ms", "max-poll-interval": "500ms", "timeout": "60s"}
    full.update(inputs)
    result = run_action(
        action,
        inputs=full,
        github={"action_ref": "", "action_repository": "", "server_url": "https://github.com", "ref": "refs/heads/topic", "event_name": "push", "token": "", "event": {"repository": {"default_branch": "main"}}, **(github or {})},
        base_env=base_env(binary, env),
        workdir=work,
        runner_temp=temp,
        step_env_overrides=overrides,
        uses_outputs=uses_outputs,
        uses_effects=uses_effects,
        stop_after=stop_after,
        sh=sh,
    )
    case = Case(name, result, tmp, work)
    case.check(not result.policy_violations, "every input reaches the scripts through env:, every step runs in sh", "; ".join(result.policy_violations))
    return case


# ---------------------------------------------------------------- the cases


def gate_cases(service: Service, binary: Path):
    # Passing: two clean runs, IDs separated by a comma and a space.
    c = run_case("pass", service, {"run-ids": "101, 102", "save-response": "saved-runs.json"}, binary=binary)
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed", "score": "0", "runs": "2", "failed-runs": "0", "errored-runs": "0", "dial-numbers": "[]"})
    out = c.gate_outputs()
    c.check(out.get("junit-path", "") != "", "junit-path output is set", str(out))
    c.check(c.junit_cases(out.get("junit-path", "")) == 2, "the JUnit report holds 2 test cases")
    c.check((c.work / "saved-runs.json").is_file(), "save-response wrote saved-runs.json")
    c.check(out.get("json-path", "").endswith("vocera-gate.json"), "json-path output is set", str(out))
    c.check(out.get("reasons", "x") == "", "reasons output is empty when the gate passed", repr(out.get("reasons")))
    c.expect_masked_first()
    c.expect_gate_wrote_outputs()
    c.expect_no_leak()

    # Failing: an unsuccessful run with a high and a medium category, and an errored run.
    fail_inputs = {"run-ids": "101\n201\n202\n", "weights": "high=7, medium=2", "max-score": "5", "junit-path": "reports/junit.xml"}
    c = run_case("fail", service, fail_inputs, binary=binary, env={})
    c.expect_exit(1)
    c.expect_outputs({"verdict": "failed", "score": "9", "runs": "3", "failed-runs": "1", "errored-runs": "1"})
    out = c.gate_outputs()
    c.check(c.junit_cases(out.get("junit-path", "")) == 3, "the JUnit report (junit-path input) holds 3 test cases", str(out))
    reasons = out.get("reasons", "")
    c.check(len(reasons.splitlines()) >= 2, "reasons holds one reason a line", repr(reasons))
    d1 = c.expect_heredoc("reasons")
    gate = c.r.step("gate")
    errors = [ln for ln in gate.stdout.splitlines() if ln.startswith("::error")]
    c.check(1 <= len(errors) <= 10, "the gate prints ::error annotations (GITHUB_ACTIONS=true)", gate.stdout[-2000:])
    c.check(gate.summary.strip() != "", "the gate appends a job summary to GITHUB_STEP_SUMMARY")
    c.expect_no_leak()

    # The same with report-only: the step passes, the verdict still says failed.
    c = run_case("report-only", service, {**fail_inputs, "report-only": "true"}, binary=binary)
    c.expect_exit(0)
    c.expect_outputs({"verdict": "failed", "score": "9", "failed-runs": "1", "errored-runs": "1"})
    d2 = c.expect_heredoc("reasons")
    c.check(d1 is not None and d1 != d2, "each run draws a new delimiter", f"{d1} vs {d2}")
    c.expect_no_leak()

    # The same outputs from the gate alone, in the shells the action meets:
    # busybox sh with only busybox on PATH (an Alpine container: no bash, jq,
    # python or curl), and bash as sh (macOS's sh, Git for Windows' sh).
    bb = busybox_path()
    if bb is None:
        C.skip("slim-gate", "busybox is not installed: the slim-container gate case NOT RUN")
    else:
        c = run_case("slim-gate", service, fail_inputs, binary=binary, env={"PATH": str(bb)}, sh=[str(bb / "sh")])
        c.check(not any((bb / x).exists() for x in ("bash", "jq", "python3", "python", "curl")), "no bash, jq, python or curl on this PATH")
        c.expect_exit(1)
        c.expect_outputs({"verdict": "failed", "score": "9", "runs": "3", "failed-runs": "1", "errored-runs": "1"})
        c.check(c.gate_outputs().get("reasons") == reasons, "reasons are the same as in dash", repr(c.gate_outputs().get("reasons")))
        c.expect_heredoc("reasons")
        c.expect_gate_wrote_outputs()
        c.expect_no_leak()
    bash_sh = Path(SCRATCH) / "bash-as-sh"
    bash_sh.mkdir(exist_ok=True)
    if not (bash_sh / "sh").exists():
        (bash_sh / "sh").symlink_to(shutil.which("bash"))
    c = run_case("bash-as-sh", service, fail_inputs, binary=binary, sh=[str(bash_sh / "sh")])
    c.expect_exit(1)
    c.expect_outputs({"verdict": "failed", "score": "9", "reasons": reasons})
    c.expect_gate_wrote_outputs()

    # Extra args come after the inputs, so they override them.
    c = run_case("args", service, {"run-ids": "101 201", "max-score": "0", "args": "--max-score 100\n--max-failed-runs 1 -q"}, binary=binary)
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed", "score": "13", "runs": "2", "failed-runs": "1"})
    c.expect_no_leak()

    # Thresholds, one a line (spaces kept inside, blank lines and CRs dropped).
    c = run_case("thresholds", service, {"run-ids": "101", "thresholds": "Latency <= 4000\r\n\n  p95(Latency)<=3000  \n"}, binary=binary)
    c.expect_exit(1)
    c.expect_outputs({"verdict": "failed", "runs": "1", "failed-runs": "0"})
    reasons = c.gate_outputs().get("reasons", "")
    c.check(reasons == "threshold p95(Latency)<=3000: measured 3024.03, limit <= 3000", "the p95 threshold failed the gate, the per-run one held", repr(reasons))

    # A baseline: run 201's failure is known on main, so only a regression fails.
    known = Path(SCRATCH) / "baseline-known.json"
    known.write_text(json.dumps([RUNS[101], RUNS[201]]))
    c = run_case("baseline-known", service, {"run-ids": "101 201", "max-score": "100", "max-failed-runs": "0", "baseline": str(known)}, binary=binary)
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed", "regressions": ""})
    passing = Path(SCRATCH) / "baseline-passing.json"
    passing.write_text(json.dumps([RUNS[101], {**RUNS[201], "success": True, "critical_categories": []}]))
    c = run_case("baseline-regression", service, {"run-ids": "101 201", "max-score": "100", "baseline": str(passing)}, binary=binary)
    c.expect_exit(1)
    c.expect_outputs({"verdict": "failed", "regressions": "Verifies the caller"})
    c.expect_no_leak()

    # A run never finishes: exit 3.
    c = run_case("timed-out", service, {"run-ids": "101,301", "timeout": "1s", "max-poll-interval": "200ms"}, binary=binary)
    c.expect_exit(3)
    c.expect_outputs({"verdict": "timed-out", "runs": "2"})
    c.check(c.gate_outputs().get("unfinished-runs") == "1", "unfinished-runs = 1", str(c.gate_outputs()))
    c.expect_no_leak()

    # A refused key: exit 4, verdict error.
    c = run_case("bad-key", service, {"run-ids": "101", "api-key": KEY + "-wrong"}, binary=binary)
    c.expect_exit(4)
    c.check(c.gate_outputs().get("verdict") == "error", "verdict is error", str(c.gate_outputs()))

    # An "ID" that looks like a flag stays an ID (exit 2), and no JSON: verdict error.
    before = len(service.requests)
    c = run_case("flag-in-ids", service, {"run-ids": "101 --base-url=http://127.0.0.1:9"}, binary=binary)
    c.expect_exit(2)
    c.expect_outputs({"verdict": "error", "score": "", "junit-path": ""})
    c.check(len(service.requests) == before, "nothing was requested")
    c.expect_no_leak()

    # Shell syntax in inputs is data, never code.
    c = run_case(
        "injection",
        service,
        {"run-ids": "101", "timeout": "1s$(touch pwned1)`touch pwned2`", "args": "--max-score 1;touch${IFS}pwned3 *"},
        binary=binary,
    )
    c.expect_exit(2)
    c.check(not any(c.tmp.rglob("pwned*")), "no input was executed as shell code")
    c.expect_outputs({"verdict": "error"})

    # report-only must be a boolean.
    c = run_case("bad-report-only", service, {"run-ids": "101", "report-only": "maybe"}, binary=binary)
    c.expect_exit(2)
    c.check("report-only must be true or false" in c.r.step("gate").stdout, "a bad report-only is named in an ::error")

    # Starting runs: the inputs become the start request, the gate then
    # judges the runs it answered with and names them in its outputs.
    starts = lambda: [r for r in service.requests if r.get("method") == "POST" and r["path"] == START_PATH]
    before = len(starts())
    start_inputs = {"agent-id": "42", "scenarios": "67, 68", "frequency": "1", "run-name": "nightly build"}
    c = run_case("start", service, start_inputs, binary=binary, env={"GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"})
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed", "runs": "2", "result-id": "9876", "run-ids": "101,102"})
    posted = starts()[before:]
    c.check(len(posted) == 1, "one start request", str(posted))
    if posted:
        body = json.loads(posted[0]["body"] or b"{}")
        name = body.pop("name", "")
        want = {"agent_id": 42, "scenarios": [67, 68], "frequency": 1}
        c.check(body == want, "the start request's body is built from the inputs", repr(body))
        # The gate makes every result's name unique: the CI run and a token follow.
        c.check(name.startswith("nightly build (") and name.endswith(")"), "the run name leads the result's name", repr(name))
    c.check("started result 9876: 2 runs" in c.r.step("gate").stderr, "the result is announced at once", c.r.step("gate").stderr[-1000:])
    c.expect_gate_wrote_outputs()
    c.expect_no_leak()

    # A dry run starts nothing and passes.
    before = len(starts())
    c = run_case("start-dry-run", service, {"agent-id": "42", "tags": "smoke", "dry-run": "true"}, binary=binary)
    c.expect_exit(0)
    c.expect_outputs({"verdict": "dry-run", "result-id": ""})
    c.check(len(starts()) == before, "nothing was started")
    c.check('"tags": [' in c.r.step("gate").stdout, "the request is printed", c.r.step("gate").stdout[-1000:])
    c.expect_no_leak()

    # Two sources of runs: exit 2 before any request.
    before = len(service.requests)
    c = run_case("start-and-ids", service, {"run-ids": "101", "agent-id": "42", "scenarios": "67"}, binary=binary)
    c.expect_exit(2)
    c.check(len(service.requests) == before, "nothing was requested")

    # No key at all: the gate says so (exit 2), CEKURA_API_KEY is let through.
    c = run_case("cekura-key", service, {"run-ids": "101", "api-key": ""}, binary=binary, env={"CEKURA_API_KEY": KEY})
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed"})


def fake_cargo(binary: Path) -> Path:
    """A folder with a stand-in `cargo` that logs its arguments and "builds"
    a stand-in of the binary under test into --target-dir."""
    d = Path(SCRATCH) / "fake-cargo"
    if not d.is_dir():
        d.mkdir()
        (d / "cargo").write_text(
            "#!/bin/sh\n"
            'printf "%s\\n" "$*" >> "${FAKE_CARGO_LOG:-/dev/null}"\n'
            'dir=""; prev=""\n'
            'for a in "$@"; do if [ "$prev" = --target-dir ]; then dir="$a"; fi; prev="$a"; done\n'
            'mkdir -p "$dir/release"\n'
            f"printf '#!/bin/sh\\nexec \"%s\" \"$@\"\\n' '{binary}' > \"$dir/release/vocera-gate\"\n"
            'chmod +x "$dir/release/vocera-gate"\n'
        )
        (d / "cargo").chmod(0o755)
    return d


def install_cases(service: Service, binary: Path, release_dir: Path):
    releases = {"VOCERA_GATE_TEST_ONLY_RELEASES_URL": f"{service.url}/releases/download"}
    gh = {"action_repository": "example/vocera-gate"}
    sha_ref = hashlib.sha1(os.urandom(8)).hexdigest()  # a commit SHA, as zizmor asks users to pin
    src_hash = source_sha256(ROOT)
    version = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
    win = "x86_64-pc-windows-msvc"

    h999 = make_release(release_dir, "v9.9.9", binary)
    h999w = make_release(release_dir, "v9.9.9", binary, target=win)
    h998 = make_release(release_dir, "v9.9.8", binary, served_differs=True)
    manifest = (
        "# test manifest\n"
        f"release v9.9.8 {'0' * 64}\n"
        f"sha256 v9.9.8 {TARGET} {h998}\n"
        f"release v9.9.9 {src_hash}\n"
        f"sha256 v9.9.9 {TARGET} {h999}\n"
        f"sha256 v9.9.9 {win} {h999w}\n"
        f"release v9.9.7 {'1' * 64}\n"
        f"sha256 v9.9.7 {TARGET} {'2' * 64}\n"
        "alias latest v9.9.8\nalias v9 v9.9.8\nalias v9.9 v9.9.8\n"
        "alias latest v9.9.9\nalias v9 v9.9.9\nalias v9.9 v9.9.9\n"
    )
    action = action_copy(manifest)
    c = C.check("install", source_sha256(action.parent) == src_hash, "the copy of the action has the repository's source hash")

    def install(name, inputs=None, github=None, env=None, **kw) -> Case:
        return run_case(name, service, {"run-ids": "101", **(inputs or {})}, binary=None, github={**gh, **(github or {})}, env={**releases, **(env or {})}, action=kw.pop("action", action), **kw)

    def installed(c: Case, tag: str, target: str = TARGET, how: str = ""):
        inst = c.r.step("install")
        c.check(inst.exit_code == 0 and inst.outputs.get("build") == "false", f"installs release {tag}", inst.stdout + inst.stderr)
        c.check(f"SHA-256 verified against release-manifest.txt" in inst.stdout, "the archive is checked against the committed hash", inst.stdout)
        c.check(inst.outputs.get("bin", "").endswith("/vocera-gate-bin/vocera-gate" + (".exe" if "windows" in target else "")), "the binary is put where the gate step runs it", str(inst.outputs))
        if how:
            c.check(how in inst.stdout, f"the log says the release came from {how!r}", inst.stdout)
        c.check(service.downloads[-1:] == [f"{tag}/vocera-gate-{tag}-{target}.{'zip' if 'windows' in target else 'tar.gz'}"], f"the {target} archive of {tag} was downloaded", str(service.downloads[-3:]))
        c.check(not any(d.endswith(".sha256") for d in service.downloads), "no .sha256 file of a release is ever fetched", str(service.downloads))

    def built(c: Case, why: str = ""):
        inst = c.r.step("install")
        c.check(inst.exit_code == 0 and inst.outputs.get("build") == "true", "falls back to a source build", inst.stdout + inst.stderr)
        c.check("bin" not in inst.outputs, "no downloaded binary is offered", str(inst.outputs))
        if why:
            c.check(why in inst.outputs.get("reason", ""), f"and says why: {why!r}", repr(inst.outputs.get("reason")))

    # A release tag: downloaded, checked against the manifest, run.
    c = install("release-tag", github={"action_ref": "v9.9.9"})
    installed(c, "v9.9.9", how="the action's ref")
    c.check(not c.r.step("build").ran and not c.r.step("cache-restore").ran, "no source build, no cache")
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed", "runs": "1"})
    c.expect_no_leak()

    # Pinned by commit SHA: the source is v9.9.9's, so that is the release.
    c = install("sha-pinned", github={"action_ref": sha_ref})
    installed(c, "v9.9.9", how="whose source is that release's")
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed", "runs": "1"})
    c.expect_gate_wrote_outputs()

    # A SHA whose source is no release's: built, and the log says why.
    changed = action_copy(manifest, source_change=True)
    before = len(service.downloads)
    c = install("sha-unreleased", github={"action_ref": sha_ref}, action=changed, stop_after="install")
    built(c, "is not a release in its release-manifest.txt")
    c.check(len(service.downloads) == before, "nothing was downloaded")

    # A moving major tag, and the version input: resolved through the aliases.
    c = install("major-tag", github={"action_ref": "v9"}, stop_after="install")
    installed(c, "v9.9.9", how="release-manifest.txt points at")
    c = install("version-latest", inputs={"version": "latest"}, github={"action_ref": "main"}, stop_after="install")
    installed(c, "v9.9.9", how="the version input latest")
    c = install("version-number", inputs={"version": "9.9"}, github={"action_ref": sha_ref}, stop_after="install")
    installed(c, "v9.9.9", how="the version input v9.9")

    # The served archive is not the released one, though the release's own
    # .sha256 file says it is: the committed hash refuses it.
    c = install("replaced-archive", github={"action_ref": "v9.9.8"}, stop_after="install")
    built(c, "as committed in release-manifest.txt")
    inst = c.r.step("install")
    c.check("::warning" in inst.stdout and "cannot be used" in inst.stdout, "the refusal is a ::warning", inst.stdout)

    # In the manifest but not on the server (a 404): built, with the reason.
    c = install("missing-archive", github={"action_ref": "v9.9.7"}, stop_after="install")
    built(c, "could not be downloaded")
    c.check("404" in c.r.step("install").outputs.get("reason", ""), "the reason quotes the HTTP error", repr(c.r.step("install").outputs.get("reason")))

    # An explicit version that cannot be had: the step fails, and says so.
    c = install("explicit-missing", inputs={"version": "v9.9.6"}, github={"action_ref": "main"}, stop_after="install")
    inst = c.r.step("install")
    c.check(inst.exit_code == 1 and "::error" in inst.stdout and "v9.9.6 is not in this action's release-manifest.txt" in inst.stdout, "an explicit version that is no release fails the step", inst.stdout)
    c = install("explicit-bad", inputs={"version": "v9;rm -rf /"}, github={"action_ref": "main"}, stop_after="install")
    inst = c.r.step("install")
    c.check(inst.exit_code == 2 and "version must be a release" in inst.stdout, "a version that is no version is refused", inst.stdout)
    # ... unless it is the action's own source version: then it is built.
    c = install("explicit-own-source", inputs={"version": version}, github={"action_ref": "main"}, stop_after="install")
    built(c, f"v{version} is not in this action's release-manifest.txt")

    # Platforms: Windows on ARM64 runs the x64 build; an unknown one builds.
    c = install("windows-arm64", github={"action_ref": "v9.9.9"}, env={"RUNNER_OS": "Windows", "RUNNER_ARCH": "ARM64"}, stop_after="install")
    installed(c, "v9.9.9", target=win)
    before = len(service.downloads)
    c = install("odd-platform", github={"action_ref": "v9.9.9"}, env={"RUNNER_ARCH": "ARM"}, stop_after="install")
    built(c, "no release binary for Linux/ARM")
    c = install("branch-ref", github={"action_ref": "main"}, action=changed, stop_after="install")
    built(c, "'main' is not a release")
    c.check(len(service.downloads) == before, "neither downloaded anything")

    # The empty manifest this repository holds until its first release.
    c = install("empty-manifest", github={"action_ref": "v0.1.0"}, action=ACTION, stop_after="install")
    built(c, "(releases: none yet)")

    # A slim container: busybox sh, wget, sha256sum and tar, nothing else.
    bb = busybox_path()
    if bb is None:
        C.skip("slim", "busybox is not installed: the slim-container install cases NOT RUN")
    else:
        c = install("slim", github={"action_ref": sha_ref}, env={"PATH": str(bb)}, sh=[str(bb / "sh")])
        installed(c, "v9.9.9")
        c.expect_exit(0)
        c.expect_outputs({"verdict": "passed", "runs": "1", "exit-code": "0"})
        c.expect_gate_wrote_outputs()
        c.expect_no_leak()
        # Without wget or curl, and without cargo: the error says what failed.
        nodl = Path(SCRATCH) / "busybox-without-wget"
        if not nodl.is_dir():
            nodl.mkdir()
            for f in bb.iterdir():
                if f.name != "wget":
                    (nodl / f.name).symlink_to(os.readlink(f))
        c = install("slim-no-download", github={"action_ref": "v9.9.9"}, env={"PATH": str(nodl)}, sh=[str(nodl / "sh")])
        built(c, "neither curl nor wget is installed")
        b = c.r.step("build")
        c.check(b.exit_code == 1 and "release v9.9.9 cannot be used (" in b.stdout and "neither curl nor wget" in b.stdout, "the build step's error says why the release could not be used", b.stdout)
        c.check("use a release" not in b.stdout, "and does not tell a user of a release tag to use one", b.stdout)
        c.check(c.r.exit_code == 1 and not c.r.step("gate").ran, "the action fails before the gate")

    # No release for a branch, no cargo: the error says both.
    c = install("no-cargo", github={"action_ref": "main"}, action=changed, env={"PATH": str(bb) if bb else "/usr/bin:/bin"})
    b = c.r.step("build")
    c.check(b.exit_code == 1 and "'main' is not a release" in b.stdout and "add a Rust toolchain" in b.stdout, "without cargo, the error says why there is no release binary and what to do", b.stdout)

    # The source build (a stand-in cargo): the registry cache is restored,
    # checked, saved before the gate runs; the gate fails, the cache is saved.
    cargo_dir = fake_cargo(binary)
    cargo_home = Path(SCRATCH) / "cargo-home"
    crates = cargo_home / "registry" / "cache" / "a-registry"
    crates.mkdir(parents=True)
    real = next((p for p in (Path.home() / ".cargo" / "registry" / "cache").glob("*/*.crate")), None)
    locked = dict(re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"\nsource = "registry[^"]*"\nchecksum', (ROOT / "Cargo.lock").read_text()))
    poisoned_name = next(iter(locked))
    (crates / f"{poisoned_name}-{locked[poisoned_name]}.crate").write_bytes(b"not the crate Cargo.lock names")
    kept = None
    if real is not None and re.search(rf'checksum = "{hashlib.sha256(real.read_bytes()).hexdigest()}"', (ROOT / "Cargo.lock").read_text()):
        kept = crates / real.name
        shutil.copy2(real, kept)
    log = Path(SCRATCH) / "fake-cargo.log"
    env = {"PATH": f"{cargo_dir}{os.pathsep}{os.environ.get('PATH', '')}", "CARGO_HOME": str(cargo_home), "FAKE_CARGO_LOG": str(log), "VOCERA_GATE_TARGET_DIR": str(Path(SCRATCH) / "fake-target")}
    fail = {"run-ids": "101 201 202"}
    c = install("build-gate-fails", inputs=fail, github={"action_ref": "main"}, action=changed, env=env)
    restore, build, save, gate = (c.r.step(s) for s in ("cache-restore", "build", "cache-save", "gate"))
    key = restore.with_.get("key", "")
    c.check(restore.ran and re.fullmatch(r"vocera-gate-cargo-Linux-X64-[0-9a-f]{16}", key) is not None, "the registry cache is restored, keyed by OS, arch and Cargo.lock", key)
    paths = restore.with_.get("path", "").split()
    c.check(paths == [f"{cargo_home}/registry/index/", f"{cargo_home}/registry/cache/"], "only Cargo's registry index and .crate files are cached, never a build", str(paths))
    c.check(build.exit_code == 0 and "--release --locked" in log.read_text(), "cargo build --release --locked", log.read_text() if log.exists() else "no cargo call")
    c.check(not (crates / f"{poisoned_name}-{locked[poisoned_name]}.crate").exists() and "is not the one Cargo.lock names" in build.stdout, "a cached .crate that is not Cargo.lock's is removed before the build", build.stdout)
    if kept is not None:
        c.check(kept.exists(), "a cached .crate with Cargo.lock's checksum is kept")
    c.check(save.ran and save.index < gate.index, "the cache is saved after the build, before the gate", f"save ran={save.ran}")
    c.check(save.with_.get("path") == restore.with_.get("path") and save.with_.get("key") == key, "with the restore step's paths and key", f"{save.with_}")
    c.expect_exit(1)
    c.expect_outputs({"verdict": "failed"})
    c.check(c.r.exit_code == 1, "the failing gate fails the action, and the cache was saved all the same")
    c.expect_no_leak()
    # An exact cache hit is not saved again.
    c = install("build-cache-hit", github={"action_ref": "main"}, action=changed, env=env, uses_outputs={"cache-restore": {"cache-hit": "true"}})
    c.check(c.r.step("build").exit_code == 0 and not c.r.step("cache-save").ran, "an exact cache hit is not saved again")
    c.expect_exit(0)


def release_manifest_cases():
    """release.yml's step that appends a release to release-manifest.txt,
    run with bash on a copy of the repository's files and fake archives."""
    import yaml

    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    steps = [s for s in wf["jobs"]["publish"]["steps"] if s.get("name") == "Append the release to release-manifest.txt"]
    C.check("release", len(steps) == 1, "release.yml has the manifest step")
    if not steps:
        return
    work = Path(SCRATCH) / "release-work"
    work.mkdir()
    for f in ("Cargo.toml", "Cargo.lock", "release-manifest.txt"):
        shutil.copy2(ROOT / f, work / f)
    shutil.copytree(ROOT / "src", work / "src")
    if (ROOT / "crates").is_dir():
        shutil.copytree(ROOT / "crates", work / "crates", ignore=shutil.ignore_patterns("target"))
    targets = ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl", "x86_64-apple-darwin", "aarch64-apple-darwin", "x86_64-pc-windows-msvc"]

    def release(tag: str) -> dict:
        shutil.rmtree(work / "dist", ignore_errors=True)
        (work / "dist").mkdir()
        hashes = {}
        for t in targets:
            f = work / "dist" / f"vocera-gate-{tag}-{t}.{'zip' if 'windows' in t else 'tar.gz'}"
            f.write_bytes(f"{tag} {t}".encode())
            hashes[t] = hashlib.sha256(f.read_bytes()).hexdigest()
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", steps[0]["run"]], cwd=work, env={**os.environ, "TAG": tag}, capture_output=True, text=True)
        C.check("release", p.returncode == 0, f"the manifest step appends {tag}", p.stdout + p.stderr)
        return hashes

    def records(kind: str) -> list:
        return [ln.split()[1:] for ln in (work / "release-manifest.txt").read_text().splitlines() if ln.split()[:1] == [kind]]

    hashes = release("v1.2.3")
    C.check("release", records("release") == [["v1.2.3", source_sha256(ROOT)]], "the release record holds the source hash action.yml computes", str(records("release")))
    C.check("release", sorted(records("sha256")) == sorted([["v1.2.3", t, h] for t, h in hashes.items()]), "one sha256 record a target", str(records("sha256")))
    C.check("release", "No release has been published yet" not in (work / "release-manifest.txt").read_text(), "the 'no release yet' line goes")
    release("v1.2.4")
    release("v1.1.9")  # a fix to an older line moves only that line's alias
    release("v1.3.0-rc.1")  # a prerelease moves none
    aliases = {a: v for a, v in records("alias")}
    C.check("release", aliases == {"latest": "v1.2.4", "v1": "v1.2.4", "v1.2": "v1.2.4", "v1.1": "v1.1.9"}, "latest and each line's alias follow the newest release", str(records("alias")))
    C.check("release", len(records("alias")) == 4, "an alias is rewritten, not repeated", str(records("alias")))
    C.check("release", [r[0] for r in records("release")] == ["v1.2.3", "v1.2.4", "v1.1.9", "v1.3.0-rc.1"], "releases in the order published")


def source_build_case(service: Service):
    env = {"VOCERA_GATE_TARGET_DIR": str(ROOT / "target")}
    for attempt in ("source-build", "source-build-again"):
        c = run_case(attempt, service, {"run-ids": "101, 102"}, binary=None, github={"action_ref": "main", "action_repository": "example/vocera-gate"}, env=env, action=action_copy("", source_change=True))
        b = c.r.step("build")
        c.check(b.exit_code == 0 and b.outputs.get("bin", "").endswith("/vocera-gate-bin/vocera-gate"), "the build step builds the release binary", b.stdout[-3000:] + b.stderr[-3000:])
        c.expect_exit(0)
        c.expect_outputs({"verdict": "passed", "runs": "2"})
        c.expect_no_leak()


def static_checks():
    """What can be seen from action.yml and the workflows themselves."""
    text = ACTION.read_text()
    import yaml

    action = yaml.safe_load(text)
    steps = action["runs"]["steps"]
    shells = [["dash"], ["bash", "--posix"]] + ([["busybox", "sh"]] if shutil.which("busybox") else [])
    for s in steps:
        if "run" in s:
            for sh in shells:
                if shutil.which(sh[0]):
                    code = subprocess.run([*sh, "-n"], input=s["run"], text=True, capture_output=True)
                    C.check("static", code.returncode == 0, f"step {s.get('name')!r} is valid sh for {' '.join(sh)}", code.stderr)
            C.check("static", "${{" not in s["run"], f"step {s.get('name')!r} has no ${{{{ }}}} in its script")
            C.check("static", s.get("shell") == "sh", f"step {s.get('name')!r} uses shell: sh (slim containers have no bash)")
            C.check("static", "--api-key" not in s["run"], f"step {s.get('name')!r} never puts the key on a command line")
            for tool in ("jq", "python", "curl -"):
                used = re.search(rf"(^|[\s;|(]){re.escape(tool)}", s["run"], re.M) is not None and tool != "curl -"
                C.check("static", not used, f"step {s.get('name')!r} does not need {tool.strip(' -')}")
    C.check("static", "VOCERA_API_KEY" in (steps[0].get("env") or {}) and "add-mask" in steps[0].get("run", ""), "the first step masks the key")
    with_key = [s.get("name") for s in steps if any("inputs.api-key" in str(v) for v in (s.get("env") or {}).values())]
    C.check("static", with_key == [steps[0].get("name"), "Run vocera-gate"], "only the mask and gate steps get the key", str(with_key))
    scripts = [(f"action.yml: {s.get('name')}", "sh", s["run"]) for s in steps if "run" in s]
    uses = [("action.yml", s["uses"], s) for s in steps if "uses" in s]
    for wf in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        for job_id, job in (yaml.safe_load(wf.read_text()).get("jobs") or {}).items():
            for i, s in enumerate(job.get("steps") or []):
                if "uses" in s:
                    uses.append((f"{wf.name}: {job_id}", s["uses"], s))
                if "run" in s and "${{" not in s["run"]:
                    scripts.append((f"{wf.name}: {job_id} step {i}", s.get("shell", "bash"), s["run"]))
                elif "run" in s:
                    C.check("static", "${{" not in s["run"], f"{wf.name}: {job_id} step {i} has no ${{{{ }}}} in its script")
    lines = {}
    for f in [ACTION, *sorted((ROOT / ".github" / "workflows").glob("*.yml"))]:
        for ln in f.read_text().splitlines():
            m = re.match(r"\s*(?:- )?uses:\s*(\S+)(.*)$", ln)
            if m:
                lines.setdefault(m.group(1), m.group(2))
    for where, ref, step in uses:
        if ref.startswith("./"):
            continue
        pinned = re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref) is not None
        comment = re.fullmatch(r"\s*# (v?\d+(\.\d+)*|stable)", lines.get(ref, "")) is not None
        C.check("static", pinned and comment, f"{where}: {ref.split('@')[0]} is pinned by commit SHA, the version in a comment", f"{ref}{lines.get(ref, '')}")
        if ref.startswith("actions/checkout@"):
            C.check("static", (step.get("with") or {}).get("persist-credentials") is False, f"{where}: checkout keeps no credentials (persist-credentials: false)")
    if shutil.which("shellcheck"):
        for label, shell, script in scripts:
            sc = subprocess.run(["shellcheck", "-S", "warning", "-s", shell, "-"], input=script, text=True, capture_output=True)
            C.check("static", sc.returncode == 0, f"shellcheck -s {shell}: {label}", sc.stdout)
    else:
        C.skip("static", "shellcheck is not installed: the scripts are not linted")
    # Not required: check-only runs without it (a fork's pull request has no
    # secrets); everything else is refused by the gate itself without a key.
    C.check("static", "api-key" in action["inputs"] and action["inputs"]["api-key"].get("required") is False, "api-key is not a required input (check-only needs none)")
    C.check("static", action["inputs"].get("channel", {}).get("default") == "voice" and action["inputs"].get("check-only", {}).get("default") == "false", "channel defaults to voice, check-only to false")
    m = re.search(r"^\s*interface=v(\S+)$", text, re.M)
    cargo = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M)
    def vkey(v):
        return tuple(int(x) for x in v.split("-")[0].split("."))
    C.check("static", m is not None and cargo is not None and vkey(m.group(1)) <= vkey(cargo.group(1)), "the interface version of action.yml is not newer than Cargo.toml's", f"{m and m.group(1)} vs {cargo and cargo.group(1)}")
    for name in ("upload-reports", "suite", "channel", "check-only", "run-ids", "api-key", "base-url", "timeout", "poll-interval", "max-poll-interval", "junit-path", "max-score", "max-failed-runs", "weights", "thresholds", "baseline", "report-only", "save-response", "args", "version"):
        C.check("static", name in action["inputs"], f"input {name} is declared")
    for name in (*GATE_OUTPUTS, "exit-code", "json-path"):
        C.check("static", name in action["outputs"] and action["outputs"][name]["value"] == f"${{{{ steps.gate.outputs.{name} }}}}", f"output {name} is the gate step's")
    C.check("static", action["inputs"]["junit-path"].get("default") == "vocera-junit.xml", "junit-path defaults to vocera-junit.xml")
    manifest = (ROOT / "release-manifest.txt").read_text()
    bad = [ln for ln in manifest.splitlines() if ln and not ln.startswith("#") and not re.fullmatch(r"(release \S+ [0-9a-f]{64}|sha256 \S+ \S+ [0-9a-f]{64}|alias \S+ \S+)", ln)]
    C.check("static", not bad, "release-manifest.txt holds only well-formed records", str(bad))


def example_cases(service: Service, binary: Path):
    """The gate commands of examples/gitlab-ci.yml and examples/Jenkinsfile, run
    with sh as those CI systems would (their download steps are left out)."""
    import yaml

    gitlab = yaml.safe_load((ROOT / "examples" / "gitlab-ci.yml").read_text())["vocera-gate"]
    jenkins = (ROOT / "examples" / "Jenkinsfile").read_text()
    m = re.search(r"sh\(returnStatus: true, script: '''(.*?)'''\)", jenkins, re.S)
    C.check("examples", m is not None, "the Jenkinsfile's gate script is found")
    if m is None:
        return
    # A Groovy ''' string turns \\ into \ (and leaves $ to the shell).
    jenkins_script = m.group(1).replace("\\\\", "\\")
    for ids, code in (("101,102", 0), ("101 201 202", 1)):
        for system in ("gitlab", "jenkins", "jenkins-report-only"):
            work = Path(tempfile.mkdtemp(prefix=f"example-{system}-", dir=SCRATCH))
            bindir = work / "bin"
            bindir.mkdir()
            (bindir / "vocera-gate").symlink_to(binary)
            (work / "vocera-gate").symlink_to(binary)
            env = base_env(None, {"VOCERA_API_KEY": KEY, "VOCERA_BASE_URL": service.url, "VOCERA_RUN_IDS": ids, "REPORT_ONLY": "false"})
            for k in ("GITHUB_ACTIONS", "RUNNER_OS", "RUNNER_ARCH"):
                env.pop(k)
            env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
            if system == "gitlab":
                script = "\n".join(["set -e"] + gitlab["script"])
            else:
                script = jenkins_script
                if system == "jenkins-report-only":
                    env["REPORT_ONLY"] = "true"
            want = 0 if system == "jenkins-report-only" else code
            label = f"{system} with runs {ids}"
            shell = ["sh", "-c"] if system == "gitlab" else ["sh", "-xe", "-c"]  # Jenkins runs sh -xe
            p = subprocess.run([*shell, script], cwd=work, env=env, capture_output=True, text=True, timeout=120)
            C.check("examples", p.returncode == want, f"{label}: exit {want}", p.stdout + p.stderr)
            C.check(
                "examples",
                (work / "vocera-junit.xml").is_file() and (work / "vocera-runs.json").is_file(),
                f"{label}: the JUnit report and the saved response are written",
            )
            if system == "gitlab":
                missing = [a for a in gitlab["artifacts"]["paths"] if not (work / a).is_file()]
                C.check("examples", not missing, f"{label}: every artifact path exists", str(missing))
            C.check("examples", KEY not in p.stdout + p.stderr, f"{label}: the key is not printed")
    art = gitlab["artifacts"]
    C.check("examples", art["when"] == "always" and art["reports"]["junit"] == "vocera-junit.xml", "gitlab keeps the JUnit report always")
    C.check("examples", "rules" not in gitlab and "stages" not in yaml.safe_load((ROOT / "examples" / "gitlab-ci.yml").read_text()), "gitlab: no rules on a variable a dotenv report would set, no stages of its own")
    C.check("examples", gitlab["stage"] == "test", "gitlab: the job is in the test stage")

    # The start-and-gate variants: the runs are started in the same job, then gated.
    start_job = yaml.safe_load((ROOT / "examples" / "gitlab-ci.yml").read_text()).get("vocera-gate-start", {})
    C.check("examples", start_job.get("before_script") == gitlab["before_script"], "gitlab: the start job installs like the gate job")
    C.check("examples", start_job.get("artifacts") is not None and start_job["artifacts"].get("when") == "always", "gitlab: the start job keeps its reports always")
    for system in ("gitlab-start", "jenkins-start"):
        work = Path(tempfile.mkdtemp(prefix=f"example-{system}-", dir=SCRATCH))
        bindir = work / "bin"
        bindir.mkdir()
        (bindir / "vocera-gate").symlink_to(binary)
        (work / "vocera-gate").symlink_to(binary)
        env = base_env(None, {"VOCERA_API_KEY": KEY, "VOCERA_BASE_URL": service.url, "VOCERA_RUN_IDS": "", "REPORT_ONLY": "false",
                              "VOCERA_AGENT_ID": "42", "VOCERA_SCENARIOS": "67,68", "VOCERA_FREQUENCY": "1"})
        for k in ("GITHUB_ACTIONS", "RUNNER_OS", "RUNNER_ARCH"):
            env.pop(k)
        env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
        script = "\n".join(["set -e"] + start_job.get("script", [])) if system == "gitlab-start" else jenkins_script
        shell = ["sh", "-c"] if system == "gitlab-start" else ["sh", "-xe", "-c"]
        before = len([r for r in service.requests if r.get("method") == "POST"])
        p = subprocess.run([*shell, script], cwd=work, env=env, capture_output=True, text=True, timeout=120)
        C.check("examples", p.returncode == 0, f"{system}: starts the runs and passes", p.stdout + p.stderr)
        C.check("examples", "started result 9876: 2 runs" in p.stderr, f"{system}: the result is announced", p.stderr[-1000:])
        posted = [r for r in service.requests if r.get("method") == "POST"][before:]
        body = json.loads(posted[0]["body"]) if len(posted) == 1 else None
        C.check("examples", body is not None and body.get("agent_id") == 42 and body.get("scenarios") == [67, 68] and body.get("frequency") == 1, f"{system}: one start request with the agent and scenarios", str(posted))
        result = json.loads((work / "vocera-gate.json").read_text()) if (work / "vocera-gate.json").is_file() else {}
        C.check("examples", result.get("result_id") == 9876, f"{system}: the JSON names the result", str(result)[:300])
        C.check("examples", KEY not in p.stdout + p.stderr, f"{system}: the key is not printed")

    # Without run IDs (a dotenv variable never set, or blank), the GitLab job
    # says so and fails with a usage error, as the Action and Jenkins do.
    for blank in ("", " , \n"):
        work = Path(tempfile.mkdtemp(prefix="example-gitlab-no-ids-", dir=SCRATCH))
        env = base_env(None, {"VOCERA_API_KEY": KEY, "VOCERA_BASE_URL": service.url, "VOCERA_RUN_IDS": blank})
        p = subprocess.run(["sh", "-c", "\n".join(["set -e"] + gitlab["script"])], cwd=work, env=env, capture_output=True, text=True, timeout=60)
        C.check("examples", p.returncode == 2 and "VOCERA_RUN_IDS is empty" in p.stdout, f"gitlab with VOCERA_RUN_IDS={blank!r}: says so, exit 2", p.stdout + p.stderr)
    needs = gitlab.get("needs") or []
    C.check("examples", any(isinstance(n, dict) and n.get("job") and n.get("artifacts") is True and n.get("optional") is True for n in needs), "gitlab: needs: names the job whose dotenv report holds the IDs", str(needs))
    # Jenkins without IDs: the gate refuses (exit 2), which fails the build.
    work = Path(tempfile.mkdtemp(prefix="example-jenkins-no-ids-", dir=SCRATCH))
    (work / "vocera-gate").symlink_to(binary)
    env = base_env(None, {"VOCERA_API_KEY": KEY, "VOCERA_BASE_URL": service.url, "VOCERA_RUN_IDS": "", "REPORT_ONLY": "false"})
    p = subprocess.run(["sh", "-xe", "-c", jenkins_script], cwd=work, env=env, capture_output=True, text=True, timeout=60)
    C.check("examples", p.returncode == 2 and "no run IDs given" in p.stderr, "jenkins without VOCERA_RUN_IDS: exit 2", p.stdout + p.stderr)
    C.check("examples", re.search(r"code != 0\) \{\s*error\(", jenkins) is not None, "jenkins: any other nonzero code fails the build (error)")

    # Jenkins: the exit code decides the build; the junit step never marks it.
    C.check("examples", re.search(r"junit [^\n]*skipMarkingBuildUnstable: true\n", jenkins) is not None, "jenkins: junit with skipMarkingBuildUnstable: true, always")
    C.check("examples", "unstable('vocera-gate" in jenkins, "jenkins: the build result is set from the exit code (unstable for 1 and 3)")

    # The install scripts, with stand-ins for curl (serving a fake release and
    # release-manifest.txt) and uname: the archive of the machine's
    # architecture is fetched, and checked against the manifest.
    gitlab_install = gitlab["before_script"][1].replace("/usr/local/bin/vocera-gate", "./installed-vocera-gate")
    m = re.search(r"stage\('Install vocera-gate'\).*?sh '''(.*?)'''", jenkins, re.S)
    C.check("examples", m is not None, "the Jenkinsfile's install script is found")
    jenkins_install = (m.group(1) if m else "").replace("\\\\", "\\")
    releases = Path(SCRATCH) / "example-releases"
    hashes = {t: make_release(releases, "v0.1.0", binary, target=t) for t in ("x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl")}
    for system, script, dest in (("gitlab", gitlab_install, "installed-vocera-gate"), ("jenkins", jenkins_install, "vocera-gate")):
        for machine, target in (("x86_64", "x86_64-unknown-linux-musl"), ("aarch64", "aarch64-unknown-linux-musl"), ("riscv64", None)):
            for tampered in ((False, True) if machine == "x86_64" else (False,)):
                work = Path(tempfile.mkdtemp(prefix=f"example-install-{system}-", dir=SCRATCH))
                fake = work / "fake-bin"
                fake.mkdir()
                manifest = work / "served-manifest.txt"
                manifest.write_text("".join(f"sha256 v0.1.0 {t} {'0' * 64 if tampered else h}\n" for t, h in hashes.items()))
                (fake / "uname").write_text(f"#!/bin/sh\necho {machine}\n")
                (fake / "curl").write_text(
                    "#!/bin/sh\n"
                    'out=""; url=""; prev=""\n'
                    'for a in "$@"; do if [ "$prev" = -o ]; then out="$a"; fi; case "$a" in http*) url="$a" ;; esac; prev="$a"; done\n'
                    'echo "$url" >> fetched.txt\n'
                    'case "$url" in\n'
                    f'  */release-manifest.txt) src="{manifest}" ;;\n'
                    f'  */releases/download/*) src="{releases}/${{url#*/releases/download/}}" ;;\n'
                    "esac\n"
                    '[ -f "$src" ] || exit 22\n'
                    'cp "$src" "${out:-${url##*/}}"\n'
                )
                for f in ("uname", "curl"):
                    (fake / f).chmod(0o755)
                env = base_env(None, {"VOCERA_GATE_VERSION": "v0.1.0", "VOCERA_GATE_REPO": "your-org/vocera-gate", "VOCERA_GATE_MANIFEST_REF": ""})
                env["PATH"] = f"{fake}{os.pathsep}{env['PATH']}"
                p = subprocess.run(["sh", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=60)
                label = f"{system} install on {machine}" + (" with a hash that does not match" if tampered else "")
                fetched = (work / "fetched.txt").read_text() if (work / "fetched.txt").exists() else ""
                if target and not tampered:
                    ok = p.returncode == 0 and (work / dest).is_file() and f"vocera-gate-v0.1.0-{target}.tar.gz" in fetched and "release-manifest.txt" in fetched and ".sha256" not in fetched
                    C.check("examples", ok, f"{label}: fetches the {target} archive, checks it against release-manifest.txt", p.stdout + p.stderr + fetched)
                else:
                    C.check("examples", p.returncode != 0 and not (work / dest).exists(), f"{label}: fails, installs nothing", p.stdout + p.stderr)
                if machine != "x86_64" or tampered:
                    continue
                # The manifest of an immutable ref: a commit SHA is used as
                # given; a branch (or a short SHA) is refused before any download.
                for ref, ok in (("0123456789abcdef0123456789abcdef01234567", True), ("main", False), ("0123456", False)):
                    w2 = Path(tempfile.mkdtemp(prefix=f"example-install-{system}-ref-", dir=SCRATCH))
                    for f in ("uname", "curl"):
                        shutil.copy2(fake / f, w2 / f)
                    env2 = dict(env, VOCERA_GATE_MANIFEST_REF=ref, PATH=f"{w2}{os.pathsep}{base_env(None)['PATH']}")
                    p = subprocess.run(["sh", "-c", script], cwd=w2, env=env2, capture_output=True, text=True, timeout=60)
                    fetched = (w2 / "fetched.txt").read_text() if (w2 / "fetched.txt").exists() else ""
                    if ok:
                        C.check("examples", p.returncode == 0 and f"/{ref}/release-manifest.txt" in fetched, f"{system} install: the manifest is read at the commit {ref[:7]}", p.stdout + p.stderr + fetched)
                    else:
                        C.check("examples", p.returncode != 0 and fetched == "" and "VOCERA_GATE_MANIFEST_REF" in p.stdout + p.stderr, f"{system} install: manifest ref {ref!r} is refused, nothing fetched", p.stdout + p.stderr + fetched)


def binary_has(binary: Path, flag: str) -> bool:
    """Whether the binary's help names `flag`: the top level's (the flat form,
    before the commands), or a command's."""
    for command in ([], ["gate"], ["replay"], ["suite"]):
        out = subprocess.run([str(binary), *command, "--help"], capture_output=True, text=True)
        if flag in out.stdout:
            return True
    return False


SCRATCH = ""


def main() -> int:
    global SCRATCH
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, type=Path, help="the vocera-gate binary under test")
    ap.add_argument("--source-build", action="store_true", help="also run the (slow) build-from-source path")
    ap.add_argument("--keep", action="store_true", help="keep the temporary files")
    a = ap.parse_args()
    binary = a.bin.resolve()
    SCRATCH = tempfile.mkdtemp(prefix="vocera-gate-action-test-")
    release_dir = Path(SCRATCH) / "releases"
    release_dir.mkdir()
    service = Service(release_dir)
    thread = threading.Thread(target=service.serve_forever, daemon=True)
    thread.start()
    try:
        static_checks()
        release_manifest_cases()
        gate_bin = stand_in(Path(SCRATCH) / "vocera-gate-under-test", binary)
        if binary_has(binary, "--json"):
            gate_cases(service, gate_bin)
        else:
            C.skip("gate", f"{binary} has no --json yet: the gate-step cases (outputs, exit codes, key, delimiters) NOT RUN")
        if binary_has(binary, "--json"):
            report_cases(service, run_case, C, KEY, gate_bin, binary, action_copy, make_release, release_dir)
        if binary_has(binary, "--suite"):
            suite_cases(service, run_case, C, KEY, gate_bin)
            example_suite_cases(service, run_case, C, KEY, binary, Path(SCRATCH))
        else:
            C.skip("suite", f"{binary} has no --suite yet: the Tests-as-Code cases NOT RUN")
        install_cases(service, binary, release_dir)
        if binary_has(binary, "--summary"):
            example_cases(service, binary)
        else:
            C.skip("examples", f"{binary} has no --summary yet: the GitLab/Jenkins example commands NOT RUN")
        if a.source_build:
            source_build_case(service)
        else:
            C.skip("source-build", "the cargo build path runs only with --source-build")
        leaked = [r for r in service.requests if r["key"] not in (None, KEY, KEY + "-wrong")]
        C.check("service", not leaked, "the API only ever saw the test keys")
    finally:
        service.shutdown()
        service.server_close()
        if a.keep:
            print(f"kept {SCRATCH}")
        else:
            shutil.rmtree(SCRATCH, ignore_errors=True)
    print(f"{C.passed} passed, {C.failed} failed, {C.skipped} skipped")
    return 1 if C.failed else 0


if __name__ == "__main__":
    sys.exit(main())
