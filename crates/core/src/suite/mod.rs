//! Tests as Code: a spec of test cases kept in the user's repository
//! (commonly `cekura.tests.json`), checked here before anything is sent,
//! and its problems (ours or the platform's, keyed by a path into the
//! spec) placed at their line and column in the user's file.

pub(crate) mod locate;
mod platform;
mod rules;

pub use platform::{plan_text, platform_errors};
pub use rules::Case;
pub(crate) use rules::MAX_BYTES;

use serde_json::Value;

/// A problem at a place in the spec (`scenarios[1].metrics[0]`; empty for
/// the spec as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

/// Which spec a verdict judged, for the reports: its suite's name, the
/// file's path as given and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteInfo {
    pub name: Option<String>,
    pub path: String,
    pub sha256: String,
}

impl SuiteInfo {
    /// `suite "Billing" (cekura.tests.json, sha256 9d90bb549da1)`.
    pub fn line(&self) -> String {
        let name = self
            .name
            .as_deref()
            .map(|n| format!("suite {n:?}"))
            .unwrap_or_else(|| "a suite".to_owned());
        format!(
            "{name} ({}, sha256 {})",
            self.path,
            self.sha256.get(..12).unwrap_or(&self.sha256)
        )
    }
}

/// A problem placed in the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Located {
    pub line: usize,
    pub column: usize,
    pub path: String,
    pub message: String,
}

impl Located {
    /// `file:line:col: path: message`, the form compilers use.
    pub fn shown(&self, file: &str) -> String {
        let at = if self.path.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.path)
        };
        format!("{file}:{}:{}: {at}{}", self.line, self.column, self.message)
    }
}

/// A spec that passed every local check.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The file as parsed, sent as the request's `spec`.
    pub value: Value,
    /// `suite.name`, the default name of the result.
    pub suite_name: Option<String>,
    pub cases: Vec<Case>,
}

impl Spec {
    /// The key of the case named `name` (a run's scenario name); `None`
    /// when no case, or more than one, has that name (a run cannot tell
    /// which case it is of: it keeps its name and scenario).
    pub(crate) fn key_of(&self, name: &str) -> Option<&str> {
        let mut named = self.cases.iter().filter(|c| c.name == name.trim());
        match (named.next(), named.next()) {
            (Some(case), None) => Some(case.key.as_str()),
            _ => None,
        }
    }

    /// Names a run of this suite by its case's key, its identity: runs
    /// are grouped, named in the reports and matched with a baseline by
    /// it, so a case keeps its history when its display name (or the
    /// scenario the platform made of it) changes. A run of no case of the
    /// spec is left as it is.
    pub fn identify(&self, run: &mut crate::model::Run) {
        let Some(key) = run.scenario_name.as_deref().and_then(|n| self.key_of(n)) else {
            return;
        };
        run.scenario_name = Some(key.to_owned());
        run.scenario_id = None;
    }
}

/// Places problems in `text`, in file order.
pub fn locate(text: &str, problems: Vec<Problem>) -> Vec<Located> {
    let mut located: Vec<Located> = problems
        .into_iter()
        .map(|p| {
            let (line, column) = locate::position(text, &p.path).unwrap_or((1, 1));
            Located {
                line,
                column,
                path: p.path,
                message: p.message,
            }
        })
        .collect();
    located.sort();
    located.dedup();
    located
}

/// Checks a spec's text: the spec, or every problem found, in file order.
pub fn check(text: &str) -> Result<Spec, Vec<Located>> {
    let whole = |message: String| {
        vec![Located {
            line: 1,
            column: 1,
            path: String::new(),
            message,
        }]
    };
    if text.len() > MAX_BYTES {
        return Err(whole(format!(
            "the spec is {} bytes, at most {MAX_BYTES} (1 MB) allowed; split it into suites",
            text.len()
        )));
    }
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(body).map_err(|e| {
        let message = format!("not valid JSON: {e}");
        vec![Located {
            line: e.line().max(1),
            column: e.column().max(1),
            path: String::new(),
            message: message
                .rsplit_once(" at line ")
                .map_or(message.clone(), |(m, _)| m.to_owned()),
        }]
    })?;
    match rules::check(&value) {
        Ok(cases) => Ok(Spec {
            suite_name: value
                .pointer("/suite/name")
                .and_then(Value::as_str)
                .map(str::to_owned),
            value,
            cases,
        }),
        Err(problems) => Err(locate(text, problems)),
    }
}

#[cfg(test)]
mod tests;
