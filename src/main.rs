use clap::Parser;
use std::process::ExitCode;
use vocera_gate::cli::{self, Args};
use vocera_gate::config::{Config, Env};
use vocera_gate::{app, exit};

fn main() -> ExitCode {
    let env = Env::from_process();
    // Every secret known, hidden from every line and file from here on.
    vocera_gate::secret::install(vocera_gate::config::redactor(&env, std::env::args_os()));
    std::panic::set_hook(Box::new(|info| {
        vocera_gate::errln!("vocera-gate: internal error (please report it): {info}");
    }));
    let mut args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let code = cli::report_clap_error(&e);
            if code != exit::PASSED {
                app::error_outputs(env.github_output.as_deref(), code);
            }
            return ExitCode::from(code);
        }
    };
    if let Some(command) = args.command.take() {
        return ExitCode::from(cli::print_helper(command));
    }
    let github_output = args.github_output.clone().or(env.github_output.clone());
    let config = match Config::from_args(args, &mut std::io::stdin(), env) {
        Ok(config) => config,
        Err(e) => {
            vocera_gate::errln!("vocera-gate: error: {e}");
            app::error_outputs(github_output.as_deref(), e.exit_code());
            return ExitCode::from(e.exit_code());
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            vocera_gate::errln!("vocera-gate: error: cannot start the async runtime: {e}");
            app::error_outputs(github_output.as_deref(), exit::SYSTEM);
            return ExitCode::from(exit::SYSTEM);
        }
    };
    let finished = runtime.block_on(app::run(config));
    let code = finished.code;
    // The process exits next: freeing every run string one by one would cost
    // a seventh of a 20,000-run replay for nothing (the OS takes it all back).
    std::mem::forget(finished);
    ExitCode::from(code)
}
