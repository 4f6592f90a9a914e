//! `vocera-gate`: wait for Vocera (Cekura) voice-agent test runs, turn them
//! into a JUnit report, and give CI a verdict with an exit code.
//!
//! Layers, bottom up; each module imports only from the layers below it:
//!
//! ```text
//! main ─ app ─ config ─ outputs, cli ─ api, poll, files ─ render ─ exit ─ policy, ending ─ model
//! ```
//!
//! The core (`model`, `ending`, `policy`, `exit`, `render`, `start`, `suite`) is
//! its own crate, `crates/core`, whose Cargo.toml has no tokio, reqwest or
//! file-system crate: it does no I/O, no clock, and the compiler holds it to that. The shell around it (`api`,
//! `poll`, `files`, `console`, `cli`, `man`, `config`, `app`) talks to the command
//! line, the network, the clock and the disk; `launch` starts runs (or reads a
//! result) before the wait and ends their calls after it; `dialer` runs
//! `--dial-command` for each outbound run while waiting.
//!
//! Where a change goes: a new rule of the verdict in `policy`; a new output
//! format as a renderer in `render/`, a row of the table in `outputs` and
//! its flag in `cli`; a new API call in `api/`; a new flag in `cli` (typed
//! there when it stands alone) and checked in `config`. A failure is an
//! [`error::Error`] of its kind, whose exit code is read in one place.

// The core lives in its own crate (crates/core) so that "it does no I/O" is
// a fact of its Cargo.toml; its modules are re-exported under the same names.
pub use vocera_gate_core::{ending, exit, model, policy, render, start, suite};

pub mod secret;

// The shell.
pub(crate) mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod console;
pub(crate) mod dialer;
pub mod error;
pub(crate) mod files;
pub mod github;
pub(crate) mod launch;
pub(crate) mod man;
pub mod outputs;
pub(crate) mod poll;
pub(crate) mod replay;
pub(crate) mod signals;
