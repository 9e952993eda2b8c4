//! Where in a file the module walk can find anything: a function (a module, or a pattern without
//! `...`), a read of some function's `config`, a definition under a secret's name. Most of a big
//! module is settings with none of these; the walk passes over such a value without looking
//! inside, so what it costs follows the places worth a look, not the file's size. The marks come
//! from what the summary already knows (the name table, the configuration tree the extractor
//! built), plus one scan for `:` and `@`, which are rare.

use crate::base::text::{TextRange, TextSize};
use crate::summary::ConfigNode;
use crate::syntax::names::{BindingKind, NameTable, Resolution};

/// Places worth a look, sorted.
pub(super) struct Marks {
    /// Reads of a function's `config` argument.
    config_reads: Vec<TextSize>,
    /// Those, and where functions start or a definition under a secret's name.
    any: Vec<TextSize>,
}

impl Marks {
    /// From the name table, and the configuration tree as the extractor built it (before
    /// pruning), which holds every name defined in configuration some levels deep.
    pub(super) fn new(text: &str, names: &NameTable, nodes: &[ConfigNode]) -> Marks {
        let formal = |r: &Resolution| match r {
            Resolution::Local(id) => names.binding(*id).kind == BindingKind::Formal,
            _ => false,
        };
        let config_reads: Vec<TextSize> = names
            .uses
            .iter()
            .filter(|u| u.name == "config" && formal(&u.resolution))
            .map(|u| u.range.start())
            .collect();
        let functions = names
            .bindings
            .iter()
            .filter(|b| matches!(b.kind, BindingKind::Formal | BindingKind::Param | BindingKind::PatternAlias));
        let mut any: Vec<TextSize> = config_reads.clone();
        any.extend(functions.map(|b| b.scope.text_range().start()));
        any.extend(empty_patterns(text));
        let secrets = nodes.iter().filter(|n| super::secrets::names_secret(&n.name.text));
        any.extend(secrets.map(|n| n.binding.start()));
        any.sort_unstable();
        any.dedup();
        Marks { config_reads, any }
    }

    /// Whether `range` reads a function's `config`.
    pub(super) fn reads_config(&self, range: TextRange) -> bool {
        within(&self.config_reads, range)
    }

    /// Whether the walk can find anything in `range`.
    pub(super) fn worth_a_look(&self, range: TextRange) -> bool {
        within(&self.any, range)
    }
}

fn within(sorted: &[TextSize], range: TextRange) -> bool {
    let at = sorted.partition_point(|start| *start < range.start());
    sorted.get(at).is_some_and(|start| *start < range.end())
}

/// `{ }:` and `{}@args:`, the patterns that bind no name (so the name table knows no function
/// there): where the `{` is, found back from the `:` or `@` after it. Text in strings or
/// comments that looks so only costs a look.
fn empty_patterns(text: &str) -> Vec<TextSize> {
    let bytes = text.as_bytes();
    let back = |mut i: usize| {
        while i > 0 && bytes[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        i
    };
    let mut out = Vec::new();
    // One character at a time: `match_indices` of a `char` runs at memory speed.
    for (at, _) in text.match_indices(':').chain(text.match_indices('@')) {
        let close = back(at);
        let Some(open) = close.checked_sub(1).filter(|c| bytes[*c] == b'}').map(back) else { continue };
        if let Some(open) = open.checked_sub(1).filter(|o| bytes[*o] == b'{')
            && let Ok(open) = TextSize::try_from(open)
        {
            out.push(open);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_patterns_are_found_by_their_brace() {
        let found: Vec<u32> =
            empty_patterns("{ }: { a = { }; b = {}@x: 1; c = { } ; d = x: 1; }").into_iter().map(u32::from).collect();
        assert_eq!(found, [0, 20]);
    }
}
