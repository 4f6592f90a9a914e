//! The API's answers around a result, read strictly: a start's `201` (the
//! result and its runs), a result's run IDs (`--result-id`), a `400`'s
//! per-field messages. Anything else is an error saying what it lacks.

use super::{plural, positive};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeSet;

/// A result the start request created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub result_id: u64,
    /// In the answer's order, without repeats.
    pub run_ids: Vec<u64>,
    /// Distinct scenario IDs among the runs.
    pub scenarios: usize,
}

impl Started {
    /// `started result 9876: 12 runs (4 scenarios x 3)`; the factors only
    /// when they account for every run.
    pub fn line(&self, frequency: u64) -> String {
        let runs = self.run_ids.len() as u64;
        let scenarios = self.scenarios as u64;
        let why = if scenarios > 0 && scenarios.saturating_mul(frequency) == runs {
            format!(" ({} x {frequency})", plural(scenarios, "scenario"))
        } else if scenarios > 0 {
            format!(" ({})", plural(scenarios, "scenario"))
        } else {
            String::new()
        };
        format!(
            "started result {}: {}{why}",
            self.result_id,
            plural(runs, "run")
        )
    }
}

/// Reads a start request's answer (`{"id": 9876, "runs": [{"id": 181,
/// "scenario": 67, ...}]}`); anything else is an error saying what.
pub fn parse_started(text: &str) -> Result<Started, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let result_id = value
        .get("id")
        .filter(|v| positive(v))
        .and_then(Value::as_u64)
        .ok_or("it has no positive integer \"id\"")?;
    let runs = value
        .get("runs")
        .and_then(Value::as_array)
        .ok_or("it has no \"runs\" list")?;
    let mut run_ids = Vec::with_capacity(runs.len());
    let mut scenarios = BTreeSet::new();
    for run in runs {
        let id = run
            .get("id")
            .filter(|v| positive(v))
            .and_then(Value::as_u64)
            .ok_or("a run has no positive integer \"id\"")?;
        if !run_ids.contains(&id) {
            run_ids.push(id);
        }
        let scenario = match run.get("scenario") {
            Some(Value::Object(o)) => o.get("id").and_then(Value::as_i64),
            Some(v) => v.as_i64(),
            None => None,
        };
        scenarios.extend(scenario);
    }
    Ok(Started {
        result_id,
        run_ids,
        scenarios: scenarios.len(),
    })
}

/// The run IDs of a result (`{"runs": {"181": {...}, ...}}`), ascending.
pub fn parse_result_runs(text: &str) -> Result<Vec<u64>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let runs = value
        .get("runs")
        .and_then(Value::as_object)
        .ok_or("it has no \"runs\" object keyed by run ID")?;
    let mut ids = runs
        .keys()
        .map(|k| {
            k.parse::<u64>()
                .ok()
                .filter(|id| *id > 0 && k.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| format!("the run key {k:?} is not a positive integer"))
        })
        .collect::<Result<Vec<u64>, String>>()?;
    ids.sort_unstable();
    Ok(ids)
}

/// A result's `success_rate` as the API wrote it (`66.67`, or the string
/// `"66.67"`), checked to be a percentage; `None` when missing or null.
pub fn parse_success_rate(text: &str) -> Result<Option<String>, String> {
    #[derive(serde::Deserialize)]
    struct Rate<'a> {
        #[serde(borrow, default)]
        success_rate: Option<&'a RawValue>,
    }
    let not_a_result = |why: String| format!("it is not the documented result object ({why})");
    if !text.trim_start().starts_with('{') {
        return Err(not_a_result("not a JSON object".into()));
    }
    let rate: Rate<'_> = serde_json::from_str(text).map_err(|e| not_a_result(e.to_string()))?;
    let Some(raw) = rate.success_rate.map(RawValue::get) else {
        return Ok(None);
    };
    let written = if raw.starts_with('"') {
        serde_json::from_str::<String>(raw).unwrap_or_default()
    } else {
        raw.to_owned()
    };
    let numeric = !written.is_empty()
        && written
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    match written.parse::<f64>() {
        Ok(n) if numeric && (0.0..=100.0).contains(&n) => Ok(Some(written)),
        _ => Err("its success_rate is not a percentage from 0 to 100".to_owned()),
    }
}

/// A 400's per-field messages (`{"scenarios": ["..."]}`) on one line:
/// `scenarios: ...; frequency: ...`; `None` when the body is not that shape.
pub fn field_messages(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).ok()?;
    let fields = value.as_object().filter(|o| !o.is_empty())?;
    let mut parts = Vec::new();
    for (field, said) in fields {
        let messages: Vec<String> = match said {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                .collect(),
            other => vec![other.to_string()],
        };
        let joined: String = messages
            .join(" ")
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(300)
            .collect();
        parts.push(format!("{field}: {joined}"));
    }
    Some(parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_result_is_read_and_announced() {
        let text = r#"{"id": 9876, "agent": 42, "status": "pending", "runs": [
            {"id": 181, "scenario": 67}, {"id": 182, "scenario": 67}, {"id": 183, "scenario": {"id": 68}}]}"#;
        let started = parse_started(text).expect("documented");
        assert_eq!(started.run_ids, [181, 182, 183]);
        assert_eq!(started.line(1), "started result 9876: 3 runs (2 scenarios)");
        let even = Started {
            result_id: 9876,
            run_ids: (1..=12).collect(),
            scenarios: 4,
        };
        assert_eq!(
            even.line(3),
            "started result 9876: 12 runs (4 scenarios x 3)"
        );
        for (bad, says) in [
            ("[]", "no positive integer \"id\""),
            (r#"{"id": 1}"#, "no \"runs\""),
            (r#"{"id": 1, "runs": [{"id": "2"}]}"#, "a run has no"),
            ("<html>", "invalid JSON"),
        ] {
            assert!(parse_started(bad).expect_err(bad).contains(says), "{bad}");
        }
        assert_eq!(
            parse_started(r#"{"id": 5, "runs": []}"#).map(|s| s.run_ids.len()),
            Ok(0)
        );
    }

    #[test]
    fn a_results_success_rate_is_kept_as_written_when_it_is_a_percentage() {
        let rate = |body: &str| parse_success_rate(body);
        assert_eq!(rate(r#"{"success_rate": 66.67}"#), Ok(Some("66.67".into())));
        assert_eq!(
            rate(r#"{"success_rate": 50.0, "runs": {}}"#),
            Ok(Some("50.0".into()))
        );
        assert_eq!(rate(r#"{"success_rate": "12.5"}"#), Ok(Some("12.5".into())));
        assert_eq!(rate(r#"{"success_rate": 0}"#), Ok(Some("0".into())));
        assert_eq!(rate(r#"{"success_rate": null}"#), Ok(None));
        assert_eq!(rate(r#"{"id": 1}"#), Ok(None));
        for bad in [
            r#"{"success_rate": 101}"#,
            r#"{"success_rate": -1}"#,
            r#"{"success_rate": "high\n::error::x"}"#,
            r#"{"success_rate": "NaN"}"#,
            r#"{"success_rate": "inf"}"#,
            r#"{"success_rate": ""}"#,
            r#"{"success_rate": {"value": 5}}"#,
            r#"{"success_rate": true}"#,
            "[]",
            "<html>",
        ] {
            assert!(rate(bad).is_err(), "{bad}: {:?}", rate(bad));
        }
    }

    #[test]
    fn a_results_runs_and_a_400s_fields_are_read() {
        let ids = parse_result_runs(r#"{"id": 9, "runs": {"182": {}, "181": {}}}"#);
        assert_eq!(ids, Ok(vec![181, 182]));
        assert!(parse_result_runs(r#"{"runs": {"x": {}}}"#).is_err());
        assert!(parse_result_runs(r#"{"runs": [181]}"#).is_err());
        let said = field_messages(
            r#"{"scenarios": ["Invalid pk \"999\"."], "frequency": ["Too big", "Really"]}"#,
        );
        assert_eq!(
            said.as_deref(),
            Some("frequency: Too big Really; scenarios: Invalid pk \"999\".")
        );
        assert_eq!(field_messages("<html>"), None);
    }
}
