//! `--threshold` expressions: `METRIC OP VALUE` (each run) or
//! `AGG(METRIC) OP VALUE` (over the runs), parsed once into a [`Threshold`].
//!
//! An expression that starts with a known aggregate (`avg`, `min`, `max`,
//! `med`, `rate`, `pN` or `p(N)`, in any case: `P95`, `AVG`) immediately
//! followed by `(` is an aggregate, and its metric is what lies between that
//! `(` and its matching `)`: metric names may hold spaces and parentheses,
//! never `<>=!`.

mod limit;

use crate::policy::rate::exact_decimal;
use limit::{check_kinds, limit};
use std::fmt;
use std::str::FromStr;

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    /// As written.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    /// Whether `value OP limit` holds.
    pub(crate) fn holds<T: PartialOrd>(self, value: T, limit: T) -> bool {
        match self {
            Op::Lt => value < limit,
            Op::Le => value <= limit,
            Op::Gt => value > limit,
            Op::Ge => value >= limit,
            Op::Eq => value == limit,
            Op::Ne => value != limit,
        }
    }

    fn is_equality(self) -> bool {
        matches!(self, Op::Eq | Op::Ne)
    }
}

/// How the runs' values are reduced to one.
#[derive(Debug, Clone, PartialEq)]
pub enum Aggregate {
    Avg,
    Min,
    Max,
    /// Nearest-rank p50: the lower middle of an even count.
    Med,
    /// Nearest-rank percentile, `0 < N < 100`, as the exact fraction
    /// `N / 100 = num / den` (so `p7` of 100 values is the 7th, not the 8th
    /// that `ceil(0.07 * 100.0)` in floating point gives).
    Percentile {
        num: u64,
        den: u64,
    },
    /// Runs whose binary metric passed, over the runs that carry it.
    Rate,
}

/// What a value is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Limit {
    Number(f64),
    Bool(bool),
    /// An enum metric's choice.
    Label(String),
    /// The same aggregate over the baseline's runs, moved by an offset.
    Baseline(Offset),
}

/// `baseline`, `baseline+10%`, `baseline-5%`, `baseline+200`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Offset {
    Percent(f64),
    Plus(f64),
}

impl Offset {
    /// The limit for a baseline value.
    pub fn apply(self, base: f64) -> f64 {
        match self {
            Offset::Percent(p) => base * (1.0 + p / 100.0),
            Offset::Plus(n) => base + n,
        }
    }
}

/// One `--threshold`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// As the user wrote it, trimmed.
    pub text: String,
    pub aggregate: Option<Aggregate>,
    pub metric: String,
    pub(crate) op: Op,
    pub limit: Limit,
    /// The value as written (`2500`, `baseline+10%`).
    pub(crate) limit_text: String,
}

impl Threshold {
    /// Whether its limit comes from the baseline.
    pub fn needs_baseline(&self) -> bool {
        matches!(self.limit, Limit::Baseline(_))
    }

    /// Whether two thresholds check the same, however spelled (spacing,
    /// `p95` or `P(95)`, `0.9` or `90%` for a rate, `4000` or `4e3`).
    pub fn same_check(&self, other: &Threshold) -> bool {
        self.aggregate == other.aggregate
            && self.metric == other.metric
            && self.op == other.op
            && self.limit == other.limit
    }
}

/// Why an expression was refused: what, and where (a caret goes under it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadThreshold {
    pub(crate) expr: String,
    /// Byte offset and length of the bad spot in `expr`.
    pub at: usize,
    pub len: usize,
    pub why: String,
}

impl fmt::Display for BadThreshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let column = self.expr[..self.at.min(self.expr.len())].chars().count();
        let width = self
            .expr
            .get(self.at..self.at + self.len)
            .map_or(1, |s| s.chars().count())
            .max(1);
        write!(
            f,
            "{}; write METRIC OP VALUE or AGG(METRIC) OP VALUE, e.g. 'Latency<=4000' or 'p95(Latency)<=2500'\n  {}\n  {}{}",
            self.why,
            self.expr,
            " ".repeat(column),
            "^".repeat(width)
        )
    }
}

impl std::error::Error for BadThreshold {}

const OPERATOR_BYTES: [u8; 4] = [b'<', b'>', b'=', b'!'];

impl FromStr for Threshold {
    type Err = BadThreshold;

    fn from_str(s: &str) -> Result<Threshold, BadThreshold> {
        let expr = s.trim();
        let bad = |at: usize, len: usize, why: String| BadThreshold {
            expr: expr.to_owned(),
            at,
            len,
            why,
        };
        if expr.is_empty() {
            return Err(bad(0, 0, "the expression is empty".into()));
        }
        let (aggregate, metric_at, metric, rest_at) = match aggregate_head(expr) {
            Some(head) => {
                let (aggregate, open) = head.map_err(|(at, len, why)| bad(at, len, why))?;
                let close = matching_paren(expr, open)
                    .ok_or_else(|| bad(open, 1, "this ( has no matching )".into()))?;
                (Some(aggregate), open + 1, &expr[open + 1..close], close + 1)
            }
            None => {
                let end = expr
                    .bytes()
                    .position(|b| OPERATOR_BYTES.contains(&b))
                    .ok_or_else(|| {
                        bad(
                            expr.len(),
                            0,
                            "no operator; use one of < <= > >= == !=".into(),
                        )
                    })?;
                (None, 0, &expr[..end], end)
            }
        };
        let metric_name =
            checked_metric(metric, metric_at).map_err(|(at, len, why)| bad(at, len, why))?;
        let rest = &expr[rest_at..];
        let op_at = rest_at + (rest.len() - rest.trim_start().len());
        let (op, op_len) = operator(&expr[op_at..]).ok_or_else(|| {
            let why = if expr[op_at..].starts_with('=') {
                "a single = is no comparison; write =="
            } else {
                "expected an operator (< <= > >= == !=) here"
            };
            bad(op_at, 1, why.into())
        })?;
        let value_raw = &expr[op_at + op_len..];
        let value_at = op_at + op_len + (value_raw.len() - value_raw.trim_start().len());
        let value = value_raw.trim();
        if value.is_empty() {
            return Err(bad(
                value_at,
                0,
                "the value to compare with is missing".into(),
            ));
        }
        if let Some(i) = value.bytes().position(|b| OPERATOR_BYTES.contains(&b)) {
            return Err(bad(value_at + i, 1, "a second operator".into()));
        }
        let limit =
            limit(value, aggregate.as_ref()).map_err(|why| bad(value_at, value.len(), why))?;
        check_kinds(aggregate.as_ref(), op, &limit).map_err(|why| bad(op_at, op_len, why))?;
        Ok(Threshold {
            text: expr.to_owned(),
            aggregate,
            metric: metric_name.to_owned(),
            op,
            limit,
            limit_text: value.to_owned(),
        })
    }
}

type HeadError = (usize, usize, String);

/// The metric's name (at `metric_at` in the expression), trimmed: neither
/// empty nor holding an operator.
fn checked_metric(metric: &str, metric_at: usize) -> Result<&str, HeadError> {
    let name = metric.trim();
    if name.is_empty() {
        return Err((metric_at, metric.len(), "the metric name is empty".into()));
    }
    if let Some(i) = name.bytes().position(|b| OPERATOR_BYTES.contains(&b)) {
        let at = metric_at + (metric.len() - metric.trim_start().len()) + i;
        return Err((at, 1, "a metric name cannot hold < > = or !".into()));
    }
    Ok(name)
}

/// The aggregate an expression starts with, and the offset of the `(` that
/// opens its metric; `None` when it starts with none.
fn aggregate_head(expr: &str) -> Option<Result<(Aggregate, usize), HeadError>> {
    for (word, aggregate) in [
        ("avg(", Aggregate::Avg),
        ("min(", Aggregate::Min),
        ("max(", Aggregate::Max),
        ("med(", Aggregate::Med),
        ("rate(", Aggregate::Rate),
    ] {
        // `P95(Latency)`, `AVG(x)`: an aggregate in any case, never a
        // metric named so.
        if expr
            .get(..word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
        {
            return Some(Ok((aggregate, word.len() - 1)));
        }
    }
    let after_p = expr.strip_prefix(['p', 'P'])?;
    // p(N)( or pN(
    let (digits, digits_at, open) = if let Some(inner) = after_p.strip_prefix('(') {
        let close = inner.find(')')?;
        if !inner[close + 1..].starts_with('(') {
            return None;
        }
        (&inner[..close], 2, 2 + close + 1)
    } else {
        let n = after_p
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if n == 0 || !after_p[n..].starts_with('(') {
            return None;
        }
        (&after_p[..n], 1, 1 + n)
    };
    let percentile = percentile(digits).map_err(|why| (digits_at, digits.len(), why));
    Some(percentile.map(|p| (p, open)))
}

/// A percentile's N, a number strictly between 0 and 100, as the exact
/// fraction N / 100 in lowest terms (so `p95` and `p(95.0)` are one
/// aggregate).
fn percentile(digits: &str) -> Result<Aggregate, String> {
    let bad =
        || format!("percentile {digits:?} must be above 0 and below 100 (e.g. p95 or p(99.9))");
    let (num, scale) = exact_decimal(digits).ok_or_else(bad)?;
    let den = 100 * scale;
    if num == 0 || num >= den {
        return Err(bad());
    }
    let g = gcd(num, den);
    Ok(Aggregate::Percentile {
        num: num / g,
        den: den / g,
    })
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The offset of the `)` matching the `(` at `open`.
fn matching_paren(expr: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in expr.bytes().enumerate().skip(open) {
        match b {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn operator(text: &str) -> Option<(Op, usize)> {
    for (symbol, op) in [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<", Op::Lt),
        (">", Op::Gt),
    ] {
        if text.starts_with(symbol) {
            return Some((op, symbol.len()));
        }
    }
    None
}

#[cfg(test)]
mod tests;
