//! Metric thresholds: a per-run check fails the run that breaks it; an
//! aggregate (`p95(Latency)<=2500`) is measured over the completed runs (or
//! each scenario's, with `--threshold-scope scenario`) and fails the gate.
//! Fail closed: a finished run without the metric breaks a per-run check,
//! and an aggregate over no value fails. A run whose reading does not fit
//! the threshold's kind (text where numbers are compared, an unreadable
//! score) fails its per-run check and breaks an aggregate, naming the run:
//! left out, it could let the gate pass by accident. Only a threshold whose
//! kind fits no run at all is taken for a typo ([`unfit`], `NoValue::Mismatch`).

mod expr;

pub use expr::{Aggregate, BadThreshold, Limit, Offset, Threshold};

pub(crate) use expr::Op;

use crate::model::{Metric, MetricKinds, Run};
use crate::policy::runs_text;
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
    /// The metric is there but cannot be compared so (a `<` on an enum, an
    /// unreadable score). A usage error only when no run fits: see [`unfit`].
    pub mismatch: bool,
}

/// How one run's metric meets a threshold.
enum Reading<'m> {
    /// No such metric, or one sent without a value (`"score": null`).
    Missing,
    /// A reading of the kind the threshold compares.
    Fits(&'m Metric),
    /// A reading that makes no sense (`score "NaN"`): bad data, not a typo
    /// in the threshold.
    Odd(&'m str),
    /// Readings of another kind only (text where a number is compared):
    /// a typo in the threshold when no run fits it.
    Other(&'m Metric),
}

/// What `t` compares: a number, true/false, or text.
fn wants(t: &Threshold) -> &'static str {
    match (&t.aggregate, &t.limit) {
        (Some(Aggregate::Rate), _) => "true/false",
        (Some(_), _) | (None, Limit::Number(_) | Limit::Baseline(_)) => "a number",
        (None, Limit::Bool(_)) => "true/false",
        (None, Limit::Label(_)) => "text",
    }
}

fn reading<'m>(t: &Threshold, run: &'m Run) -> Reading<'m> {
    let Some(metric) = run.metric(&t.metric) else {
        return Reading::Missing;
    };
    let fits = match wants(t) {
        "a number" => metric.number.is_some(),
        "true/false" => metric.passed.is_some(),
        _ => metric.label.is_some(),
    };
    match (&metric.odd, metric.kinds() == MetricKinds::default()) {
        _ if fits => Reading::Fits(metric),
        (Some(odd), _) => Reading::Odd(odd),
        (None, true) => Reading::Missing,
        (None, false) => Reading::Other(metric),
    }
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
            let metric = match reading(t, run) {
                Reading::Missing => {
                    return Some(breach(format!("metric {} missing", t.metric), false));
                }
                Reading::Odd(odd) => {
                    return Some(breach(
                        format!("metric {} unreadable: {odd}", t.metric),
                        true,
                    ));
                }
                Reading::Other(metric) => return Some(breach(mismatch(t, metric), true)),
                Reading::Fits(metric) => metric,
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

/// The per-run thresholds whose kind fits none of `runs` though some carry
/// the metric (`Goal==true` where every run reads `Goal` as a number): a
/// typo in the threshold, one line each. One run of another kind among
/// runs that fit only fails that run; an unreadable reading is bad data,
/// never a typo.
pub(crate) fn unfit<'a>(
    thresholds: &[Threshold],
    runs: impl Iterator<Item = &'a Run> + Clone,
) -> Vec<String> {
    thresholds
        .iter()
        .filter(|t| t.aggregate.is_none())
        .filter_map(|t| {
            let mut other = None;
            for run in runs.clone() {
                match reading(t, run) {
                    Reading::Fits(_) => return None,
                    Reading::Other(metric) => {
                        other.get_or_insert_with(|| mismatch(t, metric));
                    }
                    Reading::Missing | Reading::Odd(_) => {}
                }
            }
            other
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
    format!(
        "metric {} holds {has}, but {} needs {}",
        t.metric,
        t.text,
        wants(t)
    )
}

/// How one run reads a metric it cannot be measured by, naming the run:
/// `run 184 reads Latency as text "timeout", not a number`.
fn odd_run(t: &Threshold, run: &Run, reading: &Reading<'_>) -> String {
    let shown = |m: &Metric| -> String {
        let cut = |s: &str| -> String {
            let c: String = s.chars().take(40).collect();
            if c.len() < s.len() {
                format!("{c}...")
            } else {
                c
            }
        };
        let value = cut(m.value.as_deref().unwrap_or_default());
        if let Some(label) = &m.label {
            format!("text {:?}", cut(label))
        } else if m.number.is_some() {
            format!("a number ({value})")
        } else {
            format!("true/false ({value})")
        }
    };
    match reading {
        Reading::Odd(odd) => format!("run {} cannot read {}: {odd}", run.id, t.metric),
        Reading::Other(m) => format!(
            "run {} reads {} as {}, not {}",
            run.id,
            t.metric,
            shown(m),
            wants(t)
        ),
        Reading::Missing | Reading::Fits(_) => String::new(),
    }
}

/// An aggregate threshold, measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub text: String,
    pub(crate) op: Op,
    /// The limit as written (`2500`, `baseline+10%`).
    pub(crate) limit_text: String,
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
    /// Runs carried it, but none as the threshold compares it: a typo in
    /// the threshold (a usage error on a replay).
    Mismatch(String),
    /// A run reads it so that it cannot be measured (text where the others
    /// read numbers, an unreadable score): the aggregate is broken, naming
    /// the run, since leaving it out could pass by accident.
    Odd(String),
}

impl NoValue {
    pub fn text(&self) -> &str {
        match self {
            NoValue::Nothing(s) | NoValue::Mismatch(s) | NoValue::Odd(s) => s,
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
    // The first run of another kind (a typo when none fits), the first run
    // that cannot be measured, and how many runs could not.
    let mut other: Option<&Metric> = None;
    let mut odd: Option<String> = None;
    let mut odd_runs = 0usize;
    for run in runs {
        let metric = match reading(t, run) {
            Reading::Missing => continue,
            Reading::Fits(metric) => metric,
            found @ (Reading::Odd(_) | Reading::Other(_)) => {
                if let Reading::Other(metric) = found {
                    other.get_or_insert(metric);
                }
                odd.get_or_insert_with(|| odd_run(t, run, &found));
                odd_runs += 1;
                continue;
            }
        };
        match (aggregate, metric.number, metric.passed) {
            (Aggregate::Rate, _, Some(p)) => {
                carried += 1;
                passed += usize::from(p);
            }
            (_, Some(n), _) => numbers.push(n),
            _ => {}
        }
    }
    let measured = carried + numbers.len();
    if let Some(why) = odd {
        return Err(match other {
            Some(metric) if measured == 0 => NoValue::Mismatch(mismatch(t, metric)),
            _ if odd_runs > 1 => {
                let more = runs_text(odd_runs - 1, "more run");
                NoValue::Odd(format!("{why} (and {more})"))
            }
            _ => NoValue::Odd(why),
        });
    }
    if measured == 0 {
        return Err(NoValue::Nothing(format!("no run carried {}", t.metric)));
    }
    if let Aggregate::Rate = aggregate {
        return Ok(Value {
            value: passed as f64 / carried as f64,
            of: Some((passed, carried)),
        });
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
pub(crate) fn measure_row<'a>(
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
pub(crate) fn value_text(v: Value) -> String {
    match v.of {
        Some((passed, carried)) => format!("{} ({passed}/{carried})", number_text(v.value)),
        None => number_text(v.value),
    }
}

/// A number with at most three decimals, no trailing zeros: `2480`, `0.875`.
pub(crate) fn number_text(n: f64) -> String {
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
    pub(crate) fn op_symbol(&self) -> &'static str {
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
mod tests;
