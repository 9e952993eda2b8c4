//! Syntax errors: Nix's first one, then rnix's for the rest of the file.
//!
//! Nix stops at its first error, so only that one can be checked against Nix; the grammar
//! (`grammar`) finds it exactly. After it, rnix's error recovery still has useful things to say
//! about the rest of the file, so its errors past that point are kept. Before it, rnix's errors
//! are wrong by definition (Nix read that far), and are dropped.

use rnix::ParseError;

use crate::base::diagnostics::{DiagnosticKind, Finding};
use crate::base::text::{TextRange, TextSize};

/// rnix's errors that start after `after`, as diagnostics.
pub(crate) fn later_errors(errors: &[ParseError], after: TextSize) -> Vec<Finding> {
    let mut out: Vec<Finding> = errors
        .iter()
        .filter_map(|error| {
            let (range, message) = describe(error)?;
            (range.start() > after).then(|| Finding::new(DiagnosticKind::SyntaxError, range, message))
        })
        .collect();
    out.sort_by_key(|d| d.range.start());
    out.dedup_by_key(|d| d.range.start());
    out
}

fn describe(error: &ParseError) -> Option<(TextRange, String)> {
    Some(match error {
        ParseError::Unexpected(range) => (*range, "unexpected input".to_string()),
        ParseError::UnexpectedExtra(range) => (*range, "unexpected input after the expression".to_string()),
        ParseError::UnexpectedWanted(got, range, wanted) => {
            let wanted: Vec<String> = wanted.iter().map(|k| kind_name(*k)).collect();
            (*range, format!("unexpected {}, expecting {}", kind_name(*got), wanted.join(" or ")))
        }
        ParseError::UnexpectedDoubleBind(range) => (*range, "a pattern can be bound to one name only".to_string()),
        // After an earlier error, rnix running out of input is that error's echo.
        ParseError::UnexpectedEOF | ParseError::UnexpectedEOFWanted(_) => return None,
        ParseError::DuplicatedArgs(range, name) => (*range, format!("duplicate formal function argument '{name}'")),
        ParseError::RecursionLimitExceeded => return None,
        _ => return None,
    })
}

/// A token kind as a person would name it.
fn kind_name(kind: rnix::SyntaxKind) -> String {
    use rnix::SyntaxKind::*;
    let text = match kind {
        TOKEN_IDENT => return "identifier".to_string(),
        TOKEN_STRING_START | TOKEN_STRING_END => "\"",
        TOKEN_L_BRACE => "{",
        TOKEN_R_BRACE => "}",
        TOKEN_L_BRACK => "[",
        TOKEN_R_BRACK => "]",
        TOKEN_L_PAREN => "(",
        TOKEN_R_PAREN => ")",
        TOKEN_SEMICOLON => ";",
        TOKEN_COLON => ":",
        TOKEN_COMMA => ",",
        TOKEN_ASSIGN => "=",
        TOKEN_AT => "@",
        TOKEN_DOT => ".",
        TOKEN_QUESTION => "?",
        TOKEN_ELLIPSIS => "...",
        TOKEN_IN => "in",
        TOKEN_THEN => "then",
        TOKEN_ELSE => "else",
        TOKEN_REC => "rec",
        TOKEN_INTERPOL_START => "${",
        TOKEN_INTERPOL_END => "}",
        other => return format!("{other:?}").trim_start_matches("TOKEN_").to_lowercase().replace('_', " "),
    };
    format!("'{text}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_errors_after_the_first_are_kept() {
        let text = "{ a = 1 b = 2 c = 3 }";
        let parse = crate::syntax::parse(text);
        let later = later_errors(parse.errors(), TextSize::from(8));
        assert!(later.iter().all(|d| d.range.start() > TextSize::from(8)));
        assert!(!later.is_empty());
        assert!(later_errors(parse.errors(), TextSize::of(text)).is_empty());
    }
}
