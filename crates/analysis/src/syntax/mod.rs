//! What the text says: parsing (with the guard against files that would stall the parser),
//! helpers that read rnix's untyped tree, how Nix's parser builds attrsets binding by binding,
//! and the lexical names of one file.
//!
//! Everything here reads one text and nothing else, and never panics on what a user typed.

pub(crate) mod attrsets;
pub(crate) mod names;
mod parse;
mod tree;

pub(crate) use parse::*;
pub(crate) use tree::*;
