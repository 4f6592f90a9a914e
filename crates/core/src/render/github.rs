//! GitHub workflow commands: `::error` annotations for the runs that did not
//! pass (`::warning` for flaky failures a pass rate tolerated), and the step
//! outputs (`$GITHUB_OUTPUT`). Run text is escaped so it
//! cannot end a command or start another.

use super::not_passed;
use super::text::{case_title, inert, one_line, problem};
use crate::policy::{Evaluation, Scenario, runs_text};
use std::borrow::Cow;

/// GitHub keeps only the first 10 error annotations of a step.
pub const MAX_ANNOTATIONS: usize = 10;

/// `::error title=...::...` lines: the API failure when there is one, then
/// the runs that did not pass, most severe first, and last the flaky
/// failures of scenarios that met `--min-pass-rate` as `::warning` (they do
/// not fail the gate); past the limit, the last line counts the rest.
pub fn annotations(eval: &Evaluation<'_>) -> Vec<String> {
    let command = |kind: &str, title: &str, text: &str| {
        format!(
            "::{kind} title={}::{}",
            escape_property(title),
            escape_data(text)
        )
    };
    let error = |title: &str, text: &str| command("error", title, text);
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
        let title = format!("vocera-gate: {}", case_title(r, 100));
        let problem = one_line(&problem(r), 400);
        lines.push(if r.tolerated {
            let text = format!("flaky: {problem} (its scenario met --min-pass-rate)");
            command("warning", &title, &text)
        } else {
            error(&title, &problem)
        });
    }
    let rest = &list[shown..];
    if rest.iter().any(|r| !r.tolerated) {
        lines.push(error(
            "vocera-gate",
            &format!(
                "{} more {} did not pass; see the JUnit report or the job summary",
                rest.len(),
                if rest.len() == 1 { "run" } else { "runs" }
            ),
        ));
    } else if !rest.is_empty() {
        lines.push(command(
            "warning",
            "vocera-gate",
            &format!(
                "{} in scenarios that met --min-pass-rate; see the JUnit report or the job summary",
                runs_text(rest.len(), "more flaky failure")
            ),
        ));
    }
    lines
}

/// The step outputs, in order: each `name<<DELIMITER`, the value, the
/// delimiter (GitHub's multi-line form, so no value can end early or add an
/// output). `delimiter` gives a fresh random delimiter each call; one that
/// occurs in the value is drawn again. `exit_code` is the gate's own (a
/// report that could not be written makes it 2), `junit_path` empty when no
/// JUnit report was written.
pub fn outputs(
    eval: &Evaluation<'_>,
    exit_code: u8,
    junit_path: &str,
    delimiter: &mut dyn FnMut() -> String,
) -> String {
    let c = &eval.counts;
    let reasons: Vec<String> = eval.broken.iter().map(ToString::to_string).collect();
    let values = [
        eval.conclusion().as_str().to_owned(),
        exit_code.to_string(),
        eval.score.to_string(),
        eval.max_score.to_string(),
        c.runs.to_string(),
        c.passed.to_string(),
        c.failed.to_string(),
        c.errored.to_string(),
        c.missing.to_string(),
        c.unfinished.to_string(),
        lines(reasons.iter().map(String::as_str)),
        junit_path.to_owned(),
        scenario_names(eval, |s| s.failing()),
        scenario_names(eval, |s| s.flaky),
        eval.result_id.map(|id| id.to_string()).unwrap_or_default(),
        run_ids(eval),
        eval.comparison
            .as_ref()
            .map(|c| lines(c.regressions.iter().map(String::as_str)))
            .unwrap_or_default(),
        super::json::dial_numbers_line(&eval.dials),
    ];
    let values: Vec<(&str, String)> = OUTPUT_NAMES.into_iter().zip(values).collect();
    output_file(&values, delimiter)
}

/// The judged run IDs, comma-separated, in the order judged.
fn run_ids(eval: &Evaluation<'_>) -> String {
    let ids: Vec<String> = eval.results.iter().map(|r| r.id.to_string()).collect();
    ids.join(",")
}

/// The names of the scenarios that `pick` keeps, one a line, failing first.
fn scenario_names(eval: &Evaluation<'_>, pick: impl Fn(&Scenario) -> bool) -> String {
    lines(
        eval.scenarios
            .iter()
            .filter(|s| pick(s))
            .map(|s| s.name.as_str()),
    )
}

/// A list output: one entry a line, each entry on one line ([`entry`]).
fn lines<'a>(entries: impl Iterator<Item = &'a str>) -> String {
    let entries: Vec<Cow<'a, str>> = entries.map(entry).collect();
    entries.join("\n")
}

/// Run text as one entry of a list output, on one line whatever it holds,
/// so no name can add an entry (a scenario named `"Refund\nBooking OK"`
/// would otherwise list a second scenario). Every character some reader
/// takes as the end of a line is written visibly instead (`\x0a`,
/// `\u{2028}`): the control characters (`\n`, `\r`, NUL, vertical tab,
/// form feed, NEL U+0085 and the rest of C0 and C1) and the Unicode line
/// and paragraph separators. Borrows the text when there is none.
pub fn entry(text: &str) -> Cow<'_, str> {
    let breaks = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
    if !text.chars().any(breaks) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !breaks(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// The step outputs of a gate that stopped before judging any run: verdict
/// `error`, its exit code, every other output empty.
pub fn error_outputs(exit_code: u8, delimiter: &mut dyn FnMut() -> String) -> String {
    bare_outputs("error", exit_code, delimiter)
}

/// The step outputs of a dry run (`--dry-run`): verdict `dry-run`, exit
/// code 0, every other output empty, as nothing was judged.
pub fn dry_run_outputs(delimiter: &mut dyn FnMut() -> String) -> String {
    bare_outputs("dry-run", crate::exit::PASSED, delimiter)
}

fn bare_outputs(verdict: &str, exit_code: u8, delimiter: &mut dyn FnMut() -> String) -> String {
    let mut values: Vec<(&str, String)> = OUTPUT_NAMES
        .iter()
        .map(|name| (*name, String::new()))
        .collect();
    values[0].1 = verdict.to_owned();
    values[1].1 = exit_code.to_string();
    values[17].1 = "[]".to_owned(); // dial-numbers: JSON, so a list
    output_file(&values, delimiter)
}

/// Every output the gate writes, in the order written.
pub const OUTPUT_NAMES: [&str; 18] = [
    "verdict",
    "exit-code",
    "score",
    "max-score",
    "runs",
    "passed-runs",
    "failed-runs",
    "errored-runs",
    "missing-runs",
    "unfinished-runs",
    "reasons",
    "junit-path",
    "failed-scenarios",
    "flaky-scenarios",
    "result-id",
    "run-ids",
    "regressions",
    "dial-numbers",
];

fn output_file(values: &[(&str, String)], delimiter: &mut dyn FnMut() -> String) -> String {
    let mut out = String::new();
    for (name, value) in values {
        let mut delim = delimiter();
        while delim.is_empty() || value.contains(&delim) {
            delim = delimiter();
        }
        out.push_str(&format!("{name}<<{delim}\n{value}\n{delim}\n"));
    }
    out
}

/// An `::error` annotation at a place in a file (a spec's problem), shown
/// on the pull request's diff.
pub fn file_annotation(file: &str, line: usize, column: usize, message: &str) -> String {
    format!(
        "::error file={},line={line},col={column},title=vocera-gate::{}",
        escape_property(file),
        escape_data(message)
    )
}

/// Workflow-command data escaping (actions/toolkit `escapeData`), and the
/// older `##[command]` form, which the runner finds anywhere in a line,
/// broken up (see [`inert`]).
fn escape_data(s: &str) -> String {
    inert(s)
        .replace('%', "%25")
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
    use crate::policy::fixtures::{eval_in, eval_of, flaky, flaky_eval, run, sample, sample_eval};

    #[test]
    fn tolerated_failures_are_warnings_after_the_errors() {
        let mut runs = flaky();
        runs.push(run(3, "timeout", None, &[]));
        let eval = flaky_eval(&runs);
        let lines = annotations(&eval);
        assert_eq!(
            lines,
            [
                "::error title=vocera-gate%3A Scenario 3 (run 3)::ended timeout",
                "::warning title=vocera-gate%3A Flaky #2 (run 2)::flaky: [medium] medium problem \
                 (its scenario met --min-pass-rate)",
            ]
        );
        // Past the limit, a rest of flaky failures alone is a warning too.
        let mut runs = flaky();
        for id in 3..=13 {
            let mut r = run(id, "completed", Some(false), &[]);
            r.scenario_id = Some(70);
            runs.push(r);
        }
        let policy = crate::policy::Policy {
            min_pass_rate: "5%".parse().ok(),
            max_score: 10,
            ..Default::default()
        };
        let eval = eval_in(&policy, &runs, &[], Stop::AllFinal);
        let lines = annotations(&eval);
        assert_eq!(lines.len(), MAX_ANNOTATIONS);
        assert!(
            lines[..9].iter().all(|l| l.starts_with("::warning ")),
            "{lines:?}"
        );
        assert_eq!(
            lines[9],
            "::warning title=vocera-gate::3 more flaky failures in scenarios that met \
             --min-pass-rate; see the JUnit report or the job summary"
        );
    }

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
            lines[9].contains("4 more runs did not pass"),
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
        assert_eq!(
            with_error[9],
            "::error title=vocera-gate::5 more runs did not pass; see the JUnit report or the job summary"
        );
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

    fn counter() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("D{n}")
        }
    }

    #[test]
    fn outputs_are_heredocs_with_a_delimiter_each() {
        let runs = sample();
        let text = outputs(&sample_eval(&runs), 1, "r.xml", &mut counter());
        insta::assert_snapshot!(text, @r#"
        verdict<<D1
        failed
        D1
        exit-code<<D2
        1
        D2
        score<<D3
        13
        D3
        max-score<<D4
        0
        D4
        runs<<D5
        6
        D5
        passed-runs<<D6
        1
        D6
        failed-runs<<D7
        2
        D7
        errored-runs<<D8
        1
        D8
        missing-runs<<D9
        1
        D9
        unfinished-runs<<D10
        1
        D10
        reasons<<D11
        weighted score 13 is above --max-score 0
        1 unsuccessful run is above --max-failed-runs 0
        1 run ended with an error (failed, timeout, cancelled or unknown status)
        1 requested run was not returned by the API
        D11
        junit-path<<D12
        r.xml
        D12
        failed-scenarios<<D13
        Refund <over> "$100"
        Scenario 3
        Scenario 4
        D13
        flaky-scenarios<<D14

        D14
        result-id<<D15

        D15
        run-ids<<D16
        1,2,3,4,5,6
        D16
        regressions<<D17

        D17
        dial-numbers<<D18
        []
        D18
        "#);
        let names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_once("<<").map(|(name, _)| name))
            .collect();
        assert_eq!(names, OUTPUT_NAMES, "every output, once, in order");
    }

    #[test]
    fn a_delimiter_found_in_the_value_is_drawn_again() {
        let runs = [run(1, "completed", Some(true), &[])];
        let eval = eval_of(&runs, &[]);
        // The path holds the first delimiter the JUnit path would get (D12).
        let text = outputs(&eval, 0, "a\nD12\nb", &mut counter());
        assert!(text.contains("junit-path<<D13\na\nD12\nb\nD13\n"), "{text}");
        assert!(text.contains("reasons<<D11\n\nD11\n"), "empty when passed");
        let text = error_outputs(4, &mut counter());
        assert!(
            text.starts_with("verdict<<D1\nerror\nD1\nexit-code<<D2\n4\nD2\nscore<<D3\n\nD3\n"),
            "{text}"
        );
        assert_eq!(text.matches("<<").count(), OUTPUT_NAMES.len());
        let text = dry_run_outputs(&mut counter());
        assert!(
            text.starts_with("verdict<<D1\ndry-run\nD1\nexit-code<<D2\n0\nD2\n"),
            "{text}"
        );
    }

    /// A `$GITHUB_OUTPUT` file read as the runner reads it: lines end at
    /// `\n`, `\r\n` or `\r` (.NET `ReadLine`); a later value wins.
    fn read_outputs(text: &str) -> std::collections::BTreeMap<String, Vec<String>> {
        let mut lines = text.split("\r\n").flat_map(|l| l.split(['\n', '\r']));
        let mut outputs = std::collections::BTreeMap::new();
        while let Some(line) = lines.next() {
            let Some((name, delimiter)) = line.split_once("<<") else {
                continue;
            };
            let value: Vec<String> = lines
                .by_ref()
                .take_while(|l| *l != delimiter)
                .map(str::to_owned)
                .collect();
            outputs.insert(name.to_owned(), value);
        }
        outputs
    }

    #[test]
    fn no_run_text_adds_an_entry_to_a_list_output() {
        // D13 is the delimiter failed-scenarios would get from the counter.
        let names = [
            "Refund\nBooking OK",
            "a\rb",
            "c\r\nd",
            "e\u{2028}f",
            "g\u{2029}h",
            "nul\u{0}x",
            "nel\u{85}y",
            "vt\u{b}ff\u{c}z",
            "tab\tz",
            "D13",
            "failed-scenarios<<EOF",
            "::set-output name=verdict::passed",
            "plain ünïcødé",
        ];
        let shown = [
            "Refund\\x0aBooking OK",
            "a\\x0db",
            "c\\x0d\\x0ad",
            "e\\u{2028}f",
            "g\\u{2029}h",
            "nul\\x00x",
            "nel\\u{85}y",
            "vt\\x0bff\\x0cz",
            "tab\\x09z",
            "D13",
            "failed-scenarios<<EOF",
            "::set-output name=verdict::passed",
            "plain ünïcødé",
        ];
        let runs: Vec<Run> = names
            .iter()
            .zip(1..)
            .map(|(name, id)| {
                let mut r = run(id, "completed", Some(false), &[]);
                r.scenario_name = Some((*name).to_owned());
                r
            })
            .collect();
        let mut eval = eval_of(&runs, &[]);
        eval.comparison = Some(crate::policy::baseline::Comparison {
            regressions: names.iter().map(|n| (*n).to_owned()).collect(),
            ..Default::default()
        });
        eval.broken.push(crate::policy::Rule::Threshold {
            reason: "p95(Latency)<=1: Refund\nBooking OK: measured 3".into(),
        });
        let text = outputs(&eval, 1, "r.xml", &mut counter());
        let read = read_outputs(&text);
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let want = sorted(shown.iter().map(|s| (*s).to_owned()).collect());
        assert_eq!(sorted(read["failed-scenarios"].clone()), want, "{text}");
        assert_eq!(sorted(read["regressions"].clone()), want, "{text}");
        assert_eq!(read["verdict"], ["failed"], "{text}");
        assert_eq!(read["reasons"].len(), eval.broken.len(), "{text}");
        assert_eq!(
            read["reasons"].last().map(String::as_str),
            Some("threshold p95(Latency)<=1: Refund\\x0aBooking OK: measured 3")
        );
        assert_eq!(read.len(), OUTPUT_NAMES.len(), "no output added: {text}");
        assert_eq!(entry("plain"), Cow::Borrowed("plain"));
    }

    #[test]
    fn annotations_snapshot() {
        let runs = sample();
        insta::assert_snapshot!(annotations(&sample_eval(&runs)).join("\n"), @r#"
        ::error title=vocera-gate%3A Scenario 4 (run 4)::ended failed: agent hung up
        ::error title=vocera-gate%3A run 6::not returned by the API
        ::error title=vocera-gate%3A Scenario 5 (run 5)::still pending when waiting stopped
        ::error title=vocera-gate%3A Refund <over> "$100" (run 2)::[high] high problem
        ::error title=vocera-gate%3A Scenario 3 (run 3)::[medium] medium problem
        "#);
    }
}
