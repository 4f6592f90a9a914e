//! Lines for people on stdout and stderr, written without panicking.
//!
//! `println!` panics when the stream is closed (`vocera-gate ... | head`, a
//! log collector that went away), and the panic's exit code 101 would
//! replace the verdict's. A line that cannot be written is dropped; the
//! reports and the exit code are what CI acts on.
//!
//! Every line goes through the installed [`secret`](crate::secret) redactor,
//! so no secret the gate knows is printed in any form, and then through
//! [`inert`](crate::render::text::inert), so no text from the API can become
//! a workflow command in a CI log. Our own annotations, which are such
//! commands, are written by [`command_line`] (redacted too).

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Like `println!`, but a closed stdout is ignored.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::console::print_line(false, &::std::format!($($arg)*))
    };
}

/// Like `eprintln!`, but a closed stderr is ignored.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::console::print_line(true, &::std::format!($($arg)*))
    };
}

/// Writes `text` and a line break to stderr or stdout, secrets hidden,
/// made inert.
pub fn print_line(to_stderr: bool, text: &str) {
    if to_stderr {
        write_line(&mut std::io::stderr().lock(), text);
    } else {
        write_line(&mut std::io::stdout().lock(), text);
    }
}

/// Writes one workflow command of ours (an `::error` annotation, already
/// escaped by `render::github`) to stdout, as is but for secrets.
pub fn command_line(line: &str) {
    write_command(&mut std::io::stdout().lock(), line);
}

fn write_line(to: &mut dyn Write, text: &str) {
    let text = crate::secret::hide(text);
    let text = crate::render::text::inert(&text);
    let _ = writeln!(to, "{text}");
}

fn write_command(to: &mut dyn Write, line: &str) {
    let line = crate::secret::hide(line);
    let _ = writeln!(to, "{line}");
}

/// Where the gate's lines for people go: the process's stdout and stderr,
/// or buffers a test reads. Each line is written as [`outln!`] and
/// [`errln!`] write it (secrets hidden, made inert, a closed stream
/// ignored), whole, under a lock, so lines from concurrent tasks never mix.
pub struct Console {
    out: Mutex<Box<dyn Write + Send>>,
    err: Mutex<Box<dyn Write + Send>>,
}

impl Console {
    /// The process's own stdout and stderr.
    pub fn process() -> Console {
        Console::new(std::io::stdout(), std::io::stderr())
    }

    /// Lines written to `out` and `err`.
    pub fn new(out: impl Write + Send + 'static, err: impl Write + Send + 'static) -> Console {
        Console {
            out: Mutex::new(Box::new(out)),
            err: Mutex::new(Box::new(err)),
        }
    }

    /// A line on stdout (the verdict, a dry run's request).
    pub fn out(&self, text: &str) {
        write_line(&mut **lock(&self.out), text);
    }

    /// A line on stderr (progress, warnings, errors).
    pub fn err(&self, text: &str) {
        write_line(&mut **lock(&self.err), text);
    }

    /// One workflow command of ours on stdout, as [`command_line`] writes it.
    pub fn command(&self, line: &str) {
        write_command(&mut **lock(&self.out), line);
    }
}

/// A stream's lock; a line half written by a thread that panicked is no
/// reason to stop writing the others.
fn lock(stream: &Mutex<Box<dyn Write + Send>>) -> MutexGuard<'_, Box<dyn Write + Send>> {
    stream.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a [`Console`] wrote, for a test to read: a buffer that can be
/// shared with the console writing into it.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How much to print on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Only the verdict line and errors.
    Quiet,
    Normal,
    /// Also each request (never the key).
    Verbose,
}
