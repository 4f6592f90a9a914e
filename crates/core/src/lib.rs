//! The core of `vocera-gate`: the data model, the policy, the end states, the
//! exit codes, the renderers, the start plan and the JSON report types.
//!
//! It does no I/O, and that is a fact of this crate's `Cargo.toml`: no tokio,
//! no reqwest, no file-system or process crate. Everything here takes values
//! and returns values; the shell (the `vocera-gate` crate) talks to the
//! network, the clock, the disk and the command line.
//!
//! Layers, bottom up; each module imports only from the layers below it:
//!
//! ```text
//! render ─ exit ─ policy ─ ending, start, suite ─ model
//! ```

#![warn(unreachable_pub)]

pub mod ending;
pub mod exit;
pub mod model;
pub mod policy;
pub mod render;
pub mod start;
pub mod suite;
