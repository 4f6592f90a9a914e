//! Before waiting and after it, when the runs are not given by ID: start a
//! result (or read an existing one's runs) and say its ID at once, so a
//! cancelled job still leaves a handle; and, whenever the gate stops with
//! runs of the result this invocation started unfinished (the deadline, a
//! failing API, a signal, an answer naming the result but unreadable), end
//! that result's calls, once, so a cancelled pipeline does not keep paying
//! for them. A start whose fate is unknown is looked up by its unique name,
//! never sent again. It also reads the result's own success rate, for
//! the reports.

use crate::api::{Client, Priced, StartFailed};
use crate::config::{Chosen, Config, SuiteRun};
use crate::console::Verbosity;
use crate::ending::{Signal, Stop};
use crate::error::{Error, usage};
use crate::poll::Fetched;
use crate::signals::Signals;
use crate::start::Named;
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// The pauses before each look for a result by its name: a platform still
/// busy with the start when the gate gave up has a few seconds to finish.
const LOOKUPS: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_secs(1),
    Duration::from_secs(2),
];
/// The most one look may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);
/// The one look a signal allows, the job being cancelled.
const CANCELLED_LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);
/// Time to read a result found by name, even past the deadline.
const FOUND_READ: Duration = Duration::from_secs(30);

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
    client: &Client,
    config: &Config,
    chosen: Option<&Chosen>,
    begun: Instant,
    signals: &mut Signals,
) -> Result<Runs, Error> {
    let runs = choose(client, config, chosen, begun, signals).await;
    deprecation(client, config.terminal.verbosity == Verbosity::Quiet);
    runs
}

/// Gives the deprecation warning the client noted, if any (once per run).
pub fn deprecation(client: &Client, quiet: bool) {
    if let Some(warning) = client.take_warning()
        && !quiet
    {
        crate::errln!("vocera-gate: warning: {warning}");
    }
}

async fn choose(
    client: &Client,
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
            let ids = result_ids(client, *id, deadline, signals).await?;
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
            let ours = Ours {
                client,
                keep_calls: *keep_calls,
                quiet: config.terminal.verbosity == Verbosity::Quiet,
            };
            let suite = config.suite.as_ref().filter(|_| *suite).map(|s| Spec {
                run: s,
                annotations: config.terminal.annotations,
            });
            start(&ours, body, suite, deadline, signals).await
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
    client: &Client,
    runs: &Runs,
    fetched: &Fetched,
    deadline: Instant,
    signals: &mut Signals,
    quiet: bool,
) -> Option<String> {
    let id = runs.result_id?;
    let left = deadline.saturating_duration_since(Instant::now());
    if fetched.stop != Stop::AllFinal || left.is_zero() {
        return None;
    }
    let read = tokio::select! {
        read = client.result_success_rate(id, left) => read,
        _ = signals.recv() => return None,
    };
    deprecation(client, quiet);
    match read {
        Ok(rate) => rate,
        Err(e) => {
            if !quiet {
                crate::errln!(
                    "vocera-gate: warning: could not read the success rate of result {id} ({e}); the reports show the gate's figures only"
                );
            }
            None
        }
    }
}

/// Result `id`'s run IDs, announced; none is the user's error.
async fn result_ids(
    client: &Client,
    id: u64,
    deadline: Instant,
    signals: &mut Signals,
) -> Result<Vec<u64>, Error> {
    let ids = client.result_runs(id, deadline, signals).await?;
    if ids.is_empty() {
        return Err(usage(format!("result {id} has no runs; check the ID")));
    }
    crate::errln!(
        "vocera-gate: gating result {id}: {}",
        crate::policy::runs_text(ids.len(), "run")
    );
    Ok(ids)
}

/// What ending the calls of a result this invocation started needs.
struct Ours<'a> {
    client: &'a Client,
    keep_calls: bool,
    quiet: bool,
}

/// How ending a result's calls went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Ended,
    Kept,
    Failed,
}

impl Ours<'_> {
    /// Ends result `id`'s calls (unless `--keep-calls`), saying so, and why
    /// (`as ...`); when the API refuses, says how to end them by hand.
    async fn end(&self, id: u64, why: &str) -> Fate {
        if self.keep_calls {
            if !self.quiet {
                crate::errln!(
                    "vocera-gate: leaving the unfinished calls of result {id} running (--keep-calls)"
                );
            }
            return Fate::Kept;
        }
        match self.client.end_calls(id).await {
            Ok(()) => {
                crate::errln!(
                    "vocera-gate: ended the calls of result {id}, as {why} (--keep-calls leaves them running)"
                );
                Fate::Ended
            }
            Err(e) => {
                crate::errln!(
                    "vocera-gate: warning: could not end the calls of result {id} ({e}); end them on the dashboard, or by hand: {}",
                    self.client.end_calls_by_hand(id)
                );
                Fate::Failed
            }
        }
    }

    /// `error`, after ending result `id`'s calls: the gate stops before
    /// gating them.
    async fn stop(&self, id: u64, error: Error) -> Error {
        self.end(id, "the gate stopped before gating its runs")
            .await;
        error
    }
}

/// Starts the result, or learns what became of a start that failed.
async fn start(
    ours: &Ours<'_>,
    body: &Map<String, Value>,
    suite: Option<Spec<'_>>,
    deadline: Instant,
    signals: &mut Signals,
) -> Result<Runs, Error> {
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    let agent = body.get("agent_id").and_then(Value::as_u64);
    let started = match ours
        .client
        .start(body, suite.is_some(), deadline, signals)
        .await
    {
        Ok(started) => started,
        Err(StartFailed::Error(e)) => return Err(e),
        Err(StartFailed::Spec(problems)) => {
            let shown = suite.as_ref().map_or("the spec", |s| s.run.shown.as_str());
            let text = suite.as_ref().map_or("", |s| s.run.text.as_str());
            let located = crate::suite::locate(text, problems);
            return Err(crate::config::suite_refused(
                shown,
                &located,
                suite.as_ref().is_some_and(|s| s.annotations),
                "the platform refused it; no runs were started",
            ));
        }
        Err(StartFailed::Partial { result_id, why }) => {
            // At once, whatever the verbosity: the handle to the runs.
            crate::errln!(
                "vocera-gate: started result {result_id}, but its answer could not be read in full"
            );
            let fate = match ours.end(result_id, "its runs cannot be gated").await {
                Fate::Ended => "its calls were ended".to_owned(),
                Fate::Kept => format!(
                    "its calls were left running (--keep-calls): gate it with --result-id {result_id}"
                ),
                Fate::Failed => "its calls could not be ended (see above)".to_owned(),
            };
            return Err(Error::Api(format!(
                "{why}; it names result {result_id}, which this start created: {fate}"
            )));
        }
        Err(StartFailed::Unknown(why)) => {
            return recover(ours, &why, name, agent, deadline, signals).await;
        }
        Err(StartFailed::Cancelled(signal)) => {
            return Err(cancelled(ours, signal, name, agent, signals).await);
        }
    };
    // At once, whatever the verbosity: the handle to the runs.
    crate::errln!(
        "vocera-gate: {}",
        started.line(crate::start::frequency(body))
    );
    // At once too: the agent under test must call these numbers.
    for dial in &started.dials {
        crate::errln!("vocera-gate: {}", dial.line());
    }
    if started.run_ids.is_empty() {
        return Err(usage(format!(
            "result {} was started with no runs: the selector matched no scenario; check --scenarios, --tags or --folder-path",
            started.result_id
        )));
    }
    Ok(Runs {
        ids: started.run_ids,
        result_id: Some(started.result_id),
        ours: Some(started.result_id),
        keep_calls: ours.keep_calls,
        reread: None,
        dials: started.dials,
    })
}

/// What to tell a user whose start may have been processed.
fn may_have_started(what: &str, name: &str) -> Error {
    Error::Api(format!(
        "{what}; the runs may have started (and be billed): look for the result named {name:?} on the dashboard and gate it with --result-id ID instead of running this again, which would start them a second time"
    ))
}

/// After a start whose fate is unknown: the result of this start's unique
/// name, gated (and ours) if exactly one exists; nothing started if none
/// does; today's advice if that cannot be known.
async fn recover(
    ours: &Ours<'_>,
    why: &str,
    name: &str,
    agent: Option<u64>,
    deadline: Instant,
    signals: &mut Signals,
) -> Result<Runs, Error> {
    if !ours.client.lists_results() || name.is_empty() {
        return Err(may_have_started(
            &format!(
                "{why}; the v1 API (--api vocera) lists no results, so the gate could not look for it by its name"
            ),
            name,
        ));
    }
    crate::errln!(
        "vocera-gate: {why}; looking for the result named {name:?} to learn whether the runs started"
    );
    let mut found = Named::Unknown("not looked up".into());
    for pause in LOOKUPS {
        let look = async {
            tokio::time::sleep(pause).await;
            ours.client.find_result(name, agent, LOOKUP_TIMEOUT).await
        };
        found = tokio::select! {
            found = look => found,
            s = signals.recv() => return Err(Error::Cancelled(
                s,
                format!("the start request was sent but its fate is unknown, so the runs may have started (and be billed): look for the result named {name:?} on the dashboard and end its calls there"),
            )),
        };
        if matches!(found, Named::One(_)) {
            break;
        }
    }
    let id = match found {
        Named::One(id) => id,
        Named::None => {
            return Err(Error::Api(format!(
                "{why}; no result is named {name:?}, so the platform did not process the start: no runs were started; run the gate again"
            )));
        }
        Named::Unknown(reason) => {
            return Err(may_have_started(
                &format!("{why}; looking for it by its name did not tell ({reason})"),
                name,
            ));
        }
    };
    crate::errln!(
        "vocera-gate: found result {id} named {name:?}: the start was processed after all; gating it"
    );
    let read_by = deadline.max(Instant::now() + FOUND_READ);
    match result_ids(ours.client, id, read_by, signals).await {
        Ok(ids) => Ok(Runs {
            ids,
            result_id: Some(id),
            ours: Some(id),
            keep_calls: ours.keep_calls,
            reread: Some(id),
            dials: Vec::new(),
        }),
        Err(e) => Err(ours.stop(id, e).await),
    }
}

/// A signal while the start request was out: the result is looked for
/// once, briefly, and its calls ended if it exists.
async fn cancelled(
    ours: &Ours<'_>,
    signal: Signal,
    name: &str,
    agent: Option<u64>,
    signals: &mut Signals,
) -> Error {
    let found = if ours.client.lists_results() && !name.is_empty() {
        tokio::select! {
            found = ours.client.find_result(name, agent, CANCELLED_LOOKUP_TIMEOUT) => found,
            _ = signals.recv() => Named::Unknown("cancelled again".into()),
        }
    } else {
        Named::Unknown("no list of results".into())
    };
    let Named::One(id) = found else {
        return Error::Cancelled(
            signal,
            format!(
                "the start request was sent but not answered, so the runs may have started (and be billed): look for the result named {name:?} on the dashboard and end its calls there"
            ),
        );
    };
    crate::errln!("vocera-gate: result {id} named {name:?} was started by this invocation");
    let fate = match ours.end(id, "the gate was cancelled").await {
        Fate::Ended => "its calls were ended",
        Fate::Kept => "its calls were left running (--keep-calls)",
        Fate::Failed => "its calls could not be ended (see above)",
    };
    Error::Cancelled(
        signal,
        format!("the start request was not answered, but it created result {id}: {fate}"),
    )
}

/// Ends result `id`'s calls when waiting stopped with runs unfinished on a
/// signal, the deadline or a failing API: once, bounded, logged, never
/// fatal.
pub async fn end_calls(client: &Client, runs: &Runs, fetched: &Fetched, quiet: bool) {
    let Some(id) = runs.ours else {
        return;
    };
    let ids = &runs.ids;
    if !matches!(
        fetched.stop,
        Stop::Cancelled(_) | Stop::Deadline | Stop::ApiFailed(_)
    ) {
        return;
    }
    let unfinished = ids.iter().any(|id| {
        !fetched.missing.contains(id)
            && fetched
                .runs
                .get(id)
                .is_none_or(|raw| raw.run.status.is_waiting())
    });
    if !unfinished {
        return;
    }
    let ours = Ours {
        client,
        keep_calls: runs.keep_calls,
        quiet,
    };
    ours.end(id, "the gate stopped with runs unfinished").await;
    deprecation(client, quiet);
}

/// `--suite PATH --dry-run`: the platform validates and prices the spec,
/// and its plan is printed; nothing is started.
pub async fn price(config: &Config, body: &Map<String, Value>) -> Result<(), Error> {
    let (client, mut signals) = connect(config)?;
    let deadline = Instant::now() + config.waiting.timeout;
    match client.suite_dry_run(body, deadline, &mut signals).await? {
        Priced::Plan(plan) => {
            crate::outln!("{}", crate::suite::plan_text(&plan).trim_end());
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
