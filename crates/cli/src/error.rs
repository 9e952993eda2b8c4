//! The ways a command can fail to produce a result (exit status 2).

use std::fmt;
use std::io;
use std::path::PathBuf;

#[derive(Debug)]
pub enum CliError {
    /// PATH is missing, not a folder, or unreadable.
    Root { path: PathBuf, reason: String },
    /// The analysis thread could not start, or stopped on a bug (a panic, already printed).
    Analysis(String),
    /// Writing the result to stdout failed for another reason than a closed pipe.
    Output(io::Error),
    /// `check --fix` could not write a file.
    Write(String),
    /// A `canopy.toml` is malformed or unreadable, or a flag names no code: the message says where.
    Config(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Root { path, reason } => {
                write!(f, "cannot analyse `{}`: {reason}", path.display())
            }
            CliError::Analysis(reason) => write!(f, "the analysis failed: {reason}"),
            CliError::Output(err) => write!(f, "cannot write the result: {err}"),
            CliError::Write(reason) => write!(f, "cannot write a fixed file: {reason}"),
            CliError::Config(reason) => write!(f, "{reason}"),
        }
    }
}
