//! The polling decisions around the runs' source, with synthetic instants:
//! a result's list read again (issue 21, item 9), runs to be dialed (item 14).

use super::tests::*;
use super::*;

#[test]
fn a_result_is_read_again_before_judging_and_its_new_runs_are_waited_for() {
    let t0 = Instant::now();
    let mut poll = Poll::new(&[181], waiting(600), t0, Some(1)).rereading(60 * SEC, t0);
    let (next, _) = poll.absorb(ok(&[181], &[(181, "completed")]), t0);
    assert_eq!(
        next,
        Next::Confirm,
        "every run listed is final: read the list again"
    );
    let (next, events) = poll.confirm(Ok(vec![181, 182]), t0 + SEC);
    assert_eq!(
        next,
        Next::Wait(Duration::ZERO),
        "the new run is polled at once"
    );
    assert_eq!(poll.pending(), [182]);
    assert_eq!(poll.added(), [182]);
    assert!(
        matches!(&events[0], Event::Warning(w) if w.contains("1 run added to the result while waiting (182)")),
        "{events:?}"
    );
    let (next, _) = poll.absorb(ok(&[182], &[(182, "failed")]), t0 + 2 * SEC);
    assert_eq!(next, Next::Confirm);
    let (next, events) = poll.confirm(Ok(vec![182, 181]), t0 + 3 * SEC);
    assert_eq!(next, Next::Stop(Stop::AllFinal), "the same list: done");
    assert!(events.is_empty(), "{events:?}");
    let fetched = poll.finish(Stop::AllFinal);
    assert_eq!(fetched.runs.len(), 2, "both runs judged");
}

#[test]
fn a_result_is_read_again_while_waiting_on_its_own_schedule() {
    let t0 = Instant::now();
    let mut poll = Poll::new(&[1], waiting(600), t0, Some(1)).rereading(60 * SEC, t0);
    assert!(!poll.reread_due(t0 + 59 * SEC));
    assert!(poll.reread_due(t0 + 60 * SEC));
    let failed_read = Err(FetchError::Transient {
        message: "the API answered HTTP 503".into(),
        retry_after: None,
        rate_limited: false,
        undocumented: false,
        proxy: false,
    });
    assert!(
        poll.relisted(failed_read, t0 + 60 * SEC).is_empty(),
        "tried again later"
    );
    assert!(
        !poll.reread_due(t0 + 61 * SEC),
        "a minute from the last read"
    );
    poll.relisted(Ok(vec![1, 2, 3]), t0 + 120 * SEC);
    assert_eq!(poll.pending(), [1, 2, 3], "added to the next poll");
    assert!(
        !poll.reread_due(t0 + 599 * SEC + SEC / 2),
        "never past the last call"
    );
    let plain = Poll::new(&[1], waiting(600), t0, Some(1));
    assert!(!plain.reread_due(t0 + 300 * SEC), "only a result's runs");
}

#[test]
fn a_result_that_cannot_be_read_again_before_judging_is_no_pass() {
    let t0 = Instant::now();
    let mut poll = Poll::new(&[1], waiting(20), t0, Some(1)).rereading(60 * SEC, t0);
    poll.absorb(ok(&[1], &[(1, "completed")]), t0);
    let (next, _) = poll.confirm(
        failed(&[], None, true).remove(0).1.map(|_| vec![]),
        t0 + SEC,
    );
    let wait = wait_of(&next);
    assert!(wait >= 2 * SEC, "a failing API is backed off: {wait:?}");
    let (next, _) = poll.absorb(Vec::new(), t0 + SEC + wait);
    assert_eq!(
        next,
        Next::Confirm,
        "nothing left to poll: read the list again"
    );
    let late = failed(&[], None, false).remove(0).1.map(|_| vec![]);
    let (next, _) = poll.confirm(late, t0 + 19 * SEC);
    assert!(
        api_failure(&next).contains("could not be read again before judging"),
        "{next:?}"
    );
    let fatal = Err(FetchError::Fatal("the API answered HTTP 404".into()));
    let mut poll = Poll::new(&[1], waiting(20), t0, Some(1)).rereading(60 * SEC, t0);
    poll.absorb(ok(&[1], &[(1, "completed")]), t0);
    assert!(api_failure(&poll.confirm(fatal, t0 + SEC).0).starts_with("the API answered HTTP 404"));
}

#[test]
fn runs_still_waiting_to_be_dialed_are_warned_of_once() {
    let t0 = Instant::now();
    let mut poll = Poll::new(&[1, 2, 3], waiting(600), t0, Some(1)).dialed(&[1, 2]);
    let (_, events) = poll.absorb(
        ok(
            &[1, 2, 3],
            &[(1, "in_progress"), (2, "in_queue"), (3, "pending")],
        ),
        t0,
    );
    assert!(
        events.iter().all(|e| matches!(e, Event::Progress(_))),
        "3 is no dialed run: {events:?}"
    );
    let (_, events) = poll.absorb(
        ok(
            &[1, 2, 3],
            &[(1, "pending"), (2, "pending"), (3, "pending")],
        ),
        t0 + SEC,
    );
    assert!(
        matches!(&events[0], Event::Warning(w) if w.starts_with("2 runs still wait to be dialed (1, 2): the agent under test must call")),
        "{events:?}"
    );
    let (_, events) = poll.absorb(ok(&[1, 2, 3], &[(1, "pending")]), t0 + 2 * SEC);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Warning(w) if w.contains("dialed"))),
        "once: {events:?}"
    );
}
