//! The gate from a checked [`Config`] to an exit code: get the runs (from the
//! API or a saved response), judge them, write the reports, print the verdict.

use crate::config::{Chosen, Config, Source, SuiteRun};
use crate::console::Verbosity;
use crate::ending::{Stop, Verdict};
use crate::error::{Error, usage};
use crate::policy::baseline::Baseline;
use crate::policy::{Evaluation, Slot, evaluate_against};
use crate::poll::{Event, Fetched, wait_for_runs};
use crate::render::{github, json, junit, markdown, text};
use crate::replay::{replay, saved_response};
use crate::{exit, files};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::time::{Duration, Instant};

/// How the gate ended: its exit code, and the runs it read, which the caller
/// may free or leave to the OS.
pub struct Finished {
    pub code: u8,
    _runs: Option<Fetched>,
    _baseline: Option<Baseline>,
}

/// The runs to judge: their IDs, what was learned of them, and the result
/// they belong to when known.
struct Obtained {
    ids: Vec<u64>,
    fetched: Fetched,
    result_id: Option<u64>,
    /// The result's own `success_rate`, read after waiting.
    platform_rate: Option<String>,
    /// The started runs the agent under test must dial.
    dials: Vec<crate::start::Dial>,
}

/// Runs the gate; errors are printed here, once.
pub async fn run(config: Config) -> Finished {
    let dry = match &config.source {
        Source::DryRun(text) => Some(DryRun::Print(text)),
        Source::Api {
            chosen:
                Some(Chosen::Start {
                    body,
                    dry_run: true,
                    suite: true,
                    ..
                }),
            ..
        } => Some(DryRun::Price(body)),
        _ => None,
    };
    if let Some(dry) = dry {
        return Finished {
            code: dry_run(&config, dry).await,
            _runs: None,
            _baseline: None,
        };
    }
    match obtain_judged(&config).await {
        Ok((got, baseline)) => {
            let code = publish(&config, &got, baseline.as_ref());
            Finished {
                code,
                _runs: Some(got.fetched),
                _baseline: baseline,
            }
        }
        Err(e) => {
            let code = fail(&e);
            error_outputs(config.reports.github_output.as_deref(), code);
            Finished {
                code,
                _runs: None,
                _baseline: None,
            }
        }
    }
}

/// A run that starts nothing: a start request to print (`--dry-run`, or
/// what `--suite --check` says of a valid spec), or a spec for the
/// platform to price (`--suite --dry-run`).
enum DryRun<'a> {
    Print(&'a str),
    Price(&'a serde_json::Map<String, serde_json::Value>),
}

/// A dry run's exit code. The input files are checked as the real run
/// checks them: a dry run that passes must mean the real one gets past its
/// usage checks.
async fn dry_run(config: &Config, what: DryRun<'_>) -> u8 {
    let done = match config.baseline() {
        Err(e) => Err(e),
        Ok(_) => match what {
            DryRun::Print(text) => {
                crate::outln!("{}", text.trim_end());
                Ok(())
            }
            DryRun::Price(body) => crate::launch::price(config, body).await,
        },
    };
    if let Err(e) = done {
        let code = fail(&e);
        error_outputs(config.reports.github_output.as_deref(), code);
        return code;
    }
    let Some(path) = &config.reports.github_output else {
        return exit::PASSED;
    };
    let text = github::dry_run_outputs(&mut files::random_delimiter);
    match files::append(path, &text) {
        Ok(()) => exit::PASSED,
        Err(e) => fail(&usage(format!(
            "cannot append the step outputs to {}: {e}",
            path.display()
        ))),
    }
}

/// The step outputs of a gate that stopped before judging any run (verdict
/// `error`, the exit code, the rest empty), appended to `path` if any. A
/// failure to append is only reported: the exit code already says more.
pub fn error_outputs(path: Option<&Path>, code: u8) {
    if let Some(path) = path {
        let text = github::error_outputs(code, &mut files::random_delimiter);
        if let Err(e) = files::append(path, &text) {
            crate::errln!(
                "vocera-gate: error: cannot append the step outputs to {}: {e}",
                path.display()
            );
        }
    }
}

fn fail(e: &Error) -> u8 {
    crate::errln!("vocera-gate: error: {e}");
    e.exit_code()
}

/// The runs, and the baseline to compare them with. A replay reads both
/// files at once (two files, two cores); a live gate reads the baseline
/// first, so a bad one costs nothing: no start, no wait.
async fn obtain_judged(config: &Config) -> Result<(Obtained, Option<Baseline>), Error> {
    if let Source::File(path) = &config.source {
        return std::thread::scope(|s| {
            let baseline = s.spawn(|| config.baseline());
            let replayed = replay(path, &config.ids, config.keep());
            let baseline = baseline
                .join()
                .unwrap_or_else(|_| Err(Error::System("reading --baseline failed".into())))?;
            let (ids, mut fetched) = replayed?;
            identify(config, &mut fetched);
            let got = Obtained {
                ids,
                fetched,
                result_id: None,
                platform_rate: None,
                dials: Vec::new(),
            };
            Ok((got, baseline))
        });
    }
    let baseline = config.baseline()?;
    let mut got = obtain(config).await?;
    identify(config, &mut got.fetched);
    Ok((got, baseline))
}

/// With `--suite`: every run named by its case's key.
fn identify(config: &Config, fetched: &mut Fetched) {
    if let Some(suite) = &config.suite {
        (fetched.runs.values_mut()).for_each(|raw| suite.spec.identify(&mut raw.run));
    }
}

/// The runs: from the saved response, or by polling the API (after
/// starting them, or reading a result's, when asked).
async fn obtain(config: &Config) -> Result<Obtained, Error> {
    let (endpoint, proxy, chosen) = match &config.source {
        Source::File(path) => {
            let (ids, fetched) = replay(path, &config.ids, config.keep())?;
            return Ok(Obtained {
                ids,
                fetched,
                result_id: None,
                platform_rate: None,
                dials: Vec::new(),
            });
        }
        Source::DryRun(_) => return Err(usage("a dry run sends nothing")),
        Source::Api {
            endpoint,
            proxy,
            chosen,
            ..
        } => (endpoint, proxy, chosen),
    };
    if config.terminal.verbosity == Verbosity::Verbose {
        crate::errln!(
            "vocera-gate: using the API key from {}",
            endpoint.key.source()
        );
        if let Some(p) = proxy {
            crate::errln!(
                "vocera-gate: using the proxy {} from {}",
                p.shown(),
                p.variable
            );
        }
    }
    let command = match chosen {
        Some(Chosen::Start { dial_command, .. }) => dial_command.as_deref(),
        _ => None,
    };
    let (client, mut signals) = crate::launch::connect(config)?;
    let begun = Instant::now();
    let quiet = config.terminal.verbosity == Verbosity::Quiet;
    let mut chosen =
        crate::launch::runs(&client, config, chosen.as_ref(), begun, &mut signals).await?;
    let mut waiting = config.waiting;
    waiting.timeout = waiting
        .timeout
        .saturating_sub(begun.elapsed())
        .max(Duration::from_millis(1));
    let bar = config
        .terminal
        .progress_bar
        .then(|| progress_bar(chosen.ids.len()));
    let mut log = |event: Event| match (event, &bar) {
        (Event::Progress(p), Some(bar)) => {
            bar.set_position((p.finished + p.missing) as u64);
            bar.set_message(text::inert(&crate::secret::hide(&progress_line(&p))).into_owned());
        }
        (Event::Progress(p), None) if !quiet => {
            crate::errln!("vocera-gate: {}", progress_line(&p))
        }
        (Event::Warning(w), Some(bar)) => {
            bar.suspend(|| crate::errln!("vocera-gate: warning: {w}"));
        }
        (Event::Warning(w), None) if !quiet => crate::errln!("vocera-gate: warning: {w}"),
        _ => {}
    };
    let dialed: Vec<u64> = chosen.dials.iter().map(|d| d.run_id).collect();
    let (ids, reread) = (&mut chosen.ids, chosen.reread);
    let wait = async |signals: &mut crate::signals::Signals| {
        wait_for_runs(&client, ids, reread, &dialed, waiting, signals, &mut log).await
    };
    let dialing = command.map(|command| crate::dialer::Dialing {
        command,
        result_id: chosen.result_id,
        deadline: begun + config.waiting.timeout,
    });
    let fetched = crate::dialer::wait_dialing(wait, &chosen.dials, dialing, &mut signals).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    crate::launch::end_calls(&client, &chosen, &fetched, quiet).await;
    let deadline = begun + config.waiting.timeout;
    let platform_rate =
        crate::launch::platform_rate(&client, &chosen, &fetched, deadline, &mut signals, quiet)
            .await;
    Ok(Obtained {
        ids: chosen.ids,
        fetched,
        result_id: chosen.result_id,
        platform_rate,
        dials: chosen.dials,
    })
}

fn progress_line(p: &crate::poll::Progress) -> String {
    text::progress_line(
        p.finished,
        p.missing,
        p.total,
        &p.waiting,
        p.next,
        p.trouble.as_deref(),
    )
}

/// Judges the runs, writes every report, prints the verdict; the exit code.
fn publish(config: &Config, got: &Obtained, baseline: Option<&Baseline>) -> u8 {
    let (ids, fetched) = (&got.ids, &got.fetched);
    let quiet = config.terminal.verbosity == Verbosity::Quiet;
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
        let code = fail(&usage(format!(
            "--threshold: {first}; compare numbers with avg/min/max/med/pN and < <= > >=, true/false with rate or ==, and text with == or !="
        )));
        error_outputs(config.reports.github_output.as_deref(), code);
        return code;
    }
    // The result started or given; else the one every returned run names
    // (v2 runs carry it), so a replay of a saved response names it too.
    eval.result_id = got
        .result_id
        .or_else(|| crate::model::common_result(fetched.runs.values().map(|r| &r.run)));
    eval.platform_success_rate = got.platform_rate.clone();
    eval.dials = got.dials.clone();
    eval.suite = config.suite.as_ref().map(SuiteRun::info);
    if !quiet {
        warn(config, &eval, ids.len());
    }
    // With nothing learned from a failing API, a report of N unknown runs
    // would only mislead; the JSON and summary still say what happened.
    let learned_anything = !fetched.runs.is_empty() || !fetched.missing.is_empty();
    let write_junit = eval.stop.api_error().is_none() || learned_anything;
    let (junit_written, failures) = write_reports(config, &eval, ids, fetched, write_junit);
    if write_junit {
        print_verdict(config, &eval, junit_written);
    }
    if config.terminal.annotations {
        for line in github::annotations(&eval) {
            crate::console::command_line(&line);
        }
    }
    match &eval.stop {
        Stop::ApiFailed(message) => crate::errln!("vocera-gate: error: {message}"),
        Stop::Cancelled(signal) => crate::errln!(
            "vocera-gate: cancelled by {}; the reports hold what was known",
            signal.name()
        ),
        Stop::AllFinal | Stop::Replayed | Stop::Deadline => {}
    }
    conclude(config, &eval, failures, junit_written)
}

/// The exit code: the first report that could not be written makes it 2.
/// Then the step outputs, last, as they carry the exit code.
fn conclude(
    config: &Config,
    eval: &Evaluation<'_>,
    failures: Vec<Error>,
    junit_written: bool,
) -> u8 {
    let mut code = match failures.first() {
        None => exit::code(eval),
        Some(first) => first.exit_code(),
    };
    for failure in &failures {
        fail(failure);
    }
    if let Some(path) = &config.reports.github_output {
        let junit_path = junit_shown(config, junit_written);
        let text = github::outputs(eval, code, &junit_path, &mut files::random_delimiter);
        if let Err(e) = files::append(path, &text) {
            code = fail(&usage(format!(
                "cannot append the step outputs to {}: {e}",
                path.display()
            )));
        }
    }
    code
}

/// The JUnit path as the outputs give it: empty when none was written.
fn junit_shown(config: &Config, written: bool) -> std::borrow::Cow<'_, str> {
    if written {
        config.reports.junit.to_string_lossy()
    } else {
        "".into()
    }
}

/// The policy's warnings, and the replay note where it can matter.
fn warn(config: &Config, eval: &Evaluation<'_>, judged: usize) {
    for warning in &eval.warnings {
        crate::errln!("vocera-gate: warning: {warning}");
    }
    // A saved response holds only the runs the API returned: a live run
    // that failed on a missing ID replays as passing without its IDs.
    if let (Source::File(path), true) = (&config.source, config.ids.is_empty())
        && eval.verdict != Verdict::Failed
    {
        crate::errln!(
            "vocera-gate: note: no run IDs given, so only the {} in {} {} judged; to reproduce a live verdict, give its run IDs too (a saved response cannot hold an ID the API did not return)",
            crate::policy::runs_text(judged, "run"),
            path.display(),
            if judged == 1 { "was" } else { "were" }
        );
    }
}

/// Writes every report asked for. Each is attempted even when another could
/// not be written (the disk filled up, a path changed since the check at
/// start): CI keeps what could be written. Returns whether the JUnit report
/// was written, and the failures.
fn write_reports(
    config: &Config,
    eval: &Evaluation<'_>,
    ids: &[u64],
    fetched: &Fetched,
    write_junit: bool,
) -> (bool, Vec<Error>) {
    let mut failures: Vec<Error> = Vec::new();
    let mut wrote = |result: Result<(), Error>| match result {
        Ok(()) => true,
        Err(e) => {
            failures.push(e);
            false
        }
    };
    let junit_written = write_junit && {
        let options = junit::Options {
            include_transcript: config.reports.include_transcript,
        };
        wrote(write(
            &config.reports.junit,
            junit::render(eval, options).as_bytes(),
        ))
    };
    if let Some(path) = config
        .reports
        .save_response
        .as_ref()
        .filter(|_| write_junit)
    {
        wrote(write(path, saved_response(ids, &fetched.runs).as_bytes()));
    }
    if let Some(path) = &config.reports.json {
        let junit_path = junit_shown(config, junit_written);
        wrote(write(path, json::render(eval, &junit_path).as_bytes()));
    }
    if let Some(target) = &config.reports.summary {
        let summary = markdown::render(eval);
        wrote(if target.append {
            files::append(&target.path, &summary).map_err(|e| {
                usage(format!(
                    "cannot append the summary to {}: {e}",
                    target.path.display()
                ))
            })
        } else {
            write(&target.path, summary.as_bytes())
        });
    }
    (junit_written, failures)
}

/// Writes a report atomically; the error names the path.
fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    files::write_atomic(path, bytes).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::InvalidInput => "",
            _ => "; check the folder exists and is writable",
        };
        let why = match e.kind() {
            std::io::ErrorKind::InvalidInput => e.to_string(),
            _ => files::plain(&e),
        };
        usage(format!("cannot write {}: {why}{hint}", path.display()))
    })
}

fn print_verdict(config: &Config, eval: &Evaluation<'_>, junit_written: bool) {
    if config.terminal.verbosity == Verbosity::Quiet {
        crate::outln!("{}", text::headline(eval, config.terminal.color));
    } else if junit_written {
        crate::outln!(
            "{}  JUnit report: {}",
            text::verdict(eval, config.terminal.color),
            config.reports.junit.display()
        );
    } else {
        crate::outln!("{}", text::verdict(eval, config.terminal.color).trim_end());
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
