//! Waiting for runs to finish: the delay sequence (an iterator, testable
//! without sleeping) and the loop that polls, sleeps, watches the deadline
//! and listens for the CI system cancelling the job.

use crate::api::{Client, FetchError};
use crate::config::Waiting;
use crate::model::RawRun;
use crate::report;
use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

/// Waits between polls: exponential backoff with jitter from
/// `--poll-interval`, never above `--max-poll-interval` (backon's jitter may
/// add up to 100%, so the cap is applied after it).
pub struct Delays {
    builder: ExponentialBuilder,
    inner: ExponentialBackoff,
    max: Duration,
}

impl Delays {
    pub fn new(first: Duration, max: Duration, seed: Option<u64>) -> Delays {
        let mut builder = ExponentialBuilder::new()
            .with_min_delay(first)
            .with_max_delay(max)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times();
        if let Some(seed) = seed {
            builder = builder.with_jitter_seed(seed);
        }
        Delays {
            builder,
            inner: builder.build(),
            max,
        }
    }

    /// Starts again from the first interval (runs finish in clusters).
    pub fn reset(&mut self) {
        self.inner = self.builder.build();
    }
}

impl Iterator for Delays {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        Some(self.inner.next().unwrap_or(self.max).min(self.max))
    }
}

/// How long before the deadline the last poll goes out: a tenth of the
/// timeout, at most a second.
pub fn last_poll_reserve(timeout: Duration) -> Duration {
    (timeout / 10).min(Duration::from_secs(1))
}

/// A signal that cancels the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

/// Why polling stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Every requested run is final or missing.
    Done,
    /// The deadline passed with runs unfinished.
    Deadline,
    Cancelled(Signal),
    /// The API could not be used; the message says why.
    ApiFailed(String),
}

/// What the waiting loop reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// After each poll: how far along, and the one-line report.
    Progress {
        finished: usize,
        total: usize,
        line: String,
    },
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
/// good, or a signal arrives. `log` receives progress and warnings.
pub async fn wait_for_runs(
    client: &Client,
    ids: &[u64],
    waiting: Waiting,
    signals: &mut Signals,
    log: &mut dyn FnMut(Event),
) -> Fetched {
    let deadline = Instant::now() + waiting.timeout;
    // No request outlives the deadline, so the last poll goes out a little
    // before it, leaving its answer time to arrive.
    let last_call = deadline - last_poll_reserve(waiting.timeout);
    let mut delays = Delays::new(waiting.poll_interval, waiting.max_poll_interval, None);
    let mut fetched = Fetched {
        runs: HashMap::new(),
        missing: HashSet::new(),
        stop: Stop::Done,
    };
    let requested: HashSet<u64> = ids.iter().copied().collect();
    let mut unexpected_warned = false;
    let mut pending: Vec<u64> = ids.to_vec();
    // Polls in a row that met a transient failure: one at the deadline is a
    // blip, two or more mean the service kept failing.
    let mut failing_polls = 0u32;

    loop {
        let results = tokio::select! {
            r = client.fetch_all(&pending, deadline) => r,
            s = signals.recv() => { fetched.stop = Stop::Cancelled(s); return fetched; }
        };
        let mut newly_final = 0usize;
        let mut trouble: Option<FetchError> = None;
        for (chunk, result) in results {
            match result {
                Ok(runs) => {
                    let asked: HashSet<u64> = chunk.iter().copied().collect();
                    let mut returned = HashSet::with_capacity(runs.len());
                    for raw in runs {
                        let id = raw.run.id;
                        if !asked.contains(&id) {
                            if !unexpected_warned {
                                let whose = if requested.contains(&id) {
                                    "not asked for in this request"
                                } else {
                                    "never requested"
                                };
                                log(Event::Warning(format!(
                                    "the API returned run {id}, {whose}; ignored"
                                )));
                                unexpected_warned = true;
                            }
                            continue;
                        }
                        returned.insert(id);
                        if !raw.run.status.is_waiting() {
                            newly_final += 1;
                        }
                        fetched.runs.insert(id, raw);
                    }
                    for id in chunk.iter().filter(|id| !returned.contains(id)) {
                        // A run that vanished is missing, whatever it was before.
                        fetched.runs.remove(id);
                        fetched.missing.insert(*id);
                        newly_final += 1;
                    }
                }
                Err(FetchError::Fatal(message)) => {
                    fetched.stop = Stop::ApiFailed(message);
                    return fetched;
                }
                Err(e @ FetchError::Transient { .. }) => {
                    let keep_worse = matches!(
                        &trouble,
                        Some(FetchError::Transient {
                            rate_limited: true,
                            ..
                        })
                    );
                    if !keep_worse {
                        trouble = Some(e);
                    }
                }
            }
        }

        pending.retain(|id| {
            !fetched.missing.contains(id)
                && fetched
                    .runs
                    .get(id)
                    .is_none_or(|r| r.run.status.is_waiting())
        });
        if pending.is_empty() {
            return fetched;
        }
        failing_polls = if trouble.is_some() {
            failing_polls + 1
        } else {
            0
        };
        let now = Instant::now();
        if now >= last_call {
            // The API failing at the deadline makes it exit 4 only when it
            // cost us the answer: it kept failing, or some run was never
            // seen at all. A single failed last poll leaves the verdict to
            // the answers before it (exit 1 or 3), with a warning.
            let never_seen = pending.iter().any(|id| !fetched.runs.contains_key(id));
            fetched.stop = match trouble {
                Some(FetchError::Transient { message, .. }) if failing_polls < 2 && !never_seen => {
                    log(Event::Warning(format!(
                        "the last poll before the deadline failed ({message}); the verdict uses the answer before it"
                    )));
                    Stop::Deadline
                }
                Some(FetchError::Transient {
                    message,
                    rate_limited: true,
                    ..
                }) => Stop::ApiFailed(format!(
                    "{message} until the --timeout deadline passed ({} runs unfinished); try again later or raise --timeout",
                    pending.len()
                )),
                Some(FetchError::Transient { message, .. }) if failing_polls >= 2 => {
                    Stop::ApiFailed(format!(
                        "{message}, and kept failing until the --timeout deadline passed; check the service status or raise --timeout"
                    ))
                }
                Some(FetchError::Transient { message, .. }) => Stop::ApiFailed(format!(
                    "{message}; the --timeout deadline passed before every run had an answer; check the service status or raise --timeout"
                )),
                _ => Stop::Deadline,
            };
            return fetched;
        }

        if newly_final > 0 {
            delays.reset();
        }
        let mut wait = delays.next().unwrap_or(waiting.max_poll_interval);
        let retry_after = match &trouble {
            Some(FetchError::Transient { retry_after, .. }) => *retry_after,
            _ => None,
        };
        if let Some(ra) = retry_after {
            wait = wait.max(ra);
        }
        wait = wait.min(last_call - now);

        let mut waiting_by_status: BTreeMap<&str, usize> = BTreeMap::new();
        for id in &pending {
            let label = fetched
                .runs
                .get(id)
                .map_or("not seen yet", |r| r.run.status.label());
            *waiting_by_status.entry(label).or_default() += 1;
        }
        let trouble_text = match &trouble {
            Some(FetchError::Transient { message, .. }) => Some(message.as_str()),
            _ => None,
        };
        log(Event::Progress {
            finished: ids.len() - pending.len(),
            total: ids.len(),
            line: report::progress_line(
                ids.len() - pending.len(),
                ids.len(),
                &waiting_by_status,
                wait,
                trouble_text,
            ),
        });

        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            s = signals.recv() => { fetched.stop = Stop::Cancelled(s); return fetched; }
        }
    }
}

/// SIGINT and SIGTERM (Ctrl-C elsewhere), listened for while waiting.
pub struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    pub async fn recv(&mut self) -> Signal {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => Signal::Interrupt,
                _ = self.terminate.recv() => Signal::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            Signal::Interrupt
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_to_the_cap_and_reset() {
        let first = Duration::from_secs(2);
        let max = Duration::from_secs(15);
        let mut d = Delays::new(first, max, Some(7));
        let seq: Vec<Duration> = d.by_ref().take(8).collect();
        assert!(
            seq[0] >= first && seq[0] <= first * 2,
            "first wait is the interval plus jitter: {seq:?}"
        );
        assert!(
            seq.iter().all(|x| *x <= max),
            "never above the cap: {seq:?}"
        );
        assert!(seq[3] > seq[0], "waits grow: {seq:?}");
        assert_eq!(seq[7], max, "reaches the cap: {seq:?}");
        d.reset();
        let again = d.next().expect("infinite");
        assert!(
            again <= first * 2,
            "after a reset the wait starts small again: {again:?}"
        );
    }

    #[test]
    fn delays_never_end() {
        let mut d = Delays::new(Duration::from_millis(1), Duration::from_millis(2), None);
        assert_eq!(d.by_ref().take(10_000).count(), 10_000);
    }
}
