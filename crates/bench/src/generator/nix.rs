//! A tiny Nix writer: attribute trees and values rendered in the nixpkgs-fmt style most dendritic
//! repositories use.
//!
//! Settings are inserted into a [`Tree`] by path, and the tree refuses a path that clashes with
//! one already there, so a generated attrset can never define an attribute twice (which canopy,
//! like Nix, would rightly report). Each branch is rendered either as a nested attrset or as
//! dotted paths, never both, for the same reason.
//!
//! Places the benchmark needs to find again (an aspect's name at a definition, a reference, a
//! planted typo) are wrapped in invisible marks while the text is built; [`strip_marks`] removes
//! them and returns their byte ranges in the final text.

use std::fmt::Write as _;

/// Opens a mark: `\u{1}` id `\u{2}` text `\u{3}`. Generated Nix never contains these bytes.
const OPEN: char = '\u{1}';
const MID: char = '\u{2}';
const CLOSE: char = '\u{3}';

/// Wraps `text` in mark number `id`.
pub fn mark(id: usize, text: &str) -> String {
    format!("{OPEN}{id}{MID}{text}{CLOSE}")
}

/// The text without marks, and each mark's id with its byte range in that text.
pub fn strip_marks(text: &str) -> (String, Vec<(usize, std::ops::Range<usize>)>) {
    let mut out = String::with_capacity(text.len());
    let mut marks = Vec::new();
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            OPEN => {
                let mut id = String::new();
                for d in chars.by_ref() {
                    if d == MID {
                        break;
                    }
                    id.push(d);
                }
                open.push((id.parse().expect("mark id"), out.len()));
            }
            CLOSE => {
                let (id, start) = open.pop().expect("balanced marks");
                marks.push((id, start..out.len()));
            }
            c => out.push(c),
        }
    }
    (out, marks)
}

/// The text a mark-wrapped string shows.
fn plain(text: &str) -> String {
    strip_marks(text).0
}

/// An attribute name as written (already quoted when it is not an identifier).
pub fn attr(name: &str) -> String {
    if is_ident(name) { name.to_owned() } else { format!("\"{name}\"") }
}

pub fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_-'".contains(c))
        && !KEYWORDS.contains(&name)
}

/// Words that cannot be attribute names unquoted, or that would mean something else as a bare
/// name in a list (`true`, `import`).
pub const KEYWORDS: &[&str] = &[
    "if",
    "then",
    "else",
    "assert",
    "with",
    "let",
    "in",
    "rec",
    "inherit",
    "or",
    "true",
    "false",
    "null",
    "import",
    "builtins",
    "map",
    "throw",
    "abort",
    "derivation",
];

/// One segment of an attribute path: its text as written (maybe holding a mark).
#[derive(Debug, Clone)]
pub struct Seg {
    pub text: String,
    /// The text without marks, for comparisons.
    key: String,
}

impl Seg {
    pub fn new(text: impl Into<String>) -> Seg {
        let text = text.into();
        let key = plain(&text);
        Seg { text, key }
    }
}

/// Builds a path from dotted text (`services.openssh.enable`); segments holding dots must be
/// added with [`Seg::new`] instead.
pub fn path(dotted: &str) -> Vec<Seg> {
    dotted.split('.').map(Seg::new).collect()
}

#[derive(Debug, Clone)]
pub enum Value {
    /// One line of Nix, as is.
    Raw(String),
    /// A double-quoted string (the content is escaped on rendering).
    Str(String),
    /// An indented string: `''` and one line per element.
    Lines(Vec<String>),
    /// `[ ... ]`, optionally prefixed (`with pkgs; [ ... ]`).
    List {
        with: Option<String>,
        items: Vec<Value>,
    },
    Attrs(Tree),
    /// `{ a, b, ... }: body`
    Lambda {
        args: Vec<String>,
        body: Box<Value>,
    },
    /// `f a b`: a function applied to arguments.
    Apply {
        func: String,
        args: Vec<Value>,
    },
    /// `a ++ b`
    Concat(Vec<Value>),
    /// `let ... in body`
    Let {
        bindings: Tree,
        body: Box<Value>,
    },
}

impl Value {
    pub fn raw(s: impl Into<String>) -> Value {
        Value::Raw(s.into())
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List { with: None, items: items.into_iter().collect() }
    }

    pub fn with_list(scope: impl Into<String>, items: impl IntoIterator<Item = Value>) -> Value {
        Value::List { with: Some(scope.into()), items: items.into_iter().collect() }
    }

    /// A rough count of the lines it renders to, to size files.
    pub fn lines(&self) -> usize {
        match self {
            Value::Raw(_) | Value::Str(_) => 1,
            Value::Lines(lines) => lines.len() + 2,
            Value::List { items, .. } if inline_list(items) => 1,
            Value::List { items, .. } => items.iter().map(Value::lines).sum::<usize>() + 2,
            Value::Attrs(tree) => tree.lines() + 2,
            Value::Lambda { body, .. } => body.lines(),
            Value::Apply { args, .. } => args.iter().map(Value::lines).sum::<usize>().max(1),
            Value::Concat(parts) => parts.iter().map(Value::lines).sum(),
            Value::Let { bindings, body } => bindings.lines() + body.lines() + 2,
        }
    }
}

#[derive(Debug, Clone)]
enum Node {
    Leaf(Value),
    /// `nested`: rendered as `name = { ... };` rather than one dotted path per child.
    Branch {
        tree: Tree,
        nested: bool,
    },
}

#[derive(Debug, Clone)]
struct Entry {
    seg: Seg,
    comment: Option<String>,
    node: Node,
}

/// An attrset under construction, in insertion order.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    entries: Vec<Entry>,
}

impl Tree {
    pub fn new() -> Tree {
        Tree::default()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether `path` could be inserted: no attribute on it is already a value, and it is not
    /// already set.
    pub fn fits(&self, path: &[Seg]) -> bool {
        let Some((first, rest)) = path.split_first() else { return false };
        match self.entries.iter().find(|e| e.seg.key == first.key) {
            None => true,
            Some(Entry { node: Node::Leaf(_), .. }) => false,
            Some(Entry { node: Node::Branch { tree, .. }, .. }) => !rest.is_empty() && tree.fits(rest),
        }
    }

    /// Sets `path` to `value`; `false` (and nothing changed) when the path clashes.
    pub fn insert(&mut self, path: Vec<Seg>, value: Value) -> bool {
        self.insert_commented(path, value, None)
    }

    /// Like [`Tree::insert`], with a comment line above the attribute.
    pub fn insert_commented(&mut self, path: Vec<Seg>, value: Value, comment: Option<String>) -> bool {
        if !self.fits(&path) {
            return false;
        }
        self.put(path, value, comment);
        true
    }

    fn put(&mut self, mut path: Vec<Seg>, value: Value, comment: Option<String>) {
        let rest = path.split_off(1);
        let first = path.pop().expect("a non-empty path");
        if rest.is_empty() {
            self.entries.push(Entry { seg: first, comment, node: Node::Leaf(value) });
            return;
        }
        let index = match self.entries.iter().position(|e| e.seg.key == first.key) {
            Some(i) => i,
            None => {
                let node = Node::Branch { tree: Tree::new(), nested: false };
                self.entries.push(Entry { seg: first, comment: None, node });
                self.entries.len() - 1
            }
        };
        match &mut self.entries[index].node {
            Node::Branch { tree, .. } => tree.put(rest, value, comment),
            Node::Leaf(_) => unreachable!("`fits` checked the path"),
        }
    }

    /// Chooses, for every branch with several children, nested or dotted rendering.
    pub fn set_styles(&mut self, rng: &mut crate::rng::Rng, nested: f64) {
        for entry in &mut self.entries {
            if let Node::Branch { tree, nested: n } = &mut entry.node {
                *n = tree.entries.len() > 1 && rng.chance(nested);
                tree.set_styles(rng, nested);
            }
        }
    }

    pub fn lines(&self) -> usize {
        self.entries
            .iter()
            .map(|e| {
                usize::from(e.comment.is_some())
                    + match &e.node {
                        Node::Leaf(v) => v.lines(),
                        Node::Branch { tree, nested: true } => tree.lines() + 2,
                        Node::Branch { tree, nested: false } => tree.lines(),
                    }
            })
            .sum()
    }

    /// Renders the entries (without braces) at `indent` levels.
    fn render_entries(&self, out: &mut String, indent: usize, prefix: &str) {
        for entry in &self.entries {
            if let Some(comment) = &entry.comment {
                pad(out, indent);
                let _ = writeln!(out, "# {comment}");
            }
            let name = if prefix.is_empty() { entry.seg.text.clone() } else { format!("{prefix}.{}", entry.seg.text) };
            match &entry.node {
                Node::Leaf(value) => {
                    pad(out, indent);
                    out.push_str(&name);
                    out.push_str(" = ");
                    value.render(out, indent);
                    out.push_str(";\n");
                }
                Node::Branch { tree, nested: true } => {
                    pad(out, indent);
                    out.push_str(&name);
                    out.push_str(" = {\n");
                    tree.render_entries(out, indent + 1, "");
                    pad(out, indent);
                    out.push_str("};\n");
                }
                Node::Branch { tree, nested: false } => tree.render_entries(out, indent, &name),
            }
        }
    }

    /// `{ ... }` at `indent`, the opening brace where the cursor is.
    pub fn render(&self, out: &mut String, indent: usize) {
        if self.entries.is_empty() {
            out.push_str("{ }");
            return;
        }
        out.push_str("{\n");
        self.render_entries(out, indent + 1, "");
        pad(out, indent);
        out.push('}');
    }
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}

fn inline_list(items: &[Value]) -> bool {
    items.len() <= 4
        && items.iter().all(|i| matches!(i, Value::Raw(_) | Value::Str(_)))
        && items
            .iter()
            .map(|i| match i {
                Value::Raw(s) | Value::Str(s) => plain(s).len() + 3,
                _ => 0,
            })
            .sum::<usize>()
            < 50
}

/// `[ ... ]` at `indent`, prefixed by `with scope;` when given: on one line when short.
fn render_list(out: &mut String, with: Option<&str>, items: &[Value], indent: usize) {
    if let Some(scope) = with {
        let _ = write!(out, "with {scope}; ");
    }
    if items.is_empty() {
        out.push_str("[ ]");
    } else if inline_list(items) {
        out.push_str("[ ");
        for item in items {
            item.render(out, indent);
            out.push(' ');
        }
        out.push(']');
    } else {
        out.push_str("[\n");
        for item in items {
            pad(out, indent + 1);
            let wrap = matches!(item, Value::Apply { .. } | Value::Lambda { .. } | Value::Concat(_));
            item.render_wrapped(out, indent + 1, wrap);
            out.push('\n');
        }
        pad(out, indent);
        out.push(']');
    }
}

fn escape(s: &str) -> String {
    // `${` stays: generated strings interpolate on purpose.
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

impl Value {
    /// Renders at `indent`, the cursor being where the value starts.
    pub fn render(&self, out: &mut String, indent: usize) {
        match self {
            Value::Raw(s) => out.push_str(s),
            Value::Str(s) => {
                out.push('"');
                out.push_str(&escape(s));
                out.push('"');
            }
            Value::Lines(lines) => {
                out.push_str("''\n");
                for line in lines {
                    if !line.is_empty() {
                        pad(out, indent + 1);
                        out.push_str(line);
                    }
                    out.push('\n');
                }
                pad(out, indent);
                out.push_str("''");
            }
            Value::List { with, items } => render_list(out, with.as_deref(), items, indent),
            Value::Attrs(tree) => tree.render(out, indent),
            Value::Lambda { args, body } => {
                out.push_str("{ ");
                for arg in args {
                    out.push_str(arg);
                    out.push_str(", ");
                }
                out.push_str("... }: ");
                body.render(out, indent);
            }
            Value::Apply { func, args } => {
                out.push_str(func);
                for arg in args {
                    out.push(' ');
                    let wrap = matches!(arg, Value::Apply { .. } | Value::Lambda { .. } | Value::Concat(_))
                        || matches!(arg, Value::List { with: Some(_), .. });
                    arg.render_wrapped(out, indent, wrap);
                }
            }
            Value::Concat(parts) => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" ++ ");
                    }
                    // `with` is not an operand of `++` without parentheses.
                    let wrap = matches!(part, Value::List { with: Some(_), .. });
                    part.render_wrapped(out, indent, wrap);
                }
            }
            Value::Let { bindings, body } => {
                out.push_str("let\n");
                bindings.render_entries(out, indent + 1, "");
                pad(out, indent);
                out.push_str("in\n");
                pad(out, indent);
                body.render(out, indent);
            }
        }
    }

    /// Renders, in parentheses when `wrap`.
    fn render_wrapped(&self, out: &mut String, indent: usize, wrap: bool) {
        if wrap {
            out.push('(');
        }
        self.render(out, indent);
        if wrap {
            out.push(')');
        }
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.render(&mut out, 0);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_refuses_clashing_paths() {
        let mut tree = Tree::new();
        assert!(tree.insert(path("a.b.c"), Value::raw("1")));
        assert!(tree.insert(path("a.b.d"), Value::raw("2")));
        assert!(!tree.insert(path("a.b"), Value::raw("3")));
        assert!(!tree.insert(path("a.b.c.e"), Value::raw("4")));
        assert!(!tree.insert(path("a.b.c"), Value::raw("5")));
        assert_eq!(Value::Attrs(tree).to_text(), "{\n  a.b.c = 1;\n  a.b.d = 2;\n}");
    }

    #[test]
    fn marks_are_removed_and_located() {
        let text = format!("[ {} {} ]", mark(0, "ssh"), mark(1, "git"));
        let (clean, marks) = strip_marks(&text);
        assert_eq!(clean, "[ ssh git ]");
        assert_eq!(marks, vec![(0, 2..5), (1, 6..9)]);
    }

    #[test]
    fn quoted_names() {
        assert_eq!(attr("hosts/gouda"), "\"hosts/gouda\"");
        assert_eq!(attr("dev-rust"), "dev-rust");
        assert_eq!(attr("with"), "\"with\"");
    }
}
