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
    /// The runs that wait to be dialed (outbound agents).
    pub dials: Vec<super::Dial>,
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
        // Any whole number, as in a bulk answer (the OpenAPI file's
        // example run has ID 0).
        let id = run
            .get("id")
            .and_then(Value::as_u64)
            .ok_or("a run has no whole-number \"id\"")?;
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
        dials: super::dial::dials(&value),
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
                .filter(|_| k.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| format!("the run key {k:?} is not a whole number"))
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

/// The result an answer names, even when the rest of it cannot be read:
/// the top-level `"id"` of a whole JSON object, or of one cut short (a
/// connection dropped mid-answer) when that member came whole. A start's
/// answer that names its result must never lose it: its calls are ended,
/// and its ID printed, when the gate then stops.
pub fn named_result(text: &str) -> Option<u64> {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return value
            .get("id")
            .filter(|v| positive(v))
            .and_then(Value::as_u64);
    }
    let bytes = text.trim_start().as_bytes();
    if bytes.first() != Some(&b'{') {
        return None;
    }
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i)?;
                if depth == 1 && &bytes[i..end] == b"\"id\"" {
                    let mut j = skip_space(bytes, end);
                    if bytes.get(j) == Some(&b':') {
                        j = skip_space(bytes, j + 1);
                        let digits = j;
                        while bytes.get(j).is_some_and(u8::is_ascii_digit) {
                            j += 1;
                        }
                        // The number is whole only when something ends it.
                        let ended = matches!(
                            bytes.get(j),
                            Some(b',' | b'}' | b' ' | b'\n' | b'\r' | b'\t')
                        );
                        return std::str::from_utf8(&bytes[digits..j])
                            .ok()
                            .filter(|_| ended && j > digits)
                            .and_then(|d| d.parse::<u64>().ok())
                            .filter(|id| *id > 0);
                    }
                }
                i = end;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.checked_sub(1)?,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index just past the string that opens at `start`; `None` if cut.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// What a search of the results by name found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// Exactly one result has the name: its ID.
    One(u64),
    /// The whole answer holds no result of that name.
    None,
    /// It cannot be known from the answer; says why.
    Unknown(String),
}

/// Reads a results list (`GET results/?search=`: a page `{"count", "next",
/// "results": [...]}`, or a bare list) for the results named exactly
/// `name`. Only a whole answer can say there is none: another page, or an
/// entry without a name, makes it unknown.
pub fn parse_named(text: &str, name: &str) -> Named {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Named::Unknown(format!("the list is not JSON: {e}")),
    };
    let (items, more) = match &value {
        Value::Array(items) => (items, false),
        Value::Object(page) => {
            let Some(items) = page.get("results").and_then(Value::as_array) else {
                return Named::Unknown("the list has no \"results\"".into());
            };
            let next = page.get("next").is_some_and(|n| !n.is_null());
            let counted = page
                .get("count")
                .and_then(Value::as_u64)
                .is_some_and(|n| n > items.len() as u64);
            (items, next || counted)
        }
        _ => return Named::Unknown("the list is neither a page nor a list".into()),
    };
    let mut ids = Vec::new();
    for item in items {
        match item.get("name").and_then(Value::as_str) {
            Some(n) if n == name => {
                match item
                    .get("id")
                    .filter(|v| positive(v))
                    .and_then(Value::as_u64)
                {
                    Some(id) if !ids.contains(&id) => ids.push(id),
                    Some(_) => {}
                    None => return Named::Unknown("a result of that name has no ID".into()),
                }
            }
            Some(_) => {}
            None => return Named::Unknown("a listed result has no name".into()),
        }
    }
    match (ids.as_slice(), more) {
        ([id], _) => Named::One(*id),
        ([], false) => Named::None,
        ([], true) => Named::Unknown("the list has more pages".into()),
        (many, _) => Named::Unknown(format!("{} results have that name", many.len())),
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
            dials: Vec::new(),
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

    #[test]
    fn an_answer_names_its_result_even_cut_short() {
        assert_eq!(
            named_result(r#"{"id": 9876, "runs": [{"id": 181}, {"id": "x"}]}"#),
            Some(9876)
        );
        assert_eq!(
            named_result(r#"{"agent": 4, "runs": [{"id": 181}"#),
            None,
            "a run's ID is not the result's"
        );
        assert_eq!(
            named_result(r#"{"name": "id", "x": {"id": 5}, "id": 9876, "runs": [{"id": 1"#),
            Some(9876)
        );
        assert_eq!(
            named_result(r#"{"status": "a \"id\": 7", "id": 42,"#),
            Some(42)
        );
        assert_eq!(
            named_result(r#"{"id": 98"#),
            None,
            "a number cut short is no ID"
        );
        assert_eq!(named_result(r#"{"id": 98.5, "#), None);
        assert_eq!(named_result(r#"{"id": 0}"#), None);
        assert_eq!(named_result(r#"[{"id": 5}]"#), None);
        assert_eq!(named_result("<html>"), None);
    }

    #[test]
    fn results_are_found_by_their_exact_name_only_from_a_whole_list() {
        let name = "commit abc [1a2b]";
        let page = |results: &str, next: &str| {
            format!(r#"{{"count": 2, "next": {next}, "previous": null, "results": {results}}}"#)
        };
        let one = r#"[{"id": 9876, "name": "commit abc [1a2b]"}, {"id": 5, "name": "commit abc [1a2b] x"}]"#;
        assert_eq!(parse_named(&page(one, "null"), name), Named::One(9876));
        assert_eq!(parse_named(one, name), Named::One(9876), "a bare list");
        let near =
            r#"[{"id": 5, "name": "commit abc [1a2b] x"}, {"id": 6, "name": "Commit abc [1a2b]"}]"#;
        assert_eq!(parse_named(&page(near, "null"), name), Named::None);
        assert!(matches!(
            parse_named(&page(near, "\"http://x/?page=2\""), name),
            Named::Unknown(_)
        ));
        let two =
            r#"[{"id": 1, "name": "commit abc [1a2b]"}, {"id": 2, "name": "commit abc [1a2b]"}]"#;
        assert!(matches!(parse_named(two, name), Named::Unknown(m) if m.contains("2 results")));
        for bad in [
            r#"[{"id": 1}]"#,
            r#"{"detail": "x"}"#,
            "<html>",
            r#"[{"name": "commit abc [1a2b]"}]"#,
        ] {
            assert!(matches!(parse_named(bad, name), Named::Unknown(_)), "{bad}");
        }
        assert!(matches!(
            parse_named(r#"{"count": 3, "results": []}"#, name),
            Named::Unknown(_)
        ));
    }
}
