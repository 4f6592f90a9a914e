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
    use std::io::Write as _;
    let text = crate::secret::hide(text);
    let text = crate::render::text::inert(&text);
    let _ = if to_stderr {
        writeln!(std::io::stderr().lock(), "{text}")
    } else {
        writeln!(std::io::stdout().lock(), "{text}")
    };
}

/// Writes one workflow command of ours (an `::error` annotation, already
/// escaped by `render::github`) to stdout, as is but for secrets.
pub fn command_line(line: &str) {
    use std::io::Write as _;
    let line = crate::secret::hide(line);
    let _ = writeln!(std::io::stdout().lock(), "{line}");
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
