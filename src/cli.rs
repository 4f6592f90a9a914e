//! The command line, as clap parses it. Names here are a contract: scripts
//! and the GitHub Action depend on them. Values that stand alone (durations,
//! weights, the profile) are typed by clap value parsers (`values`), so a bad one
//! is an error naming its flag; checks that relate flags, the disk or the
//! key are `config`'s job.
//!
//! Each way of choosing the runs is a command (`gate`, `replay`, `result`,
//! `start`, `suite`) built from the option groups that make sense for it
//! (`connection`, `waiting`, `policy`, `output`, `start`); the flat form of
//! earlier releases (`flat`) still parses, hidden. Both become one [`Args`]
//! (in `commands` and `flat`), so `config` applies the same rules to each.
//!
//! Run IDs stay text until `config`: a bad ID token may be an API key pasted
//! in the wrong place, and only `config`, which knows the key, can refuse it
//! without echoing it.

mod commands;
mod connection;
mod flat;
mod help;
mod output;
mod policy;
mod reference;
mod start;
mod values;
mod waiting;

pub use commands::{Form, RunIds};
pub use connection::Connection;
pub use output::{ColorWhen, Output, PrComment};
pub use policy::{BaselineMode, Policy, ThresholdScope};
pub use reference::reference_markdown;
pub use start::{Channel, Launch, Mode, Selection, StartArgs};
pub use values::Weight;
pub use waiting::Waiting;

use crate::policy::PassRate;
use crate::policy::threshold::Threshold;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// Wait for Vocera (Cekura) test runs to finish, write a JUnit report, and
/// exit nonzero when the runs fail the threshold policy.
#[derive(Debug, Parser)]
// A later flag overrides an earlier one (so wrappers can pass defaults and
// users their own); repeatable flags such as --weight still add up.
#[command(
    name = "vocera-gate",
    version,
    about,
    max_term_width = 100,
    args_override_self = true,
    args_conflicts_with_subcommands = true,
    // The flat form's flags are hidden; the commands are the way in.
    override_usage = "vocera-gate <COMMAND> [ARGS] [OPTIONS]"
)]
#[command(after_help = help::top())]
struct Cli {
    #[command(subcommand)]
    command: Option<commands::Sub>,
    #[command(flatten)]
    flat: flat::Flat,
}

/// The command line as `config` checks it: one flat list, whichever form
/// (a command, or the flat form of earlier releases) gave it. Parse it with
/// [`Parser::try_parse`] / [`Parser::try_parse_from`].
#[derive(Debug)]
pub struct Args {
    /// Which form of the command line gave these: how messages name an
    /// input.
    pub form: Form,
    /// A helper command (`completions`, `man`): no gate runs.
    pub command: Option<Command>,
    pub run_ids: Vec<String>,
    pub run_ids_file: Option<PathBuf>,
    /// A saved response to replay.
    pub from_file: Option<PathBuf>,
    pub start: StartArgs,
    pub connection: Connection,
    pub timeout: Duration,
    pub poll_interval: Duration,
    pub max_poll_interval: Duration,
    pub weights: Vec<Weight>,
    pub max_score: u64,
    pub max_failed_runs: Option<u64>,
    pub min_pass_rate: Option<PassRate>,
    pub max_failed_scenarios: Option<u64>,
    pub max_errored_runs: u64,
    pub thresholds: Vec<Threshold>,
    pub threshold_scope: ThresholdScope,
    pub baseline: Option<PathBuf>,
    pub baseline_saved_at: Option<std::time::SystemTime>,
    pub baseline_mode: Option<BaselineMode>,
    pub report_only: bool,
    pub junit: PathBuf,
    pub save_response: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub summary: Option<PathBuf>,
    pub github_output: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub include_transcript: bool,
    pub include_recordings: bool,
    pub color: ColorWhen,
    pub quiet: bool,
    pub verbose: bool,
    pub pr_comment: PrComment,
    pub comment_key: Option<String>,
}

impl Args {
    /// The option groups, with no runs chosen yet.
    fn of(connection: Connection, waiting: Waiting, policy: Policy, output: Output) -> Args {
        let Waiting {
            timeout,
            poll_interval,
            max_poll_interval,
        } = waiting;
        let Policy {
            weights,
            max_score,
            max_failed_runs,
            min_pass_rate,
            max_failed_scenarios,
            max_errored_runs,
            thresholds,
            threshold_scope,
            baseline,
            baseline_saved_at,
            baseline_mode,
            report_only,
        } = policy;
        let Output {
            junit,
            save_response,
            json,
            summary,
            github_output,
            html,
            include_transcript,
            include_recordings,
            color,
            quiet,
            verbose,
            pr_comment,
            comment_key,
        } = output;
        Args {
            form: Form::Flat,
            command: None,
            run_ids: Vec::new(),
            run_ids_file: None,
            from_file: None,
            start: StartArgs::default(),
            connection,
            timeout,
            poll_interval,
            max_poll_interval,
            weights,
            max_score,
            max_failed_runs,
            min_pass_rate,
            max_failed_scenarios,
            max_errored_runs,
            thresholds,
            threshold_scope,
            baseline,
            baseline_saved_at,
            baseline_mode,
            report_only,
            junit,
            save_response,
            json,
            summary,
            github_output,
            html,
            include_transcript,
            include_recordings,
            color,
            quiet,
            verbose,
            pr_comment,
            comment_key,
        }
    }
}

/// The whole command line: the commands, and the flat form's flags hidden
/// at the top level with its sources of runs declared to clap.
impl CommandFactory for Args {
    fn command() -> clap::Command {
        flat::declare_sources(Cli::command().mut_args(|a| a.hide(true)))
    }

    fn command_for_update() -> clap::Command {
        Self::command()
    }
}

impl FromArgMatches for Args {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let cli = Cli::from_arg_matches(matches)?;
        let flat = cli.flat.into_args();
        Ok(match cli.command {
            Some(sub) => sub.into_args(flat),
            None => flat,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Parser for Args {
    fn try_parse() -> Result<Self, clap::Error> {
        Self::try_parse_from(std::env::args_os())
    }

    fn try_parse_from<I, T>(argv: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let matches = Self::command()
            .try_get_matches_from(argv)
            .map_err(flat::reword)?;
        Self::from_arg_matches(&matches).map_err(|e| e.format(&mut Self::command()))
    }
}

/// Helpers around the gate itself.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    Man,
}

/// Runs a helper subcommand. A closed stdout (`... | head`) is no error.
pub fn print_helper(command: Command) -> Result<(), crate::error::Error> {
    use clap::CommandFactory;
    use std::io::Write;
    let cmd = Args::command();
    // Rendered in memory first: clap_complete panics on a failed write
    // (`... completions bash | head`), and a panic is no exit code to rely on.
    let text = match command {
        Command::Completions { shell } => completion(shell, &cmd),
        Command::Man => crate::man::render(cmd, help::EXAMPLES),
    };
    match std::io::stdout().lock().write_all(&text) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(crate::error::usage(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// What the shells complete: the commands and their options. The flat
/// form's flags are hidden from `--help`, and clap_complete would still
/// offer all of them after `vocera-gate <TAB>`, burying the commands.
fn for_completion(cmd: &clap::Command) -> clap::Command {
    clap::Command::new("vocera-gate")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommands(cmd.get_subcommands().cloned())
}

/// The completion script for `shell`.
fn completion(shell: clap_complete::Shell, cmd: &clap::Command) -> Vec<u8> {
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut for_completion(cmd), "vocera-gate", &mut text);
    if shell != clap_complete::Shell::Bash {
        return text;
    }
    // clap_complete 4.6 labels a command's options
    // `vocera__subcmd__gate__subcmd__gate)` (the dash of the binary's name
    // taken for a command separator) but sets
    // `cmd="vocera__gate__subcmd__gate"`: no option after a command would
    // complete in bash.
    String::from_utf8_lossy(&text)
        .replace("vocera__subcmd__gate__subcmd__", "vocera__gate__subcmd__")
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_offers_the_commands_not_the_flat_flags_at_the_top() {
        let text = completion(clap_complete::Shell::Bash, &Args::command());
        let text = String::from_utf8(text).expect("UTF-8");
        // Every command the script can reach has its options.
        let mut reached = 0;
        for line in text.lines().map(str::trim) {
            if let Some(name) = line
                .strip_prefix("cmd=\"")
                .and_then(|l| l.strip_suffix('"'))
                .filter(|n| !n.is_empty())
            {
                assert!(text.contains(&format!("\n        {name})\n")), "{name}");
                reached += 1;
            }
        }
        assert!(reached > 10, "{reached}");
        let top = text
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("vocera__gate)"))
            .find(|l| l.trim_start().starts_with("opts="))
            .expect("the top level's words");
        assert!(top.contains(" gate replay result start suite "), "{top}");
        assert!(
            !top.contains("--from-file") && !top.contains("--max-score"),
            "{top}"
        );
        assert!(text.contains("--max-score") && text.contains("--agent-id"));
    }

    #[test]
    fn the_man_page_has_environment_and_keeps_the_exit_table() {
        let page = crate::man::render(Args::command(), help::EXAMPLES);
        let page = String::from_utf8(page).expect("UTF-8");
        assert!(page.contains(".SH ENVIRONMENT\n"), "{page}");
        assert!(page.contains("\\fBCEKURA_API_KEY\\fR"), "{page}");
        assert!(!page.contains("vocera\\-gate\\-completions(1)"), "{page}");
        assert!(
            page.contains(".SH EXIT STATUS\n.nf\n  0    the gate passed\n"),
            "{page}"
        );
        assert!(
            page.contains(".SH EXAMPLES\n.nf\n  vocera\\-gate gate 181,180"),
            "{page}"
        );
    }

    #[test]
    fn the_man_page_documents_every_option_of_every_command() {
        let page = crate::man::render(Args::command(), help::EXAMPLES);
        let page = String::from_utf8(page).expect("UTF-8");
        let mut cmd = Args::command();
        cmd.build();
        let mut seen = 0;
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            assert!(
                page.contains(&format!(".SS {}\n", sub.get_name())),
                "{page}"
            );
            for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
                let shown = match arg.get_long() {
                    Some(long) => format!("\\fB\\-\\-{}\\fR", long.replace('-', "\\-")),
                    None if arg.is_positional() => {
                        let names = arg.get_value_names().unwrap_or_default();
                        format!("\\fI{}\\fR", names.first().map_or("", |n| n.as_str()))
                    }
                    None => continue,
                };
                if arg.get_long() == Some("help") {
                    continue;
                }
                assert!(page.contains(&shown), "{} {shown}", sub.get_name());
                seen += 1;
            }
        }
        assert!(seen > 100, "every command's options: {seen}");
        // The shared groups are documented once each, not per command.
        assert_eq!(page.matches("\\fB\\-\\-max\\-score\\fR").count(), 1);
    }

    #[test]
    fn top_level_help_lists_the_commands_and_hides_the_flat_flags() {
        let help = Args::command().render_long_help().to_string();
        for command in [
            "gate",
            "replay",
            "result",
            "start",
            "suite",
            "completions",
            "man",
        ] {
            assert!(help.contains(&format!("\n  {command} ")), "{help}");
        }
        for flat in [
            "--from-file <PATH>",
            "--result-id <ID>",
            "--agent-id <N>",
            "--max-score <N>",
            "[RUN_IDS]",
        ] {
            assert!(!help.contains(flat), "{flat}: {help}");
        }
        assert!(help.contains("--help") && help.contains("--version"));
        assert!(help.contains("Exit codes:") && help.contains("vocera-gate replay runs.json"));
    }
}
