//! Reading import-tree calls, and classifying paths by their roots.

use super::calls::*;
use super::roots::*;
use crate::syntax;
use crate::syntax::names::NameTable;
use expect_test::{Expect, expect};

fn parse_calls(src: &str) -> Vec<ImportTreeCall> {
    let parse = syntax::parse(src);
    let root = parse.root();
    find_calls(&root, &NameTable::build(&root))
}

/// Renders each call's text, then its roots, filters and flags.
fn check_calls(src: &str, expect: Expect) {
    let mut out = String::new();
    for call in parse_calls(src) {
        // Calls that span lines print on one.
        let text = src[call.range].split_whitespace().collect::<Vec<_>>().join(" ");
        out += &format!("{text}\n  roots: {:?}\n", call.roots);
        for filter in &call.filters {
            out += &format!("  {filter:?}\n");
        }
        if let Some(init) = &call.init_filter {
            out += &format!("  init: {init:?}\n");
        }
        if call.has_dynamic_root {
            out += "  dynamic root\n";
        }
        if call.has_dynamic_filter {
            out += "  dynamic filter\n";
        }
    }
    expect.assert_eq(&out);
}

/// `files`: (path, source) of the files holding calls. Renders the roots, then each path's
/// kind.
fn check_kinds(files: &[(&str, &str)], fallback: bool, paths: &[&str], expect: Expect) {
    let calls: Vec<(&str, Vec<ImportTreeCall>)> = files.iter().map(|(path, src)| (*path, parse_calls(src))).collect();
    let roots = ImportTreeRoots::new(
        calls.iter().flat_map(|(path, calls)| calls.iter().map(move |call| (*path, call))),
        fallback,
    );
    let mut out = format!("roots: {:?}\n", roots.roots());
    for path in paths {
        out += &format!("{path}: {:?}\n", roots.classify(path));
    }
    expect.assert_eq(&out);
}

#[test]
fn plain_calls() {
    check_calls(
        r#"inputs:
          inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules)"#,
        expect![[r#"
            inputs.import-tree ./modules
              roots: ["./modules"]
        "#]],
    );
    check_calls(
        "{ import-tree, ... }: { imports = [ (import-tree [ ./hosts ./modules ]) ]; }",
        expect![[r#"
            import-tree [ ./hosts ./modules ]
              roots: ["./hosts", "./modules"]
        "#]],
    );
    check_calls(
        "{ inputs, ... }: { imports = [ (inputs.import-tree ../../modules) ]; }",
        expect![[r#"
            inputs.import-tree ../../modules
              roots: ["../../modules"]
        "#]],
    );
    check_calls(
        "inputs: with inputs; import-tree ./modules",
        expect![[r#"
            import-tree ./modules
              roots: ["./modules"]
        "#]],
    );
    check_calls(
        "inputs: let inherit (inputs) import-tree; in import-tree ./modules",
        expect![[r#"
            import-tree ./modules
              roots: ["./modules"]
        "#]],
    );
    check_calls(
        "inputs: (import inputs.import-tree) ./modules",
        expect![[r#"
            (import inputs.import-tree) ./modules
              roots: ["./modules"]
        "#]],
    );
    check_calls(
        "inputs: let tree = import inputs.import-tree; in tree ./modules",
        expect![[r#"
            tree ./modules
              roots: ["./modules"]
        "#]],
    );
    check_calls(
        "inputs: ./modules |> inputs.import-tree",
        expect![[r#"
            ./modules |> inputs.import-tree
              roots: ["./modules"]
        "#]],
    );
}

#[test]
fn root_expressions() {
    check_calls(
        "import-tree [ ./a [ ./b ] ./c/../d/. modules/e ./. ]",
        expect![[r#"
            import-tree [ ./a [ ./b ] ./c/../d/. modules/e ./. ]
              roots: ["./a", "./b", "./d", "./modules/e", "."]
        "#]],
    );
    check_calls(
        r#"import-tree (./. + "/my modules" + "/[x] é")"#,
        expect![[r#"
            import-tree (./. + "/my modules" + "/[x] é")
              roots: ["./my modules/[x] é"]
        "#]],
    );
    check_calls(
        "let dirs = [ ./hosts ]; in import-tree dirs",
        expect![[r#"
            import-tree dirs
              roots: ["./hosts"]
        "#]],
    );
    check_calls(
        r#"{ self, x, ... }: [
          (import-tree (self + "/modules"))
          (import-tree [ ./a ./${x} /abs <p> ])
          (import-tree (./modules + "x"))
          (import-tree ([ ./hosts ] ++ [ ./modules ]))
        ]"#,
        expect![[r#"
            import-tree (self + "/modules")
              roots: []
              dynamic root
            import-tree [ ./a ./${x} /abs <p> ]
              roots: ["./a"]
              dynamic root
            import-tree (./modules + "x")
              roots: []
              dynamic root
            import-tree ([ ./hosts ] ++ [ ./modules ])
              roots: []
              dynamic root
        "#]],
    );
}

#[test]
fn filters() {
    check_calls(
        r#"(import inputs.import-tree).filterNot (lib.hasSuffix ".pkg.nix") ./modules"#,
        expect![[r#"
            (import inputs.import-tree).filterNot (lib.hasSuffix ".pkg.nix") ./modules
              roots: ["./modules"]
              Drop(Suffix(".pkg.nix"))
        "#]],
    );
    check_calls(
        r#"(inputs.import-tree.filter (lib.hasInfix "/x/")).filterNot
          (lib.strings.hasPrefix "/y") ./modules"#,
        expect![[r#"
            (inputs.import-tree.filter (lib.hasInfix "/x/")).filterNot (lib.strings.hasPrefix "/y") ./modules
              roots: ["./modules"]
              Keep(Infix("/x/"))
              Drop(Prefix("/y"))
        "#]],
    );
    check_calls(
        r#"(import-tree.match ".*/[a-z]+\\.nix").matchNot ''.*/test_.*'' ./modules"#,
        expect![[r#"
            (import-tree.match ".*/[a-z]+\\.nix").matchNot ''.*/test_.*'' ./modules
              roots: ["./modules"]
              Keep(Regex(".*/[a-z]+\\.nix"))
              Drop(Regex(".*/test_.*"))
        "#]],
    );
    check_calls(
        r#"with lib; import-tree.filter (p: !hasInfix "/wip/" p) ./modules"#,
        expect![[r#"
            import-tree.filter (p: !hasInfix "/wip/" p) ./modules
              roots: ["./modules"]
              Drop(Infix("/wip/"))
        "#]],
    );
    check_calls(
        r#"let
          isPkg = lib.hasSuffix suffix;
          suffix = ".pkg.nix";
        in import-tree.filterNot isPkg ./modules"#,
        expect![[r#"
            import-tree.filterNot isPkg ./modules
              roots: ["./modules"]
              Drop(Suffix(".pkg.nix"))
        "#]],
    );
    check_calls(
        r#"let tree = inputs.import-tree.filterNot (lib.hasSuffix ".x.nix"); in tree ./modules"#,
        expect![[r#"
            tree ./modules
              roots: ["./modules"]
              Drop(Suffix(".x.nix"))
        "#]],
    );
    check_calls(
        r#"import-tree.initFilter (lib.hasSuffix ".nix") ./modules"#,
        expect![[r#"
            import-tree.initFilter (lib.hasSuffix ".nix") ./modules
              roots: ["./modules"]
              init: Suffix(".nix")
        "#]],
    );
    // Unreadable filters are left out and flagged; the call still counts.
    check_calls(
        r#"p: [
          (((import-tree.filter (q: builtins.match "x" q != null)).filterNot (f p)).map
            import ./modules)
          (import-tree.filter (q: lib.hasSuffix "x" p) ./other)
        ]"#,
        expect![[r#"
            ((import-tree.filter (q: builtins.match "x" q != null)).filterNot (f p)).map import ./modules
              roots: ["./modules"]
              dynamic filter
            import-tree.filter (q: lib.hasSuffix "x" p) ./other
              roots: ["./other"]
              dynamic filter
        "#]],
    );
}

#[test]
fn add_path() {
    check_calls(
        "{ imports = [ ((import-tree.addPath ./vendor).addPath ./modules) ]; }",
        expect![[r#"
            (import-tree.addPath ./vendor).addPath ./modules
              roots: ["./vendor", "./modules"]
        "#]],
    );
    check_calls(
        "(import-tree.addPath ./extra) ./modules",
        expect![[r#"
            (import-tree.addPath ./extra) ./modules
              roots: ["./extra", "./modules"]
        "#]],
    );
    check_calls(
        "(import-tree.addPath ./modules).result",
        expect![[r#"
            (import-tree.addPath ./modules).result
              roots: ["./modules"]
        "#]],
    );
}

#[test]
fn near_misses() {
    check_calls(
        r#"{
          inputs.import-tree.url = "github:vic/import-tree";
          outputs = inputs: {
            a = my-import-tree-helper ./modules;
            b = inputs.import-tree;
            c = { inherit (inputs) import-tree; };
            d = (import-tree.withLib lib).leafs ./packages;
            e = (import-tree.withLib lib).pipeTo (map f) ./packages;
            f = import-tree.leafs lib ./packages;
            g = inputs.import-tree.custom ./modules;
            h = import-tree.addPath;
            i = inputs.import-tree.url ./x;
            j = import-tree.filter;
            k = (import-tree ./modules) ./more;
          };
        }"#,
        expect![[r#"
            import-tree ./modules
              roots: ["./modules"]
        "#]],
    );
    // `let a = a;` and lists that contain themselves must end.
    check_calls(
        "let a = a; b = [ b b ]; in [ (a ./x) (import-tree b) (a.filter a ./y) ]",
        expect![[r#"
            import-tree b
              roots: []
              dynamic root
        "#]],
    );
}

const MODULES: &str = "inputs: inputs.import-tree ./modules";

#[test]
fn classify_underscores_and_hidden_folders() {
    check_kinds(
        &[("flake.nix", MODULES)],
        true,
        &[
            "modules/a.nix",
            "modules/sub/deep/b.nix",
            "modules/_x.nix",
            "modules/_lib/x.nix",
            "modules/foo/_bar.nix",
            "modules/a/b/_c/d.nix",
            "modules/a_b/c_.nix",
            "modules/.hidden/x.nix",
            "modules/notes.md",
            "modules/my mod [1]/é ü.nix",
            "modules2/x.nix",
            "packages/x.nix",
            "flake.nix",
        ],
        expect![[r#"
            roots: ["modules"]
            modules/a.nix: TopLevel
            modules/sub/deep/b.nix: TopLevel
            modules/_x.nix: Ignored
            modules/_lib/x.nix: Ignored
            modules/foo/_bar.nix: Ignored
            modules/a/b/_c/d.nix: Ignored
            modules/a_b/c_.nix: TopLevel
            modules/.hidden/x.nix: TopLevel
            modules/notes.md: Ignored
            modules/my mod [1]/é ü.nix: TopLevel
            modules2/x.nix: Outside
            packages/x.nix: Outside
            flake.nix: Outside
        "#]],
    );
}

#[test]
fn classify_roots_relative_to_the_calling_file() {
    check_kinds(
        &[
            ("nix/flake/parts.nix", "{ imports = [ (import-tree ../../modules) (import-tree ../../../up) ]; }"),
            ("nix/_private/flake.nix", "import-tree [ ./. ./_tree ]"),
        ],
        true,
        &["modules/a.nix", "nix/_private/x.nix", "nix/_private/_y.nix", "nix/_private/_tree/z.nix", "up/a.nix"],
        expect![[r#"
            roots: ["modules", "nix/_private", "nix/_private/_tree"]
            modules/a.nix: TopLevel
            nix/_private/x.nix: TopLevel
            nix/_private/_y.nix: Ignored
            nix/_private/_tree/z.nix: Ignored
            up/a.nix: Outside
        "#]],
    );
    // Files are stripped of the first root that holds them: here `_tree` comes first.
    check_kinds(
        &[("flake.nix", "import-tree [ ./_tree ./. ]")],
        false,
        &["_tree/z.nix", "_tree/_z.nix", "x.nix", "flake.nix", "_other/a.nix"],
        expect![[r#"
            roots: ["_tree", "."]
            _tree/z.nix: TopLevel
            _tree/_z.nix: Ignored
            x.nix: TopLevel
            flake.nix: TopLevel
            _other/a.nix: Ignored
        "#]],
    );
}

#[test]
fn classify_with_filters() {
    check_kinds(
        &[(
            "flake.nix",
            r#"[
              ((import-tree.filterNot (lib.hasSuffix ".pkg.nix")).filter
                (lib.hasPrefix "/nixos/") [ ./hosts ./modules ])
              (import-tree.matchNot ".*/test_[a-z]+\\.nix" ./tests)
              (import-tree.match "(" ./broken)
              (import-tree.initFilter (lib.hasSuffix ".nix") ./all)
            ]"#,
        )],
        false,
        &[
            "modules/nixos/a.nix",
            "modules/nixos/a.pkg.nix",
            "modules/home/a.nix",
            "hosts/nixos/h.nix",
            "tests/test_foo.nix",
            "tests/test_1.nix",
            "broken/a.nix",
            "all/_a.nix",
        ],
        expect![[r#"
            roots: ["hosts", "modules", "tests", "broken", "all"]
            modules/nixos/a.nix: TopLevel
            modules/nixos/a.pkg.nix: Ignored
            modules/home/a.nix: Ignored
            hosts/nixos/h.nix: TopLevel
            tests/test_foo.nix: Ignored
            tests/test_1.nix: TopLevel
            broken/a.nix: TopLevel
            all/_a.nix: TopLevel
        "#]],
    );
    // One call that imports a file is enough.
    check_kinds(
        &[("flake.nix", r#"import-tree.filter (lib.hasInfix "/on/") ./modules"#), ("other.nix", MODULES)],
        false,
        &["modules/off/a.nix"],
        expect![[r#"
            roots: ["modules"]
            modules/off/a.nix: TopLevel
        "#]],
    );
}

#[test]
fn classify_file_roots() {
    check_kinds(
        &[("flake.nix", r#"import-tree [ ./modules/one.nix ./_two.nix (./. + "/three é.nix") ]"#)],
        false,
        &["modules/one.nix", "modules/other.nix", "_two.nix", "three é.nix"],
        expect![[r#"
            roots: ["modules/one.nix", "_two.nix", "three é.nix"]
            modules/one.nix: TopLevel
            modules/other.nix: Outside
            _two.nix: Ignored
            three é.nix: TopLevel
        "#]],
    );
}

#[test]
fn fallback_to_modules_only_without_calls() {
    let paths = &["modules/a.nix", "modules/_b.nix", "hosts/a.nix"];
    check_kinds(
        &[("flake.nix", "{ }")],
        true,
        paths,
        expect![[r#"
        roots: ["modules"]
        modules/a.nix: TopLevel
        modules/_b.nix: Ignored
        hosts/a.nix: Outside
    "#]],
    );
    check_kinds(
        &[("flake.nix", "{ }")],
        false,
        paths,
        expect![[r#"
        roots: []
        modules/a.nix: Outside
        modules/_b.nix: Outside
        hosts/a.nix: Outside
    "#]],
    );
    check_kinds(
        &[("flake.nix", "import-tree ./hosts")],
        true,
        paths,
        expect![[r#"
            roots: ["hosts"]
            modules/a.nix: Outside
            modules/_b.nix: Outside
            hosts/a.nix: TopLevel
        "#]],
    );
}
