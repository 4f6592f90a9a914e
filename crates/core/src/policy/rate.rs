//! A pass rate: `--min-pass-rate` read as an exact fraction, compared with
//! integers (never floating point), judged final or not while runs are
//! unfinished, and shown without rounding.

use std::fmt;
use std::str::FromStr;

/// A pass rate as an exact fraction, `0 < num/den <= 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassRate {
    num: u64,
    den: u64,
    /// As the user spelled it, for messages.
    text: String,
}

/// Why a `--min-pass-rate` value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRate(pub String);

impl fmt::Display for BadRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; give a fraction above 0 and at most 1, e.g. 0.8, 80% or 1",
            self.0
        )
    }
}

impl std::error::Error for BadRate {}

/// Digits after the decimal point accepted; keeps `num * 100` in a `u64`.
const MAX_DECIMALS: usize = 12;

impl FromStr for PassRate {
    type Err = BadRate;

    fn from_str(s: &str) -> Result<Self, BadRate> {
        let text = s.trim();
        let (number, percent) = match text.strip_suffix('%') {
            Some(n) => (n.trim_end(), true),
            None => (text, false),
        };
        let (num, scale) =
            exact_decimal(number).ok_or_else(|| BadRate(format!("{s:?} is not a number")))?;
        let den = scale * if percent { 100 } else { 1 };
        if num == 0 || num > den {
            let hint = if !percent && scale == 1 && num > den {
                " (for a percentage write the % sign)"
            } else {
                ""
            };
            return Err(BadRate(format!("{s:?} is not above 0 and at most 1{hint}")));
        }
        let g = gcd(num, den);
        Ok(PassRate {
            num: num / g,
            den: den / g,
            text: text.to_owned(),
        })
    }
}

/// A plain decimal (`0.8`, `99.9`, `95`; at most 3 digits before the point
/// and 12 after, so `num * 100` fits) as the exact fraction
/// `num / scale`, `scale` a power of ten; `None` for anything else.
pub(super) fn exact_decimal(text: &str) -> Option<(u64, u64)> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty()
        || !all_digits(int)
        || !all_digits(frac)
        || int.len() > 3
        || frac.len() > MAX_DECIMALS
    {
        return None;
    }
    let scale = 10u64.pow(frac.len() as u32);
    let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let part: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    Some((whole * scale + part, scale))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl PassRate {
    /// Whether `passed` of `judged` runs meets the rate; none judged fails closed.
    pub(crate) fn met_by(&self, passed: usize, judged: usize) -> bool {
        judged > 0 && u128::from(self.den) * passed as u128 >= u128::from(self.num) * judged as u128
    }
}

impl fmt::Display for PassRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A scenario's pass rate against `--min-pass-rate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateCheck {
    /// Met, whatever its unfinished runs still do.
    Met,
    /// Below, whatever its unfinished runs still do.
    Below,
    /// Its unfinished runs can still decide it either way: no reason the
    /// gate failed, and the verdict is unfinished (exit 3 at the deadline).
    NotFinal,
}

impl RateCheck {
    /// Judges `passed` of `judged` runs, with `waiting` runs still to
    /// finish (each may pass, fail or end in error), against `rate`. The
    /// best case is every waiting run passing, the worst every one failing
    /// (an error, not judged, lies between); it is final when both agree.
    pub fn of(rate: &PassRate, passed: usize, judged: usize, waiting: usize) -> RateCheck {
        let all = judged.saturating_add(waiting);
        let best = rate.met_by(passed.saturating_add(waiting), all);
        let worst = rate.met_by(passed, all);
        match (best, worst) {
            (true, true) => RateCheck::Met,
            (false, false) => RateCheck::Below,
            _ => RateCheck::NotFinal,
        }
    }
}

/// `passed / judged` in decimals, exactly: at most three digits after the
/// point, cut (never rounded, so 999/1000 is `0.999` and 9999/10000 never
/// reads as 1) and followed by `…` when more digits follow.
pub(crate) fn rate_text(passed: usize, judged: usize) -> String {
    let (passed, judged) = (passed as u128, (judged as u128).max(1));
    let whole = passed / judged;
    let mut rest = passed % judged;
    let mut digits = String::new();
    while rest != 0 && digits.len() < 3 {
        rest *= 10;
        digits.push(char::from(b'0' + (rest / judged) as u8));
        rest %= judged;
    }
    match (digits.is_empty(), rest != 0) {
        (true, _) => whole.to_string(),
        (false, false) => format!("{whole}.{digits}"),
        (false, true) => format!("{whole}.{digits}\u{2026}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(s: &str) -> PassRate {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn rates_parse_exactly() {
        assert_eq!((rate("0.8").num, rate("0.8").den), (4, 5));
        assert_eq!((rate("80%").num, rate("80%").den), (4, 5));
        assert_eq!((rate("1").num, rate("1").den), (1, 1));
        assert_eq!((rate("0.56").num, rate("0.56").den), (14, 25));
        assert_eq!((rate("100%").num, rate("100%").den), (1, 1));
        for bad in [
            "0", "1.5", "80", "abc", "-1", "", "%", ".", "0%", "101%", "1e-1",
        ] {
            let err = bad.parse::<PassRate>().expect_err(bad);
            assert!(err.to_string().contains("0.8, 80% or 1"), "{bad}: {err}");
        }
        assert!(
            "80".parse::<PassRate>()
                .expect_err("80")
                .to_string()
                .contains("% sign")
        );
    }

    #[test]
    fn boundaries_are_exact() {
        assert!(rate("0.8").met_by(4, 5), "4/5 at 0.8 passes");
        assert!(!rate("0.8").met_by(3, 4), "3/4 at 0.8 fails");
        assert!(rate("0.56").met_by(14, 25), "14/25 meets 0.56");
        assert!(!rate("0.56").met_by(13, 25));
        assert!(!rate("0.1").met_by(0, 0), "nothing judged fails closed");
        assert!(rate("1").met_by(3, 3));
    }

    #[test]
    fn a_rate_is_final_only_when_no_unfinished_run_can_change_it() {
        let r = rate("0.8");
        assert_eq!(
            RateCheck::of(&r, 0, 1, 4),
            RateCheck::NotFinal,
            "4/5 still reachable"
        );
        assert_eq!(RateCheck::of(&r, 0, 2, 3), RateCheck::Below, "at best 3/5");
        assert_eq!(RateCheck::of(&r, 4, 4, 1), RateCheck::Met, "at worst 4/5");
        assert_eq!(
            RateCheck::of(&r, 3, 3, 1),
            RateCheck::NotFinal,
            "3/4 or 4/4"
        );
        assert_eq!(
            RateCheck::of(&r, 0, 0, 0),
            RateCheck::Below,
            "nothing judged"
        );
        assert_eq!(RateCheck::of(&r, 0, 0, 2), RateCheck::NotFinal);
        assert_eq!(RateCheck::of(&rate("1"), 4, 5, 3), RateCheck::Below);
        assert_eq!(RateCheck::of(&rate("1"), 4, 4, 0), RateCheck::Met);
    }

    #[test]
    fn rates_are_shown_cut_never_rounded() {
        assert_eq!(rate_text(999, 1000), "0.999");
        assert_eq!(rate_text(9999, 10000), "0.999\u{2026}", "never 1");
        assert_eq!(rate_text(1, 10000), "0.000\u{2026}", "never 0");
        assert_eq!(rate_text(4, 5), "0.8");
        assert_eq!(rate_text(2, 3), "0.666\u{2026}");
        assert_eq!(rate_text(5, 5), "1");
        assert_eq!(rate_text(0, 5), "0");
        assert_eq!(rate_text(usize::MAX - 1, usize::MAX), "0.999\u{2026}");
    }
}
