#!/usr/bin/env python3
"""End-to-end tests of the composite action (action.yml), run locally.

Each case runs the action's steps with run_action.py in a faked GitHub
Actions environment (temporary GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH,
GITHUB_STEP_SUMMARY and RUNNER_TEMP; RUNNER_OS=Linux, RUNNER_ARCH=X64;
GITHUB_ACTIONS=true; GITHUB_ACTION_PATH = the repository root) against a
loopback HTTP server that plays the runs API and a GitHub releases page.

    python3 tests/action/test_action.py --bin target/debug/vocera-gate [--source-build]

--bin is the vocera-gate binary under test (handed to the action through
VOCERA_GATE_BIN, and packed into the fake release archives).
--source-build also runs the build-from-source path for real (cargo build
--release into the repository's target/), which takes minutes.

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_action import ActionResult, run_action  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ACTION = ROOT / "action.yml"
RUNS = {r["id"]: r for r in json.loads((HERE / "runs.json").read_text())}
API_PATH = "/test_framework/v1/runs-external/bulk/"
KEY = "vg-test-" + os.urandom(12).hex()  # the secret that must never leak
TARGET = "x86_64-unknown-linux-musl"  # RUNNER_OS=Linux, RUNNER_ARCH=X64


# ---------------------------------------------------------------- the fake service


class Service(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, release_dir: Path):
        super().__init__(("127.0.0.1", 0), Handler)
        self.release_dir = release_dir
        self.requests: list[dict] = []
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


def make_release(release_dir: Path, tag: str, binary: Path, *, tamper: bool = False):
    """The archive and checksum file exactly as release.yml names and lays them out."""
    name = f"vocera-gate-{tag}-{TARGET}"
    d = release_dir / tag
    d.mkdir(parents=True, exist_ok=True)
    staging = d / "staging" / name
    staging.mkdir(parents=True, exist_ok=True)
    # A small stand-in that runs the binary under test keeps the archives small.
    stand_in = staging / "vocera-gate"
    stand_in.write_text(f'#!/bin/sh\nexec "{binary}" "$@"\n')
    stand_in.chmod(0o755)
    (staging / "README.md").write_text("vocera-gate test archive\n")
    archive = d / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(staging, arcname=name)
    shutil.rmtree(d / "staging")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if tamper:
        digest = hashlib.sha256(b"something else").hexdigest()
    (d / f"{name}.tar.gz.sha256").write_text(f"{digest}  {name}.tar.gz\n")


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
            self.check(out.get(k) == v, f"output {k} = {v!r}", f"got {out.get(k)!r}; all outputs: {out}")
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
            delim is not None and re.fullmatch(r"EOF_[0-9a-f]{32}", delim) is not None,
            f"multi-line output {name} uses a random heredoc delimiter",
            f"delimiter {delim!r}; output file:\n{out.output_file}",
        )
        return delim

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
    stop_after: str | None = None,
) -> Case:
    tmp = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=SCRATCH))
    work, temp = tmp / "work", tmp / "runner-temp"
    work.mkdir()
    temp.mkdir()
    full = {"api-key": KEY, "base-url": service.url, "poll-interval": "200ms", "max-poll-interval": "500ms", "timeout": "60s"}
    full.update(inputs)
    result = run_action(
        ACTION,
        inputs=full,
        github={"action_ref": "", "action_repository": "", **(github or {})},
        base_env=base_env(binary, env),
        workdir=work,
        runner_temp=temp,
        step_env_overrides=overrides,
        stop_after=stop_after,
    )
    case = Case(name, result, tmp, work)
    case.check(not result.policy_violations, "every input reaches the scripts through env:", "; ".join(result.policy_violations))
    return case


# ---------------------------------------------------------------- the cases


def gate_cases(service: Service, binary: Path):
    # Passing: two clean runs, IDs separated by a comma and a space.
    c = run_case("pass", service, {"run-ids": "101, 102", "save-response": "saved-runs.json"}, binary=binary)
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed", "score": "0", "runs": "2", "failed-runs": "0", "errored-runs": "0"})
    out = c.gate_outputs()
    c.check(out.get("junit-path", "") != "", "junit-path output is set", str(out))
    c.check(c.junit_cases(out.get("junit-path", "")) == 2, "the JUnit report holds 2 test cases")
    c.check((c.work / "saved-runs.json").is_file(), "save-response wrote saved-runs.json")
    c.check(out.get("json-path", "").endswith("vocera-gate.json"), "json-path output is set", str(out))
    c.check(out.get("reasons", "x") == "", "reasons output is empty when the gate passed", repr(out.get("reasons")))
    c.expect_masked_first()
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

    # Without jq the JSON result is read with python3, to the same outputs.
    nojq = Path(SCRATCH) / "path-without-jq"
    nojq.mkdir(exist_ok=True)
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if d and Path(d).is_dir():
            for f in Path(d).iterdir():
                if f.name != "jq" and not (nojq / f.name).exists() and os.access(f, os.X_OK):
                    (nojq / f.name).symlink_to(f)
    c = run_case("no-jq", service, fail_inputs, binary=binary, env={"PATH": str(nojq)})
    gate = c.r.step("gate")
    c.check("jq" not in os.listdir(nojq), "jq is not on this PATH")
    c.expect_exit(1)
    c.expect_outputs({"verdict": "failed", "score": "9", "runs": "3", "failed-runs": "1", "errored-runs": "1"})
    c.check(c.gate_outputs().get("reasons") == reasons, "reasons are the same as with jq", repr(c.gate_outputs().get("reasons")))
    c.expect_heredoc("reasons")

    # Extra args come after the inputs, so they override them.
    c = run_case("args", service, {"run-ids": "101 201", "max-score": "0", "args": "--max-score 100\n--max-failed-runs 1 -q"}, binary=binary)
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed", "score": "13", "runs": "2", "failed-runs": "1"})
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

    # No key at all: the gate says so (exit 2), CEKURA_API_KEY is let through.
    c = run_case("cekura-key", service, {"run-ids": "101", "api-key": ""}, binary=binary, env={"CEKURA_API_KEY": KEY})
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed"})


def install_cases(service: Service, binary: Path, release_dir: Path):
    releases = {"RELEASES_URL": f"{service.url}/releases/download"}
    gh = {"action_repository": "example/vocera-gate"}

    # A release tag: the archive is downloaded, verified, unpacked and used.
    make_release(release_dir, "v9.9.9", binary)
    c = run_case("release", service, {"run-ids": "101"}, binary=None, github={**gh, "action_ref": "v9.9.9"}, overrides={"install": releases})
    inst = c.r.step("install")
    c.check(inst.exit_code == 0 and inst.outputs.get("build") == "false", "install uses the release archive", inst.stdout + inst.stderr)
    c.check("SHA-256 verified" in inst.stdout, "the archive's SHA-256 was checked", inst.stdout)
    bin_path = inst.outputs.get("bin", "")
    c.check(f"vocera-gate-v9.9.9-{TARGET}/vocera-gate" in bin_path, "the binary comes from the archive", bin_path)
    c.check(not c.r.step("build").ran, "no source build")
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed", "runs": "1"})
    c.expect_no_leak()

    # A moving major tag on a release commit: the release of Cargo.toml's version.
    version = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
    make_release(release_dir, f"v{version}", binary)
    major = "v" + version.split(".")[0]
    c = run_case("major-tag", service, {"run-ids": "101"}, binary=None, github={**gh, "action_ref": major}, overrides={"install": releases}, stop_after="install")
    inst = c.r.step("install")
    c.check(inst.outputs.get("build") == "false" and f"vocera-gate-v{version}-{TARGET}" in inst.outputs.get("bin", ""), f"ref {major} installs release v{version}", inst.stdout + inst.stderr)

    # The version input picks a release.
    c = run_case("version-input", service, {"run-ids": "101", "version": "9.9.9"}, binary=None, github={**gh, "action_ref": "main"}, overrides={"install": releases}, stop_after="install")
    inst = c.r.step("install")
    c.check(inst.outputs.get("build") == "false" and "v9.9.9" in inst.outputs.get("bin", ""), "version: 9.9.9 installs release v9.9.9", inst.stdout + inst.stderr)

    # A checksum that does not match: the archive is not used; build from source.
    make_release(release_dir, "v9.9.8", binary, tamper=True)
    c = run_case("tampered", service, {"run-ids": "101"}, binary=None, github={**gh, "action_ref": "v9.9.8"}, overrides={"install": releases}, stop_after="install")
    inst = c.r.step("install")
    c.check(inst.exit_code == 0 and inst.outputs.get("build") == "true", "a checksum mismatch falls back to a source build", inst.stdout + inst.stderr)
    c.check("::warning" in inst.stdout and "SHA-256" in inst.stdout, "the mismatch is a ::warning", inst.stdout)
    c.check("bin" not in inst.outputs, "the unverified binary is not offered", str(inst.outputs))
    for k in ("lock-hash", "source-hash", "target-dir"):
        c.check(inst.outputs.get(k, "") != "", f"the cache key part {k} is set", str(inst.outputs))

    # No such release: build from source.
    c = run_case("no-release", service, {"run-ids": "101"}, binary=None, github={**gh, "action_ref": "v9.9.7"}, overrides={"install": releases}, stop_after="install")
    inst = c.r.step("install")
    c.check(inst.exit_code == 0 and inst.outputs.get("build") == "true", "a missing release falls back to a source build", inst.stdout + inst.stderr)

    # An explicit version that cannot be had, with source of another version: fail.
    c = run_case("explicit-missing", service, {"run-ids": "101", "version": "v9.9.7"}, binary=None, github={**gh, "action_ref": "main"}, overrides={"install": releases}, stop_after="install")
    inst = c.r.step("install")
    c.check(inst.exit_code == 1 and "::error" in inst.stdout, "an explicit version without a release fails the step", inst.stdout)

    # A branch ref and an unusual platform: source build; no download attempted.
    before = len(service.requests)
    c = run_case("branch-ref", service, {"run-ids": "101"}, binary=None, github={**gh, "action_ref": "main"}, overrides={"install": releases}, stop_after="install")
    inst = c.r.step("install")
    c.check(inst.outputs.get("build") == "true", "a branch ref builds from source", inst.stdout)
    c = run_case("odd-platform", service, {"run-ids": "101"}, binary=None, github={**gh, "action_ref": "v9.9.9"}, env={"RUNNER_ARCH": "ARM"}, overrides={"install": releases}, stop_after="install")
    inst = c.r.step("install")
    c.check(inst.outputs.get("build") == "true", "a platform without a release binary builds from source", inst.stdout)
    c.check(len(service.requests) == before, "neither downloaded anything")

    # The cache step gets a usable key.
    c = run_case("cache-key", service, {"run-ids": "101"}, binary=None, github={**gh, "action_ref": "main"}, overrides={"install": releases}, stop_after="cache")
    cache = c.r.step("cache")
    key = cache.with_.get("key", "")
    c.check(cache.ran and re.fullmatch(r"vocera-gate-build-Linux-X64-[0-9a-f]{16}-[0-9a-f]{16}", key) is not None, "actions/cache runs with key os-arch-lock-source", key)
    c.check(c.r.step("install").outputs.get("target-dir", "") in cache.with_.get("path", ""), "the build's target dir is cached")


def source_build_case(service: Service):
    env = {"VOCERA_GATE_TARGET_DIR": str(ROOT / "target")}
    for attempt in ("source-build", "source-build-cached"):
        c = run_case(attempt, service, {"run-ids": "101, 102"}, binary=None, github={"action_ref": "main", "action_repository": "example/vocera-gate"}, env=env)
        b = c.r.step("build")
        c.check(b.exit_code == 0 and b.outputs.get("bin", "").endswith("/release/vocera-gate"), "the build step builds the release binary", b.stdout[-3000:] + b.stderr[-3000:])
        if attempt == "source-build-cached":
            c.check("reusing the cached build" in b.stdout, "a second run reuses the build of the same source", b.stdout)
        c.expect_exit(0)
        c.expect_outputs({"verdict": "passed", "runs": "2"})
        c.expect_no_leak()


def static_checks():
    """What can be seen from action.yml itself."""
    text = ACTION.read_text()
    import yaml

    action = yaml.safe_load(text)
    steps = action["runs"]["steps"]
    for s in steps:
        if "run" in s:
            code = subprocess.run(["bash", "-n"], input=s["run"], text=True, capture_output=True)
            C.check("static", code.returncode == 0, f"step {s.get('name')!r} is valid bash", code.stderr)
            C.check("static", "${{" not in s["run"], f"step {s.get('name')!r} has no ${{{{ }}}} in its script")
            C.check("static", s.get("shell") == "bash", f"step {s.get('name')!r} uses shell: bash")
            C.check("static", "--api-key" not in s["run"], f"step {s.get('name')!r} never puts the key on a command line")
    C.check("static", "VOCERA_API_KEY" in (steps[0].get("env") or {}) and "add-mask" in steps[0].get("run", ""), "the first step masks the key")
    with_key = [s.get("name") for s in steps if any("inputs.api-key" in str(v) for v in (s.get("env") or {}).values())]
    C.check("static", with_key == [steps[0].get("name"), "Run vocera-gate"], "only the mask and gate steps get the key", str(with_key))
    scripts = [(f"action.yml: {s.get('name')}", s["run"]) for s in steps if "run" in s]
    for wf in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        for job_id, job in (yaml.safe_load(wf.read_text()).get("jobs") or {}).items():
            for i, s in enumerate(job.get("steps") or []):
                if "run" in s and s.get("shell", "bash") == "bash" and "${{" not in s["run"]:
                    scripts.append((f"{wf.name}: {job_id} step {i}", s["run"]))
                elif "run" in s:
                    C.check("static", "${{" not in s["run"], f"{wf.name}: {job_id} step {i} has no ${{{{ }}}} in its script")
    if shutil.which("shellcheck"):
        for label, script in scripts:
            sc = subprocess.run(["shellcheck", "-S", "warning", "-s", "bash", "-"], input=script, text=True, capture_output=True)
            C.check("static", sc.returncode == 0, f"shellcheck: {label}", sc.stdout)
    else:
        C.skip("static", "shellcheck is not installed: the scripts are not linted")
    C.check("static", "api-key" in action["inputs"] and action["inputs"]["api-key"].get("required") is True, "api-key is a required input")
    for name in ("run-ids", "api-key", "base-url", "timeout", "poll-interval", "max-poll-interval", "junit-path", "max-score", "max-failed-runs", "weights", "report-only", "save-response", "args", "version"):
        C.check("static", name in action["inputs"], f"input {name} is declared")
    for name in ("verdict", "exit-code", "score", "runs", "failed-runs", "errored-runs", "junit-path"):
        C.check("static", name in action["outputs"], f"output {name} is declared")
    C.check("static", action["inputs"]["junit-path"].get("default") == "vocera-junit.xml", "junit-path defaults to vocera-junit.xml")


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


def binary_has(binary: Path, flag: str) -> bool:
    out = subprocess.run([str(binary), "--help"], capture_output=True, text=True)
    return flag in out.stdout


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
        if binary_has(binary, "--json"):
            gate_cases(service, binary)
        else:
            C.skip("gate", f"{binary} has no --json yet: the gate-step cases (outputs, exit codes, key, delimiters) NOT RUN")
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
