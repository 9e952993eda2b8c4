//! The roster: every aspect and every host, with what the graph knows of each (`canopy aspects`,
//! the graph views, rename's host check).
//!
//! Built in one pass over every file's resolved data, with each aspect and host numbered once:
//! what the pass finds is kept as pairs of numbers, grouped by a counting sort, and read back in
//! key order. The first roster kept a hash map per field, keyed by three strings, and probed each
//! several times per aspect; at 100,000 aspects those probes missed the caches, and an aspect
//! cost 3.5 times what it cost at 1,000 (issue 21).

use std::hash::Hash;

use rustc_hash::{FxHashMap, FxHashSet};
use smol_str::SmolStr;

use super::queries::{AspectInfo, HostInfo};
use super::resolve::{Owner, Target};
use super::store::Graph;
use crate::base::{AspectKey, FileId, HostKey, Site};

impl Graph {
    /// Every aspect that is defined or referenced, sorted by key. Each host walks the graph's
    /// edges once, so the roster costs the size of the graph (and of its output), not aspects
    /// times graph.
    pub(crate) fn aspects(&self) -> Vec<AspectInfo> {
        // Copied out of the index, in its numbers' order, and sorted here: sorting references
        // into the index read two keys at random for each comparison, and every later read of a
        // key by its number did too. In one array, in key order, an aspect's neighbours in the
        // roster are its neighbours in memory.
        let mut owned: Vec<AspectKey> = self.index.named_aspects().cloned().collect();
        owned.sort_unstable();
        let mut aspects = Numbered::new(owned.iter().collect());
        let mut hosts = Numbered::new(self.sorted_host_keys().collect());
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut host_edges: Vec<(u32, u32)> = Vec::new();
        let mut definitions: Vec<(u32, Site)> = Vec::new();
        let mut references: Vec<(u32, Site)> = Vec::new();
        let mut contributions: Vec<(u32, (FileId, &SmolStr))> = Vec::new();
        for file in self.file_ids() {
            let resolved = &self.data(file).resolved;
            for (owner, target) in resolved.edges() {
                let target = aspects.id(target);
                match owner {
                    Owner::Aspect(key) => edges.push((aspects.id(key), target)),
                    Owner::Host(host) => host_edges.push((hosts.id(host), target)),
                }
            }
            for (host, aspect) in &resolved.host_aspects {
                host_edges.push((hosts.id(host), aspects.id(aspect)));
            }
            for d in &resolved.definitions {
                definitions.push((aspects.id(&d.key), Site { file, range: d.name.range }));
            }
            for c in &resolved.contributions {
                contributions.push((aspects.id(&c.key), (file, &c.class)));
            }
            for r in &resolved.refs {
                if let Target::Aspect { key, name, .. } = &r.target {
                    references.push((aspects.id(key), Site { file, range: name.range }));
                }
            }
        }
        let includes = Groups::new(aspects.len(), &edges);
        let reversed: Vec<(u32, u32)> = edges.iter().map(|&(owner, target)| (target, owner)).collect();
        let included_by = Groups::new(aspects.len(), &reversed);
        let aspect_hosts = hosts_of_each(&includes, &Groups::new(hosts.len(), &host_edges));
        let definitions = Groups::new(aspects.len(), &definitions);
        let references = Groups::new(aspects.len(), &references);
        let contributions = Groups::new(aspects.len(), &contributions);
        let (aspect_order, host_order) = (aspects.order(), hosts.order());
        (0..aspects.listed() as u32)
            .map(|id| {
                let mut definitions = definitions.get(id).to_vec();
                let mut references = references.get(id).to_vec();
                // As `classes`: the aspect's own class, and what the files defining it contribute.
                let key = aspects.key(id);
                let contributed = contributions.get(id);
                let mut classes: Vec<SmolStr> = Vec::new();
                if !contributed.is_empty() {
                    let defining: FxHashSet<FileId> = definitions.iter().map(|d| d.file).collect();
                    let from_definers = contributed.iter().filter(|(file, _)| defining.contains(file));
                    classes.extend(from_definers.map(|(_, class)| (*class).clone()));
                }
                classes.extend(key.class.clone().filter(|_| !definitions.is_empty()));
                classes.sort();
                classes.dedup();
                self.sort_sites(&mut definitions);
                self.sort_sites(&mut references);
                references.dedup();
                AspectInfo {
                    classes,
                    definitions,
                    references,
                    includes: aspects.keys_of(includes.get(id), &aspect_order),
                    included_by: aspects.keys_of(included_by.get(id), &aspect_order),
                    hosts: hosts.keys_of(aspect_hosts.get(id), &host_order),
                    key: key.clone(),
                }
            })
            .collect()
    }

    /// Every host, sorted by key. Gathered in one pass over every file, as the roster is.
    pub(crate) fn hosts(&self) -> Vec<HostInfo> {
        let mut hosts = Numbered::new(self.sorted_host_keys().collect());
        let mut definitions: Vec<(u32, Site)> = Vec::new();
        let mut aspects: Vec<(u32, &AspectKey)> = Vec::new();
        for file in self.file_ids() {
            let resolved = &self.data(file).resolved;
            for h in &resolved.hosts {
                definitions.push((hosts.id(&h.key), Site { file, range: h.name.range }));
            }
            for (owner, target) in resolved.edges() {
                if let Owner::Host(host) = owner {
                    aspects.push((hosts.id(host), target));
                }
            }
            for (host, aspect) in &resolved.host_aspects {
                aspects.push((hosts.id(host), aspect));
            }
        }
        let definitions = Groups::new(hosts.len(), &definitions);
        let aspects = Groups::new(hosts.len(), &aspects);
        (0..hosts.listed() as u32)
            .map(|id| {
                let mut definitions = definitions.get(id).to_vec();
                self.sort_sites(&mut definitions);
                let mut aspects: Vec<&AspectKey> = aspects.get(id).to_vec();
                aspects.sort_unstable();
                aspects.dedup();
                HostInfo { key: hosts.key(id).clone(), definitions, aspects: aspects.into_iter().cloned().collect() }
            })
            .collect()
    }

    /// Every host, sorted by key.
    fn sorted_host_keys(&self) -> impl Iterator<Item = &HostKey> + '_ {
        let mut keys: Vec<&HostKey> = self.index.hosts.keys().collect();
        keys.sort_unstable();
        keys.into_iter()
    }
}

/// The hosts of each aspect, from what each aspect includes and what each host gets: each host
/// walks what it gets once, marking what it reached with its number (no set per host).
fn hosts_of_each(includes: &Groups<u32>, host_edges: &Groups<u32>) -> Groups<u32> {
    let mut reached = vec![u32::MAX; includes.len()];
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for host in 0..host_edges.len() as u32 {
        let mut queue: Vec<u32> = host_edges.get(host).to_vec();
        while let Some(aspect) = queue.pop() {
            if std::mem::replace(&mut reached[aspect as usize], host) == host {
                continue;
            }
            pairs.push((aspect, host));
            queue.extend_from_slice(includes.get(aspect));
        }
    }
    Groups::new(includes.len(), &pairs)
}

/// Keys numbered densely: the keys the roster lists first, in key order, then any other key a
/// file mentions, as it is met (an edge to an aspect no file defines or references by name).
struct Numbered<'g, K> {
    keys: Vec<&'g K>,
    ids: FxHashMap<&'g K, u32>,
    /// How many of `keys` are listed: the sorted ones.
    listed: usize,
}

impl<'g, K: Hash + Eq + Ord> Numbered<'g, K> {
    /// `keys` sorted and distinct.
    fn new(keys: Vec<&'g K>) -> Numbered<'g, K> {
        let ids = keys.iter().enumerate().map(|(id, key)| (*key, id as u32)).collect();
        Numbered { listed: keys.len(), keys, ids }
    }

    fn id(&mut self, key: &'g K) -> u32 {
        let next = self.keys.len() as u32;
        let keys = &mut self.keys;
        *self.ids.entry(key).or_insert_with(|| {
            keys.push(key);
            next
        })
    }

    fn key(&self, id: u32) -> &'g K {
        self.keys[id as usize]
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    fn listed(&self) -> usize {
        self.listed
    }

    /// Each id's place in key order, where keys were met after the listed ones (ids are in key
    /// order otherwise).
    fn order(&self) -> Option<Vec<u32>> {
        if self.keys.len() == self.listed {
            return None;
        }
        let mut ids: Vec<u32> = (0..self.keys.len() as u32).collect();
        ids.sort_unstable_by_key(|&id| self.keys[id as usize]);
        let mut order = vec![0; ids.len()];
        for (place, id) in ids.into_iter().enumerate() {
            order[id as usize] = place as u32;
        }
        Some(order)
    }

    /// The keys of `ids`, in key order, each once.
    fn keys_of(&self, ids: &[u32], order: &Option<Vec<u32>>) -> Vec<K>
    where
        K: Clone,
    {
        let mut ids = ids.to_vec();
        match order {
            Some(order) => ids.sort_unstable_by_key(|&id| order[id as usize]),
            None => ids.sort_unstable(),
        }
        ids.dedup();
        ids.into_iter().map(|id| self.key(id).clone()).collect()
    }
}

/// Items grouped by a dense id, each group in the order the items came: a counting sort, linear
/// where sorting the pairs would cost n log n.
struct Groups<T> {
    /// Group `id` is `items[starts[id]..starts[id + 1]]`.
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T: Copy> Groups<T> {
    fn new(ids: usize, pairs: &[(u32, T)]) -> Groups<T> {
        let mut starts = vec![0u32; ids + 1];
        for &(id, _) in pairs {
            starts[id as usize + 1] += 1;
        }
        for id in 0..ids {
            starts[id + 1] += starts[id];
        }
        let Some(&(_, first)) = pairs.first() else { return Groups { starts, items: Vec::new() } };
        let mut items = vec![first; pairs.len()];
        let mut next = starts.clone();
        for &(id, item) in pairs {
            let at = &mut next[id as usize];
            items[*at as usize] = item;
            *at += 1;
        }
        Groups { starts, items }
    }

    /// How many groups (ids).
    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    fn get(&self, id: u32) -> &[T] {
        let id = id as usize;
        &self.items[self.starts[id] as usize..self.starts[id + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_keep_each_groups_items_in_order() {
        let groups = Groups::new(4, &[(2, 'a'), (0, 'b'), (2, 'c'), (0, 'd'), (3, 'e')]);
        assert_eq!(groups.get(0), ['b', 'd']);
        assert_eq!(groups.get(1), [] as [char; 0]);
        assert_eq!(groups.get(2), ['a', 'c']);
        assert_eq!(groups.get(3), ['e']);
        assert!(Groups::<char>::new(2, &[]).get(1).is_empty());
    }

    #[test]
    fn keys_met_after_the_listed_ones_still_come_out_in_key_order() {
        let (a, b, c, d) = ("a".to_owned(), "b".to_owned(), "c".to_owned(), "d".to_owned());
        let mut numbered = Numbered::new(vec![&b, &d]);
        assert_eq!((numbered.id(&d), numbered.id(&c), numbered.id(&a), numbered.id(&c)), (1, 2, 3, 2));
        assert_eq!(numbered.listed(), 2);
        let order = numbered.order();
        assert_eq!(numbered.keys_of(&[1, 2, 3, 0, 2], &order), ["a", "b", "c", "d"]);
        assert_eq!(Numbered::new(vec![&a, &b]).order(), None);
    }
}
