//! Summaries drop the config nodes too deep for any collection row to read
//! (`FileSummary::prune`). These tests check that what the workspace reads from a summary, its
//! resolution against the collection table, is the same with and without the dropped nodes: on
//! every fixture file, and on generated modules whose bodies nest references, imports, nested
//! classes, opaque values and deep collections at every depth.

use std::sync::Arc;

use proptest::prelude::*;

use super::support::{on_analysis_stack, repositories};
use crate::base::Change;
use crate::dendritic::collections::CollectionSet;
use crate::graph::resolve::{self, Resolved};
use crate::graph::store::Graph;
use crate::summary::extract;
use crate::summary::{FileSummary, NodeId};

/// A resolution with node ids replaced by node paths, which pruning keeps.
fn readable(summary: &FileSummary, resolved: &Resolved) -> String {
    let path = |node: NodeId| summary.node_path(node).iter().map(|n| n.text.to_string()).collect::<Vec<_>>().join(".");
    let mut rest = resolved.clone();
    let definitions: Vec<String> =
        rest.definitions.drain(..).map(|d| format!("{:?} {:?} at {}", d.key, d.name, path(d.node))).collect();
    let hosts: Vec<String> =
        rest.hosts.drain(..).map(|h| format!("{:?} {:?} at {}", h.key, h.name, path(h.node))).collect();
    format!("{definitions:#?}\n{hosts:#?}\n{rest:#?}")
}

/// Resolves `text` at `path` kept whole and pruned as the workspace would, and compares.
fn same_either_way(path: &str, text: &str, collections: &CollectionSet) -> Result<(), String> {
    let whole = extract::summarize(path, text);
    let mut pruned = whole.clone();
    pruned.prune(|root| collections.depth_read(root));
    // Passed down, so that references through a lower-level module's `inputs` resolve too.
    let passed = resolve::PassedDown::new(vec!["inputs".into(), "self".into()]);
    let (a, b) = (resolve::resolve(&whole, collections, &passed), resolve::resolve(&pruned, collections, &passed));
    let (a, b) = (readable(&whole, &a), readable(&pruned, &b));
    if a != b {
        return Err(format!("{path}: pruning changed the resolution\n--- whole\n{a}\n--- pruned\n{b}"));
    }
    Ok(())
}

fn workspace_of(files: &[(String, String)]) -> Graph {
    let set = files.iter().map(|(p, t)| (p.clone(), Arc::from(t.as_str()))).collect();
    Graph::of(Change { set, remove: Vec::new() })
}

#[test]
fn pruning_changes_no_fixture_resolution() {
    on_analysis_stack(|| {
        let mut pruned_some = false;
        for repo in repositories() {
            let ws = workspace_of(&repo.files);
            for (path, text) in &repo.files {
                if let Err(e) = same_either_way(path, text, ws.collections()) {
                    panic!("{}: {e}", repo.name);
                }
                let mut summary = extract::summarize(path, text);
                summary.prune(|root| ws.collections().depth_read(root));
                pruned_some |= !summary.cut.is_empty();
            }
        }
        assert!(pruned_some, "no fixture file is deep enough to be pruned: the test shows nothing");
    });
}

const DECLARATIONS: &str = "{ lib, ... }: {
  options.a.b.c.d.e.f = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
  options.my.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
}
";

/// A value inside a module body: nested sets, and the things that hang from nodes.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("true".to_string()),
        Just("pkgs.callPackage ./x.nix { }".to_string()),
        Just("config.flake.modules.nixos.ssh".to_string()),
        Just("{ imports = [ config.flake.modules.nixos.base ]; }".to_string()),
        Just("with config.flake.modules.homeManager; [ ssh base ]".to_string()),
        Just("{ imports = [ config.a.b.c.d.e.f.gouda ]; }".to_string()),
        Just("{ home-manager.users.alice.imports = [ config.flake.modules.homeManager.ssh ]; }".to_string()),
        Just("lib.mapAttrs (n: v: v) config.x".to_string()),
        Just("{ config, ... }: { y = config.flake.modules.nixos.base; }".to_string()),
    ];
    leaf.prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            prop::collection::vec(
                (
                    prop::sample::select(
                        &["services", "x", "imports", "home-manager", "users", "ssh", "a", "b", "${n}"][..]
                    ),
                    inner.clone()
                ),
                1..4
            )
            .prop_map(|entries| format!(
                "{{ {} }}",
                entries.iter().map(|(k, v)| format!("{k} = {v};")).collect::<Vec<_>>().join(" ")
            )),
            inner.clone().prop_map(|v| format!("lib.mkIf true {v}")),
            inner.prop_map(|v| format!("lib.mkMerge [ {v} ]")),
        ]
    })
}

/// Where a body goes: every collection style, hosts, plain options.
fn place() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        &[
            "flake.modules.nixos.ssh",
            "flake.modules.homeManager.base.programs",
            "den.aspects.desk.nixos",
            "den.hosts.x86_64-linux.gouda.users.alice",
            "configurations.nixos.gouda.module",
            "a.b.c.d.e.f.gouda",
            "a.b.c.d.e.f",
            "my.modules.brie",
            "flake",
            "services.deep.er",
        ][..],
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn pruning_changes_no_generated_resolution(bodies in prop::collection::vec((place(), value()), 1..4)) {
        let text = format!(
            "{{ config, lib, pkgs, ... }}: {{\n{}\n}}\n",
            bodies.iter().map(|(p, v)| format!("  {p} = {v};")).collect::<Vec<_>>().join("\n")
        );
        let files = vec![
            ("modules/options.nix".to_string(), DECLARATIONS.to_string()),
            ("modules/body.nix".to_string(), text.clone()),
        ];
        let outcome = on_analysis_stack(|| {
            let ws = workspace_of(&files);
            same_either_way("modules/body.nix", &text, ws.collections())?;
            same_either_way("modules/body.nix", &text, &CollectionSet::default())
        });
        prop_assert!(outcome.is_ok(), "{}\n{}", text, outcome.err().unwrap_or_default());
    }
}
