//! Saved responses: read back (`--from-file`) and written
//! (`--save-response`), in the bulk endpoint's own form.

use crate::ending::Stop;
use crate::error::{Error, usage};
use crate::model::{Keep, RawRun, parse_answer};
use crate::poll::Fetched;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Reads a saved response. With no IDs given, the file's own IDs are used in
/// its order (a run listed twice is refused unless the copies are identical).
/// `named` is how the command line named the file (`--from-file`, `the
/// replay FILE`).
pub fn replay(
    path: &Path,
    named: &str,
    ids: &[u64],
    keep: Keep,
) -> Result<(Vec<u64>, Fetched), Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read {named} {}: {e}", path.display())))?;
    // Hidden as an API answer is, before anything quotes or cuts the text.
    let text = crate::secret::hide(&text);
    // With IDs given, the file's other runs are skipped unbuilt.
    let wanted: Option<HashSet<u64>> = (!ids.is_empty()).then(|| ids.iter().copied().collect());
    let runs = parse_answer(&text, keep, wanted.as_ref())
        .map(|p| p.runs)
        .map_err(|e| {
            usage(format!(
                "{named} {} is not a saved bulk-runs answer: {e}",
                path.display()
            ))
        })?;
    let ids: Vec<u64> = if ids.is_empty() {
        runs.iter().map(|r| r.run.id).collect()
    } else {
        ids.to_vec()
    };
    if ids.is_empty() {
        return Err(usage(format!(
            "{named} {} holds no runs and no run IDs were given",
            path.display()
        )));
    }
    let runs: HashMap<u64, RawRun> = runs.into_iter().map(|r| (r.run.id, r)).collect();
    let missing: HashSet<u64> = ids
        .iter()
        .filter(|id| !runs.contains_key(id))
        .copied()
        .collect();
    Ok((
        ids,
        Fetched {
            runs,
            missing,
            stop: Stop::Replayed,
        },
    ))
}

/// The runs as the API sent them, in request order: a JSON array that
/// `--from-file` reads back.
pub fn saved_response(ids: &[u64], runs: &HashMap<u64, RawRun>) -> String {
    let mut out = String::from("[");
    let mut first = true;
    // Raw bytes are kept whenever a response is to be saved (`Config::keep`).
    for raw in ids.iter().filter_map(|id| runs.get(id)?.raw.as_ref()) {
        out.push_str(if first { "\n" } else { ",\n" });
        out.push_str(raw.get());
        first = false;
    }
    out.push_str("\n]\n");
    out
}
