//! Bodies of lower-level modules (NixOS, home-manager, nix-darwin): the settings that make up most
//! of the text of a real dendritic repository, and so most of what canopy parses.

use super::names::{PACKAGES, PROGRAMS, SERVICES, USERS, WORDS};
use super::nix::{Seg, Tree, Value, path};
use crate::rng::Rng;

/// A lower-level module's class, as far as its settings go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Nixos,
    HomeManager,
    Darwin,
}

/// A module body being filled, and the module arguments its settings read.
pub struct Body {
    pub tree: Tree,
    pub pkgs: bool,
    pub lib: bool,
    /// Reads the lower-level `config` (`lib.mkIf config.services.x.enable`). Only allowed when the
    /// module imports nothing through the flake's `config`, which it would then shadow.
    pub config: bool,
    allow_config: bool,
    lines: usize,
}

impl Body {
    pub fn new(allow_config: bool) -> Body {
        Body { tree: Tree::new(), pkgs: false, lib: false, config: false, allow_config, lines: 0 }
    }

    /// Inserts a setting; a clash with an earlier one is dropped silently (the next draw fills
    /// the space).
    fn set(&mut self, p: Vec<Seg>, value: Value, comment: Option<String>) {
        let lines = value.lines() + usize::from(comment.is_some());
        if self.tree.insert_commented(p, value, comment) {
            self.lines += lines;
        }
    }

    /// The module arguments to ask for, in the usual order.
    pub fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if self.config {
            args.push("config".to_owned());
        }
        if self.lib {
            args.push("lib".to_owned());
        }
        if self.pkgs {
            args.push("pkgs".to_owned());
        }
        args
    }
}

/// Adds settings of `class` until the body holds about `lines` lines.
pub fn fill(rng: &mut Rng, body: &mut Body, class: Class, lines: usize) {
    let mut misses = 0;
    while body.lines < lines && misses < 50 {
        let before = body.lines;
        match class {
            Class::Nixos => nixos_setting(rng, body),
            Class::HomeManager => home_setting(rng, body),
            Class::Darwin => darwin_setting(rng, body),
        }
        // Each kind of setting fits a body only so often; stop when draws keep clashing.
        misses = if body.lines == before { misses + 1 } else { 0 };
    }
}

fn comment(rng: &mut Rng, what: &str) -> Option<String> {
    const NOTES: &[&str] = &[
        "keep in sync with the firewall rules below",
        "upstream default is too conservative for this machine",
        "see the release notes before changing this",
        "needed since the last nixpkgs bump",
        "TODO: move to its own aspect once it grows",
        "only matters on hosts with a discrete GPU",
    ];
    rng.chance(0.12)
        .then(|| if rng.chance(0.5) { format!("{what}: {}", rng.pick(NOTES)) } else { rng.pick(NOTES).to_string() })
}

fn packages(rng: &mut Rng, body: &mut Body, lo: usize, hi: usize) -> Value {
    body.pkgs = true;
    let n = rng.range(lo, hi);
    Value::with_list("pkgs", rng.sample(PACKAGES, n).into_iter().map(Value::raw))
}

fn scalar(rng: &mut Rng) -> Value {
    match rng.below(6) {
        0 => Value::raw("true"),
        1 => Value::raw("false"),
        2 => Value::raw(rng.range(1, 65535).to_string()),
        3 => Value::str(format!("{}-{}", rng.pick(WORDS), rng.pick(WORDS))),
        4 => Value::str(format!("/var/lib/{}", rng.pick(SERVICES))),
        _ => Value::list((0..rng.range(1, 3)).map(|_| Value::str(rng.pick(WORDS).to_string()))),
    }
}

/// A free-form settings attrset, as services' `settings` options take.
fn settings(rng: &mut Rng, depth: usize) -> Tree {
    let mut tree = Tree::new();
    for _ in 0..rng.range(2, 6) {
        let key = if rng.chance(0.2) {
            format!("{}_{}", rng.pick(WORDS), rng.pick(WORDS))
        } else {
            rng.pick(WORDS).to_string()
        };
        let value = if depth < 2 && rng.chance(0.2) { Value::Attrs(settings(rng, depth + 1)) } else { scalar(rng) };
        tree.insert(vec![Seg::new(key)], value);
    }
    tree.set_styles(rng, 0.5);
    tree
}

fn script(rng: &mut Rng, body: &mut Body) -> Value {
    body.pkgs = true;
    let tool = rng.pick(PACKAGES);
    let mut lines = vec!["set -euo pipefail".to_owned(), format!("${{pkgs.{tool}}}/bin/{tool} --version")];
    for _ in 0..rng.range(1, 8) {
        lines.push(match rng.below(4) {
            0 => format!("echo \"{} {}\"", rng.pick(WORDS), rng.pick(WORDS)),
            1 => format!("mkdir -p /var/lib/{}", rng.pick(SERVICES)),
            2 => "if [ -n \"''${DEBUG:-}\" ]; then set -x; fi".to_owned(),
            _ => format!("${{pkgs.coreutils}}/bin/sleep {}", rng.range(1, 30)),
        });
    }
    Value::Lines(lines)
}

fn config_text(rng: &mut Rng) -> Value {
    let mut lines = vec![format!("# managed by nix: {}", rng.pick(WORDS))];
    let n = rng.range(2, 12);
    for key in rng.sample(WORDS, n) {
        lines.push(format!("{key} = {}", rng.range(0, 4096)));
    }
    Value::Lines(lines)
}

fn nixos_setting(rng: &mut Rng, body: &mut Body) {
    let service = rng.pick(SERVICES).to_string();
    match rng.weighted(&[16, 10, 8, 6, 6, 6, 5, 5, 4, 4, 4, 3]) {
        0 => {
            let c = comment(rng, &service);
            body.set(path(&format!("services.{service}.enable")), Value::raw("true"), c);
            if rng.chance(0.5) {
                let v = Value::raw("true");
                body.set(path(&format!("services.{service}.openFirewall")), v, None);
            }
        }
        1 => {
            let v = Value::Attrs(settings(rng, 0));
            body.set(path(&format!("services.{service}.settings")), v, None);
        }
        2 => {
            let v = packages(rng, body, 3, 14);
            body.set(path("environment.systemPackages"), v, comment(rng, "packages"));
        }
        3 => {
            let name = format!("{}-{}", service, rng.pick(WORDS));
            let mut unit = Tree::new();
            unit.insert(path("description"), Value::str(format!("{} {}", service, rng.pick(WORDS))));
            unit.insert(path("wantedBy"), Value::list([Value::str("multi-user.target")]));
            unit.insert(path("after"), Value::list([Value::str("network-online.target")]));
            unit.insert(path("serviceConfig.Restart"), Value::str("on-failure"));
            unit.insert(path("serviceConfig.DynamicUser"), Value::raw("true"));
            unit.insert(path("script"), script(rng, body));
            unit.set_styles(rng, 0.6);
            body.set(path(&format!("systemd.services.{name}")), Value::Attrs(unit), None);
        }
        4 => {
            let ports: Vec<Value> = (0..rng.range(1, 5)).map(|_| Value::raw(rng.range(22, 9999).to_string())).collect();
            body.set(path("networking.firewall.allowedTCPPorts"), Value::list(ports), None);
        }
        5 => {
            let file = format!("{}/{}.conf", service, rng.pick(WORDS));
            let mut p = path("environment.etc");
            p.push(Seg::new(format!("\"{file}\"")));
            p.push(Seg::new("text"));
            body.set(p, config_text(rng), comment(rng, &file));
        }
        6 => {
            let program = rng.pick(PROGRAMS);
            body.set(path(&format!("programs.{program}.enable")), Value::raw("true"), None);
        }
        7 => {
            body.lib = true;
            let v = Value::Apply { func: "lib.mkDefault".to_owned(), args: vec![scalar(rng)] };
            body.set(path(&format!("services.{service}.{}", rng.pick(WORDS))), v, None);
        }
        8 => {
            let mut p = path("boot.kernel.sysctl");
            p.push(Seg::new(format!("\"net.ipv4.{}\"", rng.pick(WORDS))));
            body.set(p, Value::raw(rng.range(0, 2).to_string()), None);
        }
        9 if body.allow_config => {
            // A service that follows another option: reads the lower-level `config`.
            body.lib = true;
            body.config = true;
            let mut inner = Tree::new();
            inner.insert(path("enable"), Value::raw("true"));
            inner.insert(path(rng.word(WORDS)), scalar(rng));
            let other = other_service(rng, &service);
            let cond = format!("config.services.{other}.enable");
            let v = Value::Apply { func: "lib.mkIf".to_owned(), args: vec![Value::raw(cond), Value::Attrs(inner)] };
            body.set(path(&format!("services.{service}")), v, None);
        }
        10 => {
            let user = rng.pick(USERS);
            let groups = rng.sample(&["wheel", "video", "audio", "networkmanager", "docker", "libvirtd"], 2);
            let v = Value::list(groups.into_iter().map(Value::str));
            body.set(path(&format!("users.users.{user}.extraGroups")), v, None);
        }
        _ => {
            let v = Value::raw(format!("\"{}\"", rng.pick(&["performance", "powersave", "schedutil"])));
            body.set(path("powerManagement.cpuFreqGovernor"), v, None);
        }
    }
}

/// A service other than `service`: a condition on the service's own `enable` around its
/// definition would wait on itself (`self-referential-definition`). Where the draw is the same
/// service, its neighbour in the list keeps the random stream, and so the rest of the workspace,
/// as it was.
fn other_service(rng: &mut Rng, service: &str) -> &'static str {
    let drawn = rng.word(SERVICES);
    if drawn != service {
        return drawn;
    }
    let at = SERVICES.iter().position(|s| *s == drawn).unwrap_or(0);
    SERVICES[(at + 1) % SERVICES.len()]
}

fn home_setting(rng: &mut Rng, body: &mut Body) {
    let program = rng.pick(PROGRAMS).to_string();
    match rng.weighted(&[16, 10, 8, 6, 5, 5, 4]) {
        0 => {
            let c = comment(rng, &program);
            body.set(path(&format!("programs.{program}.enable")), Value::raw("true"), c);
        }
        1 => {
            let v = Value::Attrs(settings(rng, 0));
            body.set(path(&format!("programs.{program}.settings")), v, None);
        }
        2 => {
            let v = packages(rng, body, 2, 12);
            body.set(path("home.packages"), v, comment(rng, "packages"));
        }
        3 => {
            let mut p = path("xdg.configFile");
            p.push(Seg::new(format!("\"{program}/config\"")));
            p.push(Seg::new("text"));
            body.set(p, config_text(rng), None);
        }
        4 => {
            let v = Value::str(rng.pick(&["nvim", "hx", "vim", "emacs"]).to_string());
            body.set(path(&format!("home.sessionVariables.{}", rng.pick(WORDS).to_uppercase())), v, None);
        }
        5 => {
            body.lib = true;
            let v = Value::Apply { func: "lib.mkDefault".to_owned(), args: vec![scalar(rng)] };
            body.set(path(&format!("programs.{program}.{}", rng.pick(WORDS))), v, None);
        }
        _ => {
            let mut p = path("home.file");
            p.push(Seg::new(format!("\".{program}rc\"")));
            p.push(Seg::new("text"));
            body.set(p, config_text(rng), None);
        }
    }
}

fn darwin_setting(rng: &mut Rng, body: &mut Body) {
    match rng.weighted(&[6, 5, 4, 3]) {
        0 => {
            let v = Value::list(
                rng.sample(&["firefox", "raycast", "rectangle", "iterm2", "obsidian"], 3).into_iter().map(Value::str),
            );
            body.set(path("homebrew.casks"), v, None);
        }
        1 => {
            let key = rng.pick(&["autohide", "show-recents", "mru-spaces", "orientation"]);
            body.set(path(&format!("system.defaults.dock.{key}")), scalar(rng), None);
        }
        2 => {
            let v = packages(rng, body, 2, 8);
            body.set(path("environment.systemPackages"), v, None);
        }
        _ => {
            let program = rng.pick(&["zsh", "fish", "bash", "gnupg.agent"]);
            body.set(path(&format!("programs.{program}.enable")), Value::raw("true"), None);
        }
    }
}
