//! Writing results to stdout, and small helpers the formats share.

use std::io::{self, BufWriter, Write};

use crate::error::CliError;

/// Runs `write` on a buffered, locked stdout. A reader that goes away early (`canopy check |
/// head`) is not an error: the command still ends with the status its result calls for.
pub fn to_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), CliError> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(CliError::Output(err)),
    }
}

/// Prints one `canopy: ...` line on stderr. A closed or failing stderr loses the line, and is
/// not worth stopping (or panicking, as `eprintln!` would) over.
pub fn note(message: &str) {
    let _ = writeln!(io::stderr().lock(), "canopy: {message}");
}

/// `3 errors`, `1 error`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_agree_in_number() {
        assert_eq!(super::count(0, "file", "files"), "0 files");
        assert_eq!(super::count(1, "file", "files"), "1 file");
        assert_eq!(super::count(2, "reference", "references"), "2 references");
    }
}
