//! The gate before Nix's grammar (`nix_exact::gate`) against the grammar itself, over every
//! fixture file, every snippet of the Nix referee's corpus and a few thousand mutations of the
//! fixtures: wherever the gate lets the grammar be skipped, the grammar must find nothing (no
//! error, no duplicate, no number rnix misreads). And the gate must earn its keep: it lets most
//! clean fixture files skip the grammar.

use crate::nix_exact::{self, gate};
use crate::syntax::{self, names::NameTable};

use super::referee::corpus;
use super::support::{mutated_fixtures, on_analysis_stack, repositories};

/// Mutations of each fixture file.
const MUTATIONS_PER_FILE: usize = 36;

/// What the gate says of `text`, and whether the grammar finds something there.
fn judge(text: &str) -> (bool, bool) {
    let parse = syntax::parse(text);
    let names = NameTable::build(&parse.root());
    let skips = gate::grammar_finds_nothing(text, &parse, &names);
    let finds = !nix_exact::nix_grammar(text, &|| parse.root()).finds_nothing();
    (skips, finds)
}

#[derive(Default)]
struct Tally {
    inputs: usize,
    /// Inputs the grammar finds something in.
    found: usize,
    /// Inputs the gate lets skip the grammar.
    skipped: usize,
    /// Skipped although the grammar finds something: the gate is wrong.
    wrong: Vec<String>,
}

impl Tally {
    fn add(&mut self, name: &str, text: &str) {
        let (skips, finds) = judge(text);
        self.inputs += 1;
        self.found += usize::from(finds);
        self.skipped += usize::from(skips);
        if skips && finds {
            self.wrong.push(format!("{name}: {text:?}"));
        }
    }

    fn report(&self, what: &str) {
        println!(
            "{what}: {} inputs, the grammar finds something in {}, the gate skips {}, wrongly {}",
            self.inputs,
            self.found,
            self.skipped,
            self.wrong.len()
        );
        for wrong in &self.wrong {
            println!("WRONGLY SKIPPED: {wrong}");
        }
    }
}

#[test]
fn the_gate_skips_the_grammar_only_where_it_finds_nothing() {
    on_analysis_stack(|| {
        let repos = repositories();
        let mut fixtures = Tally::default();
        for repo in &repos {
            for (path, text) in &repo.files {
                fixtures.add(&format!("{}/{path}", repo.name), text);
            }
        }
        let mut snippets = Tally::default();
        for input in corpus::named().into_iter().chain(corpus::generated()) {
            snippets.add(&input.name, &input.text);
        }
        let mut mutated = Tally::default();
        for input in mutated_fixtures(&repos, MUTATIONS_PER_FILE) {
            mutated.add(&input.name, &input.text);
        }
        fixtures.report("fixture files");
        snippets.report("referee snippets");
        mutated.report("mutated fixture files");

        assert!(fixtures.wrong.is_empty() && snippets.wrong.is_empty() && mutated.wrong.is_empty());
        // The gate is worth having: most clean files skip the grammar.
        let clean = fixtures.inputs - fixtures.found;
        assert!(fixtures.skipped * 10 >= clean * 9, "{} of {clean} clean fixture files skip", fixtures.skipped);
        // And the mutations test it: many of them give the grammar something to find.
        assert!(mutated.found * 4 >= mutated.inputs, "only {} of {} mutated files", mutated.found, mutated.inputs);
        assert!(snippets.found * 4 >= snippets.inputs);
    });
}
