"""The action's Tests-as-Code cases (issue 22): the suite, channel and
check-only inputs, run in the faked runner of test_action.py against its
loopback service.

test_action.py imports this module and hands over its helpers (run_case,
the checks, the key): this module imports nothing of test_action, which runs
as __main__ and would otherwise be loaded a second time, with other globals.

The gate runs through a stand-in that records its arguments (and whether any
API key variable was set, never its value) before it runs the binary under
test, so a case can see exactly what the action passed.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITE_PATH = "/test_framework/v1/scenarios-external/run_scenarios_json/"
EXAMPLE = (ROOT / "examples" / "cekura.tests.json").read_text()

# Two cases named as runs 101 and 102 of runs.json, the first under a key of
# its own (the JUnit test case is named by the key).
SPEC = """{
  "version": "1",
  "suite": {"name": "Appointments"},
  "scenarios": [
    {"name": "Books an appointment", "key": "booking", "instructions": "Book a slot on Monday."},
    {"name": "Cancels an appointment", "instructions": "Cancel Monday's slot."}
  ]
}
"""

# Refused locally: a target in the file, a key twice, a tool that is none.
BAD = """{
  "version": "1",
  "scenarios": [
    {"name": "Books an appointment", "instructions": "x", "channel": "voice"},
    {"name": "Books an appointment", "instructions": "y", "tools": ["fax"]}
  ]
}
"""

# Valid here; the platform refuses its metric (the service answers 400 for
# the suite named "Rejected").
REJECTED = """{
  "version": "1",
  "suite": {"name": "Rejected"},
  "scenarios": [
    {"name": "Books an appointment", "instructions": "Book a slot."},
    {"name": "Cancels an appointment", "instructions": "Cancel it.",
     "metrics": ["greetng_by_name"]}
  ]
}
"""
PLATFORM_ERROR = "No metric with slug 'greetng_by_name' in project 742."


def suite_answer(query: str, body: bytes) -> tuple[int, bytes]:
    """The platform's run_scenarios_json (the key is checked by the caller):
    the error map for the suite "Rejected", a plan for a dry run, else a
    started result holding runs 101 and 102."""
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return 400, b'{"detail": "JSON parse error"}'
    spec = request.get("spec") or {}
    cases = spec.get("scenarios") or []
    if (spec.get("suite") or {}).get("name") == "Rejected":
        return 400, json.dumps({"errors": {"scenarios[1].metrics[0]": [PLATFORM_ERROR]}}).encode()
    if "dry_run=true" in query.split("&"):
        frequency = (spec.get("defaults") or {}).get("frequency", 1)
        planned = [
            {"key": c.get("key", c.get("name")), "name": c.get("name"), "type": c.get("type", "instruction"),
             "frequency": c.get("frequency", frequency), "metric_ids": [], "tags": [],
             "personality": {"mode": "project_default"}, "test_profile": {"mode": "project_default"}}
            for c in cases
        ]
        plan = {"agent_id": request.get("agent_id"), "project_id": 742, "channel": request.get("channel"),
                "suite_name": (spec.get("suite") or {}).get("name"), "scenario_count": len(planned),
                "total_runs": sum(p["frequency"] for p in planned), "estimated_cost": 1.25, "scenarios": planned}
        return 200, json.dumps({"dry_run": True, "valid": True, "plan": plan}).encode()
    runs = [{"id": 101, "status": "pending", "scenario": 67, "scenario_name": "Books an appointment"},
            {"id": 102, "status": "pending", "scenario": 68, "scenario_name": "Cancels an appointment"}]
    return 200, json.dumps({"id": 9876, "agent": request.get("agent_id"), "status": "pending", "runs": runs}).encode()


def recorder(scratch: Path, binary: Path, token: bool = False) -> tuple[Path, Path]:
    """A stand-in gate that records its arguments, one a line, which API
    key variables it was given ("key=" then "V" and/or "C") and, with
    `token`, whether it was given a GitHub token ("token=" then "T"), then
    runs the binary under test. Returns (stand-in, log)."""
    log = scratch / "suite-argv.txt"
    script = scratch / "vocera-gate-recording"
    script.write_text(
        "#!/bin/sh\n"
        f"{{ for a in \"$@\"; do printf '%s\\n' \"$a\"; done; "
        "printf 'key=%s%s\\n' \"${VOCERA_API_KEY+V}\" \"${CEKURA_API_KEY+C}\"; "
        + ("printf 'token=%s\\n' \"${GITHUB_TOKEN:+T}\"; " if token else "")
        + "} "
        f"> '{log}'\n"
        f'exec "{binary}" "$@"\n'
    )
    script.chmod(0o755)
    return script, log


def suite_cases(service, run_case, C, key: str, binary: Path):
    gate, log = recorder(binary.parent, binary)

    def argv() -> list[str]:
        return log.read_text().splitlines() if log.is_file() else []

    def posts() -> list[dict]:
        return [r for r in service.requests if r.get("method") == "POST" and r["path"] == SUITE_PATH]

    def case(name, inputs, files, env=None):
        log.unlink(missing_ok=True)
        return run_case(name, service, inputs, binary=gate, files=files, env=env)

    # check-only on the bundled example, with no key anywhere (a fork's pull
    # request): valid, nothing sent, no key variable handed to the gate.
    before = len(service.requests)
    c = case("suite-check", {"suite": "cekura.tests.json", "check-only": "true", "api-key": ""}, {"cekura.tests.json": EXAMPLE})
    c.expect_exit(0)
    c.expect_outputs({"verdict": "dry-run", "junit-path": "", "runs": ""})
    out = c.r.step("gate").stdout
    c.check('cekura.tests.json: valid: 3 cases of suite "Appointments"' in out, "the gate says the spec is valid", out[-1000:])
    c.check(len(service.requests) == before, "nothing was sent")
    a = argv()
    c.check(a[:4] == ["suite", "--check", "--channel", "voice"] and a[4:5] == ["--github-output"] and a[6:] == ["--", "cekura.tests.json", "key="],
            "the gate gets suite --check --channel, its outputs and -- PATH, and no key variable", str(a))

    # The same step on a push, with the key and the run's inputs set (one
    # step, check-only on forks): still only the check; the key is not handed on.
    before = len(service.requests)
    c = case("suite-check-ignores-the-rest", {"suite": "cekura.tests.json", "check-only": "TRUE", "agent-id": "42", "dry-run": "true",
                                              "args": "--max-score 3", "channel": "text"},
             {"cekura.tests.json": EXAMPLE}, env={"CEKURA_API_KEY": key})
    c.expect_exit(0)
    c.check(len(service.requests) == before, "nothing was sent")
    a = argv()
    c.check("--agent-id" not in a and "--max-score" not in a and "--dry-run" not in a and a[2:4] == ["--channel", "text"] and a[-1] == "key=",
            "only the spec and its channel reach the gate, no key variable", str(a))
    c.expect_no_leak()

    # An invalid spec: exit 2, every problem as an annotation at its line and
    # column (those of the offending value).
    before = len(service.requests)
    c = case("suite-check-invalid", {"suite": "cekura.tests.json", "check-only": "true", "api-key": ""}, {"cekura.tests.json": BAD})
    c.expect_exit(2)
    c.expect_outputs({"verdict": "error"})
    out, err = c.r.step("gate").stdout, c.r.step("gate").stderr
    lines = BAD.splitlines()
    for line, needle, path in ((4, '"voice"', "scenarios[0].channel"), (5, '"Books an appointment"', "scenarios[1].name"), (5, '"fax"', "scenarios[1].tools[0]")):
        col = lines[line - 1].index(needle) + 1
        c.check(f"::error file=cekura.tests.json,line={line},col={col},title=vocera-gate::{path}: " in out,
                f"{path} is annotated at {line}:{col} on the pull request's diff", out)
        c.check(f"cekura.tests.json:{line}:{col}: {path}: " in err, f"and printed as cekura.tests.json:{line}:{col}", err)
    c.check("has 3 problems" in err, "every problem at once", err[-500:])
    c.check(len(service.requests) == before, "nothing was sent")

    # check-only needs a spec; a check-only that is no boolean is refused.
    c = case("suite-check-no-suite", {"check-only": "true", "run-ids": "101"}, {})
    c.expect_exit(2)
    c.check("check-only needs the suite input" in c.r.step("gate").stdout and not log.exists(), "says so, and the gate never runs", c.r.step("gate").stdout)
    c = case("suite-check-bad-value", {"suite": "cekura.tests.json", "check-only": "maybe"}, {"cekura.tests.json": EXAMPLE})
    c.expect_exit(2)
    c.check("check-only must be true or false" in c.r.step("gate").stdout, "a bad check-only is named in an ::error", c.r.step("gate").stdout)

    # suite + agent-id + channel: the spec is started through run_scenarios_json, then gated by key.
    before = len(posts())
    c = case("suite-run", {"suite": "cekura.tests.json", "agent-id": "42", "channel": "text", "junit-path": "reports/junit.xml"},
             {"cekura.tests.json": SPEC}, env={"GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"})
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed", "runs": "2", "result-id": "9876", "run-ids": "101,102"})
    a = argv()
    c.check(a[:1] == ["suite"] and a[-3:] == ["--", "cekura.tests.json", "key=V"] and a[a.index("--channel") + 1:a.index("--channel") + 2] == ["text"]
            and a[a.index("--agent-id") + 1:a.index("--agent-id") + 2] == ["42"] and "--check" not in a,
            "suite PATH, --channel and --agent-id are passed through, with the key in the environment", str(a))
    sent = posts()[before:]
    c.check(len(sent) == 1 and sent[0]["query"] == "", "one start, no dry run", str(sent))
    body = json.loads(sent[0]["body"]) if sent else {}
    c.check(body.get("agent_id") == 42 and body.get("channel") == "text" and body.get("spec") == json.loads(SPEC),
            "the request carries the agent, the channel and the spec as written", str(body)[:500])
    c.check(str(body.get("name", "")).startswith("Appointments"), "the result is named after the suite", repr(body.get("name")))
    junit = c.work / "reports" / "junit.xml"
    names = [t.get("name") for t in ET.parse(junit).getroot().iter("testcase")] if junit.is_file() else []
    c.check(names == ["booking", "Cancels an appointment"], "JUnit test cases are named by the spec's keys", str(names))
    props = {p.get("name"): p.get("value") for p in ET.parse(junit).getroot().find("testsuite").find("properties")} if junit.is_file() else {}
    c.check(props.get("suite") == "Appointments" and props.get("suite_path") == "cekura.tests.json" and len(props.get("suite_sha256", "")) == 64,
            "the report names the suite, its path and SHA-256", str(props))
    c.expect_gate_wrote_outputs()
    c.expect_no_leak()

    # dry-run with a suite: the platform's plan is printed, nothing started.
    before = len(posts())
    c = case("suite-dry-run", {"suite": "cekura.tests.json", "agent-id": "42", "dry-run": "true"}, {"cekura.tests.json": EXAMPLE})
    c.expect_exit(0)
    c.expect_outputs({"verdict": "dry-run", "result-id": ""})
    sent = posts()[before:]
    c.check(len(sent) == 1 and sent[0]["query"] == "dry_run=true", "one dry run, nothing started", str([s["query"] for s in sent]))
    out = c.r.step("gate").stdout
    c.check('dry run: suite "Appointments" for agent 42 (project 742, channel voice): 3 cases, 7 runs, estimated cost 1.25' in out,
            "the plan is printed", out[-1500:])
    c.expect_no_leak()

    # The platform's errors point into the file too (a dry run refused).
    c = case("suite-platform-errors", {"suite": "cekura.tests.json", "agent-id": "42", "dry-run": "true"}, {"cekura.tests.json": REJECTED})
    c.expect_exit(2)
    out = c.r.step("gate").stdout
    line = next(i for i, ln in enumerate(REJECTED.splitlines(), 1) if "greetng_by_name" in ln)
    col = REJECTED.splitlines()[line - 1].index('"greetng_by_name"') + 1
    c.check(f"::error file=cekura.tests.json,line={line},col={col},title=vocera-gate::scenarios[1].metrics[0]: {PLATFORM_ERROR}" in out,
            f"the platform's error is annotated at {line}:{col}", out)
    c.expect_no_leak()

    # A run without the key is refused by the gate (the input is optional for check-only only).
    before = len(service.requests)
    c = case("suite-run-no-key", {"suite": "cekura.tests.json", "agent-id": "42", "api-key": ""}, {"cekura.tests.json": SPEC})
    c.expect_exit(2)
    c.check("no API key" in c.r.step("gate").stderr and len(service.requests) == before, "no key: exit 2, nothing sent", c.r.step("gate").stderr[-500:])

    # A channel other than the default without a suite reaches the gate, which refuses it.
    before = len(service.requests)
    c = case("channel-without-suite", {"run-ids": "101", "channel": "text"}, {})
    c.expect_exit(2)
    c.check("--channel only applies with --suite" in c.r.step("gate").stderr and len(service.requests) == before,
            "the gate says --channel needs --suite; nothing sent", c.r.step("gate").stderr[-500:])
    c.check(argv()[:1] != ["gate"], "inputs a command does not take keep the flat form, whose message names them", str(argv()))
    c = case("default-channel-without-suite", {"run-ids": "101"}, {})
    c.expect_exit(0)
    c.check("--channel" not in argv() and not any(x.startswith("--suite") for x in argv()), "the default channel is not passed without a suite", str(argv()))
    c.check(argv()[:1] == ["gate"] and "--run-ids-file" in argv(), "run IDs go to the gate command", str(argv()))


def example_suite_cases(service, run_case, C, key: str, binary: Path, scratch: Path):
    """The Tests-as-Code parts of the examples: the GitHub workflow's action
    steps run in the faked runner, the GitLab jobs' and the Jenkins stages'
    commands run with sh, each checking the bundled spec with no key and
    running a spec against the loopback service with one."""
    import os
    import re
    import subprocess
    import tempfile

    import yaml

    action_inputs = set(yaml.safe_load((ROOT / "action.yml").read_text())["inputs"])
    wf = yaml.safe_load((ROOT / "examples" / "github-tests-as-code.yml").read_text())
    on = wf.get(True, wf.get("on")) or {}  # YAML 1.1 reads the key `on` as true
    C.check("examples", "push" in on and "pull_request" in on and "pull_request_target" not in on,
            "github: the workflow runs on every push and pull request (not pull_request_target)", str(on))
    jobs = wf.get("jobs") or {}
    steps = {j: [s for s in (job.get("steps") or []) if str(s.get("uses", "")).startswith("your-org/vocera-gate@")] for j, job in jobs.items()}
    for j, found in steps.items():
        for s in found:
            unknown = set(s.get("with") or {}) - action_inputs
            C.check("examples", not unknown, f"github: job {j} passes only inputs action.yml declares", str(unknown))
    check = (steps.get("check") or [{}])[0].get("with") or {}
    C.check("examples", "if" not in jobs.get("check", {}) and check.get("check-only") == "true" and "api-key" not in check and check.get("suite") == "cekura.tests.json",
            "github: the check job always runs, check-only, with no api-key", str(jobs.get("check")))
    run_job = jobs.get("run", {})
    run = (steps.get("run") or [{}])[0].get("with") or {}
    C.check("examples", run_job.get("needs") == "check" and "refs/heads/main" in str(run_job.get("if")) and run.get("api-key") == "${{ secrets.VOCERA_API_KEY }}",
            "github: the run job follows the check, on main only, with the key from a secret", str(run_job))
    plan = (steps.get("plan") or [{}])[0].get("with") or {}
    C.check("examples", plan.get("dry-run") == "true" and "head.repo.full_name == github.repository" in str(jobs.get("plan", {}).get("if")),
            "github: the plan job prices the spec on this repository's pull requests", str(jobs.get("plan")))

    def literal(inputs: dict) -> dict:
        subst = {"${{ secrets.VOCERA_API_KEY }}": key, "${{ vars.VOCERA_AGENT_ID }}": "42"}
        return {k: subst.get(str(v), str(v)) for k, v in inputs.items()}

    gate = scratch / "vocera-gate-examples"
    gate.write_text(f'#!/bin/sh\nexec "{binary}" "$@"\n')
    gate.chmod(0o755)
    c = run_case("example-github-check", service, {**literal(check), "api-key": ""}, binary=gate, files={"cekura.tests.json": EXAMPLE})
    c.expect_exit(0)
    c = run_case("example-github-check-invalid", service, {**literal(check), "api-key": ""}, binary=gate, files={"cekura.tests.json": BAD})
    c.expect_exit(2)
    c.check("::error file=cekura.tests.json,line=4," in c.r.step("gate").stdout, "the problem is annotated on the spec's line", c.r.step("gate").stdout)
    before = len([r for r in service.requests if r["path"] == SUITE_PATH])
    c = run_case("example-github-run", service, literal(run), binary=gate, files={"cekura.tests.json": SPEC})
    c.expect_exit(0)
    c.expect_outputs({"verdict": "passed", "result-id": "9876"})
    c.check(len([r for r in service.requests if r["path"] == SUITE_PATH]) == before + 1, "the spec was started once")
    c.check((c.work / "vocera-runs.json").is_file(), "the response is saved for replay")
    c.expect_no_leak()

    gitlab = yaml.safe_load((ROOT / "examples" / "gitlab-ci.yml").read_text())
    jenkins = (ROOT / "examples" / "Jenkinsfile").read_text()
    check_job, run_job = gitlab.get("vocera-suite-check", {}), gitlab.get("vocera-suite-run", {})
    C.check("examples", "rules" not in check_job and "VOCERA_API_KEY" not in json.dumps(check_job), "gitlab: the check job runs in every pipeline and names no key")
    C.check("examples", "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" in json.dumps(run_job.get("rules")), "gitlab: the run job runs on the default branch", str(run_job.get("rules")))
    C.check("examples", check_job.get("before_script") == run_job.get("before_script") == gitlab["vocera-gate"]["before_script"], "gitlab: both install like the gate job")
    stage = re.search(r"stage\('Check the test spec'\)(.*?)stage\('Voice-agent gate'\)", jenkins, re.S)
    check_sh = re.search(r"sh '''(.*?)'''", stage.group(1), re.S) if stage else None
    C.check("examples", check_sh is not None and "withCredentials" not in stage.group(1), "jenkins: a check stage without credentials")
    gate_sh = re.search(r"sh\(returnStatus: true, script: '''(.*?)'''\)", jenkins, re.S)
    if check_sh is None or gate_sh is None:
        return

    def sh(system: str, script: str, spec: str, env: dict, xe: bool) -> tuple[subprocess.CompletedProcess, Path]:
        work = Path(tempfile.mkdtemp(prefix=f"example-{system}-", dir=scratch))
        (work / "bin").mkdir()
        (work / "bin" / "vocera-gate").symlink_to(binary)
        (work / "vocera-gate").symlink_to(binary)
        (work / "cekura.tests.json").write_text(spec)
        full = {"PATH": f"{work / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", **env}
        p = subprocess.run(["sh", "-xe" if xe else "-e", "-c", script], cwd=work, env=full, capture_output=True, text=True, timeout=120)
        return p, work

    checks = (("gitlab", "\n".join(check_job.get("script") or []), {}, False),
              ("jenkins", check_sh.group(1).replace("\\\\", "\\"), {"VOCERA_SUITE": "cekura.tests.json"}, True))
    for system, script, env, xe in checks:
        p, _ = sh(f"{system}-check", script, EXAMPLE, env, xe)
        C.check("examples", p.returncode == 0 and "valid: 3 cases" in p.stdout, f"{system}: the check passes the bundled spec with no key", p.stdout + p.stderr)
        p, _ = sh(f"{system}-check", script, BAD, env, xe)
        C.check("examples", p.returncode == 2 and "cekura.tests.json:4:" in p.stderr and "has 3 problems" in p.stderr,
                f"{system}: the check fails an invalid spec (exit 2), each problem at its line", p.stdout + p.stderr)
    runs = (("gitlab", "\n".join(run_job.get("script") or []), {}, False),
            ("jenkins", gate_sh.group(1).replace("\\\\", "\\"), {"VOCERA_SUITE": "cekura.tests.json", "VOCERA_CHANNEL": "voice", "REPORT_ONLY": "false"}, True))
    for system, script, env, xe in runs:
        before = len([r for r in service.requests if r["path"] == SUITE_PATH])
        p, work = sh(f"{system}-suite-run", script, SPEC, {"VOCERA_API_KEY": key, "VOCERA_BASE_URL": service.url, "VOCERA_AGENT_ID": "42", **env}, xe)
        posted = [r for r in service.requests if r["path"] == SUITE_PATH][before:]
        body = json.loads(posted[0]["body"]) if len(posted) == 1 else {}
        C.check("examples", p.returncode == 0 and body.get("agent_id") == 42 and body.get("channel") == "voice" and body.get("spec") == json.loads(SPEC),
                f"{system}: the run starts the spec once and passes", p.stdout + p.stderr + str(posted))
        result = json.loads((work / "vocera-gate.json").read_text()) if (work / "vocera-gate.json").is_file() else {}
        C.check("examples", (result.get("suite") or {}).get("path") == "cekura.tests.json" and (work / "vocera-runs.json").is_file(),
                f"{system}: the JSON names the suite, the response is saved", str(result.get("suite")))
        C.check("examples", key not in p.stdout + p.stderr, f"{system}: the key is not printed")
