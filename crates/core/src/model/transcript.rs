//! Transcripts: kept as sent (for `--include-transcript`) or skipped
//! unread, and shown as text.

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny};
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
                    .map(Turn::line)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Err(_) => Some(shown(raw)),
        }
    }
}

/// JSON shown as text: a string as its text, anything else as compact JSON
/// (or as sent, when it is nested too deep to rebuild).
pub(super) fn shown(raw: &str) -> String {
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
    /// When the turn was said (`"0:23"`); any other shape is not shown.
    #[serde(default)]
    time: Option<serde_json::Value>,
}

impl Turn {
    /// `[0:23] Main Agent: text`, the time only when the API gave one.
    fn line(self) -> String {
        let role = self.role.unwrap_or_default();
        let content = self.content.unwrap_or_default();
        match self.time {
            Some(serde_json::Value::String(t)) if !t.trim().is_empty() => {
                format!("[{}] {role}: {content}", t.trim())
            }
            _ => format!("{role}: {content}"),
        }
    }
}

impl Transcript for IgnoredAny {
    fn into_text(self) -> Option<String> {
        None
    }

    fn into_turns(self) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns(json: &str) -> Option<String> {
        serde_json::from_str::<KeptTranscript>(json)
            .expect("any JSON")
            .into_turns()
    }

    #[test]
    fn turns_show_their_time_when_the_api_gave_one() {
        let shown = turns(
            r#"[{"role": "Testing Agent", "time": "0:00", "content": "Hi"},
                {"role": "Main Agent", "time": " 0:23 ", "content": "Hello", "start_time": 23.1},
                {"role": "Function Call", "data": {"name": "lookup"}},
                {"role": "Main Agent", "time": 23, "content": "a number is no time"},
                {"role": "Main Agent", "time": {"odd": 1}, "content": "nor an object"},
                null]"#,
        );
        assert_eq!(
            shown.as_deref(),
            Some(
                "[0:00] Testing Agent: Hi\n[0:23] Main Agent: Hello\nFunction Call: \nMain Agent: a number is no time\nMain Agent: nor an object"
            )
        );
    }
}
