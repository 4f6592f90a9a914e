//! After the wait: the runs judged, every report of the table of outputs
//! written, the verdict printed.

use super::Obtained;
use crate::config::{Config, Source, SuiteRun};
use crate::console::{Console, Verbosity};
use crate::ending::{Stop, Verdict};
use crate::error::{Ended, Error, usage};
use crate::exit;
use crate::outputs::{Judged, Report};
use crate::policy::baseline::Baseline;
use crate::policy::{Evaluation, Slot, evaluate_against};
use crate::render::cut::FullLists;
use crate::render::{comment, github, text};
use std::borrow::Cow;

/// Judges the runs, writes every report, prints the verdict; with
/// `--pr-comment` and a pull request to post to, renders this gate's
/// section of the comment (posted by the caller, last).
pub(super) fn publish(
    config: &Config,
    got: &Obtained,
    baseline: Option<&Baseline>,
    console: &Console,
) -> (Result<Ended, Error>, Option<comment::Section>) {
    let mut section = None;
    let ended = judge_and_write(config, got, baseline, console, &mut section);
    (ended, section)
}

fn judge_and_write(
    config: &Config,
    got: &Obtained,
    baseline: Option<&Baseline>,
    console: &Console,
    section: &mut Option<comment::Section>,
) -> Result<Ended, Error> {
    let (ids, fetched) = (&got.ids, &got.fetched);
    let slots: Vec<(u64, Slot<'_>)> = ids
        .iter()
        .map(|id| {
            let slot = match fetched.runs.get(id) {
                Some(raw) => Slot::Found(&raw.run),
                None if fetched.missing.contains(id) => Slot::Missing,
                None => Slot::Unseen,
            };
            (*id, slot)
        })
        .collect();
    let mut eval = evaluate_against(&config.policy, &slots, fetched.stop.clone(), baseline);
    // A saved response holds the metrics as they will stay: a threshold
    // that cannot compare them is the user's to fix, not a verdict.
    if let (Stop::Replayed, Some(first)) = (&eval.stop, eval.mismatches.first()) {
        return Err(usage(format!(
            "--threshold: {first}; compare numbers with avg/min/max/med/pN and < <= > >=, true/false with rate or ==, and text with == or !="
        )));
    }
    // The result started or given; else the one every returned run names
    // (v2 runs carry it), so a replay of a saved response names it too.
    eval.result_id = got
        .result_id
        .or_else(|| crate::model::common_result(fetched.runs.values().map(|r| &r.run)));
    eval.platform_success_rate = got.platform_rate.clone();
    eval.dials = got.dials.clone();
    eval.suite = config.suite.as_ref().map(SuiteRun::info);
    eval.commit = config.commit.clone();
    if config.terminal.verbosity != Verbosity::Quiet {
        warn(config, &eval, ids.len(), console);
    }
    let judged = Judged {
        eval: &eval,
        ids,
        fetched,
        include_transcript: config.reports.include_transcript,
        include_recordings: config.reports.include_recordings,
        thresholds: &config.policy.thresholds,
        junit_path: "",
        json_path: "",
        code: exit::code(&eval),
    };
    // With nothing learned from a failing API, a report of N unknown runs
    // would only mislead; the JSON and summary still say what happened.
    let learned_anything = !fetched.runs.is_empty() || !fetched.missing.is_empty();
    let with_runs = eval.stop.api_error().is_none() || learned_anything;
    let (written, failures) = write_reports(config, judged, with_runs);
    if with_runs {
        print_verdict(config, &eval, written.junit, console);
    }
    say_stop(config, &eval, written, console);
    if let Some(plan) = config.comment.as_ref().filter(|p| p.ready()) {
        *section = Some(comment::section(&eval, &plan.key, &plan.links));
    }
    conclude(config, judged, failures, written, console)
}

/// The annotations, and how waiting stopped when it stopped early.
fn say_stop(config: &Config, eval: &Evaluation<'_>, written: Written, console: &Console) {
    if config.terminal.annotations {
        let (junit, json) = written.paths(config);
        let lists = FullLists {
            junit: &junit,
            json: &json,
        };
        for line in github::annotations(eval, lists) {
            console.command(&line);
        }
    }
    match &eval.stop {
        Stop::ApiFailed(message) => console.err(&format!("vocera-gate: error: {message}")),
        Stop::Cancelled(signal) => console.err(&format!(
            "vocera-gate: cancelled by {}; the reports hold what was known",
            signal.name()
        )),
        Stop::AllFinal | Stop::Replayed | Stop::Deadline => {}
    }
}

/// The exit code: the first report that could not be written makes it
/// that failure's. Then the step outputs, last, as they carry the exit
/// code.
fn conclude(
    config: &Config,
    mut judged: Judged<'_>,
    failures: Vec<Error>,
    written: Written,
    console: &Console,
) -> Result<Ended, Error> {
    if let Some(first) = failures.first() {
        judged.code = first.exit_code();
    }
    for failure in &failures {
        failure.report(console);
    }
    if let Some(output) = config.reports.get(Report::StepOutputs) {
        let (junit_path, json_path) = written.paths(config);
        output.write(&Judged {
            junit_path: &junit_path,
            json_path: &json_path,
            ..judged
        })?;
    }
    Ok(Ended::Judged(judged.code))
}

/// The reports written so far that hold every run: a cut report (the
/// summary, an output, the annotations) names them for the full lists.
#[derive(Debug, Clone, Copy, Default)]
struct Written {
    junit: bool,
    json: bool,
}

impl Written {
    /// The JUnit and JSON paths as the reports give them: empty when not
    /// written.
    fn paths(self, config: &Config) -> (Cow<'_, str>, Cow<'_, str>) {
        let shown = |report: Report, written: bool| match config.reports.get(report) {
            Some(output) if written => output.path.to_string_lossy(),
            _ => Cow::Borrowed(""),
        };
        (
            shown(Report::Junit, self.junit),
            shown(Report::Json, self.json),
        )
    }
}

/// The policy's warnings, and the replay note where it can matter.
fn warn(config: &Config, eval: &Evaluation<'_>, judged: usize, console: &Console) {
    for warning in &eval.warnings {
        console.err(&format!("vocera-gate: warning: {warning}"));
    }
    // A saved response holds only the runs the API returned: a live run
    // that failed on a missing ID replays as passing without its IDs.
    if let (Source::File(path), true) = (&config.source, config.ids.is_empty())
        && eval.verdict != Verdict::Failed
    {
        console.err(&format!(
            "vocera-gate: note: no run IDs given, so only the {} in {} {} judged; to reproduce a live verdict, give its run IDs too (a saved response cannot hold an ID the API did not return)",
            crate::policy::runs_text(judged, "run"),
            path.display(),
            if judged == 1 { "was" } else { "were" }
        ));
    }
}

/// Writes every report of the table but the step outputs, in its order
/// (the JUnit report first, so the others can name it); those that need
/// runs only `with_runs`. Each is attempted even when another could not be
/// written (the disk filled up, a path changed since the check at start):
/// CI keeps what could be written. Returns which of the JUnit and JSON
/// reports were written, and the failures.
fn write_reports(config: &Config, judged: Judged<'_>, with_runs: bool) -> (Written, Vec<Error>) {
    let mut failures: Vec<Error> = Vec::new();
    let mut written = Written::default();
    for output in &config.reports.outputs {
        let row = output.row();
        if output.report == Report::StepOutputs || (row.needs_runs && !with_runs) {
            continue;
        }
        let (junit_path, json_path) = written.paths(config);
        let judged = Judged {
            junit_path: &junit_path,
            json_path: &json_path,
            ..judged
        };
        match output.write(&judged) {
            Ok(()) => {
                written.junit |= output.report == Report::Junit;
                written.json |= output.report == Report::Json;
            }
            Err(e) => failures.push(e),
        }
    }
    (written, failures)
}

fn print_verdict(config: &Config, eval: &Evaluation<'_>, junit_written: bool, console: &Console) {
    let color = config.terminal.color;
    if config.terminal.verbosity == Verbosity::Quiet {
        console.out(&text::headline(eval, color));
    } else if junit_written {
        console.out(&format!(
            "{}  JUnit report: {}",
            text::verdict(eval, color),
            config.reports.junit().display()
        ));
    } else {
        console.out(text::verdict(eval, color).trim_end());
    }
}
