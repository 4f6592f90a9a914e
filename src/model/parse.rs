//! Reading a bulk-runs answer, the way the API README asks: every field may
//! be missing or null, both API generations' shapes are accepted, unknown
//! fields are ignored. What we cannot read as documented (an `id` that is not
//! a positive integer, a field of the wrong type, an answer that is not an
//! array) is an error, never a guess.

use super::Run;
use super::surrogates::visible_lone_surrogates;
use super::wanted::{Item, RunsSeed, Wanted};
use super::wire::{KeptTranscript, Transcript};
use serde::de::{DeserializeSeed, IgnoredAny};
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;

/// A run as read, with its exact bytes when they are kept, so that a
/// saved response holds what the API sent, not our reading of it.
#[derive(Debug)]
pub struct RawRun {
    pub run: Run,
    pub raw: Option<Box<RawValue>>,
}

/// Why an answer could not be read as the documented JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// What to keep while parsing; what is not kept is skipped, not copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    /// Each run's exact bytes (for `--save-response`).
    pub raw: bool,
    /// Transcripts (for `--include-transcript`), the bulk of an answer.
    pub transcript: bool,
}

impl Keep {
    pub const ALL: Keep = Keep {
        raw: true,
        transcript: true,
    };
}

/// Parses a bulk-runs answer, keeping everything.
pub fn parse_runs(body: &str) -> Result<Vec<RawRun>, ParseError> {
    parse_runs_keeping(body, Keep::ALL)
}

/// Parses a bulk-runs answer (a JSON array of run objects) in one pass over
/// the text, or two when raw bytes are kept.
pub fn parse_runs_keeping(body: &str, keep: Keep) -> Result<Vec<RawRun>, ParseError> {
    parse_answer(body, keep, None).map(|parsed| parsed.runs)
}

/// An answer's runs, and the first run in it nobody asked for.
#[derive(Debug)]
pub struct Parsed {
    pub runs: Vec<RawRun>,
    /// The ID of the first run skipped because `wanted` lacked it.
    pub unrequested: Option<u64>,
}

/// Parses a bulk-runs answer; with `wanted`, a run whose ID it lacks is
/// skipped without being built (see `wanted.rs`).
pub fn parse_answer(
    body: &str,
    keep: Keep,
    wanted: Option<&HashSet<u64>>,
) -> Result<Parsed, ParseError> {
    let trimmed = body.trim_start_matches('\u{feff}').trim_start();
    match trimmed.as_bytes().first() {
        Some(b'[') => {}
        Some(b'{') => {
            return Err(ParseError(
                "expected a JSON array of runs, found a JSON object".into(),
            ));
        }
        Some(b'n') if trimmed.trim_end() == "null" => {
            return Err(ParseError(
                "expected a JSON array of runs, found null".into(),
            ));
        }
        Some(_) => {
            return Err(ParseError(
                "expected a JSON array of runs, found something that is not JSON".into(),
            ));
        }
        None => {
            return Err(ParseError(
                "expected a JSON array of runs, found an empty answer".into(),
            ));
        }
    }
    // A run of the wrong shape is reported from inside the array, where a
    // syntax error looks the same: only a second look tells them apart.
    let invalid = |e: serde_json::Error| {
        if serde_json::from_str::<IgnoredAny>(trimmed).is_ok() {
            ParseError(format!("valid JSON, but not the documented shape: {e}"))
        } else {
            ParseError(format!("invalid JSON: {e}"))
        }
    };
    let (runs, unrequested) = if keep.transcript {
        read::<KeptTranscript>(trimmed, keep.raw, wanted)
    } else {
        read::<IgnoredAny>(trimmed, keep.raw, wanted)
    }
    .map_err(|e| match e {
        Failure::Json(e) => invalid(e),
        Failure::Run(message) => ParseError(message),
    })?;
    Ok(Parsed {
        runs: one_per_id(runs)?,
        unrequested,
    })
}

enum Failure {
    Json(serde_json::Error),
    /// A run of the wrong shape, in a well-formed array.
    Run(String),
}

/// The runs of an answer (checked to start with `[`), those not `wanted`
/// skipped, and the first skipped ID.
fn read<T: Transcript>(
    trimmed: &str,
    keep_raw: bool,
    wanted: Option<&HashSet<u64>>,
) -> Result<(Vec<RawRun>, Option<u64>), Failure> {
    let seed = || Wanted::<T> {
        wanted,
        transcript: PhantomData,
    };
    if !keep_raw {
        let text = visible_lone_surrogates(trimmed);
        let mut de = serde_json::Deserializer::from_str(&text);
        let read = RunsSeed(seed())
            .deserialize(&mut de)
            .map_err(Failure::Json)?;
        de.end().map_err(Failure::Json)?;
        return Ok(read);
    }
    // The raw bytes stay as sent (RawValue takes lone surrogates); each
    // run is read from its text with them made visible.
    let items: Vec<Box<RawValue>> = serde_json::from_str(trimmed).map_err(Failure::Json)?;
    let mut runs = Vec::with_capacity(items.len());
    let mut unrequested = None;
    for (index, raw) in items.into_iter().enumerate() {
        let text = visible_lone_surrogates(raw.get());
        let mut de = serde_json::Deserializer::from_str(&text);
        let item = seed()
            .deserialize(&mut de)
            .and_then(|item| de.end().map(|()| item))
            .map_err(|e| {
                Failure::Run(format!(
                    "valid JSON, but not the documented shape: run #{} (counting from 1): {e}",
                    index + 1
                ))
            })?;
        match item {
            Item::Run(wire) => runs.push(RawRun {
                run: wire.into_run(),
                raw: Some(raw),
            }),
            Item::Skipped(id) => {
                unrequested.get_or_insert(id);
            }
        }
    }
    Ok((runs, unrequested))
}

/// Each run once. An exact repeat is dropped; two different copies of one
/// run contradict each other, and believing either would be a guess (the
/// gate could pass on the copy that happens to come last).
fn one_per_id(runs: Vec<RawRun>) -> Result<Vec<RawRun>, ParseError> {
    let mut kept: Vec<RawRun> = Vec::with_capacity(runs.len());
    // Each ID's place in `kept`, and its position in the answer.
    let mut seen: HashMap<u64, (usize, usize)> = HashMap::with_capacity(runs.len());
    for (at, raw) in runs.into_iter().enumerate() {
        match seen.get(&raw.run.id) {
            None => {
                seen.insert(raw.run.id, (kept.len(), at));
                kept.push(raw);
            }
            Some(&(place, _)) if kept[place].run == raw.run => {}
            Some(&(_, earlier)) => {
                return Err(ParseError(format!(
                    "run {} appears twice with different contents (runs #{} and #{}, counting from 1)",
                    raw.run.id,
                    earlier + 1,
                    at + 1
                )));
            }
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    const EXAMPLE: &str = include_str!("../../examples/api-example.json");

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
        };
        let full = parse_runs(EXAMPLE).expect("full");
        for keep in [
            lean,
            Keep {
                raw: false,
                transcript: true,
            },
            Keep {
                raw: true,
                transcript: false,
            },
        ] {
            let runs = parse_runs_keeping(EXAMPLE, keep).expect("parses");
            let mut expected = full[0].run.clone();
            if !keep.transcript {
                expected.transcript = None;
            }
            assert_eq!(runs[0].run, expected, "{keep:?}");
            assert_eq!(runs[0].raw.is_some(), keep.raw, "{keep:?}");
        }
        let err = parse_runs_keeping(r#"[{"id": 1}, {"id": "2"}]"#, lean).expect_err("bad id");
        assert!(
            err.0.contains("run #2") && err.0.contains("positive integer"),
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
            (r#"[{"id": "181"}]"#, "positive integer"),
            (r#"[{"id": 0}]"#, "positive"),
            (r#"[{"id": 1, "success": "yes"}]"#, "run #1"),
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

    const LEAN: Keep = Keep {
        raw: false,
        transcript: false,
    };
    const EVERY_WAY: [Keep; 4] = [
        LEAN,
        Keep::ALL,
        Keep {
            raw: true,
            transcript: false,
        },
        Keep {
            raw: false,
            transcript: true,
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
                let runs =
                    parse_runs_keeping(&body, keep).unwrap_or_else(|e| panic!("{keep:?}: {e}"));
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
    fn shape_errors_say_so_without_internal_type_names() {
        for body in [
            r#"[{"id": 1, "scenario": "x"}]"#,
            r#"[{"id": 1, "critical_categories": ["x"]}]"#,
            r#"[{"id": 1, "evaluation": {"metrics": [1]}}]"#,
            r#"[{"id": 1, "evaluation": 3}]"#,
            r#"[1]"#,
        ] {
            for keep in [LEAN, Keep::ALL] {
                let err = parse_runs_keeping(body, keep).expect_err(body).0;
                assert!(
                    err.starts_with("valid JSON, but not the documented shape: run #1"),
                    "{body}: {err}"
                );
                assert!(
                    !err.contains("Wire") && !err.contains("untagged"),
                    "{body}: {err}"
                );
            }
        }
    }

    #[test]
    fn keeping_the_transcript_never_changes_what_parses() {
        let body = r#"[{"id": 5, "status": "completed", "success": true, "transcript": [{"role": "Main Agent", "content": "hi"}]}]"#;
        let skipped = parse_runs_keeping(
            body,
            Keep {
                raw: false,
                transcript: false,
            },
        )
        .expect("skipped unread");
        assert_eq!(skipped[0].run.transcript, None);
        for keep in [
            Keep::ALL,
            Keep {
                raw: false,
                transcript: true,
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
}
