//! Open documents: the editor's texts, which override what is on disk.
//!
//! Edits are applied here, synchronously, in the order the client sent them; the analysis learns
//! of the result through the main loop's queue.

use std::path::PathBuf;

use canopy_analysis::{DocumentText, Encoding, LineCol};
use tower_lsp::lsp_types::{Position, TextDocumentContentChangeEvent, Url};

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
    pub text: DocumentText,
}

impl Document {
    /// Applies one `didChange`'s content changes in order, each to the text the previous one
    /// left. Ranges are in `enc` and clamp to the text, as the protocol asks of positions past the
    /// end of a line. Each change costs its own size and the log of the text's, whatever their
    /// number (see `DocumentText`).
    pub fn apply_changes(&mut self, changes: Vec<TextDocumentContentChangeEvent>, enc: Encoding) {
        for change in changes {
            let Some(range) = change.range else {
                self.text.set(&change.text);
                continue;
            };
            let at = |pos: Position| LineCol { line: pos.line, col: pos.character };
            self.text.replace(at(range.start), at(range.end), &change.text, enc);
        }
    }
}

#[cfg(test)]
mod tests {
    use tower_lsp::lsp_types::Range;

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
        Document { uri, version: 0, text: DocumentText::new(text) }
    }

    #[test]
    fn edits_apply_in_order_in_both_encodings() {
        let mut d = doc("a = \"🌲\";\nb = 1;\n");
        // After the tree: UTF-16 column 7 is UTF-8 column 9.
        d.apply_changes(vec![change((0, 7), (0, 7), "x"), change((1, 0), (1, 1), "c")], Encoding::Utf16);
        assert_eq!(d.text.to_string(), "a = \"🌲x\";\nc = 1;\n");
        d.apply_changes(vec![change((0, 9), (0, 10), "")], Encoding::Utf8);
        assert_eq!(d.text.to_string(), "a = \"🌲\";\nc = 1;\n");
    }

    #[test]
    fn ranges_past_the_end_and_reversed_ranges_clamp() {
        let mut d = doc("ab\r\ncd");
        d.apply_changes(vec![change((0, 99), (7, 0), "!")], Encoding::Utf16);
        assert_eq!(d.text.to_string(), "ab!");
        d.apply_changes(vec![change((0, 2), (0, 0), "?")], Encoding::Utf16);
        assert_eq!(d.text.to_string(), "ab?!");
    }

    #[test]
    fn a_change_without_range_replaces_everything() {
        let mut d = doc("old");
        let full = TextDocumentContentChangeEvent { range: None, range_length: None, text: "new".to_owned() };
        d.apply_changes(vec![full], Encoding::Utf16);
        assert_eq!(d.text.to_string(), "new");
    }

    /// The reference: positions found by walking the text from its start, lines broken at LF,
    /// CRLF and lone CR, columns clamped to the line's end and moved back to the start of a
    /// character they fall inside.
    fn reference_offset(text: &str, pos: Position, enc: Encoding) -> usize {
        let mut line = 0;
        let mut chars = text.char_indices().peekable();
        while line < pos.line {
            match chars.next() {
                None => return text.len(),
                Some((_, '\n')) => line += 1,
                Some((_, '\r')) => {
                    chars.next_if(|&(_, c)| c == '\n');
                    line += 1;
                }
                Some(_) => {}
            }
        }
        let mut units = 0;
        for (i, c) in chars {
            let width = if enc == Encoding::Utf8 { c.len_utf8() } else { c.len_utf16() } as u32;
            if c == '\n' || c == '\r' || units + width > pos.character {
                return i;
            }
            units += width;
        }
        text.len()
    }

    fn reference_apply(text: &mut String, change: &TextDocumentContentChangeEvent, enc: Encoding) {
        let range = change.range.expect("the test sends ranges");
        let start = reference_offset(text, range.start, enc);
        let end = reference_offset(text, range.end, enc).max(start);
        text.replace_range(start..end, &change.text);
    }

    /// SplitMix64: the same changes on every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % n as u64) as usize
        }
    }

    const PIECES: &[&str] = &["x = 1;", " ", "é", "🌲", "日本", "\n", "\r\n", "\r", "\"a\"", "# 🦀 ünïcode"];

    fn pieces(rng: &mut Rng, n: usize) -> String {
        (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect()
    }

    /// 200 changes in one `didChange`, to a text of many lines with every kind of line end and
    /// characters of 1 to 4 bytes: inserts, deletions across lines, replacements, positions past
    /// line ends and past the end, inside surrogate pairs, reversed ranges. One `didChange` ends
    /// with the text that the changes sent one by one give, and that the reference gives.
    #[test]
    fn two_hundred_changes_at_once_give_the_text_of_one_by_one() {
        for enc in [Encoding::Utf16, Encoding::Utf8] {
            let mut rng = Rng(0xD1D_C4A6E);
            let initial = pieces(&mut rng, 20_000);
            let lines = initial.matches(['\n', '\r']).count() as u32;
            let changes: Vec<_> = (0..200)
                .map(|_| {
                    let line = rng.below(lines as usize + 3) as u32;
                    let start = (line, rng.below(40) as u32);
                    let end = match rng.below(4) {
                        0 => start,
                        1 => (line, start.1 + rng.below(20) as u32),
                        2 => (line + rng.below(5) as u32, rng.below(40) as u32),
                        _ => (line.saturating_sub(1), 0),
                    };
                    let count = rng.below(8);
                    let text = pieces(&mut rng, count);
                    change(start, end, &text)
                })
                .collect();
            let mut reference = initial.clone();
            let mut one_by_one = doc(&initial);
            for change in &changes {
                reference_apply(&mut reference, change, enc);
                one_by_one.apply_changes(vec![change.clone()], enc);
            }
            let mut at_once = doc(&initial);
            at_once.apply_changes(changes, enc);
            assert_ne!(reference, initial, "{enc:?}");
            assert!(at_once.text == *reference, "{enc:?}: one didChange differs from the reference");
            assert!(one_by_one.text == *reference, "{enc:?}: changes one by one differ from the reference");
            assert_eq!(&*at_once.text.to_arc(), reference.as_str());
        }
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
