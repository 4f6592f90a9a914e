//! Starting a result: its runs announced at once, and a start whose fate
//! is unknown looked up by its unique name, never sent again.

use super::ours::{Fate, Ours};
use super::{Runs, Spec, result_ids};
use crate::api::StartFailed;
use crate::ending::Signal;
use crate::error::{Error, usage};
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

/// Starts the result, or learns what became of a start that failed.
pub(super) async fn start(
    ours: &Ours<'_>,
    body: &Map<String, Value>,
    suite: Option<Spec<'_>>,
    deadline: Instant,
    signals: &mut Signals,
) -> Result<Runs, Error> {
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    let agent = body.get("agent_id").and_then(Value::as_u64);
    let started = match ours
        .launch
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
            ours.launch.say(&format!(
                "vocera-gate: started result {result_id}, but its answer could not be read in full"
            ));
            let fate = match ours.end(result_id, "its runs cannot be gated").await {
                Fate::Ended => "its calls were ended".to_owned(),
                Fate::Kept => format!(
                    "its calls were left running (--keep-calls): gate it with {}",
                    ours.launch.form.gate_result(&result_id.to_string())
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
    let line = started.line(crate::start::frequency(body));
    ours.launch.say(&format!("vocera-gate: {line}"));
    // At once too: the agent under test must call these numbers.
    for dial in &started.dials {
        ours.launch.say(&format!("vocera-gate: {}", dial.line()));
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
fn may_have_started(what: &str, name: &str, form: crate::cli::Form) -> Error {
    Error::Api(format!(
        "{what}; the runs may have started (and be billed): look for the result named {name:?} on the dashboard and gate it with {} instead of running this again, which would start them a second time",
        form.gate_result("ID")
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
    let (launch, client) = (ours.launch, ours.launch.client);
    if !client.lists_results() || name.is_empty() {
        return Err(may_have_started(
            &format!(
                "{why}; the v1 API (--api vocera) lists no results, so the gate could not look for it by its name"
            ),
            name,
            launch.form,
        ));
    }
    launch.say(&format!(
        "vocera-gate: {why}; looking for the result named {name:?} to learn whether the runs started"
    ));
    let mut found = Named::Unknown("not looked up".into());
    for pause in LOOKUPS {
        let look = async {
            tokio::time::sleep(pause).await;
            client.find_result(name, agent, LOOKUP_TIMEOUT).await
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
                launch.form,
            ));
        }
    };
    launch.say(&format!(
        "vocera-gate: found result {id} named {name:?}: the start was processed after all; gating it"
    ));
    let read_by = deadline.max(Instant::now() + FOUND_READ);
    match result_ids(launch, id, read_by, signals).await {
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
    let client = ours.launch.client;
    let found = if client.lists_results() && !name.is_empty() {
        tokio::select! {
            found = client.find_result(name, agent, CANCELLED_LOOKUP_TIMEOUT) => found,
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
    ours.launch.say(&format!(
        "vocera-gate: result {id} named {name:?} was started by this invocation"
    ));
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
