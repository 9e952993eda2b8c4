//! Offsets and positions.
//!
//! The analysis works in byte offsets (`TextSize`, as rowan does). Editors and Nix count
//! differently: LSP counts lines split at `\n`, `\r\n` or `\r`, and columns in UTF-16 code units
//! (or UTF-8 bytes when negotiated); Nix reports 1-based lines and byte columns. `LineIndex` is the
//! one place that converts.

pub use rowan::{TextRange, TextSize};

/// Whether `needle` occurs in `text`. The shortcuts that spare a file a walk ("no `import-tree`
/// here") ask this several times per file: `memchr`'s vectorised search costs a fraction of
/// `str::contains` there (about 3% of a cold index, issue 21).
pub(crate) fn holds(text: &str, needle: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some()
}

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

/// Start offsets of every line of one text, and where its characters wider than one UTF-16 unit
/// per byte are.
///
/// Written here rather than taken from the `line-index` crate: LSP ends lines at `\n`, `\r\n`
/// and a lone `\r`, and that crate only at `\n`. Columns cost a binary search, never a scan of
/// the line: a file of one long line with thousands of diagnostics stays linear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<u32>,
    len: u32,
    /// Byte offset of every non-ASCII character, in order.
    wide: Vec<u32>,
    /// `shrink[i]`: how many more UTF-8 bytes than UTF-16 units the characters `wide[..i]` take.
    shrink: Vec<u32>,
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
        let mut wide = Vec::new();
        let mut shrink = vec![0];
        if !text.is_ascii() {
            for (at, c) in text.char_indices().filter(|(_, c)| !c.is_ascii()) {
                wide.push(at as u32);
                let last = shrink.last().copied().unwrap_or(0);
                shrink.push(last + (c.len_utf8() - c.len_utf16()) as u32);
            }
        }
        LineIndex { starts, len: bytes.len() as u32, wide, shrink }
    }

    /// How many of the wide characters start before `offset`.
    fn wide_before(&self, offset: usize) -> usize {
        self.wide.partition_point(|&at| (at as usize) < offset)
    }

    /// UTF-16 units of `text[start..end]`, both on character boundaries.
    fn utf16_len(&self, start: usize, end: usize) -> usize {
        let (a, b) = (self.wide_before(start), self.wide_before(end));
        (end - start) - (self.shrink[b] - self.shrink[a]) as usize
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
        let col = match enc {
            Encoding::Utf8 => offset - start,
            Encoding::Utf16 => self.utf16_len(start, offset),
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
        let col = pos.col as usize;
        let target = match enc {
            Encoding::Utf8 => clamp_to_char_boundary(text, (start + col).min(end)),
            Encoding::Utf16 => self.utf16_offset(text, start, end, col),
        };
        TextSize::from(target as u32)
    }

    /// The offset in `text[start..end]` (one line) at `col` UTF-16 units: a binary search for the
    /// last wide character at or before the column, ASCII on either side of it.
    fn utf16_offset(&self, text: &str, start: usize, end: usize, col: usize) -> usize {
        let (a, b) = (self.wide_before(start), self.wide_before(end));
        // Units before the wide character `k` of the line: they grow with `k`.
        let units_before = |k: usize| (self.wide[k] as usize - start) - (self.shrink[k] - self.shrink[a]) as usize;
        let (mut lo, mut hi) = (a, b);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if units_before(mid) <= col { lo = mid + 1 } else { hi = mid }
        }
        let last = lo;
        if last == a {
            // Only ASCII before the column.
            return (start + col).min(end);
        }
        let k = last - 1;
        let at = self.wide[k] as usize;
        let c = text[at..].chars().next().unwrap_or(' ');
        let before = units_before(k);
        if col < before + c.len_utf16() {
            return at;
        }
        (at + c.len_utf8() + (col - before - c.len_utf16())).min(end)
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

    /// The binary searches agree with counting character by character, whatever the text.
    #[test]
    fn columns_agree_with_counting_characters() {
        use proptest::prelude::*;
        let chars = prop::sample::select(vec!['a', ' ', '\n', '\r', 'ä', 'ß', '€', '🌲', '𝄞', 'x']);
        proptest!(|(text in prop::collection::vec(chars, 0..60).prop_map(|v| v.into_iter().collect::<String>()))| {
            let index = LineIndex::new(&text);
            for (offset, _) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
                let at = TextSize::from(offset as u32);
                let line = index.line_of(at) as usize;
                let start = index.starts[line] as usize;
                let slow = text[start..offset].chars().map(char::len_utf16).sum::<usize>() as u32;
                let pos = index.line_col(&text, at, Encoding::Utf16);
                prop_assert_eq!(pos.col, slow);
                // Inside a line break a position means the line's end.
                let back = TextSize::from(offset.min(index.line_content_end(&text, line)) as u32);
                prop_assert_eq!(index.offset(&text, pos, Encoding::Utf16), back);
                let pos8 = index.line_col(&text, at, Encoding::Utf8);
                prop_assert_eq!(index.offset(&text, pos8, Encoding::Utf8), back);
            }
            // Columns inside a character or past the line's end land where counting would.
            for line in 0..index.line_count() as u32 {
                for col in 0..12 {
                    let pos = LineCol { line, col };
                    let start = index.starts[line as usize] as usize;
                    let end = index.line_content_end(&text, line as usize);
                    let mut units = 0u32;
                    let mut slow = end;
                    for (i, c) in text[start..end].char_indices() {
                        if units + c.len_utf16() as u32 > col {
                            slow = start + i;
                            break;
                        }
                        units += c.len_utf16() as u32;
                    }
                    prop_assert_eq!(index.offset(&text, pos, Encoding::Utf16), TextSize::from(slow as u32));
                }
            }
        });
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
