use super::*;
use crate::ending::Stop;
use crate::model::{Run, parse_runs};
use crate::policy::Policy;
use crate::policy::fixtures::{eval_in, eval_of, run};

/// The bundled example, `examples/runs.json`, as `replay` reads it.
fn example() -> Vec<Run> {
    let text = include_str!("../../../../examples/runs.json");
    let raw = parse_runs(text).expect("the example parses");
    raw.into_iter().map(|r| r.run).collect()
}

/// The links a GitHub Actions run gives.
fn ci_links() -> Links {
    Links {
        run_page: Some("https://github.com/acme/agent/actions/runs/123456".into()),
        commit: Some("9f8e7d6c5b4a".into()),
        recordings: false,
    }
}

/// The section the bundled example gives, as the docs show it.
pub(crate) fn example_section() -> String {
    let runs = example();
    let eval = eval_in(&Policy::default(), &runs, &[], Stop::Replayed);
    section(&eval, "gate", &ci_links()).full()
}

#[test]
fn example_comment_snapshot() {
    insta::assert_snapshot!(example_section(), @r#"
### ❌ vocera-gate: failed · gate

**Why:**

- weighted score 35 is above --max-score 0
- 1 unsuccessful run is above --max-failed-runs 0
- 2 runs ended with an error (failed, timeout, cancelled or unknown status)

Score **35** (max 0) · 8 runs: 2 passed, 4 failed, 2 errored, 0 missing, 0 unfinished

**Failing calls** (6, most severe first):

| scenario | run | what went wrong | categories |
| --- | --- | --- | --- |
| Refund request | 185 | ended failed: Agent phone number did not answer |  |
| run 187 | 187 | ended timeout |  |
| Cancel an appointment | 182 | \[high\] Agent failed to verify customer identity | Agent failed to verify customer identity (high); Agent read out the full card number (critical) |
| Unicode &amp; control characters &lt;ünïcødé&gt; | 188 | \[high\] Agent said  \[31mRED \[0m and nul ☃ 😀 ￾ end | Agent said  \[31mRED \[0m and nul ☃ 😀 ￾ end (high) |
| Ask about pricing | 183 | \[medium\] Agent quoted outdated pricing | Agent quoted outdated pricing (medium); Agent repeated itself (low) |
| Opening hours (v2 payload) | 186 | \[non-critical\] Agent was slow to answer | Agent was slow to answer (non-critical) |

<sub>[the CI run](https://github.com/acme/agent/actions/runs/123456) (its artifacts hold the reports) · commit `9f8e7d6c5b4a`</sub>
"#);
}

#[test]
fn run_text_forges_no_markup_marker_mention_or_link() {
    let mut r = run(1, "completed", Some(false), &["high"]);
    r.scenario_name = Some("<!-- vocera-gate --> @octocat #1 https://evil.example".into());
    r.categories[0].name = "<img src=x onerror=alert(1)> | [x](javascript:y) `z`".into();
    let runs = [r];
    let text = section(&eval_of(&runs, &[]), "job <!--", &Links::default()).full();
    assert!(!text.contains("<!--"), "{text}");
    assert!(!text.contains("<img"), "{text}");
    assert!(!text.contains("@octocat"), "{text}");
    assert!(!text.contains("#1 "), "{text}");
    assert!(!text.contains("https://"), "{text}");
    assert!(text.contains("\\[x\\](javascript"), "{text}");
    assert!(text.contains("\\| "), "{text}");
}

#[test]
fn recordings_are_linked_only_when_allowed() {
    let mut r = run(1, "completed", Some(false), &["high"]);
    r.recording_url = Some("https://rec.example/1.mp3".into());
    let runs = [r];
    let eval = eval_of(&runs, &[]);
    let off = section(&eval, "", &Links::default()).full();
    assert!(!off.contains("rec.example"), "{off}");
    let on = Links {
        recordings: true,
        ..Links::default()
    };
    let on = section(&eval, "", &on).full();
    assert!(
        on.contains("[▶ listen](https://rec.example/1.mp3) |"),
        "{on}"
    );
}

#[test]
fn a_large_run_is_cut_by_whole_rows_and_says_how_many_and_where() {
    let runs: Vec<Run> = (1..=20_000)
        .map(|id| {
            let mut r = run(id, "completed", Some(false), &["high"]);
            r.scenario_id = Some((id % 4000) as i64);
            r.scenario_name = Some(format!("Scenario number {id} with a long name"));
            r
        })
        .collect();
    let policy = Policy {
        min_pass_rate: "0.9".parse().ok(),
        ..Policy::default()
    };
    let eval = eval_in(&policy, &runs, &[], Stop::AllFinal);
    let section = section(&eval, "gate", &ci_links());
    let full = section.full();
    assert!(
        full.len() > MAX_COMMENT,
        "the test needs a cut: {}",
        full.len()
    );
    let cut = section.fit(MAX_COMMENT - 100);
    assert!(cut.len() <= MAX_COMMENT - 100, "{}", cut.len());
    assert!(
        cut.starts_with("### ❌ vocera-gate: failed · gate\n"),
        "{cut}"
    );
    let note = "more scenarios left out to keep the comment under GitHub's limit: see the \
                [run page](https://github.com/acme/agent/actions/runs/123456)'s artifacts, or \
                the --json report.";
    assert!(cut.contains(note), "{}", &cut[cut.len() - 2000..]);
    assert!(
        cut.contains("**Failing calls** (the first 10 of 20000"),
        "the calls kept"
    );
    // Each row is whole: every table line ends its row.
    let rows = cut.lines().filter(|l| l.starts_with("| ")).count();
    let ended = cut
        .lines()
        .filter(|l| l.starts_with("| ") && l.ends_with(" |"))
        .count();
    assert_eq!(rows, ended);
}

#[test]
fn a_passing_gate_says_so_and_is_not_failing() {
    let runs = [run(1, "completed", Some(true), &[])];
    let s = section(&eval_of(&runs, &[]), "gate", &Links::default());
    assert!(!s.failing);
    let text = s.full();
    assert!(
        text.starts_with("### ✅ vocera-gate: passed · gate\n\nEvery rule"),
        "{text}"
    );
    assert!(!text.contains("Failing calls"), "{text}");
}

#[test]
fn the_guide_shows_the_example_comment_exactly() {
    let guide = include_str!("../../../../docs/guide.md");
    let shown = format!("```markdown\n{}```\n", example_section());
    assert!(
        guide.contains("\n## Pull-request comment\n") && guide.contains(&shown),
        "docs/guide.md's example comment differs from the renderer's; paste:\n{shown}"
    );
    let readme = include_str!("../../../../README.md");
    assert!(
        readme.contains(&shown),
        "README.md's example comment differs from the renderer's; paste:\n{shown}"
    );
}

#[test]
fn the_comment_names_the_baselines_commit_and_age_and_warns_when_stale() {
    use crate::policy::fixtures::{SHA, compared};
    let runs = [run(1, "completed", Some(true), &[])];
    let text = section(&compared(&runs, Some(SHA), Some(10)), "", &Links::default()).full();
    assert!(
        text.contains(
            "Baseline: commit 0123456 (10 days old)\n\n⚠ The baseline is 10 days old: run the gate on the default branch to refresh it\n\n**Compared with the baseline:**"
        ),
        "{text}"
    );
    let text = section(&compared(&runs, Some(SHA), Some(2)), "", &Links::default()).full();
    assert!(
        text.contains("Baseline: commit 0123456 (2 days old)\n\n**Compared") && !text.contains('⚠')
    );
    let text = section(&compared(&runs, None, None), "", &Links::default()).full();
    assert!(!text.contains("Baseline:"), "{text}");
    let text = section(
        &compared(&runs, Some("@team #1"), None),
        "",
        &Links::default(),
    )
    .full();
    assert!(
        text.contains("Baseline: commit @\u{200d}team #\u{200d}1\n"),
        "no mention, no reference: {text}"
    );
}
