//! The run objects the API returns, parsed the way the API README asks:
//! every field may be missing or null, both API generations' shapes are
//! accepted, unknown fields are ignored. What we cannot read as documented
//! (an `id` that is not a positive integer, a field of the wrong type, an
//! answer that is not an array) is an error, never a guess.

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::marker::PhantomData;

/// A run's lifecycle state, from its `status` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not finished yet: `running`, `in_progress`, `pending`, `evaluating`,
    /// `in_queue`, `scaling_up`.
    Waiting(String),
    /// Finished normally.
    Completed,
    /// Finished without a result: `failed`, `timeout`, `cancelled`.
    Ended(String),
    /// A value nobody documented. Final, reported as an error, so the gate
    /// never waits forever on it.
    Unknown(String),
    /// The field is missing or null. Final, reported as an error.
    Absent,
}

impl Status {
    /// Reads a `status` value; matching is exact, as the API sends lowercase.
    pub fn parse(raw: Option<&str>) -> Status {
        match raw {
            None => Status::Absent,
            Some(
                s @ ("running" | "in_progress" | "pending" | "evaluating" | "in_queue"
                | "scaling_up"),
            ) => Status::Waiting(s.to_owned()),
            Some("completed") => Status::Completed,
            Some(s @ ("failed" | "timeout" | "cancelled")) => Status::Ended(s.to_owned()),
            Some(other) => Status::Unknown(other.to_owned()),
        }
    }

    pub fn is_waiting(&self) -> bool {
        matches!(self, Status::Waiting(_))
    }

    /// The status as the API spelled it (`(none)` when absent).
    pub fn label(&self) -> &str {
        match self {
            Status::Waiting(s) | Status::Ended(s) | Status::Unknown(s) => s,
            Status::Completed => "completed",
            Status::Absent => "(none)",
        }
    }
}

/// One evaluation metric, either generation's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub name: String,
    /// `score` (v1) or `passed` (v2), rendered as JSON text: `3024.03`, `false`.
    pub value: Option<String>,
}

/// One problem the evaluator found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// What went wrong (`category`).
    pub name: String,
    /// How it showed in this run (`scenario`).
    pub detail: String,
    /// As sent; `None` when missing or null.
    pub priority: Option<String>,
    /// A reviewer overruled the evaluator: listed, never scored.
    pub wrongly_marked: bool,
}

/// A run, reduced to what the gate reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: u64,
    pub scenario_id: Option<i64>,
    pub scenario_name: Option<String>,
    pub success: Option<bool>,
    pub status: Status,
    pub metrics: Vec<Metric>,
    pub categories: Vec<Category>,
    pub transcript: Option<String>,
    /// `duration` as sent (`"01:02"`), see [`duration_millis`].
    pub duration: Option<String>,
    pub recording_url: Option<String>,
    pub timestamp: Option<String>,
    pub error_message: Option<String>,
}

/// A parsed run, with its exact bytes from the answer when asked for, so a
/// saved response holds what the API sent, not our reading of it.
#[derive(Debug)]
pub struct RawRun {
    pub run: Run,
    pub raw: Option<Box<RawValue>>,
}

/// Why an answer could not be read as the documented JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

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
    let invalid = |e: serde_json::Error| ParseError(format!("invalid JSON: {e}"));
    let runs = if keep.raw {
        // The raw bytes stay as sent (RawValue takes lone surrogates); each
        // run is read from its text with them made visible.
        let items: Vec<Box<RawValue>> = serde_json::from_str(trimmed).map_err(invalid)?;
        items
            .into_iter()
            .enumerate()
            .map(|(index, raw)| {
                let text = visible_lone_surrogates(raw.get());
                let run = if keep.transcript {
                    serde_json::from_str::<WireRun<KeptTranscript>>(&text).map(WireRun::into_run)
                } else {
                    serde_json::from_str::<WireRun<IgnoredAny>>(&text).map(WireRun::into_run)
                };
                let run = run.map_err(|e| {
                    ParseError(format!("run #{} (counting from 1): {e}", index + 1))
                })?;
                Ok(RawRun {
                    run,
                    raw: Some(raw),
                })
            })
            .collect::<Result<Vec<_>, ParseError>>()?
    } else if keep.transcript {
        serde_json::from_str::<Runs<KeptTranscript>>(&visible_lone_surrogates(trimmed))
            .map_err(invalid)?
            .0
    } else {
        serde_json::from_str::<Runs<IgnoredAny>>(&visible_lone_surrogates(trimmed))
            .map_err(invalid)?
            .0
    };
    one_per_id(runs)
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

/// Rewrites each lone UTF-16 surrogate escape (`"\ud800"` with no partner)
/// as the visible text `\u{d800}`. Such an escape is valid JSON grammar, and
/// encoders emit it (Python's `json.dumps` for a broken string), but it is
/// not Unicode, so serde refuses the whole answer for one bad character in
/// one transcript. Shown visibly, like the other characters XML cannot carry.
/// Borrows the text unchanged (no copy) when there is nothing to rewrite.
pub fn visible_lone_surrogates(body: &str) -> Cow<'_, str> {
    let bytes = body.as_bytes();
    if memchr::memmem::find(bytes, b"\\ud").is_none()
        && memchr::memmem::find(bytes, b"\\uD").is_none()
    {
        return Cow::Borrowed(body);
    }
    let unit = |at: usize| -> Option<u16> {
        let hex = bytes.get(at..at + 4)?;
        hex.iter().try_fold(0u16, |acc, b| {
            Some(acc * 16 + (*b as char).to_digit(16)? as u16)
        })
    };
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    // Backslashes only occur inside strings, so stepping escape by escape
    // keeps us in step: `\\ud800` is an escaped backslash, then text.
    while let Some(found) = memchr::memchr(b'\\', &bytes[i.min(bytes.len())..]) {
        let at = i + found;
        let code = match (bytes.get(at + 1), unit(at + 2)) {
            (Some(b'u'), Some(code)) => code,
            _ => {
                i = at + 2;
                continue;
            }
        };
        // How far this escape reaches (a pair is stepped over whole), and
        // whether it is a surrogate without its partner.
        let (reach, lone) = match code {
            0xD800..=0xDBFF => {
                let paired = bytes.get(at + 6..at + 8) == Some(b"\\u".as_slice())
                    && unit(at + 8).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low));
                if paired { (12, false) } else { (6, true) }
            }
            0xDC00..=0xDFFF => (6, true),
            _ => (6, false),
        };
        if !lone {
            i = at + reach;
            continue;
        }
        let out = out.get_or_insert_with(|| String::with_capacity(body.len() + 16));
        // `at` is a backslash and `at + 6` follows six ASCII bytes: both are
        // character boundaries.
        out.push_str(&body[copied..at]);
        let _ = write!(out, "\\\\u{{{code:x}}}");
        copied = at + 6;
        i = copied;
    }
    match out {
        None => Cow::Borrowed(body),
        Some(mut out) => {
            out.push_str(&body[copied..]);
            Cow::Owned(out)
        }
    }
}

/// A whole answer read in one pass; errors name the run's position.
struct Runs<T>(Vec<RawRun>, PhantomData<T>);

impl<'de, T: Transcript> Deserialize<'de> for Runs<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(PhantomData<T>);
        impl<'de, T: Transcript> de::Visitor<'de> for Visit<T> {
            type Value = Runs<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON array of runs")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Runs<T>, A::Error> {
                let mut runs = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                loop {
                    let next = seq.next_element::<WireRun<T>>().map_err(|e| {
                        de::Error::custom(format!("run #{} (counting from 1): {e}", runs.len() + 1))
                    })?;
                    match next {
                        Some(wire) => runs.push(RawRun {
                            run: wire.into_run(),
                            raw: None,
                        }),
                        None => return Ok(Runs(runs, PhantomData)),
                    }
                }
            }
        }
        d.deserialize_seq(Visit(PhantomData))
    }
}

/// How a transcript is read: kept ([`KeptTranscript`]), or skipped (`IgnoredAny`).
trait Transcript: for<'de> Deserialize<'de> {
    fn into_text(self) -> Option<String>;
}

/// A kept transcript. Without `--include-transcript` it is skipped unread
/// (`IgnoredAny` takes any JSON), so to keep the flag from changing what
/// parses, a kept one takes any JSON too: text as sent, another value (a
/// list of turns, say) as its JSON text. It is only shown, never judged.
struct KeptTranscript(String);

impl<'de> Deserialize<'de> for KeptTranscript {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(KeptTranscript(match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        }))
    }
}

impl Transcript for KeptTranscript {
    fn into_text(self) -> Option<String> {
        Some(self.0)
    }
}

impl Transcript for IgnoredAny {
    fn into_text(self) -> Option<String> {
        None
    }
}

/// Length of a call in milliseconds from `MM:SS`, `HH:MM:SS` or plain
/// seconds (seconds may carry a fraction). Anything else is `None`; callers
/// show 0.
pub fn duration_millis(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    let (hours, minutes, seconds) = match parts.as_slice() {
        [s] => ("0", "0", *s),
        [m, s] => ("0", *m, *s),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    let whole = |t: &str| -> Option<u64> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    let (sec_whole, sec_frac) = seconds.split_once('.').unwrap_or((seconds, ""));
    let millis_frac = if sec_frac.is_empty() {
        0
    } else {
        // Milliseconds from the first three digits; the rest must be digits too.
        if !sec_frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits: String = sec_frac.chars().chain("000".chars()).take(3).collect();
        whole(&digits)?
    };
    let total_seconds = whole(hours)?
        .checked_mul(3600)?
        .checked_add(whole(minutes)?.checked_mul(60)?)?
        .checked_add(whole(sec_whole)?)?;
    total_seconds.checked_mul(1000)?.checked_add(millis_frac)
}

// ---- the wire shapes ----------------------------------------------------

#[derive(Deserialize)]
#[serde(bound = "T: Transcript")]
struct WireRun<T> {
    id: WireId,
    #[serde(default)]
    scenario: Option<WireScenario>,
    #[serde(default)]
    scenario_name: Option<String>,
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    evaluation: Option<WireEvaluation>,
    #[serde(default)]
    transcript: Option<T>,
    #[serde(default)]
    duration: Option<WireText>,
    #[serde(default)]
    voice_recording_url: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    critical_categories: Option<Vec<WireCategory>>,
    #[serde(default)]
    error_message: Option<WireText>,
}

/// `id` must be a positive integer; a string or a fraction is an error.
struct WireId(u64);

impl<'de> Deserialize<'de> for WireId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id =
            u64::deserialize(d).map_err(|_| de::Error::custom("`id` is not a positive integer"))?;
        if id == 0 {
            return Err(de::Error::custom("`id` is 0, run IDs are positive"));
        }
        Ok(WireId(id))
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum WireScenario {
    Id(i64),
    Object {
        #[serde(default)]
        id: Option<i64>,
        #[serde(default)]
        name: Option<String>,
    },
}

#[derive(Deserialize)]
struct WireEvaluation {
    #[serde(default)]
    metrics: Option<Vec<WireMetric>>,
}

#[derive(Deserialize)]
struct WireMetric {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    function_name: Option<String>,
    #[serde(default)]
    score: Option<serde_json::Value>,
    #[serde(default)]
    passed: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct WireCategory {
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    wrongly_marked: Option<bool>,
}

/// Text that some payloads send as a number (`duration: 62`) or a list of
/// strings (v2 `explanation`); kept as text either way.
struct WireText(String);

impl<'de> Deserialize<'de> for WireText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(WireText(s)),
            serde_json::Value::Number(n) => Ok(WireText(n.to_string())),
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => Ok(s),
                    _ => Err(de::Error::custom("expected a list of strings")),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|v| WireText(v.join("\n"))),
            _ => Err(de::Error::custom("expected a string")),
        }
    }
}

impl<T: Transcript> WireRun<T> {
    fn into_run(self) -> Run {
        let (scenario_id, object_name) = match self.scenario {
            None => (None, None),
            Some(WireScenario::Id(id)) => (Some(id), None),
            Some(WireScenario::Object { id, name }) => (id, name),
        };
        let metrics = self
            .evaluation
            .and_then(|e| e.metrics)
            .unwrap_or_default()
            .into_iter()
            .map(|m| Metric {
                name: m
                    .name
                    .or(m.function_name)
                    .unwrap_or_else(|| "metric".to_owned()),
                value: m
                    .score
                    .or(m.passed)
                    .filter(|v| !v.is_null())
                    .map(|v| match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    }),
            })
            .collect();
        let categories = self
            .critical_categories
            .unwrap_or_default()
            .into_iter()
            .map(|c| Category {
                name: c
                    .category
                    .unwrap_or_else(|| "(unnamed category)".to_owned()),
                detail: c.scenario.unwrap_or_default(),
                priority: c.priority,
                wrongly_marked: c.wrongly_marked.unwrap_or(false),
            })
            .collect();
        Run {
            id: self.id.0,
            scenario_id,
            scenario_name: self.scenario_name.or(object_name),
            success: self.success,
            status: Status::parse(self.status.as_deref()),
            metrics,
            categories,
            transcript: self.transcript.and_then(Transcript::into_text),
            duration: self.duration.map(|d| d.0),
            recording_url: self.voice_recording_url,
            timestamp: self.timestamp,
            error_message: self.error_message.map(|e| e.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../examples/api-example.json");

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
                "status": null, "success": null, "duration": null, "evaluation": {"metrics": null}}]"#,
        );
        // A duplicate key is a JSON error in serde; check the plain case separately.
        assert!(
            runs.is_err(),
            "duplicate `evaluation` key is rejected by serde"
        );
        let runs = parse_runs(
            r#"[{"id": 5}, {"id": 6, "scenario": null, "evaluation": null, "critical_categories": null,
                "status": null, "success": null, "duration": null, "error_message": null}]"#,
        )
        .expect("nulls are accepted");
        assert_eq!(runs[0].run.status, Status::Absent);
        assert_eq!(runs[1].run.success, None);
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
    fn statuses_are_classified() {
        for s in [
            "running",
            "in_progress",
            "pending",
            "evaluating",
            "in_queue",
            "scaling_up",
        ] {
            assert!(Status::parse(Some(s)).is_waiting(), "{s} waits");
        }
        for s in [
            "completed",
            "failed",
            "timeout",
            "cancelled",
            "exploded",
            "RUNNING",
        ] {
            assert!(!Status::parse(Some(s)).is_waiting(), "{s} is final");
        }
        assert_eq!(
            Status::parse(Some("exploded")),
            Status::Unknown("exploded".into())
        );
    }

    #[test]
    fn durations_parse_or_give_none() {
        assert_eq!(duration_millis("01:02"), Some(62_000));
        assert_eq!(duration_millis("1:02:03"), Some(3_723_000));
        assert_eq!(duration_millis("00:01.5"), Some(1_500));
        assert_eq!(
            duration_millis("1.000000000000000000001"),
            Some(1_000),
            "long fractions"
        );
        assert_eq!(duration_millis("62"), Some(62_000), "plain seconds");
        assert_eq!(duration_millis("a:b"), None);
        assert_eq!(duration_millis("-1:00"), None);
        assert_eq!(
            duration_millis("99999999999999999999:00"),
            None,
            "overflow is None"
        );
        assert_eq!(duration_millis(""), None);
    }

    #[test]
    fn lone_surrogates_are_shown_visibly_and_pairs_kept() {
        let cases = [
            (r#"A \ud800 B"#, r#"A \\u{d800} B"#),
            (r#"\uDC00 low first"#, r#"\\u{dc00} low first"#),
            (
                r#"high then high \uD83D\ud83d\ude00"#,
                r#"high then high \\u{d83d}\ud83d\ude00"#,
            ),
            (r#"at the end \ud800"#, r#"at the end \\u{d800}"#),
            (r#"é \ud800\u0041"#, r#"é \\u{d800}\u0041"#),
        ];
        for (text, expected) in cases {
            assert_eq!(visible_lone_surrogates(text), expected, "{text}");
        }
        for untouched in [
            r#"a pair \ud83d\ude00 stays"#,
            r#"an escaped backslash \\ud800 is text"#,
            r#"no escapes at all"#,
            r#"cut short \ud8"#,
            r#"\"#,
        ] {
            assert!(
                matches!(visible_lone_surrogates(untouched), Cow::Borrowed(_)),
                "{untouched}"
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
}
