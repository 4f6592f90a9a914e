//! Outbound agents: the agent under test dials the testing line. Each run
//! such a start creates carries the `number` to call and a dial window
//! (`outbound_dial_window_opens_at`, `_seconds`, `_closes_at`); a run not
//! dialed before its window closes ends `timeout`. Read from the start's
//! answer, strictly: a run with no window is not an outbound one.

use serde_json::Value;

/// A run that waits to be dialed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    pub run_id: u64,
    /// The number to call, as the API wrote it.
    pub number: String,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub seconds: Option<u64>,
}

impl Dial {
    /// `run 181: dial +15550100 between ... and ... (300 s)`; a number that
    /// is not plain digits and punctuation is quoted.
    pub fn line(&self) -> String {
        let number = shown(&self.number);
        let window = match (&self.opens_at, &self.closes_at) {
            (Some(opens), Some(closes)) => {
                format!(" between {} and {}", shown(opens), shown(closes))
            }
            (None, Some(closes)) => format!(" before {}", shown(closes)),
            (Some(opens), None) => format!(" from {}", shown(opens)),
            (None, None) => String::new(),
        };
        let seconds = self
            .seconds
            .map_or_else(String::new, |s| format!(" ({s} s window)"));
        format!("run {}: dial {number}{window}{seconds}", self.run_id)
    }
}

/// `text` as it is when it is plain (digits, letters, `+-:.()` and
/// spaces), else quoted with its escapes visible.
fn shown(text: &str) -> String {
    let plain = text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-:.() ".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("{:?}", text.chars().take(64).collect::<String>())
    }
}

/// The runs of a start's answer (`runs[]`) that carry a number and a dial
/// window, in the answer's order.
pub(crate) fn dials(answer: &Value) -> Vec<Dial> {
    let Some(runs) = answer.get("runs").and_then(Value::as_array) else {
        return Vec::new();
    };
    let text = |run: &Value, key: &str| {
        run.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    runs.iter()
        .filter_map(|run| {
            let run_id = run.get("id").and_then(Value::as_u64)?;
            let number = text(run, "number")?;
            let opens_at = text(run, "outbound_dial_window_opens_at");
            let closes_at = text(run, "outbound_dial_window_closes_at");
            let seconds = run
                .get("outbound_dial_window_seconds")
                .and_then(Value::as_u64);
            (opens_at.is_some() || closes_at.is_some() || seconds.is_some()).then_some(Dial {
                run_id,
                number,
                opens_at,
                closes_at,
                seconds,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_runs_with_a_dial_window_wait_to_be_dialed() {
        let answer = json!({"id": 9876, "runs": [
            {"id": 181, "number": "+15550100", "outbound_dial_window_opens_at": "2026-12-01T12:00:00Z",
             "outbound_dial_window_seconds": 300, "outbound_dial_window_closes_at": "2026-12-01T12:05:00Z"},
            {"id": 182, "number": "+15550101", "outbound_dial_window_opens_at": null,
             "outbound_dial_window_seconds": null, "outbound_dial_window_closes_at": null},
            {"id": 183, "number": "+1555\n::error::x", "outbound_dial_window_seconds": 300},
            {"id": "184", "number": "+15550103", "outbound_dial_window_seconds": 300}
        ]});
        let found = dials(&answer);
        assert_eq!(
            found.iter().map(|d| d.run_id).collect::<Vec<_>>(),
            [181, 183]
        );
        assert_eq!(
            found[0].line(),
            "run 181: dial +15550100 between 2026-12-01T12:00:00Z and 2026-12-01T12:05:00Z (300 s window)"
        );
        assert_eq!(
            found[1].line(),
            r#"run 183: dial "+1555\n::error::x" (300 s window)"#,
            "hostile text quoted, on one line"
        );
        assert!(dials(&json!({"id": 1})).is_empty());
    }
}
