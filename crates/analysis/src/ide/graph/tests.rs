use expect_test::{Expect, expect};

use crate::checks::test_support::analysis;
use crate::{AspectGraph, GraphQuery};

/// One line a node (`layer.row id [classes] mark`), then one an edge.
fn render(graph: &AspectGraph) -> String {
    let mut out = Vec::new();
    for n in &graph.nodes {
        out.push(
            format!("{}.{} {} [{}] {}", n.layer, n.row, n.id, n.classes.join(","), n.mark.as_str())
                .trim_end()
                .to_owned(),
        );
    }
    for e in &graph.edges {
        out.push(format!("{} -{}-> {}", graph.nodes[e.from].id, e.kind.as_str(), graph.nodes[e.to].id));
    }
    out.join("\n")
}

const REPO: &str = r#"
#- /modules/base.nix
{ config, ... }: {
  flake.modules.nixos.base.imports = [ config.flake.modules.nixos.ssh config.flake.modules.nixos.gone ];
  flake.modules.nixos.ssh = { };
  flake.modules.nixos.orphan = { };
  flake.modules.homeManager.shell = { };
}
#- /modules/hosts.nix
{ config, ... }: {
  configurations.nixos.gouda.module.imports = [ config.flake.modules.nixos.base ];
  configurations.nixos.brie.module.imports = [ config.flake.modules.nixos.ssh ];
  configurations.nixos.brie.module.home-manager.users.me.imports = [ config.flake.modules.homeManager.shell ];
}
"#;

fn check(query: GraphQuery, expect: Expect) {
    let graph = analysis(REPO).aspect_graph(&query).expect("a graph");
    expect.assert_eq(&render(&graph));
}

#[test]
fn the_whole_graph_with_marks_and_layers() {
    check(
        GraphQuery::default(),
        expect![[r#"
            0.0 host:configurations.nixos.brie [nixos]
            0.1 host:configurations.nixos.gouda [nixos]
            1.0 aspect:flake.modules.homeManager.shell [homeManager]
            1.1 aspect:flake.modules.nixos.base [nixos]
            2.1 aspect:flake.modules.nixos.gone [nixos] undefined
            0.2 aspect:flake.modules.nixos.orphan [nixos] unused
            2.0 aspect:flake.modules.nixos.ssh [nixos]
            host:configurations.nixos.brie -imports-> aspect:flake.modules.homeManager.shell
            host:configurations.nixos.brie -imports-> aspect:flake.modules.nixos.ssh
            host:configurations.nixos.gouda -imports-> aspect:flake.modules.nixos.base
            aspect:flake.modules.nixos.base -includes-> aspect:flake.modules.nixos.gone
            aspect:flake.modules.nixos.base -includes-> aspect:flake.modules.nixos.ssh"#]],
    );
}

#[test]
fn a_host_and_what_it_gets() {
    check(
        GraphQuery { host: Some("gouda".into()), ..GraphQuery::default() },
        expect![[r#"
        0.0 host:configurations.nixos.gouda [nixos]
        1.0 aspect:flake.modules.nixos.base [nixos]
        2.0 aspect:flake.modules.nixos.gone [nixos] undefined
        2.1 aspect:flake.modules.nixos.ssh [nixos]
        host:configurations.nixos.gouda -imports-> aspect:flake.modules.nixos.base
        aspect:flake.modules.nixos.base -includes-> aspect:flake.modules.nixos.gone
        aspect:flake.modules.nixos.base -includes-> aspect:flake.modules.nixos.ssh"#]],
    );
    check(
        GraphQuery { host: Some("gouda".into()), depth: Some(1), ..GraphQuery::default() },
        expect![[r#"
        0.0 host:configurations.nixos.gouda [nixos]
        1.0 aspect:flake.modules.nixos.base [nixos]
        host:configurations.nixos.gouda -imports-> aspect:flake.modules.nixos.base"#]],
    );
}

#[test]
fn an_aspect_and_its_neighbourhood() {
    check(
        GraphQuery { aspect: Some("ssh".into()), ..GraphQuery::default() },
        expect![[r#"
        0.0 host:configurations.nixos.brie [nixos]
        0.1 host:configurations.nixos.gouda [nixos]
        1.0 aspect:flake.modules.nixos.base [nixos]
        2.0 aspect:flake.modules.nixos.ssh [nixos]
        host:configurations.nixos.brie -imports-> aspect:flake.modules.nixos.ssh
        host:configurations.nixos.gouda -imports-> aspect:flake.modules.nixos.base
        aspect:flake.modules.nixos.base -includes-> aspect:flake.modules.nixos.ssh"#]],
    );
}

#[test]
fn one_class() {
    check(
        GraphQuery { class: Some("homeManager".into()), ..GraphQuery::default() },
        expect!["0.0 aspect:flake.modules.homeManager.shell [homeManager]"],
    );
}

#[test]
fn an_unknown_focus_is_an_error() {
    let analysis = analysis(REPO);
    let err = analysis.aspect_graph(&GraphQuery { host: Some("cheddar".into()), ..GraphQuery::default() });
    assert_eq!(err, Err("no host named `cheddar`".to_owned()));
    let err = analysis.aspect_graph(&GraphQuery { aspect: Some("nope".into()), ..GraphQuery::default() });
    assert_eq!(err, Err("no aspect named `nope`".to_owned()));
}

#[test]
fn cycles_are_laid_out_and_a_long_chain_stays_linear() {
    // 20,000 aspects each importing the next, the last importing the first.
    let n = 20_000;
    let mut text = String::from("{ config, ... }: {\n");
    for i in 0..n {
        text.push_str(&format!(
            "  flake.modules.nixos.a{i}.imports = [ config.flake.modules.nixos.a{} ];\n",
            (i + 1) % n
        ));
    }
    text.push_str("}\n");
    let graph =
        analysis(&format!("#- /modules/chain.nix\n{text}")).aspect_graph(&GraphQuery::default()).expect("a graph");
    assert_eq!(graph.nodes.len(), n);
    assert_eq!(graph.edges.len(), n);
    let mut layers: Vec<u32> = graph.nodes.iter().map(|n| n.layer).collect();
    layers.sort_unstable();
    layers.dedup();
    assert_eq!(layers.len(), n, "one cut edge leaves a chain of {n} layers");
}

#[test]
fn above_the_threshold_folders_stand_for_their_aspects() {
    let graph =
        analysis(REPO).aspect_graph(&GraphQuery { group_above: Some(3), ..GraphQuery::default() }).expect("a graph");
    assert_eq!(graph.grouped, Some(7));
    let shown: Vec<(String, usize)> = graph.nodes.iter().map(|n| (n.id.clone(), n.members)).collect();
    assert_eq!(
        shown,
        [("group:hosts".to_owned(), 2), ("group:modules/".to_owned(), 4), ("group:(undefined)".to_owned(), 1)]
    );
    let edges: Vec<(usize, usize)> = graph.edges.iter().map(|e| (e.from, e.to)).collect();
    assert_eq!(edges, [(0, 1), (1, 2)]);
}
