//! `canopy`: the command line.
//!
//! This file only parses arguments and maps outcomes to exit codes. Each subcommand lives in its
//! own module (`check`, `aspects`), which loads the workspace (`load`), runs the analysis on a
//! big stack (`analyse`) and hands plain data to one module per output format.

mod analyse;
mod aspects;
mod check;
mod error;
mod load;
mod location;
mod output;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Exit status:
  0  no diagnostic of error severity
  1  at least one diagnostic of error severity (`check` only)
  2  bad arguments, an unreadable PATH, or canopy could not finish

Positions: lines and columns are 1-based in `human` and `github` output and 0-based in `json`
output (as in LSP); columns count UTF-16 code units, as LSP and most editors do.

Set CANOPY_LOG (e.g. CANOPY_LOG=debug) to log to stderr.";

/// Checker for dendritic Nix repositories (flake-parts + import-tree).
///
/// canopy reads the `.nix` files under PATH and never evaluates them, runs nothing from the
/// repository, writes no file and uses no network.
#[derive(Debug, Parser)]
#[command(name = "canopy", version, after_help = AFTER_HELP)]
#[command(subcommand_required = true, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print every diagnostic of the repository at PATH.
    Check(CheckArgs),
    /// List every aspect and host: where each is defined, referenced and included.
    Aspects(AspectsArgs),
    // `canopy lsp` (the language server over stdio) arrives with its own issue. It belongs here as
    // one more variant whose handler passes stdin/stdout to the server crate; nothing in
    // `check`/`aspects` needs to change for it.
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// The repository's root folder. Every `.nix` file below it is read.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// `path:line:column: severity[code]: message`, then a summary line.
    Human,
    /// One JSON object: root, file and aspect counts, diagnostics with LSP ranges.
    Json,
    /// GitHub Actions workflow annotations (`::error file=...::message`).
    Github,
}

#[derive(Debug, Args)]
struct AspectsArgs {
    /// The repository's root folder. Every `.nix` file below it is read.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AspectsFormat::Human)]
    format: AspectsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AspectsFormat {
    /// One line per aspect, grouped by collection and class, then the hosts.
    Human,
    /// One JSON object: `{"aspects": [...], "hosts": [...]}`.
    Json,
}

fn main() -> ExitCode {
    init_logging();
    // clap prints its own message and exits with status 2 on bad arguments.
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check(args) => check::run(&args.path, args.format),
        Command::Aspects(args) => aspects::run(&args.path, args.format),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            output::note(&err.to_string());
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr and are off unless `CANOPY_LOG` asks for them, so that stdout carries only
/// results and stderr stays quiet in CI.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CANOPY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn arguments_are_consistent() {
        Cli::command().debug_assert();
    }
}
