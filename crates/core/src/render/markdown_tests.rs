use super::*;
use crate::model::Run;
use crate::policy::fixtures::{eval_of, flaky, flaky_eval, run, sample, sample_eval};

#[test]
fn a_tolerated_failure_reads_flaky_and_is_counted_in_the_headline() {
    let runs = flaky();
    let eval = flaky_eval(&runs);
    assert!(eval.results[1].tolerated, "the scenario met its rate");
    let text = render(&eval);
    assert!(
        text.contains(
            "0 failed, 0 errored, 0 missing, 0 unfinished, \
             1 flaky failure in scenarios that met --min-pass-rate\n\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("| Flaky #2 | 2 | completed | 🟡 flaky | medium problem |"),
        "{text}"
    );
    assert!(!text.contains("❌ failed"), "{text}");
}

#[test]
fn summary_escapes_markdown_and_html_and_links_only_safe_urls() {
    let mut r = run(1, "completed", Some(false), &["high"]);
    r.categories[0].name = "<img src=x onerror=alert(1)> | [click](javascript:x)".into();
    r.recording_url = Some("https://rec.example/a.mp3".into());
    let mut bad = run(2, "completed", Some(true), &[]);
    bad.recording_url = Some("javascript:alert(1)".into());
    let runs = [r, bad];
    let text = render(&eval_of(&runs, &[]));
    assert!(text.starts_with("### ❌ vocera-gate: failed"), "{text}");
    assert!(!text.contains("Result 9"), "no result: {text}");
    let mut with_result = eval_of(&runs, &[]);
    with_result.result_id = Some(9876);
    assert!(
        render(&with_result).contains("failed\n\nResult 9876\n\nScore"),
        "the result under the heading"
    );
    assert!(
        text.contains("&lt;img src=x onerror=alert(1)&gt; \\| \\[click\\](javascript:x)"),
        "{text}"
    );
    assert!(
        text.contains("[▶ listen](https://rec.example/a.mp3)"),
        "{text}"
    );
    assert!(
        !text.contains("listen](javascript"),
        "unsafe link dropped: {text}"
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| ---"))
            .count(),
        3,
        "header and two runs"
    );
}

#[test]
fn bare_urls_in_run_text_are_no_links_but_recordings_are() {
    let mut runs = [run(1, "completed", Some(false), &["high"])];
    runs[0].scenario_name = Some("Call https://evil.example/login now".into());
    runs[0].categories[0].name = "see www.evil.example or mail help@evil.example".into();
    runs[0].recording_url = Some("https://rec.example/a.mp3".into());
    let text = render(&eval_of(&runs, &[]));
    let kept = [
        "Call https:\u{200d}//evil.example/login now",
        "see www\u{200d}.evil.example",
        "help\u{200d}@\u{200d}evil.example",
        "[▶ listen](https://rec.example/a.mp3)",
    ];
    let found: Vec<bool> = kept.iter().map(|k| text.contains(k)).collect();
    assert_eq!(found, [true; 4], "{text}");
    assert_eq!(
        text.matches("https://").count(),
        1,
        "only the recording: {text}"
    );
}

#[test]
fn the_detail_shows_how_the_top_category_showed_and_reviewers_notes() {
    let mut v2 = run(1, "completed", Some(false), &["low", "high"]);
    v2.categories[1].detail = "skipped the *ID* check\nthen | hung up".into();
    v2.categories[1].feedback = Some("agreed".into());
    v2.feedback = Some("<b>rude</b> caller".into());
    let mut bare = run(2, "completed", Some(false), &["high"]);
    bare.categories[0].detail = " ".into();
    let mut noted = run(3, "completed", Some(true), &[]);
    noted.feedback = Some("fine".into());
    let runs = [v2, bare, noted];
    let text = render(&eval_of(&runs, &[]));
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("| Scenario "))
        .collect();
    assert_eq!(rows.len(), 4, "header and three runs: {text}");
    assert!(
        rows[1].ends_with(
            "| high problem | high | skipped the \\*ID\\* check then \\| hung up · \
             reviewer: agreed · reviewer on the run: &lt;b&gt;rude&lt;/b&gt; caller |  |"
        ),
        "{text}"
    );
    assert!(rows[2].ends_with("| high problem | high |  |  |"), "{text}");
    assert!(
        rows[3].ends_with("| ✅ passed |  |  | reviewer on the run: fine |  |"),
        "{text}"
    );
}

#[test]
fn summary_snapshot() {
    let runs = sample();
    insta::assert_snapshot!(render(&sample_eval(&runs)));
}

/// The rows of the table of runs in `text`.
fn run_rows(text: &str) -> Vec<&str> {
    let rows = text
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| ---"));
    rows.filter(|l| !l.starts_with("| Scenario |")).collect()
}

#[test]
fn a_summary_over_its_limit_keeps_whole_rows_failing_first_and_says_where_the_rest_is() {
    let mut runs: Vec<Run> = (1..=300)
        .map(|i| run(i, "completed", Some(true), &[]))
        .collect();
    for i in 301..=400 {
        let mut r = run(i, "completed", Some(false), &["high"]);
        r.scenario_name = Some(format!("Ünïcødé scenario №{i} 🎧"));
        runs.push(r);
    }
    let eval = eval_of(&runs, &[]);
    let whole = render(&eval);
    assert_eq!(run_rows(&whole).len(), 400, "every row below the limit");
    let lists = FullLists {
        junit: "out/vocera_junit.xml",
        json: "out/r.json",
    };
    assert_eq!(
        render_within(&eval, whole.len(), lists),
        whole,
        "byte-identical at the limit"
    );
    let limit = whole.len() / 2;
    let cut = render_within(&eval, limit, lists);
    assert!(cut.len() <= limit, "{} > {limit}", cut.len());
    let rows = run_rows(&cut);
    assert!(rows.len() > 100 && rows.len() < 400, "{}", rows.len());
    assert!(rows.iter().all(|r| r.ends_with(" |")), "whole rows");
    assert!(
        rows[..100].iter().all(|r| r.contains("❌ failed")),
        "the failing rows first"
    );
    let left_out = 400 - rows.len();
    assert!(
        cut.ends_with(&format!(
            "|\n\n_… and {left_out} more runs left out to keep this summary under GitHub's 1 MiB \
             limit; every one is in the JSON report `out/r.json` and the JUnit report \
             `out/vocera\\_junit.xml`._\n"
        )),
        "{}",
        &cut[cut.len() - 300..]
    );
    assert!(whole.starts_with(&cut[..cut.find("| Scenario |").unwrap_or(0)]));
}

#[test]
fn each_cut_list_says_how_many_it_left_out() {
    // Rows of 120 bytes: three names, two reasons.
    let name = |c: char, first: bool| {
        let sep = if first { "" } else { "; " };
        format!("{sep}{}", c.to_string().repeat(120 - sep.len()))
    };
    let names = vec![name('a', true), name('b', false), name('c', false)];
    let reason = |c: char| format!("- {}\n", c.to_string().repeat(117));
    let reasons = vec![reason('x'), reason('y')];
    let doc = || {
        let mut doc = Doc::default();
        doc.push_str("- regressions: ");
        doc.rows(names.clone(), 3, Note::Names);
        doc.push_str("\nThe gate failed because:\n\n");
        doc.rows(reasons.clone(), 2, Note::Bullets("reasons"));
        doc
    };
    let lists = FullLists {
        junit: "",
        json: "r.json",
    };
    let full = format!(
        "- regressions: {}\nThe gate failed because:\n\n{}",
        names.concat(),
        reasons.concat()
    );
    assert_eq!(
        doc().finish(full.len(), lists),
        full,
        "untouched at its size"
    );
    // One byte less: room, beside the text and both notes at their
    // longest, for 439 bytes of rows: in turns a, x, b; y and c do not fit.
    let cut = doc().finish(full.len() - 1, lists);
    assert_eq!(
        cut,
        format!(
            "- regressions: {}{}; … and 1 more (every one is in the JSON report `r.json`)\n\
             The gate failed because:\n\n{}- … and 1 more reasons; every one is in the JSON \
             report `r.json`\n",
            names[0], names[1], reasons[0]
        )
    );
    assert!(cut.len() < full.len());
}

#[test]
fn an_error_summary_gives_the_reason_inert_and_the_advice_as_written() {
    let text = error_summary(
        2,
        "no `key`\n<b>here</b>",
        &["Fix it:\n- `a`", "See [docs](x)."],
    );
    assert_eq!(
        text,
        "### ⚠️ vocera-gate: error (exit 2)\n\n**no \\`key\\` &lt;b&gt;here&lt;/b&gt;**\n\n\
         Fix it:\n- `a`\n\nSee [docs](x).\n\n"
    );
}

#[test]
fn the_summary_names_the_baselines_commit_and_age_and_warns_when_stale() {
    use crate::policy::fixtures::{SHA, compared};
    let runs = [run(1, "completed", Some(true), &[])];
    let summary = render(&compared(&runs, Some(SHA), Some(10)));
    assert!(
        summary.contains(
            "Baseline: commit 0123456 (10 days old)\n\n⚠ The baseline is 10 days old: run the gate on the default branch to refresh it\n\n**Compared with the baseline:**"
        ),
        "{summary}"
    );
    let summary = render(&compared(&runs, Some(SHA), Some(6)));
    assert!(summary.contains("Baseline: commit 0123456 (6 days old)\n\n**Compared"));
    assert!(!summary.contains('⚠'), "not older than 7 days: {summary}");
    let summary = render(&compared(&runs, None, None));
    assert!(!summary.contains("Baseline:") && summary.contains("**Compared"));
    let summary = render(&compared(&runs, Some("<img src=x>_*"), None));
    assert!(
        summary.contains("Baseline: commit &lt;img src=x&gt;\\_\\*\n"),
        "escaped like run text: {summary}"
    );
}
