//! Reading `--baseline`: a response saved with `--save-response` (a JSON
//! array of runs, as the API sent them) or a `--json` report (an object
//! with `verdict` and `results`, read with the types that wrote it: see
//! [`crate::render::json::format`]), told apart by their first byte.
//! Anything else is refused: a gate that silently judged without its
//! baseline would pass or fail for the wrong reason.

use crate::error::{Error, usage};
use crate::model::{Keep, Run, parse_answer};
use crate::render::json::{Unread, read as read_report};
use std::path::Path;

/// A baseline file, read.
#[derive(Debug)]
pub struct Read {
    pub runs: Vec<Run>,
    /// To show once: a `--json` report from before reports had a format
    /// version.
    pub warning: Option<String>,
    /// The commit a `--json` report names as gated.
    pub commit: Option<String>,
}

/// The baseline file at `path`, read.
pub fn read(path: &Path) -> Result<Read, Error> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        usage(format!(
            "cannot read --baseline {shown}: {}; give a response saved with --save-response or a --json report from the reference pipeline",
            crate::files::plain(&e)
        ))
    })?;
    // Hidden as an API answer is, before anything quotes or cuts the text.
    let text = crate::secret::hide(&text);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let refused = |why: String| {
        usage(format!(
            "--baseline {shown} is neither a response saved with --save-response nor a --json report: {why}"
        ))
    };
    match trimmed.as_bytes().first() {
        Some(b'[') => {
            let keep = Keep {
                raw: false,
                transcript: false,
                explanations: false,
            };
            parse_answer(trimmed, keep, None)
                .map(|p| Read {
                    runs: p.runs.into_iter().map(|r| r.run).collect(),
                    warning: None,
                    commit: None,
                })
                .map_err(|e| refused(e.to_string()))
        }
        Some(b'{') => match read_report(trimmed) {
            Ok(report) => Ok(Read {
                runs: report.runs,
                warning: report.warning.map(|w| format!("--baseline {shown} {w}")),
                commit: report.commit.filter(|c| !c.trim().is_empty()),
            }),
            Err(Unread::Shape(why)) => Err(refused(why)),
            Err(Unread::Refused(why)) => Err(usage(format!(
                "--baseline {shown} cannot serve as a baseline: {why}"
            ))),
        },
        _ => Err(refused(
            "it is not a JSON array of runs or a JSON report object".into(),
        )),
    }
}
