# STAND-IN for the nixpkgs flake input: `legacyPackages.<system>` with the functions and packages
# canopy's flake uses, and `lib` (./lib.nix). A derivation here is an attrset of its arguments
# with `type = "derivation"` and a made-up `outPath`, so that the test can read what the flake
# asked for; nothing is built.
let
  lib = import ./lib.nix;

  derivation' =
    attrs:
    attrs
    // {
      type = "derivation";
      outPath = "/stand-in/${attrs.name}";
    };

  # A package the flake only names (cargo, nodejs, ...).
  package =
    name:
    derivation' {
      inherit name;
      meta.mainProgram = name;
    };

  named =
    f: names:
    builtins.listToAttrs (
      map (name: {
        inherit name;
        value = f name;
      }) names
    );

  pkgsFor =
    system:
    let
      pkgs = {
        inherit lib system;
        stdenv.hostPlatform.system = system;

        # As nixpkgs: the function's arguments from the package set, then `overrides`.
        callPackage =
          fn: overrides:
          let
            f = if builtins.isFunction fn then fn else import fn;
          in
          f (builtins.intersectAttrs (builtins.functionArgs f) pkgs // overrides);

        # Returns its arguments (buildRustPackage's name is pname-version).
        rustPlatform.buildRustPackage =
          args: derivation' (args // { name = "${args.pname}-${args.version}"; });

        runCommand =
          name: env: buildCommand:
          derivation' (env // { inherit name buildCommand; });

        mkShell = args: derivation' (args // { name = args.name or "nix-shell"; });

        # nixfmt-tree takes `settings` (treefmt's configuration) through override.
        nixfmt-tree = package "nixfmt-tree" // {
          override = args: package "nixfmt-tree" // { inherit (args) settings; };
        };
      }
      // named package [
        "cargo"
        "rustc"
        "rustfmt"
        "clippy"
        "rust-analyzer"
        "nix"
        "nodejs"
      ];
    in
    pkgs;
in
{
  inherit lib;
  legacyPackages = named pkgsFor [
    "x86_64-linux"
    "aarch64-linux"
    "x86_64-darwin"
    "aarch64-darwin"
  ];
}
