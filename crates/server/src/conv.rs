//! Conversions between the analysis's plain data (byte offsets, workspace paths, its own enums)
//! and LSP's (line/column positions in the negotiated encoding, URIs, protocol enums).

use canopy_analysis::{
    Analysis, AspectKey, CallItem, CompletionKind, Diagnostic, DiagnosticKind, DocumentSymbol, Encoding, FileId,
    FileRole, GraphNode, HighlightKind, HostKey, LineCol, Severity, SymbolKind, TextRange, TextSize,
};
use smol_str::SmolStr;
use tower_lsp::lsp_types::{self as lsp, Position, PositionEncodingKind, Range, Url};

use crate::config::Config;
use crate::space::{Contents, Space};

pub fn encoding_kind(enc: Encoding) -> PositionEncodingKind {
    match enc {
        Encoding::Utf8 => PositionEncodingKind::UTF8,
        Encoding::Utf16 => PositionEncodingKind::UTF16,
    }
}

/// A consistent view of one space for answering a request: texts, line indexes and document
/// versions all from the same moment.
pub struct Snap<'a> {
    pub space: &'a Space,
    pub analysis: &'a Analysis,
    held: &'a Contents,
    pub enc: Encoding,
}

impl<'a> Snap<'a> {
    pub fn new(space: &'a Space, held: &'a Contents, enc: Encoding) -> Snap<'a> {
        Snap { space, analysis: &held.analysis, held, enc }
    }

    /// The offset of an LSP position; positions past the end of a line or of the file clamp.
    pub fn offset(&self, file: FileId, pos: Position) -> TextSize {
        offset(self.analysis, file, pos, self.enc)
    }

    pub fn range(&self, file: FileId, range: TextRange) -> Range {
        range_of(self.analysis, file, range, self.enc)
    }

    /// The URI the client knows a file by.
    pub fn uri(&self, file: FileId) -> Option<Url> {
        self.held.uri(self.space, self.analysis.path(file))
    }

    pub fn location(&self, file: FileId, range: TextRange) -> Option<lsp::Location> {
        Some(lsp::Location { uri: self.uri(file)?, range: self.range(file, range) })
    }

    /// The version of the open document whose text the analysis holds for `file`.
    pub fn version(&self, file: FileId) -> Option<i32> {
        self.held.open.get(self.analysis.path(file)).map(|doc| doc.version)
    }
}

pub fn offset(analysis: &Analysis, file: FileId, pos: Position, enc: Encoding) -> TextSize {
    analysis.line_index(file).offset(analysis.text(file), LineCol { line: pos.line, col: pos.character }, enc)
}

pub fn position(analysis: &Analysis, file: FileId, offset: TextSize, enc: Encoding) -> Position {
    let lc = analysis.line_index(file).line_col(analysis.text(file), offset, enc);
    Position::new(lc.line, lc.col)
}

pub fn range_of(analysis: &Analysis, file: FileId, range: TextRange, enc: Encoding) -> Range {
    Range::new(position(analysis, file, range.start(), enc), position(analysis, file, range.end(), enc))
}

pub fn severity(severity: Severity) -> lsp::DiagnosticSeverity {
    match severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Information => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Hint => lsp::DiagnosticSeverity::HINT,
    }
}

pub fn diagnostic(space: &Space, analysis: &Analysis, file: FileId, d: &Diagnostic, enc: Encoding) -> lsp::Diagnostic {
    // Editors fade code tagged unnecessary: right for an aspect that has no effect.
    let tags = (d.kind == DiagnosticKind::UnusedAspect).then(|| vec![lsp::DiagnosticTag::UNNECESSARY]);
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            let uri = space.uri(analysis.path(r.site.file))?;
            let range = range_of(analysis, r.site.file, r.site.range, enc);
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location { uri, range },
                message: r.message.to_string(),
            })
        })
        .collect();
    // The fixes themselves are asked for with `textDocument/codeAction`, against the texts of that
    // moment; `data` says which there are.
    let fixes: Vec<serde_json::Value> = d
        .fixes
        .iter()
        .map(|f| serde_json::json!({ "title": f.title, "safe": f.safe, "preferred": f.preferred }))
        .collect();
    lsp::Diagnostic {
        range: range_of(analysis, file, d.range, enc),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.kind.code().to_owned())),
        code_description: Url::parse(&d.kind.docs_url()).ok().map(|href| lsp::CodeDescription { href }),
        source: Some("canopy".to_owned()),
        message: d.message.to_string(),
        related_information: (!related.is_empty()).then_some(related),
        tags,
        data: (!fixes.is_empty()).then(|| serde_json::json!({ "fixes": fixes })),
    }
}

/// The analysis's diagnostics published for `file` under `config`. `open`: the editor has the
/// file open. While the space is indexed (the analysis loading), only the kinds whose verdict reads
/// the file alone: a cross-file one, judged against half the folder, would report an aspect
/// defined in a file not read yet as undefined.
pub fn reported(space: &Space, analysis: &Analysis, file: FileId, open: bool, config: &Config) -> Vec<Diagnostic> {
    // A document seen alone has no repository around it, and a file outside the roots that nothing
    // reads may be a template full of placeholders: only what Nix itself would report while parsing
    // applies, and to the template only while the user has it open, when they are editing it and
    // want its mistakes shown (dendritic.md §8.1).
    let parse_only = space.root().is_none() || (open && analysis.role(file) == FileRole::Outside);
    let project = space.project();
    if project.exclude.excludes(analysis.path(file)) {
        return Vec::new();
    }
    // canopy.toml first, then the editor's settings over it.
    let chosen = project.diagnostics.clone().then(&config.diagnostics());
    if parse_only {
        analysis.reported_parse(file, &chosen)
    } else if analysis.loading() {
        analysis.reported_local(file, &chosen)
    } else {
        analysis.reported(file, &chosen)
    }
}

/// The diagnostics published for `file` under `config`: by the main loop, and shown by
/// `canopy/inspectFile`.
pub fn diagnostics(
    space: &Space,
    analysis: &Analysis,
    file: FileId,
    open: bool,
    config: &Config,
    enc: Encoding,
) -> Vec<lsp::Diagnostic> {
    reported(space, analysis, file, open, config).iter().map(|d| diagnostic(space, analysis, file, d, enc)).collect()
}

pub fn symbol_kind(kind: SymbolKind) -> lsp::SymbolKind {
    match kind {
        SymbolKind::Collection => lsp::SymbolKind::NAMESPACE,
        SymbolKind::Class => lsp::SymbolKind::CLASS,
        SymbolKind::Aspect => lsp::SymbolKind::MODULE,
        SymbolKind::Host => lsp::SymbolKind::OBJECT,
        SymbolKind::Option => lsp::SymbolKind::PROPERTY,
    }
}

pub fn completion_kind(kind: CompletionKind) -> lsp::CompletionItemKind {
    match kind {
        CompletionKind::Aspect => lsp::CompletionItemKind::MODULE,
        CompletionKind::Class => lsp::CompletionItemKind::CLASS,
        CompletionKind::Collection => lsp::CompletionItemKind::FOLDER,
        CompletionKind::Local => lsp::CompletionItemKind::VARIABLE,
    }
}

pub fn highlight_kind(kind: HighlightKind) -> lsp::DocumentHighlightKind {
    match kind {
        HighlightKind::Write => lsp::DocumentHighlightKind::WRITE,
        HighlightKind::Read => lsp::DocumentHighlightKind::READ,
    }
}

pub fn document_symbol(snap: &Snap<'_>, file: FileId, symbol: DocumentSymbol) -> lsp::DocumentSymbol {
    let range = snap.range(file, symbol.range);
    let mut selection_range = snap.range(file, symbol.selection_range);
    // The protocol requires the selection inside the range; clients drop symbols that break it.
    if !contains(range, selection_range) {
        selection_range = range;
    }
    #[allow(deprecated)] // `deprecated` is a required field of the struct, superseded by `tags`.
    lsp::DocumentSymbol {
        name: symbol.name,
        detail: symbol.detail,
        kind: symbol_kind(symbol.kind),
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children: Some(symbol.children.into_iter().map(|c| document_symbol(snap, file, c)).collect()),
    }
}

/// The outline flattened, for clients without hierarchical symbol support.
pub fn flat_symbols(
    uri: &Url,
    symbols: Vec<lsp::DocumentSymbol>,
    container: Option<&str>,
    out: &mut Vec<lsp::SymbolInformation>,
) {
    for symbol in symbols {
        #[allow(deprecated)]
        out.push(lsp::SymbolInformation {
            name: symbol.name.clone(),
            kind: symbol.kind,
            tags: None,
            deprecated: None,
            location: lsp::Location { uri: uri.clone(), range: symbol.range },
            container_name: container.map(str::to_owned),
        });
        flat_symbols(uri, symbol.children.unwrap_or_default(), Some(&symbol.name), out);
    }
}

fn contains(outer: Range, inner: Range) -> bool {
    let key = |p: Position| (p.line, p.character);
    key(outer.start) <= key(inner.start) && key(inner.end) <= key(outer.end)
}

/// A graph node as the `data` of a call hierarchy item, so that the follow-up requests need not
/// find it again at a position that later edits may have moved.
pub fn node_data(node: &GraphNode) -> serde_json::Value {
    match node {
        GraphNode::Aspect(key) => serde_json::json!({
            "aspect": { "collection": key.collection.as_str(), "class": key.class.as_deref(), "name": key.name.as_str(), "classInPath": key.class_in_path }
        }),
        GraphNode::Host(key) => serde_json::json!({
            "host": { "kind": key.kind.as_str(), "class": key.class.as_deref(), "name": key.name.as_str() }
        }),
    }
}

/// The node `node_data` wrote; `None` for anything else a client sends.
pub fn data_node(data: &serde_json::Value) -> Option<GraphNode> {
    let text = |v: &serde_json::Value, key: &str| v.get(key)?.as_str().map(SmolStr::new);
    let class = |v: &serde_json::Value| match v.get("class") {
        None | Some(serde_json::Value::Null) => Some(None),
        Some(class) => class.as_str().map(|c| Some(SmolStr::new(c))),
    };
    if let Some(aspect) = data.get("aspect") {
        return Some(GraphNode::Aspect(AspectKey {
            collection: text(aspect, "collection")?,
            class: class(aspect)?,
            name: text(aspect, "name")?,
            class_in_path: aspect.get("classInPath").and_then(serde_json::Value::as_bool).unwrap_or(false),
        }));
    }
    let host = data.get("host")?;
    Some(GraphNode::Host(HostKey { kind: text(host, "kind")?, class: class(host)?, name: text(host, "name")? }))
}

pub fn call_item(snap: &Snap<'_>, item: CallItem) -> Option<lsp::CallHierarchyItem> {
    let t = item.target;
    let kind = match item.node {
        GraphNode::Aspect(_) => SymbolKind::Aspect,
        GraphNode::Host(_) => SymbolKind::Host,
    };
    Some(lsp::CallHierarchyItem {
        name: item.name,
        kind: symbol_kind(kind),
        tags: None,
        detail: Some(item.detail),
        uri: snap.uri(t.file)?,
        range: snap.range(t.file, t.full_range),
        selection_range: snap.range(t.file, t.focus_range),
        data: Some(node_data(&item.node)),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use canopy_analysis::Change;

    use super::*;

    #[test]
    fn positions_round_trip_in_both_encodings() {
        let mut analysis = Analysis::new();
        let text = "{\n  x = \"🌲ä\"; y = 1;\n}\n";
        analysis.apply(Change { set: vec![("a.nix".to_owned(), Arc::from(text))], remove: Vec::new() });
        let file = analysis.file_id("a.nix").expect("the file");
        let y = TextSize::from(text.find('y').expect("y") as u32);
        let utf16 = position(&analysis, file, y, Encoding::Utf16);
        let utf8 = position(&analysis, file, y, Encoding::Utf8);
        assert_eq!(utf16, Position::new(1, 13));
        assert_eq!(utf8, Position::new(1, 16));
        assert_eq!(offset(&analysis, file, utf16, Encoding::Utf16), y);
        assert_eq!(offset(&analysis, file, utf8, Encoding::Utf8), y);
        // Past the end of the line and of the file: clamped, never a panic.
        let end = offset(&analysis, file, Position::new(1, 999), Encoding::Utf16);
        assert_eq!(end, TextSize::from(text.find("\n}").expect("end") as u32));
        assert_eq!(offset(&analysis, file, Position::new(99, 0), Encoding::Utf16), TextSize::of(text));
    }

    #[test]
    fn a_node_comes_back_from_its_data_and_nothing_from_other_data() {
        use canopy_analysis::{AspectKey, GraphNode, HostKey};
        let aspect = GraphNode::Aspect(AspectKey {
            collection: "flake.modules".into(),
            class: Some("nixos".into()),
            name: "hosts/gouda".into(),
            class_in_path: true,
        });
        let host = GraphNode::Host(HostKey { kind: "den.hosts".into(), class: None, name: "igloo".into() });
        for node in [aspect, host] {
            assert_eq!(data_node(&node_data(&node)), Some(node));
        }
        for data in [
            serde_json::json!(null),
            serde_json::json!(3),
            serde_json::json!({ "aspect": { "collection": 1, "name": "x" } }),
            serde_json::json!({ "aspect": { "collection": "c", "class": 2, "name": "x" } }),
            serde_json::json!({ "host": { "kind": "k" } }),
        ] {
            assert_eq!(data_node(&data), None, "{data}");
        }
    }
}
