"""A small local runner for the composite action in action.yml.

It does what the GitHub runner does for a composite action, as far as the
action's tests need: fills in the inputs' defaults, evaluates the
`${{ }}` expressions of each step's `if:`, `env:` and `with:` (inputs.*,
github.*, runner.*, env.*, steps.<id>.outputs.*, steps.<id>.outcome, ==, !=,
&&, ||, !, success()/always()/failure()), runs each `run:` script as GitHub
does for its shell (`shell: sh` is `sh -e FILE`, with the `sh` the caller
names: dash, busybox, bash as sh; `shell: bash` is
`bash --noprofile --norc -eo pipefail FILE`), gives each step fresh
GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH / GITHUB_STEP_SUMMARY files and
reads them back, skips the steps after a failure unless their `if:` asks for
failure() or always(), and evaluates the action's `outputs:`. `uses:` steps
(actions/cache/restore, actions/cache/save) are not run: their `with:` is
evaluated and recorded, and their outputs are what the caller says.

Nothing is masked: stdout and stderr are kept raw, so a test can check that
a secret appears nowhere but in `::add-mask::` commands (which the real
runner consumes).

Python 3 standard library plus PyYAML.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml


class ExpressionError(Exception):
    pass


# ---------------------------------------------------------------- expressions

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<op>==|!=|&&|\|\||!|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z_][A-Za-z0-9_\-]*)*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"cannot parse expression at {text[pos:]!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _truthy(v) -> bool:
    return v not in (None, "", 0, False)


def _to_str(v) -> str:
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _equal(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()  # GitHub compares strings case-insensitively
    if isinstance(a, str) != isinstance(b, str):
        try:
            return float(a if a not in ("", None) else 0) == float(b if b not in ("", None) else 0)
        except (TypeError, ValueError):
            return False
    return a == b


class _Parser:
    def __init__(self, text: str, ctx: "Context", status_ok: bool):
        self.toks = _tokens(text)
        self.i = 0
        self.ctx = ctx
        self.status_ok = status_ok
        self.used_status = False

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self, value=None):
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise ExpressionError(f"expected {value!r}, found {tok[1]!r}")
        self.i += 1
        return tok

    def parse(self):
        v = self.or_()
        if self.i != len(self.toks):
            raise ExpressionError(f"trailing tokens: {self.toks[self.i:]}")
        return v

    def or_(self):
        v = self.and_()
        while self.peek()[1] == "||":
            self.take()
            w = self.and_()
            v = v if _truthy(v) else w
        return v

    def and_(self):
        v = self.cmp()
        while self.peek()[1] == "&&":
            self.take()
            w = self.cmp()
            v = w if _truthy(v) else v
        return v

    def cmp(self):
        v = self.unary()
        while self.peek()[1] in ("==", "!="):
            op = self.take()[1]
            w = self.unary()
            v = _equal(v, w) if op == "==" else not _equal(v, w)
        return v

    def unary(self):
        if self.peek()[1] == "!":
            self.take()
            return not _truthy(self.unary())
        return self.atom()

    def atom(self):
        kind, val = self.take()
        if kind == "op" and val == "(":
            v = self.or_()
            self.take(")")
            return v
        if kind == "str":
            return val[1:-1].replace("''", "'")
        if kind == "num":
            return float(val)
        if kind == "name":
            if self.peek()[1] == "(":
                self.take("(")
                self.take(")")
                return self.call(val)
            return self.ctx.lookup(val)
        raise ExpressionError(f"unexpected token {val!r}")

    def call(self, name: str):
        self.used_status = True
        if name == "success":
            return self.status_ok
        if name == "failure":
            return not self.status_ok
        if name == "always":
            return True
        if name == "cancelled":
            return False
        raise ExpressionError(f"function {name}() is not supported by this test runner")


@dataclass
class Context:
    inputs: dict
    github: dict
    runner: dict
    env: dict
    steps: dict = field(default_factory=dict)

    def lookup(self, dotted: str):
        if dotted in ("true", "false"):
            return dotted == "true"
        if dotted == "null":
            return None
        parts = dotted.split(".")
        head = parts[0]
        if head == "inputs" and len(parts) == 2:
            if parts[1] not in self.inputs:
                raise ExpressionError(f"undeclared input {parts[1]!r}")
            return self.inputs[parts[1]]
        if head == "github" and len(parts) > 2:  # github.event.repository.default_branch
            v = self.github
            for part in parts[1:]:
                v = v.get(part) if isinstance(v, dict) else None
            return v
        if head in ("github", "runner", "env") and len(parts) == 2:
            table = {"github": self.github, "runner": self.runner, "env": self.env}[head]
            if head != "env" and parts[1] not in table:
                raise ExpressionError(f"{dotted} is not provided by the test")
            return table.get(parts[1])
        if head == "steps" and len(parts) == 4 and parts[2] in ("outputs", "outcome", "conclusion"):
            step = self.steps.get(parts[1])
            if step is None:
                return None  # a step not run (yet, or skipped) has no outputs
            if parts[2] == "outputs":
                return step.outputs.get(parts[3])
            return step.outcome
        if head == "steps" and len(parts) == 3 and parts[2] in ("outcome", "conclusion"):
            step = self.steps.get(parts[1])
            return None if step is None else step.outcome
        raise ExpressionError(f"unsupported context {dotted!r}")

    def evaluate(self, expr: str, status_ok: bool = True):
        return _Parser(expr, self, status_ok).parse()

    def template(self, text) -> str:
        """A value with ${{ }} parts, as a string."""
        if not isinstance(text, str):
            return _to_str(text)
        out, pos = [], 0
        for m in re.finditer(r"\$\{\{(.*?)\}\}", text, re.S):
            out.append(text[pos : m.start()])
            out.append(_to_str(self.evaluate(m.group(1))))
            pos = m.end()
        out.append(text[pos:])
        return "".join(out)

    def condition(self, cond, status_ok: bool) -> bool:
        if cond is None:
            return status_ok
        if isinstance(cond, bool):
            return cond and status_ok
        text = str(cond).strip()
        m = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
        if m:
            text = m.group(1)
        p = _Parser(text, self, status_ok)
        v = _truthy(p.parse())
        return v if p.used_status else (v and status_ok)


# ---------------------------------------------------------------- file commands


def parse_file_commands(text: str) -> tuple[dict, dict]:
    """GITHUB_OUTPUT / GITHUB_ENV syntax: name=value, or name<<DELIM ... DELIM.
    Returns (values, delimiters) where delimiters maps each heredoc name to its delimiter."""
    values, delims = {}, {}
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line == "":
            i += 1
            continue
        eq, hd = line.find("="), line.find("<<")
        if hd != -1 and (eq == -1 or hd < eq):
            name, delim = line[:hd], line[hd + 2 :]
            body = []
            i += 1
            while i < len(lines) and lines[i] != delim:
                body.append(lines[i])
                i += 1
            if i >= len(lines):
                raise ValueError(f"heredoc for {name!r} never closed by {delim!r}")
            values[name] = "\n".join(body)
            delims[name] = delim
        elif eq != -1:
            values[line[:eq]] = line[eq + 1 :]
        else:
            raise ValueError(f"invalid file command line {line!r}")
        i += 1
    return values, delims


# ---------------------------------------------------------------- the runner


@dataclass
class StepResult:
    index: int
    id: str | None
    name: str
    kind: str  # "run" or "uses"
    ran: bool = False
    exit_code: int | None = None
    outcome: str = "skipped"
    env: dict = field(default_factory=dict)
    with_: dict = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    output_file: str = ""
    outputs: dict = field(default_factory=dict)
    output_delimiters: dict = field(default_factory=dict)
    summary: str = ""


@dataclass
class ActionResult:
    steps: list
    outputs: dict
    exit_code: int
    masks: list
    policy_violations: list

    def step(self, sid: str) -> StepResult:
        for s in self.steps:
            if s.id == sid:
                return s
        raise KeyError(sid)

    @property
    def stdout(self) -> str:
        return "".join(s.stdout for s in self.steps)

    @property
    def stderr(self) -> str:
        return "".join(s.stderr for s in self.steps)


def load_action(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def run_action(
    action_path: Path,
    *,
    inputs: dict,
    github: dict,
    base_env: dict,
    workdir: Path,
    runner_temp: Path,
    step_env_overrides: dict | None = None,
    uses_outputs: dict | None = None,
    uses_effects: dict | None = None,
    stop_after: str | None = None,
    sh: list | None = None,
    timeout: float = 600,
) -> ActionResult:
    """Runs the composite action. `base_env` is the job's environment (it
    must hold RUNNER_OS, RUNNER_ARCH, PATH, HOME, ...). `step_env_overrides`
    maps a step id to env values that replace what the step declares;
    `uses_outputs` maps the id of a `uses:` step to its outputs, and
    `uses_effects` to a function called with its evaluated `with:`. `sh` is the
    command that runs `shell: sh` steps (default: `sh` from PATH)."""
    action = load_action(action_path)
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    if unknown:
        raise ValueError(f"inputs not declared by the action: {sorted(unknown)}")
    values = {}
    for name, spec in declared.items():
        default = (spec or {}).get("default", "")
        values[name] = inputs.get(name, _to_str(default))
    job_env = dict(base_env)
    job_env.update(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(action_path.parent.resolve()),
            "RUNNER_TEMP": str(runner_temp),
            "GITHUB_WORKSPACE": str(workdir),
        }
    )
    runner_ctx = {
        "os": job_env.get("RUNNER_OS", "Linux"),
        "arch": job_env.get("RUNNER_ARCH", "X64"),
        "temp": str(runner_temp),
    }
    ctx = Context(inputs=values, github=dict(github), runner=runner_ctx, env=job_env)
    files_dir = runner_temp / "_runner_file_commands"
    files_dir.mkdir(parents=True, exist_ok=True)

    results: list[StepResult] = []
    masks: list[str] = []
    violations: list[str] = []
    status_ok = True
    exit_code = 0
    extra_path: list[str] = []
    for i, step in enumerate(action["runs"]["steps"]):
        sid = step.get("id")
        res = StepResult(
            index=i,
            id=sid,
            name=step.get("name", sid or f"step {i}"),
            kind="uses" if "uses" in step else "run",
        )
        results.append(res)
        if not ctx.condition(step.get("if"), status_ok):
            continue
        env = {k: ctx.template(v) for k, v in (step.get("env") or {}).items()}
        for k, v in ((step_env_overrides or {}).get(sid) or {}).items():
            env[k] = v
        res.env = env
        if "uses" in step:
            res.with_ = {k: ctx.template(v) for k, v in (step.get("with") or {}).items()}
            res.ran, res.outcome, res.exit_code = True, "success", 0
            res.outputs = dict(((uses_outputs or {}).get(sid) or {}))
            effect = (uses_effects or {}).get(sid)
            if effect is not None:  # what the action would do (restore files, say)
                effect(res.with_)
            if sid:
                ctx.steps[sid] = res
            if stop_after is not None and sid == stop_after:
                break
            continue
        script = step["run"]
        if "${{" in script:
            violations.append(f"step {res.name!r}: run script holds a ${{{{ }}}} expression")
        if step.get("shell") != "sh":
            violations.append(f"step {res.name!r}: shell is {step.get('shell')!r}, not sh")
        token = uuid.uuid4().hex
        paths = {
            "GITHUB_OUTPUT": files_dir / f"set_output_{token}",
            "GITHUB_ENV": files_dir / f"set_env_{token}",
            "GITHUB_PATH": files_dir / f"add_path_{token}",
            "GITHUB_STEP_SUMMARY": files_dir / f"step_summary_{token}",
            "GITHUB_STATE": files_dir / f"save_state_{token}",
        }
        for p in paths.values():
            p.write_text("")
        script_file = runner_temp / f"{token}.sh"
        script_file.write_text(script)
        proc_env = dict(job_env)
        if extra_path:
            proc_env["PATH"] = os.pathsep.join(extra_path + [proc_env.get("PATH", "")])
        proc_env.update(env)
        proc_env.update({k: str(v) for k, v in paths.items()})
        if step.get("shell") == "bash":
            command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)]
        else:
            command = [*(sh or ["sh"]), "-e", str(script_file)]
        proc = subprocess.run(
            command,
            cwd=workdir,
            env=proc_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
        )
        res.ran = True
        res.exit_code = proc.returncode
        res.stdout, res.stderr = proc.stdout, proc.stderr
        for line in proc.stdout.splitlines():
            if line.startswith("::add-mask::"):
                masks.append(line[len("::add-mask::") :])
        res.output_file = paths["GITHUB_OUTPUT"].read_text()
        res.outputs, res.output_delimiters = parse_file_commands(res.output_file)
        res.summary = paths["GITHUB_STEP_SUMMARY"].read_text()
        new_env, _ = parse_file_commands(paths["GITHUB_ENV"].read_text())
        job_env.update(new_env)
        extra_path = [p for p in paths["GITHUB_PATH"].read_text().splitlines() if p] + extra_path
        res.outcome = "success" if proc.returncode == 0 else "failure"
        if sid:
            ctx.steps[sid] = res
        if proc.returncode != 0:
            status_ok = False
            if exit_code == 0:
                exit_code = proc.returncode
        if stop_after is not None and sid == stop_after:
            break
    outputs = {}
    for name, spec in (action.get("outputs") or {}).items():
        outputs[name] = ctx.template((spec or {}).get("value", ""))
    return ActionResult(
        steps=results,
        outputs=outputs,
        exit_code=exit_code,
        masks=masks,
        policy_violations=violations,
    )
