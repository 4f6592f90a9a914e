//! The waits between polls: exponential backoff with jitter, as a sequence
//! of delays (testable without sleeping).

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use std::time::Duration;

/// Exponential backoff with jitter from `--poll-interval`, never above
/// `--max-poll-interval` (backon's jitter may add up to 100%, so the cap is
/// applied after it).
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

    /// The next wait; the cap once backon's sequence has no more.
    pub fn next_delay(&mut self) -> Duration {
        self.inner.next().unwrap_or(self.max).min(self.max)
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
}
