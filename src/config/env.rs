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
    /// Standard output / error are terminals (and `TERM` is not `dumb`).
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// `HTTPS_PROXY`, `NO_PROXY` and their kin.
    pub proxies: ProxyVars,
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
            stdout_tty: std::io::stdout().is_terminal() && !dumb,
            stderr_tty: std::io::stderr().is_terminal() && !dumb,
            proxies: ProxyVars::from_process(),
        }
    }
}
