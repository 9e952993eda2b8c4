//! Code lenses above aspect definitions: where each lens goes is cheap (the file's own
//! definitions); what it says (`2 files · homeManager, nixos · 1 host`) is resolved when the
//! editor shows it, one aspect at a time.

use rustc_hash::FxHashSet;
use smol_str::SmolStr;

use crate::base::text::TextRange;
use crate::base::{AspectKey, FileId, HostKey, Site};
use crate::graph::store::Graph;

/// Where a lens goes: an aspect the file defines, at the name of its first definition there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AspectLens {
    pub key: AspectKey,
    pub range: TextRange,
}

/// What a lens says, and the references its command shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LensSummary {
    /// `2 files · homeManager, nixos · 1 host`.
    pub title: String,
    /// Every static reference to the aspect, in every class of its family, in path order.
    pub references: Vec<Site>,
}

/// One lens per aspect `file` defines, in source order.
pub(crate) fn code_lenses(ws: &Graph, file: FileId) -> Vec<AspectLens> {
    if !ws.contains(file) {
        return Vec::new();
    }
    let mut seen: FxHashSet<&AspectKey> = FxHashSet::default();
    let mut out: Vec<AspectLens> = ws
        .data(file)
        .resolved
        .definitions
        .iter()
        // Only what the graph knows: the fuzz bodies resolve every lens listed.
        .filter(|d| ws.is_defined(&d.key) && seen.insert(&d.key))
        .map(|d| AspectLens { key: d.key.clone(), range: d.name.range })
        .collect();
    out.sort_by_key(|l| l.range.start());
    out
}

/// The counts of an aspect's family: the files defining it, its classes, the hosts it reaches.
/// `None` for an aspect defined nowhere (any longer).
pub(crate) fn resolve(ws: &Graph, key: &AspectKey) -> Option<LensSummary> {
    let family = ws.family(key);
    if !family.iter().any(|member| ws.is_defined(member)) {
        return None;
    }
    let classes = ws.class_files_of_name(key);
    let mut files: FxHashSet<FileId> = classes.iter().flat_map(|(_, files)| files.iter().copied()).collect();
    // An aspect-first aspect with no class yet still has its files.
    files.extend(family.iter().flat_map(|member| ws.definitions(member)).map(|site| site.file));
    let mut class_names: Vec<&SmolStr> = classes.iter().map(|(class, _)| class).collect();
    class_names.sort();
    let hosts: FxHashSet<HostKey> = family.iter().flat_map(|member| ws.hosts_of(member)).collect();
    let mut parts = vec![plural(files.len(), "file")];
    if !class_names.is_empty() {
        parts.push(class_names.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "));
    }
    parts.push(plural(hosts.len(), "host"));
    let mut references: Vec<Site> = family.iter().flat_map(|member| ws.references(member)).collect();
    references.sort_by(|a, b| (ws.path(a.file), a.range.start()).cmp(&(ws.path(b.file), b.range.start())));
    references.dedup();
    Some(LensSummary { title: parts.join(" · "), references })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;
    use crate::ide::{FLAKE, fixture};

    const WORKSPACE: &str = r#"#- /modules/ssh.nix
{ flake.modules.nixos.ssh = { }; flake.modules.homeManager.ssh = { }; flake.modules.nixos.ssh.x = 1; }
#- /modules/more-ssh.nix
{ flake.modules.nixos.ssh.programs.mosh.enable = true; }
#- /modules/base.nix
{ config, ... }: { flake.modules.nixos.base.imports = [ config.flake.modules.nixos.ssh ]; }
#- /modules/hosts.nix
{ config, ... }: {
  configurations.nixos.gouda.module.imports = [ config.flake.modules.nixos.base ];
  configurations.nixos.brie.module.imports = [ config.flake.modules.nixos.ssh ];
}
"#;

    #[test]
    fn one_lens_per_aspect_of_the_file_with_the_family_counts() {
        let (ws, pos) =
            fixture(&format!("{FLAKE}{}", WORKSPACE.replace("#- /modules/ssh.nix\n", "#- /modules/ssh.nix\n$0")));
        let mut out = Vec::new();
        for lens in code_lenses(&ws, pos.file) {
            let summary = resolve(&ws, &lens.key).expect("defined");
            let refs: Vec<String> = summary.references.iter().map(|s| ws.path(s.file).to_owned()).collect();
            out.push(format!(
                "{} @{}: {} (references in {})",
                lens.key,
                u32::from(lens.range.start()),
                summary.title,
                refs.join(", ")
            ));
        }
        // `ssh` twice in `nixos` in this file, one lens; reached by `brie` directly and by
        // `gouda` through `base`.
        expect![[r#"
            flake.modules.nixos.ssh @22: 2 files · homeManager, nixos · 2 hosts (references in modules/base.nix, modules/hosts.nix)
            flake.modules.homeManager.ssh @59: 2 files · homeManager, nixos · 2 hosts (references in modules/base.nix, modules/hosts.nix)"#]].assert_eq(&out.join("\n"));
    }

    #[test]
    fn an_aspect_defined_nowhere_has_nothing_to_say() {
        let (ws, pos) =
            fixture(&format!("{FLAKE}{}", WORKSPACE.replace("#- /modules/base.nix\n", "#- /modules/base.nix\n$0")));
        let lenses = code_lenses(&ws, pos.file);
        assert_eq!(lenses.len(), 1);
        let gone = AspectKey { name: "gone".into(), ..lenses[0].key.clone() };
        assert_eq!(resolve(&ws, &gone), None);
        expect!["1 file · nixos · 1 host"]
            .assert_eq(&resolve(&ws, &lenses[0].key).map(|s| s.title).unwrap_or_default());
    }

    #[test]
    fn a_file_outside_the_graph_has_no_lens() {
        let text = format!("{FLAKE}{WORKSPACE}#- /templates/t.nix\n$0{{ flake.modules.nixos.ssh = {{ }}; }}\n");
        let (ws, pos) = fixture(&text);
        assert_eq!(code_lenses(&ws, pos.file), Vec::new());
        let inside = ws.file_id("modules/ssh.nix").expect("the file");
        assert_eq!(code_lenses(&ws, inside).len(), 2);
    }
}
