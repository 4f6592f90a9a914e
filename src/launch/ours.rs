//! Ending the calls of a result this invocation started, when the gate
//! stops before they finish (or leaving them, with `--keep-calls`).

use super::{Launch, Runs, deprecation};
use crate::ending::Stop;
use crate::error::Error;
use crate::poll::Fetched;

/// What ending the calls of a result this invocation started needs.
pub(super) struct Ours<'a> {
    pub(super) launch: &'a Launch<'a>,
    pub(super) keep_calls: bool,
}

/// How ending a result's calls went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    Ended,
    Kept,
    Failed,
}

impl Ours<'_> {
    /// Ends result `id`'s calls (unless `--keep-calls`), saying so, and why
    /// (`as ...`); when the API refuses, says how to end them by hand.
    pub(super) async fn end(&self, id: u64, why: &str) -> Fate {
        let launch = self.launch;
        if self.keep_calls {
            launch.tell(&format!(
                "vocera-gate: leaving the unfinished calls of result {id} running (--keep-calls)"
            ));
            return Fate::Kept;
        }
        match launch.client.end_calls(id).await {
            Ok(()) => {
                launch.say(&format!(
                    "vocera-gate: ended the calls of result {id}, as {why} (--keep-calls leaves them running)"
                ));
                Fate::Ended
            }
            Err(e) => {
                launch.say(&format!(
                    "vocera-gate: warning: could not end the calls of result {id} ({e}); end them on the dashboard, or by hand: {}",
                    launch.client.end_calls_by_hand(id)
                ));
                Fate::Failed
            }
        }
    }

    /// `error`, after ending result `id`'s calls: the gate stops before
    /// gating them.
    pub(super) async fn stop(&self, id: u64, error: Error) -> Error {
        self.end(id, "the gate stopped before gating its runs")
            .await;
        error
    }
}

/// Ends result `id`'s calls when waiting stopped with runs unfinished on a
/// signal, the deadline or a failing API: once, bounded, logged, never
/// fatal.
pub async fn end_calls(launch: &Launch<'_>, runs: &Runs, fetched: &Fetched) {
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
        launch,
        keep_calls: runs.keep_calls,
    };
    ours.end(id, "the gate stopped with runs unfinished").await;
    deprecation(launch);
}
