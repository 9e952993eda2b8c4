//! The fixture files bent in small ways, the same on every run: a token or a character deleted,
//! a binding line given twice, two lines swapped, a formal repeated, or a token inserted where
//! rnix's reading and Nix's can part. The gate before Nix's grammar is tested on them
//! (`src/tests/grammar_gate.rs`), and the Nix referee judges them.

#![allow(dead_code)]

use rnix::SyntaxKind::{TOKEN_COMMA, TOKEN_COMMENT, TOKEN_IDENT, TOKEN_WHITESPACE};

use super::{Repository, Xorshift};

/// What a mutation inserts: brackets and separators, the starts of strings, paths and
/// interpolations, and the tokens rnix's tokenizer reads otherwise than Nix's lexer (numbers, a
/// lone `\r`, a space only rnix takes) or its parser takes where Nix's grammar does not.
pub const INSERTIONS: &[&str] = &[
    ";",
    "=",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "${",
    "\"",
    "''",
    "./",
    "0.",
    "1e",
    "99999999999999999999",
    "\r",
    "1.5e",
    "x: ",
    "\u{a0}",
    "<a/>",
];

/// Numbers rnix's tokenizer reads otherwise than Nix's lexer: canopy reports no name past one
/// (rnix's tree is a guess there), where Nix may report an undefined variable.
pub const MISREAD_NUMBERS: &[&str] = &["0.", "1.5e"];

/// One mutated fixture file.
pub struct Mutated {
    /// Which file, which mutation, and how.
    pub name: String,
    pub text: String,
    /// What the mutation inserted, if it inserted something.
    pub inserted: Option<&'static str>,
}

/// `per_file` mutations of each fixture file.
pub fn mutated_fixtures(repos: &[Repository], per_file: usize) -> Vec<Mutated> {
    let mut random = Xorshift(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::new();
    for repo in repos {
        for (path, text) in &repo.files {
            let tokens = tokens(text);
            for k in 0..per_file {
                let (how, mutated, inserted) = mutate(text, &tokens, &mut random);
                let name = format!("mutated: {}/{path} #{k} ({how})", repo.name);
                out.push(Mutated { name, text: mutated, inserted });
            }
        }
    }
    out
}

/// A token of rnix's (trivia left out): where it starts and ends, and whether it is a name
/// followed by a comma (a formal, nearly always).
struct Token {
    start: usize,
    end: usize,
    formal: bool,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut offset = 0;
    let mut last_ident = None;
    for (kind, piece) in rnix::tokenize(text) {
        let start = offset;
        offset += piece.len();
        if matches!(kind, TOKEN_WHITESPACE | TOKEN_COMMENT) {
            continue;
        }
        if kind == TOKEN_COMMA
            && let Some(i) = last_ident
        {
            let formal: &mut Token = &mut tokens[i];
            formal.formal = true;
        }
        last_ident = (kind == TOKEN_IDENT).then_some(tokens.len());
        tokens.push(Token { start, end: offset, formal: false });
    }
    tokens
}

fn below(random: &mut Xorshift, n: usize) -> usize {
    (random.next() % n.max(1) as u64) as usize
}

/// A random character boundary of `text`.
fn char_boundary(text: &str, random: &mut Xorshift) -> usize {
    let mut at = below(random, text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate(text: &str, tokens: &[Token], random: &mut Xorshift) -> (String, String, Option<&'static str>) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    match below(random, 6) {
        0 if !tokens.is_empty() => {
            let token = &tokens[below(random, tokens.len())];
            ("token deleted".to_string(), format!("{}{}", &text[..token.start], &text[token.end..]), None)
        }
        1 if !text.is_empty() => {
            let at = char_boundary(text, random).min(text.len() - 1);
            let at = (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let width = text[at..].chars().next().map_or(1, char::len_utf8);
            ("character deleted".to_string(), format!("{}{}", &text[..at], &text[at + width..]), None)
        }
        2 => {
            let bindings: Vec<usize> = (0..lines.len())
                .filter(|&i| {
                    let line = lines[i].trim();
                    line.ends_with(';') && (line.contains(" = ") || line.starts_with("inherit"))
                })
                .collect();
            if bindings.is_empty() {
                return insert(text, tokens, random);
            }
            let i = bindings[below(random, bindings.len())];
            let mut out: Vec<&str> = lines.clone();
            out.insert(i + 1, lines[i]);
            ("binding line repeated".to_string(), out.concat(), None)
        }
        3 if lines.len() > 1 => {
            let (i, j) = (below(random, lines.len()), below(random, lines.len()));
            let mut out: Vec<String> = lines.iter().map(|l| l.trim_end_matches('\n').to_string()).collect();
            out.swap(i, j);
            let mut swapped = out.join("\n");
            if text.ends_with('\n') {
                swapped.push('\n');
            }
            ("lines swapped".to_string(), swapped, None)
        }
        4 => {
            let formals: Vec<&Token> = tokens.iter().filter(|t| t.formal).collect();
            if formals.is_empty() {
                return insert(text, tokens, random);
            }
            let formal = formals[below(random, formals.len())];
            let name = &text[formal.start..formal.end];
            ("formal repeated".to_string(), format!("{}{name}, {}", &text[..formal.start], &text[formal.start..]), None)
        }
        _ => insert(text, tokens, random),
    }
}

/// One of `INSERTIONS`, before a token or at any character boundary.
fn insert(text: &str, tokens: &[Token], random: &mut Xorshift) -> (String, String, Option<&'static str>) {
    let piece = INSERTIONS[below(random, INSERTIONS.len())];
    let at = if tokens.is_empty() || below(random, 2) == 0 {
        char_boundary(text, random)
    } else {
        tokens[below(random, tokens.len())].start
    };
    (format!("{piece:?} inserted"), format!("{}{piece}{}", &text[..at], &text[at..]), Some(piece))
}
