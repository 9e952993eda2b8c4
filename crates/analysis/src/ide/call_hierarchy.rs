//! The call hierarchy of the aspect graph: an aspect or a host as the item; its incoming calls
//! the aspects and hosts that import or include it, its outgoing calls what it imports or
//! includes, each with the places that say so.

use rustc_hash::FxHashMap;

use super::symbol_at::{Symbol, symbol_at};
use super::{FilePosition, NavigationTarget};
use crate::base::text::TextRange;
use crate::base::{AspectKey, FileId, HostKey, Site};
use crate::graph::resolve::Owner;
use crate::graph::store::Graph;
use crate::graph::view::Importer;

/// A node of the aspect graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GraphNode {
    Aspect(AspectKey),
    Host(HostKey),
}

/// One node, placed at one of its definitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallItem {
    pub node: GraphNode,
    /// The aspect's or host's name.
    pub name: String,
    /// Where it lives: `flake.modules.nixos`, `host · configurations · nixos`.
    pub detail: String,
    /// The definition the item stands at: the whole binding, and the name in it.
    pub target: NavigationTarget,
}

/// An edge of the graph seen from one end: the node at the other end, and where the importer
/// names the imported (`from`, sorted). For incoming calls every site lies in `item`'s file;
/// for outgoing ones in the files that define the node asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub item: CallItem,
    pub from: Vec<Site>,
}

/// The item under the cursor: an aspect (where it is defined or referenced) or a host.
pub(crate) fn prepare(ws: &Graph, pos: FilePosition) -> Option<CallItem> {
    match symbol_at(ws, pos)? {
        Symbol::Aspect { key, range, definition } => {
            let here = Site { file: pos.file, range };
            let at = if definition { Some(here) } else { None };
            Some(aspect_item(ws, &key, at).unwrap_or_else(|| item(GraphNode::Aspect(key), here, here.range)))
        }
        Symbol::Host { key, range } => {
            let here = Site { file: pos.file, range };
            Some(host_item(ws, &key, Some(here)).unwrap_or_else(|| item(GraphNode::Host(key), here, range)))
        }
        _ => None,
    }
}

/// The aspects and hosts that import or include `node`: one call per importer and file that
/// says so, placed at the importer's definition in that file.
pub(crate) fn incoming(ws: &Graph, node: &GraphNode) -> Vec<Call> {
    // Hosts are where the graph starts: nothing imports one.
    let GraphNode::Aspect(key) = node else { return Vec::new() };
    let mut importers: Vec<Owner> = Vec::new();
    ws.view().each_importer(key, |importer| {
        importers.push(match importer {
            Importer::Aspect(k) => Owner::Aspect(k.clone()),
            Importer::Host(h) => Owner::Host(h.clone()),
        })
    });
    let mut seen = rustc_hash::FxHashSet::default();
    importers.retain(|owner| seen.insert(owner.clone()));
    // Each file is read once, whatever number of importers it defines: a `base` included by
    // thousands of aspects of one file costs that file once, not once per importer.
    let mut files: Vec<FileId> = importers.iter().flat_map(|owner| ws.owner_files(owner)).collect();
    files.sort();
    files.dedup();
    let mut calls = Vec::new();
    for file in files {
        let data = ws.data(file);
        let binding = |node, name: TextRange| data.summary.node(node).binding.cover(name);
        let mut aspects: FxHashMap<&AspectKey, NavigationTarget> = FxHashMap::default();
        for d in &data.resolved.definitions {
            let target =
                NavigationTarget { file, full_range: binding(d.node, d.name.range), focus_range: d.name.range };
            aspects.entry(&d.key).or_insert(target);
        }
        let mut hosts: FxHashMap<&HostKey, NavigationTarget> = FxHashMap::default();
        for h in &data.resolved.hosts {
            let target =
                NavigationTarget { file, full_range: binding(h.node, h.name.range), focus_range: h.name.range };
            hosts.entry(&h.key).or_insert(target);
        }
        for (owner, from) in ws.importers_in(file, key) {
            // An importer always stands in the file of its import; never invent a place for it.
            let item = match &owner {
                Owner::Aspect(k) => aspects.get(k).map(|t| CallItem {
                    node: GraphNode::Aspect(k.clone()),
                    name: k.name.to_string(),
                    detail: aspect_detail(k),
                    target: *t,
                }),
                Owner::Host(h) => hosts.get(h).map(|t| CallItem {
                    node: GraphNode::Host(h.clone()),
                    name: h.name.to_string(),
                    detail: host_detail(h),
                    target: *t,
                }),
            };
            if let Some(item) = item {
                calls.push(Call { item, from });
            }
        }
    }
    finish(ws, calls)
}

/// What `node` imports or includes, one call per imported aspect, with every place it does so.
pub(crate) fn outgoing(ws: &Graph, node: &GraphNode) -> Vec<Call> {
    let owner = match node {
        GraphNode::Aspect(key) => Owner::Aspect(key.clone()),
        GraphNode::Host(key) => Owner::Host(key.clone()),
    };
    let mut by_target: FxHashMap<AspectKey, Vec<Site>> = FxHashMap::default();
    for (target, site) in ws.imports_by(&owner) {
        by_target.entry(target).or_default().push(site);
    }
    let calls = by_target
        .into_iter()
        .map(|(target, from)| {
            // An aspect named but defined nowhere stands where it is named.
            let item = aspect_item(ws, &target, None)
                .unwrap_or_else(|| item(GraphNode::Aspect(target.clone()), from[0], from[0].range));
            Call { item, from }
        })
        .collect();
    finish(ws, calls)
}

/// Sorted by name, then place; each call's sites in path order, once.
fn finish(ws: &Graph, mut calls: Vec<Call>) -> Vec<Call> {
    let place = |s: &Site| (ws.path(s.file).to_owned(), s.range.start());
    for call in &mut calls {
        call.from.sort_by_key(place);
        call.from.dedup();
    }
    calls.sort_by_key(|c| {
        (
            c.item.name.clone(),
            c.item.detail.clone(),
            place(&Site { file: c.item.target.file, range: c.item.target.focus_range }),
        )
    });
    calls
}

/// The aspect at the definition whose name is at `at`, else at its first definition (the
/// aspect it mirrors included); `None` for an aspect defined nowhere.
fn aspect_item(ws: &Graph, key: &AspectKey, at: Option<Site>) -> Option<CallItem> {
    let targets = super::goto_definition::aspect_targets(ws, key);
    let chosen = pick(&targets, at)?;
    Some(CallItem {
        node: GraphNode::Aspect(key.clone()),
        name: key.name.to_string(),
        detail: aspect_detail(key),
        target: chosen,
    })
}

fn host_item(ws: &Graph, key: &HostKey, at: Option<Site>) -> Option<CallItem> {
    let targets = super::goto_definition::host_targets(ws, key);
    let chosen = pick(&targets, at)?;
    Some(CallItem {
        node: GraphNode::Host(key.clone()),
        name: key.name.to_string(),
        detail: host_detail(key),
        target: chosen,
    })
}

/// The target whose name is at `at` (or, failing that, the first in `at`'s file), else the first.
fn pick(targets: &[NavigationTarget], at: Option<Site>) -> Option<NavigationTarget> {
    let same = |t: &&NavigationTarget| at.is_some_and(|s| s.file == t.file && s.range == t.focus_range);
    let same_file = |t: &&NavigationTarget| at.is_some_and(|s| s.file == t.file);
    let mut chosen =
        *targets.iter().find(same).or_else(|| targets.iter().find(same_file)).or_else(|| targets.first())?;
    // The protocol wants the name inside the item's range; an aspect-first aspect's binding may
    // start below it.
    chosen.full_range = chosen.full_range.cover(chosen.focus_range);
    Some(chosen)
}

/// The aspect's scope as written: `flake.modules.nixos`, `flake.nixosModules`, `den.aspects`.
fn aspect_detail(key: &AspectKey) -> String {
    match key.class.as_ref().filter(|_| key.class_in_path) {
        Some(class) => format!("{}.{class}", key.collection),
        None => key.collection.to_string(),
    }
}

fn host_detail(key: &HostKey) -> String {
    match &key.class {
        Some(class) => format!("host · {} · {class}", key.kind),
        None => format!("host · {}", key.kind),
    }
}

/// An item with no definition to stand at: where it is named.
fn item(node: GraphNode, site: Site, focus: TextRange) -> CallItem {
    let (name, detail) = match &node {
        GraphNode::Aspect(key) => (key.name.to_string(), aspect_detail(key)),
        GraphNode::Host(key) => (key.name.to_string(), host_detail(key)),
    };
    CallItem {
        node,
        name,
        detail,
        target: NavigationTarget { file: site.file, full_range: site.range, focus_range: focus },
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::ide::{FLAKE, fixture};

    /// `base` includes `ssh` twice over two files; the host `gouda` imports `base` and `ssh`;
    /// `ssh` is also a home-manager aspect, another node of the graph.
    const WORKSPACE: &str = r#"#- /modules/ssh.nix
{ flake.modules.nixos.ssh = { }; flake.modules.homeManager.ssh = { }; }
#- /modules/base.nix
{ config, ... }: {
  flake.modules.nixos.base.imports = [ config.flake.modules.nixos.ssh config.flake.modules.nixos.missing ];
}
#- /modules/more-base.nix
{ config, ... }: { flake.modules.nixos.base.imports = with config.flake.modules.nixos; [ ssh ]; }
#- /modules/hosts.nix
{ config, ... }: {
  configurations.nixos.gouda.module.imports = [ config.flake.modules.nixos.base config.flake.modules.nixos.ssh ];
}
"#;

    fn render(ws: &Graph, item: &CallItem) -> String {
        let t = item.target;
        format!("{} ({}) at {}:{:?}", item.name, item.detail, ws.path(t.file), &ws.text(t.file)[t.focus_range])
    }

    fn check(marked: &str, expect: Expect) {
        let (ws, pos) = fixture(&format!("{FLAKE}{marked}"));
        let Some(item) = prepare(&ws, pos) else { return expect.assert_eq("none") };
        let mut out = vec![render(&ws, &item)];
        for (label, calls) in [("in", incoming(&ws, &item.node)), ("out", outgoing(&ws, &item.node))] {
            for call in calls {
                let from: Vec<String> =
                    call.from.iter().map(|s| format!("{}@{}", ws.path(s.file), u32::from(s.range.start()))).collect();
                out.push(format!("{label} {} from {}", render(&ws, &call.item), from.join(" ")));
            }
        }
        expect.assert_eq(&out.join("\n"));
    }

    #[test]
    fn an_aspect_is_imported_by_aspects_and_hosts_file_by_file() {
        check(
            &WORKSPACE.replace("nixos.ssh = { }", "nixos.s$0sh = { }"),
            expect![[r#"
                ssh (flake.modules.nixos) at modules/ssh.nix:"ssh"
                in base (flake.modules.nixos) at modules/base.nix:"base" from modules/base.nix@85
                in base (flake.modules.nixos) at modules/more-base.nix:"base" from modules/more-base.nix@89
                in gouda (host · configurations · nixos) at modules/hosts.nix:"gouda" from modules/hosts.nix@126"#]],
        );
    }

    #[test]
    fn from_a_reference_the_aspect_includes_what_every_file_of_it_imports() {
        check(
            &WORKSPACE.replace("nixos.base config", "nixos.ba$0se config"),
            expect![[r#"
                base (flake.modules.nixos) at modules/base.nix:"base"
                in gouda (host · configurations · nixos) at modules/hosts.nix:"gouda" from modules/hosts.nix@94
                out missing (flake.modules.nixos) at modules/base.nix:"missing" from modules/base.nix@116
                out ssh (flake.modules.nixos) at modules/ssh.nix:"ssh" from modules/base.nix@85 modules/more-base.nix@89"#]],
        );
    }

    #[test]
    fn a_host_imports_and_nothing_imports_it() {
        check(
            &WORKSPACE.replace("nixos.gouda", "nixos.gou$0da"),
            expect![[r#"
                gouda (host · configurations · nixos) at modules/hosts.nix:"gouda"
                out base (flake.modules.nixos) at modules/base.nix:"base" from modules/hosts.nix@94
                out ssh (flake.modules.nixos) at modules/ssh.nix:"ssh" from modules/hosts.nix@126"#]],
        );
    }

    #[test]
    fn the_same_name_in_another_class_is_another_node() {
        check(
            &WORKSPACE.replace("homeManager.ssh", "homeManager.s$0sh"),
            expect![[r#"ssh (flake.modules.homeManager) at modules/ssh.nix:"ssh""#]],
        );
        check(&WORKSPACE.replace("{ config, ... }: {\n  flake", "{ con$0fig, ... }: {\n  flake"), expect!["none"]);
    }

    const DEN: &str = r#"#- /modules/den.nix
{ inputs, ... }: { imports = [ inputs.den.flakeModule ]; }
#- /modules/igloo.nix
{ den, ... }: {
  den.hosts.x86_64-linux.igloo.users.tux = { };
  den.aspects.igloo.includes = [ den.aspects.tools ];
  den.aspects.tools.nixos = { };
}
"#;

    #[test]
    fn den_hosts_get_the_aspect_of_their_name_and_includes_are_calls() {
        check(
            &DEN.replace("aspects.tools.nixos", "aspects.to$0ols.nixos"),
            expect![[r#"
                tools (den.aspects) at modules/igloo.nix:"tools"
                in igloo (den.aspects) at modules/igloo.nix:"igloo" from modules/igloo.nix@109"#]],
        );
        check(
            &DEN.replace("igloo.users", "ig$0loo.users"),
            expect![[r#"
            igloo (den.aspects) at modules/igloo.nix:"igloo"
            in igloo (host · den.hosts) at modules/igloo.nix:"igloo" from modules/igloo.nix@41
            out tools (den.aspects) at modules/igloo.nix:"tools" from modules/igloo.nix@109"#]],
        );
    }
}
