//! Runs of odd shapes, unit-tested: each costs only itself, and a run
//! nothing can name is skipped live and refuses a replay.

use super::tests::{EVERY_WAY, LEAN};
use super::*;
use crate::model::Status;
use std::collections::HashSet;

#[test]
fn a_run_of_the_wrong_shape_is_unreadable_and_says_where() {
    for (field, json, says) in [
        (
            "scenario",
            r#""x""#,
            "`scenario` is the text \"x\", not a scenario ID or a scenario object",
        ),
        (
            "scenario",
            r#"{"id": "7"}"#,
            "`scenario.id` is the text \"7\", not an integer",
        ),
        (
            "success",
            r#""yes""#,
            "`success` is the text \"yes\", not true or false",
        ),
        ("status", "5", "`status` is the number 5, not text"),
        (
            "critical_categories",
            r#""x""#,
            "`critical_categories` is the text \"x\", not a list of categories",
        ),
        (
            "critical_categories",
            r#"[null, "x"]"#,
            "`critical_categories[1]` is the text \"x\", not a critical category object",
        ),
        (
            "critical_categories",
            r#"[{"priority": 3}]"#,
            "`critical_categories[0].priority` is the number 3, not text",
        ),
        (
            "critical_categories",
            r#"[{"category": "a", "category": "b"}]"#,
            "`critical_categories[0].category` appears twice",
        ),
        (
            "evaluation",
            "3",
            "`evaluation` is the number 3, not an evaluation object",
        ),
        (
            "evaluation",
            r#"{"metrics": {}}"#,
            "`evaluation.metrics` is an object, not a list of metrics",
        ),
        (
            "evaluation",
            r#"{"metrics": [1]}"#,
            "`evaluation.metrics[0]` is the number 1, not a metric object",
        ),
        (
            "evaluation",
            r#"{"metrics": [{"name": ["L"]}]}"#,
            "`evaluation.metrics[0].name` is a list, not text",
        ),
        (
            "evaluation",
            r#"{"metrics": [{"score": 1, "score": 2}]}"#,
            "`evaluation.metrics[0].score` appears twice",
        ),
        (
            "rubric",
            r#"[{"metric_name": 5}]"#,
            "`rubric[0].metric_name` is the number 5, not text",
        ),
        ("duration", "true", "`duration` is true, not text"),
        (
            "error_message",
            r#"["a", {}]"#,
            "`error_message[1]` is an object, not text",
        ),
    ] {
        let status = if field == "status" {
            ""
        } else {
            r#""status": "completed", "#
        };
        let body = format!(
            r#"[{{"id": 1, "status": "completed", "success": true}},
                {{"id": 2, {status}"{field}": {json}}}]"#
        );
        for keep in EVERY_WAY {
            let runs = parse_runs_keeping(&body, keep).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(runs.len(), 2, "{body}");
            assert_eq!(runs[0].run.status, Status::Completed, "the other run reads");
            let odd = &runs[1].run;
            assert_eq!(
                odd.status,
                Status::Unreadable(says.to_owned()),
                "{body} {keep:?}"
            );
            assert_eq!(odd.status.label(), "unreadable");
            assert_eq!(odd.error_message.as_deref(), Some(says), "shown in reports");
            assert!(!says.contains("Wire") && !says.contains("untagged"));
        }
        let wanted: HashSet<u64> = [2].into();
        let live = parse_answer(&body, LEAN, Some(&wanted)).expect("live too");
        assert_eq!(live.runs[0].run.status, Status::Unreadable(says.to_owned()));
    }
}

#[test]
fn an_unreadable_run_keeps_the_apis_error_and_a_waiting_one_waits() {
    let body = r#"[{"id": 1, "status": "failed", "success": "no", "error_message": "call dropped"},
        {"id": 2, "status": "in_progress", "success": "no"},
        {"id": 3, "status": "completed", "success": true, "success": false}]"#;
    let runs = parse_runs(body).expect("parses");
    assert_eq!(
        runs[0].run.error_message.as_deref(),
        Some(
            "`success` is the text \"no\", not true or false; the API's error_message: call dropped"
        )
    );
    assert!(
        runs[1].run.status.is_waiting(),
        "judged when it ends, not before"
    );
    assert_eq!(
        runs[2].run.status,
        Status::Unreadable("`success` appears twice".into()),
        "which copy is meant would be a guess"
    );
}

#[test]
fn a_run_without_a_usable_id_is_skipped_live_and_refuses_a_replay() {
    let body = r#"[{"id": 5, "status": "completed"}, {"id": -3, "status": "completed"},
        "junk", {"id": 0, "status": "completed"}]"#;
    for keep in EVERY_WAY {
        let err = parse_answer(body, keep, None).expect_err("a replay cannot name it");
        assert!(
            err.0.starts_with(
                "run #2 (counting from 1) has `id` the number -3, not a run ID (a whole number, 0 or more); a run without an ID cannot be named"
            ),
            "{err}"
        );
        let wanted: HashSet<u64> = [5, 0].into();
        let live = parse_answer(body, keep, Some(&wanted)).expect("live, it is skipped");
        let ids: Vec<u64> = live.runs.iter().map(|r| r.run.id).collect();
        assert_eq!(ids, [5, 0], "{keep:?}: 0 is an ID like any");
        assert_eq!(
            live.unidentified.as_deref(),
            Some(
                "run #2 (counting from 1) has `id` the number -3, not a run ID (a whole number, 0 or more)"
            ),
            "{keep:?}"
        );
        assert_eq!(live.unrequested, None);
    }
    let zero = parse_runs(r#"[{"id": 0, "status": "completed"}]"#).expect("0 is an ID");
    assert_eq!(zero[0].run.id, 0);
}

#[test]
fn rubric_rules_come_only_from_a_list_of_objects() {
    for rubric in [
        r#"{"a": [1]}"#,
        r#""text""#,
        "3",
        "true",
        "null",
        "[]",
        r#"[1, "x", [], null]"#,
    ] {
        let body =
            format!(r#"[{{"id": 1, "status": "completed", "success": true, "rubric": {rubric}}}]"#);
        for keep in EVERY_WAY {
            let runs = parse_runs_keeping(&body, keep).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(runs[0].run.status, Status::Completed, "{body}");
            assert!(runs[0].run.metrics.is_empty(), "{body}: no rules");
        }
    }
    let runs = parse_runs(r#"[{"id": 1, "rubric": [7, {"metric_name": "Q", "value": 4}]}]"#)
        .expect("parses");
    assert_eq!(runs[0].run.metric("Q").and_then(|m| m.number), Some(4.0));
}

#[test]
fn feedback_and_deviation_are_read_and_shown_only() {
    let body = r#"[{"id": 1, "status": "completed", "feedback": "agent was rude",
        "critical_categories": [{"category": "a", "deviation": 0.75, "feedback": "not really"},
            {"category": "b", "deviation": "said no", "scenario": "v1 text"},
            {"category": "c", "deviation": {"x": 1}, "feedback": ["odd"]}]},
        {"id": 2, "status": "completed", "feedback": {"note": 1}}]"#;
    let runs = parse_runs(body).expect("parses");
    let run = &runs[0].run;
    assert_eq!(run.feedback.as_deref(), Some("agent was rude"));
    let shown: Vec<(&str, Option<&str>, Option<&str>)> = run
        .categories
        .iter()
        .map(|c| {
            (
                c.detail.as_str(),
                c.deviation.as_deref(),
                c.feedback.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("0.75", Some("0.75"), Some("not really")),
            ("v1 text", Some("said no"), None),
            ("", None, None),
        ],
        "deviation is the detail when there is no scenario text; other types are none"
    );
    assert_eq!(
        runs[1].run.status,
        Status::Completed,
        "a note never costs the run"
    );
    assert_eq!(runs[1].run.feedback, None);
}
