//! The gate from a checked [`Config`] to how it ended: get the runs (from
//! the API or a saved response), judge them, write the reports, print the
//! verdict; and [`finish`], where that ending becomes the exit code.

mod publish;
mod stopped;
mod wait;

pub use stopped::GithubStep;

use crate::config::{Chosen, Config, Source};
use crate::console::Console;
use crate::error::{Ended, Error};
use crate::outputs::{self, error_outputs};
use crate::policy::baseline::Baseline;
use crate::poll::Fetched;
use crate::render::github;
use crate::replay::replay;
use std::path::Path;

/// How the gate ended, and the runs it read, which the caller may free or
/// leave to the OS.
pub struct Finished {
    pub ended: Result<Ended, Error>,
    pub runs: Option<Fetched>,
    pub baseline: Option<Baseline>,
}

impl Finished {
    fn without_runs(ended: Result<Ended, Error>) -> Finished {
        Finished {
            ended,
            runs: None,
            baseline: None,
        }
    }
}

/// The runs to judge: their IDs, what was learned of them, and the result
/// they belong to when known.
struct Obtained {
    ids: Vec<u64>,
    fetched: Fetched,
    result_id: Option<u64>,
    /// The result's own `success_rate`, read after waiting.
    platform_rate: Option<String>,
    /// The started runs the agent under test must dial.
    dials: Vec<crate::start::Dial>,
}

impl Obtained {
    /// Runs read from a saved response.
    fn replayed(ids: Vec<u64>, fetched: Fetched) -> Obtained {
        Obtained {
            ids,
            fetched,
            result_id: None,
            platform_rate: None,
            dials: Vec::new(),
        }
    }
}

/// Runs the gate, printing on `console`. An error that stops it is
/// returned, for [`finish`] to print.
pub async fn run(config: Config, console: &Console) -> Finished {
    if let Some(dry) = DryRun::of(&config) {
        return Finished::without_runs(dry_run(&config, dry, console).await);
    }
    match obtain_judged(&config, console).await {
        Ok((got, baseline)) => {
            let (ended, section) = publish::publish(&config, &got, baseline.as_ref(), console);
            // Last, once every report is written and the verdict known:
            // the comment never changes how the gate ended.
            if let Some(plan) = &config.comment {
                let quiet = config.terminal.verbosity == crate::console::Verbosity::Quiet;
                crate::github::post(plan, section.as_ref(), console, quiet).await;
            }
            Finished {
                ended,
                runs: Some(got.fetched),
                baseline,
            }
        }
        Err(e) => Finished::without_runs(Err(e)),
    }
}

/// The exit code of a run of the program: the one place its ending becomes
/// one. An error is printed, and the step outputs at `step_outputs` (if
/// any) say the gate stopped on it; in GitHub Actions (`github`), a usage
/// or API error is also one `::error` annotation and a short step summary.
pub fn finish(
    console: &Console,
    ended: &Result<Ended, Error>,
    step_outputs: Option<&Path>,
    github: Option<&GithubStep>,
) -> u8 {
    let code = crate::error::exit_code(ended);
    if let Err(e) = ended {
        e.report(console);
        stopped::say(console, e, github);
        if e.has_step_outputs() {
            error_outputs(console, step_outputs, code);
        }
    }
    code
}

/// A run that starts nothing: a start request to print (`--dry-run`, or
/// what `--suite --check` says of a valid spec), or a spec for the
/// platform to price (`--suite --dry-run`).
enum DryRun<'a> {
    Print(&'a str),
    Price(&'a serde_json::Map<String, serde_json::Value>),
}

impl<'a> DryRun<'a> {
    fn of(config: &'a Config) -> Option<DryRun<'a>> {
        match &config.source {
            Source::DryRun(text) => Some(DryRun::Print(text)),
            Source::Api {
                chosen:
                    Some(Chosen::Start {
                        body,
                        dry_run: true,
                        suite: true,
                        ..
                    }),
                ..
            } => Some(DryRun::Price(body)),
            _ => None,
        }
    }
}

/// A dry run. The input files are checked as the real run checks them: a
/// dry run that passes must mean the real one gets past its usage checks.
async fn dry_run(config: &Config, what: DryRun<'_>, console: &Console) -> Result<Ended, Error> {
    config.baseline(console)?;
    match what {
        DryRun::Print(text) => console.out(text.trim_end()),
        DryRun::Price(body) => crate::launch::price(config, body, console).await?,
    }
    if let Some(path) = config.reports.step_outputs() {
        let text = github::dry_run_outputs(&mut crate::files::random_delimiter);
        outputs::step_outputs(path).write_text(&text)?;
    }
    Ok(Ended::Done)
}

/// The runs, and the baseline to compare them with. A replay reads both
/// files at once (two files, two cores); a live gate reads the baseline
/// first, so a bad one costs nothing: no start, no wait.
async fn obtain_judged(
    config: &Config,
    console: &Console,
) -> Result<(Obtained, Option<Baseline>), Error> {
    if let Source::File(path) = &config.source {
        return std::thread::scope(|s| {
            let baseline = s.spawn(|| config.baseline(console));
            let replayed = replay(path, config.form.from_file(), &config.ids, config.keep());
            let baseline = baseline
                .join()
                .unwrap_or_else(|_| Err(Error::Internal("reading --baseline failed".into())))?;
            let (ids, mut fetched) = replayed?;
            identify(config, &mut fetched);
            Ok((Obtained::replayed(ids, fetched), baseline))
        });
    }
    let baseline = config.baseline(console)?;
    let mut got = wait::obtain(config, console).await?;
    identify(config, &mut got.fetched);
    Ok((got, baseline))
}

/// With `--suite`: every run named by its case's key.
fn identify(config: &Config, fetched: &mut Fetched) {
    if let Some(suite) = &config.suite {
        (fetched.runs.values_mut()).for_each(|raw| suite.spec.identify(&mut raw.run));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Env;
    use crate::console::Captured;
    use clap::Parser;
    use std::path::PathBuf;

    const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/runs.json");

    /// The gate on `flags`, its lines captured: how it ended, its exit
    /// code, stdout, stderr.
    fn gate(flags: &[&str], before: impl FnOnce()) -> (Result<Ended, Error>, u8, String, String) {
        let argv = std::iter::once("vocera-gate").chain(flags.iter().copied());
        let args = crate::cli::Args::try_parse_from(argv).expect("parses");
        let step_outputs = args.github_output.clone();
        let config = Config::from_args(args, &mut std::io::empty(), Env::default()).expect("valid");
        before();
        let (out, err) = (Captured::default(), Captured::default());
        let console = Console::new(out.clone(), err.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let ended = runtime.block_on(run(config, &console)).ended;
        let code = finish(&console, &ended, step_outputs.as_deref(), None);
        (ended, code, out.text(), err.text())
    }

    fn file(dir: &tempfile::TempDir, name: &str) -> (PathBuf, String) {
        let path = dir.path().join(name);
        let shown = path.to_string_lossy().into_owned();
        (path, shown)
    }

    #[test]
    fn a_replay_prints_its_verdict_on_the_console() {
        let dir = tempfile::tempdir().expect("dir");
        let ((junit, junit_flag), (outputs, outputs_flag)) =
            (file(&dir, "r.xml"), file(&dir, "outputs"));
        let flags = [
            "--from-file",
            EXAMPLE,
            "--junit",
            &junit_flag,
            "--github-output",
            &outputs_flag,
        ];
        let (ended, code, out, err) = gate(&flags, || {});
        assert_eq!(ended.ok(), Some(Ended::Judged(crate::exit::FAILED)));
        assert_eq!(code, 1, "the example fails on purpose");
        let first = out.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            "vocera-gate: FAILED: score 35 (max 0), 8 runs: 2 passed, 4 failed, 2 errored, 0 missing, 0 unfinished"
        );
        assert!(
            out.ends_with(&format!("  JUnit report: {junit_flag}\n")),
            "{out}"
        );
        assert_eq!(err, "", "a failed replay needs no note");
        assert!(junit.exists(), "the JUnit report is written");
        let written = std::fs::read_to_string(outputs).expect("step outputs");
        assert!(written.starts_with("verdict<<ghadelimiter_"), "{written}");
        assert!(written.contains("\nfailed\n"), "{written}");
        assert!(
            written.contains(&format!("\n{junit_flag}\n")),
            "the outputs name the JUnit report: {written}"
        );
    }

    #[test]
    fn an_error_is_printed_once_and_the_step_outputs_say_so() {
        let dir = tempfile::tempdir().expect("dir");
        let ((_, junit), (outputs, outputs_flag)) = (file(&dir, "r.xml"), file(&dir, "outputs"));
        let (_, missing) = file(&dir, "missing.json");
        let flags = [
            "--from-file",
            &missing,
            "--junit",
            &junit,
            "--github-output",
            &outputs_flag,
        ];
        let (ended, code, out, err) = gate(&flags, || {});
        assert!(matches!(ended, Err(Error::Usage(_))), "{ended:?}");
        assert_eq!(code, crate::exit::USAGE);
        assert_eq!(out, "");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!(
                "vocera-gate: error: cannot read --from-file {missing}: "
            )),
            "{err}"
        );
        let written = std::fs::read_to_string(outputs).expect("step outputs");
        assert!(
            written.contains("\nerror\n") && written.contains("\n2\n"),
            "{written}"
        );
    }

    #[test]
    fn step_outputs_that_cannot_be_appended_are_not_tried_twice() {
        let dir = tempfile::tempdir().expect("dir");
        let sub = dir.path().join("gone");
        std::fs::create_dir(&sub).expect("sub");
        let outputs = sub.join("outputs").to_string_lossy().into_owned();
        let (_, junit) = file(&dir, "r.xml");
        let flags = [
            "--from-file",
            EXAMPLE,
            "--junit",
            &junit,
            "--github-output",
            &outputs,
        ];
        // The folder goes after the check at start, before the writing.
        let (ended, code, out, err) = gate(&flags, || {
            std::fs::remove_dir(&sub).expect("removed");
        });
        assert!(matches!(ended, Err(Error::StepOutputs(_))), "{ended:?}");
        assert_eq!(code, crate::exit::USAGE, "not the verdict's 1");
        assert!(out.starts_with("vocera-gate: FAILED"), "{out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!(
                "vocera-gate: error: cannot append the step outputs to {outputs}: "
            )),
            "{err}"
        );
    }
}
