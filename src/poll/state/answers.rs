//! Taking in one poll's answers: the runs each chunk's answer holds are
//! kept (a run seen final stays final), and the failures are summed up
//! into the one worth reporting.

use super::super::{Answer, Event};
use super::Poll;
use crate::api::FetchError;
use crate::model::Parsed;
use std::collections::HashSet;
use std::time::Duration;

/// What one poll's answers said.
pub(super) struct Tally {
    /// Runs that became final.
    pub(super) newly_final: usize,
    /// The failure worth reporting (being rate-limited first).
    pub(super) trouble: Option<FetchError>,
    /// An answer not in the documented shape (not a proxy's).
    pub(super) shape: Option<String>,
    /// The longest Retry-After any failing request was given.
    pub(super) retry_after: Option<Duration>,
}

impl Poll {
    /// Takes in one poll's answers: their runs kept, their failures
    /// summed up; `Err` with the message of one that gives up.
    pub(super) fn tally(
        &mut self,
        answers: Vec<Answer>,
        events: &mut Vec<Event>,
    ) -> Result<Tally, String> {
        let mut newly_final = 0usize;
        let mut trouble: Option<FetchError> = None;
        let mut shape: Option<String> = None;
        // The longest Retry-After any failing request was given.
        let mut retry_after: Option<Duration> = None;
        for (chunk, result) in answers {
            match result {
                Ok(parsed) => newly_final += self.take_runs(&chunk, parsed, events),
                Err(FetchError::Fatal(message)) => return Err(message),
                Err(e @ FetchError::Transient { .. }) => {
                    if let FetchError::Transient {
                        message,
                        undocumented: true,
                        proxy: false,
                        ..
                    } = &e
                    {
                        shape.get_or_insert_with(|| message.clone());
                    }
                    if let FetchError::Transient {
                        retry_after: Some(ra),
                        ..
                    } = &e
                    {
                        retry_after = retry_after.max(Some(*ra));
                    }
                    // Being rate-limited is the failure worth reporting.
                    if !is_rate_limited(trouble.as_ref()) {
                        trouble = Some(e);
                    }
                }
            }
        }
        Ok(Tally {
            newly_final,
            trouble,
            shape,
            retry_after,
        })
    }

    /// Records the runs a chunk's answer holds; returns how many became final.
    fn take_runs(&mut self, chunk: &[u64], parsed: Parsed, events: &mut Vec<Event>) -> usize {
        let asked: HashSet<u64> = chunk.iter().copied().collect();
        let mut returned = HashSet::with_capacity(parsed.runs.len());
        let mut newly_final = 0;
        // The parser skipped runs this request did not ask for; one is named.
        let stray = parsed
            .runs
            .iter()
            .map(|raw| raw.run.id)
            .find(|id| !asked.contains(id));
        if let Some(id) = parsed.unrequested.or(stray)
            && !self.unexpected_warned
        {
            let whose = if self.requested.contains(&id) {
                "not asked for in this request"
            } else {
                "never requested"
            };
            events.push(Event::Warning(format!(
                "the API returned run {id}, {whose}; ignored"
            )));
            self.unexpected_warned = true;
        }
        // A run nothing can name is skipped; the ID it may be reads as missing.
        if let Some(why) = &parsed.unidentified
            && !self.unidentified_warned
        {
            events.push(Event::Warning(format!(
                "the API returned a run without a usable ID, {why}; ignored, so a requested run it may be is reported missing"
            )));
            self.unidentified_warned = true;
        }
        for raw in parsed.runs {
            let id = raw.run.id;
            if !asked.contains(&id) {
                continue;
            }
            returned.insert(id);
            if !raw.run.status.is_waiting() {
                newly_final += 1;
            }
            self.runs.insert(id, raw);
        }
        for id in chunk.iter().filter(|id| !returned.contains(id)) {
            // A run that vanished is missing, whatever it was before.
            self.runs.remove(id);
            self.missing.insert(*id);
            newly_final += 1;
        }
        newly_final
    }
}

fn is_rate_limited(e: Option<&FetchError>) -> bool {
    matches!(
        e,
        Some(FetchError::Transient {
            rate_limited: true,
            ..
        })
    )
}
