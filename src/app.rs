//! The gate from a checked [`Config`] to an exit code: get the runs (from the
//! API or a saved response), judge them, write the reports, print the verdict.

use crate::api::Client;
use crate::config::{Config, Source, Verbosity};
use crate::error::{Error, usage};
use crate::files::write_atomic;
use crate::junit;
use crate::model::{Keep, RawRun, parse_runs_keeping};
use crate::policy::{Ending, Slot, Verdict, evaluate};
use crate::poll::{Event, Fetched, Signal, Signals, Stop, wait_for_runs};
use crate::{ci, exit, report};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Runs the gate; errors are printed here, once.
pub async fn run(config: Config) -> u8 {
    match gate(&config).await {
        Ok(code) => code,
        Err(e) => {
            crate::errln!("vocera-gate: error: {e}");
            e.exit_code()
        }
    }
}

async fn gate(config: &Config) -> Result<u8, Error> {
    let (ids, fetched) = obtain(config).await?;
    let code = publish(config, &ids, &fetched);
    // The process exits next: freeing every run string one by one would cost
    // a seventh of a 20,000-run replay for nothing (the OS takes it all back).
    std::mem::forget(fetched);
    code
}

/// The runs: from the saved response, or by polling the API.
async fn obtain(config: &Config) -> Result<(Vec<u64>, Fetched), Error> {
    let quiet = config.verbosity == Verbosity::Quiet;
    Ok(match &config.source {
        Source::File(path) => replay(path, &config.ids, config.keep())?,
        Source::Api { endpoint, ca_certs } => {
            let client = Client::new(
                endpoint.clone(),
                ca_certs.clone(),
                config.keep(),
                config.verbosity == Verbosity::Verbose,
            )
            .map_err(Error::Api)?;
            let mut signals = Signals::new()
                .map_err(|e| Error::Api(format!("cannot listen for signals: {e}")))?;
            let bar = config.progress_bar.then(|| progress_bar(config.ids.len()));
            let mut log = |event: Event| match (event, &bar) {
                (Event::Progress { finished, line, .. }, Some(bar)) => {
                    bar.set_position(finished as u64);
                    bar.set_message(line);
                }
                (Event::Progress { line, .. }, None) if !quiet => {
                    crate::errln!("vocera-gate: {line}")
                }
                (Event::Warning(w), Some(bar)) => {
                    bar.suspend(|| crate::errln!("vocera-gate: warning: {w}"));
                }
                (Event::Warning(w), None) if !quiet => crate::errln!("vocera-gate: warning: {w}"),
                _ => {}
            };
            let fetched =
                wait_for_runs(&client, &config.ids, config.waiting, &mut signals, &mut log).await;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            (config.ids.clone(), fetched)
        }
    })
}

/// Judges the runs, writes every report, prints the verdict; the exit code.
fn publish(config: &Config, ids: &[u64], fetched: &Fetched) -> Result<u8, Error> {
    let quiet = config.verbosity == Verbosity::Quiet;
    let ending = match fetched.stop {
        Stop::Done | Stop::Deadline => Ending::Deadline,
        Stop::Cancelled(_) => Ending::Cancelled,
        Stop::ApiFailed(_) => Ending::ApiFailed,
    };
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
    let eval = evaluate(&config.policy, &slots, ending);
    if !quiet {
        for warning in &eval.warnings {
            crate::errln!("vocera-gate: warning: {warning}");
        }
        // A saved response holds only the runs the API returned: a live run
        // that failed on a missing ID replays as passing without its IDs.
        if let (Source::File(path), true) = (&config.source, config.ids.is_empty())
            && eval.verdict != Verdict::Failed
        {
            crate::errln!(
                "vocera-gate: note: no run IDs given, so only the {} run(s) in {} were judged; to reproduce a live verdict, give its run IDs too (a saved response cannot hold an ID the API did not return)",
                ids.len(),
                path.display()
            );
        }
    }

    let learned_anything = !fetched.runs.is_empty() || !fetched.missing.is_empty();
    let api_error = match &fetched.stop {
        Stop::ApiFailed(message) => Some(message.as_str()),
        _ => None,
    };
    let code = exit::code(&fetched.stop, eval.verdict, config.report_only);
    let word = ci::Word::of(
        eval.verdict,
        matches!(fetched.stop, Stop::Done | Stop::Deadline),
    );
    // With nothing learned from a failing API, a report of N unknown runs
    // would only mislead; the JSON and summary still say what happened.
    let write_junit = api_error.is_none() || learned_anything;
    // Every report is attempted even when one cannot be written (the disk
    // filled up, a path changed since the check at start): CI keeps what
    // could be written, and the first failure decides the exit code (2).
    let mut failures: Vec<Error> = Vec::new();
    let mut wrote = |result: Result<(), Error>| match result {
        Ok(()) => true,
        Err(e) => {
            failures.push(e);
            false
        }
    };
    let junit_written = write_junit && {
        let xml = junit::render(
            &eval,
            junit::Options {
                include_transcript: config.include_transcript,
            },
        );
        wrote(write_atomic(&config.junit, xml.as_bytes()))
    };
    if let Some(path) = config.save_response.as_ref().filter(|_| write_junit) {
        wrote(write_atomic(
            path,
            saved_response(ids, &fetched.runs).as_bytes(),
        ));
    }
    if let Some(path) = &config.json {
        let junit_path = if junit_written {
            config.junit.to_string_lossy()
        } else {
            "".into()
        };
        wrote(write_atomic(
            path,
            ci::json(&eval, word, code, &junit_path).as_bytes(),
        ));
    }
    if let Some(target) = &config.summary {
        let text = ci::summary(&eval, word, api_error);
        wrote(if target.append {
            append(&target.path, &text)
        } else {
            write_atomic(&target.path, text.as_bytes())
        });
    }
    if write_junit {
        if quiet {
            crate::outln!("{}", report::headline(&eval, config.color));
        } else if junit_written {
            crate::outln!(
                "{}  JUnit report: {}",
                report::verdict(&eval, config.color),
                config.junit.display()
            );
        } else {
            crate::outln!("{}", report::verdict(&eval, config.color).trim_end());
        }
    }
    if config.annotations {
        for line in ci::annotations(&eval, api_error) {
            crate::outln!("{line}");
        }
    }
    match &fetched.stop {
        Stop::ApiFailed(message) => crate::errln!("vocera-gate: error: {message}"),
        Stop::Cancelled(signal) => {
            let name = match signal {
                Signal::Interrupt => "SIGINT",
                Signal::Terminate => "SIGTERM",
            };
            crate::errln!("vocera-gate: cancelled by {name}; the reports hold what was known")
        }
        Stop::Done | Stop::Deadline => {}
    }
    let mut failures = failures.into_iter();
    match failures.next() {
        None => Ok(code),
        Some(first) => {
            for later in failures {
                crate::errln!("vocera-gate: error: {later}");
            }
            Err(first)
        }
    }
}

/// A live bar for a terminal: runs finished out of requested, and the
/// progress line as its message.
fn progress_bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {msg}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Adds to a file others write too (GitHub's step summary), in one write.
fn append(path: &Path, text: &str) -> Result<(), Error> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| {
            usage(format!(
                "cannot append the summary to {}: {e}",
                path.display()
            ))
        })
}

/// Reads a saved response. With no IDs given, the file's own IDs are used in
/// its order (a run listed twice is refused unless the copies are identical).
fn replay(path: &Path, ids: &[u64], keep: Keep) -> Result<(Vec<u64>, Fetched), Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read --from-file {}: {e}", path.display())))?;
    let runs = parse_runs_keeping(&text, keep).map_err(|e| {
        usage(format!(
            "--from-file {} is not a saved bulk-runs answer: {e}",
            path.display()
        ))
    })?;
    let ids: Vec<u64> = if ids.is_empty() {
        runs.iter().map(|r| r.run.id).collect()
    } else {
        ids.to_vec()
    };
    if ids.is_empty() {
        return Err(usage(format!(
            "--from-file {} holds no runs and no run IDs were given",
            path.display()
        )));
    }
    let runs: HashMap<u64, RawRun> = runs.into_iter().map(|r| (r.run.id, r)).collect();
    let missing: HashSet<u64> = ids
        .iter()
        .filter(|id| !runs.contains_key(id))
        .copied()
        .collect();
    Ok((
        ids,
        Fetched {
            runs,
            missing,
            stop: Stop::Done,
        },
    ))
}

/// The runs as the API sent them, in request order: a JSON array that
/// `--from-file` reads back.
fn saved_response(ids: &[u64], runs: &HashMap<u64, RawRun>) -> String {
    let mut out = String::from("[");
    let mut first = true;
    // Raw bytes are kept whenever a response is to be saved (`Config::keep`).
    for raw in ids.iter().filter_map(|id| runs.get(id)?.raw.as_ref()) {
        out.push_str(if first { "\n" } else { ",\n" });
        out.push_str(raw.get());
        first = false;
    }
    out.push_str("\n]\n");
    out
}
