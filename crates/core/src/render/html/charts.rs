//! The charts, as inline SVG written as text (no script): the pass rate of
//! each scenario, and the distribution of each thresholded metric over the
//! runs with its limit marked.

use super::text;
use crate::policy::Evaluation;
use crate::policy::threshold::{Aggregate, Limit, Threshold, number_text};
use crate::render::text::one_line;
use std::fmt::Write as _;

/// Scenarios drawn at most; the table lists them all.
const MAX_BARS: usize = 50;
/// Bins of a histogram.
const BINS: usize = 20;
const WIDTH: usize = 640;

/// Every chart that has something to draw.
pub(super) fn write(out: &mut String, eval: &Evaluation<'_>, thresholds: &[Threshold]) {
    write_pass_rates(out, eval);
    let mut drawn: Vec<&str> = Vec::new();
    for t in thresholds {
        if drawn.contains(&t.metric.as_str()) {
            continue;
        }
        drawn.push(&t.metric);
        let on_it: Vec<&Threshold> = thresholds.iter().filter(|o| o.metric == t.metric).collect();
        write_distribution(out, eval, &t.metric, &on_it);
    }
}

/// One bar per scenario with a judged run: its pass rate, lowest first.
fn write_pass_rates(out: &mut String, eval: &Evaluation<'_>) {
    let mut rates: Vec<(&str, usize, usize)> = eval
        .scenarios
        .iter()
        .filter(|s| s.judged() > 0)
        .map(|s| (s.name.as_str(), s.passed, s.judged()))
        .collect();
    if rates.is_empty() {
        return;
    }
    // Lowest rate first (compared exactly), then as the scenarios are listed.
    rates.sort_by(|a, b| (a.1 * b.2).cmp(&(b.1 * a.2)));
    let shown = rates.len().min(MAX_BARS);
    out.push_str("<h2>Pass rate by scenario</h2>\n");
    let (bar_x, row) = (260, 18);
    let height = shown * row + 4;
    let _ = writeln!(
        out,
        "<svg width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"pass rate by scenario\">"
    );
    let span = WIDTH - bar_x - 90;
    for (i, (name, passed, judged)) in rates.iter().take(shown).enumerate() {
        let y = i * row + 2;
        let w = span * passed / judged;
        let fill = if passed == judged {
            "#1a7f37"
        } else {
            "#b42318"
        };
        let _ = write!(out, "<text x=\"0\" y=\"{}\">", y + 12);
        text(out, &one_line(name, 40));
        let _ = writeln!(
            out,
            "</text><rect x=\"{bar_x}\" y=\"{y}\" width=\"{span}\" height=\"14\" fill=\"#eaeef2\"/><rect x=\"{bar_x}\" y=\"{y}\" width=\"{w}\" height=\"14\" fill=\"{fill}\"/><text x=\"{}\" y=\"{}\">{passed}/{judged}</text>",
            bar_x + span + 6,
            y + 12
        );
    }
    out.push_str("</svg>\n");
    if rates.len() > shown {
        let _ = writeln!(
            out,
            "<p>{} more scenarios not drawn; the Scenarios table lists them all.</p>",
            rates.len() - shown
        );
    }
}

/// A histogram of the metric's numbers over the completed runs, as the
/// thresholds measure them (or the
/// passed and failed counts of a binary metric), each numeric limit marked.
fn write_distribution(out: &mut String, eval: &Evaluation<'_>, metric: &str, on_it: &[&Threshold]) {
    let readings = eval
        .results
        .iter()
        .filter(|r| r.outcome.completed())
        .filter_map(|r| r.run?.metric(metric));
    let (mut numbers, mut passed, mut failed) = (Vec::new(), 0usize, 0usize);
    for m in readings {
        match (m.number, m.passed) {
            (Some(n), _) => numbers.push(n),
            (None, Some(true)) => passed += 1,
            (None, Some(false)) => failed += 1,
            _ => {}
        }
    }
    out.push_str("<h3>");
    text(out, &format!("Distribution of {}", one_line(metric, 80)));
    out.push_str("</h3>\n");
    if numbers.is_empty() && passed + failed == 0 {
        out.push_str("<p>No run carried it as a number or true/false.</p>\n");
        return;
    }
    if numbers.is_empty() {
        let counts = [("passed", passed), ("failed", failed)];
        bars(out, &counts.map(|(l, n)| (l.to_owned(), n)), None);
        return;
    }
    let limits: Vec<f64> = on_it
        .iter()
        .filter(|t| t.aggregate != Some(Aggregate::Rate))
        .filter_map(|t| match t.limit {
            Limit::Number(n) => Some(n),
            _ => None,
        })
        .collect();
    let lo = numbers
        .iter()
        .chain(&limits)
        .copied()
        .fold(f64::INFINITY, f64::min);
    let hi = numbers
        .iter()
        .chain(&limits)
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let width = if hi > lo {
        (hi - lo) / BINS as f64
    } else {
        1.0
    };
    let mut counts = [0usize; BINS];
    for n in &numbers {
        let bin = (((n - lo) / width) as usize).min(BINS - 1);
        counts[bin] += 1;
    }
    let labelled: Vec<(String, usize)> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| (number_text(lo + width * i as f64), *c))
        .collect();
    let marks: Vec<f64> = limits
        .iter()
        .map(|l| (l - lo) / (width * BINS as f64))
        .collect();
    bars(out, &labelled, Some(&marks));
    let _ = writeln!(
        out,
        "<p>{} runs, from {} to {}; limits marked in red.</p>",
        numbers.len(),
        number_text(numbers.iter().copied().fold(f64::INFINITY, f64::min)),
        number_text(numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
    );
}

/// Vertical bars with their labels under them; `marks` are lines at
/// fractions (0 to 1) of the width.
fn bars(out: &mut String, bars: &[(String, usize)], marks: Option<&[f64]>) {
    let (chart, top, bottom) = (120usize, 14usize, 16usize);
    let height = chart + top + bottom;
    let most = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let slot = WIDTH / bars.len().max(1);
    let _ = writeln!(
        out,
        "<svg width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"distribution\">"
    );
    for (i, (label, count)) in bars.iter().enumerate() {
        let h = chart * count / most;
        let (x, y) = (i * slot, top + chart - h);
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{h}\" fill=\"#0969da\"><title>{count}</title></rect>",
            x + 1,
            slot.saturating_sub(2)
        );
        if *count > 0 {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\">{count}</text>",
                x + 2,
                y.saturating_sub(2).max(10)
            );
        }
        if bars.len() <= 2 || i % 4 == 0 {
            let _ = write!(out, "<text x=\"{}\" y=\"{}\">", x + 1, height - 3);
            text(out, label);
            out.push_str("</text>");
        }
        out.push('\n');
    }
    for fraction in marks.unwrap_or_default() {
        let x = (fraction.clamp(0.0, 1.0) * (WIDTH - 2) as f64).round() as usize + 1;
        let _ = writeln!(
            out,
            "<line x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{}\" stroke=\"#b42318\" stroke-width=\"2\"/>",
            top + chart
        );
    }
    out.push_str("</svg>\n");
}
