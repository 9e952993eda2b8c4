//! Positions as the outside world counts them.
//!
//! The analysis speaks byte offsets; every output speaks LSP's positions: 0-based lines, columns
//! in UTF-16 code units. The human and GitHub formats add 1 to both when printing. Converting here,
//! once, keeps every format in agreement.

use canopy_analysis::{Analysis, FileId, Site};
use canopy_analysis::{Encoding, LineIndex, TextRange};
use serde::Serialize;

/// 0-based line and UTF-16 column, as LSP's `Position`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

/// As LSP's `Range`: `end` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

impl Range {
    /// `range` of `text`, whose line index is `index`.
    pub fn of(text: &str, index: &LineIndex, range: TextRange) -> Range {
        let position = |offset| {
            let at = index.line_col(text, offset, Encoding::Utf16);
            Position { line: at.line, character: at.col }
        };
        Range { start: position(range.start()), end: position(range.end()) }
    }
}

/// A range in a workspace file; `path` is relative to the root, with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub path: String,
    pub range: Range,
}

/// What turning analysis positions into `Location`s needs: the workspace, or a table in tests.
pub trait Sources {
    fn path(&self, file: FileId) -> &str;
    fn text(&self, file: FileId) -> &str;
    fn line_index(&self, file: FileId) -> &LineIndex;

    fn range(&self, file: FileId, range: TextRange) -> Range {
        Range::of(self.text(file), self.line_index(file), range)
    }

    fn location(&self, site: Site) -> Location {
        Location { path: self.path(site.file).to_owned(), range: self.range(site.file, site.range) }
    }
}

impl Sources for Analysis {
    fn path(&self, file: FileId) -> &str {
        Analysis::path(self, file)
    }

    fn text(&self, file: FileId) -> &str {
        Analysis::text(self, file)
    }

    fn line_index(&self, file: FileId) -> &LineIndex {
        Analysis::line_index(self, file)
    }
}

#[cfg(test)]
pub mod testing {
    //! Files without a workspace, for testing the formats with constructed analysis results.

    use canopy_analysis::{FileId, Site};
    use canopy_analysis::{LineIndex, TextRange, TextSize};

    use super::Sources;

    #[derive(Default)]
    pub struct Files {
        files: Vec<(String, String, LineIndex)>,
    }

    impl Files {
        pub fn add(&mut self, path: &str, text: &str) -> FileId {
            let id = FileId(u32::try_from(self.files.len()).expect("few test files"));
            self.files.push((path.to_owned(), text.to_owned(), LineIndex::new(text)));
            id
        }

        /// The range of the `nth` (0-based) occurrence of `needle` in `file`.
        pub fn find(&self, file: FileId, needle: &str, nth: usize) -> TextRange {
            let text = self.text(file);
            let start =
                text.match_indices(needle).nth(nth).map(|(start, _)| start).expect("needle occurs in the test text");
            let start = TextSize::try_from(start).expect("small test text");
            let len = TextSize::try_from(needle.len()).expect("small needle");
            TextRange::at(start, len)
        }

        pub fn site(&self, file: FileId, needle: &str, nth: usize) -> Site {
            Site { file, range: self.find(file, needle, nth) }
        }
    }

    impl Sources for Files {
        fn path(&self, file: FileId) -> &str {
            &self.files[file.0 as usize].0
        }

        fn text(&self, file: FileId) -> &str {
            &self.files[file.0 as usize].1
        }

        fn line_index(&self, file: FileId) -> &LineIndex {
            &self.files[file.0 as usize].2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Files;
    use super::*;

    #[test]
    fn columns_count_utf16_code_units_and_lines_any_break() {
        let mut files = Files::default();
        let file = files.add("m.nix", "{\r\n  \"🌲ä\" = x;\r  y = 1;\n}");
        let x = files.find(file, "x", 0);
        assert_eq!(
            files.range(file, x),
            Range { start: Position { line: 1, character: 10 }, end: Position { line: 1, character: 11 } }
        );
        let y = files.find(file, "y", 0);
        assert_eq!(files.range(file, y).start, Position { line: 2, character: 2 });
    }
}
