//! Metrics and rubric rules read off the wire, unit-tested.

use crate::model::{Metric, parse_runs};

/// The metrics of one run whose `evaluation.metrics` is `metrics`.
fn read(metrics: &str) -> Vec<Metric> {
    let body = format!(r#"[{{"id": 1, "evaluation": {{"metrics": {metrics}}}}}]"#);
    let mut runs = parse_runs(&body).unwrap_or_else(|e| panic!("{body}: {e}"));
    std::mem::take(&mut runs[0].run.metrics)
}

fn passed(metric: &str) -> (Option<bool>, Option<String>) {
    let m = read(&format!("[{metric}]")).remove(0);
    (m.passed, m.odd)
}

#[test]
fn every_binary_shape_the_platform_sends_reads_as_passed_or_failed() {
    for (metric, expected) in [
        (r#"{"name": "G", "passed": true}"#, Some(true)),
        (
            r#"{"name": "G", "eval_type": "binary", "passed": false}"#,
            Some(false),
        ),
        (
            r#"{"name": "G", "type": "binary_workflow_adherence", "score": 5}"#,
            Some(true),
        ),
        (
            r#"{"name": "G", "type": "binary_workflow_adherence", "score": 0}"#,
            Some(false),
        ),
        (
            r#"{"name": "G", "eval_type": "binary", "passed": true, "type": "binary_workflow_adherence", "score": 5}"#,
            Some(true),
        ),
        (r#"{"name": "G", "type": "binary", "score": 1}"#, Some(true)),
        (
            r#"{"name": "G", "type": "binary", "score": 0.0}"#,
            Some(false),
        ),
        (
            r#"{"name": "G", "type": "binary", "value": true}"#,
            Some(true),
        ),
        (
            r#"{"name": "G", "type": "binary", "value": "false"}"#,
            Some(false),
        ),
        (
            r#"{"name": "G", "eval_type": "binary", "score": 1}"#,
            Some(true),
        ),
        (r#"{"name": "G", "score": 1}"#, None),
    ] {
        assert_eq!(passed(metric), (expected, None), "{metric}");
    }
    let legacy = read(r#"[{"name": "G", "type": "binary_workflow_adherence", "score": 5}]"#);
    assert_eq!(
        legacy[0].number,
        Some(5.0),
        "numeric thresholds still read it"
    );
}

#[test]
fn a_binary_score_off_the_scale_or_a_contradiction_is_odd() {
    for (metric, odd) in [
        (
            r#"{"name": "G", "type": "binary_workflow_adherence", "score": 3}"#,
            "score 3 of a binary metric is neither 5 (passed) nor 0 (failed)",
        ),
        (
            r#"{"name": "G", "type": "binary", "score": 0.5}"#,
            "score 0.5 of a binary metric is neither 1 (passed) nor 0 (failed)",
        ),
        (
            r#"{"name": "G", "passed": "maybe"}"#,
            "passed \"maybe\" is not true or false",
        ),
        (
            r#"{"name": "G", "passed": false, "type": "binary_workflow_adherence", "score": 5}"#,
            "passed false contradicts its binary_workflow_adherence score 5",
        ),
    ] {
        assert_eq!(passed(metric), (None, Some(odd.to_owned())), "{metric}");
    }
}

#[test]
fn a_score_that_is_no_number_is_odd_and_shown_as_sent() {
    let metrics = read(
        r#"[{"name": "a", "score": true}, {"name": "b", "score": "NaN"}, {"name": "c", "score": null},
            {"name": "d", "score": "12.5"}, {"name": "e", "score": {"x": 1}}, {"name": "f", "score": 1e400}]"#,
    );
    let odd: Vec<Option<&str>> = metrics.iter().map(|m| m.odd.as_deref()).collect();
    assert_eq!(
        odd,
        [
            Some("score true is not a number"),
            Some("score \"NaN\" is not a number"),
            None,
            None,
            Some("score {\"x\": 1} is not a number"),
            Some("score 1e400 is not a number"),
        ]
    );
    assert_eq!(metrics[1].value.as_deref(), Some("NaN"), "shown as before");
    assert_eq!(metrics[3].number, Some(12.5));
}

/// The explanation of the one metric `metric`, and whether its run reads.
fn explained(metric: &str) -> (Vec<String>, crate::model::Status) {
    let body =
        format!(r#"[{{"id": 1, "status": "completed", "evaluation": {{"metrics": [{metric}]}}}}]"#);
    let mut runs = parse_runs(&body).unwrap_or_else(|e| panic!("{body}: {e}"));
    let run = runs.remove(0).run;
    let explanation = run.metrics.into_iter().next().map(|m| m.explanation);
    (explanation.unwrap_or_default(), run.status)
}

#[test]
fn an_explanation_is_kept_as_a_list_of_lines_or_as_one_string() {
    use crate::model::Status;
    let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for (metric, expected) in [
        (
            r#"{"name": "G", "eval_type": "binary", "passed": false, "explanation": ["Never greeted", "Hung up"]}"#,
            lines(&["Never greeted", "Hung up"]),
        ),
        (
            r#"{"name": "Latency", "type": "numeric", "score": 3024.03, "explanation": "Slow <b>twice</b>"}"#,
            lines(&["Slow <b>twice</b>"]),
        ),
        (
            r#"{"name": "G", "explanation": ["", "  ", null, "kept"]}"#,
            lines(&["kept"]),
        ),
        (r#"{"name": "G", "explanation": ""}"#, vec![]),
        (r#"{"name": "G", "explanation": null}"#, vec![]),
        (r#"{"name": "G"}"#, vec![]),
    ] {
        assert_eq!(explained(metric), (expected, Status::Completed), "{metric}");
    }
}

#[test]
fn an_explanation_of_another_shape_is_none_and_costs_nothing_else() {
    use crate::model::Status;
    for odd in [
        "5",
        "true",
        r#"{"text": "x"}"#,
        r#"["fine", 3]"#,
        r#"["fine", ["nested"]]"#,
        r#"[{"a": [1, [2, {"b": 3}]]}, "x"]"#,
    ] {
        let metric = format!(r#"{{"name": "G", "score": 1, "explanation": {odd}}}"#);
        assert_eq!(explained(&metric), (vec![], Status::Completed), "{metric}");
    }
    let twice = r#"{"name": "G", "explanation": "a", "score": 2, "explanation": ["b"]}"#;
    assert_eq!(
        explained(twice),
        (vec![], Status::Completed),
        "sent twice: which is meant would be a guess"
    );
    let read = read(r#"[{"name": "G", "score": 2, "explanation": {"x": 1}}, {"name": "H"}]"#);
    assert_eq!(read[0].number, Some(2.0), "the reading itself is kept");
    assert_eq!(read[1].name, "H", "and the metrics after it");
}

#[test]
fn a_rubric_rule_keeps_its_explanation() {
    let body = r#"[{"id": 1, "rubric": [
        {"metric_name": "Call Quality", "value": 5, "passed": true, "explanation": ["Clear", "Kind"]},
        {"metric_name": "Tone", "passed": false, "explanation": "Curt"},
        {"metric_name": "Odd", "passed": false, "explanation": 7}]}]"#;
    let runs = parse_runs(body).expect("parses");
    let explained: Vec<&[String]> = runs[0]
        .run
        .metrics
        .iter()
        .map(|m| m.explanation.as_slice())
        .collect();
    assert_eq!(
        explained,
        [
            &["Clear".to_owned(), "Kind".to_owned()][..],
            &["Curt".to_owned()][..],
            &[][..]
        ]
    );
    assert_eq!(runs[0].run.status, crate::model::Status::Absent);
}

#[test]
fn explanations_are_skipped_unread_unless_kept_and_parse_the_same_either_way() {
    use crate::model::Keep;
    use crate::model::parse::parse_runs_keeping;
    let body = r#"[{"id": 1, "status": "completed",
        "evaluation": {"metrics": [{"name": "G", "passed": false, "explanation": ["a", {"x": [1]}]},
                                   {"name": "H", "passed": false, "explanation": "why"}]},
        "rubric": [{"metric_name": "R", "passed": false, "explanation": ["rule"]}]}]"#;
    let read = |explanations: bool| {
        let keep = Keep {
            raw: false,
            transcript: false,
            explanations,
        };
        parse_runs_keeping(body, keep)
            .expect("parses")
            .remove(0)
            .run
    };
    let (kept, skipped) = (read(true), read(false));
    let lines: Vec<Vec<String>> = kept.metrics.iter().map(|m| m.explanation.clone()).collect();
    assert_eq!(
        lines,
        [vec![], vec!["why".to_owned()], vec!["rule".to_owned()]]
    );
    assert!(skipped.metrics.iter().all(|m| m.explanation.is_empty()));
    let mut without = kept.clone();
    without
        .metrics
        .iter_mut()
        .for_each(|m| m.explanation.clear());
    assert_eq!(skipped, without, "nothing else differs");
}
