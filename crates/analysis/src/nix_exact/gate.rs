//! When Nix's grammar need not run: nearly every file rnix reads without an error is one Nix reads
//! the same way, and the facts that say so cost little next to the grammar.

use crate::syntax::Parse;
use crate::syntax::names::NameTable;

/// Whether Nix's grammar (`grammar::check`) would find nothing in `text`, which rnix read as
/// `parse` and the name table walked as `names`: no syntax error, no error of a grammar action,
/// no attribute defined twice, and no number rnix reads differently. When in doubt it says no.
///
/// It says yes only when all of these hold:
/// - rnix read the whole text, without an error. Where rnix errs, Nix may well err too.
/// - The name table's walk went all the way down (`too_deep` is unset), and met nothing of what
///   `NameTable::nix_may_object` covers: that is the part of Nix's grammar rnix does not check.
///   Its grammar actions object to names defined twice, dynamic names in `inherit` or first in
///   a `let`, formals given twice; and rnix's parser takes a few shapes Nix's grammar does not: a
///   lambda as an operand or an argument, any token as the close of a parenthesis, an indented
///   string as an attribute name, search paths like `<a/>`.
/// - The bytes hold none of `text_may_object`'s patterns: what rnix's tokenizer reads without
///   checking (the range of numbers, `0.` and floats with an `e`, whitespace beyond Nix's four
///   bytes) and pipes (rnix chains `|>` and `<|` where Nix refuses to).
///
/// Why this suffices. Where rnix's tokenizer yields no error token, its tokens are Nix's with the
/// same boundaries, but for the numbers and spaces above and the search paths the name table
/// checks (it refuses a path ending in `/` as Nix does, and `\r` ends comments in both:
/// `syntax::parse` hands rnix lone `\r`s as line ends).
/// rnix's parser checks every token it takes against what it expects, but for the close of a
/// parenthesis, and each production it accepts is one of Nix's, but for the shapes the name
/// table checks and chains of pipes: a text rnix reads without an error, then, is one Nix's
/// grammar reads too, into the same binding sets, patterns and `inherit`s. Nix's parser runs out
/// of stack only 10,000 levels down, where rnix has given up at 512 with an error. What is left
/// are the checks of Nix's grammar actions, which the name table makes of every binding set and
/// pattern it walks; it walks them all unless it went too deep, or a set's paths overlap (which
/// it notes first), since only then does Nix move bindings from one set into another. (What
/// rnix takes is read from rnix 0.15's tokenizer and parser: a new rnix must be read again;
/// `src/tests/grammar_gate.rs` would catch much, not all.)
pub(crate) fn grammar_finds_nothing(text: &str, parse: &Parse, names: &NameTable) -> bool {
    parse.errors().is_empty()
        && parse.refused().is_none()
        && names.too_deep.is_none()
        && !names.nix_may_object
        && !text_may_object(text.as_bytes())
}

/// Whether the bytes hold something rnix's tokenizer takes and Nix's lexer may not, or reads
/// otherwise. Strings and comments are not told apart: a pattern anywhere counts.
/// - A run of 19 digits or more: an integer beyond `i64` (18 digits stay below 2^63), or a float
///   that overflows or underflows without an exponent (that takes 300 digits).
/// - A `.` followed by digits and an `e`, with a digit after the `.` or a number that starts a
///   token before it: a float with an exponent, which may be out of range, or one whose `e` Nix
///   leaves out (`1.5e`). (`ipv4.enable` is a name.)
/// - `0.` not followed by a digit, where the `0` starts a token (nothing of a name or a number
///   before it): Nix reads `0` and `.`, rnix the float `0.`.
/// - `|>` or `<|`.
/// - `\x0b`, `\x0c` and the Unicode spaces, all whitespace to rnix and none to Nix.
fn text_may_object(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !INTERESTING[b as usize] {
            i += 1;
            continue;
        }
        let next = bytes.get(i + 1).copied();
        match b {
            b'0'..=b'9' => {
                let run = digits(bytes, i);
                if run >= 19 {
                    return true;
                }
                i += run;
                continue;
            }
            b'.' => {
                let before = i.checked_sub(1).map(|p| bytes[p]);
                let fraction = digits(bytes, i + 1);
                let exponent = matches!(bytes.get(i + 1 + fraction), Some(b'e' | b'E'));
                if exponent && (fraction > 0 || starts_a_number_before(bytes, i)) {
                    return true;
                }
                let word_before_zero = i.checked_sub(2).is_some_and(|p| is_word(bytes[p]));
                if before == Some(b'0') && fraction == 0 && !word_before_zero {
                    return true;
                }
            }
            b'|' if next == Some(b'>') => return true,
            b'<' if next == Some(b'|') => return true,
            0x0b | 0x0c => return true,
            0xc2 if matches!(next, Some(0x85 | 0xa0)) => return true,
            0xe1 if next == Some(0x9a) && bytes.get(i + 2) == Some(&0x80) => return true,
            0xe2 => {
                let third = bytes.get(i + 2).copied();
                match (next, third) {
                    (Some(0x80), Some(0x80..=0x8a | 0xa8 | 0xa9 | 0xaf)) | (Some(0x81), Some(0x9f)) => return true,
                    _ => {}
                }
            }
            0xe3 if next == Some(0x80) && bytes.get(i + 2) == Some(&0x80) => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// The bytes `text_may_object` looks at more closely.
const INTERESTING: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = b'0';
    while c <= b'9' {
        table[c as usize] = true;
        c += 1;
    }
    let others = [b'.', b'|', b'<', 0x0b, 0x0c, 0xc2, 0xe1, 0xe2, 0xe3];
    let mut i = 0;
    while i < others.len() {
        table[others[i] as usize] = true;
        i += 1;
    }
    table
};

fn digits(bytes: &[u8], from: usize) -> usize {
    bytes.get(from..).map_or(0, |rest| rest.iter().take_while(|c| c.is_ascii_digit()).count())
}

/// Whether digits before the `.` at `dot` start a token: `1.e5`, not `ipv4.enable`.
fn starts_a_number_before(bytes: &[u8], dot: usize) -> bool {
    let run = bytes[..dot].iter().rev().take_while(|c| c.is_ascii_digit()).count();
    run > 0 && !dot.checked_sub(run + 1).is_some_and(|p| is_word(bytes[p]))
}

/// A byte of a name or a number: a digit after it continues the same token in Nix's lexer (an
/// identifier, a number, a path, a URI), so it starts none.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the gate says of `src`, and what the grammar finds there.
    fn gate(src: &str) -> bool {
        let parse = crate::syntax::parse(src);
        let names = NameTable::build(&parse.root());
        grammar_finds_nothing(src, &parse, &names)
    }

    fn grammar_finds_nothing_in(src: &str) -> bool {
        let findings = super::super::grammar::check(src, &mut |a: &str, b: &str| a.cmp(b));
        findings.errors.is_empty() && findings.rnix_misreads_from.is_none()
    }

    /// `fires` must make the gate run the grammar (and the grammar find something, or the case
    /// tests nothing); `near` must let it skip, and the grammar must agree.
    fn check(fires: &str, near: &str) {
        assert!(!gate(fires), "the gate skips {fires:?}");
        assert!(!grammar_finds_nothing_in(fires), "the grammar finds nothing in {fires:?}");
        assert!(gate(near), "the gate runs the grammar on {near:?}");
        assert!(grammar_finds_nothing_in(near), "the grammar finds something in {near:?}");
    }

    #[test]
    fn texts_not_read_whole() {
        crate::base::stack::with_stack(|| {
            // Refused by `syntax::parse`: Nix runs out of stack too.
            let deep = format!("{}1{}", "(".repeat(10_001), ")".repeat(10_001));
            let shallow = format!("{}1{}", "(".repeat(400), ")".repeat(400));
            check(&deep, &shallow);
            // Deeper than the name table walks: the gate cannot vouch for what lies below.
            let deep = format!("{}{}", "[".repeat(3500), "]".repeat(3500));
            assert!(!gate(&deep));
            assert!(gate(&format!("{}{}", "[".repeat(300), "]".repeat(300))));
        });
    }

    #[test]
    fn rnix_errors() {
        check("{ a = 1 }", "{ a = 1; }");
        check("", "1");
    }

    #[test]
    fn integers_and_floats_out_of_range() {
        check("9223372036854775808", "922337203685477580");
        check("0000000000000000001 + 99999999999999999999", "[ 000000000000000001 ]");
        check("1.0e400", "1.0 + 400");
        check("1.0e-400", "e400");
        check(&format!("0.{}1", "0".repeat(400)), "0.0001");
    }

    #[test]
    fn numbers_rnix_reads_otherwise() {
        check("[ y 0. x ]", "[ y 0.5 x ]");
        check("1.5e", "1.5 e");
        check("1.e", "{ ipv4.enable = 1; }");
        check("x.5e", "x.e");
        check("-0.", "a0.b");
    }

    #[test]
    fn pipes() {
        check("a |> f <| b", "a || b < c");
    }

    #[test]
    fn whitespace_only_rnix_takes() {
        check("[ 1\u{a0}2 ]", "[ 1 2 ] # é — “x”");
        check("[ 1\u{c}2 ]", "[ 1\t2 ]");
        // A lone `\r` ends a comment for Nix, and for rnix as `syntax::parse` hands it over.
        check("# c\r}", "# c\r1");
        check("[ 1\u{2003}2 ]", "[ 1 2 ] # \u{2013}");
    }

    #[test]
    fn duplicates() {
        check("{ a = 1; a = 2; }", "{ a.b = 1; a.c = 2; }");
        check("{ a.b = 1; a = { b = 2; }; }", "{ a.b = 1; b.a = 2; }");
        check("{ a = { b = 1; }; a.b = 2; }", "{ a = { b = 1; }; c.b = 2; }");
        check("{ inherit a; a.b = 1; }", "{ inherit a; b.a = 1; }");
        check("{ a = 1; \"a\" = 2; }", "{ a = 1; \"b\" = 2; }");
        check("{ a = 1; ${\"a\"} = 2; }", "{ a = 1; ${a} = 2; }");
        check("{ a = 1; a.${x} = 2; }", "{ a.${x} = 1; a.${x} = 2; }");
        check("let a = 1; a = 2; in a", "let a = 1; b = 2; in a");
        check("rec { x = { a = 1; a = 2; }; }", "rec { x = { a = 1; b = 2; }; }");
    }

    #[test]
    fn dynamic_names() {
        check("let ${a} = 1; in 1", "let a.${b} = 1; in 1");
        check("{ inherit ${a}; }", "{ inherit a; }");
        check("let \"${a}\" = 1; in 1", "{ \"${a}\" = 1; }");
    }

    #[test]
    fn formals() {
        check("{ a, a }: 1", "{ a, b }: 1");
        check("{ a }@a: 1", "{ a }@b: 1");
        check("a@{ a }: 1", "b@{ a }: 1");
    }

    #[test]
    fn lambdas_where_nix_takes_none() {
        check("f x: x", "f (x: x)");
        check("[ x: x ]", "[ (x: x) ]");
        check("a + { b }: b", "a: { b }: b");
        check("a.b or x: x", "a.b or (x: x)");
    }

    #[test]
    fn parentheses_and_attribute_names() {
        check("[ (1 ] ]", "[ (1) ]");
        check("a.''b''", "a.\"b\"");
        check("{ ''a'' = 1; }", "{ \"a\" = 1; }");
    }

    #[test]
    fn search_paths() {
        check("<a/>", "<a/b>");
        check("<a//b>", "<a.b>");
    }
}
