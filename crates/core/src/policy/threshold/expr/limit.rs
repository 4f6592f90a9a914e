//! The value side of a `--threshold` expression: a number, a rate's
//! fraction or percentage, `true`/`false`, a baseline with its offset, or an
//! enum's choice; and whether the operator fits the aggregate and the value.

use super::{Aggregate, Limit, Offset, Op};

/// The value: a number (`2500`, `0.9`, `+5`, `1e3`, `90%` for a rate),
/// `true`/`false`, `baseline[+-]N[%]`, or an enum's choice.
pub(super) fn limit(value: &str, aggregate: Option<&Aggregate>) -> Result<Limit, String> {
    let baseline_offset = value.strip_prefix("baseline").filter(|rest| {
        // Per run, `baselined` is an enum's choice; after an aggregate,
        // anything after `baseline` is a (maybe bad) offset.
        aggregate.is_some()
            || rest.is_empty()
            || rest.starts_with(|c: char| c.is_whitespace() || c == '+' || c == '-')
    });
    if let Some(offset) = baseline_offset {
        return baseline(offset.trim()).map(Limit::Baseline);
    }
    match value {
        "true" => return Ok(Limit::Bool(true)),
        "false" => return Ok(Limit::Bool(false)),
        _ => {}
    }
    let rate = aggregate == Some(&Aggregate::Rate);
    if numeric(value) {
        let n = finite(value)?;
        return if rate {
            fraction(value, n, false).map(Limit::Number)
        } else {
            Ok(Limit::Number(n))
        };
    }
    if let Some(digits) = value.strip_suffix('%').map(str::trim_end)
        && numeric(digits)
    {
        if !rate {
            return Err(
                "a percentage compares a rate (rate(Goal)>=90%) or moves a baseline (baseline+10%)"
                    .into(),
            );
        }
        let n = finite(digits)?;
        return fraction(value, n / 100.0, true).map(Limit::Number);
    }
    if aggregate.is_some() {
        return Err(format!("{value:?} is not a number"));
    }
    Ok(Limit::Label(value.to_owned()))
}

/// After `baseline`: nothing, or `+N`, `-N`, `+N%`, `-N%`.
fn baseline(offset: &str) -> Result<Offset, String> {
    const HOW: &str = "after baseline write +N, -N, +N% or -N% (e.g. baseline+10%)";
    if offset.is_empty() {
        return Ok(Offset::Plus(0.0));
    }
    let (sign, amount) = match offset.as_bytes().first() {
        Some(b'+') => (1.0, offset[1..].trim()),
        Some(b'-') => (-1.0, offset[1..].trim()),
        _ => return Err(HOW.into()),
    };
    let (digits, percent) = match amount.strip_suffix('%') {
        Some(d) => (d.trim_end(), true),
        None => (amount, false),
    };
    // The sign is the one before: `baseline+-5` is a typo.
    if !numeric(digits) || digits.starts_with(['+', '-']) {
        return Err(HOW.into());
    }
    let n = sign * finite(digits)?;
    Ok(if percent {
        Offset::Percent(n)
    } else {
        Offset::Plus(n)
    })
}

/// Whether `text` is written as a decimal number: an optional sign, digits
/// with at most one point, and an optional exponent (`-12`, `+5`, `0.9`,
/// `.5`, `2.5e3`, `1E-3`). Never `inf` or `NaN`.
fn numeric(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let mantissa = match mantissa.split_once('.') {
        Some(("", "")) => false,
        Some((int, frac)) => (int.is_empty() || digits(int)) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    mantissa && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// A [`numeric`] text's value; one too large for a number (`1e999`) is
/// refused, never compared as infinity.
fn finite(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{text:?} is out of range; numbers reach about 1.8e308 at most"))
}

/// A rate's limit: a fraction from 0 to 1 (`0.9`, `90%`). Another can
/// never hold, or always holds, whatever the runs.
fn fraction(value: &str, n: f64, percent: bool) -> Result<f64, String> {
    if (0.0..=1.0).contains(&n) {
        return Ok(n);
    }
    let hint = if !percent && n > 1.0 && n <= 100.0 {
        " (for a percentage write the % sign)"
    } else {
        ""
    };
    Err(format!(
        "{value:?} is not from 0 to 1{hint}; a rate compares a fraction from 0 to 1, e.g. rate(Goal)>=0.9 or >=90%"
    ))
}

/// Whether the operator fits the aggregate and the value.
pub(super) fn check_kinds(
    aggregate: Option<&Aggregate>,
    op: Op,
    limit: &Limit,
) -> Result<(), String> {
    match (aggregate, limit) {
        (None, Limit::Baseline(_)) => {
            Err("baseline compares an aggregate; write e.g. p95(Latency)<=baseline+10%".into())
        }
        (None, Limit::Bool(_) | Limit::Label(_)) if !op.is_equality() => Err(format!(
            "{} compares numbers; compare true/false or text with == or !=",
            op.symbol()
        )),
        (Some(_), Limit::Bool(_) | Limit::Label(_)) => {
            Err("an aggregate compares numbers; give a number".into())
        }
        // A rate is from 0 to 1: these never hold, or always do.
        (Some(Aggregate::Rate), Limit::Number(n)) => match (op, *n) {
            (Op::Gt, n) if n >= 1.0 => Err(format!(
                "a rate is never above {n}; write >= or a lower limit"
            )),
            (Op::Lt, n) if n <= 0.0 => Err(format!(
                "a rate is never below {n}; write <= or a higher limit"
            )),
            (Op::Ge, n) if n <= 0.0 => Err(format!(
                "every rate is at least {n}, so this always holds; give a limit above 0"
            )),
            (Op::Le, n) if n >= 1.0 => Err(format!(
                "every rate is at most {n}, so this always holds; give a limit below 1"
            )),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}
