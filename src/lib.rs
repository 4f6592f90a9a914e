//! `vocera-gate`: wait for Vocera (Cekura) voice-agent test runs, turn them
//! into a JUnit report, and give CI a verdict with an exit code.
//!
//! The pure core (`model`, `policy`, `junit`, `xml`, `report`, `exit`) does
//! no I/O; the shell (`config`, `api`, `poll`, `files`, `console`, `app`) talks to the
//! command line, the network, the clock and the disk.

pub mod api;
pub mod app;
pub mod ci;
pub mod cli;
pub mod config;
pub mod console;
pub mod error;
pub mod exit;
pub mod files;
pub mod junit;
pub mod model;
pub mod policy;
pub mod poll;
pub mod report;
pub mod xml;
