//! Byte searches that stand in for walks of the tree (`names::merges::may_merge`): wherever one
//! says a text cannot hold what the walk looks for, the walk finds nothing, over every fixture
//! file, every snippet of the Nix referee's corpus and mutations of the fixtures.

use crate::syntax::{self, names::NameTable};

use super::referee::corpus;
use super::support::{mutated_fixtures, on_analysis_stack, repositories};

/// Mutations of each fixture file.
const MUTATIONS_PER_FILE: usize = 12;

#[test]
fn the_name_table_of_a_text_is_the_name_table_of_its_tree() {
    on_analysis_stack(|| {
        let repos = repositories();
        let inputs = repos
            .iter()
            .flat_map(|repo| repo.files.iter().map(move |(path, text)| (format!("{}/{path}", repo.name), text.clone())))
            .chain(corpus::named().into_iter().chain(corpus::generated()).map(|input| (input.name, input.text)))
            .chain(mutated_fixtures(&repos, MUTATIONS_PER_FILE).into_iter().map(|input| (input.name, input.text)));
        let (mut checked, mut skipped) = (0, 0);
        for (name, text) in inputs {
            let root = syntax::parse(&text).root();
            assert!(
                NameTable::build_from_text(&root, &text) == NameTable::build(&root),
                "{name}: the name tables differ\n{text}"
            );
            checked += 1;
            skipped += usize::from(!syntax::names::may_merge(&text));
        }
        // Most texts skip the walk, or the shortcut would not be worth having; and enough do
        // not for the comparison to mean something.
        assert!(skipped * 2 >= checked && skipped < checked, "{skipped} of {checked} texts skip the walk");
    });
}
