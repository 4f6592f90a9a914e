//! GitHub workflow commands: `::error` annotations for the runs that did not
//! pass. Run text is escaped so it cannot end a command or start another.

use super::not_passed;
use super::text::{one_line, problem};
use crate::policy::Evaluation;

/// GitHub keeps only the first 10 error annotations of a step.
pub const MAX_ANNOTATIONS: usize = 10;

/// `::error title=...::...` lines: the API failure when there is one, then
/// the runs that did not pass, most severe first; past the limit, the last
/// line counts the rest.
pub fn annotations(eval: &Evaluation<'_>) -> Vec<String> {
    let error = |title: &str, text: &str| {
        format!(
            "::error title={}::{}",
            escape_property(title),
            escape_data(text)
        )
    };
    let mut lines: Vec<String> = eval
        .stop
        .api_error()
        .map(|e| error("vocera-gate: the API could not be used", &one_line(e, 400)))
        .into_iter()
        .collect();
    let list = not_passed(eval);
    let room = MAX_ANNOTATIONS - lines.len();
    let shown = if list.len() > room {
        room - 1
    } else {
        list.len()
    };
    for r in &list[..shown] {
        let title = format!(
            "vocera-gate: {} (run {})",
            one_line(&r.case.name, 100),
            r.id
        );
        lines.push(error(&title, &one_line(&problem(r), 400)));
    }
    if shown < list.len() {
        let rest = list.len() - shown;
        lines.push(error(
            "vocera-gate",
            &format!("{rest} more run(s) did not pass; see the JUnit report or the job summary"),
        ));
    }
    lines
}

/// Workflow-command data escaping (actions/toolkit `escapeData`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command property escaping (actions/toolkit `escapeProperty`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ending::Stop;
    use crate::model::Run;
    use crate::policy::fixtures::{eval_of, run, sample, sample_eval};

    #[test]
    fn annotations_list_errors_first_and_count_past_ten() {
        let mut runs: Vec<Run> = (1..=12)
            .map(|i| run(i, "completed", Some(true), &["low"]))
            .collect();
        runs.push(run(13, "failed", None, &[]));
        let eval = eval_of(&runs, &[]);
        let lines = annotations(&eval);
        assert_eq!(lines.len(), MAX_ANNOTATIONS, "GitHub keeps ten");
        assert!(
            lines[0].contains("run 13") && lines[0].contains("ended failed"),
            "errors first: {}",
            lines[0]
        );
        assert!(
            lines[9].contains("4 more run(s) did not pass"),
            "the last counts the rest: {}",
            lines[9]
        );
        let mut with_error = eval;
        with_error.stop = Stop::ApiFailed("the API refused the key".into());
        let with_error = annotations(&with_error);
        assert_eq!(with_error.len(), MAX_ANNOTATIONS, "still ten");
        assert!(
            with_error[0].contains("the API refused the key"),
            "API error first: {}",
            with_error[0]
        );
        assert!(with_error[9].contains("5 more run(s)"), "{}", with_error[9]);
    }

    #[test]
    fn annotation_text_cannot_inject_commands() {
        let mut r = run(1, "completed", Some(true), &["high"]);
        r.scenario_name = Some("a:b,c".into());
        r.categories[0].name = "x\n::set-output name=verdict::passed%".into();
        let runs = [r];
        let lines = annotations(&eval_of(&runs, &[]));
        insta::assert_snapshot!(lines.join("\n"), @"::error title=vocera-gate%3A a%3Ab%2Cc (run 1)::[high] x ::set-output name=verdict::passed%25");
    }

    #[test]
    fn annotations_snapshot() {
        let runs = sample();
        insta::assert_snapshot!(annotations(&sample_eval(&runs)).join("\n"), @r#"
        ::error title=vocera-gate%3A Scenario 4 (run 4)::ended failed: agent hung up
        ::error title=vocera-gate%3A run 6 (run 6)::not returned by the API
        ::error title=vocera-gate%3A Scenario 5 (run 5)::still pending when waiting stopped
        ::error title=vocera-gate%3A Refund <over> "$100" (run 2)::[high] high problem
        ::error title=vocera-gate%3A Scenario 3 (run 3)::[medium] medium problem
        "#);
    }
}
