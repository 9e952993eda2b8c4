//! One large file in the style of nixpkgs' `pkgs/top-level/all-packages.nix`: a function of the
//! package set returning one attrset of about 16,000 bindings (1.7 MB), mostly `callPackage`
//! calls with the variety of the real file: arguments, `inherit (x) y`, overrides, strings,
//! comments and section headers.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::names::{PACKAGES, WORDS};
use crate::rng::Rng;

/// Bindings in the file, as in all-packages.nix around 2024.
pub const BINDINGS: usize = 16_000;

const SYLLABLES: &[&str] = &[
    "lib", "py", "go", "rs", "xml", "json", "net", "ssl", "gtk", "qt", "kde", "gnome", "x", "wl", "vk", "gl", "cl",
    "av", "img", "font", "term", "shell", "nix", "git", "hg", "zip", "lz", "zstd", "ff", "snd", "mpd", "irc", "mail",
    "dns", "http", "web", "sql", "pg", "redis", "kafka", "k8s", "cloud", "aws", "gcp", "az", "tf", "vm", "qemu",
];
const STEMS: &[&str] = &[
    "tool", "util", "view", "edit", "mon", "sync", "fetch", "pack", "play", "read", "write", "lint", "fmt", "build",
    "test", "doc", "gen", "cat", "top", "ctl", "d", "srv", "cli", "gui", "lib", "kit", "box", "hub", "way", "flow",
];
const CATEGORIES: &[&str] = &[
    "applications/misc",
    "applications/networking",
    "applications/editors",
    "applications/audio",
    "applications/video",
    "applications/graphics",
    "development/libraries",
    "development/tools",
    "development/python-modules",
    "development/compilers",
    "tools/misc",
    "tools/networking",
    "tools/security",
    "tools/system",
    "servers",
    "games",
    "os-specific/linux",
    "data/fonts",
    "by-name",
];

/// Draws unique binding names that read like package attributes.
struct Names {
    used: HashSet<String>,
}

impl Names {
    fn next(&mut self, rng: &mut Rng) -> String {
        loop {
            let name = match rng.weighted(&[20, 45, 25, 10]) {
                0 => rng.pick(PACKAGES).to_string(),
                1 => format!("{}{}", rng.pick(SYLLABLES), rng.pick(STEMS)),
                2 => format!("{}-{}", rng.pick(SYLLABLES), rng.pick(STEMS)),
                _ => format!("{}{}_{}", rng.pick(SYLLABLES), rng.pick(STEMS), rng.range(1, 40)),
            };
            let name = if self.used.contains(&name) { format!("{name}-{}", rng.range(2, 999)) } else { name };
            if super::nix::is_ident(&name) && self.used.insert(name.clone()) {
                return name;
            }
        }
    }
}

/// The file's text, the same for the same seed.
pub fn generate(seed: u64) -> String {
    let mut rng = Rng::new(seed ^ 0xA11_9AC6);
    let mut names = Names { used: HashSet::new() };
    let mut defined: Vec<String> = Vec::new();
    let mut out = String::with_capacity(1_800_000);
    out.push_str(
        "/* The top-level package collection of a Nix package set: every package, by attribute name.\n\n   \
         Keep the sections in alphabetical order within each other, and please add new packages to\n   \
         pkgs/by-name when they need no arguments beyond what callPackage provides.\n*/\n\
         { lib, callPackage, ... }:\n\nwith lib;\n\n{\n",
    );
    let mut bindings = 0;
    while bindings < BINDINGS {
        if bindings % 400 == 0 {
            let _ = write!(out, "\n  ### {}\n\n", rng.pick(CATEGORIES).to_uppercase().replace('/', " / "));
        }
        if rng.chance(0.3) {
            const NOTES: &[&str] = &[
                "needs the newer toolchain until upstream releases a fix",
                "keep in sync with the version in the python package set",
                "broken on darwin, see the issue tracker",
                "alias kept for compatibility, remove after the next release",
                "builds with the default stdenv since the last mass rebuild",
            ];
            let _ = writeln!(out, "  # {}: {}", rng.pick(PACKAGES), rng.pick(NOTES));
        }
        let name = names.next(&mut rng);
        let dir = if rng.chance(0.6) {
            const SUB: &[&str] =
                &["browsers", "editors", "compression", "filesystems", "backup", "text", "security", "window-managers"];
            format!("../{}/{}/{name}", rng.pick(CATEGORIES), rng.pick(SUB))
        } else {
            format!("../{}/{name}", rng.pick(CATEGORIES))
        };
        bindings += binding(&mut out, &mut rng, &mut names, &mut defined, &name, &dir);
        defined.push(name);
        bindings += 1;
    }
    out.push_str("}\n");
    out
}

/// Writes the binding of `name`, a package in the folder `dir`, in one of the file's forms
/// (`defined`: the names bound before it); returns how many other names it bound.
fn binding(
    out: &mut String,
    rng: &mut Rng,
    names: &mut Names,
    defined: &mut Vec<String>,
    name: &str,
    dir: &str,
) -> usize {
    match rng.weighted(&[48, 16, 9, 4, 5, 4, 3, 3, 3, 5]) {
        0 => {
            let _ = writeln!(out, "  {name} = callPackage {dir} {{ }};");
        }
        1 => call_with_inherit(out, rng, name, dir),
        2 => call_with_stdenv(out, rng, name, dir),
        3 if !defined.is_empty() => {
            let base = rng.pick(defined).clone();
            let _ = writeln!(out, "  {name} = {base}.override {{ enable{} = false; }};", capitalised(rng.word(WORDS)));
        }
        4 if !defined.is_empty() => {
            let base = rng.pick(defined).clone();
            let _ = writeln!(
                out,
                "  {name} = {base}.overrideAttrs (old: {{\n    version = \"{}.{}\";\n    patches = (old.patches or [ ]) ++ [ ./patches/{name}.patch ];\n  }});",
                rng.range(0, 9),
                rng.range(0, 30)
            );
        }
        5 => {
            // An inherit of several attributes from one call binds each of them.
            let extra = names.next(rng);
            let _ = writeln!(out, "  inherit (callPackage {dir} {{ }}) {name} {extra};");
            defined.push(extra);
            return 1;
        }
        6 => {
            let _ = writeln!(out, "  {name} = recurseIntoAttrs (callPackage {dir} {{ }});");
        }
        7 => {
            let _ = writeln!(
                out,
                "  {name} = writeShellScriptBin \"{name}\" ''\n    exec ${{{}}}/bin/{} \"$@\"\n  '';",
                rng.pick(PACKAGES),
                rng.pick(PACKAGES)
            );
        }
        8 => {
            let _ = writeln!(out, "  {name} = \"{}.{}.{}\";", rng.range(0, 9), rng.range(0, 40), rng.range(0, 9));
        }
        _ => {
            let _ = writeln!(
                out,
                "  {name} = callPackage {dir} {{\n    # {} {}\n    {} = null;\n  }};",
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.pick(&["cudaSupport", "withGui", "enablePython", "withSystemd"])
            );
        }
    }
    0
}

/// `callPackage` with an `inherit (set) ...` and an override among its arguments.
fn call_with_inherit(out: &mut String, rng: &mut Rng, name: &str, dir: &str) {
    let _ = writeln!(
        out,
        "  {name} = callPackage {dir} {{\n    inherit ({}) {} {};\n    {} = {};\n  }};",
        rng.pick(&["darwin.apple_sdk.frameworks", "xorg", "gnome", "python3Packages", "llvmPackages"]),
        rng.pick(&["Security", "CoreServices", "libX11", "libXext", "setuptools", "clang"]),
        rng.pick(&["Foundation", "AppKit", "libXrandr", "wheel", "lld", "libxcb"]),
        rng.pick(&["openssl", "python", "lua", "boost", "protobuf"]),
        rng.pick(&["openssl_3", "python3", "lua5_4", "boost183", "protobuf_25"]),
    );
}

/// `callPackage` with another `stdenv` and a feature flag.
fn call_with_stdenv(out: &mut String, rng: &mut Rng, name: &str, dir: &str) {
    let _ = writeln!(
        out,
        "  {name} = callPackage {dir} {{\n    stdenv = {};\n    with{} = {};\n  }};",
        rng.pick(&["gccStdenv", "clangStdenv", "llvmPackages_17.stdenv", "stdenvNoCC"]),
        capitalised(rng.word(WORDS)),
        rng.pick(&["true", "false"]),
    );
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
