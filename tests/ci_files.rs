//! The CI files agree with the binary and with each other: every flag that
//! action.yml and the GitLab and Jenkins examples pass to vocera-gate exists,
//! and the archives the action downloads are the ones release.yml publishes.
//! The files are read as text; the action's behaviour is tested by
//! scripts/test-action.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every `--long-flag` in `text` (the name only, without `=value`).
fn long_flags(text: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for word in text.split(|c: char| c.is_whitespace() || "()[]{}\"'`=,;".contains(c)) {
        if let Some(name) = word.strip_prefix("--") {
            let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if valid {
                flags.insert(word.to_owned());
            }
        }
    }
    flags
}

/// Every flag of every command's `--help`, and the flat form's mode flags
/// (hidden from `--help`, still accepted: `--from-file`, `--result-id`,
/// `--suite`).
fn help_flags() -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for command in ["gate", "replay", "result", "start", "suite"] {
        let out = Command::new(env!("CARGO_BIN_EXE_vocera-gate"))
            .args([command, "--help"])
            .output()
            .expect("run vocera-gate COMMAND --help");
        assert!(out.status.success(), "vocera-gate {command} --help failed");
        flags.extend(long_flags(&String::from_utf8_lossy(&out.stdout)));
    }
    let hidden = ["--from-file", "--result-id", "--suite"];
    flags.extend(hidden.map(str::to_owned));
    flags
}

/// The lines of `text` that pass arguments to vocera-gate: a command whose
/// first word is vocera-gate (`vocera-gate`, `./vocera-gate`, after an
/// optional YAML `- `), the lines that continue it (after a trailing `\`, or
/// starting with `--` as in a folded YAML scalar), and the `args+=(...)`
/// lines with which action.yml builds the gate's argument list.
fn gate_arguments(text: &str) -> String {
    let mut out = String::new();
    let mut in_command = false;
    let mut backslash = false;
    for line in text.lines() {
        let t = line.trim();
        let t = t.strip_prefix("- ").map_or(t, str::trim_start);
        let first = t.split_whitespace().next().unwrap_or("");
        if matches!(
            first.rsplit('/').next(),
            Some("vocera-gate" | "vocera-gate.exe")
        ) {
            in_command = true;
        } else if !(backslash || t.starts_with("--")) {
            in_command = false;
        }
        if in_command || t.contains("args+=(") {
            out.push_str(line);
            out.push('\n');
        }
        backslash = t.ends_with('\\');
    }
    out
}

#[test]
fn every_flag_in_the_ci_files_exists() {
    let known = help_flags();
    assert!(
        known.contains("--junit") && known.contains("--report-only"),
        "--help parsed badly: {known:?}"
    );
    for (file, at_least) in [
        ("action.yml", 10),
        ("examples/gitlab-ci.yml", 5),
        ("examples/Jenkinsfile", 5),
    ] {
        let used = long_flags(&gate_arguments(&read(file)));
        assert!(
            used.len() >= at_least,
            "{file}: found only {used:?} in its vocera-gate commands; is the command still recognised?"
        );
        let unknown: Vec<_> = used.difference(&known).collect();
        assert!(
            unknown.is_empty(),
            "{file} passes flags that `vocera-gate --help` does not list: {unknown:?}"
        );
    }
}

/// The Rust target triples named in `text`.
fn targets(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|w| {
            let parts: Vec<&str> = w.split('-').collect();
            parts.len() >= 3
                && ["x86_64", "aarch64", "i686", "armv7", "arm", "riscv64gc"].contains(&parts[0])
                && ["unknown", "apple", "pc"].contains(&parts[1])
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_action_downloads_what_the_release_publishes() {
    let action = read("action.yml");
    let release = read(".github/workflows/release.yml");
    let expected: BTreeSet<String> = [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(targets(&release), expected, "release.yml builds these");
    assert_eq!(targets(&action), expected, "action.yml downloads these");

    // The same archive and folder name, extensions and checksum file.
    for (file, text) in [("action.yml", &action), ("release.yml", &release)] {
        for needle in [
            "vocera-gate-${tag}-${target}",
            "ext=tar.gz",
            "ext=zip",
            ".sha256",
        ] {
            assert!(text.contains(needle), "{file} does not say {needle:?}");
        }
    }
    assert!(
        action.contains("archive=\"vocera-gate-${tag}-${target}.${ext}\"")
            && release.contains("name=\"vocera-gate-${tag}-${target}\"")
            && release.contains("archive=\"${name}.${ext}\""),
        "the archive name is built differently in action.yml and release.yml"
    );
    // The action finds the binary in the folder that release.yml archives.
    assert!(action.contains("/vocera-gate-${tag}-${target}/vocera-gate${exe}"));
    assert!(
        release.contains("cp \"target/${target}/release/vocera-gate${exe}\" \"dist/${name}/\"")
    );
    // Checksum files hold "<hex>  <archive>", what sha256sum -c reads.
    assert!(
        release.contains("printf '%s  %s\\n' \"${hash}\" \"${archive}\" > \"${archive}.sha256\"")
    );
    assert!(action.contains("releases/download"));
}

#[test]
fn the_flag_scanner_finds_what_it_should() {
    let text = "script:\n  - >-\n    vocera-gate \"$IDS\"\n    --timeout 30m\n    --junit x.xml\n  - curl --fail x\n\
                sh '''\n  ./vocera-gate 1 \\\\\n    --max-score 5 \\\\\n    \"$@\"\n  tar --extract\n'''\n\
                args+=(--weight \"${w}\")\ncargo build --release\n";
    let found = long_flags(&gate_arguments(text));
    let want: BTreeSet<String> = ["--timeout", "--junit", "--max-score", "--weight"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(found, want);
}

#[test]
fn the_ci_workflow_expects_what_the_bundled_example_gives() {
    // .github/workflows/ci.yml runs the action on examples/runs.json and
    // checks its outputs; those figures must follow the example.
    let workflow = read(".github/workflows/ci.yml");
    let expected = |var: &str| -> u64 {
        let pattern = format!("test \"${var}\" = ");
        let line = workflow
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(&pattern))
            .unwrap_or_else(|| panic!("ci.yml checks no {var}"));
        line.parse()
            .unwrap_or_else(|e| panic!("ci.yml {var} = {line:?}: {e}"))
    };
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_vocera-gate"))
        .current_dir(dir.path())
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .args([
            "--from-file",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/runs.json"),
        ])
        .args(["--json", "gate.json", "--report-only", "-q"])
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("gate.json")).expect("json"))
            .expect("valid JSON");
    for (var, field) in [
        ("SCORE", "score"),
        ("RUNS", "runs"),
        ("FAILED_RUNS", "failed_runs"),
        ("ERRORED_RUNS", "errored_runs"),
    ] {
        assert_eq!(
            json[field].as_u64(),
            Some(expected(var)),
            "ci.yml's {var} differs from the example's {field}"
        );
    }
}

#[test]
fn the_bundled_spec_passes_the_check_with_no_key() {
    // examples/cekura.tests.json is what the README and the CI examples
    // point at: it must be valid as shipped, checked with no key.
    let out = Command::new(env!("CARGO_BIN_EXE_vocera-gate"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("VOCERA_API_KEY")
        .env_remove("CEKURA_API_KEY")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(["--suite", "examples/cekura.tests.json", "--check"])
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with(
            "examples/cekura.tests.json: valid: 3 cases of suite \"Appointments\" (sha256 "
        ),
        "{stdout}"
    );
    // The CI examples check and run the spec under its usual name.
    for file in [
        "examples/github-tests-as-code.yml",
        "examples/gitlab-ci.yml",
        "examples/Jenkinsfile",
    ] {
        assert!(
            read(file).contains("cekura.tests.json"),
            "{file} does not name cekura.tests.json"
        );
    }
}

#[test]
fn the_flag_table_lists_every_flag_and_no_other() {
    // The entries under "## Usage" in docs/reference.md (generated, see
    // tests/docs.rs) document every flag of `--help`, and name none that
    // does not exist (a renamed or removed flag).
    let reference = read("docs/reference.md");
    let usage = reference
        .split("\n## Usage\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/reference.md has a Usage section");
    let rows: String = usage
        .lines()
        .filter(|l| l.starts_with("#### `"))
        .map(|l| format!("{l}\n"))
        .collect();
    let documented = long_flags(&rows);
    let mut known = help_flags();
    known.remove("--help");
    known.remove("--version");
    assert!(known.contains("--suite") && known.contains("--check"));
    let missing: Vec<_> = known.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&known).collect();
    assert!(
        missing.is_empty(),
        "docs/reference.md's flag table lacks {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "docs/reference.md's flag table names flags `--help` does not: {unknown:?}"
    );
}

/// Each action input and its description (folded lines joined).
fn action_inputs(yaml: &str) -> Vec<(String, String)> {
    let inputs = yaml
        .split("\ninputs:\n")
        .nth(1)
        .and_then(|rest| rest.split("\noutputs:\n").next())
        .expect("action.yml has inputs, then outputs");
    let mut found: Vec<(String, String)> = Vec::new();
    let mut in_description = false;
    for line in inputs.lines() {
        let name = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'));
        if let Some(name) = name.filter(|n| !n.starts_with(' ')) {
            found.push((name.to_owned(), String::new()));
            in_description = false;
            continue;
        }
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(text) = trimmed.strip_prefix("description:") {
            in_description = true;
            let text = text.trim().trim_start_matches(">-");
            if let Some((_, d)) = found.last_mut() {
                d.push_str(text);
            }
        } else if in_description && indent > 4 {
            if let Some((_, d)) = found.last_mut() {
                d.push(' ');
                d.push_str(trimmed);
            }
        } else {
            in_description = false;
        }
    }
    found
}

#[test]
fn every_action_input_that_maps_to_a_flag_names_it() {
    // Short descriptions point to the flag, whose --help says the rest: an
    // input named like a flag names it, and the others are listed here.
    let renamed = [
        ("run-ids", "RUN_IDS"),
        ("junit-path", "--junit"),
        ("weights", "--weight"),
        ("thresholds", "--threshold"),
        ("check-only", "--check"),
    ];
    // The Action's own: what it installs, uploads or hands over.
    let no_flag = ["args", "version", "upload-reports", "github-token"];
    let known = help_flags();
    let inputs = action_inputs(&read("action.yml"));
    assert!(inputs.len() >= 25, "{inputs:?}");
    for (input, description) in &inputs {
        if no_flag.contains(&input.as_str()) {
            continue;
        }
        let flag = match renamed.iter().find(|(i, _)| i == input) {
            Some((_, flag)) => (*flag).to_owned(),
            None => format!("--{input}"),
        };
        assert!(
            flag == "RUN_IDS" || known.contains(&flag),
            "action input {input}: no flag {flag}; map it in this test (renamed or no_flag)"
        );
        let words: Vec<&str> = description
            .split(|c: char| c.is_whitespace() || "(),;.\"".contains(c))
            .collect();
        assert!(
            words.contains(&flag.as_str()),
            "action input {input}'s description does not name {flag}: {description:?}"
        );
    }
}
