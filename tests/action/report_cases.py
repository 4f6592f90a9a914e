"""The action's cases of issue 23: per-invocation folders, args overriding
--json, the escaping of ::add-mask::, the version input's floor, baseline:
auto (the decision, the key, the restored file's commit and age; the cache
steps themselves are `uses:` steps, whose effect the test plays) and
upload-reports. Called by test_action.py with its runner and helpers."""

from __future__ import annotations

import json
import time
from pathlib import Path

from suite_cases import recorder

GITHUB_ENV = {
    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
    "GITHUB_RUN_ID": "4242",
    "GITHUB_RUN_ATTEMPT": "1",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/agent",
}


def unescape(value: str) -> str:
    """What the runner makes of a workflow command's value."""
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _main(ref: str) -> dict:
    return {"ref": ref, "event": {"repository": {"default_branch": "main"}}}


def report_cases(service, run_case, C, KEY, gate_bin, binary, action_copy, make_release, release_dir):
    def check(case, ok, what, detail=""):
        return C.check(case, ok, what, detail)

    # Two calls in one job: each writes its own folder; the first's reports stay.
    a = run_case("two-calls-1", service, {"run-ids": "101"}, binary=gate_bin, env=GITHUB_ENV)
    b = run_case("two-calls-2", service, {"run-ids": "101 201", "report-only": "true"}, binary=gate_bin, env=GITHUB_ENV, same_job=a)
    ja, jb = a.gate_outputs().get("json-path", ""), b.gate_outputs().get("json-path", "")
    check("two-calls", ja and jb and ja != jb and Path(ja).is_file() and Path(jb).is_file(), "each call has its own JSON report", f"{ja} {jb}")
    ra = json.loads(Path(ja).read_text()) if ja and Path(ja).is_file() else {}
    check("two-calls", ra.get("verdict") == "passed", "the first call's report is not overwritten by the second's", str(ra)[:300])
    pa, pb = a.r.step("plan").outputs.get("dir", ""), b.r.step("plan").outputs.get("dir", "")
    check("two-calls", pa != pb and pa.startswith(str(a.tmp / "runner-temp")), "each call's folder is a new one under RUNNER_TEMP", f"{pa} {pb}")
    check("two-calls", (Path(pa) / "run-ids.txt").read_text().split() == ["101"] if (Path(pa) / "run-ids.txt").is_file() else False, "the run-ID file is the call's own")

    # args override the action's --json (a later flag wins); json-path follows.
    c = run_case("args-json", service, {"run-ids": "101", "args": "--json custom.json"}, binary=gate_bin)
    c.expect_exit(0)
    out = c.gate_outputs()
    check("args-json", out.get("json-path") == "custom.json" and (c.work / "custom.json").is_file(), "args --json wins; json-path names it", str(out))
    reports = Path(c.r.step("plan").outputs.get("reports", "/nonexistent"))
    check("args-json", not (reports / "vocera-gate.json").exists(), "the action's own --json was overridden")
    c = run_case("args-github-output", service, {"run-ids": "101", "args": "--github-output other-outputs.txt"}, binary=gate_bin)
    check("args-github-output", (c.work / "other-outputs.txt").is_file() and "verdict<<" in (c.work / "other-outputs.txt").read_text(), "args --github-output wins", c.r.step("gate").stdout[-500:])

    # ::add-mask:: values are escaped as the runner unescapes them.
    odd = KEY + "%0A" + "\r" + "x%"
    c = run_case("mask-escaping", service, {"run-ids": "101", "api-key": odd + "\nsecond-line"}, binary=gate_bin)
    masks = c.r.masks
    check("mask-escaping", [unescape(m) for m in masks] == [odd, "second-line"], "each line of the key is masked as itself, %, CR escaped", repr(masks))
    check("mask-escaping", all("\r" not in m for m in masks) and "%250A" in masks[0] if masks else False, "the mask commands hold no raw CR, and % is %25", repr(masks))

    # A version input older than the interface action.yml speaks is refused.
    h = make_release(release_dir, "v0.0.9", binary)
    manifest = f"release v0.0.9 {'a' * 64}\nsha256 v0.0.9 x86_64-unknown-linux-musl {h}\nalias v0 v0.0.9\n"
    copy = action_copy(manifest)
    for version in ("v0.0.9", "0.0.9", "v0"):
        c = run_case(f"version-floor-{version}", service, {"run-ids": "101", "version": version}, binary=None, action=copy, stop_after="install",
                     github={"action_ref": "main", "action_repository": "example/vocera-gate"}, env={"VOCERA_GATE_TEST_ONLY_RELEASES_URL": service.url + "/releases/download"})
        st = c.r.step("install")
        check(f"version-floor-{version}", st.exit_code == 2 and "is older than v0.1.0, the oldest release whose command line this action uses" in st.stdout, "refused with a clear error, exit 2", st.stdout[-800:] + st.stderr[-400:])
        check(f"version-floor-{version}", "v0.0.9/" not in "".join(service.downloads[-1:]) or st.exit_code == 2, "nothing older is installed")

    baseline_cases(service, run_case, check, gate_bin)
    upload_cases(service, run_case, check, gate_bin)
    comment_cases(service, run_case, check, gate_bin)


def comment_cases(service, run_case, check, gate_bin):
    """pr-comment: auto comments in pull requests only; the token reaches
    the gate only when a comment is to be posted."""
    rec = Path(gate_bin).parent / "pr-comment-recorder"
    rec.mkdir(exist_ok=True)
    binary, log = recorder(rec, Path(gate_bin), token=True)

    def argv(c):
        return log.read_text().split("\n") if log.is_file() else []

    def pair(words, flag):
        return words[words.index(flag) + 1] if flag in words[:-1] else None

    for name, event, inputs, mode, token in [
        ("pr-comment-auto-pr", "pull_request", {}, "always", True),
        ("pr-comment-auto-push", "push", {}, "off", False),
        ("pr-comment-failures", "push", {"pr-comment": "failures"}, "failures", True),
        ("pr-comment-off-in-pr", "pull_request", {"pr-comment": "off"}, "off", False),
    ]:
        log.unlink(missing_ok=True)
        c = run_case(name, service, {"run-ids": "101", **inputs}, binary=binary, github={"event_name": event})
        words = argv(c)
        check(name, pair(words, "--pr-comment") == mode, f"the gate gets --pr-comment {mode}", str(words)[:400])
        got = "token=T" in argv(c)
        check(name, got == token, "the token reaches the gate" if token else "the token does not reach the gate", str(got))
        check(name, c.r.step("gate").exit_code == 0, "a passing gate stays passing", c.r.step("gate").stdout[-400:])
    log.unlink(missing_ok=True)
    c = run_case("pr-comment-key", service, {"run-ids": "101", "pr-comment": "always", "comment-key": "matrix a"}, binary=binary)
    check("pr-comment-key", pair(argv(c), "--comment-key") == "matrix a", "comment-key is one argument", str(argv(c))[:400])
    c = run_case("pr-comment-bad", service, {"run-ids": "101", "pr-comment": "sometimes"}, binary=binary)
    check("pr-comment-bad", c.r.step("gate").exit_code == 2 and "pr-comment must be auto, always, failures or off" in c.r.step("gate").stdout, "a bad value is refused (exit 2)", c.r.step("gate").stdout[-400:])


def baseline_cases(service, run_case, check, gate_bin):
    inputs = {"run-ids": "101 201", "max-score": "100", "max-failed-runs": "1", "baseline": "auto", "agent-id": "", "args": "--api vocera"}
    # On the default branch: the report is saved, no comparison.
    c = run_case("baseline-auto-save", service, inputs, binary=gate_bin, env=GITHUB_ENV, github=_main("refs/heads/main"))
    plan = c.r.step("plan").outputs
    check("baseline-auto-save", plan.get("baseline-mode") == "save", "on the default branch the mode is save", str(plan))
    key, prefix = plan.get("baseline-key", ""), plan.get("baseline-prefix", "")
    check("baseline-auto-save", prefix.startswith("vocera-gate-baseline-Linux-") and key == prefix + "4242-1", "the key: what was gated, hashed, plus the run", key)
    check("baseline-auto-save", c.gate_outputs().get("baseline-saved") == "true", "the gate step prepares the report for the cache", str(c.gate_outputs()))
    bdir = Path(plan.get("baseline-dir", "/nonexistent"))
    meta = (bdir / "meta.txt").read_text() if (bdir / "meta.txt").is_file() else ""
    check("baseline-auto-save", (bdir / "report.json").is_file() and f"commit={GITHUB_ENV['GITHUB_SHA']}\n" in meta and "time=20" in meta, "report.json and meta.txt (commit, ISO time)", meta)
    save = [s for s in c.r.steps if s.name == "Save the baseline (baseline auto)"][0]
    check("baseline-auto-save", save.ran and save.with_.get("key") == key and save.with_.get("path") == str(bdir), "actions/cache/save gets that key and folder", str(save.with_))
    check("baseline-auto-save", c.r.step("baseline-restore").ran is False, "nothing is restored on the default branch")
    check("baseline-auto-save", "--baseline" not in c.r.step("gate").stdout + c.r.step("gate").stderr and "compared with the baseline" not in c.r.step("gate").stdout, "no --baseline on the default branch")
    report = (bdir / "report.json").read_text() if (bdir / "report.json").is_file() else "{}"

    # Another subject, another key.
    other = run_case("baseline-auto-other", service, {**inputs, "args": "--api cekura"}, binary=gate_bin, env=GITHUB_ENV, github=_main("refs/heads/main"))
    check("baseline-auto-other", other.r.step("plan").outputs.get("baseline-prefix") not in ("", prefix), "another API profile has another key")

    def restore(age_days: float | None, when: str | None = None):
        def effect(with_: dict):
            if age_days is None:
                return
            d = Path(with_["path"])
            d.mkdir(parents=True, exist_ok=True)
            (d / "report.json").write_text(report)
            epoch = int(time.time() - age_days * 86400)
            saved = when if when is not None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
            (d / "meta.txt").write_text(f"commit=fedcba9876543210fedcba9876543210fedcba98\ntime={saved}\nepoch={epoch}\n")
        return {"baseline-restore": effect}

    for label, age, warn in (("fresh", 2.2, False), ("old", 10.5, True), ("missing", None, True)):
        name = f"baseline-auto-{label}"
        c = run_case(name, service, inputs, binary=gate_bin, env=GITHUB_ENV, github=_main("refs/pull/7/merge"), uses_effects=restore(age))
        plan = c.r.step("plan").outputs
        rs = c.r.step("baseline-restore")
        check(name, plan.get("baseline-mode") == "restore" and rs.ran and rs.with_.get("restore-keys") == prefix and rs.with_.get("path") == plan.get("baseline-dir") and Path(rs.with_.get("path", "")).name == bdir.name, "a pull request restores the newest baseline by the same prefix, into the same folder", f"{plan} {rs.with_}")
        c.expect_exit(0)
        g = c.r.step("gate")
        summary = g.summary
        warned = "::warning title=vocera-gate action::" in g.stdout and "warning:" in summary
        check(name, warned == warn, f"{'a' if warn else 'no'} warning in the log and the summary", g.stdout[-800:] + summary)
        if age is None:
            check(name, "none found" in summary and "compared with the baseline" not in g.stdout + g.stderr, "missing: says so, compares nothing, passes", summary)
        else:
            days = int(age)
            meta = Path(rs.with_.get("path", "/nonexistent")) / "meta.txt"
            when = meta.read_text().split("time=")[1].split("\n")[0] if meta.is_file() else "?"
            check(name, f"commit fedcba9876543210fedcba9876543210fedcba98, saved {when} ({days} days old)" in summary, "the summary names the baseline's commit and age", summary)
            check(name, "baseline" in (g.stdout + g.stderr).lower() and "compared with the baseline" in g.stdout + g.stderr, "the gate compares with it (--baseline)", (g.stdout + g.stderr)[-1500:])
            # --baseline-saved-at is passed: the gate names the report's own
            # commit (the default branch's GITHUB_SHA) with the age.
            check(name, f"  baseline: commit 0123456 ({days} days old)\n" in g.stdout and f"Baseline: commit 0123456 ({days} days old)" in summary, "the gate gets --baseline-saved-at: its verdict and summary name the age", g.stdout[-1500:] + summary)
            stale = f"the baseline is {days} days old: run the gate on the default branch to refresh it"
            check(name, (f"vocera-gate: warning: {stale}" in g.stderr and "⚠ The baseline is" in summary) == warn, f"{'a' if warn else 'no'} warning from the gate itself", g.stderr[-800:] + summary)
        check(name, not [s for s in c.r.steps if s.name == "Save the baseline (baseline auto)" and s.ran], "a pull request saves nothing")

    # A damaged save time is no usage error: the gate compares, without an age.
    name = "baseline-auto-bad-time"
    c = run_case(name, service, inputs, binary=gate_bin, env=GITHUB_ENV, github=_main("refs/pull/7/merge"), uses_effects=restore(1.0, when="2025-01-01 00:00; rm -rf /"))
    c.expect_exit(0)
    g = c.r.step("gate")
    check(name, "  baseline: commit 0123456\n  compared with the baseline" in g.stdout and "--baseline-saved-at" not in g.stderr, "no --baseline-saved-at for a time not in the action's own form", g.stdout[-1500:] + g.stderr[-500:])

    # A path keeps working as before: no cache step, no plan of a baseline.
    c = run_case("baseline-path", service, {"run-ids": "101", "baseline": "missing.json"}, binary=gate_bin)
    check("baseline-path", c.r.step("plan").outputs.get("baseline-mode") == "" and not c.r.step("baseline-restore").ran, "baseline: PATH is passed as before, no cache")
    check("baseline-path", c.r.step("gate").exit_code == 2 and "missing.json" in c.r.step("gate").stderr, "the gate reads that path", c.r.step("gate").stderr[-500:])


def upload_cases(service, run_case, check, gate_bin):
    a = run_case("upload-reports", service, {"run-ids": "101 201", "upload-reports": "true", "report-only": "true"}, binary=gate_bin, env=GITHUB_ENV)
    up = [s for s in a.r.steps if s.name == "Upload the reports"][0]
    plan = a.r.step("plan").outputs
    check("upload-reports", up.ran and up.with_.get("path") == plan.get("reports") and up.with_.get("if-no-files-found") == "ignore", "upload-artifact gets the call's reports folder, ignoring absent files", str(up.with_))
    files = sorted(p.name for p in Path(plan.get("reports", "/nonexistent")).iterdir()) if plan.get("reports") else []
    check("upload-reports", files == ["vocera-gate.json", "vocera-junit.xml", "vocera-report.html"], "the folder holds the JUnit, JSON and HTML reports", str(files))
    summary = a.r.step("gate").summary
    check("upload-reports", f"the artifact {up.with_.get('name')} on [the run's page](https://github.com/acme/agent/actions/runs/4242)" in summary, "the summary links the run's page", summary[-500:])
    b = run_case("upload-reports-2", service, {"run-ids": "101", "upload-reports": "true"}, binary=gate_bin, env=GITHUB_ENV, same_job=a)
    up2 = [s for s in b.r.steps if s.name == "Upload the reports"][0]
    check("upload-reports", up2.with_.get("name", "").startswith("vocera-gate-reports-") and up2.with_.get("name") != up.with_.get("name"), "each call's artifact has its own name", f"{up.with_} {up2.with_}")
    c = run_case("upload-reports-off", service, {"run-ids": "101"}, binary=gate_bin)
    check("upload-reports-off", not [s for s in c.r.steps if s.name == "Upload the reports" and s.ran] and "vocera-gate reports:" not in c.r.step("gate").summary, "nothing uploaded by default")
    c = run_case("upload-reports-bad", service, {"run-ids": "101", "upload-reports": "maybe"}, binary=gate_bin)
    check("upload-reports-bad", c.r.step("plan").exit_code == 2 and "upload-reports must be true or false" in c.r.step("plan").stdout, "a bad value is refused (exit 2)")
