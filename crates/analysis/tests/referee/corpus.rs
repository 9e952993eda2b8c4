//! The snippets the referee hands to both parsers: a hand-written list of tricky cases, and a
//! deterministic generator that combines constructs with contexts, truncates valid programs at
//! every token boundary and breaks them in the usual ways.
//!
//! Nothing here may hit a known difference between Nix 2.8 and current Nix (see `known`): those
//! are listed there by name. In particular no generated snippet inherits an undefined name or
//! inherits a name twice, uses a pipe operator or a builtin newer than 2.8.

use super::Input;
use crate::support::Xorshift;

/// Tricky cases, one construct each.
pub fn named() -> Vec<Input> {
    NAMED.iter().map(|(name, text)| Input::new(format!("named: {name}"), *text)).collect()
}

const NAMED: &[(&str, &str)] = &[
    // Lexing.
    ("empty file", ""),
    ("only whitespace", " \n\t\n"),
    ("only a comment", "# nothing"),
    ("path beats identifier", "a/b"),
    ("division needs spaces", "a: b: a / b"),
    ("path with a dot and digits", "x.y/1.2"),
    ("uri", "x:y"),
    ("uri with query", "https://example.org/a?b=c&d=%20"),
    ("float forms", "[ 1. .5 0.5 1.5e3 1.e2 ]"),
    ("leading zeros", "[ 007 00.5 ]"),
    ("zero dot is not a float", "[ 0. x ]"),
    ("integer at the limit", "9223372036854775807"),
    ("integer overflow", "[ 9223372036854775808 ]"),
    ("float overflow", "1.8e308"),
    ("float underflow", "1.0e-320"),
    ("zero float with a huge exponent", "0.0e-999"),
    ("path with a trailing slash", "[ ./a/ ]"),
    ("path with a trailing slash at the end", "./a/"),
    ("interpolated path", "x: ./a/${x}/b${x}c"),
    ("interpolated path ending in a slash", "x: ./a/${x}/ "),
    ("home path", "~/a/b"),
    ("home path with interpolation", "x: ~/${x}"),
    ("lone tilde", "~"),
    ("search path", "<nixpkgs/lib>"),
    ("unterminated search path", "<nixpkgs"),
    ("path at the end of the input", "{ a = ./a"),
    ("interpolated path at the end of the input", "x: { a = ./a/${x}"),
    ("string ending in a dollar", "\"a$\""),
    ("string with a double dollar", "\"$${x}\""),
    ("string with escapes", "\"\\n\\t\\\\\\${x}\""),
    ("unterminated string", "\"abc"),
    ("unterminated string ending in a backslash", "\"abc\\"),
    ("unterminated string ending in a dollar", "\"abc$"),
    ("unterminated interpolation", "\"a${"),
    ("indented string escapes", "''a ''$ ''' ''\\n ''${x}''"),
    ("indented string interpolation", "x: ''\n  ${x}\n''"),
    ("unterminated indented string", "''abc"),
    ("indented string with a lone quote", "'a"),
    ("unterminated block comment", "1 /* no end"),
    ("block comment", "/* a */ 1 /* b */"),
    ("line comment at the end", "1 # end"),
    ("CRLF line endings", "{\r\n  a = 1;\r\n  b = 2\r\n}\r\n"),
    ("lone CR line endings", "{\r  a = 1;\r  b = 2\r}\r"),
    ("mixed line endings", "{\n\r  a = 1;\r\n\r  b =\n}"),
    ("non-ASCII before an error", "# ünïcødé ✓\n{ s = \"é\"; t = 1 }"),
    ("non-ASCII character as a token", "{ a = é; }"),
    ("tab before an error", "{\ta = 1\t}"),
    ("control character", "{ a = 1; \u{1} }"),
    ("dollar outside strings", "$x"),
    ("pipe is not a token in 2.8 either way", "a | b"),
    // Grammar.
    ("missing semicolon", "{ a = 1 }"),
    ("missing semicolon at the end", "{ a = 1"),
    ("missing in", "let a = 1; a"),
    ("empty let", "let in 1"),
    ("legacy let", "let { body = 1; }"),
    ("legacy let as an argument", "x: x let { body = 1; }"),
    ("let as an argument", "x: x let a = 1; in a"),
    ("if without else", "x: if x then 1"),
    ("assert and with", "x: assert x; with x; y"),
    ("nested with", "a: b: with a; with b; c"),
    ("pattern", "{ a, b ? a, ... }: a"),
    ("pattern with a trailing comma", "{ a, }: a"),
    ("empty pattern", "{ }: 1"),
    ("ellipsis only", "{ ... }: 1"),
    ("ellipsis not last", "{ ..., a }: a"),
    ("double comma in a pattern", "{ a, , b }: a"),
    ("pattern default reads another formal", "{ a ? b, b ? 1 }: a"),
    ("alias before the pattern", "args@{ a, ... }: args"),
    ("alias after the pattern", "{ a, ... }@args: args"),
    ("alias twice", "x@{ a }@y: a"),
    ("duplicate formal", "{ a, a }: a"),
    ("duplicate formals, symbol order", "{ b, a, b, a }: a"),
    ("formal named like the alias", "{ a }@a: a"),
    ("alias named like a formal", "a@{ a }: a"),
    ("duplicate formal before a syntax error", "{ a, a }: a +"),
    ("pattern that is a set", "{ a }"),
    ("set argument cannot be a pattern", "f: f { a, b }"),
    ("or as a function argument", "x: x or"),
    ("or as an attribute", "{ or = 1; }.or"),
    ("or in inherit", "x: { inherit (x) or; }"),
    ("or default", "x: x.a or x.b or 1"),
    ("or default after select in a list", "x: [ x.a or 1 x ]"),
    ("keyword as a key", "{ if = 1; }"),
    ("quoted keyword as a key", "{ \"if\" = 1; }.\"if\""),
    ("keyword after a dot", "x: x.in"),
    ("has-attr chain", "x: x ? a ? b"),
    ("has-attr with a path", "x: x ? a.\"b\".${\"c\"}"),
    ("comparison chain", "x: x < 1 < 2"),
    ("equality chain", "x: x == 1 != 2"),
    ("mixed comparison and equality", "x: x < 1 == x > 2"),
    ("negation binds to select", "x: -x.a"),
    ("not and update", "x: !x // x"),
    ("implication is right associative", "x: x -> x -> x"),
    ("negative number in a list", "[ -1 ]"),
    ("application in a list", "f: [ f f ]"),
    ("__curPos", "__curPos"),
    ("__curPos as a key", "{ __curPos = 1; }.__curPos"),
    ("stray closing brace", "1 }"),
    ("stray closing paren", "1 )"),
    ("unbalanced brackets", "[ (1 ]"),
    ("two expressions", "1 2 ;"),
    ("colon after an argument", "f: f x: x"),
    // Grammar actions.
    ("dynamic attribute in let", "let ${\"a\"} = 1; ${x} = 2; in 1"),
    ("nested dynamic attribute in let is fine", "x: let a.${x} = 1; in a"),
    ("dynamic let then a syntax error", "x: let ${x} = 1; in 1 )"),
    ("dynamic let with an unfinished body", "x: let ${x} = 1; in 1 +"),
    ("dynamic let then a broken comparison chain", "x: let ${x} = 1; in 1 < 2 < 3"),
    ("dynamic let then a bad integer", "x: let ${x} = 1; in (1) 99999999999999999999"),
    ("dynamic inherit", "x: { inherit ${x}; }"),
    ("dynamic inherit from a string", "x: { inherit \"${x}\"; }"),
    ("static inherit from a string", "a: { inherit \"a\"; }"),
    ("static inherit from an interpolation", "a: { inherit ${\"a\"}; }"),
    ("dynamic inherit before a syntax error", "x: { inherit ${x} ] }"),
    ("uri as a static key", "{ ${http://x} = 1; \"http://x\" = 2; }"),
    // Duplicate attributes.
    ("dotted path into an earlier literal", "{ a = { b.d = 1; }; a.b.c = 2; }"),
    ("literal after a dotted path", "{ a.b = 1; a = { c = 2; }; }"),
    ("literal merges one level deep", "{ a.b.c = 2; a = { b.d = 1; }; }"),
    ("two literals clash below", "{ a = { b.d = 1; }; a = { b.c = 2; }; }"),
    ("only literals merge", "f: x: { a = f x; a.b = 1; }"),
    ("parenthesised literal merges", "{ a = ({ b = 1; }); a = { c = 2; }; }"),
    ("rec literal merges", "{ a = rec { b = 1; }; a = { c = 1; }; }"),
    ("merge clash in symbol order", "{ a = { b = 1; c = 2; }; a = { c = 3; b = 4; }; }"),
    ("merge clash in symbol order, known names", "{ a = { x = 1; name = 2; }; a = { x = 3; name = 4; }; }"),
    ("duplicate in let", "let a = 1; a = 2; in a"),
    ("duplicate in rec", "rec { a = 1; \"a\" = 2; }"),
    ("duplicate through a static interpolation", "{ a = 1; ${\"a\"} = 2; }"),
    ("dynamic keys never clash", "x: { ${x} = 1; ${x} = 2; }"),
    ("dynamic prefix never clashes", "x: { a.${x} = 1; a.b = 2; a = 3; }"),
    ("duplicate before a syntax error", "{ a = 1; a = 2; b = }"),
    ("syntax error before a duplicate", "{ a = 1; b = ; a = 2; }"),
    ("duplicate then a bad integer", "{ a = 1; a = 2; } 99999999999999999999"),
    ("duplicate inside legacy let", "let { a = 1; a = 2; body = a; }"),
    ("inherit then a dotted path", "x: { inherit (x) a; a.b = 1; }"),
    ("empty string key twice", "{ \"\" = 1; ${\"\"} = 2; }"),
    ("escaped key equal to a plain one", "{ \"a\\nb\" = 1; \"a\nb\" = 2; }"),
    ("indented string key", "{ a = 1; ${''a''} = 2; }"),
    // Names.
    ("undefined variable", "x"),
    ("globals", "[ builtins map true null __typeOf derivation fetchTree fromTOML ]"),
    ("with does not hide globals", "with {}; [ map x ]"),
    ("with namespace is outside the with", "with x; 1"),
    ("let shadows with", "let a = 1; in with { }; a"),
    ("rec sees itself", "rec { a = b; b = 1; }"),
    ("plain set does not see itself", "{ a = b; b = 1; }"),
    ("inherit from in rec sees rec", "rec { inherit (a) b; a = { b = 1; }; }"),
    ("let is recursive", "let a = b; b = 1; in a"),
    ("let inherit reads outside", "b: let inherit b; in b"),
    // Nix moves an entry into the set its path leads to, so it reads that set's scope.
    ("a path into an earlier rec set reads it", "{ a = rec { b = 1; }; a.c = b; }"),
    ("a path into a rec set in a let reads it", "let a = rec { b = c; }; a.c = 1; in a"),
    ("a path through a plain set into a rec set", "{ x = { y = rec { z = 1; }; }; x.y.w.v = z; }"),
    ("a later literal merges into an earlier rec set", "{ a = rec { b = 1; }; a = rec { c = b; }; }"),
    ("a rec set merged into a plain one is plain", "{ a.c = 1; a = rec { b = 1; d = b; }; }"),
    ("a path that ends in a plain set reads outside", "{ a = { b = rec { x = 1; }; }; a.b.y = x; a.z = x; }"),
    ("a rec set's own dotted names", "rec { a = rec { b = 1; }; a.c = b; d = a.c; }"),
    ("several undefined, attribute order", "{ b = x; a = y; }"),
    ("several undefined, known name first", "{ foo = x; name = y; }"),
    ("several undefined, name read earlier", "{ c = a; b = x; a = y; }"),
    ("several undefined, nested paths", "{ ${p} = q; a.y = x1; b = x2; a.c = x3; }"),
    ("select default before dynamic path", "y: y.${b} or c"),
    ("select value first", "x.${a} or b"),
    ("less or equal reads the right side first", "a <= b"),
    ("greater reads the right side first", "a > b"),
    ("greater or equal reads the left side first", "a >= b"),
    ("subtraction", "a - b"),
    ("formal defaults in symbol order", "{ b ? x, a ? y }: 1"),
    ("formal defaults, known names", "{ foo ? x, name ? y }: 1"),
    ("formal defaults, names derivation.nix read", "{ x ? v, c ? w }: 1"),
    ("several undefined, names derivation.nix read", "{ strict = a1; foo = a2; drvAttrs = a3; }"),
    ("lambda body after defaults", "{ a ? x }: y"),
    ("inherit from reads its source per name", "{ b = x; inherit (y) a; }"),
    ("dynamic attributes after static ones", "{ ${x} = 1; a = y; }"),
    ("undefined in a string", "\"${x}\""),
    ("undefined in a path", "./a/${x}"),
    ("legacy or at the function", "f: f x or"),
    ("__curPos is not a variable", "[ __curPos ]"),
    ("search path reads __findFile", "let __findFile = a: b: 1; in <x>"),
];

/// How many contexts besides the top level each construct is tried in.
const PER_CONSTRUCT: usize = 4;

/// Places a construct can appear in. `v` is bound in some and free in others; the first is the
/// top level.
const CONTEXTS: &[(&str, &str)] = &[
    ("top", "{}"),
    ("lambda", "v: {}"),
    ("let", "let v = 1; in {}"),
    ("with", "v: with v; {}"),
    ("rec", "rec { v = 1; a = {}; }"),
    ("pattern", "{ v ? 1, ... }@args: {}"),
    ("interpolation", "\"pre ${{}} post\""),
    ("crlf", "# header\r\nv:\r\n{}\r\n"),
    ("cr", "# header\rv:\r{}\r"),
    ("non-ascii", "/* ünïcødé ✓ */ v: { s = \"é\"; e = {}; } # end"),
];

/// Constructs, valid and broken, over a variable `v`.
const CONSTRUCTS: &[&str] = &[
    "1",
    "v",
    "v.a.b or 1",
    "v.${\"a\"} or v",
    "v.a or",
    "[ v (v) v.a ]",
    "{ a = v; b = { c = v; }; }",
    "{ a.b = 1; a.c = v; }",
    "{ a = { b = 1; }; a.c = v; }",
    "{ a.b.c = 1; a = { b.d = v; }; }",
    "{ a = { b.d = 1; }; a = { b.c = v; }; }",
    "{ a = v; a.b = 1; }",
    "{ a = 1; a = v; }",
    "rec { a = 1; b = a; }",
    "{ a = 1; b = a; }",
    "let a = v; in a",
    "let a = a; in a",
    "let in v",
    "let { body = v; }",
    "let ${v} = 1; in 1",
    "let a.${v} = 1; in a",
    "{ inherit (v) a b; }",
    "with v; [ a b ]",
    "with { a = 1; }; with v; a",
    "x: x v",
    "{ x ? v, y ? x }: y",
    "{ x, ... }@args: args.x",
    "args@{ x ? args, ... }: x",
    "{ a, a }: a",
    "{ a }@a: a",
    "{ ${\"a\"} = 1; a = v; }",
    "{ \"a b\" = v; }",
    "{ or = v; }",
    "v.or",
    "{ if = v; }",
    "__curPos",
    "\"s ${v} \\${x} $${x}\"",
    "''\n  a ${v}\n  ''${x} '''\n''",
    "./a/${v}/b",
    "<nixpkgs/lib>",
    "http://example.org/?a=b&c",
    "1.5e3 + .5 - 1.",
    "-v",
    "!v",
    "v ? a.b",
    "v < 1 < 2",
    "v == 1 == 2",
    "v -> v || v && !v",
    "v // { } // v",
    "v ++ [ ] ++ v",
    "v: v",
    "assert v; v",
    "if v then v else v",
    "[ -1 ]",
    "v v.a v.b or v",
    "{ a = 1 }",
    "{ a = 1;",
    "(v",
    "v)",
    "let a = 1 in a",
    "if v then v",
    "{ a, b }",
    "{ inherit ${v}; }",
    "\"${v\"",
    "a b c",
];

/// Valid programs cut at every token boundary.
const TRUNCATED: &[&str] = &[
    "{ config, lib, ... }: { flake.modules.nixos.ssh = { pkgs, ... }: { services.openssh.enable = lib.mkDefault true; }; }",
    "let a = { b = 1; }; in with a; [ b ./x/${toString b} ''${b}'' ]",
    "rec { a = x: x.y or [ 1 2 ]; inherit (a) c; d = if a == null then -1 else !a; }",
    "{ a ? 1, ... }@args: assert args ? a; \"v: ${toString args.a}\"",
];

/// A valid program broken in the usual ways.
const BROKEN_BASE: &str = "{ a = 1; b = [ 2 3 ]; c = { d = \"e\"; }; f = x: x; }";

pub fn generated() -> Vec<Input> {
    let mut inputs = Vec::new();
    // Each construct alone and in a rotating selection of the other contexts: every context
    // meets every kind of construct without the full product (Nix takes ~30 ms a file).
    for (i, construct) in CONSTRUCTS.iter().enumerate() {
        let others = CONTEXTS.len() - 1;
        let picked = (0..PER_CONSTRUCT).map(|k| 1 + (i * PER_CONSTRUCT + k) % others);
        for (context, shape) in std::iter::once(CONTEXTS[0]).chain(picked.map(|c| CONTEXTS[c])) {
            let construct = match context {
                "crlf" => construct.replace('\n', "\r\n"),
                "cr" => construct.replace('\n', "\r"),
                _ => construct.to_string(),
            };
            inputs.push(Input::new(format!("generated: {context} #{i}"), shape.replace("{}", &construct)));
        }
    }
    for (i, program) in TRUNCATED.iter().enumerate() {
        for (j, cut) in token_boundaries(program).into_iter().enumerate() {
            inputs.push(Input::new(format!("truncated: #{i} at token {j}"), &program[..cut]));
        }
    }
    for (i, broken) in broken_variants(BROKEN_BASE).into_iter().enumerate() {
        inputs.push(Input::new(format!("broken: #{i}"), broken));
    }
    let mut scoping = Scoping { random: Xorshift(0x2545_f491_4f6c_dd1d) };
    for i in 0..SCOPING_PROGRAMS {
        inputs.push(Input::new(format!("scoping: #{i}"), scoping.expr(0)));
    }
    inputs
}

/// How many random programs of nested sets, `rec` sets, `let`s, dotted paths, lambdas and `with`s
/// over four names: where Nix's parser merges paths into sets, which set's scope each value
/// reads, and which names are defined twice. (`inherit` is left out: Nix 2.8 places its names
/// differently from current Nix, see `known`.)
const SCOPING_PROGRAMS: usize = 300;

/// A seeded generator of such programs: the same corpus on every run.
struct Scoping {
    random: Xorshift,
}

impl Scoping {
    fn below(&mut self, n: u64) -> u64 {
        self.random.next() % n
    }

    fn name(&mut self) -> &'static str {
        ["a", "b", "c", "x"][self.below(4) as usize]
    }

    fn path(&mut self) -> String {
        let len = [1, 1, 1, 2, 2, 3][self.below(6) as usize];
        let names: Vec<String> = (0..len)
            .map(|_| {
                let name = self.name();
                if self.below(10) == 0 { format!("\"{name}\"") } else { name.to_owned() }
            })
            .collect();
        names.join(".")
    }

    fn bindings(&mut self, depth: u32) -> String {
        let count = 1 + self.below(4);
        (0..count).map(|_| format!("{} = {};", self.path(), self.expr(depth + 1))).collect::<Vec<_>>().join(" ")
    }

    fn expr(&mut self, depth: u32) -> String {
        if depth > 3 {
            return ["a", "b", "c", "x", "1"][self.below(5) as usize].to_owned();
        }
        match self.below(50) {
            0..=12 => ["a", "b", "c", "x", "1"][self.below(5) as usize].to_owned(),
            13..=22 => format!("{{ {} }}", self.bindings(depth)),
            23..=29 => format!("rec {{ {} }}", self.bindings(depth)),
            30..=35 => format!("let {} in {}", self.bindings(depth), self.expr(depth + 1)),
            36..=38 => format!("({})", self.expr(depth + 1)),
            39..=41 => format!("{}: {}", self.name(), self.expr(depth + 1)),
            42..=43 => format!("{{ {}, ... }}: {}", self.name(), self.expr(depth + 1)),
            44..=45 => format!("with {}; {}", self.expr(depth + 1), self.expr(depth + 1)),
            _ => format!("[ {} {} ]", self.expr(depth + 1), self.expr(depth + 1)),
        }
    }
}

/// Byte offsets where a token ends, by rnix's tokenizer (the cut points; which parser's tokens
/// they are does not matter).
fn token_boundaries(text: &str) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut end = 0;
    for (_, token) in rnix::tokenize(text) {
        end += token.len();
        if !token.trim().is_empty() {
            cuts.push(end);
        }
    }
    cuts.pop();
    cuts
}

/// Each single-character deletion of a delimiter, and each insertion of a stray token before a
/// delimiter.
fn broken_variants(text: &str) -> Vec<String> {
    let mut variants = Vec::new();
    for (i, c) in text.char_indices() {
        if matches!(c, ';' | '{' | '}' | '[' | ']' | '=' | '"' | ':') {
            variants.push(format!("{}{}", &text[..i], &text[i + c.len_utf8()..]));
        }
        if matches!(c, ';' | '}') {
            for stray in [")", "in", "=", "else"] {
                variants.push(format!("{}{stray} {}", &text[..i], &text[i..]));
            }
        }
    }
    variants
}
