//! The syntax trees of the few files last edited or asked about.
//!
//! The workspace keeps summaries, not trees: trees are several times the size of their text, and
//! most files are never looked at. But queries come in runs on one file (a completion after each
//! keystroke, hover then definition), and parsing is most of what an answer costs in a big file
//! (70 ms of a completion's 120 in a 1.7 MB file). So the last few trees are kept, each with the
//! text it was parsed from: a tree answers only for that very text.

use std::sync::{Arc, Mutex, PoisonError};

use crate::base::FileId;
use crate::syntax::{self, Parse};

/// How many trees are kept: enough for the files a user moves between, few enough that the
/// memory is that of the files open in an editor.
const CAPACITY: usize = 4;

#[derive(Default)]
pub(crate) struct Trees {
    /// Most recently used first.
    recent: Mutex<Vec<Entry>>,
}

struct Entry {
    file: FileId,
    /// Held, not only compared: while the entry lives, no other text can take its address.
    text: Arc<str>,
    parse: Arc<Parse>,
}

impl Trees {
    /// The tree of `text`, `file`'s current text: the kept one, or a fresh parse, kept.
    pub(crate) fn get(&self, file: FileId, text: &Arc<str>) -> Arc<Parse> {
        if let Some(parse) = self.find(file, text) {
            return parse;
        }
        // Parsed outside the lock: other queries keep reading the trees meanwhile.
        let parse = Arc::new(syntax::parse(text));
        self.keep(file, text.clone(), parse.clone());
        parse
    }

    fn find(&self, file: FileId, text: &Arc<str>) -> Option<Arc<Parse>> {
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        let i = recent.iter().position(|e| e.file == file && Arc::ptr_eq(&e.text, text))?;
        let entry = recent.remove(i);
        let parse = entry.parse.clone();
        recent.insert(0, entry);
        Some(parse)
    }

    #[cfg(test)]
    pub(crate) fn holds(&self, file: FileId, text: &Arc<str>) -> bool {
        let recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        recent.iter().any(|e| e.file == file && Arc::ptr_eq(&e.text, text))
    }

    /// Keeps `parse`, the tree of `text`, as `file`'s, in place of any older tree of that file.
    pub(crate) fn keep(&self, file: FileId, text: Arc<str>, parse: Arc<Parse>) {
        let evicted = {
            let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
            let mut evicted: Vec<Entry> = Vec::new();
            if let Some(i) = recent.iter().position(|e| e.file == file) {
                evicted.push(recent.remove(i));
            }
            recent.insert(0, Entry { file, text, parse });
            let kept = CAPACITY.min(recent.len());
            evicted.extend(recent.drain(kept..));
            evicted
        };
        release(evicted);
    }

    /// Forgets `file`'s tree (the file is gone, and its id may be given to another).
    pub(crate) fn forget(&self, file: FileId) {
        let evicted = {
            let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
            let i = recent.iter().position(|e| e.file == file);
            i.map(|i| recent.remove(i)).into_iter().collect()
        };
        release(evicted);
    }
}

impl Drop for Trees {
    fn drop(&mut self) {
        release(std::mem::take(self.recent.get_mut().unwrap_or_else(PoisonError::into_inner)));
    }
}

/// From this size of text on, a tree is freed on a thread of its own: freeing the tree of a
/// 1.7 MB file takes over 10 ms, which the edit that replaced it should not wait for.
const FREE_ASIDE_FROM: usize = 256 * 1024;

/// Frees trees no longer kept. A tree still lent to a query lives on until that query ends.
fn release(entries: Vec<Entry>) {
    let big = entries.iter().any(|e| e.text.len() >= FREE_ASIDE_FROM);
    let entries = if big { free_aside(entries) } else { Some(entries) };
    // Dropping a deep tree recurses as deep as it is.
    crate::base::stack::with_stack(|| drop(entries));
}

/// Hands `entries` to a thread of their own to free; gives them back if none could start.
fn free_aside(entries: Vec<Entry>) -> Option<Vec<Entry>> {
    let (tx, rx) = std::sync::mpsc::channel::<Vec<Entry>>();
    let thread =
        std::thread::Builder::new().name("canopy-free".to_owned()).stack_size(crate::base::stack::ANALYSIS_STACK);
    match thread.spawn(move || drop(rx.recv())) {
        Ok(_) => tx.send(entries).err().map(|unsent| unsent.0),
        Err(_) => Some(entries),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn a_tree_answers_for_its_own_text_only() {
        let trees = Trees::default();
        let (a, b) = (text("{ a = 1; }"), text("{ a = 1; }"));
        let first = trees.get(FileId(0), &a);
        assert!(Arc::ptr_eq(&first, &trees.get(FileId(0), &a)), "the same text reuses its tree");
        // Equal content in another allocation is another version of the file: parsed afresh.
        let second = trees.get(FileId(0), &b);
        assert!(!Arc::ptr_eq(&first, &second));
        assert_eq!(trees.recent.lock().unwrap().len(), 1, "a file keeps one tree");
        assert!(!Arc::ptr_eq(&second, &trees.get(FileId(1), &b)), "another file's tree is its own");
    }

    #[test]
    fn the_least_recently_used_tree_goes_first() {
        let trees = Trees::default();
        let texts: Vec<Arc<str>> = (0..=CAPACITY).map(|i| text(&format!("{{ a{i} = {i}; }}"))).collect();
        let firsts: Vec<Arc<Parse>> =
            texts.iter().take(CAPACITY).enumerate().map(|(i, t)| trees.get(FileId(i as u32), t)).collect();
        // File 0 is used again, so file 1 is now the oldest.
        assert!(Arc::ptr_eq(&firsts[0], &trees.get(FileId(0), &texts[0])));
        trees.get(FileId(CAPACITY as u32), &texts[CAPACITY]);
        assert!(Arc::ptr_eq(&firsts[0], &trees.get(FileId(0), &texts[0])), "kept");
        assert!(!Arc::ptr_eq(&firsts[1], &trees.get(FileId(1), &texts[1])), "evicted, parsed again");
    }

    #[test]
    fn a_forgotten_file_is_parsed_again() {
        let trees = Trees::default();
        let a = text("let x = 1; in x");
        let first = trees.get(FileId(3), &a);
        trees.forget(FileId(3));
        assert!(!Arc::ptr_eq(&first, &trees.get(FileId(3), &a)));
    }

    #[test]
    fn a_big_tree_replaced_is_freed_while_its_reader_still_holds_it() {
        let trees = Trees::default();
        let big = |v: usize| -> Arc<str> {
            let body: String = (0..FREE_ASIDE_FROM / 8).map(|i| format!("  a{i} = {v};\n")).collect();
            Arc::from(format!("{{\n{body}}}\n"))
        };
        let (first, second) = (big(1), big(2));
        assert!(first.len() >= FREE_ASIDE_FROM);
        let held = trees.get(FileId(0), &first);
        trees.get(FileId(0), &second);
        assert!(!trees.holds(FileId(0), &first), "replaced");
        assert_eq!(held.root().to_string(), *first, "a reader's tree outlives its eviction");
    }

    #[test]
    fn a_kept_tree_is_the_one_handed_out() {
        let trees = Trees::default();
        let a = text("{ b = 2; }");
        let parse = Arc::new(syntax::parse(&a));
        trees.keep(FileId(7), a.clone(), parse.clone());
        assert!(Arc::ptr_eq(&parse, &trees.get(FileId(7), &a)));
    }
}
