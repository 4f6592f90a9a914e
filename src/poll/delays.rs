//! The waits between polls: exponential backoff with jitter, as a sequence
//! of delays (testable without sleeping), and the short wait for runs that
//! are seconds from done. What the last poll saw ([`Pace`]) chooses between
//! them: a failing API (429, 5xx, no connection) always backs off, whatever
//! the runs' status, and never sooner than its `Retry-After`.

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

/// The most jitter the short wait gets: a quarter of it.
const SHORT_JITTER: f64 = 0.25;

/// What the last poll saw, which sets the next wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Every unfinished run is being evaluated, and not for long: seconds
    /// from done, so look often (the short wait).
    Evaluating,
    /// Runs are queued or calling (minutes away), or stuck in evaluation:
    /// the backoff.
    Waiting,
    /// The API failed (rate-limited, a 5xx, no connection): the backoff,
    /// and at least `retry_after` when the answer said so.
    Failing { retry_after: Option<Duration> },
}

/// Exponential backoff with jitter from `--poll-interval`, never above
/// `--max-poll-interval` (backon's jitter may add up to 100%, so the cap is
/// applied after it).
pub struct Delays {
    builder: ExponentialBuilder,
    inner: ExponentialBackoff,
    first: Duration,
    max: Duration,
    /// xorshift64 state for the short wait's jitter.
    rng: u64,
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
        let rng = seed.unwrap_or_else(|| RandomState::new().hash_one(std::time::SystemTime::now()));
        Delays {
            builder,
            inner: builder.build(),
            first,
            max,
            // xorshift needs a state other than 0.
            rng: rng | 1,
        }
    }

    /// Starts again from the first interval (runs finish in clusters).
    pub fn reset(&mut self) {
        self.inner = self.builder.build();
    }

    /// The wait after a poll that saw `pace`.
    pub fn next(&mut self, pace: Pace) -> Duration {
        match pace {
            Pace::Evaluating => self.short(),
            Pace::Waiting => self.next_delay(),
            Pace::Failing { retry_after } => self.next_delay().max(retry_after.unwrap_or_default()),
        }
    }

    /// The next wait; the cap once backon's sequence has no more.
    pub fn next_delay(&mut self) -> Duration {
        self.inner.next().unwrap_or(self.max).min(self.max)
    }

    /// The wait while every unfinished run is being evaluated: half the
    /// first interval plus up to a quarter of that as jitter, never above
    /// the cap. It does not advance the backoff.
    pub fn short(&mut self) -> Duration {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let unit = (self.rng >> 11) as f64 / (1u64 << 53) as f64;
        let half = self.first / 2;
        (half + half.mul_f64(unit * SHORT_JITTER)).min(self.max)
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
        let seq: Vec<Duration> = (0..8).map(|_| d.next_delay()).collect();
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
        let again = d.next_delay();
        assert!(
            again <= first * 2,
            "after a reset the wait starts small again: {again:?}"
        );
    }

    #[test]
    fn a_failing_api_backs_off_whatever_the_runs_status() {
        let first = Duration::from_secs(2);
        let max = Duration::from_secs(15);
        let failing = Pace::Failing { retry_after: None };
        // A 429 or 503 storm while every run is being evaluated: the
        // evaluation's short wait is never taken while the API fails.
        let mut d = Delays::new(first, max, Some(5));
        let seq: Vec<Duration> = (0..10).map(|_| d.next(failing)).collect();
        assert!(
            seq.iter().all(|w| *w >= first && *w <= max),
            "at least the first interval, at most the cap: {seq:?}"
        );
        assert!(seq[3] >= 4 * first, "grows exponentially: {seq:?}");
        assert_eq!(seq[9], max, "reaches the cap: {seq:?}");
        let total: Duration = seq.iter().sum();
        assert!(
            total >= Duration::from_secs(80),
            "ten failing polls span more than a minute, not ten seconds: {seq:?}"
        );
        // Retry-After is honoured, above the cap too.
        let mut d = Delays::new(first, max, Some(5));
        assert_eq!(
            d.next(Pace::Failing {
                retry_after: Some(Duration::from_secs(40))
            }),
            Duration::from_secs(40)
        );
        let small = d.next(Pace::Failing {
            retry_after: Some(Duration::from_millis(10)),
        });
        assert!(
            small >= first,
            "a short Retry-After does not hurry: {small:?}"
        );
        // The storm over, runs being evaluated are looked at often again,
        // and a new failure goes on from where the backoff was.
        let mut d = Delays::new(first, max, Some(5));
        let mixed: Vec<Duration> = [failing, failing, failing, Pace::Evaluating, failing]
            .into_iter()
            .map(|p| d.next(p))
            .collect();
        assert!(mixed[3] <= first, "short again: {mixed:?}");
        assert!(
            mixed[4] >= mixed[1],
            "the backoff kept its place: {mixed:?}"
        );
    }

    #[test]
    fn the_short_wait_is_half_the_first_interval_with_a_little_jitter() {
        let first = Duration::from_secs(2);
        let mut d = Delays::new(first, Duration::from_secs(15), Some(3));
        let waits: Vec<Duration> = (0..200).map(|_| d.short()).collect();
        assert!(
            waits
                .iter()
                .all(|w| *w >= first / 2 && *w <= Duration::from_millis(1250)),
            "1 s plus at most a quarter: {waits:?}"
        );
        assert!(waits.iter().any(|w| *w != waits[0]), "jittered");
        let mut capped = Delays::new(first, Duration::from_millis(1100), Some(3));
        assert!(
            (0..50).all(|_| capped.short() <= Duration::from_millis(1100)),
            "never above the cap"
        );
    }
}
