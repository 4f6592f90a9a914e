//! The end-to-end tests, as one test binary (ripgrep's layout): one module
//! per file beside this one, sharing `common` (the loopback fake of the API
//! and the gate run as a process). One binary links the crate and the test
//! dependencies once instead of once per file.
//!
//! Run one module with `cargo test --test tests baseline::`, one test with
//! `cargo test --test tests -- --exact baseline::some_test`.
//!
//! A new file `tests/NAME.rs` runs only once it is declared below as
//! `mod NAME;` (Cargo.toml has `autotests = false`), and
//! `every_test_file_is_declared_here` fails until it is.

mod common;

mod baseline;
mod baseline_age;
mod calls;
mod ci_files;
mod cli;
mod cmd;
mod deprecation;
mod docs;
mod hardening;
mod html;
mod injection;
mod junit_marks;
mod limits;
mod live;
mod messages;
mod openapi;
mod outbound;
mod outputs;
mod polling;
mod pr_comment;
mod properties;
mod reference;
mod repeats;
mod reviews;
mod secrets;
mod start;
mod start_fields;
mod subcommands;
mod success_rate;
mod suite;
mod thresholds;

/// With `autotests = false`, a test file nobody declares would never be
/// compiled or run, and nothing would say so: this says so.
#[test]
fn every_test_file_is_declared_here() {
    let here = include_str!("tests.rs");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut undeclared = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the tests folder") {
        let path = entry.expect("a tests folder entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let is_module =
            path.extension().is_some_and(|e| e == "rs") || path.join("mod.rs").is_file();
        if is_module && stem != "tests" && !here.contains(&format!("\nmod {stem};\n")) {
            undeclared.push(stem.to_owned());
        }
    }
    assert!(
        undeclared.is_empty(),
        "tests/{{{}}}.rs not declared in tests/tests.rs: add `mod NAME;` there",
        undeclared.join(",")
    );
}
