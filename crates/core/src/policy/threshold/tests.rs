//! Per-run checks and aggregates, unit-tested.

use super::*;
use crate::policy::fixtures::run;

fn with(id: u64, metrics: Vec<Metric>) -> Run {
    let mut r = run(id, "completed", Some(true), &[]);
    r.metrics = metrics;
    r
}

fn number(name: &str, v: f64) -> Metric {
    Metric {
        name: name.into(),
        value: Some(v.to_string()),
        number: Some(v),
        ..Metric::default()
    }
}

fn binary(name: &str, v: bool) -> Metric {
    Metric {
        name: name.into(),
        value: Some(v.to_string()),
        passed: Some(v),
        ..Metric::default()
    }
}

fn t(s: &str) -> Threshold {
    s.parse().unwrap_or_else(|e| panic!("{e}"))
}

fn agg(s: &str, values: &[f64]) -> f64 {
    let runs: Vec<Run> = values
        .iter()
        .enumerate()
        .map(|(i, v)| with(i as u64 + 1, vec![number("L", *v)]))
        .collect();
    aggregate(&t(s), runs.iter())
        .unwrap_or_else(|e| panic!("{s}: {e:?}"))
        .value
}

#[test]
fn nearest_rank_percentiles_on_small_sets() {
    let four = [40.0, 10.0, 30.0, 20.0];
    assert_eq!(
        agg("med(L)<1", &four),
        20.0,
        "lower middle of an even count"
    );
    assert_eq!(agg("med(L)<1", &[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(agg("p25(L)<1", &four), 10.0);
    assert_eq!(agg("p26(L)<1", &four), 20.0);
    assert_eq!(agg("p75(L)<1", &four), 30.0);
    assert_eq!(agg("p99.9(L)<1", &four), 40.0);
    assert_eq!(agg("p(0.1)(L)<1", &four), 10.0, "never below the first");
    assert_eq!(
        agg("p95(L)<1", &[7.0]),
        7.0,
        "one value is every percentile"
    );
    let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
    for p in [7, 14, 28, 55, 56] {
        assert_eq!(
            agg(&format!("p{p}(L)<1"), &hundred),
            f64::from(p),
            "p{p} of 1..100 is {p}: exact, not ceil(0.07 * 100.0) = 8"
        );
    }
    let ten: Vec<f64> = (1..=10).map(f64::from).collect();
    assert_eq!(agg("p90(L)<1", &ten), 9.0);
    assert_eq!(agg("p91(L)<1", &ten), 10.0);
    assert_eq!(agg("avg(L)<1", &four), 25.0);
    assert_eq!(agg("min(L)<1", &four), 10.0);
    assert_eq!(agg("max(L)<1", &four), 40.0);
}

#[test]
fn a_rate_counts_the_runs_carrying_the_binary_metric() {
    let runs = [
        with(1, vec![binary("Goal", true)]),
        with(2, vec![binary("Goal", false)]),
        with(3, vec![binary("Goal", true)]),
        with(4, vec![]),
    ];
    let v = aggregate(&t("rate(Goal)>=0.9"), runs.iter()).expect("rate");
    assert_eq!(v.of, Some((2, 3)), "run 4 carries no Goal");
    assert_eq!(value_text(v), "0.667 (2/3)");
    let (row, mismatch) = measure_row(&t("rate(Goal)>=0.9"), runs.iter(), None, None);
    assert!(!row.passed && mismatch.is_none(), "{row:?}");
}

#[test]
fn aggregates_over_nothing_fail_closed_and_mismatches_are_named() {
    let runs = [with(1, vec![binary("Goal", true)]), with(2, vec![])];
    let (row, mismatch) = measure_row(&t("p95(Latency)<=2500"), runs.iter(), None, None);
    assert_eq!(row.measured, "no run carried Latency");
    assert!(!row.passed);
    assert_eq!(mismatch, None);
    let (row, mismatch) = measure_row(&t("avg(Goal)<=1"), runs.iter(), None, None);
    assert!(!row.passed);
    assert_eq!(
        mismatch.as_deref(),
        Some("metric Goal holds true/false (a binary metric), but avg(Goal)<=1 needs a number")
    );
}

#[test]
fn baseline_limits_move_by_their_offset() {
    let runs = [with(1, vec![number("L", 2100.0)])];
    let base = Some(Ok(Value {
        value: 2000.0,
        of: None,
    }));
    let (row, _) = measure_row(&t("max(L)<=baseline+10%"), runs.iter(), base, None);
    assert!(row.passed, "{row:?}");
    assert_eq!(row.limit, "2200 (2000 baseline+10%)");
    let base = Some(Ok(Value {
        value: 2000.0,
        of: None,
    }));
    let (row, _) = measure_row(&t("max(L)<=baseline+50"), runs.iter(), base, None);
    assert!(!row.passed, "2100 > 2050");
    let (row, _) = measure_row(
        &t("max(L)<=baseline"),
        runs.iter(),
        Some(Err(NoValue::Nothing("no run carried L".into()))),
        None,
    );
    assert!(!row.passed, "no baseline value fails closed");
    assert_eq!(row.limit, "the baseline has no value: no run carried L");
}

#[test]
fn per_run_checks_fail_closed_and_say_what_they_measured() {
    let thresholds = [
        t("Latency<=4000"),
        t("Goal==true"),
        t("Outcome!=escalated"),
        t("p95(Latency)<=1"),
    ];
    let good = with(
        1,
        vec![
            number("Latency", 3999.5),
            binary("Goal", true),
            Metric {
                name: "Outcome".into(),
                label: Some("resolved".into()),
                ..Metric::default()
            },
        ],
    );
    assert_eq!(
        breaches(&thresholds, &good),
        [],
        "aggregates are not per run"
    );
    let bad = with(2, vec![number("Latency", 5200.0), number("Goal", 1.0)]);
    let said: Vec<(String, bool)> = breaches(&thresholds, &bad)
        .into_iter()
        .map(|b| (b.said, b.mismatch))
        .collect();
    assert_eq!(
        said,
        [
            ("Latency 5200 (limit <= 4000)".to_owned(), false),
            (
                "metric Goal holds a number, but Goal==true needs true/false".to_owned(),
                true
            ),
            ("metric Outcome missing".to_owned(), false),
        ]
    );
}

fn label(name: &str, v: &str) -> Metric {
    Metric {
        name: name.into(),
        value: Some(v.into()),
        label: Some(v.into()),
        ..Metric::default()
    }
}

fn unreadable(name: &str, shown: &str, odd: &str) -> Metric {
    Metric {
        name: name.into(),
        value: Some(shown.into()),
        odd: Some(odd.into()),
        ..Metric::default()
    }
}

#[test]
fn one_run_of_another_kind_breaks_an_aggregate_naming_it() {
    let mut runs: Vec<Run> = (1..=3)
        .map(|id| with(id, vec![number("Latency", 1000.0)]))
        .collect();
    runs.push(with(184, vec![label("Latency", "timeout")]));
    let max = t("max(Latency)<=2000");
    assert_eq!(
        aggregate(&max, runs.iter()),
        Err(NoValue::Odd(
            "run 184 reads Latency as text \"timeout\", not a number".into()
        )),
        "leaving run 184 out would pass by accident"
    );
    let (row, mismatch) = measure_row(&max, runs.iter(), None, None);
    assert!(!row.passed, "{row:?}");
    assert_eq!(mismatch, None, "bad data, not a typo: no usage error");
    runs.push(with(185, vec![label("Latency", "timeout")]));
    assert_eq!(
        aggregate(&max, runs.iter()).map_err(|e| e.text().to_owned()),
        Err("run 184 reads Latency as text \"timeout\", not a number (and 1 more run)".into())
    );
    let mut goals: Vec<Run> = (1..=3)
        .map(|id| with(id, vec![binary("Goal", true)]))
        .collect();
    goals.push(with(4, vec![number("Goal", 0.0)]));
    let (row, mismatch) = measure_row(&t("rate(Goal)>=1"), goals.iter(), None, None);
    assert!(!row.passed);
    assert_eq!(
        row.measured,
        "run 4 reads Goal as a number (0), not true/false"
    );
    assert_eq!(mismatch, None);
}

#[test]
fn an_unreadable_reading_is_not_a_number_never_missing() {
    let runs = [
        with(1, vec![number("Latency", 900.0)]),
        with(
            2,
            vec![unreadable("Latency", "true", "score true is not a number")],
        ),
        with(
            3,
            vec![unreadable(
                "Latency",
                "NaN",
                "score \"NaN\" is not a number",
            )],
        ),
    ];
    let said: Vec<(String, bool)> = runs
        .iter()
        .flat_map(|r| breaches(&[t("Latency<=4000")], r))
        .map(|b| (b.said, b.mismatch))
        .collect();
    assert_eq!(
        said,
        [
            (
                "metric Latency unreadable: score true is not a number".to_owned(),
                true
            ),
            (
                "metric Latency unreadable: score \"NaN\" is not a number".to_owned(),
                true
            ),
        ]
    );
    assert_eq!(
        aggregate(&t("p95(Latency)<=4000"), runs.iter()),
        Err(NoValue::Odd(
            "run 2 cannot read Latency: score true is not a number (and 1 more run)".into()
        ))
    );
    let (row, mismatch) = measure_row(&t("avg(Latency)<=1"), runs[1..].iter(), None, None);
    assert!(!row.passed);
    assert_eq!(mismatch, None, "no run fits, but bad data is no typo");
    assert_eq!(
        unfit(&[t("Latency<=4000")], runs[1..].iter()),
        Vec::<String>::new()
    );
}

#[test]
fn a_per_run_threshold_is_a_typo_only_when_no_run_fits() {
    let numbers = [
        with(1, vec![number("Goal", 1.0)]),
        with(2, vec![number("Goal", 0.0)]),
    ];
    assert_eq!(
        unfit(
            &[t("Goal==true"), t("Goal>=1"), t("p95(Goal)<=1")],
            numbers.iter()
        ),
        ["metric Goal holds a number, but Goal==true needs true/false"],
        "aggregates are measure_row's to report"
    );
    let mixed = [
        with(1, vec![binary("Goal", true)]),
        with(2, vec![number("Goal", 0.0)]),
    ];
    assert_eq!(
        unfit(&[t("Goal==true")], mixed.iter()),
        Vec::<String>::new()
    );
    let broken = breaches(&[t("Goal==true")], &mixed[1]);
    assert_eq!(
        broken[0].said, "metric Goal holds a number, but Goal==true needs true/false",
        "the odd run still fails its check"
    );
    assert_eq!(
        unfit(&[t("Goal==true")], [with(3, vec![])].iter()),
        Vec::<String>::new()
    );
}

#[test]
fn numbers_show_three_decimals_at_most() {
    assert_eq!(number_text(2480.0), "2480");
    assert_eq!(number_text(0.875), "0.875");
    assert_eq!(number_text(1.0 / 3.0), "0.333");
    assert_eq!(number_text(-0.0001), "0");
    assert_eq!(number_text(3024.03), "3024.03");
}
