//! A live gate's runs: chosen (by ID, a result's, or started), waited for
//! while the progress is shown, then the calls of an unfinished start
//! ended and the result's own success rate read.

use super::Obtained;
use crate::config::{Chosen, Config, Source};
use crate::console::{Console, Verbosity};
use crate::error::{Error, usage};
use crate::poll::{Event, wait_for_runs};
use crate::render::text;
use indicatif::{ProgressBar, ProgressStyle};
use std::time::{Duration, Instant};

/// The runs, by polling the API (after starting them, or reading a
/// result's, when asked).
pub(super) async fn obtain(config: &Config, console: &Console) -> Result<Obtained, Error> {
    let Source::Api { chosen, .. } = &config.source else {
        return Err(usage("only a gate that calls the API waits for runs"));
    };
    say_connection(config, console);
    let command = match chosen {
        Some(Chosen::Start { dial_command, .. }) => dial_command.as_deref(),
        _ => None,
    };
    let (client, mut signals) = crate::launch::connect(config)?;
    let begun = Instant::now();
    let quiet = config.terminal.verbosity == Verbosity::Quiet;
    let launch = crate::launch::Launch {
        client: &client,
        console,
        quiet,
        form: config.form,
    };
    let mut chosen =
        crate::launch::runs(&launch, config, chosen.as_ref(), begun, &mut signals).await?;
    let mut waiting = config.waiting;
    waiting.timeout = waiting
        .timeout
        .saturating_sub(begun.elapsed())
        .max(Duration::from_millis(1));
    let bar = config
        .terminal
        .progress_bar
        .then(|| progress_bar(chosen.ids.len()));
    let mut log = |event: Event| show(event, bar.as_ref(), quiet, console);
    let dialed: Vec<u64> = chosen.dials.iter().map(|d| d.run_id).collect();
    let (ids, reread) = (&mut chosen.ids, chosen.reread);
    let wait = async |signals: &mut crate::signals::Signals| {
        wait_for_runs(&client, ids, reread, &dialed, waiting, signals, &mut log).await
    };
    let dialing = command.map(|command| crate::dialer::Dialing {
        command,
        result_id: chosen.result_id,
        deadline: begun + config.waiting.timeout,
        console,
    });
    let fetched = crate::dialer::wait_dialing(wait, &chosen.dials, dialing, &mut signals).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    crate::launch::end_calls(&launch, &chosen, &fetched).await;
    let deadline = begun + config.waiting.timeout;
    let platform_rate =
        crate::launch::platform_rate(&launch, &chosen, &fetched, deadline, &mut signals).await;
    Ok(Obtained {
        ids: chosen.ids,
        fetched,
        result_id: chosen.result_id,
        platform_rate,
        dials: chosen.dials,
    })
}

/// With `--verbose`: where the key (and the proxy) came from.
fn say_connection(config: &Config, console: &Console) {
    let Source::Api {
        endpoint, proxy, ..
    } = &config.source
    else {
        return;
    };
    if config.terminal.verbosity != Verbosity::Verbose {
        return;
    }
    console.err(&format!(
        "vocera-gate: using the API key from {}",
        endpoint.key.source()
    ));
    if let Some(p) = proxy {
        console.err(&format!(
            "vocera-gate: using the proxy {} from {}",
            p.shown(),
            p.variable
        ));
    }
}

/// Shows what waiting reports: on the bar when there is one, else a line
/// each (none when quiet).
fn show(event: Event, bar: Option<&ProgressBar>, quiet: bool, console: &Console) {
    match (event, bar) {
        (Event::Progress(p), Some(bar)) => {
            bar.set_position((p.finished + p.missing) as u64);
            bar.set_message(text::inert(&crate::secret::hide(&progress_line(&p))).into_owned());
        }
        (Event::Progress(p), None) if !quiet => {
            console.err(&format!("vocera-gate: {}", progress_line(&p)));
        }
        (Event::Warning(w), Some(bar)) => {
            bar.suspend(|| console.err(&format!("vocera-gate: warning: {w}")));
        }
        (Event::Warning(w), None) if !quiet => {
            console.err(&format!("vocera-gate: warning: {w}"));
        }
        _ => {}
    }
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
