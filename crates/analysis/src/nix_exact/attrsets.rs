//! Attributes defined twice, as Nix reports them, order dependence included: the grammar feeds
//! every binding to the model of Nix's attrsets (`syntax::attrsets`) as it finishes reading it,
//! and this reads the model's answer as Nix's error (positions, path as written, and which of
//! several clashes of one merge comes first), so findings come out in the order Nix raises them.

use std::borrow::Cow;

use crate::base::text::{TextRange, TextSize};
use crate::syntax::attrsets::{Added, Def};

/// A static attribute name: borrowed from the text when written plainly.
pub(crate) type Name<'a> = Cow<'a, str>;

/// The attrsets of one file, as the grammar reads them: built as they are read, so their
/// literals need no name.
pub(crate) type AttrSets<'a> = crate::syntax::attrsets::AttrSets<Name<'a>, ()>;

pub(crate) type PathAttr<'a> = crate::syntax::attrsets::PathAttr<Name<'a>>;

/// One duplicate, as Nix reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Duplicate {
    /// Where Nix reports it.
    pub(crate) range: TextRange,
    /// The attribute path as written, e.g. `a.b`.
    pub(crate) path: String,
    /// The other definition.
    pub(crate) other: TextSize,
    /// Reported at the earlier of the two, because a later literal merged into it.
    pub(crate) in_merge: bool,
}

/// What Nix reports of `path = ...;` once `added`. A merge reports its clashes in `order` (Nix
/// walks the later set in symbol order).
pub(crate) fn of_binding<'a>(
    path: &[PathAttr<'a>],
    added: Added<Name<'a>>,
    order: &mut dyn FnMut(&str, &str) -> std::cmp::Ordering,
) -> Vec<Duplicate> {
    match added {
        Added::Defined { .. } => Vec::new(),
        Added::Duplicate { at, other } => vec![Duplicate {
            range: TextRange::new(path[0].range.start(), path[at].range.end()),
            path: show_path(path),
            other: other.range.start(),
            in_merge: false,
        }],
        Added::Merged { mut clashes, .. } => {
            clashes.sort_by(|a, b| order(&a.name, &b.name));
            let prefix = show_path(path);
            clashes
                .into_iter()
                .map(|clash| Duplicate {
                    range: clash.kept.range,
                    path: format!("{prefix}.{}", render(Some(&clash.name))),
                    other: clash.dropped.range.start(),
                    in_merge: true,
                })
                .collect()
        }
    }
}

/// What Nix reports of `inherit ... name ...;` at `range`, `name` being defined already by
/// `existing` (positions are the name's own, as in current Nix).
pub(crate) fn of_inherit(name: &str, range: TextRange, existing: Def) -> Duplicate {
    Duplicate { range, path: render(Some(name)), other: existing.range.start(), in_merge: false }
}

fn render(name: Option<&str>) -> String {
    match name {
        Some(name) => crate::syntax::render_attr_name(name),
        None => "${...}".to_string(),
    }
}

fn show_path(path: &[PathAttr<'_>]) -> String {
    path.iter().map(|a| render(a.name.as_deref())).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;

    /// The duplicate-attribute findings of `src`, as `line:col message`.
    fn check(src: &str, expect: Expect) {
        let parse = crate::syntax::parse(src);
        let names = crate::syntax::names::NameTable::build(&parse.root());
        let index = crate::base::text::LineIndex::new(src);
        let rendered: Vec<String> = super::super::parse_time_diagnostics(src, &parse, &names)
            .into_iter()
            .filter(|d| d.kind == DiagnosticKind::DuplicateAttribute)
            .map(|d| {
                let pos = index.line_col(src, d.range.start(), crate::base::text::Encoding::Utf8);
                format!("{}:{} {}", pos.line + 1, pos.col + 1, d.message)
            })
            .collect();
        expect.assert_eq(&rendered.join("\n"));
    }

    #[test]
    fn dotted_paths_merge_into_earlier_literals_at_any_depth() {
        check("{ a = { b.d = 1; }; a.b.c = 2; }", expect![""]);
        check("{ a.b = 1; a = { c = 2; }; }", expect![""]);
        check("{ a = ({ b = 1; }); a = { c = 2; }; }", expect![""]);
    }

    #[test]
    fn later_literals_merge_one_level_deep() {
        check(
            "{ a.b.c = 2; a = { b.d = 1; }; }",
            expect!["1:3 attribute 'a.b' is also defined at 1:20, by a later attrset that merges only one level deep"],
        );
        check(
            "{ a = { b.d = 1; }; a = { b.c = 2; }; }",
            expect!["1:9 attribute 'a.b' is also defined at 1:27, by a later attrset that merges only one level deep"],
        );
    }

    #[test]
    fn merge_clashes_follow_symbol_order() {
        // `b` is read before `c`, so Nix reports `b` although `c` clashes first in the text.
        check(
            "{ a = { b = 1; c = 2; }; a = { c = 3; b = 4; }; }",
            expect![[r#"
                1:9 attribute 'a.b' is also defined at 1:39, by a later attrset that merges only one level deep
                1:16 attribute 'a.c' is also defined at 1:32, by a later attrset that merges only one level deep"#]],
        );
    }

    #[test]
    fn only_literals_merge() {
        check("{ a = f x; a.b = 1; }", expect!["1:12 attribute 'a.b' already defined at 1:3"]);
        check("{ a = { }; a = { } // { }; }", expect!["1:12 attribute 'a' already defined at 1:3"]);
        check("{ a = let { body = { }; }; a.b = 1; }", expect!["1:28 attribute 'a.b' already defined at 1:3"]);
    }

    #[test]
    fn inherit_let_rec_and_string_names() {
        check("{ a = 1; inherit a; }", expect!["1:18 attribute 'a' already defined at 1:3"]);
        check("{ inherit a; a.b = 1; }", expect!["1:14 attribute 'a.b' already defined at 1:11"]);
        check("let a = 1; a = 2; in a", expect!["1:12 attribute 'a' already defined at 1:5"]);
        check("rec { a = 1; \"a\" = 2; }", expect!["1:14 attribute 'a' already defined at 1:7"]);
        check("{ a = 1; ${\"a\"} = 2; ${x} = 3; ${x} = 4; }", expect!["1:10 attribute 'a' already defined at 1:3"]);
    }

    #[test]
    fn a_big_set_is_linear() {
        let mut src = String::from("{\n");
        for i in 0..16_000 {
            src.push_str(&format!("  a{i}.b = {i};\n  a{i}.c = {i};\n"));
        }
        src.push_str("  a15999 = 1;\n}\n");
        let start = std::time::Instant::now();
        check(&src, expect!["32002:3 attribute 'a15999' already defined at 32000:3"]);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
