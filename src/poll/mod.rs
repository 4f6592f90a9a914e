//! Waiting for runs to finish: the loop that polls, sleeps and listens for
//! the CI system cancelling the job. Every decision (how long to wait, when
//! to stop and why) is the pure [`Poll`] state's; this loop only fetches,
//! sleeps and listens.

mod delays;
mod state;

pub use state::Poll;

use crate::api::{Client, FetchError};
use crate::ending::Stop;
use crate::model::{Parsed, RawRun};
use crate::signals::Signals;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

/// How long to wait, and how often to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub timeout: Duration,
    pub poll_interval: Duration,
    pub max_poll_interval: Duration,
}

/// One chunk of requested IDs and what the API answered for it.
pub type Answer = (Vec<u64>, Result<Parsed, FetchError>);

/// What to do after a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Poll again after this long.
    Wait(Duration),
    /// Every run is final: read the result's list of runs once more, and
    /// stop only if it lists no new one ([`Poll::confirm`]).
    Confirm,
    Stop(Stop),
}

/// Where waiting stands after a poll, for the progress line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Runs returned in a final state.
    pub finished: usize,
    /// Requested runs the API's answer did not hold: not waited for, and
    /// not finished either.
    pub missing: usize,
    pub total: usize,
    /// Unfinished runs by status (`not seen yet` for runs with no answer).
    pub waiting: BTreeMap<String, usize>,
    /// The wait before the next poll.
    pub next: Duration,
    /// Why the last poll failed, when it did.
    pub trouble: Option<String>,
}

/// What the waiting loop reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Progress(Progress),
    Warning(String),
}

/// What polling learned.
#[derive(Debug)]
pub struct Fetched {
    /// The latest state of each returned run.
    pub runs: HashMap<u64, RawRun>,
    /// Requested IDs the API answered without.
    pub missing: HashSet<u64>,
    pub stop: Stop,
}

/// Polls until every run is final, the deadline passes, the API fails for
/// good, or a signal arrives. `log` receives progress and warnings. When
/// the runs are result `result`'s (`--result-id`), its list is read again
/// while waiting and once more before every run counts as final: runs it
/// lists then are added to `ids` and waited for too. The first poll that
/// finds `dialed` runs still waiting to be dialed warns.
pub async fn wait_for_runs(
    client: &Client,
    ids: &mut Vec<u64>,
    result: Option<u64>,
    dialed: &[u64],
    waiting: Waiting,
    signals: &mut Signals,
    log: &mut dyn FnMut(Event),
) -> Fetched {
    let now = Instant::now();
    let mut poll = Poll::new(ids, waiting, now, None).dialed(dialed);
    if result.is_some() {
        poll = poll.rereading(state::reread_interval(&waiting), now);
    }
    let fetched = wait(client, &mut poll, result, signals, log).await;
    ids.extend_from_slice(poll.added());
    poll.finish(fetched)
}

/// The waiting loop; why it stopped.
async fn wait(
    client: &Client,
    poll: &mut Poll,
    result: Option<u64>,
    signals: &mut Signals,
    log: &mut dyn FnMut(Event),
) -> Stop {
    loop {
        let answers = tokio::select! {
            answers = client.fetch_all(poll.pending(), poll.deadline()) => answers,
            s = signals.recv() => return Stop::Cancelled(s),
        };
        let (mut next, mut events) = poll.absorb(answers, Instant::now());
        if let (Next::Confirm, Some(id)) = (&next, result) {
            let listed = tokio::select! {
                listed = client.reread_result(id, poll.deadline()) => listed,
                s = signals.recv() => return Stop::Cancelled(s),
            };
            let (confirmed, more) = poll.confirm(listed, Instant::now());
            next = confirmed;
            events.extend(more);
        }
        events.extend(client.take_warning().map(Event::Warning));
        events.into_iter().for_each(&mut *log);
        let wait = match next {
            Next::Wait(wait) => wait,
            Next::Stop(stop) => return stop,
            Next::Confirm => return Stop::AllFinal,
        };
        if let (true, Some(id)) = (poll.reread_due(Instant::now()), result) {
            let listed = tokio::select! {
                listed = client.reread_result(id, poll.deadline()) => listed,
                s = signals.recv() => return Stop::Cancelled(s),
            };
            let events = poll.relisted(listed, Instant::now());
            events.into_iter().for_each(&mut *log);
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            s = signals.recv() => return Stop::Cancelled(s),
        }
    }
}
