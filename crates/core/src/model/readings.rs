//! Metrics (`evaluation.metrics[]`) and rubric rules (`rubric[]`), read
//! into the readings thresholds compare: a number, passed or failed, an
//! enum's choice; and a reading that does not make sense (a `score` of
//! `"NaN"`, a binary score of 3), kept so a threshold can say so rather than
//! call the metric missing.

use super::Metric;
use super::loose::{Odd, Read, Scalar, Seen, Shape, keep_first};
use super::transcript::shown;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::marker::PhantomData;

/// Whether metrics' explanations are kept ([`Kept`]) or skipped unread
/// ([`Skipped`]): only the reports that show them need them, and reading
/// them is an allocation per metric that a replay of many runs need not pay.
pub(super) trait Explained {
    const KEEP: bool;
}

/// Explanations are kept.
pub(super) struct Kept;

/// Explanations are skipped unread.
pub(super) struct Skipped;

impl Explained for Kept {
    const KEEP: bool = true;
}

impl Explained for Skipped {
    const KEEP: bool = false;
}

/// A metric's `score`, `passed` or `value`, kept as the API wrote it:
/// digits a float cannot hold survive (`12345678901234567890123`), a string
/// is its text.
pub(super) struct WireValue {
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

    /// As sent, for messages: a string in quotes, cut to 40 characters.
    fn shown(&self) -> String {
        let text = self.text.as_deref().unwrap_or("null");
        let cut: String = text.chars().take(40).collect();
        let more = if cut.len() < text.len() { "..." } else { "" };
        if self.quoted {
            format!("{cut:?}{more}")
        } else {
            format!("{cut}{more}")
        }
    }
}

/// A value that was sent (not missing, not null).
fn sent(v: &Option<WireValue>) -> Option<&WireValue> {
    v.as_ref().filter(|v| v.text.is_some())
}

/// What a metric says, as read off the wire.
#[derive(Default)]
struct Said {
    name: Option<String>,
    function_name: Option<String>,
    /// `type` is the legacy `binary_workflow_adherence` (score 5 or 0).
    legacy: bool,
    /// `type` or (v2) `eval_type` is `binary`.
    binary: bool,
    score: Option<WireValue>,
    passed: Option<WireValue>,
    value: Option<WireValue>,
    /// `explanation`, once read (`Some`, empty when it was sent twice).
    explanation: Option<Vec<String>>,
}

impl Said {
    /// Notes an `explanation`. One sent twice is none: which copy is
    /// meant would be a guess (and it is only shown, so it costs nothing
    /// else).
    /// Skipped unread unless `E` keeps explanations.
    fn explain<'de, E: Explained, A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if !E::KEEP {
            map.next_value::<IgnoredAny>()?;
            return Ok(());
        }
        let found: Read<Explanation> = map.next_value()?;
        let lines = match self.explanation {
            Some(_) => Vec::new(),
            None => found.0.ok().flatten().map(|e| e.0).unwrap_or_default(),
        };
        self.explanation = Some(lines);
        Ok(())
    }

    /// The readings. The shown value is `score`, else `passed`, else `value`.
    fn into_metric(self, name: String) -> Metric {
        let number = self
            .score
            .as_ref()
            .and_then(WireValue::number)
            .or_else(|| self.value.as_ref().and_then(WireValue::number));
        let mut odd = None;
        if let Some(score) = sent(&self.score).filter(|s| s.number().is_none()) {
            odd = Some(format!("score {} is not a number", score.shown()));
        }
        let (passed, binary_odd) = self.passed(number);
        let odd = odd.or(binary_odd);
        Metric {
            name,
            number,
            passed,
            label: self.value.as_ref().and_then(WireValue::label),
            value: [self.score, self.passed, self.value]
                .into_iter()
                .flatten()
                .find_map(|v| v.text),
            odd,
            explanation: self.explanation.unwrap_or_default(),
        }
    }

    /// Passed or failed: from `passed` (the current shape, with `eval_type:
    /// "binary"`); else from the legacy `type: "binary_workflow_adherence"`
    /// (`score` 5 passed, 0 failed); else from `type` or `eval_type`
    /// `"binary"` (`score` 1 or 0, or `value` true or false). A binary
    /// score of another value, or a `passed` that contradicts the legacy
    /// score, is odd.
    fn passed(&self, number: Option<f64>) -> (Option<bool>, Option<String>) {
        let (legacy, binary) = (self.legacy, self.binary);
        let scored = |pass: f64, fail: f64| match number {
            Some(n) if n == pass => Ok(Some(true)),
            Some(n) if n == fail => Ok(Some(false)),
            Some(n) => Err(format!(
                "score {n} of a binary metric is neither {pass} (passed) nor {fail} (failed)"
            )),
            None => Ok(None),
        };
        let from_score = if legacy {
            scored(5.0, 0.0)
        } else if binary {
            scored(1.0, 0.0)
        } else {
            Ok(None)
        };
        if let Some(p) = sent(&self.passed) {
            return match (p.boolean(), from_score) {
                (None, _) => (
                    None,
                    Some(format!("passed {} is not true or false", p.shown())),
                ),
                (Some(p), Ok(Some(s))) if legacy && p != s => (
                    None,
                    Some(format!(
                        "passed {p} contradicts its binary_workflow_adherence score {}",
                        number.unwrap_or_default()
                    )),
                ),
                (Some(p), _) => (Some(p), None),
            };
        }
        match from_score {
            Ok(Some(p)) => (Some(p), None),
            Err(why) => (None, Some(why)),
            Ok(None) if binary => (sent(&self.value).and_then(WireValue::boolean), None),
            Ok(None) => (None, None),
        }
    }
}

/// `explanation`: the evaluator's reasons, only shown. A string, or a list
/// of strings (null entries skipped); blank ones are dropped. Any other
/// value, or a list holding anything else, is as good as none: it never
/// costs the run.
struct Explanation(Vec<String>);

/// A line of an explanation worth showing.
fn line(text: Cow<'_, str>) -> Option<String> {
    (!text.trim().is_empty()).then(|| text.into_owned())
}

impl<'de> Shape<'de> for Explanation {
    const WANTS: &'static str = "text or a list of text";

    fn from_scalar(found: Scalar<'de>) -> Result<Explanation, Odd> {
        Ok(Explanation(match found {
            Scalar::Str(text) => line(text).into_iter().collect(),
            _ => Vec::new(),
        }))
    }

    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Result<Self, Odd>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Ok(Explanation(Vec::new())))
    }

    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Result<Self, Odd>, A::Error> {
        let mut lines = Vec::new();
        let mut all_text = true;
        while let Some(item) = seq.next_element::<Scalar<'de>>()? {
            match item {
                Scalar::Str(text) if all_text => lines.extend(line(text)),
                Scalar::Str(_) | Scalar::Null => {}
                _ => all_text = false,
            }
        }
        if !all_text {
            lines.clear();
        }
        Ok(Ok(Explanation(lines)))
    }
}

/// A metric object.
struct WireMetric<E>(Metric, PhantomData<E>);

impl<'de, E: Explained> Shape<'de> for WireMetric<E> {
    const WANTS: &'static str = "a metric object";

    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Result<Self, Odd>, A::Error> {
        let mut said = Said::default();
        let mut odd = None;
        let mut seen = Seen::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let bit = match key.as_ref() {
                "explanation" => {
                    said.explain::<E, _>(&mut map)?;
                    continue;
                }
                "name" => 0,
                "function_name" => 1,
                "type" => 2,
                "eval_type" => 3,
                "score" => 4,
                "passed" => 5,
                "value" => 6,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if !seen.first(bit) {
                map.next_value::<IgnoredAny>()?;
                odd.get_or_insert(Odd::new("appears twice").under(&key));
                continue;
            }
            let text = |found: Scalar<'_>| found.text().map_err(|e| e.under(&key));
            match bit {
                0 => said.name = keep_first(&mut odd, text(map.next_value()?)).flatten(),
                1 => said.function_name = keep_first(&mut odd, text(map.next_value()?)).flatten(),
                // Compared where it lies in the text, never copied.
                2 | 3 => match map.next_value::<Scalar<'de>>()? {
                    Scalar::Str(kind) => {
                        said.legacy |= bit == 2 && kind == "binary_workflow_adherence";
                        said.binary |= kind == "binary";
                    }
                    Scalar::Null => {}
                    other => {
                        odd.get_or_insert(Odd::wrong(&other, "text").under(&key));
                    }
                },
                4 => said.score = map.next_value()?,
                5 => said.passed = map.next_value()?,
                _ => said.value = map.next_value()?,
            }
        }
        if let Some(odd) = odd {
            return Ok(Err(odd));
        }
        let name = said
            .name
            .take()
            .or_else(|| said.function_name.take())
            .unwrap_or_else(|| "metric".to_owned());
        Ok(Ok(WireMetric(said.into_metric(name), PhantomData)))
    }
}

/// `evaluation`: an object whose `metrics` is a list of metric objects (a
/// `null` entry is like none).
pub(super) struct Evaluation<E>(pub(super) Vec<Metric>, PhantomData<E>);

impl<'de, E: Explained> Shape<'de> for Evaluation<E> {
    const WANTS: &'static str = "an evaluation object";

    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Result<Self, Odd>, A::Error> {
        let mut metrics = Vec::new();
        let mut odd = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key != "metrics" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let list: Read<Metrics<E>> = map.next_value()?;
            match list.0 {
                Ok(list) => metrics.extend(list.into_iter().flat_map(|m| m.0)),
                Err(e) => {
                    odd.get_or_insert(e.under("metrics"));
                }
            }
        }
        Ok(match odd {
            Some(odd) => Err(odd),
            None => Ok(Evaluation(metrics, PhantomData)),
        })
    }
}

/// `evaluation.metrics`.
struct Metrics<E>(Vec<Metric>, PhantomData<E>);

impl<'de, E: Explained> Shape<'de> for Metrics<E> {
    const WANTS: &'static str = "a list of metrics";

    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Result<Self, Odd>, A::Error> {
        let mut metrics = Vec::new();
        let mut odd = None;
        let mut index = 0;
        while let Some(item) = seq.next_element::<Read<WireMetric<E>>>()? {
            match item.0 {
                Ok(m) => metrics.extend(m.map(|m| m.0)),
                Err(e) => {
                    odd.get_or_insert(e.at(index));
                }
            }
            index += 1;
        }
        Ok(match odd {
            Some(odd) => Err(odd),
            None => Ok(Metrics(metrics, PhantomData)),
        })
    }
}

/// `rubric`: typed as any JSON value; rules are read only from a list of
/// objects. Any other value, and any entry that is not an object, holds no
/// rule. A rule object with a field of the wrong type is odd: a threshold
/// could be looking for it.
pub(super) struct Rubric<E>(pub(super) Vec<Metric>, PhantomData<E>);

impl<'de, E: Explained> Shape<'de> for Rubric<E> {
    const WANTS: &'static str = "a list of rules";

    fn from_scalar(_: Scalar<'de>) -> Result<Rubric<E>, Odd> {
        Ok(Rubric(Vec::new(), PhantomData))
    }

    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Result<Self, Odd>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Ok(Rubric(Vec::new(), PhantomData)))
    }

    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Result<Self, Odd>, A::Error> {
        let mut rules = Vec::new();
        let mut odd = None;
        let mut index = 0;
        while let Some(item) = seq.next_element::<Read<Rule<E>>>()? {
            match item.0 {
                Ok(rule) => rules.extend(rule.and_then(|r| r.0)),
                Err(e) => {
                    odd.get_or_insert(e.at(index));
                }
            }
            index += 1;
        }
        Ok(match odd {
            Some(odd) => Err(odd),
            None => Ok(Rubric(rules, PhantomData)),
        })
    }
}

/// One rubric entry: a rule object, or (any other value) none.
struct Rule<E>(Option<Metric>, PhantomData<E>);

impl<'de, E: Explained> Shape<'de> for Rule<E> {
    const WANTS: &'static str = "a rule object";

    fn from_scalar(_: Scalar<'de>) -> Result<Rule<E>, Odd> {
        Ok(Rule(None, PhantomData))
    }

    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Result<Self, Odd>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Ok(Rule(None, PhantomData)))
    }

    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Result<Self, Odd>, A::Error> {
        let mut said = Said::default();
        let mut odd = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "metric_name" => {
                    let found: Scalar<'de> = map.next_value()?;
                    said.name =
                        keep_first(&mut odd, found.text().map_err(|e| e.under(&key))).flatten();
                }
                "passed" => said.passed = map.next_value()?,
                "value" => said.value = map.next_value()?,
                "explanation" => said.explain::<E, _>(&mut map)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let Some(odd) = odd {
            return Ok(Err(odd));
        }
        let name = said.name.take().unwrap_or_else(|| "rubric".to_owned());
        Ok(Ok(Rule(Some(said.into_metric(name)), PhantomData)))
    }
}

#[cfg(test)]
#[path = "readings_tests.rs"]
mod tests;
