//! Writing results to stdout, and small helpers the formats share.

use std::borrow::Cow;
use std::fmt::Write as _;
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

/// Prints one `canopy: ...` line on stderr, escaped (`message` names repository files). A closed
/// or failing stderr loses the line, and is not worth stopping (or panicking, as `eprintln!`
/// would) over.
pub fn note(message: &str) {
    let _ = writeln!(io::stderr().lock(), "canopy: {}", escape(message));
}

/// Characters that never reach the output raw: the control characters (C0, DEL, C1), which end a
/// line, move the cursor or start a terminal's escape sequence, and the Unicode line and
/// paragraph separators, which some viewers take for line breaks.
pub fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Repository text (a path, a name, a message) made fit for one line of human output, on a
/// terminal or in a CI log: file names and quoted Nix names can hold any character, and the
/// repository may come from anyone.
///
/// Each control character becomes a visible escape: `\n`, `\r`, `\t`, `\x1b` (two hex digits
/// for the rest of C0, DEL and C1), `\u{2028}`, `\u{2029}`. GitHub Actions also runs, as
/// workflow commands, a line that starts with `::` (after white space) and any `##[` (its older
/// syntax), so that a file named `::error::x.nix` could annotate a pull request from `canopy
/// check`'s human output: the first `:` of a leading `::` becomes `\x3a` and the second `#` of
/// `##[` becomes `\x23`. Backslashes stay as they are: Nix's own escapes in quoted names
/// (`"a\"b"`) are what `canopy aspects | grep` finds.
pub fn escape(text: &str) -> Cow<'_, str> {
    let command_at = text.len() - text.trim_start().len();
    let starts_command = text[command_at..].starts_with("::");
    if !starts_command && !text.contains("##[") && !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (at, c) in text.char_indices() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ':' if starts_command && at == command_at => out.push_str("\\x3a"),
            '#' if text[..at].ends_with('#') && text[at + 1..].starts_with('[') => out.push_str("\\x23"),
            c if c < '\u{100}' && c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if is_control(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `3 errors`, `1 error`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(super::count(0, "file", "files"), "0 files");
        assert_eq!(super::count(1, "file", "files"), "1 file");
        assert_eq!(super::count(2, "reference", "references"), "2 references");
    }

    #[test]
    fn control_characters_are_escaped_visibly() {
        let cases = [
            ("a\nb\r\nc\td", r"a\nb\r\nc\td"),
            ("\x1b[31mred\x1b[0m", r"\x1b[31mred\x1b[0m"),
            ("\0 \x07 \x7f \u{80} \u{85} \u{9f}", r"\x00 \x07 \x7f \x80 \x85 \x9f"),
            ("a\u{2028}b\u{2029}c", r"a\u{2028}b\u{2029}c"),
            // Printable text, backslashes and Nix's escapes included, stays as it is.
            (r#"modules/ça va [🌲]/"a\"b\n".nix"#, r#"modules/ça va [🌲]/"a\"b\n".nix"#),
            ("\u{a0}\u{ad}\u{200b}\u{202e}", "\u{a0}\u{ad}\u{200b}\u{202e}"),
        ];
        for (text, shown) in cases {
            assert_eq!(escape(text), shown, "{text:?}");
        }
    }

    #[test]
    fn nothing_reads_as_a_github_workflow_command() {
        let cases = [
            ("::error file=x::boom.nix:1:1", r"\x3a:error file=x::boom.nix:1:1"),
            (" \u{a0}::warning::x", " \u{a0}\\x3a:warning::x"),
            ("\t::x", r"\t\x3a:x"),
            ("modules/##[error]x.nix", r"modules/#\x23[error]x.nix"),
            ("###[x] ##[y] #[z] ##", r"##\x23[x] #\x23[y] #[z] ##"),
            // Only at the start does `::` make a command.
            ("a::error::x", "a::error::x"),
            (":x", ":x"),
        ];
        for (text, shown) in cases {
            assert_eq!(escape(text), shown, "{text:?}");
        }
    }
}
