//! Reading `--baseline`: a response saved with `--save-response` (a JSON
//! array of runs, as the API sent them) or a `--json` report (an object
//! with `verdict` and `results`), told apart by their first byte and keys.
//! Anything else is refused: a gate that silently judged without its
//! baseline would pass or fail for the wrong reason.

use crate::error::{Error, usage};
use crate::model::{Category, Keep, Metric, Run, Status, parse_answer};
use serde::Deserialize;
use std::path::Path;

/// The runs of the baseline file at `path`.
pub fn read(path: &Path) -> Result<Vec<Run>, Error> {
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
            };
            parse_answer(trimmed, keep, None)
                .map(|p| p.runs.into_iter().map(|r| r.run).collect())
                .map_err(|e| refused(e.to_string()))
        }
        Some(b'{') => {
            let report: JsonReport =
                serde_json::from_str(trimmed).map_err(|e| refused(e.to_string()))?;
            Ok(report.results.into_iter().map(JsonRun::into_run).collect())
        }
        _ => Err(refused(
            "it is not a JSON array of runs or a JSON report object".into(),
        )),
    }
}

/// The parts of a `--json` report a baseline reads.
#[derive(Deserialize)]
#[serde(expecting = "a --json report (with verdict and results)")]
struct JsonReport {
    #[allow(dead_code)] // Required: it tells a report from other JSON.
    verdict: String,
    results: Vec<JsonRun>,
}

#[derive(Deserialize)]
struct JsonRun {
    run_id: u64,
    #[serde(default)]
    scenario_id: Option<i64>,
    #[serde(default)]
    scenario_name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    review: Option<String>,
    #[serde(default)]
    categories: Vec<JsonCategory>,
    #[serde(default)]
    metrics: Vec<JsonMetric>,
}

#[derive(Deserialize)]
struct JsonCategory {
    category: String,
    #[serde(default)]
    priority: Option<String>,
}

#[derive(Deserialize)]
struct JsonMetric {
    name: String,
    #[serde(default)]
    number: Option<f64>,
    #[serde(default)]
    passed: Option<bool>,
    #[serde(default)]
    label: Option<String>,
}

impl JsonRun {
    fn into_run(self) -> Run {
        Run {
            id: self.run_id,
            scenario_id: self.scenario_id,
            scenario_name: self.scenario_name,
            success: self.success,
            // A missing run has no status: it stays out of the baseline's
            // judged runs only if it was unfinished; missing reads as errored.
            status: Status::parse(self.status.as_deref()),
            metrics: self
                .metrics
                .into_iter()
                .map(|m| Metric {
                    value: m
                        .number
                        .map(|n| n.to_string())
                        .or(m.passed.map(|p| p.to_string()))
                        .or(m.label.clone()),
                    name: m.name,
                    number: m.number,
                    passed: m.passed,
                    label: m.label,
                })
                .collect(),
            categories: self
                .categories
                .into_iter()
                .map(|c| Category {
                    name: c.category,
                    detail: String::new(),
                    priority: c.priority,
                    wrongly_marked: false,
                })
                .collect(),
            transcript: None,
            duration_ms: None,
            recording_url: None,
            timestamp: None,
            error_message: None,
            review: Run::review_from(self.review.as_deref()),
            result_id: None,
        }
    }
}
