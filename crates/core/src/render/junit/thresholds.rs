//! The aggregate thresholds' `<testsuite name="thresholds">`.

use super::{problem_element, property, system_out_element};
use crate::policy::threshold::Measured;
use crate::render::xml::push_attr;
use std::fmt::Write as _;

/// The aggregate thresholds, a `<testcase>` each in a suite of their own
/// (as k6's JUnit summary has them), passing or failing, with what was
/// measured.
pub(super) fn suite(out: &mut String, measured: &[Measured], failures: usize) {
    if measured.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "  <testsuite name=\"thresholds\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0.000\">",
        measured.len()
    );
    for t in measured {
        out.push_str("    <testcase name=\"");
        push_attr(out, &t.text);
        out.push_str("\" classname=\"vocera.thresholds\" time=\"0.000\">\n");
        out.push_str("      <properties>\n");
        property(out, 8, "limit", &t.limit_text);
        for row in &t.rows {
            let name = match &row.scenario {
                Some(s) => format!("measured.{s}"),
                None => "measured".to_owned(),
            };
            property(out, 8, &name, &row.measured);
        }
        out.push_str("      </properties>\n");
        let mut body = String::new();
        for row in &t.rows {
            if let Some(s) = &row.scenario {
                let _ = write!(body, "{s}: ");
            }
            let _ = writeln!(
                body,
                "measured {}, limit {} {}: {}",
                row.measured,
                t.op_symbol(),
                row.limit,
                row.word()
            );
        }
        if t.failed() {
            problem_element(out, "failure", "threshold", &t.reason(), &body);
        } else {
            system_out_element(out, &body);
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n");
}
