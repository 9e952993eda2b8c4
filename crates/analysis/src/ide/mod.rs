//! Editor features over the workspace: one module per feature, each a function of the workspace
//! and a position that returns plain data (byte ranges in files). The language server converts
//! positions and types; nothing here knows LSP.

pub(crate) mod call_hierarchy;
pub(crate) mod code_lens;
pub(crate) mod completion;
pub(crate) mod goto_definition;
pub(crate) mod graph;
pub(crate) mod hover;
pub(crate) mod references;
pub(crate) mod rename;
pub(crate) mod symbol_at;
pub(crate) mod symbols;

use crate::base::FileId;
use crate::base::text::{TextRange, TextSize};

/// A cursor in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FilePosition {
    pub file: FileId,
    pub offset: TextSize,
}

/// Where a navigation lands: `full_range` is the whole binding, `focus_range` the name in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NavigationTarget {
    pub file: FileId,
    pub full_range: TextRange,
    pub focus_range: TextRange,
}

/// A navigation answer: where it starts (the name under the cursor) and where it lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Navigation {
    pub origin: TextRange,
    pub targets: Vec<NavigationTarget>,
}

/// A workspace from a multi-file fixture (`#- /path` headers) with one `$0` cursor.
#[cfg(test)]
pub(crate) fn fixture(text: &str) -> (crate::graph::store::Graph, FilePosition) {
    let mut cursor = None;
    let mut files = crate::graph::tests::parse_fixture(text);
    for (path, content) in &mut files {
        if let Some(i) = content.find("$0") {
            cursor = Some((path.clone(), i));
            *content = std::sync::Arc::from(content.replacen("$0", "", 1));
        }
    }
    let ws = crate::graph::store::Graph::of(crate::base::Change { set: files, remove: Vec::new() });
    let (path, offset) = cursor.expect("the fixture has a $0 cursor");
    let file = ws.file_id(&path).expect("the cursor's file is in the workspace");
    (ws, FilePosition { file, offset: TextSize::from(offset as u32) })
}

/// The flake every ide fixture starts with: modules under `modules/` are top-level modules.
#[cfg(test)]
pub(crate) const FLAKE: &str = "#- /flake.nix\n{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }\n";

#[cfg(test)]
mod tests;
