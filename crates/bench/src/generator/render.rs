//! Turns a [`Plan`] into file texts: one function per kind of file, each writing what a person
//! keeping a dendritic repository would write.

use std::collections::BTreeSet;

use super::body::{self, Body, Class};
use super::names::{PACKAGES, SERVICES, WORDS};
use super::nix::{Seg, Tree, Value, attr, mark, path};
use super::plan::{Coll, FileKind, Form, HostForm, Module, Plan, Ref, Role};
use crate::rng::Rng;

/// What a mark in a file stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkKind {
    Definition(usize),
    Reference(usize),
    /// A planted diagnostic: its code and the name it is reported on.
    Planted {
        code: &'static str,
        name: String,
    },
    /// Where the keystroke measurement types into a string.
    KeystrokeBody,
    /// The name in a `with` list the keystroke measurement misspells.
    KeystrokeRef,
    /// A reference to the rename target.
    RenameRef,
}

pub fn class_name(class: Class) -> &'static str {
    match class {
        Class::Nixos => "nixos",
        Class::HomeManager => "homeManager",
        Class::Darwin => "darwin",
    }
}

fn output_name(class: Class) -> &'static str {
    match class {
        Class::Nixos => "nixosModules",
        Class::HomeManager => "homeModules",
        Class::Darwin => "darwinModules",
    }
}

/// The collection path of an aspect (`flake.modules.nixos`), as in diagnostics.
pub fn collection_path(coll: Coll) -> String {
    match coll {
        Coll::Modules(c) => format!("flake.modules.{}", class_name(c)),
        Coll::Custom(c) => format!("{}.modules", class_name(c)),
        Coll::Output(c) => format!("flake.{}", output_name(c)),
        Coll::Den => "den.aspects".to_owned(),
        Coll::Vix => "vix".to_owned(),
    }
}

/// Top-level module arguments, in the order people write them.
const ARG_ORDER: &[&str] = &["config", "lib", "inputs", "self", "den", "vix"];

/// One file being written.
pub struct FileWriter<'a> {
    plan: &'a Plan,
    rng: Rng,
    pub marks: Vec<MarkKind>,
    args: BTreeSet<&'static str>,
    /// Names bound by `inherit (config.flake.modules.<class>) ...;`, with their class.
    inherited: Vec<(String, Class)>,
    alias: bool,
    /// The next `with` reference written is the keystroke's.
    keystroke_ref: bool,
}

impl<'a> FileWriter<'a> {
    pub fn new(plan: &'a Plan, rng: Rng) -> FileWriter<'a> {
        FileWriter {
            plan,
            rng,
            marks: Vec::new(),
            args: BTreeSet::new(),
            inherited: Vec::new(),
            alias: false,
            keystroke_ref: false,
        }
    }

    fn mark(&mut self, kind: MarkKind, text: &str) -> String {
        self.marks.push(kind);
        mark(self.marks.len() - 1, text)
    }

    /// An aspect's name where it is defined.
    fn def_seg(&mut self, id: usize) -> Seg {
        let name = attr(&self.plan.aspects[id].name);
        let text = match self.plan.aspects[id].role {
            Role::HostAspect => name,
            _ => self.mark(MarkKind::Definition(id), &name),
        };
        Seg::new(text)
    }

    /// The name a reference writes, marked.
    fn ref_name(&mut self, r: &Ref, with: bool) -> String {
        let plan = self.plan;
        let aspect = &plan.aspects[r.target];
        let name = r.typo.clone().unwrap_or_else(|| aspect.name.clone());
        let kind = if r.typo.is_some() {
            MarkKind::Planted { code: "undefined-aspect", name: name.clone() }
        } else if with && std::mem::take(&mut self.keystroke_ref) {
            MarkKind::KeystrokeRef
        } else if aspect.role == Role::RenameTarget {
            MarkKind::RenameRef
        } else if aspect.role == Role::HostAspect {
            return attr(&name);
        } else {
            MarkKind::Reference(r.target)
        };
        self.mark(kind, &attr(&name))
    }

    fn is_inherited(&self, name: &str) -> bool {
        self.inherited.iter().any(|(n, _)| n == name)
    }

    /// A rooted path to an aspect: `config.flake.modules.nixos.x`, `self.nixosModules.x`, ...
    fn select(&mut self, r: &Ref) -> String {
        let coll = self.plan.aspects[r.target].coll;
        let name = self.ref_name(r, false);
        match coll {
            Coll::Modules(c) => {
                if self.rng.chance(0.15) {
                    self.args.insert("inputs");
                    format!("inputs.self.modules.{}.{name}", class_name(c))
                } else {
                    self.args.insert("config");
                    format!("config.flake.modules.{}.{name}", class_name(c))
                }
            }
            Coll::Custom(c) => {
                self.args.insert("config");
                format!("config.{}.modules.{name}", class_name(c))
            }
            Coll::Output(c) => match self.rng.below(3) {
                0 => {
                    self.args.insert("self");
                    format!("self.{}.{name}", output_name(c))
                }
                1 => {
                    self.args.insert("inputs");
                    format!("inputs.self.{}.{name}", output_name(c))
                }
                _ => {
                    self.args.insert("config");
                    format!("config.flake.{}.{name}", output_name(c))
                }
            },
            Coll::Den => {
                self.args.insert("den");
                format!("den.aspects.{name}")
            }
            Coll::Vix => {
                self.args.insert("vix");
                format!("vix.{name}")
            }
        }
    }

    /// An `imports` (or `modules`, `includes`) list: `with` lists per collection, the rest in a
    /// plain list, joined with `++`. `extra` items go in the plain list.
    fn imports(&mut self, refs: &[Ref], extra: Vec<Value>) -> Value {
        let mut withs: Vec<(String, Vec<Value>)> = Vec::new();
        let mut plain: Vec<Value> = Vec::new();
        let plan = self.plan;
        for r in refs {
            let aspect = &plan.aspects[r.target];
            let coll = aspect.coll;
            let name = r.typo.clone().unwrap_or_else(|| aspect.name.clone());
            // A name bound in this file's `let` would capture a bare name in a `with` list.
            let form = match (r.form, coll) {
                (Form::With, Coll::Modules(_) | Coll::Custom(_)) if !self.is_inherited(&name) => Form::With,
                (Form::Inherit, Coll::Modules(c)) if r.typo.is_none() => {
                    match self.inherited.iter().find(|(n, _)| *n == name) {
                        None => {
                            self.inherited.push((name.clone(), c));
                            Form::Inherit
                        }
                        Some((_, k)) if *k == c => Form::Inherit,
                        Some(_) => Form::Select,
                    }
                }
                (Form::Alias, Coll::Modules(Class::Nixos)) if r.typo.is_none() => Form::Alias,
                _ => Form::Select,
            };
            match form {
                Form::With => {
                    self.args.insert("config");
                    let scope = match coll {
                        Coll::Modules(c) => format!("config.flake.modules.{}", class_name(c)),
                        Coll::Custom(c) => format!("config.{}.modules", class_name(c)),
                        _ => unreachable!("`with` lists only over flake.modules and custom collections"),
                    };
                    let item = Value::raw(self.ref_name(r, true));
                    match withs.iter_mut().find(|(s, _)| *s == scope) {
                        Some((_, items)) => items.push(item),
                        None => withs.push((scope, vec![item])),
                    }
                }
                Form::Inherit => {
                    self.args.insert("config");
                    plain.push(Value::raw(self.ref_name(r, false)));
                }
                Form::Alias => {
                    self.args.insert("config");
                    self.alias = true;
                    let name = self.ref_name(r, false);
                    plain.push(Value::raw(format!("m.{name}")));
                }
                Form::Select => {
                    let text = self.select(r);
                    plain.push(Value::raw(text));
                }
            }
        }
        plain.extend(extra);
        let mut parts: Vec<Value> = withs.into_iter().map(|(scope, items)| Value::with_list(scope, items)).collect();
        if !plain.is_empty() {
            parts.push(Value::list(plain));
        }
        match parts.len() {
            0 => Value::list([]),
            1 => parts.pop().expect("one part"),
            _ => Value::Concat(parts),
        }
    }

    /// A lower-level module: its imports, then settings up to its size.
    fn module(&mut self, class: Class, imports: Option<Value>, lines: usize, keystroke: bool) -> Value {
        let mut b = Body::new(imports.is_none());
        if let Some(imports) = imports {
            b.tree.insert(path("imports"), imports);
        }
        if keystroke {
            let text = self.mark(MarkKind::KeystrokeBody, "Welcome to this machine");
            b.tree.insert(path("services.getty.helpLine"), Value::str(text));
        }
        body::fill(&mut self.rng, &mut b, class, lines);
        b.tree.set_styles(&mut self.rng, 0.25);
        let args = b.args();
        if args.is_empty() && !self.rng.chance(0.1) {
            Value::Attrs(b.tree)
        } else {
            Value::Lambda { args, body: Box::new(Value::Attrs(b.tree)) }
        }
    }

    fn feature_module(&mut self, m: &Module) -> (Vec<Seg>, Value) {
        let plan = self.plan;
        let aspect = &plan.aspects[m.aspect];
        let coll = aspect.coll;
        let mut at: Vec<Seg> = match coll {
            Coll::Modules(c) => path(&format!("flake.modules.{}", class_name(c))),
            Coll::Custom(c) => path(&format!("{}.modules", class_name(c))),
            Coll::Output(c) => path(&format!("flake.{}", output_name(c))),
            Coll::Den => path("den.aspects"),
            Coll::Vix => path("vix"),
        };
        at.push(self.def_seg(m.aspect));
        self.keystroke_ref = m.keystroke;
        let imports = (!m.imports.is_empty()).then(|| self.imports(&m.imports, Vec::new()));
        self.keystroke_ref = false;
        let value = match coll {
            Coll::Modules(c) | Coll::Custom(c) | Coll::Output(c) => self.module(c, imports, m.lines, m.keystroke),
            Coll::Den | Coll::Vix => {
                let mut tree = Tree::new();
                if let Some(imports) = imports {
                    tree.insert(path("includes"), imports);
                }
                let share = m.lines / m.classes.len().max(1);
                for &class in &m.classes {
                    let module = self.module(class, None, share, false);
                    tree.insert(path(class_name(class)), module);
                }
                Value::Attrs(tree)
            }
        };
        (at, value)
    }

    /// The file: header, arguments, `let` for inherited and aliased collections, and the tree.
    fn finish(&mut self, mut tree: Tree, header: Option<String>) -> String {
        tree.set_styles(&mut self.rng, 0.15);
        let mut out = String::new();
        if let Some(header) = header {
            out.push_str(&format!("# {header}\n"));
        }
        if self.args.contains("config") && self.rng.chance(0.3) {
            self.args.insert("lib");
        }
        let args: Vec<&str> = ARG_ORDER.iter().copied().filter(|a| self.args.contains(a)).collect();
        if !args.is_empty() {
            out.push_str(&format!("{{ {}, ... }}:\n", args.join(", ")));
        }
        if !self.inherited.is_empty() || self.alias {
            out.push_str("let\n");
            for class in [Class::Nixos, Class::HomeManager, Class::Darwin] {
                let names: Vec<&str> =
                    self.inherited.iter().filter(|(_, c)| *c == class).map(|(n, _)| n.as_str()).collect();
                if !names.is_empty() {
                    out.push_str(&format!(
                        "  inherit (config.flake.modules.{}) {};\n",
                        class_name(class),
                        names.iter().map(|n| attr(n)).collect::<Vec<_>>().join(" ")
                    ));
                }
            }
            if self.alias {
                out.push_str("  m = config.flake.modules.nixos;\n");
            }
            out.push_str("in\n");
        }
        Value::Attrs(tree).render(&mut out, 0);
        out.push('\n');
        out
    }

    pub fn file(&mut self, kind: &FileKind) -> String {
        match kind {
            FileKind::Flake => FLAKE.to_owned(),
            FileKind::FlakeParts => FLAKE_PARTS.to_owned(),
            FileKind::Options => OPTIONS.to_owned(),
            FileKind::Feature { modules } => self.feature(modules),
            FileKind::Host { host, part } => self.host(*host, *part),
            FileKind::User { user } => self.user(*user),
            FileKind::DenHosts { hosts } => self.den_hosts(hosts),
            FileKind::DenHost { host } => self.den_host(*host),
            FileKind::PerSystem => self.per_system(),
            FileKind::Package => self.package(),
            FileKind::Helper => self.helper(),
        }
    }

    fn feature(&mut self, modules: &[Module]) -> String {
        let mut tree = Tree::new();
        // Inherited names must be known before any `with` list is written, so modules with
        // inherit references go first.
        let mut order: Vec<&Module> = modules.iter().collect();
        order.sort_by_key(|m| !m.imports.iter().any(|r| r.form == Form::Inherit));
        let mut entries = Vec::new();
        for m in order {
            entries.push((m.aspect, self.feature_module(m)));
        }
        // Written in the plan's order, whatever order they were built in.
        for m in modules {
            let i = entries.iter().position(|(a, _)| *a == m.aspect).expect("built above");
            let (_, (at, value)) = entries.remove(i);
            tree.insert(at, value);
        }
        let plan = self.plan;
        let name = &plan.aspects[modules[0].aspect].name;
        let header = self.rng.chance(0.25).then(|| format!("{name}: {}", describe(&mut self.rng)));
        self.finish(tree, header)
    }

    fn host(&mut self, h: usize, part: usize) -> String {
        let plan = self.plan;
        let host = &plan.hosts[h];
        let name = host.name.clone();
        let mut tree = Tree::new();
        let aspect_path = || {
            let mut p = path("flake.modules.nixos");
            p.push(Seg::new(attr(&format!("hosts/{name}"))));
            p
        };
        if part > 0 {
            let at = match host.form {
                HostForm::Aspect => aspect_path(),
                _ => {
                    let mut p = path("configurations.nixos");
                    p.push(Seg::new(attr(&name)));
                    p.push(Seg::new("module"));
                    p
                }
            };
            let value = if part == 1 { hardware(&mut self.rng) } else { self.module(Class::Nixos, None, 25, false) };
            tree.insert(at, value);
            return self
                .finish(tree, Some(format!("{name}: {}", if part == 1 { "hardware" } else { "extra settings" })));
        }
        let imports = &host.imports;
        let home_manager = Value::raw("inputs.home-manager.nixosModules.home-manager");
        let lines = self.rng.range(10, 40);
        match host.form {
            HostForm::Aspect => {
                self.args.insert("inputs");
                let list = self.imports(imports, vec![home_manager]);
                let module = self.host_module(list, &name, lines);
                tree.insert(aspect_path(), module);
                self.args.insert("config");
                let modules =
                    Value::list([Value::raw(format!("config.flake.modules.nixos.{}", attr(&format!("hosts/{name}"))))]);
                let mut system = Tree::new();
                system.insert(path("modules"), modules);
                let value = Value::Apply {
                    func: "inputs.nixpkgs.lib.nixosSystem".to_owned(),
                    args: vec![Value::Attrs(system)],
                };
                tree.insert(vec![Seg::new("flake"), Seg::new("nixosConfigurations"), Seg::new(attr(&name))], value);
            }
            HostForm::Configurations => {
                self.args.insert("inputs");
                let list = self.imports(imports, vec![home_manager]);
                let module = self.host_module(list, &name, lines);
                tree.insert(
                    vec![Seg::new("configurations"), Seg::new("nixos"), Seg::new(attr(&name)), Seg::new("module")],
                    module,
                );
            }
            HostForm::System | HostForm::Darwin => {
                self.args.insert("inputs");
                let mut inline = Tree::new();
                inline.insert(path("networking.hostName"), Value::str(name.clone()));
                let (func, extra) = if host.form == HostForm::Darwin {
                    inline.insert(path("system.stateVersion"), Value::raw("5"));
                    ("inputs.nix-darwin.lib.darwinSystem", vec![Value::Attrs(inline)])
                } else {
                    inline.insert(path("system.stateVersion"), Value::str("24.11"));
                    ("inputs.nixpkgs.lib.nixosSystem", vec![home_manager, Value::Attrs(inline)])
                };
                let list = self.imports(imports, extra);
                let mut system = Tree::new();
                if host.form == HostForm::System {
                    system.insert(path("system"), Value::str("x86_64-linux"));
                }
                system.insert(path("modules"), list);
                let kind = if host.form == HostForm::Darwin { "darwinConfigurations" } else { "nixosConfigurations" };
                let value = Value::Apply { func: func.to_owned(), args: vec![Value::Attrs(system)] };
                tree.insert(vec![Seg::new("flake"), Seg::new(kind), Seg::new(attr(&name))], value);
            }
        }
        let header = self.rng.chance(0.5).then(|| format!("The host {name}."));
        self.finish(tree, header)
    }

    fn host_module(&mut self, imports: Value, name: &str, lines: usize) -> Value {
        let mut b = Body::new(false);
        b.tree.insert(path("imports"), imports);
        b.tree.insert(path("networking.hostName"), Value::str(name));
        b.tree.insert(path("system.stateVersion"), Value::str("24.11"));
        body::fill(&mut self.rng, &mut b, Class::Nixos, lines);
        b.tree.set_styles(&mut self.rng, 0.2);
        let args = b.args();
        if args.is_empty() {
            Value::Attrs(b.tree)
        } else {
            Value::Lambda { args, body: Box::new(Value::Attrs(b.tree)) }
        }
    }

    fn user(&mut self, u: usize) -> String {
        let plan = self.plan;
        let user = &plan.users[u];
        let name = user.name.clone();
        let mut hm = Tree::new();
        let mut imports = self.imports(&user.imports, Vec::new());
        if user.dynamic {
            // Names computed at evaluation: canopy cannot resolve them and must not complain.
            self.args.insert("config");
            let picked: Vec<Value> = user
                .imports
                .iter()
                .filter(|r| r.typo.is_none())
                .take(2)
                .map(|r| Value::str(plan.aspects[r.target].name.clone()))
                .collect();
            let dynamic = Value::Apply {
                func: "map".to_owned(),
                args: vec![Value::raw("(name: config.flake.modules.homeManager.${name})"), Value::list(picked)],
            };
            imports = match imports {
                Value::Concat(mut parts) => {
                    parts.push(dynamic);
                    Value::Concat(parts)
                }
                other => Value::Concat(vec![other, dynamic]),
            };
        }
        hm.insert(path("imports"), imports);
        hm.insert(path("home.stateVersion"), Value::str("24.11"));
        hm.insert(path("home.username"), Value::str(name.clone()));
        let mut b = Body::new(false);
        let mut account = Tree::new();
        account.insert(path("isNormalUser"), Value::raw("true"));
        account.insert(path("description"), Value::str(capitalise(&name)));
        account.insert(path("extraGroups"), Value::list([Value::str("wheel"), Value::str("networkmanager")]));
        account.insert(path("shell"), Value::raw("pkgs.zsh"));
        b.pkgs = true;
        b.tree.insert(vec![Seg::new("users"), Seg::new("users"), Seg::new(attr(&name))], Value::Attrs(account));
        b.tree.insert(path("programs.zsh.enable"), Value::raw("true"));
        b.tree.insert(vec![Seg::new("home-manager"), Seg::new("users"), Seg::new(attr(&name))], Value::Attrs(hm));
        b.tree.set_styles(&mut self.rng, 0.5);
        let module = Value::Lambda { args: b.args(), body: Box::new(Value::Attrs(b.tree)) };
        let mut tree = Tree::new();
        let mut at = path("flake.modules.nixos");
        at.push(self.def_seg(user.aspect));
        tree.insert(at, module);
        self.finish(tree, Some(format!("The user {name}, on every host that imports them.")))
    }

    fn den_hosts(&mut self, hosts: &[usize]) -> String {
        let plan = self.plan;
        let mut tree = Tree::new();
        for &d in hosts {
            let host = &plan.den_hosts[d];
            let at = vec![
                Seg::new("den"),
                Seg::new("hosts"),
                Seg::new("x86_64-linux"),
                Seg::new(attr(&host.name)),
                Seg::new("users"),
                Seg::new(attr(&host.user)),
            ];
            tree.insert(at, Value::Attrs(Tree::new()));
        }
        self.finish(tree, Some("Hosts and their users, built by den from the aspects of the same names.".to_owned()))
    }

    fn den_host(&mut self, d: usize) -> String {
        let plan = self.plan;
        let host = &plan.den_hosts[d];
        let name = host.name.clone();
        let includes = self.imports(&host.includes, Vec::new());
        let mut aspect = Tree::new();
        aspect.insert(path("includes"), includes);
        aspect.insert(path("nixos.networking.hostName"), Value::str(name.clone()));
        let mut tree = Tree::new();
        tree.insert(vec![Seg::new("den"), Seg::new("aspects"), Seg::new(attr(&name))], Value::Attrs(aspect));
        self.args.insert("den");
        self.finish(tree, None)
    }

    fn per_system(&mut self) -> String {
        let name = self.rng.pick(PACKAGES).to_string();
        let mut outputs = Tree::new();
        let mut app = Tree::new();
        app.insert(path("name"), Value::str(format!("{name}-wrapper")));
        let inputs: Vec<Value> = self.rng.sample(PACKAGES, 3).into_iter().map(Value::raw).collect();
        app.insert(path("runtimeInputs"), Value::with_list("pkgs", inputs));
        let lines =
            (0..self.rng.range(3, 12)).map(|i| format!("echo \"step {i}: {}\"", self.rng.pick(WORDS))).collect();
        app.insert(path("text"), Value::Lines(lines));
        let app = Value::Apply { func: "pkgs.writeShellApplication".to_owned(), args: vec![Value::Attrs(app)] };
        outputs.insert(vec![Seg::new("packages"), Seg::new(format!("{name}-wrapper"))], app);
        let mut shell = Tree::new();
        let tools: Vec<Value> = self.rng.sample(PACKAGES, 5).into_iter().map(Value::raw).collect();
        shell.insert(path("packages"), Value::with_list("pkgs", tools));
        shell.insert(path("shellHook"), Value::Lines(vec![format!("echo \"{name} shell\"")]));
        let shell = Value::Apply { func: "pkgs.mkShell".to_owned(), args: vec![Value::Attrs(shell)] };
        outputs.insert(vec![Seg::new("devShells"), Seg::new(format!("{name}-dev"))], shell);
        let mut tree = Tree::new();
        let value = Value::Lambda { args: vec!["pkgs".to_owned()], body: Box::new(Value::Attrs(outputs)) };
        tree.insert(path("perSystem"), value);
        self.finish(tree, None)
    }

    fn package(&mut self) -> String {
        let name = self.rng.pick(PACKAGES);
        let version = format!("{}.{}.{}", self.rng.range(0, 5), self.rng.range(0, 30), self.rng.range(0, 9));
        let hash: String = (0..43).map(|_| *self.rng.pick(&['a', 'B', '3', 'x', 'Q', '9', 'k', 'Z'])).collect();
        format!(
            "{{ lib, stdenv, fetchFromGitHub, ... }}:\n\nstdenv.mkDerivation rec {{\n  pname = \"{name}\";\n  version = \"{version}\";\n\n  src = fetchFromGitHub {{\n    owner = \"example\";\n    repo = pname;\n    rev = \"v${{version}}\";\n    hash = \"sha256-{hash}=\";\n  }};\n\n  installPhase = ''\n    runHook preInstall\n    install -Dm755 {name} $out/bin/{name}\n    runHook postInstall\n  '';\n\n  meta = with lib; {{\n    description = \"{}\";\n    license = licenses.mit;\n    platforms = platforms.linux;\n  }};\n}}\n",
            describe(&mut self.rng)
        )
    }

    fn helper(&mut self) -> String {
        let word = self.rng.pick(WORDS);
        let service = self.rng.pick(SERVICES);
        format!(
            "# Helpers for `{word}` settings. import-tree skips `_` folders: files that need these import\n# them by path.\n{{ lib }}:\n{{\n  mkService = name: port: {{\n    services.${{name}} = {{\n      enable = true;\n      inherit port;\n    }};\n    networking.firewall.allowedTCPPorts = [ port ];\n  }};\n\n  toFlags = attrs: lib.concatStringsSep \" \" (lib.mapAttrsToList (k: v: \"--${{k}}=${{toString v}}\") attrs);\n\n  default{word} = {{\n    service = \"{service}\";\n    retries = {};\n  }};\n}}\n",
            self.rng.range(1, 9)
        )
    }
}

/// The hardware half of a host, as `nixos-generate-config` writes it, wrapped as an aspect.
fn hardware(rng: &mut Rng) -> Value {
    let uuid =
        |rng: &mut Rng| format!("{:08x}-{:04x}-{:04x}", rng.next_u64() as u32, rng.below(65536), rng.below(65536));
    let mut t = Tree::new();
    t.insert(path("imports"), Value::list([Value::raw("(modulesPath + \"/installer/scan/not-detected.nix\")")]));
    let modules = ["xhci_pci", "nvme", "usb_storage", "sd_mod", "ahci", "thunderbolt"];
    t.insert(
        path("boot.initrd.availableKernelModules"),
        Value::list(rng.sample(&modules, 4).into_iter().map(Value::str)),
    );
    t.insert(path("boot.kernelModules"), Value::list([Value::str(*rng.pick(&["kvm-amd", "kvm-intel"]))]));
    let mut root = Tree::new();
    root.insert(path("device"), Value::str(format!("/dev/disk/by-uuid/{}", uuid(rng))));
    root.insert(path("fsType"), Value::str(*rng.pick(&["ext4", "btrfs", "xfs"])));
    t.insert(vec![Seg::new("fileSystems"), Seg::new("\"/\"")], Value::Attrs(root));
    let mut boot = Tree::new();
    boot.insert(path("device"), Value::str(format!("/dev/disk/by-uuid/{}", uuid(rng))));
    boot.insert(path("fsType"), Value::str("vfat"));
    boot.insert(path("options"), Value::list([Value::str("fmask=0022"), Value::str("dmask=0022")]));
    t.insert(vec![Seg::new("fileSystems"), Seg::new("\"/boot\"")], Value::Attrs(boot));
    t.insert(path("swapDevices"), Value::list([]));
    let mk = |v: &str| Value::Apply { func: "lib.mkDefault".to_owned(), args: vec![Value::raw(v)] };
    t.insert(path("nixpkgs.hostPlatform"), mk("\"x86_64-linux\""));
    t.insert(path("hardware.cpu.amd.updateMicrocode"), mk("config.hardware.enableRedistributableFirmware"));
    t.set_styles(rng, 0.3);
    Value::Lambda {
        args: vec!["config".to_owned(), "lib".to_owned(), "modulesPath".to_owned()],
        body: Box::new(Value::Attrs(t)),
    }
}

fn describe(rng: &mut Rng) -> String {
    const WHAT: &[&str] = &[
        "settings shared by every machine that wants it",
        "what I use daily",
        "kept separate so servers can skip it",
        "from the old configuration.nix, split up",
        "defaults, overridden per host",
        "experimental; remove if it breaks",
    ];
    rng.pick(WHAT).to_string()
}

fn capitalise(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

const FLAKE: &str = r#"{
  description = "My machines: NixOS, nix-darwin and home-manager in the dendritic style";

  inputs = {
    nixpkgs.url = "github:nixos/nixpkgs/nixos-unstable";
    flake-parts.url = "github:hercules-ci/flake-parts";
    import-tree.url = "github:vic/import-tree";
    home-manager = {
      url = "github:nix-community/home-manager";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    nix-darwin = {
      url = "github:nix-darwin/nix-darwin";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    den.url = "github:vic/den";
  };

  # Every file below ./modules is a flake-parts module.
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules);
}
"#;

const FLAKE_PARTS: &str = r#"{ inputs, ... }:
{
  imports = [
    inputs.flake-parts.flakeModules.modules
    inputs.home-manager.flakeModules.home-manager
    inputs.den.flakeModule
    # den's namespace: the module argument `vix` and the collection `vix.<aspect>`.
    (inputs.den.namespace "vix" true)
  ];

  systems = [
    "x86_64-linux"
    "aarch64-linux"
    "aarch64-darwin"
  ];
}
"#;

const OPTIONS: &str = r#"# Collections of our own: `nixos.modules.<aspect>` and `homeManager.modules.<aspect>`, and hosts
# under `configurations.nixos.<host>`.
{ lib, ... }:
{
  options = {
    nixos.modules = lib.mkOption {
      type = lib.types.lazyAttrsOf lib.types.deferredModule;
      default = { };
    };
    homeManager.modules = lib.mkOption {
      type = lib.types.lazyAttrsOf lib.types.deferredModule;
      default = { };
    };
    configurations.nixos = lib.mkOption {
      type = lib.types.lazyAttrsOf (
        lib.types.submodule {
          options.module = lib.mkOption { type = lib.types.deferredModule; };
        }
      );
      default = { };
    };
  };
}
"#;
