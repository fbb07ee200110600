use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match kefu::cli::run(kefu::cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
