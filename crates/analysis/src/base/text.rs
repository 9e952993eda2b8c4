//! Offsets and positions.
//!
//! The analysis works in byte offsets (`TextSize`, as rowan does). Editors and Nix count
//! differently: LSP counts lines split at `\n`, `\r\n` or `\r`, and columns in UTF-16 code units
//! (or UTF-8 bytes when negotiated); Nix reports 1-based lines and byte columns. `LineIndex` is the
//! one place that converts.

pub use rowan::{TextRange, TextSize};

/// How a column is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 code units (bytes): LSP's `utf-8` position encoding and Nix's own columns.
    Utf8,
    /// UTF-16 code units: LSP's default.
    Utf16,
}

/// A 0-based line and column, the column counted in some `Encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Start offsets of every line of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i as u32 + 1),
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    starts.push(i as u32 + 1);
                }
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts, len: bytes.len() as u32 }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The line holding `offset` (offsets past the end map to the last line).
    pub fn line_of(&self, offset: TextSize) -> u32 {
        let offset = u32::from(offset).min(self.len);
        (self.starts.partition_point(|&s| s <= offset) - 1) as u32
    }

    /// Line and column of `offset`. `text` must be the text this index was built from.
    pub fn line_col(&self, text: &str, offset: TextSize, enc: Encoding) -> LineCol {
        let offset = clamp_to_char_boundary(text, u32::from(offset).min(self.len) as usize);
        let line = self.line_of(TextSize::from(offset as u32));
        let start = self.starts[line as usize] as usize;
        let prefix = &text[start..offset];
        let col = match enc {
            Encoding::Utf8 => prefix.len(),
            Encoding::Utf16 => prefix.chars().map(char::len_utf16).sum(),
        };
        LineCol { line, col: col as u32 }
    }

    /// The offset of a line and column, clamped to the line's end (the line break excluded) and to
    /// the text's end; a column inside a character moves to that character's start.
    pub fn offset(&self, text: &str, pos: LineCol, enc: Encoding) -> TextSize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return TextSize::from(self.len);
        };
        let start = start as usize;
        let end = self.line_content_end(text, pos.line as usize);
        let line = &text[start..end];
        let mut units = 0u32;
        for (i, c) in line.char_indices() {
            let width = match enc {
                Encoding::Utf8 => c.len_utf8() as u32,
                Encoding::Utf16 => c.len_utf16() as u32,
            };
            if units + width > pos.col {
                return TextSize::from((start + i) as u32);
            }
            units += width;
        }
        TextSize::from(end as u32)
    }

    fn line_content_end(&self, text: &str, line: usize) -> usize {
        let end = self.starts.get(line + 1).map_or(text.len(), |&s| s as usize);
        let bytes = text.as_bytes();
        let mut e = end;
        if e > self.starts[line] as usize && bytes.get(e - 1) == Some(&b'\n') {
            e -= 1;
        }
        if e > self.starts[line] as usize && bytes.get(e - 1) == Some(&b'\r') {
            e -= 1;
        }
        e
    }
}

fn clamp_to_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_break_style_counts() {
        let text = "a\nb\r\nc\rd";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        let d = TextSize::from(text.find('d').unwrap() as u32);
        assert_eq!(index.line_col(text, d, Encoding::Utf16), LineCol { line: 3, col: 0 });
    }

    #[test]
    fn utf16_and_utf8_columns_differ_after_wide_characters() {
        let text = "x = \"🌲ä\"; y";
        let index = LineIndex::new(text);
        let y = TextSize::from(text.find('y').unwrap() as u32);
        assert_eq!(index.line_col(text, y, Encoding::Utf16).col, 11);
        assert_eq!(index.line_col(text, y, Encoding::Utf8).col, 14);
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            let pos = index.line_col(text, y, enc);
            assert_eq!(index.offset(text, pos, enc), y);
        }
    }

    #[test]
    fn positions_past_the_end_clamp() {
        let text = "ab\r\ncd";
        let index = LineIndex::new(text);
        let pos = LineCol { line: 0, col: 99 };
        assert_eq!(index.offset(text, pos, Encoding::Utf16), TextSize::from(2));
        let pos = LineCol { line: 9, col: 0 };
        assert_eq!(index.offset(text, pos, Encoding::Utf16), TextSize::from(6));
        // Inside a surrogate pair: the character's start.
        let text = "🌲x";
        let index = LineIndex::new(text);
        let pos = LineCol { line: 0, col: 1 };
        assert_eq!(index.offset(text, pos, Encoding::Utf16), TextSize::from(0));
    }
}
