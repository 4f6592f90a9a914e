//! Lines for people on stdout and stderr, written without panicking.
//!
//! `println!` panics when the stream is closed (`vocera-gate ... | head`, a
//! log collector that went away), and the panic's exit code 101 would
//! replace the verdict's. A line that cannot be written is dropped; the
//! reports and the exit code are what CI acts on.

/// Like `println!`, but a closed stdout is ignored.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stdout().lock(), $($arg)*);
    }};
}

/// Like `eprintln!`, but a closed stderr is ignored.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr().lock(), $($arg)*);
    }};
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
