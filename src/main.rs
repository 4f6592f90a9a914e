use clap::Parser;
use std::process::ExitCode;
use vocera_gate::cli::Args;
use vocera_gate::config::{Config, Env};
use vocera_gate::{app, cli, exit};

fn main() -> ExitCode {
    let mut args = Args::parse();
    if let Some(command) = args.command.take() {
        return ExitCode::from(cli::print_helper(command));
    }
    let config = match Config::from_args(args, &mut std::io::stdin(), Env::from_process()) {
        Ok(config) => config,
        Err(e) => {
            vocera_gate::errln!("vocera-gate: error: {e}");
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
            return ExitCode::from(exit::API);
        }
    };
    ExitCode::from(runtime.block_on(app::run(config)))
}
