//! Runs nobody asked for, skipped without being built. An answer may hold
//! millions of runs we did not request; building each (names, categories,
//! metrics) only to throw it away cost gigabytes. The run's first key is
//! read up to its `id` (its first key, in the documented order), the fields
//! before it kept as unread slices of the text; when the ID was not asked
//! for, the rest is skipped unread. Otherwise the run is read whole, the
//! fields already taken handed back to it first.

use super::loose::{ObjectOr, ObjectReader};
use super::raw::RawRun;
use super::readings::Explained;
use super::transcript::Transcript;
use super::wire::{RunReader, WireId, WireRun, run_element};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;

/// A run read from the answer, the ID of one skipped, or why an element
/// cannot be kept (it has no usable `id`, or is no run object): a phrase
/// that follows "run #N".
// Moved once, straight into a `Run`: boxing it would cost an allocation a run.
#[allow(clippy::large_enum_variant)]
pub(super) enum Item<T> {
    Run(WireRun<T>),
    Skipped(u64),
    Unidentified(String),
}

/// Reads one run, skipping it when `wanted` is given and lacks its ID.
pub(super) struct Wanted<'w, T, E> {
    pub wanted: Option<&'w HashSet<u64>>,
    /// What is kept: the transcript (`T`), the explanations (`E`).
    pub keeping: PhantomData<(T, E)>,
}

impl<'de, T: Transcript, E: Explained> DeserializeSeed<'de> for Wanted<'_, T, E> {
    type Value = Item<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Item<T>, D::Error> {
        let item = match self.wanted {
            None => run_element::<D, T, E>(d)?.map(Item::Run),
            Some(_) => d
                .deserialize_any(ObjectOr(self))?
                .map_err(|found| format!("is {}, not a run object", found.shown())),
        };
        Ok(item.unwrap_or_else(Item::Unidentified))
    }
}

impl<'de, T: Transcript, E: Explained> ObjectReader<'de> for Wanted<'_, T, E> {
    type Value = Item<T>;

    fn read<A: MapAccess<'de>>(self, mut map: A) -> Result<Item<T>, A::Error> {
        // Fields before `id` (none in the documented order) are kept as
        // slices of the text, unread, until the ID says whether to read them.
        let mut before: Vec<(Cow<'de, str>, &'de RawValue)> = Vec::new();
        let id = loop {
            match map.next_key::<Cow<'de, str>>()? {
                None => break None,
                Some(key) if key == "id" => break Some(map.next_value::<WireId>()?.0),
                Some(key) => before.push((key, map.next_value()?)),
            }
        };
        let skipped = match (&id, self.wanted) {
            (Some(Ok(id)), Some(wanted)) if !wanted.contains(id) => Some(Item::Skipped(*id)),
            (Some(Err(why)), _) => Some(Item::Unidentified(why.clone())),
            _ => None,
        };
        if let Some(item) = skipped {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(item);
        }
        let replay = Replay {
            before: before.into_iter(),
            id: id.and_then(Result::ok),
            pending: None,
            inner: map,
        };
        Ok(match RunReader::<T, E>(PhantomData).read(replay)? {
            Ok(run) => Item::Run(run),
            Err(why) => Item::Unidentified(why),
        })
    }
}

/// A run's map with its first fields already taken, handed back in order:
/// the fields before `id`, `id`, then the rest as they come.
struct Replay<'de, A> {
    before: std::vec::IntoIter<(Cow<'de, str>, &'de RawValue)>,
    id: Option<u64>,
    pending: Option<Pending<'de>>,
    inner: A,
}

/// The value of a key handed back, due next.
enum Pending<'de> {
    Raw(&'de RawValue),
    Id(u64),
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if let Some((key, value)) = self.before.next() {
            self.pending = Some(Pending::Raw(value));
            return seed.deserialize(key.into_deserializer()).map(Some);
        }
        if let Some(id) = self.id.take() {
            self.pending = Some(Pending::Id(id));
            return seed.deserialize("id".into_deserializer()).map(Some);
        }
        self.inner.next_key_seed(seed)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(Pending::Raw(raw)) => seed.deserialize(raw).map_err(de::Error::custom),
            Some(Pending::Id(id)) => seed.deserialize(id.into_deserializer()),
            None => self.inner.next_value_seed(seed),
        }
    }
}

/// A whole answer read in one pass: its runs, the first run skipped as
/// not wanted, and the first element that could not be kept (why, from
/// "run #N").
pub(super) struct RunsSeed<'w, T, E>(pub Wanted<'w, T, E>);

/// What [`RunsSeed`] reads.
pub(super) type Runs = (Vec<RawRun>, Option<u64>, Option<String>);

impl<'de, T: Transcript, E: Explained> DeserializeSeed<'de> for RunsSeed<'_, T, E> {
    type Value = Runs;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Runs, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Transcript, E: Explained> de::Visitor<'de> for RunsSeed<'_, T, E> {
    type Value = Runs;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of runs")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Runs, A::Error> {
        let mut runs = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let mut unrequested = None;
        let mut unidentified = None;
        let mut position = 0usize;
        loop {
            position += 1;
            let seed = Wanted::<T, E> {
                wanted: self.0.wanted,
                keeping: PhantomData,
            };
            let next = seq.next_element_seed(seed).map_err(|e| {
                de::Error::custom(format!("run #{position} (counting from 1): {e}"))
            })?;
            match next {
                Some(Item::Run(wire)) => runs.push(RawRun {
                    run: wire.into_run(),
                    raw: None,
                }),
                Some(Item::Skipped(id)) => {
                    unrequested.get_or_insert(id);
                }
                Some(Item::Unidentified(why)) => {
                    unidentified
                        .get_or_insert_with(|| format!("run #{position} (counting from 1) {why}"));
                }
                None => return Ok((runs, unrequested, unidentified)),
            }
        }
    }
}
