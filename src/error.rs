//! The failures users meet, each worded to say what went wrong and what to do.

use crate::ending::Signal;
use crate::exit;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad flag, ID, input file or output path (exit 2).
    #[error("{0}")]
    Usage(String),
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
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Api(_) => exit::API,
            Error::System(_) => exit::SYSTEM,
            Error::Cancelled(Signal::Interrupt, _) => exit::SIGINT,
            Error::Cancelled(Signal::Terminate, _) => exit::SIGTERM,
        }
    }
}

pub fn usage(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}
