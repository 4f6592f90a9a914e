//! A `--json` report read back, as a baseline, with the very types that
//! wrote it ([`format`](super::format)). Format version 1 gives the runs
//! as the writing gate read them from the API; a report without a version
//! (written before there was one) is read as before, with a warning; any
//! other version is refused. A report is refused what a saved response is
//! refused: one run twice with different contents (an exact repeat is kept
//! once). A run ID of 0 is read, as in a saved response.

use super::format::{FORMAT_VERSION, Report};
use crate::model::Run;
use serde::Deserialize;
use std::collections::HashMap;

/// The runs of a report, in the order written.
#[derive(Debug)]
pub struct ReportRuns {
    pub runs: Vec<Run>,
    /// For the user, once: why the report is read with less than a
    /// re-judgement needs (a report without a format version).
    pub warning: Option<String>,
    /// The commit the report names as gated (`commit`), when it names one.
    pub commit: Option<String>,
}

/// Why a report cannot serve as a baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    /// Not the shape of a report: the JSON reader's words.
    Shape(String),
    /// A report, refused: what is wrong and how to fix it.
    Refused(String),
}

/// Said of a report without `format_version`.
pub(crate) const UNVERSIONED: &str = "is a --json report without format_version (written before vocera-gate had one), read as before: it lists only the categories that weighed when it was written, so a failure for a category that weighed 0 then counts as a new failure reason now; write the baseline again with this vocera-gate to judge every category as sent";

/// Reads the runs of a `--json` report (a JSON object).
pub fn read(text: &str) -> Result<ReportRuns, Unread> {
    #[derive(Deserialize)]
    struct Version {
        #[serde(default)]
        format_version: Option<u64>,
    }
    let shape = |e: serde_json::Error| Unread::Shape(e.to_string());
    // The version first: another version's report may have another shape.
    let version: Version = serde_json::from_str(text).map_err(shape)?;
    if let Some(v) = version
        .format_version
        .filter(|v| *v != u64::from(FORMAT_VERSION))
    {
        return Err(Unread::Refused(format!(
            "it is a --json report of format_version {v}, and this vocera-gate reads format_version {FORMAT_VERSION} (and reports without one, written before it); give a report written by this version of vocera-gate, or a response saved with --save-response"
        )));
    }
    let report: Report = serde_json::from_str(text).map_err(shape)?;
    let versioned = report.format_version.is_some();
    let commit = report.commit;
    let mut kept: Vec<(u64, Option<Run>)> = Vec::with_capacity(report.results.len());
    // Each ID's place in `kept`, and its position in the report.
    let mut seen: HashMap<u64, (usize, usize)> = HashMap::with_capacity(report.results.len());
    for (at, result) in report.results.into_iter().enumerate() {
        let id = result.run_id;
        let run = if !versioned {
            Some(result.unversioned_run())
        } else if let Some(sent) = result.run {
            Some(sent.into_run(id))
        } else if matches!(result.outcome.as_str(), "missing" | "unfinished") {
            None // The API did not return it, or no answer covered it.
        } else {
            return Err(Unread::Refused(format!(
                "run {id} is {:?} but has no \"run\", which a format_version {FORMAT_VERSION} report holds for every run the API returned; write the report again",
                result.outcome
            )));
        };
        keep_once(&mut kept, &mut seen, (id, run), at)?;
    }
    Ok(ReportRuns {
        runs: kept.into_iter().filter_map(|(_, run)| run).collect(),
        warning: (!versioned).then(|| UNVERSIONED.to_owned()),
        commit,
    })
}

/// Keeps `entry`, found at position `at` of the report, unless the same run
/// is already kept; the same ID with other contents is refused.
fn keep_once(
    kept: &mut Vec<(u64, Option<Run>)>,
    seen: &mut HashMap<u64, (usize, usize)>,
    entry: (u64, Option<Run>),
    at: usize,
) -> Result<(), Unread> {
    let id = entry.0;
    match seen.get(&id) {
        None => {
            seen.insert(id, (kept.len(), at));
            kept.push(entry);
            Ok(())
        }
        Some(&(place, _)) if kept[place].1 == entry.1 => Ok(()),
        Some(&(_, earlier)) => Err(Unread::Refused(format!(
            "run {id} appears twice with different contents (results #{} and #{}, counting from 1)",
            earlier + 1,
            at + 1
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ending::Stop;
    use crate::model::{Category, Metric, Status};
    use crate::policy::fixtures::{eval_in, eval_of, run, sample, sample_eval};
    use crate::policy::{Policy, Weights};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn written(runs: &[Run], missing: &[u64]) -> Value {
        let text = super::super::render(&eval_of(runs, missing), "");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("valid JSON ({e}): {text}"))
    }

    fn read_value(value: &Value) -> Result<ReportRuns, Unread> {
        read(&value.to_string())
    }

    fn push(report: &mut Value, result: Value) {
        if let Some(results) = report["results"].as_array_mut() {
            results.push(result);
        }
    }

    fn refused(value: &Value) -> String {
        match read_value(value) {
            Err(Unread::Refused(why)) => why,
            other => panic!("refused, not {other:?}"),
        }
    }

    #[test]
    fn the_commit_gated_is_written_when_known_and_read_back() {
        let runs = sample();
        let mut eval = sample_eval(&runs);
        let without = super::super::render(&eval, "r.xml");
        assert!(!without.contains("\"commit\""), "absent when unknown");
        assert_eq!(read(&without).map(|r| r.commit).ok(), Some(None));
        eval.commit = Some("0123456789abcdef0123456789abcdef01234567".into());
        let with = super::super::render(&eval, "r.xml");
        let value: Value = serde_json::from_str(&with).expect("valid JSON");
        assert_eq!(value["commit"], "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(value["format_version"], 1, "an added optional field");
        let back = read(&with).expect("a report of this version");
        assert_eq!(back.commit, eval.commit);
        assert_eq!(back.runs, runs, "the runs as before");
        // Without it, the report is the same bytes as before the field.
        let stripped = with.replace(
            "  \"commit\": \"0123456789abcdef0123456789abcdef01234567\",\n",
            "",
        );
        assert_eq!(stripped, without);
    }

    #[test]
    fn the_comparison_names_the_baselines_commit_in_the_report() {
        use crate::policy::fixtures::{SHA, compared};
        let runs = [run(1, "completed", Some(true), &[])];
        let text = super::super::render(&compared(&runs, Some(SHA), Some(10)), "");
        let value: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(value["baseline"]["commit"], SHA);
        assert!(!text.contains("days"), "no age: the JSON is deterministic");
        let text = super::super::render(&compared(&runs, None, Some(10)), "");
        let value: Value = serde_json::from_str(&text).expect("valid JSON");
        assert!(value["baseline"].get("commit").is_none(), "{value}");
    }

    #[test]
    fn the_sample_reads_back_as_its_runs_the_missing_one_left_out() {
        let runs = sample();
        let text = super::super::render(&sample_eval(&runs), "r.xml");
        let back = read(&text).expect("a report of this version");
        assert_eq!(back.runs, runs, "every run as judged, transcript aside");
        assert_eq!(back.warning, None);
    }

    #[test]
    fn a_category_that_weighed_nothing_is_kept_as_sent() {
        let mut r = run(1, "completed", Some(false), &["low", "High"]);
        r.categories[0].wrongly_marked = true;
        r.categories[1].feedback = Some("agreed".into());
        r.categories.push(Category {
            priority: None,
            ..r.categories[1].clone()
        });
        let runs = [r];
        let policy = Policy {
            weights: {
                let mut w = Weights::default();
                w.set("low", 0);
                w
            },
            ..Policy::default()
        };
        let text = super::super::render(&eval_in(&policy, &runs, &[], Stop::AllFinal), "");
        let back = read(&text).expect("reads");
        assert_eq!(back.runs[0].categories, runs[0].categories);
        let value: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            value["results"][0]["categories"],
            json!([{"category": "High problem", "priority": "high"}, {"category": "High problem", "priority": "unknown"}]),
            "the flat list keeps its meaning: what weighed, lowercased"
        );
    }

    #[test]
    fn other_versions_are_refused_and_an_unversioned_report_is_read_with_a_warning() {
        let mut v = written(&[run(1, "completed", Some(true), &["high"])], &[]);
        for version in [json!(2), json!(0)] {
            v["format_version"] = version.clone();
            let why = refused(&v);
            assert!(
                why.starts_with(&format!("it is a --json report of format_version {version}, and this vocera-gate reads format_version 1 (and reports without one")),
                "{why}"
            );
        }
        v["format_version"] = json!("1");
        assert!(matches!(read_value(&v), Err(Unread::Shape(_))));
        // Before format versions: the flat fields, read as before.
        v.as_object_mut().map(|o| o.remove("format_version"));
        v["results"][0].as_object_mut().map(|o| o.remove("run"));
        let back = read_value(&v).expect("read as before");
        assert_eq!(back.warning.as_deref(), Some(UNVERSIONED));
        assert_eq!(back.runs[0].categories[0].priority.as_deref(), Some("high"));
        assert_eq!(back.runs[0].categories[0].detail, "", "never written then");
    }

    #[test]
    fn a_report_is_refused_what_a_saved_response_is_refused() {
        let runs = [
            run(1, "completed", Some(true), &[]),
            run(2, "completed", Some(false), &[]),
        ];
        let mut v = written(&runs, &[]);
        let first = v["results"][0].clone();
        // An exact repeat is kept once.
        push(&mut v, first.clone());
        assert_eq!(read_value(&v).map(|r| r.runs.len()), Ok(2));
        // The same ID with other contents is a contradiction.
        let mut other = first.clone();
        other["run"]["success"] = json!(false);
        push(&mut v, other);
        assert_eq!(
            refused(&v),
            "run 1 appears twice with different contents (results #1 and #4, counting from 1)"
        );
        let mut v = written(&runs, &[]);
        v["results"][1]["run_id"] = json!(0);
        assert_eq!(
            read_value(&v).map(|r| r.runs[1].id),
            Ok(0),
            "a run ID of 0 is read, as in a saved response"
        );
        let mut v = written(&runs, &[]);
        v["results"][1]["run"] = Value::Null;
        assert!(refused(&v).starts_with("run 2 is \"failed\" but has no \"run\""));
        // Unversioned reports too.
        let mut v = written(&runs, &[]);
        v.as_object_mut().map(|o| o.remove("format_version"));
        v["results"][1]["run_id"] = json!(1);
        assert!(refused(&v).starts_with("run 1 appears twice"));
        for shape in [
            json!({"hello": 1}),
            json!({"verdict": "passed"}),
            json!({"verdict": 1, "results": []}),
        ] {
            assert!(
                matches!(read_value(&shape), Err(Unread::Shape(_))),
                "{shape}"
            );
        }
    }

    #[test]
    fn a_missing_run_is_no_run_and_a_number_is_read_back_exactly() {
        let mut r = run(1, "completed", Some(true), &[]);
        r.metrics = [0.1 + 0.2, 5e-324, 1.7976931348623157e308, -0.0, 3024.03]
            .into_iter()
            .map(|n| Metric {
                name: "Latency".into(),
                value: Some(n.to_string()),
                number: Some(n),
                ..Metric::default()
            })
            .collect();
        let runs = [r];
        let back = read_value(&written(&runs, &[7])).expect("reads");
        assert_eq!(back.runs.len(), 1, "run 7 was not returned: no run");
        let bits = |r: &Run| -> Vec<u64> {
            r.metrics
                .iter()
                .filter_map(|m| m.number)
                .map(f64::to_bits)
                .collect()
        };
        assert_eq!(bits(&back.runs[0]), bits(&runs[0]));
        let mut v = written(&runs, &[]);
        v["results"][0]["run"]["metrics"][0]["number"] = json!("7");
        assert!(
            matches!(read_value(&v), Err(Unread::Shape(_))),
            "a number, or null"
        );
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z ]{0,8}",
            any::<String>(),
            Just("\u{2028}\r\n\u{0}".to_owned())
        ]
    }

    fn status() -> impl Strategy<Value = Status> {
        let words = prop_oneof![
            Just("completed".to_owned()),
            Just("pending".to_owned()),
            Just("timeout".to_owned()),
            Just("(none)".to_owned()),
            text()
        ];
        proptest::option::of(words).prop_map(|s| Status::parse(s.as_deref()))
    }

    fn number() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>().prop_filter("finite", |n| n.is_finite()),
            -1e6..1e6f64
        ]
    }

    fn metric() -> impl Strategy<Value = Metric> {
        use proptest::option::of as o;
        (
            text(),
            o(text()),
            o(number()),
            o(any::<bool>()),
            o(text()),
            o(text()),
            proptest::collection::vec(text(), 0..3),
        )
            .prop_map(
                |(name, value, number, passed, label, odd, explanation)| Metric {
                    name,
                    value,
                    number,
                    passed,
                    label,
                    odd,
                    explanation,
                },
            )
    }

    fn category() -> impl Strategy<Value = Category> {
        use proptest::option::of as o;
        (
            text(),
            text(),
            o(text()),
            any::<bool>(),
            o(text()),
            o(text()),
        )
            .prop_map(
                |(name, detail, priority, wrongly_marked, feedback, deviation)| Category {
                    name,
                    detail,
                    priority,
                    wrongly_marked,
                    feedback,
                    deviation,
                },
            )
    }

    fn any_run() -> impl Strategy<Value = Run> {
        use proptest::collection::vec as v;
        use proptest::option::of as o;
        let who = (
            1..u64::MAX,
            o(any::<i64>()),
            o(text()),
            o(any::<bool>()),
            status(),
        );
        let judged = (
            v(metric(), 0..3),
            v(category(), 0..3),
            o(any::<bool>()),
            o(1..u64::MAX),
        );
        let shown = (o(any::<u64>()), o(text()), o(text()), o(text()), o(text()));
        (who, judged, shown).prop_map(|(who, judged, shown)| Run {
            id: who.0,
            scenario_id: who.1,
            scenario_name: who.2,
            success: who.3,
            status: who.4,
            metrics: judged.0,
            categories: judged.1,
            review: judged.2,
            result_id: judged.3,
            transcript: None,
            duration_ms: shown.0,
            recording_url: shown.1,
            timestamp: shown.2,
            error_message: shown.3,
            feedback: shown.4,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

        /// What a report says of runs R is R again, field for field: what
        /// the policy reads, and what the reports show.
        #[test]
        fn a_report_of_runs_reads_back_as_the_same_runs(runs in proptest::collection::vec(any_run(), 0..6)) {
            let mut runs = runs;
            let mut ids = std::collections::HashSet::new();
            runs.retain(|r| ids.insert(r.id));
            let text = super::super::render(&eval_of(&runs, &[]), "");
            let back = read(&text).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(back.runs, runs);
        }
    }
}
