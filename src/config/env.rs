//! The environment variables the gate reads besides clap's, read once so the
//! rest of `config` is a function of values (and testable without setting
//! process variables).

use crate::api::ProxyVars;
use std::path::PathBuf;

/// The environment variables the gate reads besides clap's.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `VOCERA_API_KEY` (clap reads it too, as `--api-key`; this tells the
    /// two apart).
    pub vocera_key: Option<String>,
    /// `CEKURA_API_KEY`, the fallback for the key.
    pub cekura_key: Option<String>,
    /// `GITHUB_STEP_SUMMARY`, the default summary file.
    pub github_step_summary: Option<PathBuf>,
    /// `GITHUB_OUTPUT`, the default step-outputs file.
    pub github_output: Option<PathBuf>,
    /// `GITHUB_ACTIONS=true`: print annotations.
    pub github_actions: bool,
    /// `NO_COLOR` is set to something (no-color.org).
    pub no_color: bool,
    /// The commit being tested (`GITHUB_SHA`, `CI_COMMIT_SHA` or
    /// `GIT_COMMIT`, the first set): the default name of a started result.
    pub commit: Option<String>,
    /// The CI run's identity, part of a started result's name:
    /// `run ID.ATTEMPT` (`GITHUB_RUN_ID`, `GITHUB_RUN_ATTEMPT`), `pipeline
    /// ID` (`CI_PIPELINE_ID`), or `BUILD_TAG` (Jenkins) as it is.
    pub ci_run: Option<String>,
    /// Random per invocation (empty in tests built by hand): with `ci_run`,
    /// it makes a started result's name this invocation's alone.
    pub nonce: String,
    /// Standard output / error are terminals (and `TERM` is not `dumb`).
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// `HTTPS_PROXY`, `NO_PROXY` and their kin.
    pub proxies: ProxyVars,
    /// `GITHUB_TOKEN`, `GITHUB_REPOSITORY` and the rest `--pr-comment` reads.
    pub github: crate::github::GithubEnv,
}

impl Env {
    pub fn from_process() -> Env {
        use std::io::IsTerminal;
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Env {
            vocera_key: std::env::var("VOCERA_API_KEY").ok(),
            cekura_key: std::env::var("CEKURA_API_KEY").ok(),
            github_step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            github_output: std::env::var_os("GITHUB_OUTPUT")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            github_actions: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            commit: ["GITHUB_SHA", "CI_COMMIT_SHA", "GIT_COMMIT"]
                .into_iter()
                .filter_map(|name| std::env::var(name).ok())
                .find(|v| !v.trim().is_empty()),
            ci_run: ci_run(&|name| std::env::var(name).ok()),
            nonce: nonce(),
            stdout_tty: std::io::stdout().is_terminal() && !dumb,
            stderr_tty: std::io::stderr().is_terminal() && !dumb,
            proxies: ProxyVars::from_process(),
            github: crate::github::GithubEnv::from_process(),
        }
    }
}

/// The CI run's identity from the variables `var` reads.
fn ci_run(var: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let set = |name: &str| {
        var(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    if let Some(id) = set("GITHUB_RUN_ID") {
        return Some(match set("GITHUB_RUN_ATTEMPT") {
            Some(attempt) => format!("run {id}.{attempt}"),
            None => format!("run {id}"),
        });
    }
    if let Some(id) = set("CI_PIPELINE_ID") {
        return Some(format!("pipeline {id}"));
    }
    set("BUILD_TAG")
}

/// Eight hex digits that differ from one invocation to the next: the
/// standard library's randomly keyed hasher over the time and process ID.
fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    format!("{:08x}", hasher.finish() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ci_run_is_named_by_the_first_system_found() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let github = vars(&[
            ("GITHUB_RUN_ID", "123456"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("BUILD_TAG", "x"),
        ]);
        assert_eq!(ci_run(&github).as_deref(), Some("run 123456.2"));
        let gitlab = vars(&[("CI_PIPELINE_ID", "789"), ("GITHUB_RUN_ID", " ")]);
        assert_eq!(ci_run(&gitlab).as_deref(), Some("pipeline 789"));
        let jenkins = vars(&[("BUILD_TAG", "jenkins-gate-42")]);
        assert_eq!(ci_run(&jenkins).as_deref(), Some("jenkins-gate-42"));
        assert_eq!(ci_run(&vars(&[])), None);
        let (a, b) = (nonce(), nonce());
        assert!(
            a.len() == 8 && a.bytes().all(|c| c.is_ascii_hexdigit()),
            "{a}"
        );
        assert_ne!(a, b, "one per invocation");
    }
}
