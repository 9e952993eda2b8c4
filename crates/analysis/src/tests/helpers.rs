//! Workspace helpers reduced one level (dendritic.md §8.2, `graph/helpers.rs`): for each way a
//! call reaches a lambda literal, the aspects its literal arguments name are defined at the call
//! site, and a near miss (an argument that is no literal) leaves the collection opaque, so that
//! no reference there is an error.

use std::sync::Arc;

use expect_test::{Expect, expect};

use crate::base::diagnostics::DiagnosticKind;
use crate::checks::test_support;
use crate::{Analysis, Change, FilePosition, TextSize};

const FLAKE: &str = "#- /flake.nix
{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }
";

/// The aspects of the workspace with their definition sites, the undefined-aspect diagnostics,
/// and, when the fixture has a `$0` cursor, where go-to-definition lands from it.
fn check(fixture: &str, expect: Expect) {
    let mut cursor = None;
    let mut set = crate::graph::tests::parse_fixture(&format!("{FLAKE}{fixture}"));
    for (path, text) in &mut set {
        if let Some(at) = text.find("$0") {
            cursor = Some((path.clone(), at));
            *text = Arc::from(text.replacen("$0", "", 1));
        }
    }
    let mut analysis = Analysis::new();
    analysis.apply(Change { set, remove: Vec::new() });
    let mut lines = Vec::new();
    let site = |file, range| format!("{}:{:?}", analysis.path(file), &analysis.text(file)[range]);
    for aspect in analysis.aspects() {
        let sites: Vec<String> = aspect.definitions.iter().map(|s| site(s.file, s.range)).collect();
        lines.push(format!("aspect {} {} at {}", aspect.key.collection, aspect.key.name, sites.join(", ")));
    }
    let diagnostics = test_support::render(&analysis, DiagnosticKind::UndefinedAspect);
    lines.extend(diagnostics.lines().map(str::to_string));
    if let Some((path, at)) = cursor {
        let file = analysis.file_id(&path).expect("the cursor's file");
        let navigation = analysis.goto_definition(FilePosition { file, offset: TextSize::from(at as u32) });
        for target in navigation.map(|n| n.targets).unwrap_or_default() {
            let full = &analysis.text(target.file)[target.full_range];
            lines.push(format!("definition {} full={full:?}", site(target.file, target.focus_range)));
        }
    }
    expect.assert_eq(&lines.join("\n"));
}

// ---- `(import ./path).attr` --------------------------------------------------------------------

const LIB: &str = r#"#- /modules/_lib.nix
{ mkFeature = { name, nixos }: { flake.nixosModules.${name} = nixos; }; }
"#;

const HOST: &str = r#"#- /modules/host.nix
{ config, inputs, ... }: {
  flake.nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem {
    modules = [ config.flake.nixosModules.s$0sh config.flake.nixosModules.typo ];
  };
}
"#;

#[test]
fn an_attribute_of_an_imported_file_defines_at_the_call() {
    check(
        &format!(
            r#"{LIB}{HOST}#- /modules/ssh.nix
_: (import ./_lib.nix).mkFeature {{ name = "ssh"; nixos = {{ services.openssh.enable = true; }}; }}
"#
        ),
        expect![[r#"
            aspect flake.nixosModules ssh at modules/ssh.nix:"\"ssh\""
            aspect flake.nixosModules typo at 
            modules/host.nix:3:73 error[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`
            definition modules/ssh.nix:"\"ssh\"" full="(import ./_lib.nix).mkFeature { name = \"ssh\"; nixos = { services.openssh.enable = true; }; }""#]],
    );
}

#[test]
fn a_name_that_is_no_literal_makes_the_collection_opaque() {
    check(
        &format!(
            r#"{LIB}{HOST}#- /modules/ssh.nix
{{ config, ... }}: (import ./_lib.nix).mkFeature {{ name = config.sshName; nixos = {{ }}; }}
"#
        ),
        expect![[r#"
            aspect flake.nixosModules ssh at 
            aspect flake.nixosModules typo at 
            modules/host.nix:3:43 warning[undefined-aspect] "ssh": aspect `ssh` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist
            modules/host.nix:3:73 warning[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist"#]],
    );
}

#[test]
fn a_helper_calling_a_helper_stays_opaque_where_it_writes() {
    check(
        &format!(
            r#"{HOST}#- /modules/_lib.nix
{{
  mkBase = name: {{ flake.nixosModules.${{name}} = {{ }}; }};
  mkFeature = {{ name, nixos }}: {{ flake.nixosModules.${{name}} = nixos; flake.homeModules = mkBase name; }};
}}
#- /modules/ssh.nix
_: (import ./_lib.nix).mkFeature {{ name = "ssh"; nixos = {{ }}; }}
#- /modules/other.nix
{{ config, ... }}: {{ flake.homeModules.x.imports = [ config.flake.homeModules.nope ]; }}
"#
        ),
        expect![[r#"
            aspect flake.homeModules nope at 
            aspect flake.homeModules x at modules/other.nix:"x"
            aspect flake.nixosModules ssh at modules/ssh.nix:"\"ssh\""
            aspect flake.nixosModules typo at 
            modules/host.nix:3:73 error[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`
            modules/other.nix:1:77 warning[undefined-aspect] "nope": aspect `nope` is not defined in `flake.homeModules`; some of `flake.homeModules` is built at evaluation time, so it may exist
            definition modules/ssh.nix:"\"ssh\"" full="(import ./_lib.nix).mkFeature { name = \"ssh\"; nixos = { }; }""#]],
    );
}

// ---- `import ./path args`: the file is the lambda ----------------------------------------------

#[test]
fn an_imported_file_that_is_the_helper_defines_at_the_call() {
    check(
        &format!(
            r#"{HOST}#- /modules/_mk.nix
{{ name, ... }}: {{ flake.nixosModules.${{name}} = {{ }}; flake.nixosModules."${{name}}-extra" = {{ }}; }}
#- /modules/ssh.nix
_: import ./_mk.nix {{ name = "ssh"; }}
#- /modules/git.nix
{{ lib, ... }}: lib.mkMerge [ {{ }} (import ./_mk.nix {{ name = lib.toLower "GIT"; }}) ]
"#
        ),
        expect![[r#"
            aspect flake.nixosModules ssh at modules/ssh.nix:"\"ssh\""
            aspect flake.nixosModules ssh-extra at modules/ssh.nix:"\"ssh\""
            aspect flake.nixosModules typo at 
            modules/host.nix:3:73 warning[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist
            definition modules/ssh.nix:"\"ssh\"" full="import ./_mk.nix { name = \"ssh\"; }""#]],
    );
}

// ---- a `let` binding -----------------------------------------------------------------------------

#[test]
fn a_let_bound_helper_defines_at_the_call() {
    check(
        &format!(
            r#"{HOST}#- /modules/features.nix
let
  mk = name: module: {{ flake.nixosModules.${{name}} = module; }};
in
{{ lib, ... }}: lib.mkMerge [ (mk "ssh" {{ }}) (mk "git" {{ }}) ]
"#
        ),
        expect![[r#"
            aspect flake.nixosModules git at modules/features.nix:"\"git\""
            aspect flake.nixosModules ssh at modules/features.nix:"\"ssh\""
            aspect flake.nixosModules typo at 
            modules/host.nix:3:73 error[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`
            definition modules/features.nix:"\"ssh\"" full="mk \"ssh\" { }""#]],
    );
}

#[test]
fn a_let_bound_helper_given_a_variable_name_is_opaque() {
    check(
        &format!(
            r#"{HOST}#- /modules/features.nix
{{ config, ... }}:
let
  mk = name: {{ nixosModules.${{name}} = {{ }}; }};
in
{{ flake = mk config.name; }}
"#
        ),
        expect![[r#"
            aspect flake.nixosModules ssh at 
            aspect flake.nixosModules typo at 
            modules/host.nix:3:43 warning[undefined-aspect] "ssh": aspect `ssh` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist
            modules/host.nix:3:73 warning[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist"#]],
    );
}

// ---- `_module.args.<f>` --------------------------------------------------------------------------

const ARGS_LIB: &str = r#"#- /modules/lib.nix
{ _module.args.mkFeature = { name, nixos ? { } }: { nixosModules.${name} = nixos; }; }
"#;

#[test]
fn a_module_argument_helper_defines_at_the_call() {
    check(
        &format!(
            r#"{HOST}{ARGS_LIB}#- /modules/ssh.nix
{{ mkFeature, ... }}: {{ flake = mkFeature {{ name = "ssh"; }}; }}
"#
        ),
        expect![[r#"
            aspect flake.nixosModules ssh at modules/ssh.nix:"\"ssh\""
            aspect flake.nixosModules typo at 
            modules/host.nix:3:73 error[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`
            definition modules/ssh.nix:"\"ssh\"" full="mkFeature { name = \"ssh\"; }""#]],
    );
}

#[test]
fn a_module_argument_helper_without_a_literal_name_is_opaque() {
    check(
        &format!(
            r#"{HOST}{ARGS_LIB}#- /modules/ssh.nix
{{ mkFeature, ... }}: let n = builtins.head [ "ssh" ]; in {{ flake = mkFeature {{ name = n; }}; }}
"#
        ),
        expect![[r#"
            aspect flake.nixosModules ssh at 
            aspect flake.nixosModules typo at 
            modules/host.nix:3:43 warning[undefined-aspect] "ssh": aspect `ssh` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist
            modules/host.nix:3:73 warning[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist"#]],
    );
}

#[test]
fn a_module_made_of_a_call_no_file_defines_may_define_anything() {
    check(
        &format!(
            r#"{HOST}#- /modules/ssh.nix
{{ mkFeature, ... }}: mkFeature {{ name = "ssh"; }}
"#
        ),
        expect![[r#"
            aspect flake.nixosModules ssh at 
            aspect flake.nixosModules typo at 
            modules/host.nix:3:43 warning[undefined-aspect] "ssh": aspect `ssh` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist
            modules/host.nix:3:73 warning[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist"#]],
    );
}

// ---- an option's value ---------------------------------------------------------------------------

const FACTORY: &str = r#"#- /modules/factory.nix
{ lib, ... }: {
  options.factory.mk = lib.mkOption { default = name: { nixosModules.${name} = { }; }; };
}
"#;

#[test]
fn an_option_whose_default_is_a_lambda_defines_at_the_call() {
    check(
        &format!(
            r#"{HOST}{FACTORY}#- /modules/ssh.nix
{{ config, ... }}: {{ flake = config.factory.mk "ssh"; }}
"#
        ),
        expect![[r#"
            aspect flake.nixosModules ssh at modules/ssh.nix:"\"ssh\""
            aspect flake.nixosModules typo at 
            modules/host.nix:3:73 error[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`
            definition modules/ssh.nix:"\"ssh\"" full="config.factory.mk \"ssh\"""#]],
    );
}

#[test]
fn an_option_defined_as_a_lambda_defines_at_the_call() {
    check(
        &format!(
            r#"{HOST}#- /modules/factory.nix
{{ config.flake.lib.mk = name: {{ nixosModules.${{name}} = {{ }}; }}; }}
#- /modules/ssh.nix
{{ config, ... }}: {{ flake = config.flake.lib.mk "ssh"; }}
"#
        ),
        expect![[r#"
            aspect flake.nixosModules ssh at modules/ssh.nix:"\"ssh\""
            aspect flake.nixosModules typo at 
            modules/host.nix:3:73 error[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`
            definition modules/ssh.nix:"\"ssh\"" full="config.flake.lib.mk \"ssh\"""#]],
    );
}

#[test]
fn an_option_helper_called_with_too_many_arguments_is_opaque() {
    check(
        &format!(
            r#"{HOST}{FACTORY}#- /modules/ssh.nix
{{ config, ... }}: {{ flake.nixosModules = config.factory.mk "a" "b"; }}
"#
        ),
        expect![[r#"
            aspect flake.nixosModules ssh at 
            aspect flake.nixosModules typo at 
            modules/host.nix:3:43 warning[undefined-aspect] "ssh": aspect `ssh` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist
            modules/host.nix:3:73 warning[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist"#]],
    );
}

// ---- cost ------------------------------------------------------------------------------------------

/// 100,000 calls in one file, of a helper in another and of a `let`: reading and reducing them
/// costs each call its own size (a lookup per call, never a walk of the others). Timed apart
/// from the rest of the analysis, whose cost for as many aspects is its own matter.
#[test]
fn a_hundred_thousand_calls_cost_their_size() {
    use std::time::{Duration, Instant};

    use crate::graph::helpers::{self, Helpers, def_key};
    use crate::summary::extract;

    const CALLS: usize = 100_000;
    let calls = |f: &str| (0..CALLS).map(|i| format!("({f} \"a{i}\")")).collect::<Vec<_>>().join("\n");
    let module = format!(
        "{{ lib, ... }}: let mk = name: {{ flake.modules.homeManager.${{name}} = {{ }}; }}; in\nlib.mkMerge [\n{}\n{}\n]\n",
        calls("(import ./_lib.nix).mk"),
        calls("mk"),
    );
    super::support::on_analysis_stack(move || {
        let lib = extract::summarize("modules/_lib.nix", "{ mk = name: { flake.modules.nixos.${name} = { }; }; }");
        let mut table = Helpers::default();
        for def in &lib.helpers {
            let key = def_key("modules/_lib.nix", def).expect("a helper other files reach");
            table.entry(key).or_default().push((crate::base::FileId(0), def.clone()));
        }
        let started = Instant::now();
        let mut summary = extract::summarize("modules/many.nix", &module);
        assert_eq!(summary.calls.len(), 2 * CALLS);
        helpers::reduce(&mut summary, "modules/many.nix", &table);
        helpers::strip(&mut summary);
        helpers::reduce(&mut summary, "modules/many.nix", &table);
        let elapsed = started.elapsed();
        // `flake`, `modules`, the class and the aspect, for each call.
        assert_eq!(summary.nodes.len(), 4 * 2 * CALLS);
        assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    });
}

#[test]
fn a_module_made_of_a_call_canopy_cannot_name_may_define_anything() {
    // `(import ./_lib.nix { inherit lib; }).mkFeature`: a helper behind a call canopy does not
    // follow; the module may define `ssh`, so the reference is no error.
    check(
        &format!(
            r#"{HOST}#- /modules/_lib.nix
{{ lib }}: {{ mkFeature = {{ name, nixos }}: {{ flake.nixosModules.${{name}} = nixos; }}; }}
#- /modules/ssh.nix
{{ lib, ... }}: (import ./_lib.nix {{ inherit lib; }}).mkFeature {{ name = "ssh"; nixos = {{ }}; }}
"#
        ),
        expect![[r#"
            aspect flake.nixosModules ssh at 
            aspect flake.nixosModules typo at 
            modules/host.nix:3:43 warning[undefined-aspect] "ssh": aspect `ssh` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist
            modules/host.nix:3:73 warning[undefined-aspect] "typo": aspect `typo` is not defined in `flake.nixosModules`; some of `flake.nixosModules` is built at evaluation time, so it may exist"#]],
    );
}
