//! The polling decisions as a value: [`Poll`] absorbs one poll's answers and
//! the current instant, and says what to do next ([`Next`]): wait how long,
//! or stop and why. No clock, no sleeping, no network, so every rule (blip
//! or outage at the deadline, Retry-After, the reset after progress, the
//! last poll before the deadline) is tested with synthetic instants.

mod answers;

use super::delays::{Delays, Pace};
use super::{Answer, Event, Fetched, Next, Progress, Waiting};
use crate::api::FetchError;
use crate::ending::Stop;
use crate::model::RawRun;
use answers::Tally;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

/// How long before the deadline the last poll goes out: a tenth of the
/// timeout, at most a second, so no request outlives the deadline.
pub fn last_poll_reserve(timeout: Duration) -> Duration {
    (timeout / 10).min(Duration::from_secs(1))
}

/// How long a run may stay `running`/`evaluating` and still count as
/// seconds from done: evaluation takes tens of seconds, so a run evaluated
/// longer than this is stuck, and waiting for it falls back to the backoff.
pub const LONGEST_EVALUATION: Duration = Duration::from_secs(5 * 60);

/// How often a result's list of runs is read again while waiting for them
/// (`--result-id`): every fourth longest wait, a minute by default.
pub fn reread_interval(waiting: &Waiting) -> Duration {
    waiting.max_poll_interval.saturating_mul(4)
}

/// When a result's list of runs was last read, and how often to read it.
struct Reread {
    every: Duration,
    last: Instant,
}

/// The state of waiting for a set of runs.
pub struct Poll {
    total: usize,
    requested: HashSet<u64>,
    /// Requested IDs not final yet, in request order: the next poll's IDs.
    pending: Vec<u64>,
    runs: HashMap<u64, RawRun>,
    missing: HashSet<u64>,
    /// When each unfinished run was first seen being evaluated (and has
    /// been since).
    evaluating_since: HashMap<u64, Instant>,
    delays: Delays,
    deadline: Instant,
    /// No poll goes out after this instant (see [`last_poll_reserve`]).
    last_call: Instant,
    /// Polls in a row that met a transient failure: one at the deadline is
    /// a blip, two or more mean the service kept failing.
    failing_polls: u32,
    /// The last poll's answer of the wrong shape, if it had one.
    last_shape: Option<String>,
    unexpected_warned: bool,
    unidentified_warned: bool,
    /// Set when the runs are a result's: its list is read again while
    /// waiting, and once more before every run counts as final.
    reread: Option<Reread>,
    /// Runs the result listed after waiting began, in the order found.
    added: Vec<u64>,
    /// Runs the agent under test must dial (outbound agents).
    dialed: HashSet<u64>,
    dial_warned: bool,
}

impl Poll {
    /// Starts waiting at `now` for `ids` (deduplicated, in request order).
    /// `seed` fixes the jitter, for tests.
    pub fn new(ids: &[u64], waiting: Waiting, now: Instant, seed: Option<u64>) -> Poll {
        let deadline = now + waiting.timeout;
        Poll {
            total: ids.len(),
            requested: ids.iter().copied().collect(),
            pending: ids.to_vec(),
            runs: HashMap::new(),
            missing: HashSet::new(),
            evaluating_since: HashMap::new(),
            delays: Delays::new(waiting.poll_interval, waiting.max_poll_interval, seed),
            deadline,
            last_call: deadline - last_poll_reserve(waiting.timeout),
            failing_polls: 0,
            last_shape: None,
            unexpected_warned: false,
            unidentified_warned: false,
            reread: None,
            added: Vec::new(),
            dialed: HashSet::new(),
            dial_warned: false,
        }
    }

    /// These runs wait for the agent under test to dial them: the first
    /// poll that finds any still `pending` warns.
    pub fn dialed(mut self, ids: &[u64]) -> Poll {
        self.dialed = ids.iter().copied().collect();
        self
    }

    /// The runs are a result's, whose list was read at `now`: read it
    /// again every `every`, and once more before stopping with every run
    /// final ([`Next::Confirm`]).
    pub fn rereading(mut self, every: Duration, now: Instant) -> Poll {
        self.reread = Some(Reread { every, last: now });
        self
    }

    /// Whether the result's list is due to be read again while waiting.
    pub fn reread_due(&self, now: Instant) -> bool {
        now < self.last_call
            && self
                .reread
                .as_ref()
                .is_some_and(|r| now.saturating_duration_since(r.last) >= r.every)
    }

    /// The runs the result listed after waiting began.
    pub fn added(&self) -> &[u64] {
        &self.added
    }

    /// The IDs the next poll asks for.
    pub fn pending(&self) -> &[u64] {
        &self.pending
    }

    /// The `--timeout` deadline: no request may outlive it.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// What was learned, and why waiting stopped.
    pub fn finish(self, stop: Stop) -> Fetched {
        Fetched {
            runs: self.runs,
            missing: self.missing,
            stop,
        }
    }

    /// Takes in one poll's answers, received at `now`; says what to do next
    /// and what to tell the user.
    pub fn absorb(&mut self, answers: Vec<Answer>, now: Instant) -> (Next, Vec<Event>) {
        let mut events = Vec::new();
        let Tally {
            newly_final,
            trouble,
            shape,
            retry_after,
        } = match self.tally(answers, &mut events) {
            Ok(tally) => tally,
            Err(message) => return (Next::Stop(Stop::ApiFailed(message)), events),
        };
        // An answer of the wrong shape may be a proxy's passing page; the
        // same one twice in a row is how the API answers, not a blip.
        if let Some(message) = shape
            .as_ref()
            .filter(|m| self.last_shape.as_ref() == Some(*m))
        {
            let why =
                format!("{message}; the same answer came twice in a row, so waiting will not help");
            return (Next::Stop(Stop::ApiFailed(why)), events);
        }
        self.last_shape = shape;
        self.warn_undialed(&mut events);
        let (runs, missing) = (&self.runs, &self.missing);
        self.pending.retain(|id| {
            !missing.contains(id) && runs.get(id).is_none_or(|r| r.run.status.is_waiting())
        });
        if self.pending.is_empty() {
            let next = if self.reread.is_some() {
                Next::Confirm
            } else {
                Next::Stop(Stop::AllFinal)
            };
            return (next, events);
        }
        self.failing_polls = if trouble.is_some() {
            self.failing_polls + 1
        } else {
            0
        };
        if now >= self.last_call {
            return (Next::Stop(self.at_deadline(trouble, &mut events)), events);
        }

        if newly_final > 0 {
            self.delays.reset();
        }
        self.note_evaluations(now);
        // Only the last run's finish decides when the gate can exit: while
        // every unfinished run is being evaluated (seconds from done), look
        // often; while any is still queued or calling (minutes away), or
        // stuck in evaluation, back off. A failing API always backs off.
        let pace = match &trouble {
            Some(_) => Pace::Failing { retry_after },
            None if self.all_evaluating(now) => Pace::Evaluating,
            None => Pace::Waiting,
        };
        let wait = self.delays.next(pace).min(self.last_call - now);
        events.push(Event::Progress(self.progress(wait, trouble)));
        (Next::Wait(wait), events)
    }

    /// Takes in the result's list of runs, read again while waiting: runs
    /// it did not list before are waited for too. A failed read is tried
    /// again later; the one before judging ([`Poll::confirm`]) decides.
    pub fn relisted(&mut self, listed: Result<Vec<u64>, FetchError>, now: Instant) -> Vec<Event> {
        let mut events = Vec::new();
        if let Some(reread) = &mut self.reread {
            reread.last = now;
        }
        if let Ok(ids) = listed {
            self.add(ids, &mut events);
        }
        events
    }

    /// Takes in the result's list of runs, read again once every run it
    /// listed was final: the same list means waiting is over; new runs are
    /// polled at once. When it cannot be read, a failing API is backed off
    /// up to the deadline, and then the gate stops without judging: runs
    /// added since could be missed.
    pub fn confirm(
        &mut self,
        listed: Result<Vec<u64>, FetchError>,
        now: Instant,
    ) -> (Next, Vec<Event>) {
        let mut events = Vec::new();
        if let Some(reread) = &mut self.reread {
            reread.last = now;
        }
        let unread = |message: &str| {
            format!(
                "{message}; the result's list of runs could not be read again before judging, so runs added to it since would be missed; check the service status or raise --timeout"
            )
        };
        match listed {
            Ok(ids) => {
                self.failing_polls = 0;
                self.add(ids, &mut events);
                if self.pending.is_empty() {
                    return (Next::Stop(Stop::AllFinal), events);
                }
                events.push(Event::Progress(self.progress(Duration::ZERO, None)));
                (Next::Wait(Duration::ZERO), events)
            }
            Err(FetchError::Fatal(message)) => {
                (Next::Stop(Stop::ApiFailed(unread(&message))), events)
            }
            Err(e) => {
                self.failing_polls += 1;
                if now >= self.last_call {
                    return (Next::Stop(Stop::ApiFailed(unread(&e.to_string()))), events);
                }
                let retry_after = match &e {
                    FetchError::Transient { retry_after, .. } => *retry_after,
                    FetchError::Fatal(_) => None,
                };
                let wait = self
                    .delays
                    .next(Pace::Failing { retry_after })
                    .min(self.last_call - now);
                events.push(Event::Progress(self.progress(wait, Some(e))));
                (Next::Wait(wait), events)
            }
        }
    }

    /// Warns, once, of the runs to be dialed that still wait for it.
    fn warn_undialed(&mut self, events: &mut Vec<Event>) {
        if self.dial_warned || self.dialed.is_empty() {
            return;
        }
        let undialed: Vec<String> = self
            .pending
            .iter()
            .filter(|id| self.dialed.contains(id))
            .filter(|id| {
                self.runs
                    .get(id)
                    .is_some_and(|r| r.run.status.label() == "pending")
            })
            .map(u64::to_string)
            .collect();
        if undialed.is_empty() {
            return;
        }
        self.dial_warned = true;
        events.push(Event::Warning(format!(
            "{} still {} to be dialed ({}): the agent under test must call each run's number before its window closes, or the run ends timeout",
            crate::policy::runs_text(undialed.len(), "run"),
            if undialed.len() == 1 { "waits" } else { "wait" },
            undialed.join(", ")
        )));
    }

    /// Waits for the runs in `listed` not requested before, too.
    fn add(&mut self, listed: Vec<u64>, events: &mut Vec<Event>) {
        let new: Vec<u64> = listed
            .into_iter()
            .filter(|id| self.requested.insert(*id))
            .collect();
        if new.is_empty() {
            return;
        }
        let shown: Vec<String> = new.iter().take(10).map(u64::to_string).collect();
        let more = if new.len() > shown.len() { ", ..." } else { "" };
        events.push(Event::Warning(format!(
            "{} added to the result while waiting ({}{more}); waited for and gated too",
            crate::policy::runs_text(new.len(), "run"),
            shown.join(", ")
        )));
        self.total += new.len();
        self.pending.extend(&new);
        self.added.extend(new);
    }

    /// Why waiting stops at the last call. The API failing then makes it an
    /// API failure only when that cost us the answer: it kept failing, or
    /// some run was never seen at all. A single failed last poll leaves the
    /// verdict to the answers before it (exit 1 or 3), with a warning.
    fn at_deadline(&self, trouble: Option<FetchError>, events: &mut Vec<Event>) -> Stop {
        let Some(FetchError::Transient {
            message,
            rate_limited,
            proxy,
            ..
        }) = trouble
        else {
            return Stop::Deadline;
        };
        let never_seen = self.pending.iter().any(|id| !self.runs.contains_key(id));
        if self.failing_polls < 2 && !never_seen {
            events.push(Event::Warning(format!(
                "the last poll before the deadline failed ({message}); the verdict uses the answer before it"
            )));
            return Stop::Deadline;
        }
        Stop::ApiFailed(if rate_limited {
            format!(
                "{message} until the --timeout deadline passed ({} unfinished); try again later or raise --timeout",
                crate::policy::runs_text(self.pending.len(), "run")
            )
        } else if proxy {
            format!(
                "{message}, until the --timeout deadline passed; check that proxy, or add the API's host to NO_PROXY"
            )
        } else if self.failing_polls >= 2 {
            format!(
                "{message}, and kept failing until the --timeout deadline passed; check the service status or raise --timeout"
            )
        } else {
            format!(
                "{message}; the --timeout deadline passed before every run had an answer; check the service status or raise --timeout"
            )
        })
    }

    /// Records since when each unfinished run has been evaluated; a run
    /// seen in another state starts again.
    fn note_evaluations(&mut self, now: Instant) {
        let runs = &self.runs;
        let evaluating = |id: &u64| runs.get(id).is_some_and(|r| r.run.status.is_evaluating());
        self.evaluating_since.retain(|id, _| evaluating(id));
        for id in self.pending.iter().filter(|id| evaluating(id)) {
            self.evaluating_since.entry(*id).or_insert(now);
        }
    }

    /// Whether every unfinished run was last seen with its evaluator
    /// started, none of them for longer than evaluation takes.
    fn all_evaluating(&self, now: Instant) -> bool {
        self.pending.iter().all(|id| {
            self.evaluating_since
                .get(id)
                .is_some_and(|since| now.saturating_duration_since(*since) <= LONGEST_EVALUATION)
        })
    }

    fn progress(&self, next: Duration, trouble: Option<FetchError>) -> Progress {
        let mut waiting: BTreeMap<String, usize> = BTreeMap::new();
        for id in &self.pending {
            let label = self
                .runs
                .get(id)
                .map_or("not seen yet", |r| r.run.status.label());
            *waiting.entry(label.to_owned()).or_default() += 1;
        }
        Progress {
            finished: self.total - self.pending.len() - self.missing.len(),
            missing: self.missing.len(),
            total: self.total,
            waiting,
            next,
            trouble: trouble.map(|e| e.to_string()),
        }
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "watch_tests.rs"]
mod watch_tests;
