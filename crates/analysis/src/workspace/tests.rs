//! Whole-workspace behaviour: several files in, diagnostics and the roster out.
//!
//! A fixture is one string holding several files, each under a `#- /path` header line.

use std::sync::Arc;

use expect_test::{Expect, expect};

use super::{Change, Workspace};

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

pub(crate) fn workspace(fixture: &str) -> Workspace {
    let mut ws = Workspace::new();
    ws.apply(Change { set: parse_fixture(fixture), remove: Vec::new() });
    ws
}

/// Every diagnostic as `path:line:col code: message` (1-based).
pub(crate) fn render_diagnostics(ws: &Workspace) -> String {
    let mut out = Vec::new();
    for file in ws.files() {
        let text = ws.text(file);
        for d in ws.diagnostics(file) {
            let pos = ws.line_index(file).line_col(text, d.range.start(), crate::text::Encoding::Utf8);
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

fn render_roster(ws: &Workspace) -> String {
    let mut out = Vec::new();
    for a in ws.aspects() {
        let sites = |sites: &[super::Site]| {
            sites.iter().map(|s| format!("{}@{}", ws.path(s.file), u32::from(s.range.start()))).collect::<Vec<_>>().join(" ")
        };
        let mut line = format!("{} classes={:?} defs=[{}] refs=[{}]", a.key, a.classes, sites(&a.definitions), sites(&a.references));
        if !a.includes.is_empty() {
            line.push_str(&format!(" includes={:?}", a.includes.iter().map(|k| k.to_string()).collect::<Vec<_>>()));
        }
        if !a.included_by.is_empty() {
            line.push_str(&format!(" included_by={:?}", a.included_by.iter().map(|k| k.to_string()).collect::<Vec<_>>()));
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
