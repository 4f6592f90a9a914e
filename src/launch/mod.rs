//! Before waiting and after it, when the runs are not given by ID: start a
//! result (or read an existing one's runs) and say its ID at once, so a
//! cancelled job still leaves a handle; and, whenever the gate stops with
//! runs of the result this invocation started unfinished (the deadline, a
//! failing API, a signal, an answer naming the result but unreadable), end
//! that result's calls, once, so a cancelled pipeline does not keep paying
//! for them. A start whose fate is unknown is looked up by its unique name,
//! never sent again. It also reads the result's own success rate, for
//! the reports.

mod ours;
mod start;

pub use ours::end_calls;

use crate::api::{Client, Priced};
use crate::config::{Chosen, Config, SuiteRun};
use crate::console::Console;
use crate::ending::Stop;
use crate::error::{Error, usage};
use crate::poll::Fetched;
use crate::signals::Signals;
use serde_json::{Map, Value};
use std::time::Instant;

/// What starting and reading runs needs: the client, and where to say
/// what happened (`quiet`: only what must be said).
pub struct Launch<'a> {
    pub client: &'a Client,
    pub console: &'a Console,
    pub quiet: bool,
    /// How the command line was typed: advice names a result the same way.
    pub form: crate::cli::Form,
}

impl Launch<'_> {
    /// A line on stderr, whatever the verbosity.
    fn say(&self, text: &str) {
        self.console.err(text);
    }

    /// A line on stderr, unless quiet.
    fn tell(&self, text: &str) {
        if !self.quiet {
            self.console.err(text);
        }
    }
}

/// The runs to wait for, and the result they belong to.
pub struct Runs {
    pub ids: Vec<u64>,
    pub result_id: Option<u64>,
    /// The result this invocation started, whose calls are ended should
    /// waiting stop early.
    pub ours: Option<u64>,
    /// `--keep-calls`: leave them running (and say so) instead.
    pub keep_calls: bool,
    /// The result whose list of runs is read again while waiting, and
    /// before judging: the runs came from reading it (`--result-id`, or a
    /// start found by its name), and runs may be added to it later.
    pub reread: Option<u64>,
    /// The started runs the agent under test must dial.
    pub dials: Vec<crate::start::Dial>,
}

/// The runs given by ID, a result's runs, or a new result's; the
/// platform's deprecation warning, if its answers gave one.
pub async fn runs(
    launch: &Launch<'_>,
    config: &Config,
    chosen: Option<&Chosen>,
    begun: Instant,
    signals: &mut Signals,
) -> Result<Runs, Error> {
    let runs = choose(launch, config, chosen, begun, signals).await;
    deprecation(launch);
    runs
}

/// Gives the deprecation warning the client noted, if any (once per run).
pub fn deprecation(launch: &Launch<'_>) {
    if let Some(warning) = launch.client.take_warning() {
        launch.tell(&format!("vocera-gate: warning: {warning}"));
    }
}

async fn choose(
    launch: &Launch<'_>,
    config: &Config,
    chosen: Option<&Chosen>,
    begun: Instant,
    signals: &mut Signals,
) -> Result<Runs, Error> {
    let deadline = begun + config.waiting.timeout;
    match chosen {
        None => Ok(Runs {
            ids: config.ids.clone(),
            result_id: None,
            ours: None,
            keep_calls: false,
            reread: None,
            dials: Vec::new(),
        }),
        Some(Chosen::Result(id)) => {
            let ids = result_ids(launch, *id, deadline, signals).await?;
            Ok(Runs {
                ids,
                result_id: Some(*id),
                ours: None,
                keep_calls: false,
                reread: Some(*id),
                dials: Vec::new(),
            })
        }
        Some(Chosen::Start {
            body,
            keep_calls,
            suite,
            ..
        }) => {
            let ours = ours::Ours {
                launch,
                keep_calls: *keep_calls,
            };
            let suite = config.suite.as_ref().filter(|_| *suite).map(|s| Spec {
                run: s,
                annotations: config.terminal.annotations,
            });
            start::start(&ours, body, suite, deadline, signals).await
        }
        Some(Chosen::Checked(_)) => Err(usage("a check of the spec sends nothing")),
    }
}

/// A spec being started (`--suite`): where its problems point.
struct Spec<'a> {
    run: &'a SuiteRun,
    annotations: bool,
}

/// The platform's own success rate of the result the runs belong to, read
/// once when every run is final, within the time `--timeout` leaves, for
/// the reports to show beside the gate's figures (a partial rate would
/// mislead, and a gate past its deadline must not linger). Never fatal: a
/// failure is a warning, a signal skips it, so the reports are written at
/// once.
pub async fn platform_rate(
    launch: &Launch<'_>,
    runs: &Runs,
    fetched: &Fetched,
    deadline: Instant,
    signals: &mut Signals,
) -> Option<String> {
    let id = runs.result_id?;
    let left = deadline.saturating_duration_since(Instant::now());
    if fetched.stop != Stop::AllFinal || left.is_zero() {
        return None;
    }
    let read = tokio::select! {
        read = launch.client.result_success_rate(id, left) => read,
        _ = signals.recv() => return None,
    };
    deprecation(launch);
    match read {
        Ok(rate) => rate,
        Err(e) => {
            launch.tell(&format!(
                "vocera-gate: warning: could not read the success rate of result {id} ({e}); the reports show the gate's figures only"
            ));
            None
        }
    }
}

/// Result `id`'s run IDs, announced; none is the user's error.
async fn result_ids(
    launch: &Launch<'_>,
    id: u64,
    deadline: Instant,
    signals: &mut Signals,
) -> Result<Vec<u64>, Error> {
    let ids = launch.client.result_runs(id, deadline, signals).await?;
    if ids.is_empty() {
        return Err(usage(format!("result {id} has no runs; check the ID")));
    }
    launch.say(&format!(
        "vocera-gate: gating result {id}: {}",
        crate::policy::runs_text(ids.len(), "run")
    ));
    Ok(ids)
}

/// `--suite PATH --dry-run`: the platform validates and prices the spec,
/// and its plan is printed; nothing is started.
pub async fn price(
    config: &Config,
    body: &Map<String, Value>,
    console: &Console,
) -> Result<(), Error> {
    let (client, mut signals) = connect(config)?;
    let deadline = Instant::now() + config.waiting.timeout;
    match client.suite_dry_run(body, deadline, &mut signals).await? {
        Priced::Plan(plan) => {
            console.out(crate::suite::plan_text(&plan).trim_end());
            Ok(())
        }
        Priced::Invalid(problems) => {
            let (shown, text) = config
                .suite
                .as_ref()
                .map_or(("the spec", ""), |s| (s.shown.as_str(), s.text.as_str()));
            Err(crate::config::suite_refused(
                shown,
                &crate::suite::locate(text, problems),
                config.terminal.annotations,
                "the platform's dry run refused it; nothing was started",
            ))
        }
    }
}

/// The API client of a gate that calls the API, and its signal listener
/// (listening before any request: a signal during the start request is
/// acted on as soon as the result is known).
pub fn connect(config: &Config) -> Result<(Client, Signals), Error> {
    let crate::config::Source::Api {
        endpoint,
        ca_certs,
        proxy,
        ..
    } = &config.source
    else {
        return Err(usage("this gate calls no API"));
    };
    let client = Client::new(
        endpoint.clone(),
        ca_certs.clone(),
        proxy.as_deref().cloned(),
        config.keep(),
        config.terminal.verbosity,
    )
    .map_err(|e| Error::Api(e.to_string()))?;
    let signals =
        Signals::new().map_err(|e| Error::System(format!("cannot listen for signals: {e}")))?;
    Ok((client, signals))
}
