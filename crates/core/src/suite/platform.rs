//! What the platform answers about a spec: its errors, each keyed by a
//! place in the spec, and the plan of a dry run, shown as text.

use super::Problem;
use serde_json::Value;
use std::fmt::Write as _;

/// The problems of an answer shaped `{"errors": {"scenarios[1].metrics[0]":
/// ["No metric with slug ..."]}}` (a message may also come alone, or as
/// a list of texts); `None` for any other answer.
pub fn platform_errors(text: &str) -> Option<Vec<Problem>> {
    let value: Value = serde_json::from_str(text).ok()?;
    let errors = value.get("errors")?.as_object()?;
    let mut problems = Vec::new();
    for (path, said) in errors {
        let path = if matches!(path.as_str(), "non_field_errors" | "__all__" | "spec") {
            String::new()
        } else {
            path.trim_start_matches("spec.").to_owned()
        };
        let messages: Vec<String> = match said {
            Value::Array(items) => items.iter().map(shown).collect(),
            other => vec![shown(other)],
        };
        for message in messages {
            problems.push(Problem {
                path: path.clone(),
                message,
            });
        }
    }
    (!problems.is_empty()).then_some(problems)
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A dry run's plan, as the gate prints it: the totals, then a line per
/// case with how its personality and test profile were resolved.
pub fn plan_text(plan: &Value) -> String {
    let text = |key: &str| -> String {
        match plan.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => "-".to_owned(),
            Some(other) => other.to_string(),
        }
    };
    let mut out = format!(
        "dry run: suite {:?} for agent {} (project {}, channel {}): {} cases, {} runs, estimated cost {}; nothing was started\n",
        text("suite_name"),
        text("agent_id"),
        text("project_id"),
        text("channel"),
        text("scenario_count"),
        text("total_runs"),
        text("estimated_cost"),
    );
    let cases = plan.get("scenarios").and_then(Value::as_array);
    for case in cases.into_iter().flatten() {
        let field = |key: &str| -> String {
            match case.get(key) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => "-".to_owned(),
                Some(other) => other.to_string(),
            }
        };
        let mode = |key: &str| -> String {
            case.get(key)
                .and_then(|p| p.get("mode"))
                .and_then(Value::as_str)
                .unwrap_or("-")
                .to_owned()
        };
        let _ = writeln!(
            out,
            "  - {} ({}): {}, frequency {}, personality {}, test profile {}",
            field("key"),
            field("name"),
            field("type"),
            field("frequency"),
            mode("personality"),
            mode("test_profile"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_platforms_errors_become_problems() {
        let text = r#"{"errors": {"scenarios[0].instructions": ["Instructions are required."],
            "scenarios[1].metrics[0]": ["No metric with slug 'greetng_by_name' in project 742.", "Another."],
            "non_field_errors": "The spec is empty."}}"#;
        let problems = platform_errors(text).expect("errors");
        let got: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.path.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("", "The spec is empty."),
                ("scenarios[0].instructions", "Instructions are required."),
                (
                    "scenarios[1].metrics[0]",
                    "No metric with slug 'greetng_by_name' in project 742."
                ),
                ("scenarios[1].metrics[0]", "Another."),
            ]
        );
        assert!(platform_errors(r#"{"agent_id": ["bad"]}"#).is_none());
        assert!(platform_errors(r#"{"errors": {}}"#).is_none());
        assert!(platform_errors("<html>").is_none());
    }

    #[test]
    fn a_plan_reads_as_text() {
        let plan = json!({"agent_id": 12, "project_id": 742, "channel": "voice", "suite_name": "Billing",
            "scenario_count": 2, "total_runs": 6, "estimated_cost": 1.35,
            "scenarios": [
                {"key": "refund-v1", "name": "Refund", "type": "instruction", "frequency": 3,
                 "personality": {"mode": "existing", "id": 7}, "test_profile": {"mode": "project_default"}},
                {"key": "Invoice", "name": "Invoice", "type": "instruction", "frequency": 3,
                 "personality": {"mode": "inline"}, "test_profile": null}]});
        assert_eq!(
            plan_text(&plan),
            "dry run: suite \"Billing\" for agent 12 (project 742, channel voice): 2 cases, 6 runs, estimated cost 1.35; nothing was started\n  \
             - refund-v1 (Refund): instruction, frequency 3, personality existing, test profile project_default\n  \
             - Invoice (Invoice): instruction, frequency 3, personality inline, test profile -\n"
        );
    }
}
