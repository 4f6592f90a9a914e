//! Before waiting and after it, when the runs are not given by ID: start a
//! result (or read an existing one's runs) and say its ID at once, so a
//! cancelled job still leaves a handle; when waiting stopped early, end the
//! calls of the result this invocation started, once, so a cancelled
//! pipeline does not keep paying for them; and read the result's own
//! success rate, for the reports.

use crate::api::Client;
use crate::config::{Chosen, Config};
use crate::ending::Stop;
use crate::error::{Error, usage};
use crate::poll::Fetched;
use crate::signals::Signals;
use std::time::Instant;

/// The runs to wait for, and the result they belong to.
pub struct Runs {
    pub ids: Vec<u64>,
    pub result_id: Option<u64>,
    /// The result this invocation started, whose calls are ended should
    /// waiting stop early.
    pub ours: Option<u64>,
    /// `--keep-calls`: leave them running (and say so) instead.
    pub keep_calls: bool,
}

/// The runs given by ID, a result's runs, or a new result's.
pub async fn runs(
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
        }),
        Some(Chosen::Result(id)) => {
            let ids = client.result_runs(*id, deadline, signals).await?;
            if ids.is_empty() {
                return Err(usage(format!("result {id} has no runs; check the ID")));
            }
            crate::errln!(
                "vocera-gate: gating result {id}: {}",
                crate::policy::runs_text(ids.len(), "run")
            );
            Ok(Runs {
                ids,
                result_id: Some(*id),
                ours: None,
                keep_calls: false,
            })
        }
        Some(Chosen::Start {
            body, keep_calls, ..
        }) => {
            let started = client.start(body, deadline, signals).await?;
            // At once, whatever the verbosity: the handle to the runs.
            crate::errln!(
                "vocera-gate: {}",
                started.line(crate::start::frequency(body))
            );
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
                keep_calls: *keep_calls,
            })
        }
    }
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

/// Ends result `id`'s calls when waiting stopped on a signal or the
/// deadline with runs unfinished: once, bounded, logged, never fatal.
pub async fn end_calls(client: &Client, runs: &Runs, fetched: &Fetched, quiet: bool) {
    let Some(id) = runs.ours else {
        return;
    };
    let ids = &runs.ids;
    if !matches!(fetched.stop, Stop::Cancelled(_) | Stop::Deadline) {
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
    if runs.keep_calls {
        if !quiet {
            crate::errln!(
                "vocera-gate: leaving the unfinished calls of result {id} running (--keep-calls)"
            );
        }
        return;
    }
    match client.end_calls(id).await {
        Ok(()) if !quiet => crate::errln!(
            "vocera-gate: ended the calls of result {id}, as the gate stopped with runs unfinished (--keep-calls leaves them running)"
        ),
        Ok(()) => {}
        Err(e) => crate::errln!(
            "vocera-gate: warning: could not end the calls of result {id} ({e}); end them on the dashboard"
        ),
    }
}
