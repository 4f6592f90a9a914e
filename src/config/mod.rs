//! Raw flags become a checked [`Config`] before any network call or wait:
//! a short assembler of small, separately tested pieces (IDs, the key, the
//! endpoint, the output paths), so a typo costs a second, not a 30-minute
//! deadline.

mod baseline;
mod env;
mod ids;
mod key;
mod outputs;
mod start;
mod suite;

pub use crate::outputs::{Reports, StepFiles};
pub use env::Env;
pub use key::redactor;
pub use start::Chosen;
pub use suite::{SuiteRun, refused as suite_refused};

use crate::api::{Endpoint, Proxy, checked_base, read_ca_certs, start_url};
use crate::cli::{Args, BaselineMode, ColorWhen, PrComment, ThresholdScope};
use crate::console::{Console, Verbosity};
use crate::error::{Error, usage};
use crate::model::Keep;
use crate::policy::baseline::{Baseline, Mode};
use crate::policy::threshold::{Scope, Threshold};
use crate::policy::{Enforcement, Policy, Weights};
use crate::poll::Waiting;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// How far in the future `--baseline-saved-at` may be without a warning
/// (clocks of two machines differ).
const FUTURE_SLACK: Duration = Duration::from_secs(3600);

/// Where the runs come from.
// One per process: boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Source {
    Api {
        endpoint: Endpoint,
        /// Trusted on top of the system's certificate store.
        ca_certs: Vec<reqwest::Certificate>,
        /// From `HTTPS_PROXY` and its kin, `NO_PROXY` applied.
        proxy: Option<Box<Proxy>>,
        /// Runs chosen other than by ID (a result, or a start).
        chosen: Option<Chosen>,
    },
    /// A saved response, replayed without network.
    File(PathBuf),
    /// `--dry-run`: the start request to print; nothing is sent. Also what
    /// `--suite PATH --check` says of a valid spec.
    DryRun(String),
}

/// Everything a run of the gate needs, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// Requested run IDs, deduplicated, in the order given. Empty with a
    /// `File` source (the file's IDs are then used), a result or a start.
    pub ids: Vec<u64>,
    pub source: Source,
    pub waiting: Waiting,
    pub policy: Policy,
    /// The reports to write, each path checked.
    pub reports: Reports,
    /// What to show on the terminal and in the CI log.
    pub terminal: Terminal,
    /// `--baseline`: the reference runs' file, read by [`Config::baseline`].
    pub baseline: Option<PathBuf>,
    /// `--baseline-saved-at`: when that file was saved (its age is taken
    /// when it is read).
    pub baseline_saved_at: Option<SystemTime>,
    /// The commit gated (from the CI's variables), named in the JSON report.
    pub commit: Option<String>,
    /// `--suite`: the spec, checked; its keys name the cases.
    pub suite: Option<SuiteRun>,
    /// `--pr-comment`: where to post the comment, or why not; `None` when off.
    pub comment: Option<crate::github::Plan>,
    /// Which form of the command line gave it: how messages name an input.
    pub form: crate::cli::Form,
}

/// What the gate prints on stdout and stderr besides the reports.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    pub verbosity: Verbosity,
    /// Colour the verdict on stdout.
    pub color: bool,
    /// A live progress bar on stderr instead of one line per poll.
    pub progress_bar: bool,
    /// GitHub `::error` annotations on stdout.
    pub annotations: bool,
}

/// The verdict's rules, from the policy flags.
fn policy(args: &Args) -> Policy {
    let mut weights = Weights::default();
    for w in &args.weights {
        weights.set(&w.priority, w.weight);
    }
    Policy {
        weights,
        max_score: args.max_score,
        max_failed_runs: args.max_failed_runs.unwrap_or(0),
        max_errored_runs: args.max_errored_runs,
        max_failed_scenarios: args.max_failed_scenarios.unwrap_or(0),
        min_pass_rate: args.min_pass_rate.clone(),
        thresholds: distinct(&args.thresholds),
        threshold_scope: match args.threshold_scope {
            ThresholdScope::All => Scope::All,
            ThresholdScope::Scenario => Scope::Scenario,
        },
        baseline_mode: match args.baseline_mode {
            None | Some(BaselineMode::New) => Mode::New,
            Some(BaselineMode::All) => Mode::All,
        },
        enforcement: if args.report_only {
            Enforcement::ReportOnly
        } else {
            Enforcement::Gate
        },
    }
}

/// How the terminal is written to: colour, progress bar, annotations and
/// how much is said.
fn terminal(args: &Args, env: &Env) -> Terminal {
    Terminal {
        color: match args.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => env.stdout_tty && !env.no_color,
        },
        progress_bar: env.stderr_tty && !args.quiet,
        annotations: env.github_actions,
        verbosity: if args.quiet {
            Verbosity::Quiet
        } else if args.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        },
    }
}

impl Config {
    /// Checks the flags. `stdin` is read when `--run-ids-file -` is given;
    /// `env` holds the variables read besides clap's.
    pub fn from_args(args: Args, stdin: &mut dyn Read, env: Env) -> Result<Config, Error> {
        key::refuse_swallowed_flag(args.connection.api_key.as_deref())?;
        let keys = key::candidates(
            args.connection.api_key.as_deref(),
            env.cekura_key.as_deref(),
        );
        let ids = ids::collect(&args.run_ids, args.run_ids_file.as_deref(), stdin, &keys)?;
        if let (true, Some(file), Some(_)) = (ids.is_empty(), &args.run_ids_file, &args.from_file) {
            return Err(usage(format!(
                "--run-ids-file {} holds no run IDs, and with {} that would judge every run in the file instead; give the IDs, or drop --run-ids-file to judge them all",
                file.display(),
                args.form.from_file()
            )));
        }
        let (chosen, suite) = start::choose(&args, &env, stdin, &keys)?;
        let source = source(&args, &env, &ids, chosen, &keys)?;
        let waiting = Waiting {
            timeout: args.timeout,
            poll_interval: args.poll_interval,
            max_poll_interval: args.max_poll_interval,
        };
        if waiting.max_poll_interval < waiting.poll_interval {
            return Err(usage(format!(
                "--max-poll-interval {} is shorter than --poll-interval {}; raise it or lower --poll-interval",
                humantime::format_duration(waiting.max_poll_interval),
                humantime::format_duration(waiting.poll_interval)
            )));
        }
        check_rate_flags(&args)?;
        if let (None, Some(t)) = (
            &args.baseline,
            args.thresholds.iter().find(|t| t.needs_baseline()),
        ) {
            return Err(usage(format!(
                "--threshold '{}' compares with the baseline, but no --baseline was given; add --baseline PATH (a response saved with --save-response, or a --json report)",
                t.text
            )));
        }
        let step = StepFiles {
            summary: env.github_step_summary.clone(),
            output: env.github_output.clone(),
        };
        let reports = outputs::reports(&args, &step)?;
        let policy = policy(&args);
        let baseline = match (&args.baseline, args.baseline_mode) {
            (Some(path), _) => Some(path.clone()),
            (None, Some(_)) => {
                return Err(usage(
                    "--baseline-mode needs --baseline PATH (a response saved with --save-response, or a --json report)",
                ));
            }
            (None, None) => None,
        };
        if let (None, Some(_)) = (&baseline, args.baseline_saved_at) {
            return Err(usage(
                "--baseline-saved-at says when the baseline was saved, but no --baseline was given; add --baseline PATH, or drop --baseline-saved-at",
            ));
        }

        let comment = comment(&args, &env);
        Ok(Config {
            ids,
            suite,
            comment,
            source,
            waiting,
            policy,
            baseline,
            baseline_saved_at: args.baseline_saved_at,
            commit: env.commit.as_deref().map(str::trim).map(str::to_owned),
            reports,
            terminal: terminal(&args, &env),
            form: args.form,
        })
    }

    /// The baseline's runs, read and judged under the policy; `None`
    /// without `--baseline`. A file that cannot be read as one is exit 2.
    pub fn baseline(&self, console: &Console) -> Result<Option<Baseline>, Error> {
        let Some(path) = self.baseline.as_deref() else {
            return Ok(None);
        };
        let mut read = baseline::read(path)?;
        if let Some(suite) = &self.suite {
            read.runs.iter_mut().for_each(|r| suite.spec.identify(r));
        }
        let quiet = self.terminal.verbosity == Verbosity::Quiet;
        if let Some(w) = read.warning.filter(|_| !quiet) {
            console.err(&format!("vocera-gate: warning: {w}"));
        }
        let mut baseline = Baseline::new(&self.policy, read.runs);
        baseline.commit = read.commit;
        baseline.age = self.baseline_saved_at.map(|saved| {
            // The clock is the shell's; the core is given the age.
            let now = SystemTime::now();
            if saved.duration_since(now).is_ok_and(|ahead| ahead > FUTURE_SLACK) && !quiet {
                console.err("vocera-gate: warning: --baseline-saved-at is in the future (a clock or a value is wrong): the baseline's age is taken as 0");
            }
            now.duration_since(saved).unwrap_or_default()
        });
        Ok(Some(baseline))
    }

    /// What parsing must keep of each run for the reports asked for.
    pub fn keep(&self) -> Keep {
        Keep {
            raw: (self.reports)
                .get(crate::outputs::Report::SaveResponse)
                .is_some(),
            transcript: self.reports.include_transcript,
            // Only these reports show them: otherwise skipped unread, as
            // transcripts are.
            explanations: [crate::outputs::Report::Html, crate::outputs::Report::Json]
                .into_iter()
                .any(|report| self.reports.get(report).is_some()),
        }
    }
}

/// A saved response to replay, a dry run, or the API with a key and an
/// endpoint.
fn source(
    args: &Args,
    env: &Env,
    ids: &[u64],
    chosen: Option<Chosen>,
    keys: &[&str],
) -> Result<Source, Error> {
    if let Some(path) = &args.from_file {
        return Ok(Source::File(path.clone()));
    }
    let profile = args.connection.api;
    match &chosen {
        None if ids.is_empty() => {
            return Err(usage(
                "no run IDs given; pass them as arguments (181,180), with --run-ids-file, start runs with --agent-id N --scenarios IDS, or replay a saved response with --from-file",
            ));
        }
        Some(Chosen::Checked(text)) => return Ok(Source::DryRun(text.clone())),
        Some(Chosen::Start {
            body,
            dry_run: true,
            suite: false,
            ..
        }) => {
            // No key needed: nothing is sent. One given is hidden anyway.
            let base = checked_base(profile, set(args.connection.base_url.as_deref()))?;
            let url = start_url(profile, &base);
            // Unused, but checked: a certificate file or a proxy variable
            // the real run would refuse fails the dry run the same way.
            ca_certs(args)?;
            crate::api::proxy::choose(&url, &env.proxies)?;
            let text = crate::start::dry_run(url.as_str(), profile.header(), body);
            let text = keys.iter().fold(text, |t, k| {
                crate::api::ApiKey::from_source((*k).to_owned(), "").hide_in(&t)
            });
            return Ok(Source::DryRun(text));
        }
        _ => {}
    }
    let sources = key::Sources {
        api_key: args.connection.api_key.as_deref(),
        vocera_env: env.vocera_key.as_deref(),
        cekura_env: env.cekura_key.as_deref(),
    };
    let key = key::choose(args.connection.api, sources)?;
    let endpoint = Endpoint::for_profile(
        args.connection.api,
        set(args.connection.base_url.as_deref()),
        key,
    )?;
    let ca_certs = ca_certs(args)?;
    let proxy = crate::api::proxy::choose(&endpoint.url, &env.proxies)?.map(Box::new);
    Ok(Source::Api {
        endpoint,
        ca_certs,
        proxy,
        chosen,
    })
}

/// `--pr-comment`, settled; `None` when off.
fn comment(args: &Args, env: &Env) -> Option<crate::github::Plan> {
    use crate::github::Mode;
    let mode = match args.pr_comment {
        PrComment::Off => return None,
        PrComment::Always => Mode::Always,
        PrComment::Failures => Mode::Failures,
    };
    Some(crate::github::plan(
        mode,
        args.comment_key.as_deref(),
        args.include_recordings,
        &env.github,
        env.commit.as_deref(),
        &env.proxies,
    ))
}

/// The thresholds, each check once: a repeat, however spelled
/// (`Latency <= 4000` after `Latency<=4000`), is dropped and the first
/// spelling kept, so one check never counts twice.
fn distinct(thresholds: &[Threshold]) -> Vec<Threshold> {
    let mut kept: Vec<Threshold> = Vec::with_capacity(thresholds.len());
    for t in thresholds {
        if !kept.iter().any(|k| k.same_check(t)) {
            kept.push(t.clone());
        }
    }
    kept
}

/// The `--ca-cert` certificates, none when unset.
fn ca_certs(args: &Args) -> Result<Vec<reqwest::Certificate>, Error> {
    // CI templates often set variables to "" for "not set".
    match args
        .connection
        .ca_cert
        .as_deref()
        .filter(|p| !p.as_os_str().is_empty())
    {
        Some(path) => read_ca_certs(path),
        None => Ok(Vec::new()),
    }
}

/// An optional value, with an empty or blank one meaning unset.
fn set(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.trim().is_empty())
}

/// `--max-failed-scenarios` only means something with `--min-pass-rate`,
/// which replaces `--max-failed-runs`.
fn check_rate_flags(args: &Args) -> Result<(), Error> {
    match (&args.min_pass_rate, args.max_failed_runs, args.max_failed_scenarios) {
        (Some(_), Some(_), _) => Err(usage(
            "--max-failed-runs does not apply with --min-pass-rate; use --max-failed-scenarios N (e.g. --min-pass-rate 0.8 --max-failed-scenarios 0)"
                .to_owned(),
        )),
        (None, _, Some(_)) => Err(usage(
            "--max-failed-scenarios needs --min-pass-rate; add e.g. --min-pass-rate 0.8".to_owned(),
        )),
        _ => Ok(()),
    }
}
