//! Open documents: the editor's texts, which override what is on disk.
//!
//! Edits are applied here, synchronously, in the order the client sent them; the analysis learns
//! of the result through the main loop's queue.

use std::path::PathBuf;

use canopy_analysis::{Encoding, LineCol, LineIndex};
use tower_lsp::lsp_types::{TextDocumentContentChangeEvent, Url};

/// A document's identity. File URIs are compared by path, not by spelling: clients differ in what
/// they percent-encode (`%5B` or `[`), and the file system events, the folders and the documents
/// of one file must meet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKey {
    File(PathBuf),
    /// A URI that names no local file (`untitled:Untitled-1`), by its text.
    Other(String),
}

impl DocKey {
    pub fn from_uri(uri: &Url) -> DocKey {
        if uri.scheme() == "file"
            && let Ok(path) = uri.to_file_path()
        {
            return DocKey::File(path);
        }
        DocKey::Other(uri.as_str().to_owned())
    }
}

#[derive(Debug, Clone)]
pub struct Document {
    /// The URI as the client spelled it.
    pub uri: Url,
    pub version: i32,
    pub text: String,
}

impl Document {
    /// Applies one `didChange`'s content changes in order. Ranges are in `enc` and clamp to the
    /// text, as the protocol asks of positions past the end of a line.
    pub fn apply_changes(&mut self, changes: Vec<TextDocumentContentChangeEvent>, enc: Encoding) {
        for change in changes {
            let Some(range) = change.range else {
                self.text = change.text;
                continue;
            };
            let index = LineIndex::new(&self.text);
            let offset = |pos: tower_lsp::lsp_types::Position| {
                let offset = index.offset(&self.text, LineCol { line: pos.line, col: pos.character }, enc);
                u32::from(offset) as usize
            };
            let start = offset(range.start);
            // A reversed range is a client bug; treat it as an insertion rather than panic.
            let end = offset(range.end).max(start);
            self.text.replace_range(start..end, &change.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use tower_lsp::lsp_types::{Position, Range};

    use super::*;

    fn change(start: (u32, u32), end: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(start.0, start.1), Position::new(end.0, end.1))),
            range_length: None,
            text: text.to_owned(),
        }
    }

    fn doc(text: &str) -> Document {
        let uri = Url::parse("untitled:x").expect("a URI");
        Document { uri, version: 0, text: text.to_owned() }
    }

    #[test]
    fn edits_apply_in_order_in_both_encodings() {
        let mut d = doc("a = \"🌲\";\nb = 1;\n");
        // After the tree: UTF-16 column 7 is UTF-8 column 9.
        d.apply_changes(vec![change((0, 7), (0, 7), "x"), change((1, 0), (1, 1), "c")], Encoding::Utf16);
        assert_eq!(d.text, "a = \"🌲x\";\nc = 1;\n");
        d.apply_changes(vec![change((0, 9), (0, 10), "")], Encoding::Utf8);
        assert_eq!(d.text, "a = \"🌲\";\nc = 1;\n");
    }

    #[test]
    fn ranges_past_the_end_and_reversed_ranges_clamp() {
        let mut d = doc("ab\r\ncd");
        d.apply_changes(vec![change((0, 99), (7, 0), "!")], Encoding::Utf16);
        assert_eq!(d.text, "ab!");
        d.apply_changes(vec![change((0, 2), (0, 0), "?")], Encoding::Utf16);
        assert_eq!(d.text, "ab?!");
    }

    #[test]
    fn a_change_without_range_replaces_everything() {
        let mut d = doc("old");
        let full = TextDocumentContentChangeEvent { range: None, range_length: None, text: "new".to_owned() };
        d.apply_changes(vec![full], Encoding::Utf16);
        assert_eq!(d.text, "new");
    }

    #[test]
    fn file_uris_compare_by_path() {
        let a = Url::parse("file:///repo/%5Bx%5D%20y.nix").expect("a URI");
        let b = Url::parse("file:///repo/[x]%20y.nix").expect("a URI");
        assert_eq!(DocKey::from_uri(&a), DocKey::from_uri(&b));
        let untitled = Url::parse("untitled:Untitled-1").expect("a URI");
        assert_eq!(DocKey::from_uri(&untitled), DocKey::Other("untitled:Untitled-1".to_owned()));
    }
}
