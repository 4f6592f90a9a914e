//! Reading a field whatever JSON it holds. A run of the wrong shape must
//! cost that run, not the whole answer: each field is read into what it
//! should be, or into a note of what it held instead ([`Odd`]), and the
//! parse goes on in step (a value of the wrong type is consumed whole,
//! however deep). Only broken JSON stops a parse.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// Why a field cannot be read: where below the field (`.metrics[1].name`,
/// empty for the field itself), and what it held instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Odd {
    path: String,
    what: String,
}

impl Odd {
    /// `what` completes "`field` ...": `is the text "yes", not true or false`.
    pub(super) fn new(what: impl Into<String>) -> Odd {
        Odd {
            path: String::new(),
            what: what.into(),
        }
    }

    /// A value of the wrong type: `is the number 3, not an object`.
    pub(super) fn wrong(found: &Scalar<'_>, wants: &str) -> Odd {
        Odd::new(format!("is {}, not {wants}", found.shown()))
    }

    /// The same problem, seen from the object that holds it under `key`.
    pub(super) fn under(mut self, key: &str) -> Odd {
        self.path.insert_str(0, &format!(".{key}"));
        self
    }

    /// The same problem, seen from the list that holds it at `index` (from 0).
    pub(super) fn at(mut self, index: usize) -> Odd {
        self.path.insert_str(0, &format!("[{index}]"));
        self
    }

    /// The message, for the field `field` of a run:
    /// "`evaluation.metrics[1].name` is the number 5, not text".
    pub(super) fn of(&self, field: &str) -> String {
        format!("`{field}{}` {}", self.path, self.what)
    }
}

/// A field read: `Ok(None)` when missing or null, `Err` when it holds
/// something else than documented.
pub(super) type Got<T> = Result<Option<T>, Odd>;

/// One JSON value, as far as a scalar field needs it; a list or an object is
/// consumed unread.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scalar<'de> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'de, str>),
    List,
    Object,
}

impl Scalar<'_> {
    /// For messages: `the text "yes"` (cut to 40 characters, controls
    /// escaped), `the number 3`, `true`, `a list`, `an object`, `null`.
    pub(super) fn shown(&self) -> String {
        match self {
            Scalar::Null => "null".to_owned(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::U64(_) | Scalar::I64(_) | Scalar::F64(_) => {
                format!("the number {}", self.number_text().unwrap_or_default())
            }
            Scalar::Str(s) => {
                let cut: String = s.chars().take(40).collect();
                let more = if cut.len() < s.len() { "..." } else { "" };
                format!("the text {cut:?}{more}")
            }
            Scalar::List => "a list".to_owned(),
            Scalar::Object => "an object".to_owned(),
        }
    }

    fn number_text(&self) -> Option<String> {
        match self {
            Scalar::U64(n) => Some(n.to_string()),
            Scalar::I64(n) => Some(n.to_string()),
            Scalar::F64(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A text field.
    pub(super) fn text(self) -> Got<String> {
        match self {
            Scalar::Null => Ok(None),
            Scalar::Str(s) => Ok(Some(s.into_owned())),
            other => Err(Odd::wrong(&other, "text")),
        }
    }

    /// A true/false field.
    pub(super) fn boolean(self) -> Got<bool> {
        match self {
            Scalar::Null => Ok(None),
            Scalar::Bool(b) => Ok(Some(b)),
            other => Err(Odd::wrong(&other, "true or false")),
        }
    }

    /// An integer field (an ID).
    pub(super) fn integer(self) -> Got<i64> {
        match self {
            Scalar::Null => Ok(None),
            Scalar::I64(n) => Ok(Some(n)),
            Scalar::U64(n) => i64::try_from(n)
                .map(Some)
                .map_err(|_| Odd::new(format!("is {n}, too large for an ID"))),
            other => Err(Odd::wrong(&other, "an integer")),
        }
    }

    /// Text that is only shown, never judged: a string, or a number as
    /// written; anything else is as good as none.
    pub(super) fn shown_text(self) -> Option<String> {
        match self {
            Scalar::Str(s) => Some(s.into_owned()),
            other => other.number_text(),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
        Scalar::deserialize(d)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::U64(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::I64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::F64(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::List)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Object)
    }
}

/// A value of some shape (an object, a list), read whatever JSON it holds:
/// the shape reads objects and lists; any other value is odd, but for null.
pub(super) trait Shape<'de>: Sized {
    /// What the value should be, for messages: `an object`.
    const WANTS: &'static str;

    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Result<Self, Odd>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err(Odd::wrong(&Scalar::Object, Self::WANTS)))
    }

    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Result<Self, Odd>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err(Odd::wrong(&Scalar::List, Self::WANTS)))
    }

    fn from_scalar(found: Scalar<'de>) -> Result<Self, Odd> {
        Err(Odd::wrong(&found, Self::WANTS))
    }
}

/// A value of shape `T`: `Ok(None)` for null (a missing field is left to
/// the caller's default).
pub(super) struct Read<T>(pub(super) Got<T>);

impl<'de, T: Shape<'de>> Deserialize<'de> for Read<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ReadVisitor(std::marker::PhantomData))
    }
}

struct ReadVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Shape<'de>> ReadVisitor<T> {
    fn scalar<E>(found: Scalar<'de>) -> Result<Read<T>, E> {
        Ok(Read(T::from_scalar(found).map(Some)))
    }
}

impl<'de, T: Shape<'de>> Visitor<'de> for ReadVisitor<T> {
    type Value = Read<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::WANTS)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Read<T>, E> {
        Ok(Read(Ok(None)))
    }

    fn visit_none<E: de::Error>(self) -> Result<Read<T>, E> {
        Ok(Read(Ok(None)))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Read<T>, D::Error> {
        Read::deserialize(d)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Read<T>, E> {
        Self::scalar(Scalar::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Read<T>, E> {
        Self::scalar(Scalar::U64(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Read<T>, E> {
        Self::scalar(Scalar::I64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Read<T>, E> {
        Self::scalar(Scalar::F64(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Read<T>, E> {
        Self::scalar(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Read<T>, E> {
        Self::scalar(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Read<T>, E> {
        Self::scalar(Scalar::Str(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Read<T>, A::Error> {
        Ok(Read(T::from_seq(seq)?.map(Some)))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Read<T>, A::Error> {
        Ok(Read(T::from_map(map)?.map(Some)))
    }
}

/// Reads an object; what reads it gets the map.
pub(super) trait ObjectReader<'de> {
    type Value;
    fn read<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error>;
}

/// A visitor that reads an object with `R`, and turns any other value into
/// the [`Scalar`] it was (a list or an object consumed unread).
pub(super) struct ObjectOr<R>(pub(super) R);

impl<'de, R: ObjectReader<'de>> Visitor<'de> for ObjectOr<R> {
    type Value = Result<R::Value, Scalar<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.read(map).map(Ok)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        ScalarVisitor.visit_seq(seq).map(Err)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(Scalar::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(Scalar::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Err(Scalar::Bool(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Err(Scalar::U64(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Err(Scalar::I64(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Err(Scalar::F64(v)))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Err(Scalar::Str(Cow::Borrowed(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Err(Scalar::Str(Cow::Owned(v.to_owned()))))
    }
}

/// Text that some payloads send as a number (`duration: 62`) or a list of
/// strings (an `error_message` given as lines, joined by newlines).
pub(super) struct Text(pub(super) String);

impl<'de> Shape<'de> for Text {
    const WANTS: &'static str = "text";

    fn from_scalar(found: Scalar<'de>) -> Result<Text, Odd> {
        match found {
            Scalar::Str(s) => Ok(Text(s.into_owned())),
            Scalar::U64(_) | Scalar::I64(_) | Scalar::F64(_) => {
                Ok(Text(found.number_text().unwrap_or_default()))
            }
            other => Err(Odd::wrong(&other, Self::WANTS)),
        }
    }

    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Result<Text, Odd>, A::Error> {
        let mut lines: Vec<String> = Vec::new();
        let mut odd = None;
        let mut index = 0;
        while let Some(item) = seq.next_element::<Scalar<'de>>()? {
            match item {
                Scalar::Str(s) => lines.push(s.into_owned()),
                other => {
                    odd.get_or_insert_with(|| Odd::wrong(&other, Self::WANTS).at(index));
                }
            }
            index += 1;
        }
        Ok(match odd {
            Some(odd) => Err(odd),
            None => Ok(Text(lines.join("\n"))),
        })
    }
}

/// The keys an object has shown so far, to catch one sent twice: which
/// copy is meant would be a guess.
#[derive(Default)]
pub(super) struct Seen(u64);

impl Seen {
    /// Notes key number `bit` (below 64): false the second time (the
    /// caller skips that value, so the parse stays in step).
    pub(super) fn first(&mut self, bit: u32) -> bool {
        let mask = 1u64 << bit;
        let first = self.0 & mask == 0;
        self.0 |= mask;
        first
    }
}

/// The first problem of several: reading goes on after one, so the parse
/// stays in step, but the first is the one told.
pub(super) fn keep_first<T>(odd: &mut Option<Odd>, got: Result<T, Odd>) -> Option<T> {
    match got {
        Ok(v) => Some(v),
        Err(e) => {
            odd.get_or_insert(e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(json: &str) -> Scalar<'_> {
        serde_json::from_str(json).expect("valid JSON")
    }

    #[test]
    fn scalars_say_what_they_held() {
        assert_eq!(scalar("true").boolean(), Ok(Some(true)));
        assert_eq!(scalar("null").boolean(), Ok(None));
        assert_eq!(
            scalar(r#""yes""#).boolean().map_err(|e| e.of("success")),
            Err("`success` is the text \"yes\", not true or false".to_owned())
        );
        assert_eq!(
            scalar(r#"{"a": [1, {"b": 2}]}"#)
                .text()
                .map_err(|e| e.of("status")),
            Err("`status` is an object, not text".to_owned())
        );
        assert_eq!(scalar("-3").integer(), Ok(Some(-3)));
        assert_eq!(
            scalar("18446744073709551615")
                .integer()
                .map_err(|e| e.of("x")),
            Err("`x` is 18446744073709551615, too large for an ID".to_owned())
        );
        let long = format!("\"{}\\n\"", "a".repeat(50));
        let shown = scalar(&long).shown();
        assert_eq!(shown, format!("the text {:?}...", "a".repeat(40)));
        assert_eq!(scalar("1.5").shown_text().as_deref(), Some("1.5"));
        assert_eq!(scalar("[1]").shown_text(), None);
    }

    #[test]
    fn text_takes_numbers_and_lines_and_names_the_odd_item() {
        let text = |json: &str| {
            serde_json::from_str::<Read<Text>>(json)
                .expect("valid JSON")
                .0
                .map(|t| t.map(|t| t.0))
        };
        assert_eq!(text("62"), Ok(Some("62".to_owned())));
        assert_eq!(text("null"), Ok(None));
        assert_eq!(text(r#"["a", "b"]"#), Ok(Some("a\nb".to_owned())));
        assert_eq!(
            text(r#"["a", 1, {}]"#).map_err(|e| e.of("error_message")),
            Err("`error_message[1]` is the number 1, not text".to_owned())
        );
        assert_eq!(
            text("{}").map_err(|e| e.of("duration")),
            Err("`duration` is an object, not text".to_owned())
        );
        assert_eq!(
            Odd::new("is odd").at(2).under("metrics").of("evaluation"),
            "`evaluation.metrics[2]` is odd"
        );
    }
}
