use super::runs::origin;
use super::*;
use crate::ending::Stop;
use crate::model::{Metric, Run, parse_runs};
use crate::policy::Policy;
use crate::policy::fixtures::{eval_in, run, sample, sample_eval};

const HOSTILE: &str = "<img src=x onerror=alert(1)>";

fn hostile_runs() -> Vec<Run> {
    let mut bad = run(1, "completed", Some(false), &["high"]);
    bad.scenario_name = Some(format!(
        "{HOSTILE}</title></style><script>alert(2)</script>"
    ));
    bad.categories[0].name = format!("'\"{HOSTILE}");
    bad.categories[0].detail = "</style><style>body{display:none}</style>".into();
    bad.categories[0].feedback = Some("<a href=\"javascript:alert(3)\">x</a>".into());
    bad.feedback = Some("\" onmouseover=\"alert(4)".into());
    bad.error_message = Some("</pre><iframe src=//evil>".into());
    bad.transcript = Some(format!("Main Agent: {HOSTILE}\nTesting Agent: ok"));
    bad.recording_url = Some("javascript:alert(5)".into());
    bad.metrics = vec![Metric {
        name: "Latency \"&'x".into(),
        value: Some("5200".into()),
        number: Some(5200.0),
        ..Metric::default()
    }];
    let mut good = run(2, "completed", Some(true), &[]);
    good.recording_url = Some("https://rec.example:8443/2.mp3?x=1&y=2".into());
    let mut other = run(3, "completed", Some(true), &[]);
    other.recording_url = Some("https://user@evil.example/3.mp3".into());
    vec![bad, good, other]
}

fn render_with(runs: &[Run], include_recordings: bool) -> String {
    let policy = Policy::default();
    let eval = eval_in(&policy, runs, &[], Stop::AllFinal);
    let options = Options {
        include_transcript: true,
        include_recordings,
        thresholds: &[],
    };
    render(&eval, options)
}

/// The page's text with its markup removed: every `<` left is one we wrote.
fn tags(page: &str) -> Vec<&str> {
    page.split('<')
        .skip(1)
        .map(|s| s.split([' ', '>', '/', '\n']).next().unwrap_or(""))
        .collect()
}

#[test]
fn hostile_run_text_stays_text() {
    let page = render_with(&hostile_runs(), true);
    assert!(!page.contains(HOSTILE), "{page}");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("&lt;/title&gt;&lt;/style&gt;&lt;script&gt;"));
    assert!(page.contains("&#39;&quot;&lt;img"), "both quotes escaped");
    assert!(page.contains("&quot; onmouseover=&quot;alert(4)"));
    let allowed = [
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "p",
        "ul", "li", "strong", "table", "tr", "th", "td", "section", "span", "details", "summary",
        "ol", "b", "br", "svg", "rect", "text", "line", "audio", "",
    ];
    for tag in tags(&page) {
        assert!(allowed.contains(&tag), "unexpected <{tag} in {page}");
    }
    assert_eq!(page.matches("<title>").count(), 1);
    assert_eq!(page.matches("<style>").count(), 1);
    assert!(!page.to_lowercase().contains("<script"));
    assert!(
        !page.contains("javascript:alert(5)"),
        "a javascript: recording is dropped"
    );
}

#[test]
fn the_policy_allows_no_script_and_media_only_from_the_recordings() {
    let runs = hostile_runs();
    let head = |page: &str| page.split("</head>").next().unwrap_or("").to_owned();
    let off = head(&render_with(&runs, false));
    assert!(off.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; media-src 'none'; base-uri 'none'; form-action 'none'\">"
    ), "{off}");
    let on = head(&render_with(&runs, true));
    assert!(on.contains("media-src https://rec.example:8443;"), "{on}");
    assert!(
        !on.contains("evil"),
        "a URL with a user name is dropped: {on}"
    );
    assert!(
        off.find("Content-Security-Policy") < off.find("<title>"),
        "the policy comes before anything else"
    );
}

#[test]
fn players_only_when_allowed_and_only_for_http() {
    let runs = hostile_runs();
    let off = render_with(&runs, false);
    assert!(!off.contains("<audio"), "recordings are off by default");
    assert!(!off.contains("rec.example"));
    let on = render_with(&runs, true);
    assert_eq!(on.matches("<audio").count(), 1, "{on}");
    assert!(on.contains(
        "<audio controls preload=\"none\" src=\"https://rec.example:8443/2.mp3?x=1&amp;y=2\"></audio>"
    ));
    for bad in [
        "javascript:alert(1)",
        "data:audio/mp3;base64,AAAA",
        "https://a.example/x\"onload=\"y",
        "https://",
        "https://user:pw@a.example/x",
        "https://a.example:99999/x",
        "ftp://a.example/x",
        " https://a.example/x",
    ] {
        assert_eq!(origin(bad), None, "{bad}");
    }
    assert_eq!(
        origin("HTTPS://A.example/x").as_deref(),
        Some("https://a.example")
    );
    assert_eq!(
        origin("http://a.example").as_deref(),
        Some("http://a.example")
    );
}

#[test]
fn the_transcript_shows_turn_by_turn_only_when_asked() {
    let runs = hostile_runs();
    let eval = eval_in(&Policy::default(), &runs, &[], Stop::AllFinal);
    let without = render(&eval, Options::default());
    assert!(!without.contains("Transcript"));
    let with = render_with(&runs, false);
    assert!(
        with.contains("<li><b>Main Agent</b>&lt;img src=x"),
        "{with}"
    );
    assert!(with.contains("<li><b>Testing Agent</b>ok</li>"));
}

#[test]
fn same_evaluation_same_bytes() {
    let runs = hostile_runs();
    assert_eq!(render_with(&runs, true), render_with(&runs, true));
}

#[test]
fn the_verdict_and_why_come_first_and_metrics_meet_their_thresholds() {
    let mut runs = hostile_runs();
    runs[1].metrics = vec![Metric {
        name: runs[0].metrics[0].name.clone(),
        value: Some("900".into()),
        number: Some(900.0),
        ..Metric::default()
    }];
    let metric = runs[0].metrics[0].name.clone();
    let thresholds: Vec<Threshold> = [format!("{metric} < 4000"), format!("p95({metric}) < 5000")]
        .iter()
        .map(|t| t.parse().expect("a threshold"))
        .collect();
    let policy = Policy {
        thresholds: thresholds.clone(),
        ..Policy::default()
    };
    let eval = eval_in(&policy, &runs, &[], Stop::AllFinal);
    let options = Options {
        thresholds: &thresholds,
        ..Options::default()
    };
    let page = render(&eval, options);
    let body = page.split("<body>").nth(1).unwrap_or("");
    assert!(
        body.starts_with(
            "\n<h1 class=\"failed\">vocera-gate: failed</h1>\n<p>The gate failed because:</p>"
        ),
        "{body}"
    );
    assert!(page.contains("&lt; 4000: broken: "), "{page}");
    assert!(page.contains("&lt; 4000: holds"), "{page}");
    assert!(page.contains("over the runs, see Thresholds"));
    assert!(
        page.contains("<h3>Distribution of Latency &quot;&amp;&#39;x</h3>"),
        "{page}"
    );
    assert_eq!(
        page.matches("stroke=\"#b42318\"").count(),
        2,
        "both limits marked"
    );
    assert!(page.contains("<h2>Pass rate by scenario</h2>"));
}

#[test]
fn the_passing_runs_are_folded_after_the_others() {
    let runs = sample();
    let page = render(&sample_eval(&runs), Options::default());
    let folded = page.find("<details>\n<summary>Runs that passed (1)</summary>");
    let failing = page.find("<h2>Runs that did not pass (5)</h2>");
    assert!(failing.is_some() && folded > failing, "{page}");
    assert!(
        page.contains("<section class=\"run\" id=\"run-6\">"),
        "the missing run too"
    );
}

#[test]
fn bundled_example_snapshot() {
    let body = include_str!("../../../../../examples/runs.json");
    let runs: Vec<Run> = parse_runs(body)
        .expect("the example parses")
        .into_iter()
        .map(|r| r.run)
        .collect();
    let thresholds: Vec<Threshold> = ["Latency < 4000", "p95(Latency) < 3500"]
        .iter()
        .map(|t| t.parse().expect("a threshold"))
        .collect();
    let policy = Policy {
        thresholds: thresholds.clone(),
        ..Policy::default()
    };
    let eval = eval_in(&policy, &runs, &[], Stop::Replayed);
    let options = Options {
        include_transcript: true,
        include_recordings: true,
        thresholds: &thresholds,
    };
    let page = render(&eval, options);
    let errored = page.split("id=\"run-185\"").nth(1).unwrap_or("");
    assert!(
        errored.contains("Latency &lt; 4000: not judged (not completed)"),
        "{page}"
    );
    insta::assert_snapshot!(page);
}

#[test]
fn the_comparison_names_the_baselines_commit_and_age_and_warns_when_stale() {
    use crate::policy::fixtures::{SHA, compared};
    let runs = [run(1, "completed", Some(true), &[])];
    let page = render(&compared(&runs, Some(SHA), Some(10)), Options::default());
    assert!(
        page.contains(
            "<h2>Compared with the baseline</h2>\n<p>Baseline: commit 0123456 (10 days old)</p>\n<p class=\"bad\">⚠ The baseline is 10 days old: run the gate on the default branch to refresh it</p>\n<ul>"
        ),
        "{page}"
    );
    let page = render(&compared(&runs, Some(SHA), Some(1)), Options::default());
    assert!(page.contains("<p>Baseline: commit 0123456 (1 day old)</p>\n<ul>"));
    let page = render(&compared(&runs, None, None), Options::default());
    assert!(
        page.contains("<h2>Compared with the baseline</h2>\n<ul>") && !page.contains("Baseline:")
    );
    let page = render(
        &compared(&runs, Some("<img src=x onerror=alert(1)>"), None),
        Options::default(),
    );
    assert!(
        page.contains("<p>Baseline: commit &lt;img src=x onerror=alert(1)&gt;</p>"),
        "{page}"
    );
}

#[test]
fn explanations_show_escaped_for_runs_that_did_not_pass_and_fold_when_long() {
    let mut runs = hostile_runs();
    let long = format!("{HOSTILE} {}", "slow ".repeat(80));
    runs[0].metrics[0].explanation = vec![format!("'\"{HOSTILE}"), "second reason".into()];
    runs[0].metrics.push(Metric {
        name: "Goal".into(),
        value: Some("false".into()),
        passed: Some(false),
        explanation: vec![long.clone()],
        ..Metric::default()
    });
    runs[1].metrics = vec![Metric {
        name: "Goal".into(),
        explanation: vec!["passed-run reason".into()],
        ..Metric::default()
    }];
    let page = render_with(&runs, false);
    assert!(!page.contains(HOSTILE), "{page}");
    assert!(
        page.contains("<td>&#39;&quot;&lt;img src=x onerror=alert(1)&gt;<br>second reason</td>"),
        "{page}"
    );
    let folded = "<td><details style=\"margin:0\"><summary>&lt;img src=x onerror=alert(1)&gt; slow";
    assert!(page.contains(folded), "{page}");
    let escaped_long = long.replace('<', "&lt;").replace('>', "&gt;");
    assert!(
        page.contains(&format!("…</summary>{escaped_long}</details></td>")),
        "the whole text below the fold: {page}"
    );
    assert!(
        !page.contains("passed-run reason"),
        "a passing run's explanation is not shown"
    );
    for tag in tags(&page) {
        assert!(
            !["img", "script", "a", "iframe"].contains(&tag),
            "<{tag} in {page}"
        );
    }
}
