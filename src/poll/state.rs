//! The polling decisions as a value: [`Poll`] absorbs one poll's answers and
//! the current instant, and says what to do next ([`Next`]): wait how long,
//! or stop and why. No clock, no sleeping, no network, so every rule (blip
//! or outage at the deadline, Retry-After, the reset after progress, the
//! last poll before the deadline) is tested with synthetic instants.

use super::delays::Delays;
use super::{Answer, Event, Fetched, Next, Progress, Waiting};
use crate::api::FetchError;
use crate::ending::Stop;
use crate::model::RawRun;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

/// How long before the deadline the last poll goes out: a tenth of the
/// timeout, at most a second, so no request outlives the deadline.
pub fn last_poll_reserve(timeout: Duration) -> Duration {
    (timeout / 10).min(Duration::from_secs(1))
}

/// The state of waiting for a set of runs.
pub struct Poll {
    total: usize,
    requested: HashSet<u64>,
    /// Requested IDs not final yet, in request order: the next poll's IDs.
    pending: Vec<u64>,
    runs: HashMap<u64, RawRun>,
    missing: HashSet<u64>,
    delays: Delays,
    deadline: Instant,
    /// No poll goes out after this instant (see [`last_poll_reserve`]).
    last_call: Instant,
    /// Polls in a row that met a transient failure: one at the deadline is
    /// a blip, two or more mean the service kept failing.
    failing_polls: u32,
    unexpected_warned: bool,
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
            delays: Delays::new(waiting.poll_interval, waiting.max_poll_interval, seed),
            deadline,
            last_call: deadline - last_poll_reserve(waiting.timeout),
            failing_polls: 0,
            unexpected_warned: false,
        }
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
        let mut newly_final = 0usize;
        let mut trouble: Option<FetchError> = None;
        for (chunk, result) in answers {
            match result {
                Ok(runs) => newly_final += self.take_runs(&chunk, runs, &mut events),
                Err(FetchError::Fatal(message)) => {
                    return (Next::Stop(Stop::ApiFailed(message)), events);
                }
                Err(e @ FetchError::Transient { .. }) => {
                    // Being rate-limited is the failure worth reporting.
                    if !is_rate_limited(trouble.as_ref()) {
                        trouble = Some(e);
                    }
                }
            }
        }

        let (runs, missing) = (&self.runs, &self.missing);
        self.pending.retain(|id| {
            !missing.contains(id) && runs.get(id).is_none_or(|r| r.run.status.is_waiting())
        });
        if self.pending.is_empty() {
            return (Next::Stop(Stop::AllFinal), events);
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
        // Only the last run's finish decides when the gate can exit: while
        // every unfinished run is being evaluated (seconds from done), look
        // often; while any is still queued or calling (minutes away), back off.
        let mut wait = if self.all_evaluating() {
            self.delays.short()
        } else {
            self.delays.next_delay()
        };
        if let Some(FetchError::Transient {
            retry_after: Some(ra),
            ..
        }) = &trouble
        {
            wait = wait.max(*ra);
        }
        wait = wait.min(self.last_call - now);
        events.push(Event::Progress(self.progress(wait, trouble)));
        (Next::Wait(wait), events)
    }

    /// Records the runs a chunk's answer holds; returns how many became final.
    fn take_runs(&mut self, chunk: &[u64], runs: Vec<RawRun>, events: &mut Vec<Event>) -> usize {
        let asked: HashSet<u64> = chunk.iter().copied().collect();
        let mut returned = HashSet::with_capacity(runs.len());
        let mut newly_final = 0;
        for raw in runs {
            let id = raw.run.id;
            if !asked.contains(&id) {
                if !self.unexpected_warned {
                    let whose = if self.requested.contains(&id) {
                        "not asked for in this request"
                    } else {
                        "never requested"
                    };
                    events.push(Event::Warning(format!(
                        "the API returned run {id}, {whose}; ignored"
                    )));
                    self.unexpected_warned = true;
                }
                continue;
            }
            returned.insert(id);
            if !raw.run.status.is_waiting() {
                newly_final += 1;
            }
            self.runs.insert(id, raw);
        }
        for id in chunk.iter().filter(|id| !returned.contains(id)) {
            // A run that vanished is missing, whatever it was before.
            self.runs.remove(id);
            self.missing.insert(*id);
            newly_final += 1;
        }
        newly_final
    }

    /// Why waiting stops at the last call. The API failing then makes it an
    /// API failure only when that cost us the answer: it kept failing, or
    /// some run was never seen at all. A single failed last poll leaves the
    /// verdict to the answers before it (exit 1 or 3), with a warning.
    fn at_deadline(&self, trouble: Option<FetchError>, events: &mut Vec<Event>) -> Stop {
        let Some(FetchError::Transient {
            message,
            rate_limited,
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
                "{message} until the --timeout deadline passed ({} runs unfinished); try again later or raise --timeout",
                self.pending.len()
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

    /// Whether every unfinished run was last seen with its evaluator started.
    fn all_evaluating(&self) -> bool {
        self.pending.iter().all(|id| {
            self.runs
                .get(id)
                .is_some_and(|r| r.run.status.is_evaluating())
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
            finished: self.total - self.pending.len(),
            total: self.total,
            waiting,
            next,
            trouble: trouble.map(|e| e.to_string()),
        }
    }
}

fn is_rate_limited(e: Option<&FetchError>) -> bool {
    matches!(
        e,
        Some(FetchError::Transient {
            rate_limited: true,
            ..
        })
    )
}

#[cfg(test)]
mod tests {
    use super::super::delays::Delays;
    use super::*;
    use crate::model::{Run, Status};

    const SEC: Duration = Duration::from_secs(1);

    fn waiting(timeout_secs: u64) -> Waiting {
        Waiting {
            timeout: Duration::from_secs(timeout_secs),
            poll_interval: 2 * SEC,
            max_poll_interval: 15 * SEC,
        }
    }

    fn raw(id: u64, status: &str) -> RawRun {
        RawRun {
            run: Run {
                id,
                scenario_id: None,
                scenario_name: None,
                success: Some(true),
                status: Status::parse(Some(status)),
                metrics: Vec::new(),
                categories: Vec::new(),
                transcript: None,
                duration_ms: None,
                recording_url: None,
                timestamp: None,
                error_message: None,
            },
            raw: None,
        }
    }

    fn ok(chunk: &[u64], runs: &[(u64, &str)]) -> Vec<Answer> {
        vec![(
            chunk.to_vec(),
            Ok(runs.iter().map(|(id, s)| raw(*id, s)).collect()),
        )]
    }

    fn failed(chunk: &[u64], retry_after: Option<Duration>, rate_limited: bool) -> Vec<Answer> {
        vec![(
            chunk.to_vec(),
            Err(FetchError::Transient {
                message: "the API answered HTTP 503".into(),
                retry_after,
                rate_limited,
            }),
        )]
    }

    fn api_failure(next: &Next) -> &str {
        match next {
            Next::Stop(Stop::ApiFailed(message)) => message,
            other => panic!("expected an API failure, got {other:?}"),
        }
    }

    fn wait_of(next: &Next) -> Duration {
        match next {
            Next::Wait(d) => *d,
            Next::Stop(stop) => panic!("expected a wait, got {stop:?}"),
        }
    }

    #[test]
    fn stops_when_every_run_is_final_or_missing() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1, 2, 3], waiting(60), t0, Some(1));
        let (next, _) = poll.absorb(ok(&[1, 2, 3], &[(1, "completed"), (2, "running")]), t0);
        assert!(matches!(next, Next::Wait(_)), "run 2 still running");
        assert_eq!(
            poll.pending(),
            [2],
            "run 3 is missing, so final; only 2 is asked again"
        );
        let (next, _) = poll.absorb(ok(&[2], &[(2, "failed")]), t0 + 3 * SEC);
        assert_eq!(next, Next::Stop(Stop::AllFinal));
        let fetched = poll.finish(Stop::AllFinal);
        assert!(fetched.missing.contains(&3), "3 was not returned");
        assert_eq!(fetched.runs.len(), 2);
    }

    #[test]
    fn a_run_that_vanishes_becomes_missing() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1, 2], waiting(60), t0, Some(1));
        poll.absorb(ok(&[1, 2], &[(1, "running"), (2, "running")]), t0);
        let (next, _) = poll.absorb(ok(&[1, 2], &[(2, "running")]), t0 + SEC);
        assert!(matches!(next, Next::Wait(_)));
        let fetched = poll.finish(Stop::Deadline);
        assert!(fetched.missing.contains(&1) && !fetched.runs.contains_key(&1));
    }

    #[test]
    fn a_fatal_answer_stops_at_once() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1], waiting(60), t0, Some(1));
        let answers = vec![(vec![1], Err(FetchError::Fatal("key refused".into())))];
        let (next, _) = poll.absorb(answers, t0);
        assert_eq!(next, Next::Stop(Stop::ApiFailed("key refused".into())));
    }

    #[test]
    fn waits_grow_and_reset_after_progress() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1, 2], waiting(3600), t0, Some(7));
        let mut waits = Vec::new();
        for i in 0..6 {
            let (next, _) =
                poll.absorb(ok(&[1, 2], &[(1, "running"), (2, "running")]), t0 + i * SEC);
            waits.push(wait_of(&next));
        }
        assert!(
            waits[5] > waits[0],
            "waits grow without progress: {waits:?}"
        );
        assert!(
            waits.iter().all(|w| *w <= 15 * SEC),
            "never above the cap: {waits:?}"
        );
        let (next, _) = poll.absorb(
            ok(&[1, 2], &[(1, "completed"), (2, "running")]),
            t0 + 10 * SEC,
        );
        assert!(
            wait_of(&next) <= 4 * SEC,
            "a run finishing starts the waits small again: {next:?} after {waits:?}"
        );
    }

    #[test]
    fn waits_stay_short_while_every_unfinished_run_is_being_evaluated() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1, 2], waiting(3600), t0, Some(7));
        let statuses = [(1, "running"), (2, "evaluating")];
        for i in 0..20 {
            let (next, _) = poll.absorb(ok(&[1, 2], &statuses), t0 + i * SEC);
            let wait = wait_of(&next);
            assert!(
                wait >= SEC && wait <= SEC + SEC / 4,
                "poll {i}: half the first interval plus at most a quarter, got {wait:?}"
            );
        }
    }

    #[test]
    fn one_run_still_calling_keeps_the_backoff() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1, 2], waiting(3600), t0, Some(7));
        let statuses = [(1, "evaluating"), (2, "in_progress")];
        let waits: Vec<Duration> = (0..6)
            .map(|i| wait_of(&poll.absorb(ok(&[1, 2], &statuses), t0 + i * SEC).0))
            .collect();
        assert!(waits[5] >= 8 * SEC, "backs off toward the cap: {waits:?}");
    }

    #[test]
    fn a_batch_that_stays_in_progress_polls_exactly_as_plain_backoff() {
        // Ten minutes of runs in their calls: the status-aware schedule must
        // send no more requests than the plain backoff it replaces.
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1, 2, 3], waiting(3600), t0, Some(11));
        let mut plain = Delays::new(2 * SEC, 15 * SEC, Some(11));
        let (mut now, mut polls, mut plain_polls, mut plain_now) = (t0, 0, 0, t0);
        let statuses = [(1, "in_progress"), (2, "in_queue"), (3, "pending")];
        while now < t0 + 600 * SEC {
            polls += 1;
            now += wait_of(&poll.absorb(ok(&[1, 2, 3], &statuses), now).0);
        }
        while plain_now < t0 + 600 * SEC {
            plain_polls += 1;
            plain_now += plain.next_delay();
        }
        assert_eq!(
            polls, plain_polls,
            "same number of requests over ten minutes"
        );
    }

    #[test]
    fn retry_after_lengthens_the_wait_but_not_past_the_last_call() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1], waiting(600), t0, Some(1));
        let (next, events) = poll.absorb(failed(&[1], Some(40 * SEC), true), t0);
        assert_eq!(wait_of(&next), 40 * SEC, "the server asked for 40 s");
        assert!(
            matches!(&events[..], [Event::Progress(p)] if p.trouble.as_deref() == Some("the API answered HTTP 503")),
            "{events:?}"
        );
        // Ten minutes, so the last call is 1 s before the deadline.
        let late = t0 + 590 * SEC;
        let (next, _) = poll.absorb(failed(&[1], Some(40 * SEC), true), late);
        assert_eq!(wait_of(&next), 9 * SEC, "clipped to the last call (599 s)");
    }

    #[test]
    fn the_last_poll_goes_out_before_the_deadline() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1], waiting(20), t0, Some(1));
        // 20 s timeout: the reserve is 1 s, the last call at 19 s.
        let (next, _) = poll.absorb(ok(&[1], &[(1, "running")]), t0 + 18 * SEC);
        assert_eq!(wait_of(&next), SEC, "waits only until the last call");
        let (next, events) = poll.absorb(ok(&[1], &[(1, "running")]), t0 + 19 * SEC);
        assert_eq!(next, Next::Stop(Stop::Deadline));
        assert!(events.is_empty(), "{events:?}");
        assert_eq!(
            last_poll_reserve(Duration::from_millis(200)),
            Duration::from_millis(20)
        );
    }

    #[test]
    fn one_failed_poll_at_the_deadline_is_a_blip() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1], waiting(20), t0, Some(1));
        poll.absorb(ok(&[1], &[(1, "running")]), t0);
        let (next, events) = poll.absorb(failed(&[1], None, false), t0 + 19 * SEC);
        assert_eq!(
            next,
            Next::Stop(Stop::Deadline),
            "the answer before it stands"
        );
        assert!(
            matches!(&events[..], [Event::Warning(w)] if w.contains("the last poll before the deadline failed")),
            "{events:?}"
        );
    }

    #[test]
    fn failing_polls_up_to_the_deadline_are_an_outage() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1], waiting(20), t0, Some(1));
        poll.absorb(ok(&[1], &[(1, "running")]), t0);
        poll.absorb(failed(&[1], None, false), t0 + 10 * SEC);
        let (next, _) = poll.absorb(failed(&[1], None, false), t0 + 19 * SEC);
        assert!(api_failure(&next).contains("kept failing"), "{next:?}");
    }

    #[test]
    fn a_run_never_seen_makes_a_failed_last_poll_an_api_failure() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1], waiting(20), t0, Some(1));
        let (next, _) = poll.absorb(failed(&[1], None, false), t0 + 19 * SEC);
        assert!(
            api_failure(&next).contains("before every run had an answer"),
            "{next:?}"
        );
        let mut poll = Poll::new(&[1], waiting(20), t0, Some(1));
        let (next, _) = poll.absorb(failed(&[1], None, true), t0 + 19 * SEC);
        assert!(
            api_failure(&next).contains("(1 runs unfinished)"),
            "rate-limited: {next:?}"
        );
    }

    #[test]
    fn a_success_between_failures_resets_the_outage_count() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1], waiting(20), t0, Some(1));
        poll.absorb(failed(&[1], None, false), t0);
        poll.absorb(ok(&[1], &[(1, "running")]), t0 + 5 * SEC);
        let (next, _) = poll.absorb(failed(&[1], None, false), t0 + 19 * SEC);
        assert_eq!(
            next,
            Next::Stop(Stop::Deadline),
            "one failure in a row is a blip"
        );
    }

    #[test]
    fn an_unexpected_run_is_ignored_with_one_warning() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1, 2], waiting(60), t0, Some(1));
        let (_, events) = poll.absorb(
            ok(
                &[1],
                &[(1, "running"), (99, "completed"), (98, "completed")],
            ),
            t0,
        );
        let warnings: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::Warning(w) => Some(w.as_str()),
                Event::Progress(_) => None,
            })
            .collect();
        assert_eq!(
            warnings,
            ["the API returned run 99, never requested; ignored"]
        );
        assert_eq!(poll.finish(Stop::Deadline).runs.len(), 1);
    }

    #[test]
    fn progress_counts_unfinished_runs_by_status() {
        let t0 = Instant::now();
        let mut poll = Poll::new(&[1, 2, 3, 4], waiting(60), t0, Some(1));
        let (_, events) = poll.absorb(
            vec![
                (vec![1, 2], Ok(vec![raw(1, "completed"), raw(2, "pending")])),
                (
                    vec![3, 4],
                    Err(FetchError::Transient {
                        message: "reset".into(),
                        retry_after: None,
                        rate_limited: false,
                    }),
                ),
            ],
            t0,
        );
        let Some(Event::Progress(p)) = events.last() else {
            panic!("{events:?}");
        };
        assert_eq!((p.finished, p.total), (1, 4));
        let by_status: Vec<(&str, usize)> =
            p.waiting.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(by_status, [("not seen yet", 2), ("pending", 1)]);
        assert_eq!(p.trouble.as_deref(), Some("reset"));
    }
}
