//! The polling decisions, with synthetic instants.

use super::super::delays::Delays;
use super::*;
use crate::model::{Parsed, Run, Status};

pub(super) const SEC: Duration = Duration::from_secs(1);

pub(super) fn waiting(timeout_secs: u64) -> Waiting {
    Waiting {
        timeout: Duration::from_secs(timeout_secs),
        poll_interval: 2 * SEC,
        max_poll_interval: 15 * SEC,
    }
}

pub(super) fn raw(id: u64, status: &str) -> RawRun {
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
            review: None,
            result_id: None,
            feedback: None,
        },
        raw: None,
    }
}

pub(super) fn parsed(runs: Vec<RawRun>) -> Parsed {
    Parsed {
        runs,
        unrequested: None,
        unidentified: None,
    }
}

pub(super) fn ok(chunk: &[u64], runs: &[(u64, &str)]) -> Vec<Answer> {
    vec![(
        chunk.to_vec(),
        Ok(parsed(runs.iter().map(|(id, s)| raw(*id, s)).collect())),
    )]
}

pub(super) fn failed(
    chunk: &[u64],
    retry_after: Option<Duration>,
    rate_limited: bool,
) -> Vec<Answer> {
    vec![(
        chunk.to_vec(),
        Err(FetchError::Transient {
            message: "the API answered HTTP 503".into(),
            retry_after,
            rate_limited,
            undocumented: false,
            proxy: false,
        }),
    )]
}

pub(super) fn api_failure(next: &Next) -> &str {
    match next {
        Next::Stop(Stop::ApiFailed(message)) => message,
        other => panic!("expected an API failure, got {other:?}"),
    }
}

pub(super) fn wait_of(next: &Next) -> Duration {
    match next {
        Next::Wait(d) => *d,
        other => panic!("expected a wait, got {other:?}"),
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
        let (next, _) = poll.absorb(ok(&[1, 2], &[(1, "running"), (2, "running")]), t0 + i * SEC);
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

/// The waits of six polls that all see the same statuses.
fn waits_seeing(statuses: &[(u64, &str)]) -> Vec<Duration> {
    let t0 = Instant::now();
    let ids: Vec<u64> = statuses.iter().map(|(id, _)| *id).collect();
    let mut poll = Poll::new(&ids, waiting(3600), t0, Some(7));
    (0..6)
        .map(|i| wait_of(&poll.absorb(ok(&ids, statuses), t0 + i * SEC).0))
        .collect()
}

#[test]
fn waits_stay_short_while_every_unfinished_run_is_being_evaluated() {
    let waits = waits_seeing(&[(1, "running"), (2, "evaluating")]);
    assert!(
        waits.iter().all(|w| *w >= SEC && *w <= SEC + SEC / 4),
        "half the first interval plus at most a quarter: {waits:?}"
    );
}

#[test]
fn a_failing_api_backs_off_while_every_run_is_being_evaluated() {
    // The storm: runs seen evaluating, then 429s without
    // Retry-After (and 503s) for twenty seconds.
    let t0 = Instant::now();
    let mut poll = Poll::new(&[1, 2], waiting(1800), t0, Some(7));
    let mut now = t0
        + wait_of(
            &poll
                .absorb(ok(&[1, 2], &[(1, "running"), (2, "evaluating")]), t0)
                .0,
        );
    let mut polls = 0;
    while now < t0 + 20 * SEC {
        polls += 1;
        let answers = failed(&[1, 2], None, polls % 2 == 0);
        now += wait_of(&poll.absorb(answers, now).0);
    }
    assert!(
        polls <= 5,
        "{polls} requests in 20 s of a storm, where 2 s, 4 s, 8 s, ... allow 5"
    );
    // The storm over, the evaluated runs are looked at often again.
    let (next, _) = poll.absorb(ok(&[1, 2], &[(1, "running"), (2, "evaluating")]), now);
    assert!(wait_of(&next) <= SEC + SEC / 4, "{next:?}");
}

#[test]
fn a_run_evaluated_far_longer_than_evaluation_takes_falls_back_to_the_backoff() {
    let t0 = Instant::now();
    let mut poll = Poll::new(&[1, 2], waiting(3600), t0, Some(7));
    let seen = |poll: &mut Poll, at: Instant, two: &str| {
        wait_of(&poll.absorb(ok(&[1, 2], &[(1, "running"), (2, two)]), at).0)
    };
    assert!(
        seen(&mut poll, t0, "in_progress") >= 2 * SEC,
        "2 still calling"
    );
    // Run 2 starts being evaluated a minute in; run 1 has been since t0.
    let short = seen(&mut poll, t0 + 60 * SEC, "evaluating");
    assert!(short <= SEC + SEC / 4, "seconds from done: {short:?}");
    let still = seen(&mut poll, t0 + LONGEST_EVALUATION, "evaluating");
    assert!(
        still <= SEC + SEC / 4,
        "five minutes is not yet stuck: {still:?}"
    );
    let mut later: Vec<Duration> = Vec::new();
    let mut now = t0 + LONGEST_EVALUATION + SEC;
    for _ in 0..4 {
        let wait = seen(&mut poll, now, "evaluating");
        later.push(wait);
        now += wait;
    }
    assert!(
        later[0] >= 2 * SEC && later[3] >= 8 * SEC,
        "run 1 evaluated for over five minutes: the backoff, {later:?}"
    );
    // Run 1 finishing leaves run 2, evaluated for under five minutes:
    // seconds from done again.
    assert!(now < t0 + 60 * SEC + LONGEST_EVALUATION, "{later:?}");
    let wait = wait_of(
        &poll
            .absorb(ok(&[1, 2], &[(1, "completed"), (2, "evaluating")]), now)
            .0,
    );
    assert!(wait <= SEC + SEC / 4, "{wait:?}");
}

#[test]
fn one_run_still_calling_keeps_the_backoff() {
    let waits = waits_seeing(&[(1, "evaluating"), (2, "in_progress")]);
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
        api_failure(&next).contains("(1 run unfinished)"),
        "rate-limited: {next:?}"
    );
}

fn misshapen(chunk: &[u64], message: &str) -> Vec<Answer> {
    vec![(
        chunk.to_vec(),
        Err(FetchError::Transient {
            message: message.into(),
            retry_after: None,
            rate_limited: false,
            undocumented: true,
            proxy: false,
        }),
    )]
}

#[test]
fn the_same_misshapen_answer_twice_in_a_row_stops_the_wait() {
    let t0 = Instant::now();
    let mut poll = Poll::new(&[1], waiting(600), t0, Some(1));
    let (next, _) = poll.absorb(misshapen(&[1], "`success` is a string"), t0);
    assert!(matches!(next, Next::Wait(_)), "once may be a blip");
    let (next, _) = poll.absorb(misshapen(&[1], "a proxy page"), t0 + SEC);
    assert!(
        matches!(next, Next::Wait(_)),
        "a different answer: {next:?}"
    );
    poll.absorb(ok(&[1], &[(1, "running")]), t0 + 2 * SEC);
    let (next, _) = poll.absorb(misshapen(&[1], "a proxy page"), t0 + 3 * SEC);
    assert!(matches!(next, Next::Wait(_)), "not in a row: {next:?}");
    let (next, _) = poll.absorb(misshapen(&[1], "a proxy page"), t0 + 4 * SEC);
    assert!(
        api_failure(&next).contains("a proxy page; the same answer came twice in a row"),
        "{next:?}"
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
            (
                vec![1, 2],
                Ok(parsed(vec![raw(1, "completed"), raw(2, "pending")])),
            ),
            (
                vec![3, 4],
                Err(FetchError::Transient {
                    message: "reset".into(),
                    retry_after: None,
                    rate_limited: false,
                    undocumented: false,
                    proxy: false,
                }),
            ),
        ],
        t0,
    );
    let Some(Event::Progress(p)) = events.last() else {
        panic!("{events:?}");
    };
    assert_eq!((p.finished, p.total), (1, 4));
    let by_status: Vec<(&str, usize)> = p.waiting.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(by_status, [("not seen yet", 2), ("pending", 1)]);
    assert_eq!(p.trouble.as_deref(), Some("reset"));
}

#[test]
fn missing_runs_are_not_counted_as_finished() {
    let t0 = Instant::now();
    let mut poll = Poll::new(&[1, 2, 3], waiting(60), t0, Some(1));
    let (_, events) = poll.absorb(ok(&[1, 2, 3], &[(1, "completed"), (2, "running")]), t0);
    let Some(Event::Progress(p)) = events.last() else {
        panic!("{events:?}");
    };
    assert_eq!((p.finished, p.missing, p.total), (1, 1, 3));
}
