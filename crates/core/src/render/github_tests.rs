use super::*;
use crate::ending::Stop;
use crate::model::Run;
use crate::policy::fixtures::{eval_in, eval_of, flaky, flaky_eval, run, sample, sample_eval};

const NONE: FullLists<'static> = FullLists {
    junit: "",
    json: "",
};

const PATHS: FullLists<'static> = FullLists {
    junit: "vocera-junit.xml",
    json: "r.json",
};

#[test]
fn tolerated_failures_are_warnings_after_the_errors() {
    let mut runs = flaky();
    runs.push(run(3, "timeout", None, &[]));
    let eval = flaky_eval(&runs);
    let lines = annotations(&eval, PATHS);
    assert_eq!(
        lines,
        [
            "::error title=vocera-gate%3A Scenario 3 (run 3)::ended timeout",
            "::warning title=vocera-gate%3A Flaky #2 (run 2)::flaky: [medium] medium problem \
                 (its scenario met --min-pass-rate)",
        ]
    );
    // Past the limit of ten warnings, the tenth counts the rest.
    let mut runs = flaky();
    for id in 3..=14 {
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
    let lines = annotations(&eval, PATHS);
    assert_eq!(lines.len(), MAX_WARNINGS);
    assert!(
        lines.iter().all(|l| l.starts_with("::warning ")),
        "{lines:?}"
    );
    assert_eq!(
        lines[9],
        "::warning title=vocera-gate::4 more flaky failures in scenarios that met \
             --min-pass-rate; every one is in the JSON report r.json and the JUnit report \
             vocera-junit.xml"
    );
}

#[test]
fn at_most_nine_errors_the_ninth_counting_the_rest() {
    let mut runs: Vec<Run> = (1..=12)
        .map(|i| run(i, "completed", Some(true), &["low"]))
        .collect();
    runs.push(run(13, "failed", None, &[]));
    let eval = eval_of(&runs, &[]);
    let lines = annotations(&eval, NONE);
    assert_eq!(
        lines.len(),
        MAX_ERRORS,
        "GitHub shows ten, the runner adds one"
    );
    assert!(
        lines[0].contains("run 13") && lines[0].contains("ended failed"),
        "errors first: {}",
        lines[0]
    );
    assert_eq!(
        lines[8],
        "::error title=vocera-gate::5 more runs did not pass (GitHub shows 10 errors a step); \
         every one is in the JSON report (pass --json PATH for one)"
    );
    let mut with_error = eval;
    with_error.stop = Stop::ApiFailed("the API refused the key".into());
    let with_error = annotations(&with_error, PATHS);
    assert_eq!(with_error.len(), MAX_ERRORS, "still nine");
    assert!(
        with_error[0].contains("the API refused the key"),
        "API error first: {}",
        with_error[0]
    );
    assert_eq!(
        with_error[8],
        "::error title=vocera-gate::6 more runs did not pass (GitHub shows 10 errors a step); \
         every one is in the JSON report r.json and the JUnit report vocera-junit.xml"
    );
    // Nine errors exactly: all shown, no count.
    let lines = annotations(&eval_of(&runs[4..], &[]), NONE);
    assert_eq!(lines.len(), 9);
    assert!(lines.iter().all(|l| l.contains("(run ")), "{lines:?}");
    // Errors and warnings have a limit each.
    let mut runs = flaky();
    runs.extend((100..=110).map(|i| run(i, "failed", None, &[])));
    let lines = annotations(&flaky_eval(&runs), NONE);
    let kinds: Vec<&str> = lines.iter().filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "::error").count(),
        9,
        "{lines:?}"
    );
    assert_eq!(kinds.last(), Some(&"::warning"), "{lines:?}");
}

#[test]
fn annotation_text_cannot_inject_commands() {
    let mut r = run(1, "completed", Some(true), &["high"]);
    r.scenario_name = Some("a:b,c".into());
    r.categories[0].name = "x\n::set-output name=verdict::passed%".into();
    let runs = [r];
    let lines = annotations(&eval_of(&runs, &[]), NONE);
    insta::assert_snapshot!(lines.join("\n"), @"::error title=vocera-gate%3A a%3Ab%2Cc (run 1)::[high] x ::set-output name=verdict::passed%25");
}

fn junit(path: &str) -> FullLists<'_> {
    FullLists {
        junit: path,
        json: "",
    }
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
    let text = outputs(&sample_eval(&runs), 1, junit("r.xml"), &mut counter());
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
    let text = outputs(&eval, 0, junit("a\nD12\nb"), &mut counter());
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
    let text = outputs(&eval, 1, junit("r.xml"), &mut counter());
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
    insta::assert_snapshot!(annotations(&sample_eval(&runs), NONE).join("\n"), @r#"
        ::error title=vocera-gate%3A Scenario 4 (run 4)::ended failed: agent hung up
        ::error title=vocera-gate%3A run 6::not returned by the API
        ::error title=vocera-gate%3A Scenario 5 (run 5)::still pending when waiting stopped
        ::error title=vocera-gate%3A Refund <over> "$100" (run 2)::[high] high problem
        ::error title=vocera-gate%3A Scenario 3 (run 3)::[medium] medium problem
        "#);
}

#[test]
fn a_list_output_over_one_megabyte_keeps_whole_entries_and_counts_the_rest() {
    let runs: Vec<Run> = (1..=20_000)
        .map(|id| {
            let mut r = run(id, "completed", Some(false), &["high"]);
            r.scenario_name = Some(format!("{id:05} ünïcødé scenario name of a usual length"));
            r.scenario_id = Some(id as i64);
            r
        })
        .collect();
    let mut eval = eval_of(&runs, &[]);
    eval.comparison = Some(crate::policy::baseline::Comparison {
        regressions: vec!["…and 3 more (see the --json report)".into()],
        ..Default::default()
    });
    let text = outputs(&eval, 1, PATHS, &mut counter());
    let read = read_outputs(&text);
    let failed = &read["failed-scenarios"];
    let value_len = failed.iter().map(|l| l.len() + 1).sum::<usize>() - 1;
    assert!(value_len <= OUTPUT_LIMIT, "{value_len}");
    let (note, names) = failed.split_last().expect("lines");
    let left_out = 20_000 - names.len();
    assert!(left_out > 0 && names.len() > 10_000, "{}", names.len());
    assert_eq!(
        note,
        &format!("… and {left_out} more (the full list is in the JSON report r.json)")
    );
    assert!(
        names.iter().all(|n| n.ends_with("usual length")),
        "whole names"
    );
    assert_eq!(names[0], "00001 ünïcødé scenario name of a usual length");
    assert!(
        names.iter().all(|n| !n.starts_with('…')),
        "no name reads as the count"
    );
    assert_eq!(
        read["regressions"],
        ["\\u{2026}and 3 more (see the --json report)"],
        "a name that looks like the count is escaped"
    );
    let ids = &read["run-ids"][0];
    assert!(
        ids.len() < OUTPUT_LIMIT && ids.ends_with(",20000"),
        "under the limit: whole"
    );
    let small = outputs(&sample_eval(&sample()), 1, PATHS, &mut counter());
    assert!(!small.contains('…'), "no count below the limit: {small}");
}

#[test]
fn an_error_annotation_is_one_escaped_command() {
    assert_eq!(
        error_annotation(
            "vocera-gate: usage error",
            "no key\n::set-output x::y, 100%"
        ),
        "::error title=vocera-gate%3A usage error::no key ::set-output x::y, 100%25"
    );
}
