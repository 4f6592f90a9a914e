//! The parse of bulk-runs answers, unit-tested.

use super::*;
use crate::model::Status;

const EXAMPLE: &str = include_str!("../../../../examples/api-example.json");

#[test]
fn documented_example_parses() {
    let runs = parse_runs(EXAMPLE).expect("the documented example parses");
    assert_eq!(runs.len(), 1, "one run in the example");
    let run = &runs[0].run;
    assert_eq!(run.id, 181);
    assert_eq!(run.scenario_id, Some(67));
    assert_eq!(run.scenario_name.as_deref(), Some("Demo scenario"));
    assert_eq!(run.success, Some(true));
    assert_eq!(run.status, Status::Completed);
    assert_eq!(run.categories.len(), 2, "two categories");
    assert_eq!(run.categories[0].priority.as_deref(), Some("high"));
    assert_eq!(
        run.metrics[0].value.as_deref(),
        Some("3024.03"),
        "score kept as sent"
    );
    assert!(
        runs[0]
            .raw
            .as_ref()
            .is_some_and(|r| r.get().starts_with('{')),
        "raw bytes kept"
    );
}

#[test]
fn every_way_of_parsing_reads_the_same_runs() {
    let lean = Keep {
        raw: false,
        transcript: false,
        explanations: false,
    };
    let full = parse_runs(EXAMPLE).expect("full");
    for keep in [
        lean,
        Keep {
            raw: false,
            transcript: true,
            explanations: true,
        },
        Keep {
            raw: true,
            transcript: false,
            explanations: false,
        },
    ] {
        let runs = parse_runs_keeping(EXAMPLE, keep).expect("parses");
        let mut expected = full[0].run.clone();
        if !keep.transcript {
            expected.transcript = None;
        }
        if !keep.explanations {
            expected
                .metrics
                .iter_mut()
                .for_each(|m| m.explanation.clear());
        }
        assert_eq!(runs[0].run, expected, "{keep:?}");
        assert_eq!(runs[0].raw.is_some(), keep.raw, "{keep:?}");
    }
    let err = parse_runs_keeping(r#"[{"id": 1}, {"id": "2"}]"#, lean).expect_err("bad id");
    assert!(
        err.0
            .starts_with("run #2 (counting from 1) has `id` the text \"2\", not a run ID"),
        "{err:?}"
    );
}

#[test]
fn every_field_but_id_may_be_missing_or_null() {
    let runs = parse_runs(
        r#"[{"id": 5}, {"id": 6, "scenario": null, "evaluation": null, "critical_categories": null,
            "status": null, "success": null, "duration": null, "error_message": null}]"#,
    )
    .expect("nulls are accepted");
    assert_eq!(
        runs[0].run.status,
        Status::Absent,
        "absent status is its own state"
    );
    assert_eq!(
        runs[1].run.status,
        Status::Absent,
        "null status reads as absent"
    );
    assert_eq!(runs[1].run.success, None);
    assert_eq!(runs[1].run.duration_ms, None);
    assert!(runs[1].run.categories.is_empty());
}

#[test]
fn second_generation_shapes_parse() {
    let runs = parse_runs(
        r#"[{"id": 7, "scenario": {"id": 13, "name": "Refund", "extra": 1}, "status": "timeout",
            "evaluation": {"metrics": [{"name": "Goal", "eval_type": "binary", "passed": false,
            "explanation": ["a", "b"]}]}, "error_message": "no answer",
            "critical_categories": [{"category": "c", "priority": "critical", "wrongly_marked": true}]}]"#,
    )
    .expect("v2 shapes parse");
    let run = &runs[0].run;
    assert_eq!(run.scenario_id, Some(13));
    assert_eq!(run.scenario_name.as_deref(), Some("Refund"));
    assert_eq!(run.status, Status::Ended("timeout".into()));
    assert_eq!(run.metrics[0].value.as_deref(), Some("false"));
    assert_eq!(run.error_message.as_deref(), Some("no answer"));
    assert!(run.categories[0].wrongly_marked);
}

#[test]
fn undocumented_answers_are_errors() {
    for (body, says) in [
        (r#"{"detail": "x"}"#, "JSON object"),
        ("null", "found null"),
        ("<html>502</html>", "not JSON"),
        ("", "empty"),
        ("[{\"id\": 1}", "invalid JSON"),
        (r#"[{"id": "181"}]"#, "not a run ID"),
        (r#"[{"id": -1}]"#, "has `id` the number -1, not a run ID"),
        (r#"[{"id": 1.5}]"#, "has `id` the number 1.5"),
        (
            r#"[{"status": "completed"}]"#,
            "run #1 (counting from 1) has no `id`",
        ),
        (r#"[{"id": 1, "id": 2}]"#, "has `id` twice"),
        (
            r#"[{"id": 1}, null]"#,
            "run #2 (counting from 1) is null, not a run object",
        ),
        (
            r#"[{"id": 1}, [{"id": 2}]]"#,
            "run #2 (counting from 1) is a list",
        ),
    ] {
        let err = parse_runs(body).expect_err(body);
        assert!(
            err.0.contains(says),
            "{body:?} gave {err:?}, expected it to mention {says:?}"
        );
    }
}

#[test]
fn a_lone_surrogate_does_not_reject_the_answer() {
    let body = r#"[{"id": 5, "status": "completed", "scenario_name": "Caf\u00e9 \ud800!", "transcript": "\udfff\ud83d\ude00"}]"#;
    let runs = parse_runs(body).expect("one bad character is no broken answer");
    assert_eq!(
        runs[0].run.scenario_name.as_deref(),
        Some(r"Café \u{d800}!")
    );
    assert_eq!(runs[0].run.transcript.as_deref(), Some("\\u{dfff}😀"));
    let raw = runs[0].raw.as_ref().expect("raw kept").get();
    assert!(raw.contains(r#"Caf\u00e9 \ud800!"#), "saved as sent: {raw}");
}

#[test]
fn a_run_twice_is_kept_once_if_identical_and_refused_if_not() {
    let same = r#"[{"id": 5, "status": "completed", "success": true}, {"id": 6}, {"id": 5, "status": "completed", "success": true}]"#;
    let runs = parse_runs(same).expect("an exact repeat is harmless");
    let ids: Vec<u64> = runs.iter().map(|r| r.run.id).collect();
    assert_eq!(ids, [5, 6], "the first copy keeps its place");
    for keep in [
        Keep::ALL,
        Keep {
            raw: false,
            transcript: false,
            explanations: false,
        },
    ] {
        let differ = r#"[{"id": 5, "status": "failed", "error_message": "call dropped"}, {"id": 5, "status": "completed", "success": true}]"#;
        let err = parse_runs_keeping(differ, keep).expect_err("contradiction");
        assert!(
            err.0
                .contains("run 5 appears twice with different contents"),
            "{err}"
        );
    }
}

pub(super) const LEAN: Keep = Keep {
    raw: false,
    transcript: false,
    explanations: false,
};
pub(super) const EVERY_WAY: [Keep; 6] = [
    LEAN,
    Keep::ALL,
    Keep {
        raw: true,
        transcript: false,
        explanations: false,
    },
    Keep {
        raw: false,
        transcript: true,
        explanations: true,
    },
    Keep {
        raw: false,
        transcript: true,
        explanations: false,
    },
    Keep {
        raw: true,
        transcript: false,
        explanations: true,
    },
];

#[test]
fn a_null_category_or_metric_is_like_none() {
    let body = r#"[{"id": 5, "status": "completed", "critical_categories": [null, {"category": "c", "priority": "high"}, null],
        "evaluation": {"metrics": [null, {"name": "m", "score": 1}]}}]"#;
    for keep in EVERY_WAY {
        let runs = parse_runs_keeping(body, keep).expect("nulls are skipped");
        assert_eq!(runs[0].run.categories.len(), 1, "{keep:?}");
        assert_eq!(runs[0].run.metrics.len(), 1, "{keep:?}");
    }
}

#[test]
fn unused_parts_of_the_answer_never_matter() {
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    for junk in [deep(130), deep(5000)] {
        let body = format!(
            r#"[{{"id": 5, "status": "completed", "success": true, "scenario": {{"id": 7, "name": "n", "extra": {junk}}},
                "transcript": {junk}, "transcript_object": {junk}, "metadata": {junk},
                "critical_categories": [{{"category": "c", "priority": "low", "more": {junk}}}],
                "evaluation": {{"metrics": [{{"name": "m", "passed": true, "explanation": {junk}}}], "x": {junk}}}}}]"#
        );
        for keep in EVERY_WAY {
            let runs = parse_runs_keeping(&body, keep).unwrap_or_else(|e| panic!("{keep:?}: {e}"));
            let run = &runs[0].run;
            assert_eq!(
                (run.scenario_id, run.scenario_name.as_deref()),
                (Some(7), Some("n"))
            );
            assert_eq!(run.categories.len(), 1);
            assert_eq!(run.transcript.is_some(), keep.transcript, "{keep:?}");
        }
    }
}

#[test]
fn metrics_and_rubric_rules_give_readings_thresholds_can_compare() {
    let body = r#"[{"id": 5,
        "evaluation": {"metrics": [
            {"name": "Latency", "type": "numeric", "score": 3024.03},
            {"name": "Goal reached", "eval_type": "binary", "passed": false},
            {"name": "Outcome", "type": "enum", "value": "resolved"},
            {"name": "Texty", "score": "12.5"},
            {"name": "Broken", "score": "n/a", "passed": "maybe"}]},
        "rubric": [null, {"metric_id": 100, "metric_name": "Call Quality", "value": 5, "passed": true},
            {"value": 1}]}]"#;
    let runs = parse_runs(body).expect("parses");
    let run = &runs[0].run;
    let latency = run.metric("Latency").expect("Latency");
    assert_eq!(latency.number, Some(3024.03));
    assert_eq!((latency.passed, latency.label.as_deref()), (None, None));
    let goal = run.metric("Goal reached").expect("Goal reached");
    assert_eq!((goal.number, goal.passed), (None, Some(false)));
    assert_eq!(goal.value.as_deref(), Some("false"), "shown as before");
    let outcome = run.metric("Outcome").expect("enum");
    assert_eq!(outcome.label.as_deref(), Some("resolved"));
    assert_eq!(outcome.number, None);
    assert_eq!(run.metric("Texty").and_then(|m| m.number), Some(12.5));
    let broken = run.metric("Broken").expect("kept");
    assert_eq!(
        broken.kinds(),
        crate::model::MetricKinds::default(),
        "nothing comparable"
    );
    assert_eq!(broken.value.as_deref(), Some("n/a"), "still shown");
    let rule = run
        .metric("Call Quality")
        .expect("a rubric rule is a metric");
    assert_eq!((rule.number, rule.passed), (Some(5.0), Some(true)));
    assert_eq!(
        run.metric("rubric").and_then(|m| m.number),
        Some(1.0),
        "unnamed rule"
    );
    assert!(run.metric("latency").is_none(), "names match as spelled");
}

#[test]
fn scores_keep_the_apis_digits_and_turns_show_without_a_transcript() {
    let body = r#"[{"id": 5, "evaluation": {"metrics": [{"name": "big", "score": 123456789012345678901234567890},
        {"name": "exp", "score": 1.5e3}, {"name": "s", "score": "7"}, {"name": "p", "score": null, "passed": false}]},
        "transcript_object": [{"role": "Main Agent", "content": "hi"}, null, {"role": "Testing Agent", "content": "bye"}]}]"#;
    let runs = parse_runs(body).expect("parses");
    let values: Vec<Option<&str>> = runs[0]
        .run
        .metrics
        .iter()
        .map(|m| m.value.as_deref())
        .collect();
    assert_eq!(
        values,
        [
            Some("123456789012345678901234567890"),
            Some("1.5e3"),
            Some("7"),
            Some("false")
        ]
    );
    assert_eq!(
        runs[0].run.transcript.as_deref(),
        Some("Main Agent: hi\nTesting Agent: bye")
    );
}

#[test]
fn keeping_the_transcript_never_changes_what_parses() {
    let body = r#"[{"id": 5, "status": "completed", "success": true, "transcript": [{"role": "Main Agent", "content": "hi"}]}]"#;
    let skipped = parse_runs_keeping(
        body,
        Keep {
            raw: false,
            transcript: false,
            explanations: false,
        },
    )
    .expect("skipped unread");
    assert_eq!(skipped[0].run.transcript, None);
    for keep in [
        Keep::ALL,
        Keep {
            raw: false,
            transcript: true,
            explanations: true,
        },
    ] {
        let kept = parse_runs_keeping(body, keep).expect("kept, whatever its type");
        assert_eq!(
            kept[0].run.transcript.as_deref(),
            Some(r#"[{"content":"hi","role":"Main Agent"}]"#),
            "shown as its JSON text"
        );
    }
}

#[test]
fn a_review_is_read_from_evaluation_status() {
    let body = r#"[{"id": 1, "status": "completed", "success": true, "evaluation_status": "reviewed_failure"},
        {"id": 2, "status": "completed", "success": false, "evaluation_status": "reviewed_success"},
        {"id": 3, "status": "completed", "success": false, "evaluation_status": "failure"}]"#;
    let runs = parse_runs(body).expect("reviewed runs parse");
    let reviews: Vec<_> = runs.iter().map(|r| r.run.review).collect();
    assert_eq!(reviews, [Some(false), Some(true), None]);
}
