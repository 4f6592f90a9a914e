//! `--suite PATH`: a Tests-as-Code spec read and checked before anything
//! is sent (no key needed), its problems printed at their line and column
//! (and, in GitHub Actions, as annotations on the pull request's diff).

use crate::error::{Error, usage};
use crate::suite::{Located, Spec};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// A spec that passed the local checks, with what the reports say of it.
#[derive(Debug, Clone)]
pub struct SuiteRun {
    /// The path as given (`standard input` for `-`).
    pub shown: String,
    pub text: String,
    /// SHA-256 of the file's bytes, lowercase hex: which version of the
    /// tests a verdict judged.
    pub sha256: String,
    pub spec: Spec,
}

impl SuiteRun {
    /// Which spec a verdict judged, for the reports.
    pub fn info(&self) -> crate::suite::SuiteInfo {
        crate::suite::SuiteInfo {
            name: self.spec.suite_name.clone(),
            path: self.shown.clone(),
            sha256: self.sha256.clone(),
        }
    }
}

/// Reads and checks the spec at `path` (`-`: standard input), which the
/// command line named `named` (`--suite`, `the suite FILE`).
pub fn read(
    path: &Path,
    named: &str,
    stdin: &mut dyn Read,
    annotations: bool,
) -> Result<SuiteRun, Error> {
    let (shown, text) = if path.as_os_str() == "-" {
        let mut s = String::new();
        stdin
            .read_to_string(&mut s)
            .map_err(|e| usage(format!("cannot read {named} from standard input: {e}")))?;
        ("standard input".to_owned(), s)
    } else {
        let text = std::fs::read(path).map_err(|e| {
            usage(format!(
                "cannot read {named} {}: {}; give the path of a Tests-as-Code spec such as cekura.tests.json",
                path.display(),
                crate::files::plain(&e)
            ))
        })?;
        let text = String::from_utf8(text).map_err(|_| {
            usage(format!(
                "{named} {} is not UTF-8 text; a spec is a JSON file",
                path.display()
            ))
        })?;
        (path.display().to_string(), text)
    };
    let sha256 = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    match crate::suite::check(&text) {
        Ok(spec) => Ok(SuiteRun {
            shown,
            text,
            sha256,
            spec,
        }),
        Err(problems) => Err(refused(&shown, &problems, annotations, "nothing was sent")),
    }
}

/// Prints each problem (`file:line:col: path: message`, and an annotation
/// in GitHub Actions) and gives the one-line error that ends the gate.
pub fn refused(shown: &str, problems: &[Located], annotations: bool, after: &str) -> Error {
    // GitHub shows 10 error annotations a step: the runner's exit-code
    // error and the gate's own (the line below, which counts them all)
    // leave 8 for the problems; stderr lists every one.
    for (i, p) in problems.iter().enumerate() {
        crate::errln!("{}", p.shown(shown));
        if annotations && i + 1 < crate::render::github::MAX_ERRORS {
            let message = if p.path.is_empty() {
                p.message.clone()
            } else {
                format!("{}: {}", p.path, p.message)
            };
            crate::console::command_line(&crate::render::github::file_annotation(
                shown, p.line, p.column, &message,
            ));
        }
    }
    usage(format!(
        "the spec {shown} has {}; fix {} and run again ({after})",
        crate::policy::runs_text(problems.len(), "problem"),
        if problems.len() == 1 { "it" } else { "them" }
    ))
}

/// What `--check` prints of a valid spec.
pub fn checked(suite: &SuiteRun) -> String {
    let name = suite
        .spec
        .suite_name
        .as_deref()
        .map(|n| format!(" of suite {n:?}"))
        .unwrap_or_default();
    format!(
        "{}: valid: {}{name} (sha256 {}); nothing was sent",
        suite.shown,
        crate::policy::runs_text(suite.spec.cases.len(), "case"),
        suite.sha256
    )
}
