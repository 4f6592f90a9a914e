//! The JSON shapes of both API generations, and their reduction to [`Run`].
//! Every field but `id` may be missing or null. A field of the wrong type
//! costs its run, not the answer: the run is still read whole (so the parse
//! stays in step) and becomes [`Status::Unreadable`], saying which field.
//! Only a run with no usable `id` cannot be kept: nothing could name it.

use super::loose::{Got, ObjectOr, ObjectReader, Odd, Read, Scalar, Seen, Shape, Text};
use super::readings::{Evaluation, Explained, Rubric};
use super::transcript::Transcript;
use super::{Category, Metric, Run, Status};
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess};
use std::borrow::Cow;
use std::marker::PhantomData;

/// Length of a call in milliseconds from `MM:SS`, `HH:MM:SS` or plain
/// seconds (seconds may carry a fraction). Anything else is `None`; callers
/// show 0.
pub(crate) fn duration_millis(text: &str) -> Option<u64> {
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

/// A run, as read: everything the gate uses, and the first field that
/// could not be read.
pub(super) struct WireRun<T> {
    id: u64,
    scenario: Option<WireScenario>,
    scenario_name: Option<String>,
    success: Option<bool>,
    /// v2: `reviewed_success` / `reviewed_failure` carry a reviewer's decision.
    evaluation_status: Option<String>,
    metrics: Vec<Metric>,
    /// v2: per-metric rules, read as metrics (name, value, passed).
    rubric: Vec<Metric>,
    transcript: Option<T>,
    transcript_object: Option<T>,
    duration: Option<String>,
    voice_recording_url: Option<String>,
    status: Option<String>,
    timestamp: Option<String>,
    categories: Vec<Category>,
    error_message: Option<String>,
    /// v2: the result the run belongs to; any other value than a positive
    /// integer is as good as none (it only labels the reports).
    result_id: Option<u64>,
    /// A reviewer's note; only shown, so a value of another type is none.
    feedback: Option<String>,
    /// Why the run cannot be judged: "`success` is the text \"yes\", not
    /// true or false".
    odd: Option<String>,
}

/// `id`: a run ID is a whole number, 0 or more (none is documented as
/// the smallest; the OpenAPI example is 0). A negative number, a fraction,
/// text or anything else cannot name a run: `Err` says what it was.
pub(super) struct WireId(pub(super) Result<u64, String>);

impl<'de> Deserialize<'de> for WireId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(WireId(match Scalar::deserialize(d)? {
            Scalar::U64(id) => Ok(id),
            other => Err(format!(
                "has `id` {}, not a run ID (a whole number, 0 or more)",
                other.shown()
            )),
        }))
    }
}

/// Reads one run object; `Err` when it has no usable `id` (why, as a
/// phrase that follows "run #N").
pub(super) struct RunReader<T, E>(pub(super) PhantomData<(T, E)>);

impl<'de, T: Transcript, E: Explained> ObjectReader<'de> for RunReader<T, E> {
    type Value = Result<WireRun<T>, String>;

    fn read<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut run = WireRun::<T>::blank();
        let mut id: Option<Result<u64, String>> = None;
        let mut seen = Seen::default();
        let odd = &mut run.odd;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let Some(bit) = field_bit(&key) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if !seen.first(bit) {
                map.next_value::<IgnoredAny>()?;
                if bit == 0 {
                    id = Some(Err("has `id` twice".to_owned()));
                } else {
                    odd.get_or_insert_with(|| format!("`{key}` appears twice"));
                }
                continue;
            }
            match bit {
                0 => id = Some(map.next_value::<WireId>()?.0),
                1 => run.scenario = note(odd, &key, map.next_value::<Read<_>>()?.0),
                2 => run.scenario_name = text(odd, &key, map.next_value()?),
                3 => {
                    let found: Scalar<'de> = map.next_value()?;
                    run.success = note(odd, &key, found.boolean());
                }
                4 => {
                    run.evaluation_status = text(odd, &key, map.next_value()?);
                }
                5 => {
                    let evaluation: Read<Evaluation<E>> = map.next_value()?;
                    run.metrics = note(odd, &key, evaluation.0)
                        .map(|e| e.0)
                        .unwrap_or_default();
                }
                6 => {
                    let rubric: Read<Rubric<E>> = map.next_value()?;
                    run.rubric = note(odd, &key, rubric.0).map(|r| r.0).unwrap_or_default();
                }
                7 => run.transcript = map.next_value()?,
                8 => run.transcript_object = map.next_value()?,
                9 => run.duration = lines(odd, &key, map.next_value()?),
                10 => {
                    run.voice_recording_url = text(odd, &key, map.next_value()?);
                }
                11 => run.status = text(odd, &key, map.next_value()?),
                12 => run.timestamp = text(odd, &key, map.next_value()?),
                13 => {
                    let categories: Read<Categories> = map.next_value()?;
                    run.categories = note(odd, &key, categories.0)
                        .map(|c| c.0)
                        .unwrap_or_default();
                }
                14 => run.error_message = lines(odd, &key, map.next_value()?),
                15 => {
                    let found: Scalar<'de> = map.next_value()?;
                    run.result_id = match found {
                        Scalar::U64(id) if id > 0 => Some(id),
                        _ => None,
                    };
                }
                _ => {
                    let found: Scalar<'de> = map.next_value()?;
                    run.feedback = found.shown_text();
                }
            }
        }
        Ok(match id {
            Some(Ok(id)) => {
                run.id = id;
                Ok(run)
            }
            Some(Err(why)) => Err(why),
            None => Err("has no `id`".to_owned()),
        })
    }
}

/// The bit of a run field the gate reads (so a field given twice is
/// noticed); `None` for any other field, which is skipped.
fn field_bit(key: &str) -> Option<u32> {
    match key {
        "id" => Some(0),
        "scenario" => Some(1),
        "scenario_name" => Some(2),
        "success" => Some(3),
        "evaluation_status" => Some(4),
        "evaluation" => Some(5),
        "rubric" => Some(6),
        "transcript" => Some(7),
        "transcript_object" => Some(8),
        "duration" => Some(9),
        "voice_recording_url" => Some(10),
        "status" => Some(11),
        "timestamp" => Some(12),
        "critical_categories" => Some(13),
        "error_message" => Some(14),
        "result_id" => Some(15),
        "feedback" => Some(16),
        _ => None,
    }
}

impl<T> WireRun<T> {
    /// A run with no field read yet.
    fn blank() -> Self {
        WireRun {
            id: 0,
            scenario: None,
            scenario_name: None,
            success: None,
            evaluation_status: None,
            metrics: Vec::new(),
            rubric: Vec::new(),
            transcript: None,
            transcript_object: None,
            duration: None,
            voice_recording_url: None,
            status: None,
            timestamp: None,
            categories: Vec::new(),
            error_message: None,
            result_id: None,
            feedback: None,
            odd: None,
        }
    }
}

/// A run field read: its value, or none with the first problem noted.
fn note<T>(odd: &mut Option<String>, field: &str, got: Got<T>) -> Option<T> {
    match got {
        Ok(v) => v,
        Err(e) => {
            odd.get_or_insert_with(|| e.of(field));
            None
        }
    }
}

fn text(odd: &mut Option<String>, field: &str, found: Scalar<'_>) -> Option<String> {
    note(odd, field, found.text())
}

fn lines(odd: &mut Option<String>, field: &str, found: Read<Text>) -> Option<String> {
    note(odd, field, found.0).map(|t| t.0)
}

/// A whole run element of an answer: a run object, or (`Err`) why it
/// cannot be kept: "is null, not a run object", "has no `id`".
pub(super) fn run_element<'de, D: Deserializer<'de>, T: Transcript, E: Explained>(
    d: D,
) -> Result<Result<WireRun<T>, String>, D::Error> {
    Ok(
        match d.deserialize_any(ObjectOr(RunReader::<T, E>(PhantomData)))? {
            Ok(run) => run,
            Err(found) => Err(format!("is {}, not a run object", found.shown())),
        },
    )
}

/// `scenario`: an ID (v1) or an object with `id` and `name` (v2).
enum WireScenario {
    Id(i64),
    Object {
        id: Option<i64>,
        name: Option<String>,
    },
}

impl<'de> Shape<'de> for WireScenario {
    const WANTS: &'static str = "a scenario ID or a scenario object";

    fn from_scalar(found: Scalar<'de>) -> Result<WireScenario, Odd> {
        match found {
            Scalar::U64(_) | Scalar::I64(_) => found
                .integer()
                .map(|id| WireScenario::Id(id.unwrap_or_default())),
            other => Err(Odd::wrong(&other, Self::WANTS)),
        }
    }

    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Result<Self, Odd>, A::Error> {
        let (mut id, mut name, mut odd) = (None, None, None);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let got = match key.as_ref() {
                "id" => map.next_value::<Scalar<'de>>()?.integer().map(|v| id = v),
                "name" => map.next_value::<Scalar<'de>>()?.text().map(|v| name = v),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if let Err(e) = got {
                odd.get_or_insert(e.under(&key));
            }
        }
        Ok(match odd {
            Some(odd) => Err(odd),
            None => Ok(WireScenario::Object { id, name }),
        })
    }
}

/// `critical_categories`: a list of category objects (a `null` entry is
/// like none).
struct Categories(Vec<Category>);

impl<'de> Shape<'de> for Categories {
    const WANTS: &'static str = "a list of categories";

    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Result<Self, Odd>, A::Error> {
        let mut categories = Vec::new();
        let mut odd = None;
        let mut index = 0;
        while let Some(item) = seq.next_element::<Read<WireCategory>>()? {
            match item.0 {
                Ok(c) => categories.extend(c.map(|c| c.0)),
                Err(e) => {
                    odd.get_or_insert(e.at(index));
                }
            }
            index += 1;
        }
        Ok(match odd {
            Some(odd) => Err(odd),
            None => Ok(Categories(categories)),
        })
    }
}

/// One category object. `feedback` and `deviation` are only shown: a value
/// of another type than text or a number is as good as none.
struct WireCategory(Category);

impl<'de> Shape<'de> for WireCategory {
    const WANTS: &'static str = "a critical category object";

    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Result<Self, Odd>, A::Error> {
        let (mut name, mut scenario, mut priority, mut wrongly_marked) = (None, None, None, None);
        let (mut feedback, mut deviation) = (None, None);
        let mut odd = None;
        let mut seen = Seen::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let bit = match key.as_ref() {
                "category" => 0,
                "scenario" => 1,
                "priority" => 2,
                "wrongly_marked" => 3,
                "feedback" => 4,
                "deviation" => 5,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let found: Scalar<'de> = map.next_value()?;
            let got = if !seen.first(bit) {
                Err(Odd::new("appears twice"))
            } else {
                match bit {
                    0 => found.text().map(|v| name = v),
                    1 => found.text().map(|v| scenario = v),
                    2 => found.text().map(|v| priority = v),
                    3 => found.boolean().map(|v| wrongly_marked = v),
                    4 => {
                        feedback = found.shown_text();
                        Ok(())
                    }
                    _ => {
                        deviation = found.shown_text();
                        Ok(())
                    }
                }
            };
            if let Err(e) = got {
                odd.get_or_insert(e.under(&key));
            }
        }
        if let Some(odd) = odd {
            return Ok(Err(odd));
        }
        Ok(Ok(WireCategory(Category {
            name: name.unwrap_or_else(|| "(unnamed category)".to_owned()),
            detail: scenario.or_else(|| deviation.clone()).unwrap_or_default(),
            priority,
            wrongly_marked: wrongly_marked.unwrap_or(false),
            feedback,
            deviation,
        })))
    }
}

impl<T: Transcript> WireRun<T> {
    pub(super) fn into_run(self) -> Run {
        let (scenario_id, object_name) = match self.scenario {
            None => (None, None),
            Some(WireScenario::Id(id)) => (Some(id), None),
            Some(WireScenario::Object { id, name }) => (id, name),
        };
        let transcript = match self.transcript.and_then(Transcript::into_text) {
            Some(text) => Some(text),
            None => self.transcript_object.and_then(Transcript::into_turns),
        };
        let mut metrics = self.metrics;
        metrics.extend(self.rubric);
        let status = Status::parse(self.status.as_deref());
        // A run still waiting is waited on: what it holds is judged when it ends.
        let (status, error_message) = match self.odd {
            Some(why) if !status.is_waiting() => {
                let message = match self.error_message {
                    Some(said) => format!("{why}; the API's error_message: {said}"),
                    None => why.clone(),
                };
                (Status::Unreadable(why), Some(message))
            }
            _ => (status, self.error_message),
        };
        Run {
            id: self.id,
            scenario_id,
            scenario_name: self.scenario_name.or(object_name),
            success: self.success,
            status,
            metrics,
            categories: self.categories,
            transcript,
            duration_ms: self.duration.and_then(|d| duration_millis(&d)),
            recording_url: self.voice_recording_url,
            timestamp: self.timestamp,
            error_message,
            result_id: self.result_id,
            review: Run::review_from(self.evaluation_status.as_deref()),
            feedback: self.feedback,
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
