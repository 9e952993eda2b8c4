//! Random renames on the fixture repositories: a rename's edits never overlap and lie on
//! character boundaries; applied, they leave no new `undefined-aspect` and no new syntax error;
//! the old name is gone from its family and the new one defined; and a rename is refused exactly
//! when the new name is already an aspect of the same collection and class.
//!
//! `PROPTEST_CASES=N` runs N renames instead of the bounded default.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use proptest::prelude::*;

use super::support::{Repository, bodies, on_analysis_stack, repositories};
use crate::summary::NameOrigin;
use crate::{Analysis, AspectKey, Change, DiagnosticKind, FilePosition, Symbol, TextEdit, TextSize};

static REPOSITORIES: LazyLock<Vec<Repository>> = LazyLock::new(repositories);

/// New names that exist nowhere: plain, and needing quotes in every position.
const FRESH: &[&str] = &["renamed", "fresh-name", "my-aspect.v2", "with space", "x\"y", "é🌲"];

fn workspace(files: &[(String, String)]) -> Analysis {
    let mut ws = Analysis::new();
    let set = files.iter().map(|(p, t)| (p.clone(), Arc::from(t.as_str()))).collect();
    ws.apply(Change { set, remove: Vec::new() });
    ws
}

/// Diagnostics of one kind, counted by file: positions and names move with the edits (renaming
/// a misspelt reference moves its `undefined-aspect` to the new name; it must not add one).
fn counted(ws: &Analysis, kind: DiagnosticKind) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for file in ws.files() {
        let n = ws.diagnostics(file).into_iter().filter(|d| d.kind == kind).count();
        out.insert(ws.path(file).to_string(), n);
    }
    out
}

fn apply(text: &str, edits: &[TextEdit]) -> String {
    let mut text = text.to_string();
    for edit in edits.iter().rev() {
        text.replace_range(usize::from(edit.range.start())..usize::from(edit.range.end()), &edit.new_text);
    }
    text
}

/// What one rename did, for the tally.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Refused,
    /// Refused because the name comes from a file's name.
    RefusedUnwritten,
    Renamed,
    /// Renamed, with notes on what it could not follow (dynamic references, file names).
    RenamedWithNotes,
    /// The site holds something else than an aspect name under the cursor.
    NotAnAspect,
}

fn check_one(repo: &Repository, site: usize, within: usize, name: usize) -> Outcome {
    let ws = workspace(&repo.files);
    let aspects = ws.aspects();
    let sites: Vec<_> =
        aspects.iter().flat_map(|a| a.definitions.iter().chain(&a.references).map(move |s| (a, s))).collect();
    let without_aspects = super::support::WITHOUT_ASPECTS.contains(&repo.name.as_str());
    assert!(!sites.is_empty() || without_aspects, "{}: no aspect sites", repo.name);
    if sites.is_empty() {
        return Outcome::NotAnAspect;
    }
    let (aspect, site) = sites[site % sites.len()];
    let offset = site.range.start() + TextSize::from((within % (usize::from(site.range.len()) + 1)) as u32);
    let pos = FilePosition { file: site.file, offset };
    let key = match ws.symbol_at(pos) {
        Some(Symbol::Aspect { key, .. }) => key,
        _ => return Outcome::NotAnAspect,
    };
    // Candidates: fresh names, and every aspect name of the repository (collisions or not).
    let mut names: Vec<String> = FRESH.iter().map(|n| n.to_string()).collect();
    names.extend(aspects.iter().map(|a| a.key.name.to_string()));
    let new_name = names[name % names.len()].clone();

    // The aspect is its name in every class of its collection, and of every module output for
    // the flake's outputs (`flake.nixosModules`, `flake.darwinModules`, ...); it collides where
    // the new name is already defined in one of those classes.
    let family_of = |collection: &str| -> String {
        let output = collection
            .strip_prefix("flake.")
            .is_some_and(|o| o.len() > 7 && o.ends_with("Modules") && !o.contains('.'));
        if output { "outputs".to_owned() } else { collection.to_owned() }
    };
    let family: Vec<AspectKey> = aspects
        .iter()
        .map(|a| a.key.clone())
        .filter(|k| {
            family_of(&k.collection) == family_of(&key.collection)
                && k.name == key.name
                && (key.class.is_some() || k == &key)
        })
        .collect();
    let renamed = |k: &AspectKey, name: &str| AspectKey { name: name.into(), ..k.clone() };
    let collides = new_name != key.name.as_str()
        && family.iter().any(|k| aspects.iter().any(|a| a.key == renamed(k, &new_name) && !a.definitions.is_empty()));

    let unwritten = new_name != key.name.as_str() && family.iter().any(|k| unwritten(&ws, k));

    let result = ws.rename(pos, &new_name);
    let rename = match (collides, result) {
        (false, Err(_)) if unwritten => return Outcome::RefusedUnwritten,
        (true, Err(_)) => return Outcome::Refused,
        (true, Ok(r)) => panic!("{}: renaming `{key}` to `{new_name}` merges two aspects: {r:?}", repo.name),
        (false, Err(e)) => {
            panic!("{}: renaming `{key}` (at {:?}) to `{new_name}` was refused: {e}", repo.name, aspect.key)
        }
        (false, Ok(r)) => r,
    };
    bodies::check_edits(&ws, &rename);

    let mut files = repo.files.clone();
    for file_edit in &rename.edits {
        let path = ws.path(file_edit.file);
        let entry = files.iter_mut().find(|(p, _)| p == path).expect("an edited file is a fixture file");
        entry.1 = apply(&entry.1, &file_edit.edits);
    }
    let after = workspace(&files);
    for kind in [DiagnosticKind::UndefinedAspect, DiagnosticKind::SyntaxError, DiagnosticKind::UndefinedVariable] {
        let (before, now) = (counted(&ws, kind), counted(&after, kind));
        for (place, n) in &now {
            let was = before.get(place).copied().unwrap_or(0);
            assert!(*n <= was, "{}: `{key}` → `{new_name}` adds {kind:?} at {place:?}: {rename:?}", repo.name);
        }
    }
    if new_name == key.name.as_str() {
        assert!(rename.edits.is_empty(), "renaming to the same name edits");
        return Outcome::Renamed;
    }
    if !rename.notes.is_empty() {
        return Outcome::RenamedWithNotes;
    }
    assert_renamed(repo, (&ws, &after), &family, &new_name);
    Outcome::Renamed
}

/// A name built from a file's name (or implied) is not written anywhere a rename can edit.
fn unwritten(ws: &Analysis, key: &AspectKey) -> bool {
    ws.graph().definitions(key).into_iter().chain(ws.graph().references(key)).any(|site| {
        let summary = ws.graph().summary(site.file);
        let names = summary.nodes.iter().map(|n| &n.name).chain(summary.refs.iter().flat_map(|r| &r.path));
        names.filter(|n| n.range == site.range).any(|n| matches!(n.origin, NameOrigin::FileName | NameOrigin::Implicit))
    })
}

/// Every key of the family is gone under its old name and stands under the new one, with all its
/// references.
fn assert_renamed(repo: &Repository, (ws, after): (&Analysis, &Analysis), family: &[AspectKey], new_name: &str) {
    let renamed = |k: &AspectKey, name: &str| AspectKey { name: name.into(), ..k.clone() };
    for k in family {
        let old = k.clone();
        let new = renamed(k, new_name);
        let defined_before = ws.graph().is_defined(&old);
        assert!(
            !after.graph().is_defined(&old),
            "{}: `{old}` is still defined after renaming it to `{new_name}`",
            repo.name
        );
        assert!(
            after.graph().references(&old).is_empty(),
            "{}: `{old}` is still referenced after the rename",
            repo.name
        );
        assert_eq!(after.graph().is_defined(&new), defined_before, "{}: `{new}` after renaming `{old}`", repo.name);
        // A name only referenced so far (a misspelling) gains the renamed aspect's references.
        assert_eq!(
            after.graph().references(&new).len(),
            ws.graph().references(&old).len() + ws.graph().references(&new).len(),
            "{}: references of `{old}` did not all follow to `{new}`",
            repo.name
        );
    }
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(1000), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_renames_on_the_fixtures_keep_the_workspace_whole(
        repo in 0..REPOSITORIES.len(),
        site in any::<usize>(),
        within in any::<usize>(),
        name in any::<usize>(),
    ) {
        let repo = &REPOSITORIES[repo];
        on_analysis_stack(|| check_one(repo, site, within, name));
    }
}

/// Every repository, every site, a fresh name and a colliding one: the outcomes cover renames
/// and refusals, so the property above is not vacuous.
#[test]
fn every_site_of_every_fixture_renames_or_refuses() {
    let mut tally: BTreeMap<Outcome, usize> = BTreeMap::new();
    for repo in REPOSITORIES.iter() {
        let sites = on_analysis_stack(|| {
            let ws = workspace(&repo.files);
            ws.aspects().iter().map(|a| a.definitions.len() + a.references.len()).sum::<usize>()
        });
        let names = FRESH.len() + on_analysis_stack(|| workspace(&repo.files).aspects().len());
        for site in 0..sites {
            for name in [0, 2, 3, names - 1] {
                let outcome = on_analysis_stack(|| check_one(repo, site, 0, name));
                *tally.entry(outcome).or_default() += 1;
            }
        }
    }
    eprintln!("{tally:?}");
    assert!(tally.get(&Outcome::Renamed).copied().unwrap_or(0) > 50, "{tally:?}");
    assert!(tally.get(&Outcome::Refused).copied().unwrap_or(0) > 5, "{tally:?}");
}
