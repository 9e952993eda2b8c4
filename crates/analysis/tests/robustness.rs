//! No input crashes or stalls the analysis: arbitrary text, and valid dendritic modules taken
//! apart at random, go through the per-file summary, the workspace graph and every editor query,
//! and every range that comes back lies inside its file on character boundaries.
//!
//! The bodies are the fuzz targets' (`fuzz/src/lib.rs`); `PROPTEST_CASES=N` runs N cases of each
//! property instead of the bounded default.

mod support;

use std::sync::LazyLock;

use proptest::prelude::*;

use support::{Repository, bodies, on_analysis_stack, repositories};

static REPOSITORIES: LazyLock<Vec<Repository>> = LazyLock::new(repositories);

/// Every fixture file, from every repository.
static FILES: LazyLock<Vec<String>> =
    LazyLock::new(|| REPOSITORIES.iter().flat_map(|r| r.files.iter().map(|(_, t)| t.clone())).collect());

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// Pieces of Nix, and of what editors hold while Nix is being typed.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ";",
    ".",
    ",",
    "=",
    ":",
    "@",
    "?",
    "!",
    "-",
    "+",
    "++",
    "//",
    "->",
    "||",
    "${",
    "''",
    "\"",
    "'",
    "\\",
    "#",
    "/*",
    "*/",
    "with",
    "let",
    "in",
    "inherit",
    "rec",
    "if",
    "then",
    "else",
    "or",
    "assert",
    "...",
    "./.",
    "./x.nix",
    "<nixpkgs>",
    "https://x",
    "1",
    "0.",
    "1e3",
    "x",
    "config",
    "flake",
    "modules",
    "nixos",
    "homeManager",
    "imports",
    "includes",
    "den",
    "aspects",
    "import-tree",
    "mkFlake",
    "lib.mkIf",
    "__curPos",
    " ",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\0",
    "é",
    "🌲",
    "\u{200b}",
    "\u{feff}",
    "\u{fffd}",
];

/// Text no editor should send, and some that editors do: any Unicode, lossily decoded bytes,
/// control characters, and soups of Nix tokens.
fn nasty_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(any::<u8>(), 0..400).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        prop::collection::vec(prop::sample::select(TOKENS), 0..120).prop_map(|t| t.concat()),
        prop::collection::vec(prop::char::range('\0', '\u{7f}'), 0..300).prop_map(String::from_iter),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(u32, u32),
    Duplicate(u32, u32),
    Swap(u32, u32, u32, u32),
    Insert(u32, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<u32>(), 0..64u32).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<u32>(), 0..64u32).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        (any::<u32>(), 0..32u32, any::<u32>(), 0..32u32).prop_map(|(a, n, b, m)| Mutation::Swap(a, n, b, m)),
        (any::<u32>(), prop::sample::select(TOKENS)).prop_map(|(a, t)| Mutation::Insert(a, t)),
    ]
}

/// `at` folded into `text`, moved back to a character boundary.
fn boundary(text: &str, at: u32) -> usize {
    let mut i = at as usize % (text.len() + 1);
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn span(text: &str, at: u32, len: u32) -> (usize, usize) {
    let start = boundary(text, at);
    let end = boundary(text, (start + len as usize).min(text.len()) as u32);
    (start, end.max(start))
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_string();
    for m in mutations {
        match *m {
            Mutation::Delete(at, len) => {
                let (s, e) = span(&text, at, len);
                text.replace_range(s..e, "");
            }
            Mutation::Duplicate(at, len) => {
                let (s, e) = span(&text, at, len);
                let copy = text[s..e].to_string();
                text.insert_str(e, &copy);
            }
            Mutation::Swap(a, n, b, m) => {
                let (mut first, mut second) = (span(&text, a, n), span(&text, b, m));
                if first.0 > second.0 {
                    std::mem::swap(&mut first, &mut second);
                }
                if first.1 <= second.0 {
                    let swapped = format!(
                        "{}{}{}{}{}",
                        &text[..first.0],
                        &text[second.0..second.1],
                        &text[first.1..second.0],
                        &text[first.0..first.1],
                        &text[second.1..]
                    );
                    text = swapped;
                }
            }
            Mutation::Insert(at, token) => {
                let at = boundary(&text, at);
                text.insert_str(at, token);
            }
        }
    }
    text
}

/// A fixture repository with some of its files mutated, and perhaps one file of nasty text.
fn mutated_repository() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        0..REPOSITORIES.len(),
        prop::collection::vec((any::<prop::sample::Index>(), prop::collection::vec(mutation(), 1..8)), 1..4),
        prop::option::of(nasty_text()),
    )
        .prop_map(|(repo, mutations, extra)| {
            let mut files = REPOSITORIES[repo].files.clone();
            for (index, mutations) in mutations {
                let i = index.index(files.len());
                files[i].1 = mutate(&files[i].1, &mutations);
            }
            if let Some(text) = extra {
                files.push(("modules/typed.nix".to_string(), text));
            }
            files
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(2048), failure_persistence: None, ..ProptestConfig::default() })]

    /// Any text, summarised as one module.
    #[test]
    fn any_text_summarises(text in nasty_text()) {
        on_analysis_stack(|| bodies::summarize_one(&text));
    }

    /// A fixture module taken apart, summarised.
    #[test]
    fn mutated_modules_summarise(
        file in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..12),
    ) {
        let text = mutate(&FILES[file.index(FILES.len())], &mutations);
        on_analysis_stack(|| bodies::summarize_one(&text));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(128), failure_persistence: None, ..ProptestConfig::default() })]

    /// Workspaces of nasty text: every query at random offsets, and an incremental change.
    #[test]
    fn nasty_workspaces_answer_every_query(
        texts in prop::collection::vec(nasty_text(), 1..4),
        offsets in prop::collection::vec(any::<u32>(), 0..6),
    ) {
        let mut files = vec![("flake.nix".to_string(), bodies::FLAKE.to_string())];
        files.extend(texts.into_iter().enumerate().map(|(i, t)| (format!("modules/f{i}.nix"), t)));
        on_analysis_stack(|| bodies::workspace_queries(files, &offsets));
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), failure_persistence: None, ..ProptestConfig::default() })]

    /// Fixture repositories with mutated modules: the graph, diagnostics and every query.
    #[test]
    fn mutated_repositories_answer_every_query(
        files in mutated_repository(),
        offsets in prop::collection::vec(any::<u32>(), 0..4),
    ) {
        on_analysis_stack(|| bodies::workspace_queries(files, &offsets));
    }

    /// The fuzz target's decoding of raw bytes, on random bytes.
    #[test]
    fn fuzz_workspace_input_decodes_anything(data in prop::collection::vec(any::<u8>(), 0..600)) {
        let (files, offsets) = bodies::workspace_input(&data);
        let mut all = vec![("flake.nix".to_string(), bodies::FLAKE.to_string())];
        all.extend(files);
        on_analysis_stack(|| bodies::workspace_queries(all, &offsets));
    }
}

/// The unmutated fixtures pass the same checks at every offset of every file: the invariants hold
/// where the answers are richest, not only on broken text.
#[test]
fn fixtures_answer_every_query_at_every_offset() {
    for repo in REPOSITORIES.iter() {
        let files = repo.files.clone();
        on_analysis_stack(|| {
            let mut ws = canopy_analysis::Analysis::new();
            let set = files.iter().map(|(p, t)| (p.clone(), std::sync::Arc::from(t.as_str()))).collect();
            ws.apply(canopy_analysis::Change { set, remove: Vec::new() });
            let longest = files.iter().map(|(_, t)| t.len() as u32).max().unwrap_or(0);
            // Every offset of the longest file covers every offset of the others (folded).
            let offsets: Vec<u32> = (0..longest).step_by(7).collect();
            bodies::check_workspace(&ws, &offsets);
            assert!(
                !ws.aspects().is_empty() || support::WITHOUT_ASPECTS.contains(&repo.name.as_str()),
                "{}: no aspects found",
                repo.name
            );
        });
    }
}
