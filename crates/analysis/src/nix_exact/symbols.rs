//! The order in which Nix visits the attributes of a set.
//!
//! Nix keeps an attrset's attributes in a map ordered by symbol, not by name, and reports the
//! first problem it meets while walking that map: the first of several undefined variables, the
//! first of several clashing attributes when two literal sets merge, the first of several
//! duplicated formals. Symbols are interned as the parser reads names, after the ones the
//! evaluator interns at start-up.
//!
//! Nix 2.8 orders symbols by the address of their string. Measured with `nix-instantiate`, for
//! files of ordinary size that gives three groups: the evaluator's own names and the builtins, in
//! interning order; then the file's names, in the order the parser first reads them; then the
//! names that only the start-up parse of `derivation.nix` interned, whose strings land above the
//! file's. (Current Nix orders symbols by interning index, which merges the last group into the
//! first.)

use std::sync::OnceLock;

use rnix::SyntaxKind::*;
use rustc_hash::FxHashMap;
use smol_str::SmolStr;

use crate::syntax::{SyntaxNode, static_attr};

/// Names Nix 2.8 interns before it reads a file: the evaluator's own attribute names, then the
/// global scope and `builtins` in registration order. Measured by pairwise comparison with
/// `nix-instantiate --parse` (the reported undefined variable tells which attribute came first).
const PREINTERNED: &[&str] = &[
    "meta",
    "name",
    "value",
    "system",
    "__overrides",
    "outputs",
    "outputName",
    "__ignoreNulls",
    "file",
    "line",
    "column",
    "outPath",
    "drvPath",
    "type",
    "__functor",
    "__toString",
    "right",
    "wrong",
    "__structuredAttrs",
    "builder",
    "args",
    "__contentAddressed",
    "__impure",
    "outputHash",
    "outputHashAlgo",
    "outputHashMode",
    "recurseForDerivations",
    "description",
    "self",
    "startSet",
    "operator",
    "key",
    "path",
    "prefix",
    "builtins",
    "true",
    "false",
    "null",
    "__currentTime",
    "currentTime",
    "__currentSystem",
    "currentSystem",
    "__nixVersion",
    "nixVersion",
    "__storeDir",
    "storeDir",
    "__langVersion",
    "langVersion",
    "__nixPath",
    "nixPath",
    "scopedImport",
    "import",
    "__typeOf",
    "typeOf",
    "isNull",
    "__isFunction",
    "isFunction",
    "__isInt",
    "isInt",
    "__isFloat",
    "isFloat",
    "__isString",
    "isString",
    "__isBool",
    "isBool",
    "__isPath",
    "isPath",
    "__genericClosure",
    "genericClosure",
    "abort",
    "throw",
    "__addErrorContext",
    "addErrorContext",
    "__ceil",
    "ceil",
    "__floor",
    "floor",
    "__tryEval",
    "tryEval",
    "__getEnv",
    "getEnv",
    "__seq",
    "seq",
    "__deepSeq",
    "deepSeq",
    "__trace",
    "trace",
    "derivationStrict",
    "placeholder",
    "__toPath",
    "toPath",
    "__storePath",
    "storePath",
    "__pathExists",
    "pathExists",
    "baseNameOf",
    "dirOf",
    "__readFile",
    "readFile",
    "__findFile",
    "findFile",
    "__hashFile",
    "hashFile",
    "__readDir",
    "readDir",
    "__toXML",
    "toXML",
    "__toJSON",
    "toJSON",
    "__fromJSON",
    "fromJSON",
    "__toFile",
    "toFile",
    "__filterSource",
    "filterSource",
    "__path",
    "__attrNames",
    "attrNames",
    "__attrValues",
    "attrValues",
    "__getAttr",
    "getAttr",
    "__unsafeGetAttrPos",
    "unsafeGetAttrPos",
    "__hasAttr",
    "hasAttr",
    "__isAttrs",
    "isAttrs",
    "removeAttrs",
    "__listToAttrs",
    "listToAttrs",
    "__intersectAttrs",
    "intersectAttrs",
    "__catAttrs",
    "catAttrs",
    "__functionArgs",
    "functionArgs",
    "__mapAttrs",
    "mapAttrs",
    "__zipAttrsWith",
    "zipAttrsWith",
    "__isList",
    "isList",
    "__elemAt",
    "elemAt",
    "__head",
    "head",
    "__tail",
    "tail",
    "map",
    "__filter",
    "filter",
    "__elem",
    "elem",
    "__concatLists",
    "concatLists",
    "__length",
    "length",
    "__foldl'",
    "foldl'",
    "__any",
    "any",
    "__all",
    "all",
    "__genList",
    "genList",
    "__sort",
    "sort",
    "__partition",
    "partition",
    "__groupBy",
    "groupBy",
    "__concatMap",
    "concatMap",
    "__add",
    "add",
    "__sub",
    "sub",
    "__mul",
    "mul",
    "__div",
    "div",
    "__bitAnd",
    "bitAnd",
    "__bitOr",
    "bitOr",
    "__bitXor",
    "bitXor",
    "__lessThan",
    "lessThan",
    "toString",
    "__substring",
    "substring",
    "__stringLength",
    "stringLength",
    "__hashString",
    "hashString",
    "__match",
    "match",
    "__split",
    "split",
    "__concatStringsSep",
    "concatStringsSep",
    "__replaceStrings",
    "replaceStrings",
    "__parseDrvName",
    "parseDrvName",
    "__compareVersions",
    "compareVersions",
    "__splitVersion",
    "splitVersion",
    "__unsafeDiscardStringContext",
    "unsafeDiscardStringContext",
    "__hasContext",
    "hasContext",
    "__unsafeDiscardOutputDependency",
    "unsafeDiscardOutputDependency",
    "__getContext",
    "getContext",
    "__appendContext",
    "appendContext",
    "fetchMercurial",
    "fetchTree",
    "__fetchurl",
    "fetchurl",
    "fetchTarball",
    "fetchGit",
    "fromTOML",
    "derivation",
];

/// Names that only Nix 2.8's start-up parse of its `derivation.nix` interns, in reading order.
const INTERNED_BY_DERIVATION_NIX: &[&str] =
    &["strict", "drvAttrs", "commonAttrs", "outputsList", "x", "outputToAttrListElement"];

fn preinterned(name: &str) -> Option<(Group, u32)> {
    static RANKS: OnceLock<FxHashMap<&'static str, (Group, u32)>> = OnceLock::new();
    let ranks = RANKS.get_or_init(|| {
        let early = PREINTERNED.iter().enumerate().map(|(i, n)| (*n, (Group::Evaluator, i as u32)));
        let late = INTERNED_BY_DERIVATION_NIX.iter().enumerate().map(|(i, n)| (*n, (Group::DerivationNix, i as u32)));
        early.chain(late).collect()
    });
    ranks.get(name).copied()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Evaluator,
    File,
    DerivationNix,
}

/// A name's place in Nix's attribute order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SymbolKey {
    group: Group,
    rank: u32,
}

/// When the parser first reads each name of one file.
pub(crate) struct SymbolOrder {
    first_read: FxHashMap<SmolStr, u32>,
}

impl SymbolOrder {
    /// Reads the names from rnix's tree. The parser interns a name when it reduces the rule that
    /// holds it, which for a lambda's own argument is only once the whole lambda is read.
    pub(crate) fn from_tree(root: &SyntaxNode) -> SymbolOrder {
        let mut first_read: FxHashMap<SmolStr, u32> = FxHashMap::default();
        let mut note = |name: SmolStr, at: u32| {
            first_read.entry(name).and_modify(|o| *o = (*o).min(at)).or_insert(at);
        };
        for node in root.descendants() {
            match node.kind() {
                NODE_IDENT => {
                    let Some(name) = crate::syntax::ident_text(&node) else { continue };
                    let lambda_argument = node
                        .parent()
                        .filter(|p| matches!(p.kind(), NODE_IDENT_PARAM | NODE_PAT_BIND))
                        .and_then(|p| p.ancestors().find(|a| a.kind() == NODE_LAMBDA));
                    let at = match lambda_argument {
                        Some(lambda) => lambda.text_range().end(),
                        None => node.text_range().start(),
                    };
                    note(name, at.into());
                }
                NODE_STRING | NODE_DYNAMIC
                    if node.parent().is_some_and(|p| matches!(p.kind(), NODE_ATTRPATH | NODE_INHERIT)) =>
                {
                    if let Some(name) = static_attr(&node) {
                        note(name.text, node.text_range().end().into());
                    }
                }
                _ => {}
            }
        }
        SymbolOrder { first_read }
    }

    pub(crate) fn key(&self, name: &str) -> SymbolKey {
        match preinterned(name) {
            Some((group, rank)) => SymbolKey { group, rank },
            None => SymbolKey { group: Group::File, rank: self.first_read.get(name).copied().unwrap_or(u32::MAX) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(src: &str, names: &[&str]) -> Vec<String> {
        let parse = crate::syntax::parse(src);
        let symbols = SymbolOrder::from_tree(&parse.root());
        let mut names: Vec<&str> = names.to_vec();
        names.sort_by_key(|n| symbols.key(n));
        names.into_iter().map(String::from).collect()
    }

    #[test]
    fn known_names_come_first_then_reading_order() {
        assert_eq!(order("{ b = x; a = y; name = z; }", &["a", "b", "name"]), ["name", "b", "a"]);
        // `c` is read as a variable before `b` is read as an attribute.
        assert_eq!(order("{ x = c; b = 1; c = 2; }", &["b", "c"]), ["c", "b"]);
    }

    #[test]
    fn names_of_derivation_nix_come_last() {
        assert_eq!(order("{ x ? v, c ? w }: 1", &["x", "c", "name"]), ["name", "c", "x"]);
    }

    #[test]
    fn lambda_arguments_are_read_when_the_lambda_ends() {
        assert_eq!(order("a: { b = 1; }", &["a", "b"]), ["b", "a"]);
        assert_eq!(order("{ a, b }: 1", &["b", "a"]), ["a", "b"]);
    }
}
