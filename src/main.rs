use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use vocera_gate::app;
use vocera_gate::cli::Args;
use vocera_gate::config::{Config, Env};
use vocera_gate::console::Console;
use vocera_gate::error::{Ended, Error};

fn main() -> ExitCode {
    let env = Env::from_process();
    // Every secret known, hidden from every line and file from here on.
    vocera_gate::secret::install(vocera_gate::config::redactor(&env, std::env::args_os()));
    std::panic::set_hook(Box::new(|info| {
        vocera_gate::errln!("vocera-gate: internal error (please report it): {info}");
    }));
    let console = Console::process();
    // Where the step outputs go should the gate stop on an error: known
    // better as the command line is read.
    let mut step_outputs = env.github_output.clone();
    let github = app::GithubStep::of(&env, &|name| std::env::var(name).ok());
    let ended = gate(&console, env, &mut step_outputs);
    let code = app::finish(&console, &ended, step_outputs.as_deref(), github.as_ref());
    ExitCode::from(code)
}

/// The whole run of the program, up to how it ended.
fn gate(console: &Console, env: Env, step_outputs: &mut Option<PathBuf>) -> Result<Ended, Error> {
    let mut args = match Args::try_parse() {
        Ok(args) => args,
        // --help and --version: clap's own text on stdout.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return Ok(Ended::Done);
        }
        Err(e) => return Err(Error::Args(e)),
    };
    if let Some(command) = args.command.take() {
        // A helper's failure is no gate's: the step outputs stay as they are.
        *step_outputs = None;
        return vocera_gate::cli::print_helper(command).map(|()| Ended::Done);
    }
    *step_outputs = args.github_output.clone().or(env.github_output.clone());
    let config = Config::from_args(args, &mut std::io::stdin(), env)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::System(format!("cannot start the async runtime: {e}")))?;
    let finished = runtime.block_on(app::run(config, console));
    // The process exits next: freeing every run string one by one would cost
    // a seventh of a 20,000-run replay for nothing (the OS takes it all back).
    std::mem::forget((finished.runs, finished.baseline));
    finished.ended
}
