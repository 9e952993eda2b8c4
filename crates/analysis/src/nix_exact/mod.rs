//! The diagnostics Nix itself reports while parsing a file, at the positions Nix reports them:
//! `syntax-error`, `undefined-variable`, `duplicate-attribute`.
//!
//! Nix reports one error per file: the first syntax error, or the first error of a grammar
//! action (attributes defined twice, dynamic attributes where they are not allowed, formals
//! given twice) if that comes earlier, or else the first undefined variable. canopy reports them
//! all, with the one Nix would report first at the front and the rest in source order, except
//! undefined variables in a file with a syntax error, which Nix never gets to. A
//! Nix-faithful lexer and recognizer (`lexer`, `grammar`) decide the first error and its
//! position; rnix's tree supplies names and the errors after Nix's first.

mod attrsets;
pub(crate) mod gate;
mod grammar;
mod lexer;
mod symbols;
mod syntax_error;
mod undefined_variable;

use std::cell::OnceCell;

use crate::base::diagnostics::{DiagnosticKind, Finding, Severity};
use crate::base::text::{Encoding, LineIndex, TextRange, TextSize};
use crate::syntax::names::NameTable;
use crate::syntax::{Parse, Refusal};

use self::grammar::{Finding as GrammarFinding, Findings};
use self::symbols::SymbolOrder;

/// What Nix's own grammar finds in a text: the first syntax error, errors of grammar actions,
/// attributes defined twice.
pub(crate) struct NixGrammar(Findings);

#[cfg(test)]
impl NixGrammar {
    /// No error, no duplicate, no number rnix misreads.
    pub(crate) fn finds_nothing(&self) -> bool {
        self.0.errors.is_empty() && self.0.rnix_misreads_from.is_none()
    }
}

/// Runs Nix's grammar over `text`. It reads the text alone, so it can run while rnix parses the
/// same text (`extract::summarize_keeping_tree` does so for a big edited file). `tree` gives rnix's tree of `text`,
/// asked for only when the grammar needs Nix's symbol order (to tell which of two repeated
/// names Nix reports), that is only in a text with such an error.
pub(crate) fn nix_grammar(text: &str, tree: &dyn Fn() -> rnix::SyntaxNode) -> NixGrammar {
    let symbols: OnceCell<SymbolOrder> = OnceCell::new();
    let mut order = |a: &str, b: &str| {
        let symbols = symbols.get_or_init(|| SymbolOrder::from_tree(&tree()));
        symbols.key(a).cmp(&symbols.key(b))
    };
    NixGrammar(grammar::check(text, &mut order))
}

/// `nix_grammar`, unless `gate::grammar_finds_nothing` shows it would find nothing: then its
/// empty findings, at a fraction of the cost.
pub(crate) fn nix_grammar_where_needed(text: &str, parse: &Parse, names: &NameTable) -> NixGrammar {
    if gate::grammar_finds_nothing(text, parse, names) {
        return NixGrammar(Findings { errors: Vec::new(), rnix_misreads_from: None });
    }
    nix_grammar(text, &|| parse.root())
}

/// Every parse-time diagnostic of one file, the one Nix would report first at the front.
#[cfg(test)]
pub(crate) fn parse_time_diagnostics(text: &str, parse: &Parse, names: &NameTable) -> Vec<Finding> {
    let grammar = nix_grammar_where_needed(text, parse, names);
    parse_time_diagnostics_with(text, parse, names, grammar)
}

/// `parse_time_diagnostics`, with Nix's grammar already run over `text`.
pub(crate) fn parse_time_diagnostics_with(
    text: &str,
    parse: &Parse,
    names: &NameTable,
    grammar: NixGrammar,
) -> Vec<Finding> {
    let root = parse.root();
    let NixGrammar(findings) = grammar;
    let (mut parse_errors, syntax_error_at) = grammar_diagnostics(text, findings.errors);
    if let Some(at) = syntax_error_at {
        parse_errors.extend(syntax_error::later_errors(parse.errors(), at));
    }
    // A file the parser was not given: say so, unless Nix's own first error comes earlier.
    if let Some(refusal) = parse.refused() {
        let refused = refusal_diagnostic(refusal);
        if syntax_error_at.is_none_or(|at| at > refused.range.start()) {
            parse_errors.insert(0, refused);
        }
    }
    if syntax_error_at.is_none()
        && parse.refused().is_none()
        && let Some(warning) = too_deep_warning(&root, parse, names)
    {
        parse_errors.insert(0, warning);
    }

    // Past a syntax error, or a number rnix tokenizes differently from Nix, rnix's tree is a
    // guess: names there are not reported.
    let trusted_until = match (syntax_error_at, findings.rnix_misreads_from) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    // Nix checks names only in a file that parses. Before a syntax error the names are no surer:
    // `a = 1 b = 2;` reads `b` as a variable only because a `;` is missing.
    let mut undefined = match syntax_error_at {
        Some(_) => Vec::new(),
        None => undefined_variable::diagnostics(&root, names, trusted_until),
    };
    let first = if !parse_errors.is_empty() {
        parse_errors.remove(0)
    } else if !undefined.is_empty() {
        let first = undefined_variable::nix_first(&root, names, trusted_until);
        undefined.remove(first)
    } else {
        return Vec::new();
    };
    let mut rest: Vec<Finding> = parse_errors.into_iter().chain(undefined).collect();
    rest.sort_by_key(|d| (d.range.start(), d.range.end()));
    std::iter::once(first).chain(rest).collect()
}

/// The grammar's findings as diagnostics, in the order Nix raises them, and where the syntax
/// error among them is (nothing after it was checked).
fn grammar_diagnostics(text: &str, findings: Vec<GrammarFinding>) -> (Vec<Finding>, Option<TextSize>) {
    let lines: OnceCell<LineIndex> = OnceCell::new();
    let describe_position = |offset: TextSize| {
        let index = lines.get_or_init(|| LineIndex::new(text));
        let pos = index.line_col(text, offset, Encoding::Utf8);
        format!("{}:{}", pos.line + 1, pos.col + 1)
    };
    let mut diagnostics = Vec::with_capacity(findings.len());
    let mut syntax_error_at = None;
    for finding in findings {
        diagnostics.push(match finding {
            GrammarFinding::Syntax { range, message } => {
                syntax_error_at = Some(range.start());
                Finding::new(DiagnosticKind::SyntaxError, range, message)
            }
            GrammarFinding::Action { range, message } => Finding::new(DiagnosticKind::SyntaxError, range, message),
            GrammarFinding::Duplicate(duplicate) => {
                let other = describe_position(duplicate.other);
                let message = if duplicate.in_merge {
                    format!(
                        "attribute '{}' is also defined at {other}, by a later attrset that merges only one level deep",
                        duplicate.path
                    )
                } else {
                    format!("attribute '{}' already defined at {other}", duplicate.path)
                };
                Finding::new(DiagnosticKind::DuplicateAttribute, duplicate.range, message)
            }
        });
    }
    (diagnostics, syntax_error_at)
}

/// rnix stops 512 levels down and reads the rest as one error, and canopy's walks stop at
/// `MAX_DEPTH`: where Nix reads on, what lies deeper goes unanalysed, which is worth a word
/// rather than silence.
fn too_deep_warning(root: &rnix::SyntaxNode, parse: &Parse, names: &NameTable) -> Option<Finding> {
    let end = root.text_range().end();
    let rnix_gave_up = parse.errors().iter().any(|e| matches!(e, rnix::ParseError::RecursionLimitExceeded));
    let at = if rnix_gave_up {
        let error =
            root.descendants().find(|n| n.kind() == rnix::SyntaxKind::NODE_ERROR && n.text_range().end() == end);
        error.map_or(end, |n| n.text_range().start())
    } else {
        names.too_deep?
    };
    let message = "nested too deeply for canopy (more than 512 levels of parentheses or attribute sets, or 3000 of \
                   anything): canopy does not analyse what lies deeper (Nix itself may accept it)";
    let warning = Finding::new(DiagnosticKind::SyntaxError, TextRange::empty(at), message);
    Some(warning.with_severity(Severity::Warning))
}

fn refusal_diagnostic(refusal: &Refusal) -> Finding {
    match refusal {
        Refusal::TooDeep { at } => Finding::new(
            DiagnosticKind::SyntaxError,
            *at,
            format!(
                "nested more than {} levels deep: Nix's parser runs out of stack here (\"memory exhausted\"), \
                 and canopy does not analyse this file",
                crate::syntax::MAX_NESTING
            ),
        ),
        Refusal::TooLong { at, what } => Finding::new(
            DiagnosticKind::SyntaxError,
            *at,
            format!(
                "{what}: too long for canopy's parser, so canopy does not analyse this file (Nix itself may \
                 accept it)"
            ),
        )
        .with_severity(Severity::Warning),
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;

    fn check(src: &str, expect: Expect) {
        let parse = crate::syntax::parse(src);
        let names = NameTable::build(&parse.root());
        let rendered: Vec<String> = parse_time_diagnostics(src, &parse, &names)
            .into_iter()
            .map(|d| {
                format!("{}@{}..{}: {}", d.kind.code(), u32::from(d.range.start()), u32::from(d.range.end()), d.message)
            })
            .collect();
        expect.assert_eq(&rendered.join("\n"));
    }

    #[test]
    fn nix_first_then_source_order() {
        check(
            "{ b = { }; a = 1; a = 2; d = 3; d = 4; c = }",
            expect![[r#"
                duplicate-attribute@18..19: attribute 'a' already defined at 1:12
                duplicate-attribute@32..33: attribute 'd' already defined at 1:26
                syntax-error@43..44: unexpected '}'"#]],
        );
    }

    #[test]
    fn no_names_are_reported_in_a_file_with_a_syntax_error() {
        // Nix checks names only once the file parses; `b` is a variable here only because the
        // `;` after `1` is missing.
        check("[ x ( ] y", expect!["syntax-error@6..7: unexpected ']'"]);
        check(
            "{\n  x = {\n    a = 1\n    b = 2;\n  };\n}\n",
            expect!["syntax-error@26..27: unexpected '=', expecting ';'"],
        );
    }

    #[test]
    fn lone_carriage_returns_end_comments() {
        check("# c\rx", expect!["undefined-variable@4..5: undefined variable 'x'"]);
    }

    #[test]
    fn numbers_rnix_reads_differently_hide_the_names_after_them() {
        check("[ y 0. x ]", expect!["undefined-variable@2..3: undefined variable 'y'"]);
    }
}
