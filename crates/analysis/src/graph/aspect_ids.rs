//! Aspect keys numbered where the index stores them.
//!
//! The index keeps four facts per aspect (who defines it, who references it, which hosts name
//! it, who imports it). Kept as four hash tables keyed by the aspect's three strings, entering
//! one key probed each of them, and at 100,000 aspects every probe missed the caches (issue 21:
//! the merge into the index cost 0.65 µs per aspect at 1,000 and 1.49 at 100,000). Here a key is
//! looked up once, and its facts are columns indexed by its number (`table::Column`); a file's
//! new keys get consecutive numbers, so entering them walks the columns in order.
//!
//! A number lives while some file's contribution names the key; numbers freed at the end of an
//! update are reused, so an editing session that types and deletes names does not grow the
//! columns. Facts a check reads are still named by the key's content (`table::fact`), never by
//! its number, so a number reused for another key cannot be mistaken for the old one.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use rustc_hash::FxBuildHasher;

use crate::base::AspectKey;

/// An aspect key's number in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct AspectId(u32);

impl AspectId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// The numbering: a table of numbers found by the hash of the key each names, with the keys
/// themselves in one array in number order. The table's buckets are four bytes, so at 100,000
/// keys it stays in the caches where a table of the keys themselves (80 bytes each) did not.
#[derive(Default)]
pub(crate) struct AspectIds {
    table: HashTable<AspectId>,
    keys: Vec<AspectKey>,
    /// Each key's hash, so that growing the table hashes no key again.
    hashes: Vec<u64>,
    /// How many occurrences in the files' contributions name each key; 0 for a free number.
    uses: Vec<u32>,
    /// Numbers whose uses fell to 0 in this update, freed at its end (`sweep`) if still unused:
    /// until then the facts recorded against them can still be named.
    dying: Vec<AspectId>,
    free: Vec<AspectId>,
}

fn hash(key: &AspectKey) -> u64 {
    FxBuildHasher.hash_one(key)
}

impl AspectIds {
    /// The number of `key`, if some contribution names it.
    pub(crate) fn id(&self, key: &AspectKey) -> Option<AspectId> {
        self.table.find(hash(key), |id| self.keys[id.index()] == *key).copied()
    }

    pub(crate) fn key(&self, id: AspectId) -> &AspectKey {
        &self.keys[id.index()]
    }

    /// The key numbered `i`, for walks down a column.
    pub(crate) fn key_at(&self, i: usize) -> &AspectKey {
        &self.keys[i]
    }

    /// Every number ever given, free ones among them (where every column is empty), in order.
    pub(crate) fn numbers(&self) -> impl Iterator<Item = AspectId> + use<> {
        (0..self.keys.len() as u32).map(AspectId)
    }

    /// One more occurrence of `key`: its number, given now if it had none.
    pub(crate) fn enter(&mut self, key: &AspectKey) -> AspectId {
        let h = hash(key);
        let (keys, hashes) = (&self.keys, &self.hashes);
        let entry = self.table.entry(h, |id| keys[id.index()] == *key, |id| hashes[id.index()]);
        let id = match entry {
            Entry::Occupied(occupied) => *occupied.get(),
            Entry::Vacant(vacant) => {
                let id = match self.free.pop() {
                    Some(id) => {
                        self.keys[id.index()] = key.clone();
                        self.hashes[id.index()] = h;
                        id
                    }
                    None => {
                        let id = AspectId(u32::try_from(self.keys.len()).expect("fewer than 2^32 aspect keys"));
                        self.keys.push(key.clone());
                        self.hashes.push(h);
                        self.uses.push(0);
                        id
                    }
                };
                vacant.insert(id);
                id
            }
        };
        self.uses[id.index()] += 1;
        id
    }

    /// One occurrence of `key` fewer: its number, which stays valid until `sweep`.
    pub(crate) fn leave(&mut self, key: &AspectKey) -> Option<AspectId> {
        let id = self.id(key)?;
        let uses = &mut self.uses[id.index()];
        *uses = uses.saturating_sub(1);
        if *uses == 0 {
            self.dying.push(id);
        }
        Some(id)
    }

    /// Frees the numbers no contribution names any more. Every column is empty at such a number:
    /// its entries are made of the same occurrences.
    pub(crate) fn sweep(&mut self) {
        for id in std::mem::take(&mut self.dying) {
            // Named again since (and perhaps left again, which listed it twice).
            if self.uses[id.index()] != 0 {
                continue;
            }
            let h = self.hashes[id.index()];
            if let Ok(found) = self.table.find_entry(h, |other| *other == id) {
                found.remove();
                self.free.push(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use smol_str::SmolStr;

    use super::*;

    fn key(name: &str) -> AspectKey {
        AspectKey {
            collection: SmolStr::new("flake.modules"),
            class: Some(SmolStr::new("nixos")),
            name: SmolStr::new(name),
            class_in_path: true,
        }
    }

    #[test]
    fn a_number_lives_while_some_occurrence_names_its_key() {
        let mut ids = AspectIds::default();
        let ssh = ids.enter(&key("ssh"));
        assert_eq!(ids.enter(&key("ssh")), ssh, "one number per key");
        let desktop = ids.enter(&key("desktop"));
        assert_ne!(ssh, desktop);
        assert_eq!(ids.leave(&key("ssh")), Some(ssh));
        ids.sweep();
        assert_eq!(ids.id(&key("ssh")), Some(ssh), "one occurrence is left");
        ids.leave(&key("ssh"));
        // Until the update ends, the number still names the key.
        assert_eq!(ids.key(ssh), &key("ssh"));
        ids.sweep();
        assert_eq!(ids.id(&key("ssh")), None);
        assert_eq!(ids.id(&key("desktop")), Some(desktop));
        // The freed number is given to the next new key, and names it alone.
        let laptop = ids.enter(&key("laptop"));
        assert_eq!(laptop, ssh);
        assert_eq!(ids.key(laptop), &key("laptop"));
        assert_eq!(ids.id(&key("ssh")), None);
        assert_eq!(ids.keys.len(), 2, "no number was added for it");
    }

    #[test]
    fn a_key_left_and_named_again_in_one_update_keeps_its_number() {
        let mut ids = AspectIds::default();
        let ssh = ids.enter(&key("ssh"));
        ids.leave(&key("ssh"));
        assert_eq!(ids.enter(&key("ssh")), ssh);
        ids.leave(&key("ssh"));
        ids.enter(&key("ssh"));
        ids.sweep();
        assert_eq!(ids.id(&key("ssh")), Some(ssh));
    }

    #[test]
    fn the_table_grows_without_losing_a_key() {
        let mut ids = AspectIds::default();
        let numbers: Vec<AspectId> = (0..10_000).map(|i| ids.enter(&key(&format!("a{i}")))).collect();
        for (i, id) in numbers.iter().enumerate() {
            assert_eq!(ids.id(&key(&format!("a{i}"))), Some(*id));
        }
    }
}
