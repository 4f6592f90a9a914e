//! `--dial-command CMD`: for an outbound agent, the user's command that
//! makes the agent under test call each started run's number. One command
//! per run that carries a dial number, one after another in run-ID order,
//! each once its window opens (at once when it has opened, when no
//! `opens_at` is given, or when it cannot be read), while the runs are
//! polled.
//!
//! The command runs as `sh -c CMD` (POSIX sh) with the run's values in
//! environment variables, never written into the command string:
//! `VOCERA_DIAL_NUMBER`, `VOCERA_RUN_ID`, `VOCERA_RESULT_ID`,
//! `VOCERA_DIAL_OPENS_AT`, `VOCERA_DIAL_CLOSES_AT`,
//! `VOCERA_DIAL_WINDOW_SECONDS` (empty when the answer did not give it).
//! The API key variables are not passed on. Its standard input is closed;
//! each line it writes (stdout or stderr) is printed on the gate's stderr,
//! prefixed `vocera-gate: dial run N: `, secrets hidden. It may take the
//! run's window (else 60 s), never past `--timeout`; a signal to the gate,
//! or the end of waiting, kills it.
//!
//! Failing closed: a command that cannot be started, exits nonzero or
//! times out makes its run errored with that reason, whatever the platform
//! later says of the run.

use crate::ending::Stop;
use crate::model::Status;
use crate::poll::Fetched;
use crate::signals::Signals;
use crate::start::Dial;
use std::cell::Cell;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// How long a command may take when the run's window has no length.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The environment variables that hold an API key: never passed on.
const KEY_VARIABLES: [&str; 2] = ["VOCERA_API_KEY", "CEKURA_API_KEY"];

/// A run whose dial command failed, and why (`--dial-command failed for
/// run 181: exit 3`).
type Failed = (u64, String);

/// What the commands need besides each run's dial.
pub struct Dialing<'a> {
    pub command: &'a str,
    pub result_id: Option<u64>,
    pub deadline: Instant,
    /// Where each line the command writes, and each failure, is shown.
    pub console: &'a crate::console::Console,
}

/// Waits for the runs (`waiting`) while the commands dial, then stops the
/// dialing: when every run is final, the command under way may finish
/// (within its timeout; a signal kills it and cancels the gate); otherwise
/// it is killed. Returns what waiting learned, each failed command's run
/// errored. Without `dialing` (no `--dial-command`), only waits.
pub async fn wait_dialing(
    waiting: impl AsyncFnOnce(&mut Signals) -> Fetched,
    dials: &[Dial],
    dialing: Option<Dialing<'_>>,
    signals: &mut Signals,
) -> Fetched {
    let Some(dialing) = dialing else {
        return waiting(signals).await;
    };
    if dials.is_empty() {
        dialing.console.err(
            "vocera-gate: warning: no started run carries a dial number, so --dial-command was not run",
        );
        return waiting(signals).await;
    }
    let dialing = &dialing;
    let mut failed = Vec::new();
    let over = Cell::new(false);
    let mut fetched = {
        let dial_all = dial_all(dials, dialing, &over, &mut failed);
        tokio::pin!(dial_all);
        let mut dialed = false;
        let mut fetched = {
            let waiting = waiting(&mut *signals);
            tokio::pin!(waiting);
            loop {
                tokio::select! {
                    fetched = &mut waiting => break fetched,
                    () = &mut dial_all, if !dialed => dialed = true,
                }
            }
        };
        over.set(true);
        if fetched.stop == Stop::AllFinal && !dialed {
            tokio::select! {
                () = &mut dial_all => {}
                s = signals.recv() => fetched.stop = Stop::Cancelled(s),
            }
        }
        fetched
    };
    // Fail closed: each failed command's run is errored, with the reason.
    for (id, why) in &failed {
        if let Some(raw) = fetched.runs.get_mut(id) {
            raw.run.status = Status::Ended("failed".into());
            raw.run.success = Some(false);
            raw.run.error_message = Some(why.clone());
        }
    }
    fetched
}

/// Runs the command for each dial in run-ID order, each once its window
/// opens; stops starting new ones once `over` is set.
async fn dial_all(
    dials: &[Dial],
    dialing: &Dialing<'_>,
    over: &Cell<bool>,
    failed: &mut Vec<Failed>,
) {
    let mut dials: Vec<&Dial> = dials.iter().collect();
    dials.sort_by_key(|d| d.run_id);
    for dial in dials {
        if let Some(wait) = dial.opens_at.as_deref().and_then(until) {
            tokio::time::sleep(wait).await;
        }
        if over.get() {
            return;
        }
        let left = dialing.deadline.saturating_duration_since(Instant::now());
        let limit = dial
            .seconds
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs)
            .min(left);
        if let Err(why) = dial_one(dial, dialing, limit).await {
            let why = format!("--dial-command failed for run {}: {why}", dial.run_id);
            (dialing.console).err(&format!(
                "vocera-gate: error: {why}; the run counts as errored"
            ));
            failed.push((dial.run_id, why));
        }
    }
}

/// How long until `opens_at` (RFC 3339); `None` when it has passed or
/// cannot be read (the command then runs at once).
fn until(opens_at: &str) -> Option<Duration> {
    let opens = humantime::parse_rfc3339_weak(opens_at.trim()).ok()?;
    opens.duration_since(SystemTime::now()).ok()
}

/// One command for one run, within `limit`.
async fn dial_one(dial: &Dial, dialing: &Dialing<'_>, limit: Duration) -> Result<(), String> {
    let text = |value: Option<&str>| value.unwrap_or_default().to_owned();
    let mut command = tokio::process::Command::new("sh");
    command
        .arg("-c")
        .arg(dialing.command)
        .env("VOCERA_DIAL_NUMBER", &dial.number)
        .env("VOCERA_RUN_ID", dial.run_id.to_string())
        .env(
            "VOCERA_RESULT_ID",
            dialing
                .result_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
        )
        .env("VOCERA_DIAL_OPENS_AT", text(dial.opens_at.as_deref()))
        .env("VOCERA_DIAL_CLOSES_AT", text(dial.closes_at.as_deref()))
        .env(
            "VOCERA_DIAL_WINDOW_SECONDS",
            dial.seconds.map(|s| s.to_string()).unwrap_or_default(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for key in KEY_VARIABLES {
        command.env_remove(key);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run sh ({e})"))?;
    let id = dial.run_id;
    let out = relay(child.stdout.take(), id, dialing.console);
    let err = relay(child.stderr.take(), id, dialing.console);
    let run = async {
        let (status, (), ()) = tokio::join!(child.wait(), out, err);
        status
    };
    match tokio::time::timeout(limit, run).await {
        Err(_) => Err(format!(
            "timed out after {}",
            humantime::format_duration(Duration::from_secs(limit.as_secs().max(1)))
        )),
        Ok(Err(e)) => Err(format!("cannot wait for it ({e})")),
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(match status.code() {
            Some(code) => format!("exit {code}"),
            None => "killed by a signal".to_owned(),
        }),
    }
}

/// Prints each line `stream` gives on stderr, prefixed with the run (text
/// that is not UTF-8 shown with replacement characters).
async fn relay(
    stream: Option<impl AsyncRead + Unpin>,
    run_id: u64,
    console: &crate::console::Console,
) {
    let Some(stream) = stream else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    while matches!(reader.read_until(b'\n', &mut line).await, Ok(n) if n > 0) {
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        console.err(&format!("vocera-gate: dial run {run_id}: {text}"));
        line.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::until;
    use std::time::{Duration, SystemTime};

    #[test]
    fn a_window_opens_at_once_when_it_has_opened_or_cannot_be_read() {
        assert_eq!(until("2020-01-01T00:00:00Z"), None, "opened");
        assert_eq!(until("soon"), None, "unreadable");
        let later = humantime::format_rfc3339_seconds(SystemTime::now() + Duration::from_secs(90));
        let wait = until(&later.to_string()).expect("in the future");
        assert!(
            wait > Duration::from_secs(80) && wait <= Duration::from_secs(90),
            "{wait:?}"
        );
    }
}
