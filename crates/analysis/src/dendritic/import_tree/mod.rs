//! import-tree: which files are top-level modules.
//!
//! `find_calls` reads every call of import-tree in one file: its roots and the filters that can
//! be read without evaluation. `ImportTreeRoots` combines the calls of a workspace and answers,
//! for any path, what import-tree does with it.
//!
//! import-tree is a callable attrset whose methods return configured copies of itself
//! (`(inputs.import-tree.filter f).matchNot r ./modules`), so the reader follows that chain the
//! way the library builds it, through parentheses, `import`, pipes and `let` aliases. Anything it
//! cannot read is left out and flagged, never guessed.

pub(crate) mod calls;
pub(crate) mod roots;
#[cfg(test)]
mod tests;
