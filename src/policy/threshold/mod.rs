//! Metric thresholds: a per-run check fails the run that breaks it; an
//! aggregate (`p95(Latency)<=2500`) is measured over the completed runs (or
//! each scenario's, with `--threshold-scope scenario`) and fails the gate.
//! Fail closed: a finished run without the metric breaks a per-run check,
//! and an aggregate over no value fails.

mod expr;

pub use expr::{Aggregate, BadThreshold, Limit, Offset, Op, Threshold};

use crate::model::{Metric, MetricKinds, Run};
use std::fmt::Write as _;

/// Where aggregates are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Over every completed run.
    #[default]
    All,
    /// Over each scenario's completed runs; every scenario must hold.
    Scenario,
}

/// A per-run threshold a run broke.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    /// The expression, as written.
    pub threshold: String,
    /// What was measured: `Latency 5200 (limit <= 4000)`, `metric Latency missing`.
    pub said: String,
    /// The metric is there but cannot be compared so (a `<` on an enum).
    pub mismatch: bool,
}

/// Checks one completed run against the per-run thresholds.
pub fn breaches(thresholds: &[Threshold], run: &Run) -> Vec<Breach> {
    thresholds
        .iter()
        .filter(|t| t.aggregate.is_none())
        .filter_map(|t| {
            let breach = |said: String, mismatch| Breach {
                threshold: t.text.clone(),
                said,
                mismatch,
            };
            // A metric sent without a value (`"score": null`) is as missing.
            let Some(metric) = run
                .metric(&t.metric)
                .filter(|m| m.kinds() != MetricKinds::default())
            else {
                return Some(breach(format!("metric {} missing", t.metric), false));
            };
            let (held, shown) = match (&t.limit, metric) {
                (
                    Limit::Number(n),
                    Metric {
                        number: Some(v), ..
                    },
                ) => (t.op.holds(*v, *n), number_text(*v)),
                (
                    Limit::Bool(b),
                    Metric {
                        passed: Some(v), ..
                    },
                ) => (t.op.holds(v, b), v.to_string()),
                (Limit::Label(l), Metric { label: Some(v), .. }) => {
                    (t.op.holds(v.as_str(), l.as_str()), v.clone())
                }
                _ => return Some(breach(mismatch(t, metric), true)),
            };
            (!held).then(|| {
                breach(
                    format!(
                        "{} {shown} (limit {} {})",
                        t.metric,
                        t.op.symbol(),
                        t.limit_text
                    ),
                    false,
                )
            })
        })
        .collect()
}

/// Why a metric's value cannot be compared as the threshold asks.
fn mismatch(t: &Threshold, metric: &Metric) -> String {
    let has = if metric.number.is_some() {
        "a number"
    } else if metric.passed.is_some() {
        "true/false (a binary metric)"
    } else if metric.label.is_some() {
        "text (an enum metric)"
    } else {
        "no value"
    };
    let wants = match (&t.aggregate, &t.limit) {
        (Some(Aggregate::Rate), _) => "true/false",
        (Some(_), _) | (None, Limit::Number(_)) => "a number",
        (None, Limit::Bool(_)) => "true/false",
        _ => "text",
    };
    format!(
        "metric {} holds {has}, but {} needs {wants}",
        t.metric, t.text
    )
}

/// An aggregate threshold, measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub text: String,
    pub op: Op,
    /// The limit as written (`2500`, `baseline+10%`).
    pub limit_text: String,
    pub passed: bool,
    /// One row per scope: one with `--threshold-scope all`, one per
    /// scenario with `scenario` (failing ones first).
    pub rows: Vec<Row>,
}

/// An aggregate over one set of runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The scenario's name under `--threshold-scope scenario`.
    pub scenario: Option<String>,
    /// `2480`, `0.875 (7/8)`, or why there is none (`no run carried Latency`).
    pub measured: String,
    /// The limit applied: `2500`, `2200 (baseline 2000 +10%)`.
    pub limit: String,
    pub passed: bool,
    /// Broken on the runs finished so far while others are still running:
    /// not final, so no reason the gate failed (the verdict is unfinished).
    pub pending: bool,
}

impl Row {
    /// `holds`, `broken`, or `not final` (broken so far, runs unfinished).
    pub fn word(&self) -> &'static str {
        match (self.passed, self.pending) {
            (true, _) => "holds",
            (false, true) => "not final",
            (false, false) => "broken",
        }
    }
}

/// The value an aggregate reduces a set of runs to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    pub value: f64,
    /// For a rate: passed and carried.
    pub of: Option<(usize, usize)>,
}

/// Why an aggregate has no value.
#[derive(Debug, Clone, PartialEq)]
pub enum NoValue {
    /// No run carried the metric (`no run carried Latency`).
    Nothing(String),
    /// Runs carried it, but not as the threshold compares it.
    Mismatch(String),
}

impl NoValue {
    pub fn text(&self) -> &str {
        match self {
            NoValue::Nothing(s) | NoValue::Mismatch(s) => s,
        }
    }
}

/// Reduces the runs' readings of the metric; `Err` says why there is none.
pub fn aggregate<'a>(t: &Threshold, runs: impl Iterator<Item = &'a Run>) -> Result<Value, NoValue> {
    let Some(aggregate) = &t.aggregate else {
        return Err(NoValue::Nothing("not an aggregate".into()));
    };
    let mut numbers: Vec<f64> = Vec::new();
    let (mut passed, mut carried) = (0usize, 0usize);
    let mut odd: Option<String> = None;
    for run in runs {
        let Some(metric) = run
            .metric(&t.metric)
            .filter(|m| m.kinds() != MetricKinds::default())
        else {
            continue;
        };
        match (aggregate, metric.number, metric.passed) {
            (Aggregate::Rate, _, Some(p)) => {
                carried += 1;
                passed += usize::from(p);
            }
            (Aggregate::Rate, _, None) | (_, None, _) => {
                odd.get_or_insert_with(|| mismatch(t, metric));
            }
            (_, Some(n), _) => numbers.push(n),
        }
    }
    let none = |odd: Option<String>| match odd {
        Some(why) => NoValue::Mismatch(why),
        None => NoValue::Nothing(format!("no run carried {}", t.metric)),
    };
    if let Aggregate::Rate = aggregate {
        if carried == 0 {
            return Err(none(odd));
        }
        return Ok(Value {
            value: passed as f64 / carried as f64,
            of: Some((passed, carried)),
        });
    }
    if numbers.is_empty() {
        return Err(none(odd));
    }
    numbers.sort_by(f64::total_cmp);
    let n = numbers.len();
    // Nearest rank, exactly: the smallest value with at least num/den of
    // the values at or below it, ceil(n * num / den), counted from 1.
    let rank = |num: u64, den: u64| -> usize {
        let scaled = n as u128 * u128::from(num);
        let rank = scaled.div_ceil(u128::from(den)) as usize;
        rank.clamp(1, n) - 1
    };
    let value = match aggregate {
        Aggregate::Avg => numbers.iter().sum::<f64>() / n as f64,
        Aggregate::Min => numbers[0],
        Aggregate::Max => numbers[n - 1],
        Aggregate::Med => numbers[rank(1, 2)],
        Aggregate::Percentile { num, den } => numbers[rank(*num, *den)],
        Aggregate::Rate => 0.0,
    };
    Ok(Value { value, of: None })
}

/// Measures an aggregate threshold over one set of runs; `base` is the
/// same aggregate over the baseline's runs, when the limit needs it.
pub fn measure_row<'a>(
    t: &Threshold,
    runs: impl Iterator<Item = &'a Run>,
    base: Option<Result<Value, NoValue>>,
    scenario: Option<String>,
) -> (Row, Option<String>) {
    let limit = match (&t.limit, base) {
        (Limit::Number(n), _) => Ok((*n, number_text(*n))),
        (Limit::Baseline(offset), Some(Ok(base))) => {
            let limit = offset.apply(base.value);
            Ok((
                limit,
                format!(
                    "{} ({} {})",
                    number_text(limit),
                    number_text(base.value),
                    t.limit_text
                ),
            ))
        }
        (Limit::Baseline(_), Some(Err(why))) => {
            Err(format!("the baseline has no value: {}", why.text()))
        }
        _ => Err("no baseline to compare with".to_owned()),
    };
    let value = aggregate(t, runs);
    let mismatch = match &value {
        Err(NoValue::Mismatch(why)) => Some(why.clone()),
        _ => None,
    };
    let value = value.map_err(|why| why.text().to_owned());
    let row = match (value, limit) {
        (Ok(v), Ok((limit, limit_text))) => Row {
            scenario,
            measured: value_text(v),
            limit: limit_text,
            passed: t.op.holds(v.value, limit),
            pending: false,
        },
        (Ok(v), Err(why)) => Row {
            scenario,
            measured: value_text(v),
            limit: why,
            passed: false,
            pending: false,
        },
        (Err(why), Ok((_, limit_text))) => Row {
            scenario,
            measured: why,
            limit: limit_text,
            passed: false,
            pending: false,
        },
        (Err(why), Err(limit)) => Row {
            scenario,
            measured: why,
            limit,
            passed: false,
            pending: false,
        },
    };
    (row, mismatch)
}

/// A measured value: a rate with its counts.
pub fn value_text(v: Value) -> String {
    match v.of {
        Some((passed, carried)) => format!("{} ({passed}/{carried})", number_text(v.value)),
        None => number_text(v.value),
    }
}

/// A number with at most three decimals, no trailing zeros: `2480`, `0.875`.
pub fn number_text(n: f64) -> String {
    let mut s = format!("{n:.3}");
    if s.contains('.') {
        s.truncate(s.trim_end_matches('0').trim_end_matches('.').len());
    }
    if s == "-0" {
        s = "0".into();
    }
    s
}

impl Measured {
    /// Broken for good: a reason the gate failed.
    pub fn failed(&self) -> bool {
        self.rows.iter().any(|r| !r.passed && !r.pending)
    }

    /// The comparison, as written (`<=`).
    pub fn op_symbol(&self) -> &'static str {
        self.op.symbol()
    }

    /// The verdict's reason: `p95(Latency)<=2500: measured 2600 (limit 2500)`.
    pub fn reason(&self) -> String {
        let mut out = self.text.clone();
        let failing: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| !r.passed && !r.pending)
            .collect();
        for (i, row) in failing.iter().enumerate() {
            out.push_str(if i == 0 { ": " } else { "; " });
            if let Some(s) = &row.scenario {
                let _ = write!(out, "{s}: ");
            }
            let _ = write!(
                out,
                "measured {}, limit {} {}",
                row.measured,
                self.op.symbol(),
                row.limit
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn numbers_show_three_decimals_at_most() {
        assert_eq!(number_text(2480.0), "2480");
        assert_eq!(number_text(0.875), "0.875");
        assert_eq!(number_text(1.0 / 3.0), "0.333");
        assert_eq!(number_text(-0.0001), "0");
        assert_eq!(number_text(3024.03), "3024.03");
    }
}
