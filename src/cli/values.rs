//! The values that stand alone, typed by clap value parsers: a bad one is
//! an error naming its flag. Each says what is wrong and how to write it.

use crate::policy::threshold::Threshold;
use crate::policy::{BadRate, PassRate};
use std::time::{Duration, SystemTime};

/// `--threshold` in `--help` and the man page: every accepted form.
pub(super) const THRESHOLD_HELP: &str = "\
A metric threshold, repeatable.

Per run: METRIC OP VALUE, e.g. 'Latency<=4000', 'Goal reached==true', \
'Outcome!=escalated'. A completed run that breaks it, or lacks the metric, fails.

Over the runs: AGG(METRIC) OP VALUE, e.g. 'p95(Latency)<=2500', \
'rate(Goal reached)>=90%', 'avg(Latency)<=baseline+10%'. AGG is avg, min, max, \
med, pN or p(N) with 0 < N < 100 (p95, p99.9, p(99.9)), or rate (the share of \
runs whose binary metric passed), in any case (P95, AVG).

OP is one of < <= > >= == !=. VALUE is a number (2500, -1.5, +5, 0.25, 1e3), \
true or false, the choice of an enum metric (with == or !=), or, after an aggregate, \
baseline, baseline+N, baseline-N or baseline+N% (with --baseline). A rate \
compares a fraction from 0 to 1: 0.9 or 90%.

Metric names match exactly, case and inner spaces included; spaces around \
the name, the operator and the value are ignored. The same check given twice, \
however spelled ('Latency<=4000' and 'Latency <= 4e3'), counts once: the first \
spelling is kept.";

/// A priority's weight, from `--weight PRIORITY=N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weight {
    pub priority: String,
    pub weight: u32,
}

/// The longest duration any flag takes: past a week a deadline is a typo,
/// and `Instant` arithmetic must not overflow.
const LONGEST: Duration = Duration::from_secs(7 * 24 * 3600);

/// A duration flag: `200ms`, `5s`, `10m`, `1h30m` (humantime's syntax),
/// more than 0 and at most a week.
pub(super) fn duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|e| format!("not a duration ({e}); use e.g. 200ms, 5s, 10m, 1h30m"))?;
    if d.is_zero() {
        return Err("must be more than 0; use e.g. 2s or 30m".to_owned());
    }
    if d > LONGEST {
        return Err("is longer than a week; use e.g. 30m".to_owned());
    }
    Ok(d)
}

/// A moment in RFC 3339: `2026-12-01T10:00:00Z`, or with an offset
/// (`2026-12-01T12:00:00+02:00`); fractional seconds allowed. A time
/// without its zone is refused: it would be read in no known zone.
pub(super) fn rfc3339(text: &str) -> Result<SystemTime, String> {
    let bad = || format!("{text:?} is not an RFC 3339 time; give e.g. 2026-12-01T10:00:00Z");
    let upper = text.trim().to_ascii_uppercase();
    let t = upper.as_str();
    let (local, east) = if let Some(local) = t.strip_suffix('Z') {
        (local, 0i64)
    } else {
        let at = t
            .len()
            .checked_sub(6)
            .filter(|&at| t.is_char_boundary(at))
            .ok_or_else(bad)?;
        let (local, zone) = t.split_at(at);
        let b = zone.as_bytes();
        let sign = match b[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return Err(bad()),
        };
        let digits = |r: std::ops::Range<usize>| -> Option<i64> {
            zone.get(r)
                .filter(|d| d.bytes().all(|c| c.is_ascii_digit()))?
                .parse()
                .ok()
        };
        match (digits(1..3), b[3], digits(4..6)) {
            (Some(h), b':', Some(m)) if h < 24 && m < 60 => (local, sign * (h * 3600 + m * 60)),
            _ => return Err(bad()),
        }
    };
    let local = humantime::parse_rfc3339_weak(local).map_err(|_| bad())?;
    let shift = Duration::from_secs(east.unsigned_abs());
    let utc = if east >= 0 {
        local.checked_sub(shift)
    } else {
        local.checked_add(shift)
    };
    utc.ok_or_else(bad)
}

pub(super) fn pass_rate(spec: &str) -> Result<PassRate, String> {
    spec.parse().map_err(|e: BadRate| {
        let no_number = e.0.ends_with("is not a number");
        match rate_out_of_reach(spec).filter(|_| no_number) {
            Some(why) => BadRate(why).to_string(),
            None => e.to_string(),
        }
    })
}

/// Why a number `PassRate` refused is no rate: it reads only the decimals
/// it compares exactly, so a real number out of range (`1000%`, `-1`) or
/// with too many digits is named as such here, not as "not a number".
/// `None` for text that is no plain number.
fn rate_out_of_reach(spec: &str) -> Option<String> {
    let text = spec.trim();
    let (number, percent) = match text.strip_suffix('%') {
        Some(n) => (n.trim_end(), true),
        None => (text, false),
    };
    let digits = number.strip_prefix('-').unwrap_or(number);
    let plain = digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|b| *b == b'.').count() <= 1;
    if !plain {
        return None;
    }
    let n: f64 = number.parse().ok().filter(|n: &f64| n.is_finite())?;
    let rate = if percent { n / 100.0 } else { n };
    if rate > 0.0 && rate <= 1.0 {
        return Some(format!(
            "{spec:?} has more digits than a rate is compared with; give at most 3 before the point and 12 after"
        ));
    }
    let hint = if !percent && !number.contains('.') && rate > 1.0 && rate <= 100.0 {
        " (for a percentage write the % sign)"
    } else {
        ""
    };
    Some(format!("{spec:?} is not above 0 and at most 1{hint}"))
}

pub(super) fn threshold(spec: &str) -> Result<Threshold, String> {
    spec.parse()
        .map_err(|e: crate::policy::threshold::BadThreshold| e.to_string())
}

/// A budget (`--max-score`, `--max-failed-runs`, ...): a whole number, 0 or
/// more. The flags take negative numbers as values, so `-1` is refused here,
/// naming its flag, instead of read as an unknown flag.
pub(super) fn count(spec: &str) -> Result<u64, String> {
    spec.trim()
        .parse()
        .map_err(|_| format!("{spec:?} is not a whole number of 0 or more; e.g. 0 or 5"))
}

/// `PRIORITY=N` with N a whole number that fits a weight.
pub(super) fn weight(spec: &str) -> Result<Weight, String> {
    let example = "e.g. --weight medium=5";
    let (priority, n) = spec
        .split_once('=')
        .ok_or_else(|| format!("not PRIORITY=N; {example}"))?;
    let priority = priority.trim();
    if priority.is_empty() {
        return Err(format!("the priority before '=' is empty; {example}"));
    }
    let n = n.trim();
    let weight = match n.parse::<u32>() {
        Ok(w) => w,
        Err(_) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(format!(
                "{n} is larger than the largest weight, {}",
                u32::MAX
            ));
        }
        Err(_) => return Err(format!("N must be a whole number; {example}")),
    };
    Ok(Weight {
        priority: priority.to_owned(),
        weight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rfc_3339_time_is_read_with_its_zone() {
        let at = |t: &str| {
            rfc3339(t).map(|s| {
                s.duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            })
        };
        let utc = 1_796_119_200; // 2026-12-01T10:00:00Z
        assert_eq!(at("2026-12-01T10:00:00Z"), Ok(utc));
        assert_eq!(at(" 2026-12-01t10:00:00.250z "), Ok(utc));
        assert_eq!(at("2026-12-01T12:00:00+02:00"), Ok(utc));
        assert_eq!(at("2026-12-01T05:30:00-04:30"), Ok(utc));
        for bad in [
            "2026-12-01T10:00:00",
            "2026-12-01",
            "yesterday",
            "2026-12-01T10:00:00+2:00",
            "2026-12-01T10:00:00+24:00",
            "2026-13-01T10:00:00Z",
            "",
            "éé",
        ] {
            let why = rfc3339(bad).expect_err(bad);
            assert!(
                why.contains("is not an RFC 3339 time; give e.g. 2026-12-01T10:00:00Z"),
                "{why}"
            );
        }
    }

    #[test]
    fn the_threshold_help_lists_the_forms_and_its_examples_parse() {
        use clap::CommandFactory;
        let mut cmd = crate::cli::Args::command();
        let gate = cmd.find_subcommand_mut("gate").expect("a gate command");
        // Wrapped at the terminal's width: read as words.
        let help = gate.render_long_help().to_string();
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for form in [
            "P95, AVG",
            "+5",
            "1e3",
            "baseline+N%",
            "0.9 or 90%",
            "counts once",
        ] {
            assert!(help.contains(form), "{form}: {help}");
        }
        let examples: Vec<&str> = THRESHOLD_HELP.split('\'').skip(1).step_by(2).collect();
        assert_eq!(examples.len(), 8, "{examples:?}");
        for example in examples {
            threshold(example).unwrap_or_else(|e| panic!("{example}: {e}"));
        }
    }

    #[test]
    fn durations_need_units_and_stay_within_a_week() {
        let ms = Duration::from_millis;
        for (text, want) in [
            ("200ms", ms(200)),
            ("5s", ms(5_000)),
            ("10m", ms(600_000)),
            ("1h", ms(3_600_000)),
            ("1h30m", ms(5_400_000)),
            (" 7d ", ms(7 * 24 * 3_600_000)),
        ] {
            assert_eq!(duration(text), Ok(want), "{text:?}");
        }
        for (bad, says) in [
            ("5", "not a duration"),
            ("s", "not a duration"),
            ("-1s", "not a duration"),
            ("", "not a duration"),
            ("0s", "more than 0"),
            ("8d", "longer than a week"),
            ("9999h", "longer than a week"),
        ] {
            let err = duration(bad).expect_err(bad);
            assert!(err.contains(says), "{bad:?}: {err}");
        }
    }

    #[test]
    fn rates_out_of_range_are_named_so_not_as_no_number() {
        for (bad, says) in [
            ("1000%", "\"1000%\" is not above 0 and at most 1;"),
            ("1000", "\"1000\" is not above 0 and at most 1;"),
            ("-1", "\"-1\" is not above 0 and at most 1;"),
            ("-80%", "\"-80%\" is not above 0 and at most 1;"),
            ("80", "at most 1 (for a percentage write the % sign)"),
            ("1.5", "\"1.5\" is not above 0 and at most 1;"),
            ("0", "\"0\" is not above 0 and at most 1;"),
            (
                "0.1234567890123",
                "more digits than a rate is compared with",
            ),
            ("abc", "\"abc\" is not a number"),
            ("1e-1", "\"1e-1\" is not a number"),
            ("", "is not a number"),
        ] {
            let err = pass_rate(bad).expect_err(bad);
            assert!(err.contains(says), "{bad:?}: {err}");
            assert!(err.ends_with("e.g. 0.8, 80% or 1"), "{bad:?}: {err}");
        }
        assert_eq!(pass_rate("80%").map(|r| r.to_string()), Ok("80%".into()));
    }

    #[test]
    fn weights_parse() {
        assert_eq!(
            weight(" High = 7"),
            Ok(Weight {
                priority: "High".into(),
                weight: 7
            })
        );
        for (bad, says) in [
            ("high", "not PRIORITY=N"),
            ("=3", "priority before '=' is empty"),
            ("high=-1", "whole number"),
            ("high=x", "whole number"),
            ("high=1.5", "whole number"),
            (
                "high=4294967296",
                "larger than the largest weight, 4294967295",
            ),
        ] {
            let err = weight(bad).expect_err(bad);
            assert!(err.contains(says), "{bad:?}: {err}");
        }
    }
}
