//! `allinpay-conformance`: sign, verify, check and parse Allinpay messages from the shell,
//! replay the conformance vectors, explain signatures and run the sandbox gateway.
//! Exit codes: 0 ok/valid/conforming, 1 invalid or violations or failures, 2 unreadable
//! input or bad usage (one line on stderr).

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let text = e.to_string();
            let line = text
                .lines()
                .next()
                .unwrap_or("bad usage")
                .trim_start_matches("error: ");
            eprintln!("error: {line} (see --help)");
            return ExitCode::from(2);
        }
    };
    match cli::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(cli::CliError(msg)) => {
            eprintln!("error: {}", msg.replace('\n', " "));
            ExitCode::from(2)
        }
    }
}
