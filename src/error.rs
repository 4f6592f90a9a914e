//! The failures users meet, each worded to say what went wrong and what to
//! do, and how a run of the program ended. The exit code is read from these
//! types, in one place each: [`Error::exit_code`] for a failure, and
//! [`Ended::code`] for the rest (a verdict's code is the core's
//! [`exit::code`]).

use crate::console::Console;
use crate::ending::Signal;
use crate::exit;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad flag, ID, input file or output path (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The command line as clap refused it: an unknown flag, a bad value
    /// (exit 2). Printed in clap's words, on as many lines as it takes.
    #[error("{0}")]
    Args(clap::Error),
    /// The step outputs file could not be appended to (exit 2): the one
    /// failure after which no step outputs are written, there being
    /// nowhere to write them.
    #[error("{0}")]
    StepOutputs(String),
    /// The API could not be used (exit 4).
    #[error("{0}")]
    Api(String),
    /// The machine refused what the gate needs to run (exit 5).
    #[error("{0}")]
    System(String),
    /// The CI system cancelled the gate before there were runs to wait
    /// for (exit 130 or 143); the message says what was not sent.
    #[error("cancelled by {signal}: {1}", signal = .0.name())]
    Cancelled(Signal, String),
    /// A bug of ours: a part of the gate panicked (exit 101, as for a
    /// panic anywhere; the panic hook has said "internal error").
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// The exit code of each kind of failure: the only place one is chosen.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Args(_) | Error::StepOutputs(_) => exit::USAGE,
            Error::Api(_) => exit::API,
            Error::System(_) => exit::SYSTEM,
            Error::Cancelled(Signal::Interrupt, _) => exit::SIGINT,
            Error::Cancelled(Signal::Terminate, _) => exit::SIGTERM,
            Error::Internal(_) => exit::INTERNAL,
        }
    }

    /// Prints the error on stderr: `vocera-gate: error: ...`, one line; a
    /// refused command line in clap's words, without its closing pointer
    /// to `--help`.
    pub fn report(&self, console: &Console) {
        let Error::Args(e) = self else {
            console.err(&format!("vocera-gate: error: {self}"));
            return;
        };
        let text = e.render().to_string();
        for line in text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("For more information"))
        {
            match line.strip_prefix("error: ") {
                Some(rest) => console.err(&format!("vocera-gate: error: {rest}")),
                None => console.err(line),
            }
        }
    }

    /// Whether the step outputs should say the gate stopped on this error
    /// (verdict `error`): not when they are what could not be written.
    pub fn has_step_outputs(&self) -> bool {
        !matches!(self, Error::StepOutputs(_))
    }
}

/// How a run of the program ended when nothing stopped it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The gate judged the runs: the core's [`exit::code`] of its
    /// evaluation (0, 1, 3, or 4, 130, 143 when waiting stopped early).
    Judged(u8),
    /// Nothing to judge, and nothing failed: `--help`, a dry run, a helper
    /// command.
    Done,
}

impl Ended {
    pub fn code(self) -> u8 {
        match self {
            Ended::Judged(code) => code,
            Ended::Done => exit::PASSED,
        }
    }
}

/// The exit code of a run of the program.
pub fn exit_code(ended: &Result<Ended, Error>) -> u8 {
    match ended {
        Ok(ended) => ended.code(),
        Err(e) => e.exit_code(),
    }
}

pub fn usage(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_code() {
        let cases = [
            (Err(usage("x")), 2),
            (Err(Error::StepOutputs("x".into())), 2),
            (Err(Error::Api("x".into())), 4),
            (Err(Error::System("x".into())), 5),
            (Err(Error::Cancelled(Signal::Interrupt, "x".into())), 130),
            (Err(Error::Cancelled(Signal::Terminate, "x".into())), 143),
            (Err(Error::Internal("x".into())), 101),
            (Ok(Ended::Judged(exit::UNFINISHED)), 3),
            (Ok(Ended::Done), 0),
        ];
        for (ended, want) in cases {
            assert_eq!(exit_code(&ended), want, "{ended:?}");
        }
        let args = <crate::cli::Args as clap::Parser>::try_parse_from(["vocera-gate", "--nope"]);
        let e = Error::Args(args.expect_err("an unknown flag"));
        assert_eq!(exit_code(&Err(e)), exit::USAGE);
    }

    #[test]
    fn a_refused_command_line_is_printed_in_our_form() {
        let (out, err) = (crate::console::Captured::default(), Default::default());
        let console = Console::new(out.clone(), crate::console::Captured::clone(&err));
        let args = <crate::cli::Args as clap::Parser>::try_parse_from(["vocera-gate", "--nope"]);
        Error::Args(args.expect_err("an unknown flag")).report(&console);
        let text = err.text();
        assert!(
            text.starts_with("vocera-gate: error: unexpected argument '--nope' found\n"),
            "{text}"
        );
        assert!(!text.contains("For more information"), "{text}");
        assert_eq!(out.text(), "");
        usage("bad").report(&console);
        assert!(err.text().ends_with("\nvocera-gate: error: bad\n"));
    }
}
