//! An open document's text, as an editor edits it.
//!
//! A `didChange` may carry hundreds of changes (a multi-cursor edit, a search and replace), each
//! positioned in the text as the previous one left it. Kept in a `String` with a `LineIndex`,
//! every change would rebuild the index and move the text after it: 200 changes to a 50 MB
//! document took 7 s. A rope keeps its line breaks and UTF-16 counts in its tree, so locating
//! a position and splicing cost the log of the text's size plus the size of the change; the one
//! pass over the whole text left is the copy the analysis takes of the result.

use std::sync::Arc;

use ropey::Rope;

use crate::base::text::{Encoding, LineCol};

#[derive(Debug, Clone, Default)]
pub struct DocumentText {
    rope: Rope,
}

impl DocumentText {
    pub fn new(text: &str) -> DocumentText {
        DocumentText { rope: Rope::from_str(text) }
    }

    pub fn len(&self) -> usize {
        self.rope.len_bytes()
    }

    pub fn is_empty(&self) -> bool {
        self.rope.len_bytes() == 0
    }

    /// Replaces what lies between two positions with `text`. Positions clamp as
    /// `LineIndex::offset`'s do (to the line's end, to the text's end, to the start of a character
    /// they fall inside); an end before the start is taken as the start: a client bug, which
    /// inserts rather than panics.
    pub fn replace(&mut self, start: LineCol, end: LineCol, text: &str, enc: Encoding) {
        let start = self.char_at(start, enc);
        let end = self.char_at(end, enc).max(start);
        self.rope.remove(start..end);
        self.rope.insert(start, text);
    }

    /// Replaces the whole text.
    pub fn set(&mut self, text: &str) {
        self.rope = Rope::from_str(text);
    }

    /// The text, in one piece.
    pub fn to_arc(&self) -> Arc<str> {
        Arc::from(self.to_string())
    }

    /// The char index of a position, clamped as `LineIndex::offset` clamps it.
    fn char_at(&self, pos: LineCol, enc: Encoding) -> usize {
        let rope = &self.rope;
        let line = pos.line as usize;
        if line >= rope.len_lines() {
            return rope.len_chars();
        }
        let start = rope.line_to_char(line);
        let end = self.content_end(line, start);
        let col = pos.col as usize;
        match enc {
            Encoding::Utf8 => {
                let first = rope.char_to_byte(start);
                let width = rope.char_to_byte(end) - first;
                rope.byte_to_char(first + col.min(width))
            }
            Encoding::Utf16 => {
                let first = rope.char_to_utf16_cu(start);
                let width = rope.char_to_utf16_cu(end) - first;
                rope.utf16_cu_to_char(first + col.min(width))
            }
        }
    }

    /// The char index where line `line` (starting at char `start`) ends, its line break excluded.
    fn content_end(&self, line: usize, start: usize) -> usize {
        let rope = &self.rope;
        let mut end = if line + 1 < rope.len_lines() { rope.line_to_char(line + 1) } else { rope.len_chars() };
        if end > start && rope.char(end - 1) == '\n' {
            end -= 1;
        }
        if end > start && rope.char(end - 1) == '\r' {
            end -= 1;
        }
        end
    }
}

impl std::fmt::Display for DocumentText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.rope.chunks().try_for_each(|chunk| f.write_str(chunk))
    }
}

impl PartialEq<str> for DocumentText {
    fn eq(&self, other: &str) -> bool {
        self.rope == other
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::base::text::LineIndex;

    /// The previous way, and the reference: a line index built afresh for every change.
    fn replace_by_index(text: &mut String, start: LineCol, end: LineCol, new: &str, enc: Encoding) {
        let index = LineIndex::new(text);
        let start = u32::from(index.offset(text, start, enc)) as usize;
        let end = (u32::from(index.offset(text, end, enc)) as usize).max(start);
        text.replace_range(start..end, new);
    }

    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["a", "bc", "\n", "\r\n", "\r", "é", "🌲", "日本", "\u{2028}", "\u{85}", " "])
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(piece(), 0..40).prop_map(|pieces| pieces.concat())
    }

    fn position() -> impl Strategy<Value = LineCol> {
        (0u32..12, prop_oneof![0u32..12, Just(u32::MAX)]).prop_map(|(line, col)| LineCol { line, col })
    }

    proptest! {
        /// Every change, at any position (past line ends, past the end, inside surrogate pairs
        /// and multi-byte characters, between CR and LF), ends as the line index would have it.
        #[test]
        fn edits_match_the_line_index(
            initial in text(),
            changes in prop::collection::vec((position(), position(), text()), 1..12),
            utf8 in any::<bool>(),
        ) {
            let enc = if utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
            let mut doc = DocumentText::new(&initial);
            let mut reference = initial;
            for (start, end, new) in &changes {
                doc.replace(*start, *end, new, enc);
                replace_by_index(&mut reference, *start, *end, new, enc);
                prop_assert_eq!(doc.to_string(), reference.clone());
            }
            prop_assert_eq!(doc.len(), reference.len());
            prop_assert!(doc == *reference.as_str());
        }
    }

    #[test]
    fn unicode_line_breaks_are_not_line_breaks() {
        let mut doc = DocumentText::new("a\u{2028}b\u{85}c\n\u{b}d");
        doc.replace(LineCol { line: 1, col: 1 }, LineCol { line: 1, col: 1 }, "!", Encoding::Utf16);
        assert_eq!(doc.to_string(), "a\u{2028}b\u{85}c\n\u{b}!d");
    }
}
