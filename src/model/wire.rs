//! The JSON shapes of both API generations, and their reduction to [`Run`].
//! Every field but `id` may be missing or null.

use super::{Category, Metric, Run, Status};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny};

/// How a transcript is read: kept ([`KeptTranscript`]), or skipped (`IgnoredAny`).
pub(super) trait Transcript: for<'de> Deserialize<'de> {
    fn into_text(self) -> Option<String>;
}

/// A kept transcript. Without `--include-transcript` it is skipped unread
/// (`IgnoredAny` takes any JSON), so to keep the flag from changing what
/// parses, a kept one takes any JSON too: text as sent, another value (a
/// list of turns, say) as its JSON text. It is only shown, never judged.
pub(super) struct KeptTranscript(String);

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

#[derive(Deserialize)]
#[serde(bound = "T: Transcript")]
pub(super) struct WireRun<T> {
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
            duration_ms: self.duration.and_then(|d| duration_millis(&d.0)),
            recording_url: self.voice_recording_url,
            timestamp: self.timestamp,
            error_message: self.error_message.map(|e| e.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
