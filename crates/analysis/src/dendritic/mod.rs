//! What the dendritic pattern means, as data: where aspects and hosts are stored (the collection
//! table, one row per storage style of each library), the classes and what their modules look
//! like, what flake-parts gives a top-level module, where lower-level modules are evaluated and
//! as which class (contexts), and which files import-tree loads.
//!
//! Knowledge of a library (den, flake-aspects, unify, flake-parts) lives here and nowhere else:
//! the extractor, the resolution and the checks ask these tables.

pub(crate) mod classes;
pub(crate) mod collections;
pub(crate) mod contexts;
pub(crate) mod flake_parts;
pub(crate) mod import_tree;
