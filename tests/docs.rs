//! The docs and the command line stay together: every long flag the CLI
//! declares (in every subcommand, hidden ones included) is written as
//! `--flag` somewhere in README.md or docs/*.md; every `--flag` those pages
//! and action.yml's descriptions name exists (or is another tool's, on a
//! short list); and every relative link in the pages leads to a file that
//! exists, and to a heading of it when it names one.

use clap::CommandFactory;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Flags the docs name that belong to other tools, not to vocera-gate.
/// Keep it short: a vocera-gate flag must never need to be here.
const OTHER_TOOLS: &[&str] = &[
    // cargo: `cargo run --release`, `cargo install --locked --path . / --git
    // URL --tag T`, `cargo test --test NAME --lib`, `cargo bench --bench NAME`,
    // `cargo clippy --all-targets`, `cargo fmt --all`.
    "--release",
    "--locked",
    "--path",
    "--git",
    "--tag",
    "--test",
    "--lib",
    "--bench",
    "--all-targets",
    "--all",
    // cargo test's own: `cargo test --no-run`, `-- --exact NAME`.
    "--no-run",
    "--exact",
    // gh: `gh attestation verify --repo R --signer-workflow W`.
    "--repo",
    "--signer-workflow",
    // the project's own scripts: `scripts/bench --quick`,
    // `scripts/test-action --source-build`.
    "--quick",
    "--source-build",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// README.md and every docs/*.md, by path relative to the root.
fn pages() -> BTreeMap<String, String> {
    let mut pages = BTreeMap::new();
    pages.insert("README.md".to_owned(), read(&root().join("README.md")));
    let dir = root().join("docs");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list docs/: {e}"));
    for entry in entries {
        let path = entry.expect("a docs/ entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            let name = path.file_name().expect("a name").to_string_lossy();
            pages.insert(format!("docs/{name}"), read(&path));
        }
    }
    assert!(
        pages.len() >= 8,
        "README.md and docs/*.md: {:?}",
        pages.keys()
    );
    pages
}

/// Every long flag of the command line, subcommands and hidden args included.
fn cli_flags() -> BTreeSet<String> {
    fn walk(cmd: &clap::Command, flags: &mut BTreeSet<String>) {
        for arg in cmd.get_arguments() {
            if let Some(long) = arg.get_long() {
                flags.insert(format!("--{long}"));
            }
            for alias in arg.get_all_aliases().into_iter().flatten() {
                flags.insert(format!("--{alias}"));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, flags);
        }
    }
    let mut flags = BTreeSet::new();
    walk(&vocera_gate::cli::Args::command(), &mut flags);
    flags
}

/// Every `--flag` token in `text`: two dashes not preceded by a word
/// character or a dash, then a lowercase letter, then lowercase letters,
/// digits and single dashes (`--max-score`; not `---`, not `a--b`).
fn flag_tokens(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut found = BTreeSet::new();
    let mut i = 0;
    while let Some(at) = text[i..].find("--").map(|p| p + i) {
        i = at + 2;
        let before = at.checked_sub(1).map(|b| bytes[b]);
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            continue;
        }
        let name: String = text[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        let name = name.trim_end_matches('-');
        if name.starts_with(|c: char| c.is_ascii_lowercase()) {
            found.insert(format!("--{name}"));
        }
    }
    found
}

/// The text of every `description:` in action.yml (inputs and outputs),
/// with the lines that continue it (indented deeper than the key).
fn action_descriptions(yaml: &str) -> String {
    let mut out = String::new();
    let mut within: Option<usize> = None;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        if let Some(depth) = within {
            if trimmed.is_empty() || indent > depth {
                out.push_str(trimmed);
                out.push('\n');
                continue;
            }
            within = None;
        }
        if let Some(rest) = trimmed.strip_prefix("description:") {
            within = Some(indent);
            out.push_str(rest);
            out.push('\n');
        }
    }
    out
}

#[test]
fn every_flag_of_the_command_line_is_documented() {
    let flags = cli_flags();
    assert!(
        flags.contains("--junit") && flags.contains("--from-file") && flags.contains("--check"),
        "the walk of the command line missed flags: {flags:?}"
    );
    let documented: BTreeSet<String> = pages().values().flat_map(|t| flag_tokens(t)).collect();
    let missing: Vec<_> = flags.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "flags of the command line that README.md and docs/*.md never mention: {missing:?}"
    );
}

#[test]
fn every_flag_the_docs_name_exists() {
    let mut known = cli_flags();
    known.extend(["--help", "--version"].map(str::to_owned));
    let allowed: BTreeSet<String> = OTHER_TOOLS.iter().map(|f| (*f).to_owned()).collect();
    for flag in &allowed {
        assert!(
            !known.contains(flag),
            "{flag} is a vocera-gate flag: take it off OTHER_TOOLS"
        );
    }
    let mut sources: Vec<(String, String)> = pages().into_iter().collect();
    sources.push((
        "action.yml (descriptions)".to_owned(),
        action_descriptions(&read(&root().join("action.yml"))),
    ));
    assert!(
        flag_tokens(&sources.last().expect("action.yml").1).contains("--api"),
        "action.yml's descriptions were not read"
    );
    let mut unknown = Vec::new();
    for (page, text) in &sources {
        for flag in flag_tokens(text) {
            if !known.contains(&flag) && !allowed.contains(&flag) {
                unknown.push(format!("{page}: {flag}"));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "the docs name flags that vocera-gate does not have (a typo, or a renamed \
         flag; another tool's flag goes on OTHER_TOOLS): {unknown:?}"
    );
}

/// The anchor GitHub gives a heading: lowercase, spaces to dashes, only
/// letters, digits, `-` and `_` kept.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown page's headings (outside code blocks).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            found.insert(slug(line.trim_start_matches('#')));
        }
    }
    found
}

/// Every `](target)` of a Markdown page, outside code blocks.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            found.push(after[..end].to_owned());
            rest = &after[end..];
        }
    }
    found
}

#[test]
fn every_relative_link_leads_somewhere() {
    let pages = pages();
    let mut broken = Vec::new();
    let mut checked = 0;
    for (page, text) in &pages {
        let dir = Path::new(page).parent().unwrap_or(Path::new(""));
        for link in links(text) {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                PathBuf::from(page)
            } else {
                dir.join(file)
            };
            if !root().join(&target).exists() {
                broken.push(format!("{page}: {link} (no file {})", target.display()));
                continue;
            }
            if anchor.is_empty() || (!file.is_empty() && !file.ends_with(".md")) {
                continue;
            }
            let key = normal(&target);
            let Some(linked) = pages.get(&key) else {
                broken.push(format!("{page}: {link} (an anchor in a page not checked)"));
                continue;
            };
            if !anchors(linked).contains(anchor) {
                broken.push(format!("{page}: {link} (no heading #{anchor} in {key})"));
            }
        }
    }
    assert!(
        checked > 30,
        "only {checked} links found: is the link reader broken?"
    );
    assert!(broken.is_empty(), "broken links: {broken:#?}");
}

/// `docs/../README.md` as `README.md`.
fn normal(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::CurDir => {}
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

#[test]
fn every_doc_links_back_to_the_readme() {
    for (page, text) in pages() {
        if page != "README.md" {
            assert!(
                text.contains("](../README.md)"),
                "{page} has no link back to the README"
            );
        }
    }
}

#[test]
fn the_readers_find_what_they_should() {
    let text = "| --- | `--max-score N` a--b ---x --x- `--from-file=f` (--json) --Help\n";
    let want: BTreeSet<String> = ["--max-score", "--from-file", "--json", "--x"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(flag_tokens(text), want);
    assert_eq!(
        slug("Baseline: only new failures fail"),
        "baseline-only-new-failures-fail"
    );
    assert_eq!(slug("The policy, rule by rule"), "the-policy-rule-by-rule");
    let page = "# A\n```\n# not [x](y.md)\n```\nsee [b](docs/b.md#c) and [d](#a)\n";
    assert_eq!(links(page), vec!["docs/b.md#c", "#a"]);
    assert_eq!(anchors(page), BTreeSet::from(["a".to_owned()]));
    let yaml =
        "inputs:\n  x:\n    description: >-\n      Use --api\n      cekura.\n    default: --no\n";
    assert_eq!(action_descriptions(yaml), " >-\nUse --api\ncekura.\n");
}

/// The markers around the generated part of docs/reference.md.
const BEGIN: &str = "<!-- generated by `vocera_gate::cli::reference_markdown` from the doc comments in src/cli/: edit those, then run `VOCERA_BLESS=1 cargo test --test tests docs::` -->\n";
const END: &str = "<!-- end of generated text -->\n";

#[test]
fn the_reference_of_every_flag_is_generated_from_the_command_line() {
    let path = root().join("docs/reference.md");
    let page = read(&path);
    let (Some(start), Some(end)) = (page.find(BEGIN), page.find(END)) else {
        panic!("docs/reference.md lacks the markers {BEGIN:?} and {END:?}");
    };
    let generated = format!("\n{}\n", vocera_gate::cli::reference_markdown());
    let current = &page[start + BEGIN.len()..end];
    if current == generated {
        return;
    }
    if std::env::var_os("VOCERA_BLESS").is_some_and(|v| v == "1") {
        let page = format!("{}{BEGIN}{generated}{}", &page[..start], &page[end..]);
        std::fs::write(&path, page)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let line = current
        .lines()
        .zip(generated.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(current.lines().count().min(generated.lines().count()));
    panic!(
        "docs/reference.md's flags differ from the doc comments in src/cli/ (first at generated line {}: {:?}); \
         run `VOCERA_BLESS=1 cargo test --test tests docs::` and commit the page",
        line + 1,
        generated.lines().nth(line)
    );
}
