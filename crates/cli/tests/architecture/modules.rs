//! A crate's module tree as its source files declare it, and what each module names: the paths of
//! its `use` items and the paths written in its code.
//!
//! Files are read from their tokens, which proc-macro2 lexes as rustc does: a path inside a
//! string, a comment or a raw string never passes for one, and a lifetime never for a character.
//! The reading is syntactic on purpose (it knows modules, `use` items and the names items define,
//! no types and no macros): that is enough to know which file a path leads to, and a path it
//! cannot place is one that leaves the crate.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// A module's path from the crate root: `[]` for the root, `["graph", "resolve"]` for
/// `crate::graph::resolve`.
pub type ModPath = Vec<String>;

/// One module: a file, or an inline `mod x { ... }` inside one.
#[derive(Debug, Default)]
pub struct Scope {
    /// The file it is written in, relative to the source folder.
    pub file: PathBuf,
    /// Compiled for tests only: under `#[cfg(test)]`, in a test-only file, or inside either.
    pub test: bool,
    /// Written inside another module's file (`mod x { ... }`).
    pub inline: bool,
    /// Child modules declared here, by file (`mod x;`) or inline.
    pub children: BTreeSet<String>,
    /// The names of the items defined here (functions, types, traits, constants), nested ones
    /// aside.
    pub defined: BTreeSet<String>,
    /// The `use` items, each path as written (a group is one entry per leaf).
    pub uses: Vec<UsePath>,
    /// Paths written in code, as written: at least two segments, the first not after `::`.
    pub paths: Vec<Vec<String>>,
}

/// One leaf of a `use` item: `use a::{b as c}` gives `["a", "b"]`, bound as `c`.
#[derive(Debug)]
pub struct UsePath {
    pub path: Vec<String>,
    /// The name it binds in the module; `None` for globs and `as _`.
    pub binding: Option<String>,
    /// `a::*`: every public name of `a`.
    pub glob: bool,
}

impl Scope {
    /// The `use` leaf that binds `name` here.
    pub fn import(&self, name: &str) -> Option<&UsePath> {
        self.uses.iter().find(|u| u.binding.as_deref() == Some(name))
    }
}

/// Every module reachable from a crate's root by its `mod` declarations.
#[derive(Debug, Default)]
pub struct Tree {
    pub scopes: BTreeMap<ModPath, Scope>,
}

impl Tree {
    /// Reads the tree rooted at `root` (`lib.rs`), from `files` (path relative to the source
    /// folder → text). A declared module whose file is missing is left out, and so is a module
    /// declared with `#[path]`.
    pub fn read(files: &BTreeMap<PathBuf, String>, root: &Path) -> Result<Tree, String> {
        let mut tree = Tree::default();
        let mut pending = VecDeque::from([(root.to_path_buf(), ModPath::new(), is_test_file(root))]);
        while let Some((file, module, test)) = pending.pop_front() {
            let Some(text) = files.get(&file) else { continue };
            let tokens = lex(text).map_err(|err| format!("{}: {err}", file.display()))?;
            let mut reader = Reader { file: &file, module: &module, scopes: Vec::new(), declared: Vec::new() };
            reader.read_module(&tokens, module.clone(), Scope { file: file.clone(), test, ..Scope::default() });
            for Declared { dir, path, test } in reader.declared {
                let name = path.last().expect("a declared module has a name");
                let candidates = [dir.join(format!("{name}.rs")), dir.join(name).join("mod.rs")];
                if let Some(found) = candidates.into_iter().find(|f| files.contains_key(f)) {
                    let test = test || is_test_file(&found);
                    pending.push_back((found, path, test));
                }
            }
            tree.scopes.extend(reader.scopes);
        }
        Ok(tree)
    }

    /// The files of modules compiled for tests only.
    pub fn test_files(&self) -> BTreeSet<&Path> {
        self.scopes.values().filter(|s| s.test && !s.inline).map(|s| s.file.as_path()).collect()
    }
}

/// Whether a file's name or folder says it holds only tests: `tests.rs`, `*_tests.rs`, or any
/// file under a `tests` folder.
pub fn is_test_file(path: &Path) -> bool {
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let in_tests = path.parent().is_some_and(|dir| dir.components().any(|c| c.as_os_str() == "tests"));
    in_tests || name == "tests" || name.ends_with("_tests")
}

/// A file's tokens, comments gone (doc comments become `#[doc]` attributes).
pub fn lex(text: &str) -> Result<Vec<TokenTree>, String> {
    let stream: TokenStream = text.parse().map_err(|err| format!("cannot lex: {err:?}"))?;
    Ok(stream.into_iter().collect())
}

/// Keywords followed by the name of the item they define.
const DEFINERS: &[&str] = &["fn", "struct", "enum", "union", "trait", "type", "const", "static"];

/// Item keywords whose item `#[cfg(test)]` removes (a test module is read, flagged as such).
const ITEMS: &[&str] = &[
    "fn",
    "impl",
    "struct",
    "enum",
    "const",
    "static",
    "trait",
    "type",
    "extern",
    "macro_rules",
    "unsafe",
    "async",
    "union",
    "use",
    "let",
];

/// A `mod x;` declaration: the folder its file lies in, the module's path, whether it is for
/// tests only.
struct Declared {
    dir: PathBuf,
    path: ModPath,
    test: bool,
}

/// Reads one file: its module and the inline modules in it.
struct Reader<'a> {
    file: &'a Path,
    /// The file's own module.
    module: &'a ModPath,
    scopes: Vec<(ModPath, Scope)>,
    declared: Vec<Declared>,
}

impl Reader<'_> {
    fn read_module(&mut self, tokens: &[TokenTree], path: ModPath, mut scope: Scope) {
        self.read_items(tokens, &path, &mut scope, true);
        self.scopes.push((path, scope));
    }

    /// The folder that holds the files of `path`'s children: beside `lib.rs`, `main.rs` and
    /// `mod.rs`, in a folder named after any other file, then one folder per inline module.
    fn child_dir(&self, path: &ModPath) -> PathBuf {
        let parent = self.file.parent().unwrap_or(Path::new(""));
        let stem = self.file.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let dir = if matches!(stem, "lib" | "main" | "mod") { parent.to_path_buf() } else { parent.join(stem) };
        path[self.module.len()..].iter().fold(dir, |dir, inline| dir.join(inline))
    }

    /// Reads a sequence of items or statements: `use` items, `mod` items, items under
    /// `#[cfg(test)]` (passed over), and paths anywhere else, in groups too. `top`: the items are
    /// the module's own, not those of a block or an `impl`.
    fn read_items(&mut self, tokens: &[TokenTree], path: &ModPath, scope: &mut Scope, top: bool) {
        let mut attrs = Attrs::default();
        let mut i = 0;
        while i < tokens.len() {
            if let Some(next) = attrs.read(tokens, i, scope) {
                i = next;
                continue;
            }
            if let Some(next) = visibility(tokens, i) {
                i = next;
                continue;
            }
            i = match &tokens[i] {
                TokenTree::Ident(id) if id == "mod" => self.read_mod(tokens, i, path, scope, &attrs),
                TokenTree::Ident(id) if attrs.test && ITEMS.contains(&id.to_string().as_str()) => item_end(tokens, i),
                TokenTree::Ident(id) if id == "use" && !is_punct(tokens.get(i + 1), '<') => {
                    let end = find_punct(tokens, i, ';');
                    use_tree(&tokens[i + 1..end], &[], &mut scope.uses);
                    end + 1
                }
                // `$crate` and `$name` in macros: not paths of this module.
                TokenTree::Punct(p) if p.as_char() == '$' && matches!(tokens.get(i + 1), Some(TokenTree::Ident(_))) => {
                    i + 2
                }
                TokenTree::Group(group) => {
                    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                    self.read_items(&inner, path, scope, false);
                    i + 1
                }
                TokenTree::Ident(id) if !after_separator(tokens, i) => {
                    if top
                        && DEFINERS.contains(&id.to_string().as_str())
                        && let Some(TokenTree::Ident(name)) = tokens.get(i + 1)
                        && !ITEMS.contains(&name.to_string().as_str())
                    {
                        scope.defined.insert(name.to_string());
                    }
                    let (segments, next) = path_at(tokens, i);
                    if segments.len() > 1 {
                        scope.paths.push(segments);
                    }
                    next
                }
                _ => i + 1,
            };
            attrs = Attrs::default();
        }
    }

    /// `mod x;` (a declaration) or `mod x { ... }` (an inline module) at `tokens[i]`; returns
    /// where the item ends.
    fn read_mod(&mut self, tokens: &[TokenTree], i: usize, path: &ModPath, scope: &mut Scope, attrs: &Attrs) -> usize {
        let Some(TokenTree::Ident(name)) = tokens.get(i + 1) else { return i + 1 };
        let mut child = path.clone();
        child.push(name.to_string());
        scope.children.insert(name.to_string());
        let test = attrs.test || scope.test;
        match tokens.get(i + 2) {
            Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace => {
                let inner: Vec<TokenTree> = body.stream().into_iter().collect();
                let scope = Scope { file: self.file.to_path_buf(), test, inline: true, ..Scope::default() };
                self.read_module(&inner, child, scope);
            }
            _ if attrs.path => {}
            _ => self.declared.push(Declared { dir: self.child_dir(path), path: child, test }),
        }
        i + 3
    }
}

/// The outer attributes read before an item.
#[derive(Default)]
struct Attrs {
    /// `#[cfg(test)]`, or `#[cfg(all(test, ...))]`.
    test: bool,
    /// `#[path = "..."]`.
    path: bool,
}

impl Attrs {
    /// Reads the attribute at `tokens[i]`, if there is one, and returns where it ends. An inner
    /// `#![cfg(test)]` makes the whole module a test module.
    fn read(&mut self, tokens: &[TokenTree], i: usize, scope: &mut Scope) -> Option<usize> {
        let attribute = attribute(tokens, i)?;
        let test = is_cfg_test(&attribute.body);
        if attribute.inner {
            scope.test |= test;
        } else {
            self.test |= test;
            self.path |= matches!(attribute.body.first(), Some(TokenTree::Ident(id)) if id == "path");
        }
        Some(attribute.end)
    }
}

/// An attribute: `#[body]`, or `#![body]` (inner).
pub struct Attribute {
    pub inner: bool,
    pub body: Vec<TokenTree>,
    /// Where it ends in the tokens it was read from.
    pub end: usize,
}

/// The attribute at `tokens[i]`, if there is one.
pub fn attribute(tokens: &[TokenTree], i: usize) -> Option<Attribute> {
    if !is_punct(tokens.get(i), '#') {
        return None;
    }
    let inner = is_punct(tokens.get(i + 1), '!');
    let at = if inner { i + 2 } else { i + 1 };
    match tokens.get(at) {
        Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Bracket => {
            Some(Attribute { inner, body: body.stream().into_iter().collect(), end: at + 1 })
        }
        _ => None,
    }
}

/// Whether an attribute's body is `cfg(test)` or `cfg(all(test, ...))`.
pub fn is_cfg_test(body: &[TokenTree]) -> bool {
    let [TokenTree::Ident(cfg), TokenTree::Group(args)] = body else { return false };
    let args: Vec<TokenTree> = args.stream().into_iter().collect();
    match args.as_slice() {
        [TokenTree::Ident(test)] => cfg == "cfg" && test == "test",
        [TokenTree::Ident(all), TokenTree::Group(all_args)] if cfg == "cfg" && all == "all" => {
            all_args.stream().into_iter().any(|t| matches!(t, TokenTree::Ident(id) if id == "test"))
        }
        _ => false,
    }
}

/// `pub` or `pub(...)` at `tokens[i]`: where it ends (a restriction's `crate` is not a path).
pub fn visibility(tokens: &[TokenTree], i: usize) -> Option<usize> {
    let TokenTree::Ident(id) = &tokens[i] else { return None };
    if id != "pub" {
        return None;
    }
    let restricted = matches!(tokens.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
    Some(if restricted { i + 2 } else { i + 1 })
}

/// Where the item starting at `tokens[i]` ends: after its `;`, or after its body for items that
/// have one.
pub fn item_end(tokens: &[TokenTree], i: usize) -> usize {
    let keyword = tokens[i].to_string();
    let next = tokens.get(i + 1).map(ToString::to_string).unwrap_or_default();
    let const_item = keyword == "const" && !matches!(next.as_str(), "fn" | "unsafe" | "async");
    let semicolon_only = matches!(keyword.as_str(), "use" | "static" | "type" | "let") || const_item;
    for (j, token) in tokens.iter().enumerate().skip(i) {
        match token {
            TokenTree::Punct(p) if p.as_char() == ';' => return j + 1,
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace && !semicolon_only => return j + 1,
            _ => {}
        }
    }
    tokens.len()
}

/// Reads one `use` tree, adding a leaf per path it names (`prefix` is the path of the groups
/// around it).
fn use_tree(tokens: &[TokenTree], prefix: &[String], out: &mut Vec<UsePath>) {
    let mut path = prefix.to_vec();
    let mut i = 0;
    // `use ::name`: a crate, never a module here.
    if prefix.is_empty() && is_separator(tokens, 0) {
        return;
    }
    loop {
        match tokens.get(i) {
            Some(TokenTree::Ident(id)) => {
                path.push(id.to_string());
                if is_separator(tokens, i + 1) {
                    i += 3;
                    continue;
                }
                let alias = match (tokens.get(i + 1), tokens.get(i + 2)) {
                    (Some(TokenTree::Ident(r#as)), Some(TokenTree::Ident(alias))) if r#as == "as" => Some(alias),
                    _ => None,
                };
                // `a::{self}` names `a` itself.
                if path.len() > 1 && path.last().is_some_and(|s| s == "self") {
                    path.pop();
                }
                let binding = match alias {
                    Some(alias) if alias == "_" => None,
                    Some(alias) => Some(alias.to_string()),
                    None => path.last().cloned(),
                };
                out.push(UsePath { path, binding, glob: false });
                return;
            }
            Some(TokenTree::Punct(p)) if p.as_char() == '*' => {
                out.push(UsePath { path, binding: None, glob: true });
                return;
            }
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                for tree in inner.split(|t| is_punct(Some(t), ',')) {
                    use_tree(tree, &path, out);
                }
                return;
            }
            _ => return,
        }
    }
}

/// The path starting at the identifier `tokens[i]` (`a::b::c`, stopping before `::<` or `::{`),
/// and where it ends.
fn path_at(tokens: &[TokenTree], i: usize) -> (Vec<String>, usize) {
    let mut segments = vec![tokens[i].to_string()];
    let mut end = i + 1;
    while is_separator(tokens, end) {
        let Some(TokenTree::Ident(next)) = tokens.get(end + 2) else { break };
        segments.push(next.to_string());
        end += 3;
    }
    (segments, end)
}

/// Whether `tokens[i]` comes right after `::`, so that it continues a path rather than starts one.
fn after_separator(tokens: &[TokenTree], i: usize) -> bool {
    i >= 2 && is_separator(tokens, i - 2)
}

/// Whether `tokens[i..]` starts with `::`.
fn is_separator(tokens: &[TokenTree], i: usize) -> bool {
    matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == Spacing::Joint)
        && is_punct(tokens.get(i + 1), ':')
}

pub fn is_punct(token: Option<&TokenTree>, c: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

/// The index of the first `c` at this level from `i`, or the end.
pub fn find_punct(tokens: &[TokenTree], i: usize, c: char) -> usize {
    (i..tokens.len()).find(|&j| is_punct(tokens.get(j), c)).unwrap_or(tokens.len())
}
