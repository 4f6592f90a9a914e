//! The JSON shapes of both API generations, and their reduction to [`Run`].
//! Every field but `id` may be missing or null.

use super::{Category, Metric, Run, Status};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny};
use serde_json::value::RawValue;

/// How a transcript is read: kept ([`KeptTranscript`]), or skipped (`IgnoredAny`).
pub(super) trait Transcript: for<'de> Deserialize<'de> {
    /// A `transcript` as text.
    fn into_text(self) -> Option<String>;
    /// A `transcript_object` (a list of turns) as text, a turn a line.
    fn into_turns(self) -> Option<String>;
}

/// A kept transcript. Without `--include-transcript` it is skipped unread
/// (`IgnoredAny` takes any JSON, however deep), so to keep the flag from
/// changing what parses, a kept one takes any JSON too: its text is only
/// sliced out here (serde_json's raw values have no depth limit), and read
/// when the run is built. It is only shown, never judged.
pub(super) struct KeptTranscript(Box<RawValue>);

impl<'de> Deserialize<'de> for KeptTranscript {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(d).map(KeptTranscript)
    }
}

impl Transcript for KeptTranscript {
    fn into_text(self) -> Option<String> {
        Some(shown(self.0.get()))
    }

    fn into_turns(self) -> Option<String> {
        let raw = self.0.get();
        match serde_json::from_str::<Vec<Option<Turn>>>(raw) {
            Ok(turns) => Some(
                turns
                    .into_iter()
                    .flatten()
                    .map(|t| {
                        format!(
                            "{}: {}",
                            t.role.unwrap_or_default(),
                            t.content.unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Err(_) => Some(shown(raw)),
        }
    }
}

/// JSON shown as text: a string as its text, anything else as compact JSON
/// (or as sent, when it is nested too deep to rebuild).
fn shown(raw: &str) -> String {
    let raw = raw.trim();
    if raw.starts_with('"') {
        return serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_owned());
    }
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(value) => value.to_string(),
        Err(_) => raw.to_owned(),
    }
}

/// One turn of `transcript_object`, as far as it is shown.
#[derive(Deserialize)]
struct Turn {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    content: Option<String>,
}

impl Transcript for IgnoredAny {
    fn into_text(self) -> Option<String> {
        None
    }

    fn into_turns(self) -> Option<String> {
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

#[derive(Deserialize)]
#[serde(bound = "T: Transcript", expecting = "a run object")]
pub(super) struct WireRun<T> {
    id: WireId,
    #[serde(default)]
    scenario: Option<WireScenario>,
    #[serde(default)]
    scenario_name: Option<String>,
    #[serde(default)]
    success: Option<bool>,
    /// v2: `reviewed_success` / `reviewed_failure` carry a reviewer's decision.
    #[serde(default)]
    evaluation_status: Option<String>,
    #[serde(default)]
    evaluation: Option<WireEvaluation>,
    #[serde(default)]
    transcript: Option<T>,
    #[serde(default)]
    transcript_object: Option<T>,
    #[serde(default)]
    duration: Option<WireText>,
    #[serde(default)]
    voice_recording_url: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    /// A `null` entry is like no entry.
    #[serde(default)]
    critical_categories: Option<Vec<Option<WireCategory>>>,
    #[serde(default)]
    error_message: Option<WireText>,
    /// v2: per-metric rules, read as metrics (name, value, passed).
    #[serde(default)]
    rubric: Option<Vec<Option<WireRubric>>>,
    /// v2: the result the run belongs to; any other type than a positive
    /// integer is as good as none (it only labels the reports).
    #[serde(default)]
    result_id: Option<serde_json::Value>,
    /// v2: a reviewer's note on the run.
    #[serde(default)]
    feedback: Option<String>,
}

/// `id` must be a positive integer; a string or a fraction is an error.
pub(super) struct WireId(pub(super) u64);

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

/// `scenario`: an ID (v1) or an object with `id` and `name` (v2). Read by
/// hand, not as an untagged enum, which would buffer the whole object (its
/// unused fields too, however deep) and name itself in errors.
enum WireScenario {
    Id(i64),
    Object {
        id: Option<i64>,
        name: Option<String>,
    },
}

impl<'de> Deserialize<'de> for WireScenario {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> de::Visitor<'de> for Visit {
            type Value = WireScenario;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a scenario ID or a scenario object")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<WireScenario, E> {
                Ok(WireScenario::Id(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WireScenario, E> {
                i64::try_from(v)
                    .map(WireScenario::Id)
                    .map_err(|_| E::custom("the scenario ID is too large"))
            }
            fn visit_map<A: de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<WireScenario, A::Error> {
                let (mut id, mut name) = (None, None);
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "id" => id = map.next_value::<Option<i64>>()?,
                        "name" => name = map.next_value::<Option<String>>()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(WireScenario::Object { id, name })
            }
        }
        d.deserialize_any(Visit)
    }
}

/// A metric's `score`, `passed` or `value`, kept as the API wrote it:
/// digits a float cannot hold survive (`12345678901234567890123`), a string
/// is its text.
struct WireValue {
    text: Option<String>,
    /// Whether it was a JSON string (`"7"`), not a number or a boolean.
    quoted: bool,
}

impl<'de> Deserialize<'de> for WireValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&RawValue>::deserialize(d)?;
        let text = raw.get().trim();
        Ok(match text.as_bytes().first() {
            Some(b'"') => WireValue {
                text: Some(shown(text)),
                quoted: true,
            },
            _ if text == "null" => WireValue {
                text: None,
                quoted: false,
            },
            _ => WireValue {
                text: Some(text.to_owned()),
                quoted: false,
            },
        })
    }
}

impl WireValue {
    /// A finite number, also when sent as a numeric string (`"7"`).
    fn number(&self) -> Option<f64> {
        let text = self.text.as_deref()?.trim();
        let looks_numeric = text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
        if text.is_empty() || !looks_numeric {
            return None;
        }
        text.parse::<f64>().ok().filter(|n| n.is_finite())
    }

    /// `true` or `false`, also when sent as a string.
    fn boolean(&self) -> Option<bool> {
        match self.text.as_deref()?.trim() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// A text that is neither a number nor a boolean (an enum's choice).
    fn label(&self) -> Option<String> {
        let text = self.text.as_ref()?;
        (self.quoted && self.number().is_none() && self.boolean().is_none()).then(|| text.clone())
    }
}

/// Reads `score`, `passed` and `value` into a metric's readings. The shown
/// value is `score`, else `passed`, else `value`.
fn metric(
    name: String,
    score: Option<WireValue>,
    passed: Option<WireValue>,
    value: Option<WireValue>,
) -> Metric {
    let number = score
        .as_ref()
        .and_then(WireValue::number)
        .or_else(|| value.as_ref().and_then(WireValue::number));
    Metric {
        name,
        number,
        passed: passed.as_ref().and_then(WireValue::boolean),
        label: value.as_ref().and_then(WireValue::label),
        value: [score, passed, value]
            .into_iter()
            .flatten()
            .find_map(|v| v.text),
    }
}

#[derive(Deserialize)]
#[serde(expecting = "an evaluation object")]
struct WireEvaluation {
    /// A `null` entry is like no entry.
    #[serde(default)]
    metrics: Option<Vec<Option<WireMetric>>>,
}

#[derive(Deserialize)]
#[serde(expecting = "a metric object")]
struct WireMetric {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    function_name: Option<String>,
    #[serde(default)]
    score: Option<WireValue>,
    #[serde(default)]
    passed: Option<WireValue>,
    #[serde(default)]
    value: Option<WireValue>,
}

#[derive(Deserialize)]
#[serde(expecting = "a rubric rule object")]
struct WireRubric {
    #[serde(default)]
    metric_name: Option<String>,
    #[serde(default)]
    value: Option<WireValue>,
    #[serde(default)]
    passed: Option<WireValue>,
}

#[derive(Deserialize)]
#[serde(expecting = "a critical category object")]
struct WireCategory {
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    wrongly_marked: Option<bool>,
    /// v2: how it showed in this run, where v1 says `scenario`.
    #[serde(default)]
    deviation: Option<String>,
    /// v2: a reviewer's note.
    #[serde(default)]
    feedback: Option<String>,
}

/// Text that some payloads send as a number (`duration: 62`) or a list of
/// strings (an `error_message` given as lines); kept as text either way.
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
    pub(super) fn into_run(self) -> Run {
        let (scenario_id, object_name) = match self.scenario {
            None => (None, None),
            Some(WireScenario::Id(id)) => (Some(id), None),
            Some(WireScenario::Object { id, name }) => (id, name),
        };
        let rubric = self
            .rubric
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .map(|r| {
                let name = r.metric_name.unwrap_or_else(|| "rubric".to_owned());
                metric(name, None, r.passed, r.value)
            });
        let metrics = self
            .evaluation
            .and_then(|e| e.metrics)
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .map(|m| {
                let name = m
                    .name
                    .or(m.function_name)
                    .unwrap_or_else(|| "metric".to_owned());
                metric(name, m.score, m.passed, m.value)
            })
            .chain(rubric)
            .collect();
        let categories = self
            .critical_categories
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .map(|c| Category {
                name: c
                    .category
                    .unwrap_or_else(|| "(unnamed category)".to_owned()),
                detail: c.scenario.or(c.deviation).unwrap_or_default(),
                priority: c.priority,
                wrongly_marked: c.wrongly_marked.unwrap_or(false),
                feedback: c.feedback,
            })
            .collect();
        let transcript = match self.transcript.and_then(Transcript::into_text) {
            Some(text) => Some(text),
            None => self.transcript_object.and_then(Transcript::into_turns),
        };
        Run {
            id: self.id.0,
            scenario_id,
            scenario_name: self.scenario_name.or(object_name),
            success: self.success,
            status: Status::parse(self.status.as_deref()),
            metrics,
            categories,
            transcript,
            duration_ms: self.duration.and_then(|d| duration_millis(&d.0)),
            recording_url: self.voice_recording_url,
            timestamp: self.timestamp,
            error_message: self.error_message.map(|e| e.0),
            result_id: self.result_id.and_then(|v| v.as_u64()).filter(|id| *id > 0),
            review: Run::review_from(self.evaluation_status.as_deref()),
            feedback: self.feedback,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewer_notes_are_read_and_a_deviation_is_the_detail_without_scenario_text() {
        let runs = crate::model::parse_runs(
            r#"[{"id": 7, "feedback": "caller was rude",
                "critical_categories": [
                    {"category": "v2", "deviation": "skipped the ID check", "feedback": "agreed"},
                    {"category": "v1", "scenario": "as it showed", "deviation": "ignored"},
                    {"category": "bare", "feedback": null}]}]"#,
        )
        .expect("parses");
        let run = &runs[0].run;
        assert_eq!(run.feedback.as_deref(), Some("caller was rude"));
        let got: Vec<(&str, Option<&str>)> = run
            .categories
            .iter()
            .map(|c| (c.detail.as_str(), c.feedback.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("skipped the ID check", Some("agreed")),
                ("as it showed", None),
                ("", None)
            ]
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
}
