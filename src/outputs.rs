//! Every file the gate writes, in one table: the flag that names it, where
//! its path comes from, whether it is replaced or appended to, and which
//! renderer of the core fills it. The table drives both the path checks
//! before any request ([`crate::config`]) and the writing after the verdict
//! ([`crate::app`]), in its order.
//!
//! A new output format is a renderer in `crates/core/src/render/`, a row
//! here and its flag in `cli`.

use crate::cli::Args;
use crate::console::Console;
use crate::error::{Error, usage};
use crate::files;
use crate::policy::Evaluation;
use crate::poll::Fetched;
use crate::render::cut::{FullLists, SUMMARY_LIMIT};
use crate::render::{github, html, json, junit, markdown};
use std::path::{Path, PathBuf};

/// The files the gate can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    Junit,
    SaveResponse,
    Json,
    Summary,
    Html,
    StepOutputs,
}

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Written whole to a temporary file renamed over it: a reader never
    /// sees half a report.
    Replace,
    /// Added to: a file the CI step shares (GitHub's step summary and
    /// outputs).
    Append,
}

/// One row of [`ROWS`].
pub struct Row {
    pub report: Report,
    pub flag: &'static str,
    /// The path the flag gives, if given.
    pub path: fn(&Args) -> Option<&Path>,
    pub mode: Mode,
    /// Without the flag: the file a GitHub Actions variable names, and how
    /// it is written.
    pub step_file: Option<StepFile>,
    /// What the file holds, for messages (`cannot append the summary`).
    pub what: &'static str,
    /// Written only when the gate learned something of the runs: with
    /// nothing learned from a failing API, a report of N unknown runs would
    /// only mislead.
    pub needs_runs: bool,
    pub render: fn(&Judged<'_>) -> String,
}

/// A file GitHub Actions gives a step, used when the flag is not given.
pub struct StepFile {
    pub variable: &'static str,
    pub path: fn(&StepFiles) -> Option<&Path>,
    pub mode: Mode,
}

/// The files the gate writes, in the order they are checked and written
/// (the step outputs last: they carry the exit code).
pub static ROWS: [Row; 6] = [
    Row {
        report: Report::Junit,
        flag: "--junit",
        path: |a| Some(&a.junit),
        mode: Mode::Replace,
        step_file: None,
        what: "the JUnit report",
        needs_runs: true,
        render: |j| {
            let options = junit::Options {
                include_transcript: j.include_transcript,
            };
            junit::render(j.eval, options)
        },
    },
    Row {
        report: Report::SaveResponse,
        flag: "--save-response",
        path: |a| a.save_response.as_deref(),
        mode: Mode::Replace,
        step_file: None,
        what: "the response",
        needs_runs: true,
        render: |j| crate::replay::saved_response(j.ids, &j.fetched.runs),
    },
    Row {
        report: Report::Json,
        flag: "--json",
        path: |a| a.json.as_deref(),
        mode: Mode::Replace,
        step_file: None,
        what: "the JSON report",
        needs_runs: false,
        render: |j| json::render(j.eval, j.junit_path),
    },
    Row {
        report: Report::Summary,
        flag: "--summary",
        path: |a| a.summary.as_deref(),
        mode: Mode::Replace,
        step_file: Some(StepFile {
            variable: "GITHUB_STEP_SUMMARY",
            path: |s| s.summary.as_deref(),
            mode: Mode::Append,
        }),
        what: "the summary",
        needs_runs: false,
        render: |j| markdown::render_within(j.eval, SUMMARY_LIMIT, j.lists()),
    },
    Row {
        report: Report::Html,
        flag: "--html",
        path: |a| a.html.as_deref(),
        mode: Mode::Replace,
        step_file: None,
        what: "the HTML report",
        needs_runs: true,
        render: |j| {
            let options = html::Options {
                include_transcript: j.include_transcript,
                include_recordings: j.include_recordings,
                thresholds: j.thresholds,
            };
            html::render(j.eval, options)
        },
    },
    Row {
        report: Report::StepOutputs,
        flag: "--github-output",
        path: |a| a.github_output.as_deref(),
        mode: Mode::Append,
        step_file: Some(StepFile {
            variable: "GITHUB_OUTPUT",
            path: |s| s.output.as_deref(),
            mode: Mode::Append,
        }),
        what: "the step outputs",
        needs_runs: false,
        render: |j| github::outputs(j.eval, j.code, j.lists(), &mut files::random_delimiter),
    },
];

/// The files GitHub Actions gives a step, from its environment.
#[derive(Debug, Clone, Default)]
pub struct StepFiles {
    /// `GITHUB_STEP_SUMMARY`.
    pub summary: Option<PathBuf>,
    /// `GITHUB_OUTPUT`.
    pub output: Option<PathBuf>,
}

/// One file to write: its row, the flag or variable that named it, its
/// path and how it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub report: Report,
    pub flag: &'static str,
    pub path: PathBuf,
    pub mode: Mode,
}

impl Output {
    /// Its row of the table.
    pub fn row(&self) -> &'static Row {
        row(self.report)
    }
}

fn row(report: Report) -> &'static Row {
    let found = ROWS.iter().find(|r| r.report == report);
    // Every report has its row (a test says so).
    found.unwrap_or(&ROWS[0])
}

/// The reports a run of the gate writes.
#[derive(Debug, Clone)]
pub struct Reports {
    /// In the table's order.
    pub outputs: Vec<Output>,
    /// Each transcript in the JUnit `<system-out>` (and the HTML report).
    pub include_transcript: bool,
    /// A player for each recording in the HTML report.
    pub include_recordings: bool,
}

impl Reports {
    /// The files asked for, paths unchecked: each row's flag, else its
    /// step file.
    pub fn asked(args: &Args, step: &StepFiles) -> Reports {
        let outputs = ROWS
            .iter()
            .filter_map(|row| {
                let (flag, path, mode) = match (row.path)(args) {
                    Some(path) => (row.flag, path, row.mode),
                    None => {
                        let file = row.step_file.as_ref()?;
                        (file.variable, (file.path)(step)?, file.mode)
                    }
                };
                Some(Output {
                    report: row.report,
                    flag,
                    path: path.to_path_buf(),
                    mode,
                })
            })
            .collect();
        Reports {
            outputs,
            include_transcript: args.include_transcript,
            include_recordings: args.include_recordings,
        }
    }

    /// The file of `report`, if asked for.
    pub fn get(&self, report: Report) -> Option<&Output> {
        self.outputs.iter().find(|o| o.report == report)
    }

    /// The JUnit report's path (always written: `--junit` has a default).
    pub fn junit(&self) -> &Path {
        self.get(Report::Junit).map_or(Path::new(""), |o| &o.path)
    }

    /// The step outputs file, if any.
    pub fn step_outputs(&self) -> Option<&Path> {
        self.get(Report::StepOutputs).map(|o| o.path.as_path())
    }
}

/// What the renderers read.
#[derive(Clone, Copy)]
pub struct Judged<'a> {
    pub eval: &'a Evaluation<'a>,
    pub ids: &'a [u64],
    pub fetched: &'a Fetched,
    pub include_transcript: bool,
    pub include_recordings: bool,
    /// Every `--threshold`, for the HTML report's charts.
    pub thresholds: &'a [crate::policy::threshold::Threshold],
    /// The JUnit path as the reports give it: empty when none was written.
    pub junit_path: &'a str,
    /// The JSON report's path: empty when none was written (yet).
    pub json_path: &'a str,
    /// The exit code, for the step outputs.
    pub code: u8,
}

impl<'a> Judged<'a> {
    /// The reports written so far, where a cut report points for its full
    /// lists.
    pub fn lists(&self) -> FullLists<'a> {
        FullLists {
            junit: self.junit_path,
            json: self.json_path,
        }
    }
}

impl Output {
    /// Renders and writes the file; the error names the path.
    pub fn write(&self, judged: &Judged<'_>) -> Result<(), Error> {
        self.write_text(&(self.row().render)(judged))
    }

    /// Writes `text` as the row says (replaced atomically, or appended).
    pub fn write_text(&self, text: &str) -> Result<(), Error> {
        let path = &self.path;
        match self.mode {
            Mode::Replace => replace(path, text.as_bytes()),
            Mode::Append => files::append(path, text).map_err(|e| {
                let message = format!(
                    "cannot append {} to {}: {e}",
                    self.row().what,
                    path.display()
                );
                match self.report {
                    Report::StepOutputs => Error::StepOutputs(message),
                    _ => usage(message),
                }
            }),
        }
    }
}

/// Writes a report atomically; the error names the path.
fn replace(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    files::write_atomic(path, bytes).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::InvalidInput => "",
            _ => "; check the folder exists and is writable",
        };
        let why = match e.kind() {
            std::io::ErrorKind::InvalidInput => e.to_string(),
            _ => files::plain(&e),
        };
        usage(format!("cannot write {}: {why}{hint}", path.display()))
    })
}

/// The step outputs of a gate that stopped before judging any run (verdict
/// `error`, the exit code, the rest empty), appended to `path` if any. A
/// failure to append is only reported: the exit code already says more.
pub fn error_outputs(console: &Console, path: Option<&Path>, code: u8) {
    let Some(path) = path else {
        return;
    };
    let text = github::error_outputs(code, &mut files::random_delimiter);
    if let Err(e) = step_outputs(path).write_text(&text) {
        e.report(console);
    }
}

/// The step outputs file at `path`, as its row writes it.
pub fn step_outputs(path: &Path) -> Output {
    Output {
        report: Report::StepOutputs,
        flag: row(Report::StepOutputs).flag,
        path: path.to_path_buf(),
        mode: Mode::Append,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn each_row_is_named_once_and_the_step_outputs_come_last() {
        for (i, row) in ROWS.iter().enumerate() {
            assert!(
                ROWS[..i]
                    .iter()
                    .all(|r| r.report != row.report && r.flag != row.flag),
                "{}",
                row.flag
            );
            assert!(row.flag.starts_with("--"), "{}", row.flag);
        }
        assert_eq!(ROWS[ROWS.len() - 1].report, Report::StepOutputs);
        for report in ROWS.iter().map(|r| r.report) {
            assert_eq!(row(report).report, report, "found by its name");
        }
    }

    #[test]
    fn a_flag_wins_over_the_step_file_and_sets_how_it_is_written() {
        let step = StepFiles {
            summary: Some("step-summary.md".into()),
            output: Some("step-output".into()),
        };
        let args = Args::try_parse_from(["vocera-gate", "1"]).expect("parses");
        let asked = Reports::asked(&args, &step);
        let shown: Vec<_> = (asked.outputs.iter())
            .map(|o| (o.flag, o.path.to_string_lossy().into_owned(), o.mode))
            .collect();
        assert_eq!(
            shown,
            [
                ("--junit", "vocera-junit.xml".to_owned(), Mode::Replace),
                (
                    "GITHUB_STEP_SUMMARY",
                    "step-summary.md".to_owned(),
                    Mode::Append
                ),
                ("GITHUB_OUTPUT", "step-output".to_owned(), Mode::Append),
            ]
        );
        let argv = ["vocera-gate", "1", "--summary", "s.md", "--json", "r.json"];
        let args = Args::try_parse_from(argv).expect("parses");
        let asked = Reports::asked(&args, &step);
        let summary = asked.get(Report::Summary).expect("asked");
        assert_eq!((summary.flag, summary.mode), ("--summary", Mode::Replace));
        let order: Vec<_> = asked.outputs.iter().map(|o| o.report).collect();
        assert_eq!(
            order,
            [
                Report::Junit,
                Report::Json,
                Report::Summary,
                Report::StepOutputs
            ]
        );
    }
}
