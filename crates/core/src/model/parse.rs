//! Reading a bulk-runs answer, the way the API README asks: every field may
//! be missing or null, both API generations' shapes are accepted, unknown
//! fields are ignored. What we cannot read as documented is never a guess:
//! a field of the wrong type makes its run unreadable (an error of that run,
//! see `wire.rs`); a run with no usable `id` is skipped when run IDs were
//! asked for (the ID it may be is then missing), and refuses the answer
//! otherwise; an answer that is not an array is an error.

use super::raw::RawRun;
use super::readings::{Explained, Kept, Skipped};
use super::surrogates::visible_lone_surrogates;
use super::transcript::{KeptTranscript, Transcript};
use super::wanted::{Item, Runs, RunsSeed, Wanted};
use serde::de::{DeserializeSeed, IgnoredAny};
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;

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
    /// The evaluator's explanations of metrics and rubric rules (for the
    /// reports that show them: `--html`, `--json`).
    pub explanations: bool,
}

impl Keep {
    pub(crate) const ALL: Keep = Keep {
        raw: true,
        transcript: true,
        explanations: true,
    };
}

/// Parses a bulk-runs answer, keeping everything.
pub fn parse_runs(body: &str) -> Result<Vec<RawRun>, ParseError> {
    parse_runs_keeping(body, Keep::ALL)
}

/// Parses a bulk-runs answer (a JSON array of run objects) in one pass over
/// the text, or two when raw bytes are kept.
pub(crate) fn parse_runs_keeping(body: &str, keep: Keep) -> Result<Vec<RawRun>, ParseError> {
    parse_answer(body, keep, None).map(|parsed| parsed.runs)
}

/// An answer's runs, and the first run in it nobody asked for.
#[derive(Debug)]
pub struct Parsed {
    pub runs: Vec<RawRun>,
    /// The ID of the first run skipped because `wanted` lacked it.
    pub unrequested: Option<u64>,
    /// With `wanted`: the first run skipped because nothing could name it
    /// (`run #3 (counting from 1) has \`id\` -5, not a run ID ...`).
    pub unidentified: Option<String>,
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
    let (runs, unrequested, unidentified) = match (keep.transcript, keep.explanations) {
        (true, true) => read::<KeptTranscript, Kept>(trimmed, keep.raw, wanted),
        (true, false) => read::<KeptTranscript, Skipped>(trimmed, keep.raw, wanted),
        (false, true) => read::<IgnoredAny, Kept>(trimmed, keep.raw, wanted),
        (false, false) => read::<IgnoredAny, Skipped>(trimmed, keep.raw, wanted),
    }
    .map_err(|e| match e {
        Failure::Json(e) => invalid(e),
        Failure::Run(message) => ParseError(message),
    })?;
    if let (None, Some(why)) = (wanted, &unidentified) {
        return Err(ParseError(format!(
            "{why}; a run without an ID cannot be named in a report, so the answer is refused (when run IDs are given, such a run is skipped)"
        )));
    }
    Ok(Parsed {
        runs: one_per_id(runs)?,
        unrequested,
        unidentified,
    })
}

enum Failure {
    Json(serde_json::Error),
    /// A run of the wrong shape, in a well-formed array.
    Run(String),
}

/// The runs of an answer (checked to start with `[`), those not `wanted`
/// skipped, the first skipped ID, and the first element without an ID.
fn read<T: Transcript, E: Explained>(
    trimmed: &str,
    keep_raw: bool,
    wanted: Option<&HashSet<u64>>,
) -> Result<Runs, Failure> {
    let seed = || Wanted::<T, E> {
        wanted,
        keeping: PhantomData,
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
    let mut unidentified = None;
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
            Item::Unidentified(why) => {
                unidentified
                    .get_or_insert_with(|| format!("run #{} (counting from 1) {why}", index + 1));
            }
        }
    }
    Ok((runs, unrequested, unidentified))
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
#[path = "parse_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "shape_tests.rs"]
mod shape_tests;
