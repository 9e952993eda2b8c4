//! What the dendritic pattern means, as data: where aspects and hosts are stored (the collection
//! table), where lower-level modules are evaluated and as which class (contexts), and which files
//! import-tree loads.

pub(crate) mod collections;
pub(crate) mod contexts;
pub(crate) mod import_tree;
