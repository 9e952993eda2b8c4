//! One workspace per input dimension, holding n elements of it and ordinary amounts of the rest:
//! the benchmark `benches/dimensions.rs` shows each costs the same per element from 1,000 to
//! 100,000 elements (nothing quadratic hides in any of them), and `tests/dimensions.rs` that each
//! is analysed completely, whatever its size.
//!
//! Every workspace is a flake-parts flake whose modules import-tree loads (`FLAKE`).

use std::fmt::Write as _;

use crate::generator;

/// The flake every workspace shares: flake-parts, its modules loaded by import-tree.
pub const FLAKE: &str = "{\n  inputs.flake-parts.url = \"github:hercules-ci/flake-parts\";\n  \
    inputs.import-tree.url = \"github:vic/import-tree\";\n  \
    outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules);\n}\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// One file of n aspects, each importing the next.
    AspectsPerFile,
    /// One aspect that n files contribute to, and a host that imports it.
    FilesPerAspect,
    /// One aspect that n files each import from an aspect of their own.
    ImportersPerAspect,
    /// n hosts in one file, each importing one of a hundred aspects.
    Hosts,
    /// An aspect whose value nests n attribute sets deep (past 3,000 levels Nix refuses it, and
    /// so does canopy, with an error).
    NestingDepth,
    /// An import list under n nested `with`s, the innermost of which provides its name.
    WithDepth,
    /// n files of the realistic generated workspace (`generator::generate`).
    Files,
    /// One `with config.flake.modules.nixos; [ ... ]` import list of n names, each defined in
    /// another file.
    WithList,
    /// n collections the repository declares itself, each with two aspects, one importing the
    /// other.
    Collections,
    /// n undefined names on one line, each after a non-ASCII string: n errors whose columns are
    /// counted in UTF-16.
    DiagnosticsPerLine,
}

/// A workspace of one dimension at one size, and an edit the benchmark applies to it.
pub struct Workspace {
    pub files: Vec<(String, String)>,
    /// A keystroke's worth of change whose cost grows with the dimension, where one exists: the
    /// new text of one file.
    pub edit: Option<(String, String)>,
}

impl Dimension {
    pub const ALL: [Dimension; 10] = [
        Dimension::AspectsPerFile,
        Dimension::FilesPerAspect,
        Dimension::ImportersPerAspect,
        Dimension::Hosts,
        Dimension::NestingDepth,
        Dimension::WithDepth,
        Dimension::Files,
        Dimension::WithList,
        Dimension::Collections,
        Dimension::DiagnosticsPerLine,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dimension::AspectsPerFile => "aspects_per_file",
            Dimension::FilesPerAspect => "files_per_aspect",
            Dimension::ImportersPerAspect => "importers_per_aspect",
            Dimension::Hosts => "hosts",
            Dimension::NestingDepth => "nesting_depth",
            Dimension::WithDepth => "with_depth",
            Dimension::Files => "files",
            Dimension::WithList => "with_list",
            Dimension::Collections => "collections",
            Dimension::DiagnosticsPerLine => "diagnostics_per_line",
        }
    }

    /// The workspace with `n` elements of this dimension.
    pub fn workspace(self, n: usize) -> Workspace {
        let mut files = vec![("flake.nix".to_owned(), FLAKE.to_owned())];
        let mut edit = None;
        match self {
            Dimension::AspectsPerFile => {
                files.push(("modules/chain.nix".to_owned(), chain(n, None)));
                edit = Some(("modules/chain.nix".to_owned(), chain(n, Some(n / 2))));
            }
            Dimension::FilesPerAspect => {
                files.push(("modules/host.nix".to_owned(), host("host", "shared")));
                for i in 0..n {
                    let text = format!("{{\n  flake.modules.nixos.shared.services.s{i}.enable = true;\n}}\n");
                    files.push((format!("modules/shared/s{i}.nix"), text));
                }
            }
            Dimension::ImportersPerAspect => {
                files.push(("modules/base.nix".to_owned(), "{ flake.modules.nixos.base = { }; }\n".to_owned()));
                for i in 0..n {
                    let text = format!(
                        "{{ config, ... }}:\n{{\n  flake.modules.nixos.a{i}.imports = [ config.flake.modules.nixos.base ];\n}}\n"
                    );
                    files.push((format!("modules/a/a{i}.nix"), text));
                }
                // The aspect every file imports goes: n files report it undefined.
                edit = Some(("modules/base.nix".to_owned(), "{ flake.modules.nixos.basf = { }; }\n".to_owned()));
            }
            Dimension::Hosts => files.extend(hosts(n)),
            Dimension::NestingDepth => {
                let text =
                    format!("{{\n  flake.modules.nixos.deep = {}true{};\n}}\n", "{ a = ".repeat(n), "; }".repeat(n));
                files.push(("modules/deep.nix".to_owned(), text));
            }
            Dimension::WithDepth => {
                // The innermost `with` provides the name: canopy resolves it through the others.
                let text = format!(
                    "{{ config, lib, ... }}:\n{{\n  flake.modules.nixos.base = {{ }};\n  \
                     flake.modules.nixos.top.imports = {}with config.flake.modules.nixos; [ base ];\n}}\n",
                    "with lib; ".repeat(n)
                );
                files.push(("modules/withs.nix".to_owned(), text));
            }
            Dimension::Files => return Workspace { files: generator::generate(n, 1).files, edit: None },
            Dimension::WithList => files.extend(with_list(n)),
            Dimension::Collections => files.extend(collections(n)),
            Dimension::DiagnosticsPerLine => {
                let mut line = String::from("{ flake.modules.nixos.long.environment.etc.x.text = [");
                for i in 0..n {
                    let _ = write!(line, " \"ä\" v{i}");
                }
                line.push_str(" ]; }\n");
                files.push(("modules/long.nix".to_owned(), line));
            }
        }
        Workspace { files, edit }
    }
}

/// `n` aspects each importing the next; `renamed` names one of them otherwise, so that the one
/// before it imports a name nobody defines.
fn chain(n: usize, renamed: Option<usize>) -> String {
    let mut text = String::with_capacity(n * 90);
    text.push_str("{ config, ... }:\n{\n");
    for i in 0..n {
        let prefix = if renamed == Some(i) { "b" } else { "a" };
        let _ = write!(text, "  flake.modules.nixos.{prefix}{i} = {{");
        if i + 1 < n {
            let _ = write!(text, " imports = [ config.flake.modules.nixos.a{} ];", i + 1);
        }
        text.push_str(" };\n");
    }
    text.push_str("}\n");
    text
}

fn host(name: &str, aspect: &str) -> String {
    format!(
        "{{ config, inputs, ... }}:\n{{\n  flake.nixosConfigurations.{name} = inputs.nixpkgs.lib.nixosSystem {{\n    \
         modules = [ config.flake.modules.nixos.{aspect} ];\n  }};\n}}\n"
    )
}

/// n hosts in one file, each importing one of a hundred aspects defined in another.
fn hosts(n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut aspects = String::from("{\n");
    for i in 0..100 {
        let _ = writeln!(aspects, "  flake.modules.nixos.a{i}.networking.domain = \"a{i}\";");
    }
    aspects.push_str("}\n");
    out.push(("modules/aspects.nix".to_owned(), aspects));
    let mut hosts = String::from("{ config, inputs, ... }:\n{\n");
    for i in 0..n {
        let _ = writeln!(
            hosts,
            "  flake.nixosConfigurations.h{i} = inputs.nixpkgs.lib.nixosSystem {{ modules = [ config.flake.modules.nixos.a{} ]; }};",
            i % 100
        );
    }
    hosts.push_str("}\n");
    out.push(("modules/hosts.nix".to_owned(), hosts));
    out
}

/// An import list of n names through `with`, each defined in another file.
fn with_list(n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut defined = String::from("{\n");
    let mut list = String::new();
    for i in 0..n {
        let _ = writeln!(defined, "  flake.modules.nixos.a{i} = {{ }};");
        let _ = write!(list, " a{i}");
    }
    defined.push_str("}\n");
    out.push(("modules/defined.nix".to_owned(), defined));
    let text = format!(
        "{{ config, ... }}:\n{{\n  flake.modules.nixos.all.imports = with config.flake.modules.nixos; [{list} ];\n}}\n"
    );
    out.push(("modules/all.nix".to_owned(), text));
    out
}

/// n declared collections, each with two aspects, one importing the other.
fn collections(n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut options = String::from("{ lib, ... }:\n{\n");
    let mut uses = String::from("{ config, ... }:\n{\n");
    for i in 0..n {
        let _ = writeln!(
            options,
            "  options.c{i}.modules = lib.mkOption {{ type = lib.types.lazyAttrsOf lib.types.deferredModule; default = {{ }}; }};"
        );
        let _ = writeln!(uses, "  c{i}.modules.x.imports = [ config.c{i}.modules.y ];\n  c{i}.modules.y = {{ }};");
    }
    options.push_str("}\n");
    uses.push_str("}\n");
    out.push(("modules/options.nix".to_owned(), options));
    out.push(("modules/uses.nix".to_owned(), uses));
    out
}
