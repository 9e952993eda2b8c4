//! Suppression comments: `# canopy: ignore[code]` at the end of a line or alone on the line
//! above it, `# canopy: ignore-file[code]` among the file's leading comments, and `ignore` with no
//! codes for every code. A suppression that suppresses nothing is itself reported
//! (`unused-suppression`, as ruff's `RUF100` does for `noqa`), so that they do not outlive the
//! code they were written for.
//!
//! Comments are read from the syntax tree when the file is summarised (only in files whose text
//! says `canopy:`), so that a `#` inside a string is never taken for one; they are applied when
//! diagnostics are reported, against the kinds the user has on.

use std::sync::Arc;

use rnix::SyntaxKind::{TOKEN_COMMENT, TOKEN_WHITESPACE};
use rustc_hash::FxHashMap;
use smol_str::SmolStr;

use crate::base::FileId;
use crate::base::diagnostics::{Diagnostic, DiagnosticKind};
use crate::base::fix::{Fix, TextEdit};
use crate::base::text::{LineIndex, TextRange, TextSize};
use crate::syntax::SyntaxNode;

/// One `canopy:` directive in a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suppression {
    /// What removing it removes: the comment, and its line when it is alone there.
    removal: TextRange,
    /// From `canopy:` to the end of the directive: what an unused-suppression hint points at.
    directive: TextRange,
    target: Target,
    /// The codes it names with where each is written; empty for every code.
    codes: Vec<(SmolStr, TextRange)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// `ignore-file`: the whole file.
    File,
    /// `ignore`: the line holding this offset (the comment's own, or the next code's).
    Line(TextSize),
    /// Nothing it could apply to (an `ignore` after the last code), or a directive canopy cannot
    /// read: the message says which.
    Nothing(&'static str),
}

const MARK: &str = "canopy:";

/// Every directive in the comments of a file.
pub(crate) fn find(root: &SyntaxNode, text: &str) -> Vec<Suppression> {
    let mut found = Vec::new();
    // Leading comments: before the first token that is neither a comment nor white space.
    let mut leading = true;
    for token in root.descendants_with_tokens().filter_map(|e| e.into_token()) {
        match token.kind() {
            TOKEN_WHITESPACE => {}
            TOKEN_COMMENT => {
                let comment = token.text();
                // Only line comments: `/* canopy: ... */` would have no line to sit at the end of.
                let Some(at) = directive_start(comment) else { continue };
                let range = token.text_range();
                // A line comment ends its line, so the text before it on its line is short work.
                let line_start = text[..usize::from(range.start())].rfind('\n').map_or(0, |i| i + 1);
                let before = &text[line_start..usize::from(range.start())];
                let own_line = before.trim().is_empty();
                let (line_target, removal) = if own_line {
                    let next_code = std::iter::successors(token.next_token(), |t| t.next_token())
                        .find(|t| !matches!(t.kind(), TOKEN_WHITESPACE | TOKEN_COMMENT))
                        .map(|t| t.text_range().start());
                    // The whole line, its line break included.
                    let end = usize::from(range.end());
                    let end = if text[end..].starts_with("\r\n") {
                        end + 2
                    } else {
                        end + usize::from(text[end..].starts_with('\n'))
                    };
                    let removal = TextRange::new(TextSize::from(line_start as u32), TextSize::from(end as u32));
                    (next_code.map_or(Target::Nothing("there is no code below it to suppress"), Target::Line), removal)
                } else {
                    // The comment and the blanks that part it from the code before it.
                    let blanks = before.len() - before.trim_end().len();
                    (
                        Target::Line(range.start()),
                        TextRange::new(range.start() - TextSize::from(blanks as u32), range.end()),
                    )
                };
                let mut suppression = parse(comment, range.start(), at, leading, line_target);
                suppression.removal = removal;
                found.push(suppression);
            }
            _ => leading = false,
        }
    }
    found
}

/// Where `canopy:` starts in a `#` comment, after the `#` or after another `#` inside it
/// (`# why # canopy: ignore[x]`).
fn directive_start(comment: &str) -> Option<usize> {
    if !comment.starts_with('#') {
        return None;
    }
    let mut from = 0;
    while let Some(found) = comment[from..].find(MARK) {
        let at = from + found;
        if comment[..at].trim_end().ends_with('#') {
            return Some(at);
        }
        from = at + MARK.len();
    }
    None
}

/// Reads the directive at `at` in `comment`, which starts at `start` in the file.
fn parse(comment: &str, start: TextSize, at: usize, leading: bool, line_target: Target) -> Suppression {
    let offset = |i: usize| start + TextSize::from(i as u32);
    let after_mark = at + MARK.len();
    let rest = &comment[after_mark..];
    let word_at = after_mark + (rest.len() - rest.trim_start().len());
    let word_len =
        comment[word_at..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(comment.len() - word_at);
    let word = &comment[word_at..word_at + word_len];
    let mut end = word_at + word_len;
    let mut codes = Vec::new();
    let mut broken = None;
    if comment[end..].starts_with('[') {
        match comment[end..].find(']') {
            Some(close) => {
                let inside_at = end + 1;
                let mut at = inside_at;
                for code in comment[inside_at..end + close].split(',') {
                    let trimmed = code.trim();
                    if !trimmed.is_empty() {
                        let code_at = at + (code.len() - code.trim_start().len());
                        codes.push((
                            SmolStr::new(trimmed),
                            TextRange::new(offset(code_at), offset(code_at + trimmed.len())),
                        ));
                    }
                    at += code.len() + 1;
                }
                end += close + 1;
            }
            None => {
                broken = Some("the list of codes has no closing `]`");
                end = comment.len();
            }
        }
    }
    let target = match (word, broken) {
        (_, Some(why)) => Target::Nothing(why),
        ("ignore", None) => line_target,
        ("ignore-file", None) if leading => Target::File,
        ("ignore-file", None) => Target::Nothing("`ignore-file` works only among the file's leading comments"),
        _ => Target::Nothing("expected `ignore[code]` or `ignore-file[code]` after `canopy:`"),
    };
    let end = end.max(after_mark);
    Suppression { removal: TextRange::empty(start), directive: TextRange::new(offset(at), offset(end)), target, codes }
}

/// Which suppressions that covered nothing are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unused {
    /// None: the user has `unused-suppression` off.
    Hidden,
    /// Every one: every kind was checked.
    All,
    /// Those that name only codes of local kinds (`registry::Reach::Local`), or codes of no kind:
    /// only those kinds were checked (`Analysis::reported_local`), and a suppression of a
    /// cross-file kind, or of every kind, may yet cover what the whole workspace reports.
    OfLocalKinds,
}

impl Unused {
    /// Whether covering nothing of `code` (`None`: every code) is known to mean it is unused.
    fn judges(self, code: Option<&str>) -> bool {
        match self {
            Unused::Hidden => false,
            Unused::All => true,
            Unused::OfLocalKinds => {
                code.is_some_and(|code| DiagnosticKind::from_code(code).is_none_or(DiagnosticKind::is_local))
            }
        }
    }
}

/// Drops from `diagnostics` those a suppression of `file` covers, and adds an `unused-suppression`
/// hint for each suppression (or code in one) that covered nothing, as far as `unused` says.
///
/// One map lookup per diagnostic: a file with many diagnostics and many suppressions costs
/// their sum, not their product.
pub(crate) fn apply(
    file: FileId,
    lines: &LineIndex,
    suppressions: &[Suppression],
    diagnostics: &mut Vec<Diagnostic>,
    unused: Unused,
) {
    if suppressions.is_empty() {
        return;
    }
    // Each (line or the file, code or every code) to the first suppression that names it; a
    // later one naming the same is redundant, so stays unused.
    const FILE: u32 = u32::MAX;
    let mut covers: FxHashMap<(u32, &str), (usize, usize)> = FxHashMap::default();
    let mut used: Vec<Vec<bool>> = suppressions.iter().map(|s| vec![false; s.codes.len().max(1)]).collect();
    for (i, suppression) in suppressions.iter().enumerate() {
        let line = match suppression.target {
            Target::File => FILE,
            Target::Line(offset) => lines.line_of(offset),
            Target::Nothing(_) => continue,
        };
        if suppression.codes.is_empty() {
            covers.entry((line, "")).or_insert((i, 0));
        }
        for (j, (code, _)) in suppression.codes.iter().enumerate() {
            covers.entry((line, code.as_str())).or_insert((i, j));
        }
    }
    diagnostics.retain(|d| {
        let line = lines.line_of(d.range.start());
        let keys = [(line, d.kind.code()), (line, ""), (FILE, d.kind.code()), (FILE, "")];
        let mut suppressed = false;
        for key in keys {
            if let Some(&(i, j)) = covers.get(&key) {
                used[i][j] = true;
                suppressed = true;
            }
        }
        !suppressed
    });
    if unused == Unused::Hidden {
        return;
    }
    for (suppression, used) in suppressions.iter().zip(used) {
        diagnostics.extend(unused_hints(file, suppression, &used, unused));
    }
    diagnostics.sort_by_key(|d| (d.range.start(), d.range.end(), d.kind));
}

/// A comment that suppresses `diagnostic`, alone on a line of its own above the diagnostic's
/// line, indented as that line is: the editor's "suppress" action. `None` where that line starts
/// inside a string or a comment spanning lines, where a `#` would be text.
pub(crate) fn suppress(file: FileId, root: &SyntaxNode, text: &str, diagnostic: &Diagnostic) -> Option<Fix> {
    let start = usize::from(diagnostic.range.start()).min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let at = TextSize::from(line_start as u32);
    if let Some(token) = root.token_at_offset(at).right_biased()
        && token.text_range().start() < at
        && token.kind() != TOKEN_WHITESPACE
    {
        return None;
    }
    let line = &text[line_start..];
    let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
    let code = diagnostic.kind.code();
    let comment = format!("{indent}# canopy: ignore[{code}]\n");
    Some(Fix::edit(
        format!("Suppress `{code}` on this line"),
        file,
        vec![TextEdit { range: TextRange::empty(at), new_text: comment }],
    ))
}

/// The hints for what of `suppression` went unused, as far as `judged` tells.
fn unused_hints(file: FileId, suppression: &Suppression, used: &[bool], judged: Unused) -> Vec<Diagnostic> {
    let hint = |range, message: String| Diagnostic::new(DiagnosticKind::UnusedSuppression, range, message);
    let remove_comment = |safe: bool| {
        let fix = Fix::edit(
            "Remove the suppression comment",
            file,
            vec![TextEdit { range: suppression.removal, new_text: String::new() }],
        );
        Arc::new(fix.safe(safe))
    };
    if let Target::Nothing(why) = suppression.target {
        let mut d = hint(suppression.directive, format!("this suppression suppresses nothing: {why}"));
        d.fixes.push(remove_comment(false));
        return vec![d];
    }
    if suppression.codes.is_empty() {
        if used[0] || !judged.judges(None) {
            return Vec::new();
        }
        let mut d = hint(suppression.directive, "unused suppression: no diagnostic here to suppress".to_owned());
        d.fixes.push(remove_comment(true));
        return vec![d];
    }
    // Removing the comment is safe only when no code of it may yet be used.
    let all_unused = suppression.codes.iter().zip(used).all(|((code, _), used)| !used && judged.judges(Some(code)));
    let mut out = Vec::new();
    let known_unused = |((code, _), used): &(&(SmolStr, TextRange), &bool)| !**used && judged.judges(Some(code));
    for ((code, range), _) in suppression.codes.iter().zip(used).filter(known_unused) {
        let message = match DiagnosticKind::from_code(code) {
            Some(_) => format!("unused suppression: no `{code}` here to suppress"),
            None => format!("unused suppression: `{code}` is no code of canopy's"),
        };
        let mut d = hint(*range, message);
        if all_unused {
            d.fixes.push(remove_comment(true));
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests;
