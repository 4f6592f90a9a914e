use super::*;
use crate::ending::Signal;
use crate::policy::Policy;
use crate::policy::fixtures::{eval_in, eval_of, run, sample_eval};

#[test]
fn the_headline_ends_with_the_result_when_known() {
    let runs = [run(1, "completed", Some(true), &[])];
    let mut eval = eval_of(&runs, &[]);
    assert!(!headline(&eval, false).contains("result"));
    eval.result_id = Some(9876);
    let line = headline(&eval, false);
    assert!(line.starts_with("vocera-gate: PASSED: score 0"), "{line}");
    assert!(line.ends_with("0 unfinished; result 9876"), "{line}");
}

#[test]
fn progress_line_reads_well() {
    let mut waiting = BTreeMap::new();
    waiting.insert("in_progress".to_owned(), 5);
    waiting.insert("pending".to_owned(), 2);
    assert_eq!(
        progress_line(3, 0, 10, &waiting, Duration::from_secs(8), None),
        "3/10 finished, 5 in_progress, 2 pending; next check in 8s"
    );
    assert_eq!(
        progress_line(2, 1, 10, &waiting, Duration::from_secs(8), None),
        "2/10 finished, 1 missing, 5 in_progress, 2 pending; next check in 8s"
    );
    assert_eq!(human(Duration::from_millis(1500)), "1.5s");
    assert_eq!(human(Duration::from_secs(150)), "2m30s");
    assert_eq!(human(Duration::from_millis(200)), "200ms");
}

#[test]
fn the_verdict_word_is_coloured_only_when_asked() {
    let runs = [run(1, "completed", Some(false), &[])];
    let eval = eval_in(&Policy::default(), &runs, &[], Stop::Deadline);
    assert!(
        verdict(&eval, true).starts_with("vocera-gate: \u{1b}[1m\u{1b}[31mFAILED\u{1b}[0m: "),
        "coloured"
    );
    assert!(
        verdict(&eval, false).starts_with("vocera-gate: FAILED: "),
        "plain"
    );
}

#[test]
fn no_api_text_starts_a_line_of_its_own() {
    let forged = "x\n::error title=forged::all good\u{1b}[2J";
    let mut r = run(1, "completed", Some(false), &[forged]);
    r.scenario_name = Some(format!("name{forged}"));
    r.categories[0].name = format!("category{forged}");
    let runs = [r];
    let text = verdict(
        &eval_in(&Policy::default(), &runs, &[], Stop::Deadline),
        false,
    );
    for line in text.lines() {
        assert!(!line.starts_with("::"), "forged line {line:?} in {text}");
    }
    assert!(!text.contains('\u{1b}'), "{text}");
}

#[test]
fn unfinished_runs_say_why_waiting_stopped() {
    let runs = [run(1, "pending", None, &[])];
    for (stop, word, why) in [
        (
            Stop::Deadline,
            "UNFINISHED",
            "by the deadline; raise --timeout",
        ),
        (
            Stop::Cancelled(Signal::Interrupt),
            "CANCELLED",
            "when the gate was cancelled",
        ),
        (
            Stop::ApiFailed("x".into()),
            "INCOMPLETE, the API failed, so there is no verdict",
            "when the API stopped answering",
        ),
    ] {
        let text = verdict(&eval_in(&Policy::default(), &runs, &[], stop), false);
        assert!(text.starts_with(&format!("vocera-gate: {word}:")), "{text}");
        assert!(
            text.contains(&format!("1 run had not finished {why}\n")),
            "{text}"
        );
    }
}

#[test]
fn no_text_can_carry_a_workflow_command() {
    for (text, want) in [
        ("::error::x", ":\u{200d}:error::x"),
        ("  \u{3000}::warning::x", "  \u{3000}:\u{200d}:warning::x"),
        ("a\r::stop-commands::t", "a\r:\u{200d}:stop-commands::t"),
        ("a\n\t::x\n", "a\n\t:\u{200d}:x\n"),
        ("a::b", "a::b"),
        ("##[warning]x", "##\u{200d}[warning]x"),
        (
            "a ##[add-mask]b ##[error]",
            "a ##\u{200d}[add-mask]b ##\u{200d}[error]",
        ),
        ("###[x", "###\u{200d}[x"),
        ("plain", "plain"),
    ] {
        assert_eq!(inert(text), want, "{text:?}");
    }
    assert!(matches!(inert("a # [ : b"), Cow::Borrowed(_)));
}

#[test]
fn after_an_api_failure_the_verdict_says_it_is_incomplete() {
    let runs = [
        run(1, "completed", Some(false), &["high"]),
        run(2, "pending", None, &[]),
    ];
    let stop = Stop::ApiFailed("the API refused the key".into());
    let text = verdict(&eval_in(&Policy::default(), &runs, &[], stop), false);
    assert!(
        text.starts_with(
            "vocera-gate: INCOMPLETE, the API failed, so there is no verdict: score 10"
        ),
        "{text}"
    );
    assert!(
        !text.contains("FAILED") && !text.contains("UNFINISHED"),
        "{text}"
    );
    assert!(!text.contains("the gate failed because"), "{text}");
    has(&text, "the runs known so far already break the policy:");
}

#[track_caller]
fn has(text: &str, part: &str) {
    assert!(text.contains(part), "{part:?} not in {text}");
}

#[test]
fn counts_and_statuses_read_as_words() {
    let mut none = run(1, "completed", None, &[]);
    none.status = Status::Absent;
    (none.scenario_id, none.scenario_name) = (None, None);
    let runs = [none, run(2, "", None, &[]), run(3, "failed", None, &[])];
    let eval = eval_in(&Policy::default(), &runs[..1], &[], Stop::AllFinal);
    assert!(
        headline(&eval, false).contains(", 1 run: "),
        "{}",
        headline(&eval, false)
    );
    let eval = eval_in(&Policy::default(), &runs, &[], Stop::AllFinal);
    let problems: Vec<String> = eval.results.iter().map(problem).collect();
    assert_eq!(
        problems,
        [
            "ended without a status",
            "ended with the undocumented status \"\"",
            "ended failed"
        ]
    );
    assert!(verdict(&eval, false).contains("\n    - run 1: ended without a status\n"));
}

#[test]
fn a_replayed_unfinished_run_does_not_ask_for_a_longer_timeout() {
    let runs = [run(1, "pending", None, &[])];
    let text = verdict(
        &eval_in(&Policy::default(), &runs, &[], Stop::Replayed),
        false,
    );
    assert!(text.starts_with("vocera-gate: UNFINISHED:"), "{text}");
    assert!(!text.contains("--timeout"), "{text}");
    has(&text, "1 run had not finished when the response was saved");
}

#[test]
fn one_line_flattens_and_truncates() {
    assert_eq!(one_line("a\nb\r\n\tc\u{1b}d", 50), "a b c d");
    assert_eq!(one_line("abcdef", 4), "abc…");
}

#[test]
fn verdict_snapshot() {
    let runs = crate::policy::fixtures::sample();
    insta::assert_snapshot!(verdict(&sample_eval(&runs), false), @r#"
        vocera-gate: FAILED: score 13 (max 0), 6 runs: 1 passed, 2 failed, 1 errored, 1 missing, 1 unfinished
          score by priority: high 1 x 10 = 10, medium 1 x 3 = 3
          the gate failed because:
            - weighted score 13 is above --max-score 0
            - 1 unsuccessful run is above --max-failed-runs 0
            - 1 run ended with an error (failed, timeout, cancelled or unknown status)
            - 1 requested run was not returned by the API
          1 run had not finished by the deadline; raise --timeout
          runs that did not pass:
            - Refund <over> "$100" (run 2): [high] high problem
            - Scenario 3 (run 3): [medium] medium problem
            - Scenario 4 (run 4): ended failed: agent hung up
            - Scenario 5 (run 5): still pending when waiting stopped
            - run 6: not returned by the API
        "#);
}

#[test]
fn the_verdict_names_the_baselines_commit_and_age_and_warns_when_stale() {
    use crate::policy::fixtures::{SHA, compared};
    let runs = [run(1, "completed", Some(true), &[])];
    let eval = compared(&runs, Some(SHA), Some(10));
    let said = verdict(&eval, false);
    assert!(
        said.contains("  baseline: commit 0123456 (10 days old)\n  compared with the baseline"),
        "{said}"
    );
    let stale = "the baseline is 10 days old: run the gate on the default branch to refresh it";
    assert_eq!(eval.warnings, [stale], "the warning line, on stderr");
    let eval = compared(&runs, Some(SHA), Some(3));
    assert!(verdict(&eval, false).contains("  baseline: commit 0123456 (3 days old)\n"));
    assert!(eval.warnings.is_empty(), "{:?}", eval.warnings);
    let eval = compared(&runs, Some(SHA), None);
    assert!(verdict(&eval, false).contains("  baseline: commit 0123456\n"));
    // Without a commit or an age: the verdict as before, no line.
    let eval = compared(&runs, None, None);
    assert!(!verdict(&eval, false).contains("baseline:"));
    let eval = compared(&runs, Some("evil\n::error::x"), None);
    assert!(
        verdict(&eval, false).contains("  baseline: commit evil ::error::x\n"),
        "one line"
    );
}
