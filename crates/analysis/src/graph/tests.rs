//! Whole-workspace behaviour: several files in, diagnostics and the roster out.
//!
//! A fixture is one string holding several files, each under a `#- /path` header line.

use std::sync::Arc;

use expect_test::{Expect, expect};

use crate::{Analysis, Change, FileRole, NotDendritic, Site};

pub(crate) fn parse_fixture(fixture: &str) -> Vec<(String, Arc<str>)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in fixture.split_inclusive('\n') {
        if let Some(path) = line.strip_prefix("#- /") {
            files.push((path.trim().to_string(), String::new()));
        } else if let Some((_, text)) = files.last_mut() {
            text.push_str(line);
        }
    }
    files.into_iter().map(|(p, t)| (p, Arc::from(t))).collect()
}

pub(crate) fn workspace(fixture: &str) -> Analysis {
    let mut ws = Analysis::new();
    ws.apply(Change { set: parse_fixture(fixture), remove: Vec::new() });
    ws
}

/// Every diagnostic as `path:line:col code: message` (1-based).
pub(crate) fn render_diagnostics(ws: &Analysis) -> String {
    let mut out = Vec::new();
    for file in ws.files() {
        let text = ws.text(file);
        for d in ws.diagnostics(file) {
            let pos = ws.line_index(file).line_col(text, d.range.start(), crate::base::text::Encoding::Utf8);
            out.push(format!(
                "{}:{}:{} {}[{}] {:?}: {}",
                ws.path(file),
                pos.line + 1,
                pos.col + 1,
                d.severity.as_str(),
                d.kind.code(),
                &text[d.range],
                d.message
            ));
        }
    }
    out.join("\n")
}

pub(crate) fn render_roster(ws: &Analysis) -> String {
    let mut out = Vec::new();
    for a in ws.aspects() {
        let sites = |sites: &[Site]| {
            sites
                .iter()
                .map(|s| format!("{}@{}", ws.path(s.file), u32::from(s.range.start())))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut line = format!(
            "{} classes={:?} defs=[{}] refs=[{}]",
            a.key,
            a.classes,
            sites(&a.definitions),
            sites(&a.references)
        );
        if !a.includes.is_empty() {
            line.push_str(&format!(" includes={:?}", a.includes.iter().map(|k| k.to_string()).collect::<Vec<_>>()));
        }
        if !a.included_by.is_empty() {
            line.push_str(&format!(
                " included_by={:?}",
                a.included_by.iter().map(|k| k.to_string()).collect::<Vec<_>>()
            ));
        }
        if !a.hosts.is_empty() {
            line.push_str(&format!(" hosts={:?}", a.hosts.iter().map(|h| h.name.as_str()).collect::<Vec<_>>()));
        }
        out.push(line);
    }
    for h in ws.hosts() {
        out.push(format!(
            "host {} {} {:?} aspects={:?}",
            h.key.kind,
            h.key.name,
            h.key.class,
            h.aspects.iter().map(|k| k.to_string()).collect::<Vec<_>>()
        ));
    }
    out.join("\n")
}

fn check_diagnostics(fixture: &str, expect: Expect) {
    expect.assert_eq(&render_diagnostics(&workspace(fixture)));
}

fn check_roster(fixture: &str, expect: Expect) {
    expect.assert_eq(&render_roster(&workspace(fixture)));
}

const FLAKE: &str = r#"#- /flake.nix
{
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules);
}
"#;

#[test]
fn roster_across_files() {
    check_roster(
        &format!(
            "{FLAKE}{}",
            r#"#- /modules/ssh.nix
{ flake.modules.nixos.ssh = { }; }
#- /modules/ssh-hm.nix
{ flake.modules.homeManager.ssh = { }; }
#- /modules/base.nix
{ config, ... }: {
  flake.modules.nixos.base.imports = with config.flake.modules.nixos; [ ssh ];
}
#- /modules/hosts/gouda.nix
{ config, ... }: {
  configurations.nixos.gouda.module = {
    imports = [ config.flake.modules.nixos.base ];
  };
}
"#
        ),
        expect![[r#"
            flake.modules.homeManager.ssh classes=["homeManager"] defs=[modules/ssh-hm.nix@28] refs=[]
            flake.modules.nixos.base classes=["nixos"] defs=[modules/base.nix@41] refs=[modules/hosts/gouda.nix@102] includes=["flake.modules.nixos.ssh"] hosts=["gouda"]
            flake.modules.nixos.ssh classes=["nixos"] defs=[modules/ssh.nix@22] refs=[modules/base.nix@91] included_by=["flake.modules.nixos.base"] hosts=["gouda"]
            host configurations gouda Some("nixos") aspects=["flake.modules.nixos.base"]"#]],
    );
}

/// Summaries keep config nodes only as deep as the built-in rows read; a collection declared
/// deeper makes the workspace summarise its files again, whichever file comes first.
#[test]
fn a_collection_declared_deeper_than_the_builtin_rows_is_read_whole() {
    let declaration = (
        "modules/options.nix",
        "{ lib, ... }: { options.a.b.c.d.e.f = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; }; }\n",
    );
    let definition = ("modules/deep.nix", "{ a.b.c.d.e.f.gouda = { services.x.enable = true; }; }\n");
    let user = ("modules/user.nix", "{ config, ... }: { a.b.c.d.e.f.brie.imports = [ config.a.b.c.d.e.f.gouda ]; }\n");
    let set = |files: &[(&str, &str)]| Change {
        set: files.iter().map(|(p, t)| (p.to_string(), Arc::from(*t))).collect(),
        remove: Vec::new(),
    };
    let flake = parse_fixture(FLAKE);
    let expected = expect![[r#"
        a.b.c.d.e.f.brie classes=[] defs=[modules/user.nix@31] refs=[] includes=["a.b.c.d.e.f.gouda"]
        a.b.c.d.e.f.gouda classes=[] defs=[modules/deep.nix@14] refs=[modules/user.nix@67] included_by=["a.b.c.d.e.f.brie"]"#]];
    for order in [[declaration, definition, user], [definition, user, declaration], [user, declaration, definition]] {
        let mut at_once = Analysis::new();
        at_once.apply(Change { set: flake.clone(), remove: Vec::new() });
        at_once.apply(set(&order));
        let mut one_by_one = Analysis::new();
        one_by_one.apply(Change { set: flake.clone(), remove: Vec::new() });
        for file in order {
            one_by_one.apply(set(&[file]));
        }
        for ws in [at_once, one_by_one] {
            let diagnostics = render_diagnostics(&ws);
            assert!(
                diagnostics.starts_with("modules/user.nix:1:32 hint[unused-aspect] \"brie\""),
                "{order:?}: {diagnostics}"
            );
            assert_eq!(diagnostics.lines().count(), 1, "{order:?}: {diagnostics}");
            expected.assert_eq(&render_roster(&ws));
        }
    }
}

/// A flake's top-level modules are what its import-tree calls, its `mkFlake` module and their
/// imports by path name (dendritic.md §5): without an import-tree call, nothing under `modules/`
/// is one by place alone, and a plain flake's `flake.nix` is no flake-parts module at all.
#[test]
fn a_flake_has_no_modules_fallback() {
    let nixos_module =
        "{ pkgs, ... }: { services.openssh.enable = true; environment.systemPackages = [ pkgs.git ]; }\n";
    // A flake-parts flake without import-tree: the module it imports by path is checked, the
    // NixOS module beside it is not a top-level module.
    check_diagnostics(
        &format!(
            "#- /flake.nix\n{}#- /modules/parts.nix\n{}#- /modules/nixos.nix\n{nixos_module}",
            "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./modules/parts.nix ]; }; }\n",
            "{ config, ... }: { flake.nixosConfigurations.box.modules = [ config.flake.modules.nixos.gone ]; }\n",
        ),
        expect![[
            r#"modules/parts.nix:1:89 error[undefined-aspect] "gone": aspect `gone` is not defined in `flake.modules.nixos`"#
        ]],
    );
    // A plain flake: nothing is a top-level module, and `flake.nix`'s outputs are no flake-parts
    // configuration (`self.nixosModules.default` is its own output, not an undefined aspect).
    check_diagnostics(
        &format!(
            "#- /flake.nix\n{}#- /modules/nixos.nix\n{nixos_module}",
            "{ outputs = { self, nixpkgs }: { nixosModules.default = ./modules/nixos.nix; nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ self.nixosModules.default ]; }; }; }\n",
        ),
        expect![[""]],
    );
    // A folder of modules with no flake at all is read as import-tree would read `modules/`, but
    // that is a guess (a nilla or plain `evalModules` project has the folder too): the same NixOS
    // module there is a hint, and no graph check is an error.
    check_diagnostics(
        &format!(
            "#- /modules/nixos.nix\n{nixos_module}#- /modules/pc.nix\n{}",
            "{ config, ... }: { flake.modules.nixos.pc.imports = [ config.flake.modules.nixos.gone ]; }\n"
        ),
        expect![[r#"
            modules/nixos.nix:1:18 hint[not-a-flake-module] "services": this file looks like a plain NixOS module (`services` is a NixOS option, not a flake-parts one), but import-tree loads every file here as a flake-parts module; wrap it as `flake.modules.nixos.nixos = ...`, or move it to a path with a `_` component so import-tree skips it
            modules/pc.nix:1:40 hint[unused-aspect] "pc": aspect `pc` (flake.modules.nixos) is defined, but nothing imports, includes or references it, so it has no effect
            modules/pc.nix:1:82 warning[undefined-aspect] "gone": aspect `gone` is not defined in `flake.modules.nixos`"#]],
    );
}

/// A folder is a flake of its own only when it holds a file named exactly `flake.nix` outside
/// every import-tree root (dendritic.md §8.1): a name that merely ends in `flake.nix` hides nothing,
/// and a `flake.nix` import-tree loads is one of the flake's modules.
#[test]
fn nested_flakes_are_whole_folders_outside_the_roots() {
    let fixture = format!(
        "{FLAKE}{}",
        r#"#- /modules/flake/options-flake.nix
{ flake.modules.nixos.options = { }; }
#- /modules/flake/options-host.nix
{ config, ... }: { configurations.nixos.box.module.imports = with config.flake.modules.nixos; [ options parts ]; }
#- /modules/flake.nix
{ flake.modules.nixos.parts = { }; }
#- /templates/t/flake.nix
{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }
#- /templates/t/modules/x.nix
{ config, ... }: { configurations.nixos.t.module.imports = [ config.flake.modules.nixos.placeholder ]; }
"#
    );
    // Both modules under modules/flake/ are read, and modules/flake.nix defines `parts`; the
    // template is another repository: its undefined `placeholder` is none of this flake's.
    check_diagnostics(&fixture, expect![[""]]);
    check_roster(
        &fixture,
        expect![[r#"
            flake.modules.nixos.options classes=["nixos"] defs=[modules/flake/options-flake.nix@22] refs=[modules/flake/options-host.nix@96] hosts=["box"]
            flake.modules.nixos.parts classes=["nixos"] defs=[modules/flake.nix@22] refs=[modules/flake/options-host.nix@104] hosts=["box"]
            host configurations box Some("nixos") aspects=["flake.modules.nixos.options", "flake.modules.nixos.parts"]"#]],
    );
}

#[test]
fn undefined_aspect_suggests() {
    check_diagnostics(
        &format!(
            "{FLAKE}{}",
            r#"#- /modules/desktop.nix
{ flake.modules.nixos.desktop = { }; flake.modules.homeManager.gui = { }; }
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = with config.flake.modules.nixos; [ deskotp gui ];
  configurations.nixos.pc.module = config.flake.modules.nixos.pc;
}
"#
        ),
        expect![[r#"
            modules/desktop.nix:1:23 hint[unused-aspect] "desktop": aspect `desktop` (flake.modules.nixos) is defined, but nothing imports, includes or references it, so it has no effect
            modules/desktop.nix:1:64 hint[unused-aspect] "gui": aspect `gui` (flake.modules.homeManager) is defined, but nothing imports, includes or references it, so it has no effect
            modules/pc.nix:2:71 error[undefined-aspect] "deskotp": aspect `deskotp` is not defined in `flake.modules.nixos`; did you mean `desktop`?
            modules/pc.nix:2:79 error[undefined-aspect] "gui": aspect `gui` is not defined in `flake.modules.nixos` (`gui` is defined for homeManager)"#]],
    );
}

mod incremental {
    //! Applying any sequence of edits and removals must leave the workspace exactly as building it
    //! from scratch from the final texts would.

    use std::collections::BTreeMap;
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::{render_diagnostics, render_roster};
    use crate::Analysis;
    use crate::base::Change;

    const PATHS: &[&str] = &[
        "flake.nix",
        "modules/a.nix",
        "modules/b.nix",
        "modules/_c.nix",
        "modules/d/e.nix",
        "modules/d/default.nix",
        "modules/g.nix",
        "other/f.nix",
        // A nested flake while the roots leave `other/` out, part of the workspace when they take it in.
        "other/flake.nix",
        "templates/t/flake.nix",
        "templates/t/modules/h.nix",
    ];
    const NAMES: &[&str] = &["ssh", "base", "desktop", "deskotp", "gouda"];
    const CLASSES: &[&str] = &["nixos", "homeManager", "homemanager", "darwin", "user"];

    fn name() -> impl Strategy<Value = &'static str> {
        prop::sample::select(NAMES)
    }

    fn class() -> impl Strategy<Value = &'static str> {
        prop::sample::select(CLASSES)
    }

    /// One binding of a top-level module, from every storage and reference style.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            (class(), name(), class(), prop::collection::vec(name(), 0..3)).prop_map(|(c, n, c2, refs)| format!(
                "flake.modules.{c}.{n} = {{ imports = with config.flake.modules.{c2}; [ {} ]; }};",
                refs.join(" ")
            )),
            (name(), class()).prop_map(|(n, c)| format!("den.aspects.{n}.{c} = {{ }};")),
            (name(), name()).prop_map(|(n, m)| format!("den.aspects.{n}.includes = [ den.aspects.{m} ];")),
            (name(), name()).prop_map(|(n, m)| format!("flake.nixosModules.{n} = config.flake.modules.nixos.{m};")),
            (name(), name()).prop_map(|(h, n)| format!(
                "configurations.nixos.{h}.module.imports = [ config.flake.modules.nixos.{n} ];"
            )),
            Just(
                "options.my.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };"
                    .to_string()
            ),
            name().prop_map(|n| format!("my.modules.{n} = {{ imports = [ config.my.modules.base ]; }};")),
            class().prop_map(|c| format!("flake.modules.{c} = lib.mapAttrs (n: v: v) config.x;")),
            Just("_module.args.pkgs = null;".to_string()),
            Just("services.foo.enable = true;".to_string()),
            Just("imports = [ (inputs.den.namespace \"vix\" true) ];".to_string()),
            name().prop_map(|n| format!("vix.{n}.nixos = {{ }};")),
            class().prop_map(|c| format!("perSystem = {{ }}: {{ x = lib.attrValues config.flake.modules.{c}; }};")),
            name().prop_map(|n| format!(
                "flake.modules.nixos.{n} = {{ config, ... }}: {{ y = config.flake.modules.nixos.base; }};"
            )),
            Just("flake.nixosModules = config.flake.modules.nixos;".to_string()),
            name().prop_map(|n| format!("flake.modules.nixos.x.imports = [ inputs.self.nixosModules.{n} ];")),
            (name(), name()).prop_map(|(n, m)| format!(
                "flake.modules.nixos.{n} = {{ inputs, ... }}: {{ imports = [ inputs.self.modules.nixos.{m} ]; }};"
            )),
            Just(
                "flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem { specialArgs = { inherit inputs; }; };"
                    .to_string()
            ),
            (name(), name()).prop_map(|(h, u)| format!("den.hosts.x86_64-linux.{h}.users.{u} = {{ }};")),
            (name(), class()).prop_map(|(n, c)| format!("flake.aspects.{n}.{c} = {{ }};")),
            Just("imports = [ ./_c.nix ./d ];".to_string()),
            Just("options.services = lib.mkOption { };".to_string()),
            Just("boot.loader.grub.enable = true;".to_string()),
            // Deeper than summaries keep nodes unless the workspace declares it.
            Just(
                "options.a.b.c.d.e.f = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };"
                    .to_string()
            ),
            (name(), name()).prop_map(|(n, m)| format!(
                "a.b.c.d.e.f.{n} = {{ x.y.z = {{ imports = [ config.a.b.c.d.e.f.{m} ]; }}; }};"
            )),
            name().prop_map(|n| format!(
                "flake.modules.nixos.{n}.a.b.c = {{ home-manager.users.u.imports = [ config.flake.modules.homeManager.{n} ]; }};"
            )),
            // Workspace helpers: one file's helper reduced in another's call (`graph/helpers.rs`).
            Just("factory.mk = n: { nixosModules.${n} = { }; };".to_string()),
            name().prop_map(|n| format!("flake = config.factory.mk \"{n}\";")),
            name().prop_map(|n| format!("imports = [ (config.factory.mk \"{n}\") ];")),
            name().prop_map(|n| format!("flake = let mk = n: {{ nixosModules.${{n}} = {{ }}; }}; in mk \"{n}\";")),
        ]
    }

    fn module_text() -> impl Strategy<Value = String> {
        (prop::collection::vec(fragment(), 0..5), any::<bool>(), prop::option::of(0usize..200)).prop_map(
            |(fragments, pkgs, cut)| {
                let args = if pkgs { "{ config, lib, inputs, pkgs, ... }" } else { "{ config, lib, inputs, ... }" };
                let mut text = format!("{args}: {{\n  {}\n}}\n", fragments.join("\n  "));
                // Sometimes the user is mid-edit: the text stops anywhere.
                if let Some(cut) = cut {
                    let mut cut = cut.min(text.len());
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.truncate(cut);
                }
                text
            },
        )
    }

    fn flake_text() -> impl Strategy<Value = String> {
        prop::sample::select(&["./modules", "./other", "[ ./modules ./other ]"][..]).prop_map(|root| {
            format!(
                "{{ outputs = inputs: inputs.flake-parts.lib.mkFlake {{ inherit inputs; }} {{\n  imports = [ (inputs.import-tree {root}) ];\n}}; }}\n"
            )
        })
    }

    #[derive(Debug, Clone)]
    enum Op {
        Set(usize, String),
        Remove(usize),
    }

    impl Op {
        fn path(&self) -> usize {
            match self {
                Op::Set(i, _) | Op::Remove(i) => *i,
            }
        }

        /// Applies the edit to `files` (the texts a fresh build reads), and says it as a change.
        fn apply_to(self, files: &mut BTreeMap<&str, String>) -> Change {
            match self {
                Op::Set(i, text) => {
                    files.insert(PATHS[i], text.clone());
                    Change { set: vec![(PATHS[i].to_string(), Arc::from(text))], remove: Vec::new() }
                }
                Op::Remove(i) => {
                    files.remove(PATHS[i]);
                    Change { set: Vec::new(), remove: vec![PATHS[i].to_string()] }
                }
            }
        }
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (1..PATHS.len(), module_text()).prop_map(|(i, t)| Op::Set(i, t)),
            1 => flake_text().prop_map(|t| Op::Set(0, t)),
            1 => (0..PATHS.len()).prop_map(Op::Remove),
        ]
    }

    fn snapshot(ws: &Analysis) -> String {
        format!("{}\n---\n{}\n---\n{}", render_diagnostics(ws), render_roster(ws), render_importers(ws))
    }

    /// Hover's graph queries, which read the index's importer counts: they must agree with the
    /// roster, which gathers the same edges from the files in one pass.
    fn render_importers(ws: &Analysis) -> String {
        let mut out = Vec::new();
        for a in ws.aspects() {
            assert_eq!(ws.graph().included_by(&a.key), a.included_by, "included_by of {}", a.key);
            assert_eq!(ws.graph().hosts_of(&a.key), a.hosts, "hosts of {}", a.key);
            out.push(format!("{} importers={:?}", a.key, ws.graph().importers(&a.key)));
        }
        out.join("\n")
    }

    fn from_scratch(files: &BTreeMap<&str, String>) -> Analysis {
        let mut ws = Analysis::new();
        let set = files.iter().map(|(p, t)| (p.to_string(), Arc::from(t.as_str()))).collect();
        ws.apply(Change { set, remove: Vec::new() });
        ws
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn incremental_updates_equal_a_fresh_build(ops in prop::collection::vec(op(), 1..14)) {
            let mut ws = Analysis::new();
            let mut files: BTreeMap<&str, String> = BTreeMap::new();
            for op in ops {
                ws.apply(op.apply_to(&mut files));
                prop_assert_eq!(snapshot(&ws), snapshot(&from_scratch(&files)));
                // A kept tree is of the file's current text, whichever file held the id before.
                for file in ws.files() {
                    prop_assert_eq!(ws.graph().tree(file).root().to_string(), ws.text(file));
                }
            }
        }

        /// Edits read ahead (`Analysis::resolve_ahead`), sometimes against a graph that a change
        /// to another file then moves on (`stale`), apply as if they were not.
        #[test]
        fn edits_read_ahead_equal_a_fresh_build(ops in prop::collection::vec((op(), op(), any::<bool>()), 1..10)) {
            let mut ws = Analysis::new();
            let mut files: BTreeMap<&str, String> = BTreeMap::new();
            for (op, between, stale) in ops {
                let path = op.path();
                let mut prepared = Analysis::prepare(op.apply_to(&mut files));
                ws.resolve_ahead(&mut prepared);
                if stale && between.path() != path {
                    ws.apply(between.apply_to(&mut files));
                }
                ws.apply_prepared(prepared);
                prop_assert_eq!(snapshot(&ws), snapshot(&from_scratch(&files)));
            }
        }

        #[test]
        fn a_bulk_load_equals_a_fresh_build(ops in prop::collection::vec(op(), 1..14)) {
            let mut ws = Analysis::new();
            let mut files: BTreeMap<&str, String> = BTreeMap::new();
            ws.begin_bulk();
            for op in ops {
                let change = op.apply_to(&mut files);
                ws.apply_prepared(Analysis::prepare(change));
            }
            ws.end_bulk();
            prop_assert_eq!(snapshot(&ws), snapshot(&from_scratch(&files)));
        }
    }

    /// A check no real check is like: it reads the importers of the file's aspects, all the way
    /// up to hosts (`View::hosts_of`), which no check of the registry reads. Nothing in the index
    /// or the graph knows it exists.
    fn reaches_no_host(cx: &mut crate::checks::Cx) {
        let definitions = &cx.file.resolved.definitions;
        for d in definitions {
            if cx.graph.hosts_of(&d.key).is_empty() {
                cx.report(d.name.range, format!("test: `{}` reaches no host", d.key));
            }
        }
    }

    fn with_the_new_check(files: &BTreeMap<&str, String>) -> Analysis {
        let mut analysis = Analysis::with_check(crate::DiagnosticKind::UnusedAspect, reaches_no_host);
        let set = files.iter().map(|(p, t)| (p.to_string(), Arc::from(t.as_str()))).collect();
        analysis.apply(Change { set, remove: Vec::new() });
        analysis
    }

    fn the_new_check(analysis: &Analysis) -> String {
        let lines = render_diagnostics(analysis);
        lines.lines().filter(|line| line.contains("test: ")).collect::<Vec<_>>().join("\n")
    }

    /// The host `gouda`, importing `aspects`.
    fn host(aspects: &str) -> String {
        format!(
            "{{ config, ... }}: {{ configurations.nixos.gouda.module.imports = with config.flake.modules.nixos; [ {aspects} ]; }}\n"
        )
    }

    /// `ssh`, `base` that imports it, and the host `gouda` importing `aspects`.
    fn ssh_base_and_gouda(aspects: &str) -> BTreeMap<&'static str, String> {
        let flake = "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }\n";
        let mut files: BTreeMap<&str, String> = BTreeMap::new();
        files.insert("flake.nix", flake.to_string());
        files.insert("modules/ssh.nix", "{ flake.modules.nixos.ssh = { }; }\n".to_string());
        files.insert(
            "modules/base.nix",
            "{ config, ... }: { flake.modules.nixos.base.imports = [ config.flake.modules.nixos.ssh ]; }\n".to_string(),
        );
        files.insert("modules/gouda.nix", host(aspects));
        files
    }

    /// Editing only the host makes the aspect's own file report, and stop reporting: its
    /// diagnostics follow what its check read in other files.
    #[test]
    fn a_new_check_that_reads_a_new_fact_stays_fresh() {
        let mut files = ssh_base_and_gouda("base");
        let mut analysis = with_the_new_check(&files);
        assert_eq!(the_new_check(&analysis), "", "ssh reaches gouda through base");
        let edit = |analysis: &mut Analysis, text: String| {
            analysis
                .apply(Change { set: vec![("modules/gouda.nix".to_string(), Arc::from(text))], remove: Vec::new() });
            analysis.take_changed()
        };
        let changed = edit(&mut analysis, host(""));
        expect_test::expect![[r#"
            modules/base.nix:1:40 hint[unused-aspect] "base": test: `flake.modules.nixos.base` reaches no host
            modules/ssh.nix:1:23 hint[unused-aspect] "ssh": test: `flake.modules.nixos.ssh` reaches no host"#]]
        .assert_eq(&the_new_check(&analysis));
        let ssh = analysis.file_id("modules/ssh.nix").expect("ssh");
        assert!(changed.contains(&ssh), "ssh.nix was not edited, and its diagnostics changed: it is re-checked");
        edit(&mut analysis, host("ssh"));
        expect_test::expect![[
            r#"modules/base.nix:1:40 hint[unused-aspect] "base": test: `flake.modules.nixos.base` reaches no host"#
        ]]
        .assert_eq(&the_new_check(&analysis));
        files.insert("modules/gouda.nix", host("ssh"));
        assert_eq!(render_diagnostics(&analysis), render_diagnostics(&with_the_new_check(&files)));
        // An edit that changes nothing the check read re-checks no other file.
        let unrelated = edit(&mut analysis, format!("{}# a comment\n", host("ssh")));
        let gouda = analysis.file_id("modules/gouda.nix").expect("gouda");
        assert_eq!(unrelated, vec![gouda]);
    }

    /// The index numbers aspect keys and gives a freed number to the next new key
    /// (`aspect_ids`): `ssh` goes, `laptop` comes and takes its number, and every file that
    /// reads either stays as a fresh build has it. Facts are named by key, not by number, so a
    /// reader of `ssh` is not taken for a reader of `laptop`.
    #[test]
    fn a_number_given_to_another_aspect_keeps_both_readers_fresh() {
        let mut files = ssh_base_and_gouda("base");
        let mut analysis = from_scratch(&files);
        let key = |name: &str| crate::base::AspectKey {
            collection: "flake.modules".into(),
            class: Some("nixos".into()),
            name: name.into(),
            class_in_path: true,
        };
        let number = |analysis: &Analysis, name: &str| analysis.graph().index.aspects.id(&key(name));
        let ssh = number(&analysis, "ssh").expect("ssh is numbered");
        let mut edit = |analysis: &mut Analysis, path: &'static str, text: &str| {
            files.insert(path, text.to_string());
            analysis.apply(Change { set: vec![(path.to_string(), Arc::from(text))], remove: Vec::new() });
            analysis.take_changed();
            let diagnostics = render_diagnostics(analysis);
            assert_eq!(diagnostics, render_diagnostics(&from_scratch(&files)));
            diagnostics
        };
        // base.nix stops importing ssh, and ssh.nix defines another aspect: no file names ssh,
        // and its number is freed when the update ends.
        edit(&mut analysis, "modules/base.nix", "{ flake.modules.nixos.base = { }; }\n");
        edit(&mut analysis, "modules/ssh.nix", "{ flake.modules.nixos.other = { }; }\n");
        assert_eq!(number(&analysis, "ssh"), None);
        // The host imports `laptop`, which no file defines yet: it takes ssh's number.
        let undefined = edit(&mut analysis, "modules/gouda.nix", &host("base laptop"));
        assert_eq!(number(&analysis, "laptop"), Some(ssh), "the freed number is given again");
        assert!(undefined.contains("\"laptop\""), "laptop is undefined:\n{undefined}");
        // Defined in the file that defined ssh: the host, which read laptop's facts, is told.
        let defined = edit(&mut analysis, "modules/ssh.nix", "{ flake.modules.nixos.laptop = { }; }\n");
        assert!(!defined.contains("\"laptop\""), "laptop is defined:\n{defined}");
        // And ssh, named again, is undefined where base imports it.
        let again = edit(
            &mut analysis,
            "modules/base.nix",
            "{ config, ... }: { flake.modules.nixos.base.imports = [ config.flake.modules.nixos.ssh ]; }\n",
        );
        assert!(again.contains("\"ssh\""), "ssh is undefined:\n{again}");
    }

    /// How often `counted_in_base` ran on `modules/base.nix`.
    static BASE_CHECKED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    fn counted_in_base(cx: &mut crate::checks::Cx) {
        if cx.file.path == "modules/base.nix" {
            BASE_CHECKED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        reaches_no_host(cx);
    }

    /// A file is checked again by the checks that read a fact that changed, and by no other: an
    /// edit that undefines what `base.nix` imports runs its `undefined-aspect` again, not the
    /// check that reads its hosts, whose findings stand; an edit to its hosts runs that one.
    #[test]
    fn a_file_runs_again_only_the_checks_whose_facts_changed() {
        use std::sync::atomic::Ordering::SeqCst;
        let mut files = ssh_base_and_gouda("");
        let fresh = |files: &BTreeMap<&str, String>| {
            let mut analysis = Analysis::with_check(crate::DiagnosticKind::UnusedAspect, reaches_no_host);
            let set = files.iter().map(|(p, t)| (p.to_string(), Arc::from(t.as_str()))).collect();
            analysis.apply(Change { set, remove: Vec::new() });
            render_diagnostics(&analysis)
        };
        let mut analysis = Analysis::with_check(crate::DiagnosticKind::UnusedAspect, counted_in_base);
        let set = files.iter().map(|(p, t)| (p.to_string(), Arc::from(t.as_str()))).collect();
        analysis.apply(Change { set, remove: Vec::new() });
        assert_eq!(BASE_CHECKED.load(SeqCst), 1);
        let mut edit = |path: &'static str, text: String| {
            files.insert(path, text.clone());
            analysis.apply(Change { set: vec![(path.to_string(), Arc::from(text))], remove: Vec::new() });
            assert_eq!(render_diagnostics(&analysis), fresh(&files), "as a fresh build after editing {path}");
            render_diagnostics(&analysis)
        };
        let shown = edit("modules/ssh.nix", "{ flake.modules.nixos.sshd = { }; }\n".to_string());
        assert!(shown.contains("aspect `ssh` is not defined"), "{shown}");
        assert!(
            shown.contains("`flake.modules.nixos.base` reaches no host"),
            "the hosts check's finding stands: {shown}"
        );
        assert_eq!(BASE_CHECKED.load(SeqCst), 1, "base.nix's hosts did not change: that check did not run again");
        let shown = edit("modules/gouda.nix", host("base"));
        assert!(!shown.contains("`flake.modules.nixos.base` reaches no host"), "{shown}");
        assert_eq!(BASE_CHECKED.load(SeqCst), 2, "base.nix's hosts changed: that check ran again");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Random edits, with the new check too: its findings equal a fresh build's.
        #[test]
        fn a_new_check_stays_fresh_under_random_edits(ops in prop::collection::vec(op(), 1..14)) {
            let mut analysis = with_the_new_check(&BTreeMap::new());
            let mut files: BTreeMap<&str, String> = BTreeMap::new();
            for op in ops {
                let change = op.apply_to(&mut files);
                analysis.apply(change);
                prop_assert_eq!(render_diagnostics(&analysis), render_diagnostics(&with_the_new_check(&files)));
            }
        }
    }
}

/// The tree of an edited or opened file is kept for the questions that follow; a big batch keeps
/// none, and a tree never outlives its text.
#[test]
fn an_edited_file_keeps_its_tree_until_its_text_changes() {
    let mut ws = Analysis::new();
    let one = |p: &str, t: &str| Change { set: vec![(p.to_string(), Arc::from(t))], remove: Vec::new() };
    ws.apply(one("modules/a.nix", "{ flake.modules.nixos.a = { }; }\n"));
    let a = ws.file_id("modules/a.nix").expect("loaded");
    assert!(ws.graph().trees.holds(a, &ws.graph().data(a).text), "the edit's own tree is kept");
    let tree = ws.graph().tree(a);
    assert!(Arc::ptr_eq(&tree, &ws.graph().tree(a)));

    ws.apply(one("modules/a.nix", "{ flake.modules.nixos.b = { }; }\n"));
    assert_eq!(ws.graph().tree(a).root().to_string(), "{ flake.modules.nixos.b = { }; }\n");

    let many: Vec<(String, Arc<str>)> = (0..5)
        .map(|i| (format!("modules/m{i}.nix"), Arc::from(format!("{{ flake.modules.nixos.m{i} = {{ }}; }}\n"))))
        .collect();
    ws.apply(Change { set: many, remove: Vec::new() });
    let m0 = ws.file_id("modules/m0.nix").expect("loaded");
    assert!(!ws.graph().trees.holds(m0, &ws.graph().data(m0).text), "a load keeps no trees");

    // The id of a removed file goes to the next new one, which must not inherit the old tree.
    ws.apply(Change { set: Vec::new(), remove: vec!["modules/a.nix".to_string()] });
    ws.apply(Change { set: vec![("modules/z.nix".to_string(), Arc::from("{ }\n"))], remove: Vec::new() });
    let z = ws.file_id("modules/z.nix").expect("loaded");
    assert_eq!(z, a, "the id is reused");
    assert_eq!(ws.graph().tree(z).root().to_string(), "{ }\n");
}

/// Whether the workspace passes `inputs` down to lower-level modules is a fact of all its files
/// (dendritic.md §8.4): edit by edit, the file that starts or stops passing them and the files
/// that read a lower-level module's `inputs` are read again, and no other; what they say then is
/// what a fresh build says.
#[test]
fn passing_inputs_down_reads_again_only_the_files_that_read_them() {
    let one = |p: &str, t: &str| Change { set: vec![(p.to_string(), Arc::from(t))], remove: Vec::new() };
    let passing = "{ inputs, ... }: {\n  flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem { specialArgs = { inherit inputs; }; };\n}\n";
    let files = format!(
        "{FLAKE}{}",
        r#"#- /modules/pc.nix
{ flake.modules.nixos.pc = { inputs, ... }: { imports = [ inputs.self.modules.nixos.missing ]; }; }
#- /modules/ssh.nix
{ flake.modules.nixos.ssh = { }; }
#- /modules/hosts.nix
{ }
"#
    );
    let mut graph = crate::graph::store::Graph::of(Change { set: parse_fixture(&files), remove: Vec::new() });
    let dirty = |graph: &crate::graph::store::Graph, applied: super::Applied| {
        let mut paths: Vec<&str> = applied.dirty.keys().map(|f| graph.path(*f)).collect();
        paths.sort();
        paths.join(" ")
    };
    let applied = graph.apply(super::prepare(one("modules/hosts.nix", passing)));
    assert_eq!(dirty(&graph, applied), "modules/hosts.nix modules/pc.nix");
    let applied = graph.apply(super::prepare(one("modules/hosts.nix", "{ }\n")));
    assert_eq!(dirty(&graph, applied), "modules/hosts.nix modules/pc.nix");

    // Only what a lower-level module's `inputs` reads changes: `missing` is undefined while the
    // hosts pass `inputs` down.
    let errors = |ws: &Analysis| {
        let all = render_diagnostics(ws);
        all.lines().filter(|l| !l.contains("[unused-aspect]")).collect::<Vec<_>>().join("\n")
    };
    let mut ws = workspace(&files);
    assert_eq!(errors(&ws), "");
    ws.apply(one("modules/hosts.nix", passing));
    expect![[r#"modules/pc.nix:1:85 error[undefined-aspect] "missing": aspect `missing` is not defined in `flake.modules.nixos`"#]].assert_eq(&errors(&ws));
    assert_eq!(render_diagnostics(&ws), render_diagnostics(&workspace(&files.replace("{ }\n", passing))));
    ws.apply(Change { set: Vec::new(), remove: vec!["modules/hosts.nix".to_string()] });
    assert_eq!(errors(&ws), "");
}

/// A summary pruned again (when a collection goes away) still knows what the first pruning cut:
/// the namespace declared after both finds the aspect defined below its name.
#[test]
fn a_summary_pruned_twice_remembers_both_cuts() {
    let mut ws = Analysis::new();
    let one = |p: &str, t: &str| Change { set: vec![(p.to_string(), Arc::from(t))], remove: Vec::new() };
    let option = "{ lib, ... }: { options.my.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; }; }\n";
    ws.apply(one("modules/options.nix", option));
    ws.apply(one(
        "modules/a.nix",
        "{ config, ... }: {\n  vix.ssh.nixos = { };\n  my.modules.base.x = 1;\n  flake.modules.nixos.x.imports = [ config.vix.ssh ];\n}\n",
    ));
    // `my` is no collection any more: what lay below `my.modules` is pruned now.
    ws.apply(Change { set: Vec::new(), remove: vec!["modules/options.nix".to_string()] });
    ws.apply(one("modules/b.nix", "{ inputs, ... }: {\n  imports = [ (inputs.den.namespace \"vix\" true) ];\n}\n"));
    expect![[r#"
        modules/a.nix:4:23 hint[unused-aspect] "x": aspect `x` (flake.modules.nixos) is defined, but nothing imports, includes or references it, so it has no effect"#]]
    .assert_eq(&render_diagnostics(&ws));
}

/// Outside the roots, a file that a module or `flake.nix` names by path is read by Nix, so what Nix
/// reports while parsing it is certain; a file nothing names (a template with placeholders) stays
/// silent (dendritic.md §8.1). Naming and unnaming a file is followed edit by edit.
#[test]
fn files_nix_reads_by_path_get_what_nix_reports_while_parsing() {
    let fixture = format!(
        "{FLAKE}{}",
        r#"#- /modules/box.nix
{ inputs, ... }: {
  flake.nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem { modules = [ ../hosts/box ]; };
  perSystem = { pkgs, ... }: { packages.x = pkgs.callPackage ../pkgs/x.nix { }; };
}
#- /hosts/box/default.nix
{ imports = [ ./hardware.nix ]; boot.loader.grub.enable = true }
#- /hosts/box/hardware.nix
{ fileSystems."/".device = device; }
#- /pkgs/x.nix
{ stdenv }: stdenv.mkDerivation { name = "x"; x = { a = 1; a = 2; }; }
#- /templates/module.nix
{ services.@NAME@.enable = true; }
"#
    );
    let mut ws = workspace(&fixture);
    let role = |ws: &Analysis, path: &str| ws.role(ws.file_id(path).expect("a file"));
    expect![[r#"
        hosts/box/default.nix:1:64 error[syntax-error] "}": unexpected '}', expecting ';'
        hosts/box/hardware.nix:1:28 error[undefined-variable] "device": undefined variable 'device'
        pkgs/x.nix:1:60 error[duplicate-attribute] "a": attribute 'a' already defined at 1:53"#]]
    .assert_eq(&render_diagnostics(&ws));
    assert_eq!(role(&ws, "hosts/box/hardware.nix"), FileRole::Parsed);
    assert_eq!(role(&ws, "templates/module.nix"), FileRole::Outside);

    // The builder no longer names the host's folder: what only it read is silent again.
    let unnamed =
        "{ inputs, ... }: {\n  perSystem = { pkgs, ... }: { packages.x = pkgs.callPackage ../pkgs/x.nix { }; };\n}\n";
    ws.apply(Change { set: vec![("modules/box.nix".into(), Arc::from(unnamed))], remove: Vec::new() });
    expect![[r#"pkgs/x.nix:1:60 error[duplicate-attribute] "a": attribute 'a' already defined at 1:53"#]]
        .assert_eq(&render_diagnostics(&ws));
    assert_eq!(role(&ws, "hosts/box/hardware.nix"), FileRole::Outside);
}

/// A folder with no dendritic flake: every file gets what Nix reports while parsing it, and
/// nothing dendritic; calling `mkFlake` makes it one, edit by edit.
#[test]
fn a_folder_without_a_dendritic_flake_is_read_as_nix_only() {
    let fixture = r#"#- /flake.nix
{ outputs = { nixpkgs, ... }: { nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./nixos.nix ]; }; }; }
#- /nixos.nix
{ pkgs, ... }: { environment.systemPackages = [ pkgs.git ]; x = y; }
#- /scripts/gen.nix
{ a = 1; a = 2; }
"#;
    let mut ws = workspace(fixture);
    assert_eq!(ws.not_dendritic(), Some(NotDendritic::PlainFlake));
    expect![[r#"
        nixos.nix:1:65 error[undefined-variable] "y": undefined variable 'y'
        scripts/gen.nix:1:10 error[duplicate-attribute] "a": attribute 'a' already defined at 1:3"#]]
    .assert_eq(&render_diagnostics(&ws));
    assert!(ws.files().iter().all(|f| ws.role(*f) == FileRole::Parsed), "every file is read as Nix");

    let flake_parts =
        "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./nixos.nix ]; }; }\n";
    ws.apply(Change { set: vec![("flake.nix".into(), Arc::from(flake_parts))], remove: Vec::new() });
    assert_eq!(ws.not_dendritic(), None);
    // Now `nixos.nix` is a top-level module, and a NixOS one is not a flake module; the script is
    // named by nothing.
    let ws = &ws;
    let codes: Vec<(String, &str)> = ws
        .files()
        .into_iter()
        .flat_map(|f| ws.diagnostics(f).into_iter().map(move |d| (ws.path(f).to_owned(), d.kind.code())))
        .collect();
    assert_eq!(codes, [("nixos.nix".to_owned(), "not-a-flake-module"), ("nixos.nix".to_owned(), "undefined-variable")]);
    assert_eq!(ws.role(ws.file_id("scripts/gen.nix").expect("a file")), FileRole::Outside);

    let empty = Analysis::new();
    assert_eq!(empty.not_dendritic(), Some(NotDendritic::NoFlake));
}

/// A flake inside a nested flake is that flake's own to find: the workspace names only the
/// outermost, so that a caller analysing each never analyses one twice.
#[test]
fn only_the_outermost_nested_flakes_are_named() {
    let flake =
        "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }\n";
    let mut set: Vec<(String, Arc<str>)> = ["flake.nix", "dev/flake.nix", "dev/tests/a/flake.nix", "dev-b/flake.nix"]
        .iter()
        .map(|path| (path.to_string(), Arc::from(flake)))
        .collect();
    set.push(("modules/x.nix".into(), Arc::from("{ }\n")));
    let mut ws = Analysis::new();
    ws.apply(Change { set, remove: Vec::new() });
    assert_eq!(ws.nested_flakes(), ["dev-b/", "dev/"]);
    assert_eq!(ws.role(ws.file_id("dev/tests/a/flake.nix").expect("a file")), FileRole::Outside);
}

/// A flake module of another flake, imported at top level, may fill any of the flake's module
/// outputs (one that builds `flake.wrapperModules` from `flake.wrappers`): an undefined aspect
/// there is a warning. The near misses: flake-parts' own modules module fills nothing, so
/// `flake.modules` stays certain, and without the import the output is certain again.
#[test]
fn a_third_party_flake_module_makes_the_module_outputs_opaque() {
    let fixture = format!(
        "{FLAKE}{}",
        r#"#- /modules/wrappers.nix
{ inputs, ... }: { imports = [ inputs.wrappers.flakeModules.wrappers inputs.flake-parts.flakeModules.modules ]; }
#- /modules/use.nix
{ inputs, ... }: { flake.modules.nixos.x.imports = [ inputs.self.wrapperModules.neovim inputs.self.modules.nixos.nope ]; }
"#
    );
    let severities = |ws: &Analysis| -> Vec<(String, &'static str)> {
        let file = ws.file_id("modules/use.nix").expect("a file");
        let undefined = ws.diagnostics(file).into_iter().filter(|d| d.kind == crate::DiagnosticKind::UndefinedAspect);
        undefined.map(|d| (ws.text(file)[d.range].to_owned(), d.severity.as_str())).collect()
    };
    let mut ws = workspace(&fixture);
    assert_eq!(severities(&ws), [("neovim".to_owned(), "warning"), ("nope".to_owned(), "error")]);
    let known_only = "{ inputs, ... }: { imports = [ inputs.flake-parts.flakeModules.modules ]; }\n";
    ws.apply(Change { set: vec![("modules/wrappers.nix".into(), Arc::from(known_only))], remove: Vec::new() });
    assert_eq!(severities(&ws), [("neovim".to_owned(), "error"), ("nope".to_owned(), "error")]);
}

/// One `deferredModule` option per aspect (dendritic.md §8.2): each option declares an aspect of
/// the collection its parent is, directly or through a helper that a top-level module provides
/// as a module argument; a name no option declares is undefined, as Nix finds it missing. The
/// near miss: a helper that makes some other option declares nothing.
#[test]
fn one_option_per_aspect_declares_each_aspect() {
    let fixture = format!(
        "{FLAKE}{}",
        r#"#- /modules/lib.nix
{ lib, ... }: {
  _module.args = {
    mkModuleOption = { key }: lib.mkOption { type = lib.types.deferredModuleWith { staticModules = [ ]; }; default = { }; };
    mkName = { key }: lib.mkOption { type = lib.types.str; };
  };
}
#- /modules/decl.nix
{ lib, mkModuleOption, mkName, ... }: {
  options.nixos.modules.base = mkModuleOption { key = "base"; };
  options.nixos.modules.pc = mkModuleOption { key = "pc"; };
  options.nixos.modules.efi = lib.mkOption { type = lib.types.deferredModule; };
  options.names.first = mkName { key = "first"; };
}
#- /modules/base.nix
{ nixos.modules.base = { services.openssh.enable = true; }; }
#- /modules/host.nix
{ config, inputs, ... }: {
  flake.nixosConfigurations.x = inputs.nixpkgs.lib.nixosSystem {
    modules = with config.nixos.modules; [ base pc efi typo ];
  };
  x = config.names.second;
}
"#
    );
    check_diagnostics(
        &fixture,
        expect![[
            r#"modules/host.nix:3:56 error[undefined-aspect] "typo": aspect `typo` is not defined in `nixos.modules`"#
        ]],
    );
    check_roster(
        &fixture,
        expect![[r#"
        nixos.modules.base classes=["nixos"] defs=[modules/base.nix@16 modules/decl.nix@64] refs=[modules/host.nix@135] hosts=["x"]
        nixos.modules.efi classes=["nixos"] defs=[modules/decl.nix@190] refs=[modules/host.nix@143] hosts=["x"]
        nixos.modules.pc classes=["nixos"] defs=[modules/decl.nix@129] refs=[modules/host.nix@140] hosts=["x"]
        nixos.modules.typo classes=[] defs=[] refs=[modules/host.nix@147] hosts=["x"]
        host flake.nixosConfigurations x Some("nixos") aspects=["nixos.modules.base", "nixos.modules.efi", "nixos.modules.pc", "nixos.modules.typo"]"#]],
    );
}

/// import-tree called in a builder's `modules` loads NixOS modules of that evaluation, not
/// top-level modules: it is no root (dendritic.md §8.1). The near miss: the same folder under a
/// call in the top-level `imports` is a root, and its NixOS module is no flake module.
#[test]
fn import_tree_in_a_lower_level_position_is_no_root() {
    let lower = r#"#- /flake.nix
{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./parts.nix ]; }; }
#- /parts.nix
{ inputs, ... }: { flake.nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem { modules = [ (inputs.import-tree ./nixos) ]; }; }
#- /nixos/ssh.nix
{ services.openssh.enable = true; }
"#;
    let ws = workspace(lower);
    assert!(ws.roots().is_empty(), "{:?}", ws.roots());
    check_diagnostics(lower, expect![[r#""#]]);
    let top = lower.replace(
        "modules = [ (inputs.import-tree ./nixos) ]",
        "modules = [ ]; }; imports = [ (inputs.import-tree ./nixos) ]; x = { ",
    );
    assert_eq!(workspace(&top).roots(), ["nixos"]);
    let rendered = render_diagnostics(&workspace(&top));
    assert!(rendered.contains("nixos/ssh.nix:1:3 error[not-a-flake-module]"), "{rendered}");
}

/// A collection option's `default` defines what it holds (dendritic.md §8.2), and a collection
/// under `flake.` whose modules' class nothing names has no class: `flake` is flake-parts'
/// outputs, not the class. The near miss: a name neither the default nor any file defines.
#[test]
fn a_collection_default_defines_its_aspects() {
    let fixture = format!(
        "{FLAKE}{}",
        r#"#- /modules/opts.nix
{ lib, inputs, ... }: {
  options.flake.homeBits = lib.mkOption {
    type = lib.types.lazyAttrsOf lib.types.deferredModule;
    default = { hm = inputs.home-manager.nixosModules.home-manager; };
  };
}
#- /modules/host.nix
{ config, inputs, ... }: {
  flake.nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem { modules = [ config.flake.homeBits.hm config.flake.homeBits.hn ]; };
}
"#
    );
    check_diagnostics(
        &fixture,
        expect![[
            r#"modules/host.nix:2:127 error[undefined-aspect] "hn": aspect `hn` is not defined in `flake.homeBits`; did you mean `hm`?"#
        ]],
    );
}

/// `attrValues` of a set literal in a host's `modules` lists the set's values, the usual way
/// unify hosts list their modules: each is an aspect of the host. The near misses: the same set
/// in an ordinary option, bare or through `attrValues`, reads the aspects and imports none; a set
/// built with `//` is not read as a list (a value on its left may be overridden).
#[test]
fn attr_values_of_a_set_lists_its_values_as_modules() {
    check_roster(
        &format!(
            "{FLAKE}{}",
            r#"#- /modules/a.nix
{ unify.modules.efi.nixos = { }; unify.modules.gui.nixos = { }; unify.modules.tv.nixos = { }; }
#- /modules/host.nix
{ config, lib, ... }: let inherit (config.unify) modules; in
{
  unify.hosts.nixos.pc.modules = builtins.attrValues { inherit (modules) efi gui; };
  unify.hosts.nixos.box.modules = lib.attrValues ({ tv = modules.tv; } // { });
  unify.hosts.nixos.media.modules = lib.attrValues { tv = modules.tv; };
  unify.hosts.nixos.pc.nixos.x = { inherit (modules) efi; };
  unify.hosts.nixos.pc.nixos.y = builtins.attrValues { inherit (modules) tv; };
}
"#
        ),
        expect![[r#"
            unify.modules.efi classes=["nixos"] defs=[modules/a.nix@16] refs=[modules/host.nix@136 modules/host.nix@354] hosts=["pc"]
            unify.modules.gui classes=["nixos"] defs=[modules/a.nix@47] refs=[modules/host.nix@140] hosts=["pc"]
            unify.modules.tv classes=["nixos"] defs=[modules/a.nix@78] refs=[modules/host.nix@213 modules/host.nix@294 modules/host.nix@435] hosts=["media"]
            host unify.hosts box Some("nixos") aspects=[]
            host unify.hosts media Some("nixos") aspects=["unify.modules.tv"]
            host unify.hosts pc Some("nixos") aspects=["unify.modules.efi", "unify.modules.gui"]"#]],
    );
}

/// Keys spelled `${info.field}` from a `let`-bound set of strings name den hosts and aspects as
/// a `let`-bound string would. The near miss: a field the set does not hold stays dynamic.
#[test]
fn fields_of_a_let_bound_set_name_hosts_and_aspects() {
    check_roster(
        &format!(
            "{FLAKE}{}",
            r#"#- /modules/den.nix
{ inputs, ... }: { imports = [ inputs.den.flakeModule ]; }
#- /modules/box.nix
let info = { name = "box"; system = "x86_64-linux"; }; in
{ den.hosts.${info.system}.${info.name}.users.me = { }; den.aspects.${info.name}.nixos = { }; den.aspects.${info.user}.nixos = { }; }
"#
        ),
        expect![[r#"
            den.aspects.box classes=["nixos"] defs=[modules/box.nix@85 modules/box.nix@126] refs=[] hosts=["box"]
            den.aspects.me classes=[] defs=[modules/box.nix@104] refs=[] hosts=["box"]
            host den.hosts box None aspects=["den.aspects.box", "den.aspects.me"]"#]],
    );
}

/// A keystroke read ahead (`Analysis::resolve_ahead`) is taken by its apply when nothing moved
/// in between, and read again when the graph moved on, when the edit changes what is passed down,
/// or when it changes a helper its own calls use; each time the result is a fresh build's.
#[test]
fn an_edit_read_ahead_is_taken_only_while_it_holds() {
    let one = |p: &str, t: &str| Change { set: vec![(p.to_string(), Arc::from(t))], remove: Vec::new() };
    let files = format!(
        "{FLAKE}{}",
        r#"#- /modules/a.nix
{ config, ... }: { flake.modules.nixos.a = { imports = [ config.flake.modules.nixos.b ]; }; }
#- /modules/b.nix
{ config, ... }: {
  factory.mk = n: { nixosModules.${n} = { }; };
  flake = config.factory.mk "one";
}
#- /modules/hosts.nix
{ }
"#
    );
    let mut texts: std::collections::BTreeMap<String, Arc<str>> = parse_fixture(&files).into_iter().collect();
    let mut ws = Analysis::new();
    ws.apply(Change { set: texts.clone().into_iter().collect(), remove: Vec::new() });
    let mut edit = |ws: &mut Analysis, path: &str, text: &str, between: Option<(&str, &str)>| {
        let before = ws.graph().taken_ahead;
        let mut prepared = Analysis::prepare(one(path, text));
        ws.resolve_ahead(&mut prepared);
        texts.insert(path.to_string(), Arc::from(text));
        if let Some((other, other_text)) = between {
            ws.apply(one(other, other_text));
            texts.insert(other.to_string(), Arc::from(other_text));
        }
        ws.apply_prepared(prepared);
        let mut fresh = Analysis::new();
        fresh.apply(Change { set: texts.clone().into_iter().collect(), remove: Vec::new() });
        assert_eq!(render_diagnostics(ws), render_diagnostics(&fresh), "after editing {path}");
        assert_eq!(render_roster(ws), render_roster(&fresh), "after editing {path}");
        ws.graph().taken_ahead - before
    };
    let a = "{ config, ... }: { flake.modules.nixos.a = { imports = [ config.flake.modules.nixos.c ]; }; }\n";
    assert_eq!(edit(&mut ws, "modules/a.nix", a, None), 1, "nothing moved: taken");
    let a = "{ config, ... }: { flake.modules.nixos.a = { imports = [ config.flake.modules.nixos.one ]; }; }\n";
    assert_eq!(edit(&mut ws, "modules/a.nix", a, Some(("modules/c.nix", "{ flake.modules.nixos.c = { }; }\n"))), 0);
    let passing = "{ inputs, ... }: {\n  flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem { specialArgs = { inherit inputs; }; };\n}\n";
    assert_eq!(edit(&mut ws, "modules/hosts.nix", passing, None), 0, "what is passed down changed");
    // The helper the file calls is its own, and the edit changes it: the aspect is `one-x` now.
    let b = "{ config, ... }: {\n  factory.mk = n: { nixosModules.\"${n}-x\" = { }; };\n  flake = config.factory.mk \"one\";\n}\n";
    assert_eq!(edit(&mut ws, "modules/b.nix", b, None), 0, "its helper changed");
    assert!(render_roster(&ws).contains("one-x"), "{}", render_roster(&ws));
    // The same helper again: the reduction holds.
    let b = format!("{b}# a comment\n");
    assert_eq!(edit(&mut ws, "modules/b.nix", &b, None), 1, "its helper is as it was");
}

/// A change of the import-tree roots can take a nested flake into the workspace, and with it the
/// collections its files declare: the rebuild then builds the collection table from the settled
/// structure, not from the one before (where that folder was another repository).
#[test]
fn roots_that_take_in_a_nested_flake_take_in_its_declared_collections() {
    let files = r#"#- /flake.nix
{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }
#- /other/flake.nix
{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./.); }
#- /other/declare.nix
{ lib, ... }: { options.my.stack.parts = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; }; }
#- /modules/parts.nix
{ config, ... }: {
  my.stack.parts.base = { };
  my.stack.parts.web = { imports = [ config.my.stack.parts.base config.my.stack.parts.missing ]; };
}
"#;
    let both = "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree [ ./modules ./other ]); }\n";
    let mut ws = workspace(files);
    let before = render_diagnostics(&ws);
    ws.apply(Change { set: vec![("flake.nix".to_string(), Arc::from(both))], remove: Vec::new() });
    let fresh = workspace(&files.replacen(
        "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }\n",
        both,
        1,
    ));
    assert_eq!(render_diagnostics(&ws), render_diagnostics(&fresh));
    assert_eq!(render_roster(&ws), render_roster(&fresh));
    // The declaration counts once `other/` is loaded: `missing` is then an undefined aspect.
    assert!(
        !before.contains("missing") && render_diagnostics(&fresh).contains("\"missing\""),
        "{before}\n---\n{}",
        render_diagnostics(&fresh)
    );
}
