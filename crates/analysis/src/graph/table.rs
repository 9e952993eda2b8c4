//! The index's tables, and how a cross-file diagnostic stays fresh.
//!
//! Every fact a check reads about other files is one entry of one table, read whole (`Value`) or
//! only for whether it exists (`Exists`). Reading through a `Recorder` notes the fact; the
//! workspace keeps, for every fact, the files whose checks read it (`Readers`). When an update
//! changes tables, each table compares the entries it changed with what they were when the update
//! began (only entries someone reads), and the readers of the facts that differ are the files to
//! check again. Nothing maps facts to checks by hand: a check that reads a new table is kept
//! fresh by the same code, and an edit that leaves an entry as it was (a file read again with the
//! same contribution) re-checks no one.

use std::hash::{Hash, Hasher};

use hashbrown::hash_map::EntryRef;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet, FxHasher};
use smallvec::SmallVec;

use super::aspect_ids::{AspectId, AspectIds};
use crate::base::{AspectKey, FileId};

/// How much of an entry a reader looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Level {
    /// Only whether the entry exists (is not empty).
    Exists,
    /// The whole entry.
    Value,
}

/// A fact a check read, as a hash of its table, key and level, in the high 48 bits. Two facts
/// could share an id (a chance of one in 2^48 per pair): a change to either would then re-check
/// the readers of both, which costs time and never freshness.
///
/// The low 16 bits are zero in a fact itself. Where a file keeps what its checks read, they say
/// which of its checks read it (`Checks`), so that a change to the fact runs those checks again
/// and no others, at no cost in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct FactId(u64);

impl FactId {
    /// The fact, without the checks that read it.
    pub(crate) fn fact(self) -> FactId {
        FactId(self.0 & !u64::from(Checks::ALL.0))
    }

    /// The checks that read it, where a file's reads say.
    pub(crate) fn checks(self) -> Checks {
        Checks(self.0 as u16)
    }

    fn read_by(self, checks: Checks) -> FactId {
        FactId(self.fact().0 | u64::from(checks.0))
    }
}

fn fact<K: Hash>(table: &str, key: &K, level: Level) -> FactId {
    let mut hasher = FxHasher::default();
    table.hash(&mut hasher);
    key.hash(&mut hasher);
    level.hash(&mut hasher);
    // FxHash's best-mixed bits end up low, where the checks' bits go: mixed again first
    // (splitmix64's finaliser), every bit of the fact depends on every bit of the hash.
    let mut z = hasher.finish();
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    FactId(z ^ (z >> 31)).fact()
}

/// A set of the checks a file runs, one bit each (numbered by `checks::numbered`, in the
/// registry's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub(crate) struct Checks(pub(crate) u16);

impl Checks {
    pub(crate) const ALL: Checks = Checks(u16::MAX);
    pub(crate) const NONE: Checks = Checks(0);

    pub(crate) fn has(self, check: u8) -> bool {
        self.0 & (1 << check) != 0
    }

    pub(crate) fn one(check: u8) -> Checks {
        Checks(1 << check)
    }

    pub(crate) fn with(self, other: Checks) -> Checks {
        Checks(self.0 | other.0)
    }

    fn without(self, other: Checks) -> Checks {
        Checks(self.0 & !other.0)
    }
}

/// A set of files to check again gains checks: `*dirty.entry(file).or_default() |= checks`.
impl std::ops::BitOrAssign for Checks {
    fn bitor_assign(&mut self, other: Checks) {
        *self = self.with(other);
    }
}

/// Notes the facts a check reads, and which check read them.
#[derive(Default)]
pub(crate) struct Recorder {
    reads: std::cell::RefCell<Vec<FactId>>,
    by: std::cell::Cell<Checks>,
}

impl Recorder {
    /// Facts noted from now on are read by `check`.
    pub(crate) fn now_reading(&self, check: u8) {
        self.by.set(Checks::one(check));
    }

    fn note(&self, fact: FactId) {
        self.reads.borrow_mut().push(fact.read_by(self.by.get()));
    }

    pub(crate) fn note_all(&self, facts: &[FactId]) {
        let by = self.by.get();
        self.reads.borrow_mut().extend(facts.iter().map(|fact| fact.read_by(by)));
    }

    /// The facts read, each once, with the checks that read it.
    pub(crate) fn into_reads(self) -> Vec<FactId> {
        let mut reads = self.reads.into_inner();
        each_fact_once(&mut reads);
        reads.shrink_to_fit();
        reads
    }
}

/// Sorts reads, each fact once with every check that read it.
fn each_fact_once(reads: &mut Vec<FactId>) {
    reads.sort_unstable();
    reads.dedup_by(|later, kept| {
        let same = later.fact() == kept.fact();
        if same {
            *kept = kept.read_by(kept.checks().with(later.checks()));
        }
        same
    });
}

/// What a file's checks read, after running again only `again` of them, which read `new`: what
/// the others read stands. Both lists sorted, each fact once.
pub(crate) fn merge_reads(old: &[FactId], again: Checks, new: &[FactId]) -> Vec<FactId> {
    let kept = old.iter().filter_map(|read| {
        let checks = read.checks().without(again);
        (checks != Checks::NONE).then(|| read.read_by(checks))
    });
    let mut out: Vec<FactId> = kept.chain(new.iter().copied()).collect();
    each_fact_once(&mut out);
    out
}

/// The checks among a file's `reads` that read `fact`.
pub(crate) fn readers_of(reads: &[FactId], fact: FactId) -> Checks {
    match reads.binary_search_by(|read| read.fact().cmp(&fact)) {
        Ok(i) => reads[i].checks(),
        Err(_) => Checks::NONE,
    }
}

/// For every fact some check read, the files whose checks read it.
#[derive(Default)]
pub(crate) struct Readers(FxHashMap<FactId, Vec<FileId>>);

impl Readers {
    pub(crate) fn add(&mut self, file: FileId, reads: &[FactId]) {
        for read in reads {
            self.0.entry(read.fact()).or_default().push(file);
        }
    }

    /// Forgets what files read: `(fact, file)` pairs. Grouped by fact, so that many files that
    /// read one fact (thousands import `base`) leave it in one pass, not one pass each; grouped
    /// by hash, as sorting a million pairs made a keystroke that re-checks every file cost more
    /// per file the more files there are.
    pub(crate) fn remove(&mut self, reads: Vec<(FactId, FileId)>) {
        let mut by_fact: FxHashMap<FactId, Vec<FileId>> = FxHashMap::default();
        for (read, file) in reads {
            by_fact.entry(read.fact()).or_default().push(file);
        }
        for (fact, leaving) in by_fact {
            let Some(files) = self.0.get_mut(&fact) else { continue };
            if let [file] = leaving[..] {
                if let Some(i) = files.iter().position(|f| *f == file) {
                    files.swap_remove(i);
                }
            } else {
                let leaving: FxHashSet<FileId> = leaving.into_iter().collect();
                files.retain(|f| !leaving.contains(f));
            }
            if files.is_empty() {
                self.0.remove(&fact);
            }
        }
    }

    pub(crate) fn of(&self, fact: &FactId) -> &[FileId] {
        self.0.get(fact).map_or(&[], Vec::as_slice)
    }

    fn reads(&self, fact: &FactId) -> bool {
        self.0.contains_key(fact)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}

/// What a table holds under each key. An entry left empty is removed: "exists" means "not empty".
pub(crate) trait Entry: Default + Clone + PartialEq {
    fn is_empty(&self) -> bool;
}

/// Whether a key appeared or vanished in an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flip {
    Same,
    Appeared,
    Vanished,
}

/// An entry as it was when the current update first changed it.
enum Before<E> {
    /// No one reads it.
    Unread,
    /// Readers look only at whether it exists.
    Existed(bool),
    /// Readers look at the whole entry.
    Was(Option<E>),
}

impl<E: Entry> Before<E> {
    /// The entry of `key` in table `table`, `now`, as far as the readers of its facts look at it.
    fn of<K: Hash>(table: &str, key: &K, now: Option<&E>, readers: &Readers) -> Before<E> {
        if readers.reads(&fact(table, key, Level::Value)) {
            Before::Was(now.cloned())
        } else if readers.reads(&fact(table, key, Level::Exists)) {
            Before::Existed(now.is_some())
        } else {
            Before::Unread
        }
    }

    /// The facts of `key` that differ between this and the entry `now`.
    fn changes<K: Hash>(&self, table: &str, key: &K, now: Option<&E>, out: &mut Vec<FactId>) {
        let (existed, value_changed) = match self {
            Before::Unread => return,
            Before::Existed(existed) => (*existed, false),
            Before::Was(was) => (was.is_some(), was.as_ref() != now),
        };
        if existed != now.is_some() {
            out.push(fact(table, key, Level::Exists));
        }
        if value_changed {
            out.push(fact(table, key, Level::Value));
        }
    }
}

pub(crate) struct Table<K, E> {
    /// Its field's name in the index: part of the identity of every fact read from it.
    id: &'static str,
    entries: hashbrown::HashMap<K, E, FxBuildHasher>,
    before: FxHashMap<K, Before<E>>,
}

impl<K: Hash + Eq + Clone, E: Entry> Table<K, E> {
    pub(crate) fn new(id: &'static str) -> Table<K, E> {
        Table { id, entries: hashbrown::HashMap::default(), before: FxHashMap::default() }
    }

    /// The entry of `key`, noted as read whole.
    pub(crate) fn get(&self, key: &K, rec: Option<&Recorder>) -> Option<&E> {
        if let Some(rec) = rec {
            rec.note(fact(self.id, key, Level::Value));
        }
        self.entries.get(key)
    }

    /// Whether `key` has an entry, noted as read.
    pub(crate) fn contains(&self, key: &K, rec: Option<&Recorder>) -> bool {
        self.stored_key(key, rec).is_some()
    }

    /// The key as stored (it may carry more than its identity), if it has an entry; noted as a
    /// read of whether it exists.
    pub(crate) fn stored_key(&self, key: &K, rec: Option<&Recorder>) -> Option<&K> {
        if let Some(rec) = rec {
            rec.note(fact(self.id, key, Level::Exists));
        }
        self.entries.get_key_value(key).map(|(k, _)| k)
    }

    /// Every key, for queries over the whole graph. Checks never walk a whole table: no reader
    /// could be told which of its entries changed.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.entries.keys()
    }

    /// Edits the entry of `key` with `f` (starting from an empty one), removing it if `f` leaves
    /// it empty. The first edit of a key in an update remembers the entry as it was, as far as
    /// its readers look at it.
    pub(crate) fn edit(&mut self, key: &K, readers: &Readers, f: impl FnOnce(&mut E)) -> Flip {
        if !readers.is_empty() && !self.before.contains_key(key) {
            let before = Before::of(self.id, key, self.entries.get(key), readers);
            self.before.insert(key.clone(), before);
        }
        // One probe of the table per edit: a cold index makes millions of them, and in a table
        // of 100,000 keys each probe is a cache miss.
        match self.entries.entry_ref(key) {
            EntryRef::Occupied(mut entry) => {
                f(entry.get_mut());
                if entry.get().is_empty() {
                    entry.remove();
                    Flip::Vanished
                } else {
                    Flip::Same
                }
            }
            EntryRef::Vacant(vacant) => {
                let mut entry = E::default();
                f(&mut entry);
                if entry.is_empty() {
                    Flip::Same
                } else {
                    vacant.insert_with_key(key.clone(), entry);
                    Flip::Appeared
                }
            }
        }
    }

    /// The facts of this table that differ from when the current update began; the update ends.
    pub(crate) fn take_changes(&mut self, out: &mut Vec<FactId>) {
        for (key, before) in self.before.drain() {
            before.changes(self.id, &key, self.entries.get(&key), out);
        }
    }
}

/// A table keyed by aspect number (`aspect_ids`): the entries in one array, indexed by the
/// number, empty where the aspect has none. It keeps `Table`'s contract: facts are named by the
/// key's content, and an update's changes are what its readers can see.
pub(crate) struct Column<E> {
    id: &'static str,
    entries: Vec<E>,
    before: FxHashMap<AspectId, Before<E>>,
}

impl<E: Entry> Column<E> {
    pub(crate) fn new(id: &'static str) -> Column<E> {
        Column { id, entries: Vec::new(), before: FxHashMap::default() }
    }

    /// Whether the aspect numbered `id` has an entry, unrecorded: for the index's own upkeep.
    pub(crate) fn has(&self, id: AspectId) -> bool {
        self.at(Some(id)).is_some()
    }

    fn at(&self, id: Option<AspectId>) -> Option<&E> {
        filled(&self.entries, id?)
    }

    /// Edits the entry of `id` (which numbers `key`) as `Table::edit` does.
    pub(crate) fn edit(&mut self, id: AspectId, key: &AspectKey, readers: &Readers, f: impl FnOnce(&mut E)) -> Flip {
        let i = id.index();
        if self.entries.len() <= i {
            self.entries.resize_with(i + 1, E::default);
        }
        if !readers.is_empty() && !self.before.contains_key(&id) {
            let before = Before::of(self.id, key, self.at(Some(id)), readers);
            self.before.insert(id, before);
        }
        let entry = &mut self.entries[i];
        let was = !entry.is_empty();
        f(entry);
        match (was, !entry.is_empty()) {
            (false, true) => Flip::Appeared,
            (true, false) => {
                // Freed, not only emptied: a number can be given to another key.
                *entry = E::default();
                Flip::Vanished
            }
            _ => Flip::Same,
        }
    }

    /// As `Table::take_changes`; `ids` still names every number edited in the update.
    pub(crate) fn take_changes(&mut self, ids: &AspectIds, out: &mut Vec<FactId>) {
        let entries = &self.entries;
        for (id, before) in self.before.drain() {
            before.changes(self.id, ids.key(id), filled(entries, id), out);
        }
    }

    /// The column read through the numbering, with `Table`'s reading methods.
    pub(crate) fn read<'a>(&'a self, ids: &'a AspectIds) -> Keyed<'a, E> {
        Keyed { column: self, ids }
    }
}

/// The entry at `id`, if there is one and it is not empty.
fn filled<E: Entry>(entries: &[E], id: AspectId) -> Option<&E> {
    entries.get(id.index()).filter(|entry| !entry.is_empty())
}

/// A column with the numbering that finds its keys: read as a `Table` is.
pub(crate) struct Keyed<'a, E> {
    column: &'a Column<E>,
    ids: &'a AspectIds,
}

impl<'a, E: Entry> Keyed<'a, E> {
    /// The entry of `key`, noted as read whole.
    pub(crate) fn get(&self, key: &AspectKey, rec: Option<&Recorder>) -> Option<&'a E> {
        if let Some(rec) = rec {
            rec.note(fact(self.column.id, key, Level::Value));
        }
        self.column.at(self.ids.id(key))
    }

    /// Whether `key` has an entry, noted as read.
    pub(crate) fn contains(&self, key: &AspectKey, rec: Option<&Recorder>) -> bool {
        self.stored_key(key, rec).is_some()
    }

    /// The key as stored, if it has an entry; noted as a read of whether it exists.
    pub(crate) fn stored_key(&self, key: &AspectKey, rec: Option<&Recorder>) -> Option<&'a AspectKey> {
        if let Some(rec) = rec {
            rec.note(fact(self.column.id, key, Level::Exists));
        }
        let id = self.ids.id(key)?;
        self.column.at(Some(id)).map(|_| self.ids.key(id))
    }

    /// Every key with an entry, for queries over the whole graph (never for checks: see
    /// `Table::keys`).
    pub(crate) fn keys(&self) -> impl Iterator<Item = &'a AspectKey> + use<'a, E> {
        // In number order, down the column: a non-empty entry's number is live.
        let (column, ids) = (self.column, self.ids);
        let filled = column.entries.iter().enumerate().filter(|(_, entry)| !entry.is_empty());
        filled.map(move |(i, _)| ids.key_at(i))
    }
}

/// The files that contribute one entry, once per occurrence (a multiset), sorted, so removing a
/// file's old contribution is exact and readers walk the distinct files without sorting. Most
/// entries have one or two files: they are held inline, without an allocation of their own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Files(SmallVec<[FileId; 4]>);

impl Files {
    pub(crate) fn add(&mut self, file: FileId) {
        // Files are mostly added in id order, so this is nearly always a push.
        let at = self.0.partition_point(|f| *f <= file);
        self.0.insert(at, file);
    }

    pub(crate) fn remove(&mut self, file: FileId) {
        if let Ok(i) = self.0.binary_search(&file) {
            self.0.remove(i);
        }
    }

    /// Each file once, in id order.
    pub(crate) fn distinct(&self) -> impl Iterator<Item = FileId> + '_ {
        let files = &self.0;
        files.iter().enumerate().filter(|(i, f)| *i == 0 || files[i - 1] != **f).map(|(_, f)| *f)
    }
}

impl Entry for Files {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Hash + Eq + Clone> Entry for rustc_hash::FxHashSet<T> {
    fn is_empty(&self) -> bool {
        self.is_empty()
    }
}

impl<T: Hash + Eq + Clone> Entry for FxHashMap<T, u32> {
    fn is_empty(&self) -> bool {
        self.is_empty()
    }
}

impl<T: Clone + PartialEq> Entry for Vec<T> {
    fn is_empty(&self) -> bool {
        self.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table<&'static str, Files> {
        Table::new("defs")
    }

    /// Readers of `key` at `level`, one file each.
    fn reading(key: &'static str, level: Level) -> Readers {
        let mut readers = Readers::default();
        readers.add(FileId(9), &[fact("defs", &key, level)]);
        readers
    }

    fn changes(table: &mut Table<&'static str, Files>) -> Vec<FactId> {
        let mut out = Vec::new();
        table.take_changes(&mut out);
        out
    }

    #[test]
    fn an_entry_left_as_it_was_is_no_change() {
        let mut t = table();
        let none = Readers::default();
        t.edit(&"ssh", &none, |f| f.add(FileId(1)));
        let readers = reading("ssh", Level::Value);
        // A file read again with the same contribution: removed, then added.
        assert_eq!(t.edit(&"ssh", &readers, |f| f.remove(FileId(1))), Flip::Vanished);
        assert_eq!(t.edit(&"ssh", &readers, |f| f.add(FileId(1))), Flip::Appeared);
        assert_eq!(changes(&mut t), Vec::new());
    }

    #[test]
    fn readers_see_what_they_look_at() {
        let mut t = table();
        let none = Readers::default();
        t.edit(&"ssh", &none, |f| f.add(FileId(1)));
        // A second file: the entry changed, but it still exists.
        let exists = reading("ssh", Level::Exists);
        t.edit(&"ssh", &exists, |f| f.add(FileId(2)));
        assert_eq!(changes(&mut t), Vec::new());
        let value = reading("ssh", Level::Value);
        t.edit(&"ssh", &value, |f| f.add(FileId(3)));
        assert_eq!(changes(&mut t), vec![fact("defs", &"ssh", Level::Value)]);
        // Gone: both kinds of readers are told.
        let mut both = reading("ssh", Level::Exists);
        both.add(FileId(8), &[fact("defs", &"ssh", Level::Value)]);
        t.edit(&"ssh", &both, |f| *f = Files::default());
        let mut changed = changes(&mut t);
        changed.sort();
        let mut expected = vec![fact("defs", &"ssh", Level::Exists), fact("defs", &"ssh", Level::Value)];
        expected.sort();
        assert_eq!(changed, expected);
    }

    #[test]
    fn unread_entries_are_not_remembered() {
        let mut t = table();
        let readers = reading("other", Level::Exists);
        t.edit(&"ssh", &readers, |f| f.add(FileId(1)));
        assert_eq!(changes(&mut t), Vec::new());
        assert!(t.before.is_empty());
    }

    #[test]
    fn readers_come_and_go_per_file() {
        let mut readers = Readers::default();
        let a = fact("refs", &"a", Level::Exists);
        let b = fact("refs", &"b", Level::Exists);
        readers.add(FileId(1), &[a, b]);
        readers.add(FileId(2), &[a]);
        readers.remove(vec![(a, FileId(1)), (b, FileId(1))]);
        assert_eq!(readers.of(&a), &[FileId(2)]);
        assert!(readers.of(&b).is_empty());
        assert!(!readers.reads(&b), "a fact no one reads any more is forgotten");
    }

    #[test]
    fn reads_say_which_checks_read_each_fact() {
        let (a, b, c) =
            (fact("defs", &"a", Level::Exists), fact("defs", &"b", Level::Exists), fact("defs", &"c", Level::Value));
        let rec = Recorder::default();
        rec.now_reading(0);
        rec.note(a);
        rec.note(b);
        rec.now_reading(3);
        rec.note_all(&[a, a]);
        let old = rec.into_reads();
        assert_eq!(old.len(), 2, "each fact once");
        assert_eq!(readers_of(&old, a), Checks(0b1001));
        assert_eq!(readers_of(&old, b), Checks::one(0));
        assert_eq!(readers_of(&old, c), Checks::NONE);
        // Check 0 runs again and reads `c` alone: check 3's read of `a` stands, `b` goes.
        let again = Recorder::default();
        again.now_reading(0);
        again.note(c);
        let merged = merge_reads(&old, Checks::one(0), &again.into_reads());
        let facts: Vec<(FactId, Checks)> = merged.iter().map(|r| (r.fact(), r.checks())).collect();
        let mut expected = vec![(a, Checks::one(3)), (c, Checks::one(0))];
        expected.sort();
        assert_eq!(facts, expected);
    }

    #[test]
    fn files_are_a_sorted_multiset() {
        let mut files = Files::default();
        for f in [3, 1, 3, 2] {
            files.add(FileId(f));
        }
        assert_eq!(files.distinct().collect::<Vec<_>>(), vec![FileId(1), FileId(2), FileId(3)]);
        files.remove(FileId(3));
        assert_eq!(files.distinct().count(), 3, "one occurrence of file 3 is left");
    }
}
