# canopy, packaged as nixpkgs packages a Rust tool. A callPackage function:
# `pkgs.callPackage ./package.nix { }` (nix/package.nix, nix/overlay.nix). It lies under `_lib`,
# so import-tree does not load it as a flake-parts module.
{
  lib,
  rustPlatform,
}:
let
  root = ../..;
  manifest = builtins.fromTOML (builtins.readFile ../../Cargo.toml);

  # What `cargo build` and `cargo test` read: the workspace's manifest and lock file, the crates,
  # fixtures/ (the repositories the tests analyse) and README.md (crates/cli/tests/readme.rs holds
  # its table of diagnostics to the code). Never a build's leftovers: a `target` folder (cargo's,
  # or cargo-fuzz's under crates/analysis/fuzz), `node_modules`, or a `result` link of nix build.
  keep =
    path: type:
    let
      relative = lib.removePrefix (toString root + "/") (toString path);
      parts = lib.splitString "/" relative;
      name = lib.last parts;
    in
    !(type == "directory" && (name == "target" || name == "node_modules"))
    && !(type == "symlink" && lib.hasPrefix "result" name)
    && (
      lib.elem (lib.head parts) [
        "crates"
        "fixtures"
      ]
      || lib.elem relative [
        "Cargo.toml"
        "Cargo.lock"
        "README.md"
      ]
    );
in
rustPlatform.buildRustPackage {
  pname = "canopy";
  # Every crate inherits the workspace's version.
  inherit (manifest.workspace.package) version;

  src = lib.cleanSourceWith {
    name = "canopy-source";
    src = root;
    filter = keep;
  };

  cargoLock.lockFile = ../../Cargo.lock;

  # Only the `canopy` binary: the workspace also holds canopy-bench, a tool for developers.
  cargoBuildFlags = [
    "--package"
    "canopy"
  ];

  # `cargo test` runs every crate's tests in the build sandbox: no network, no editors, and no
  # tool beyond the standard environment's (the tests call `timeout` and `cat`, both in
  # coreutils), so nativeCheckInputs stays empty. The editors' tests (Neovim, Emacs, VS Code in
  # code-server) are scripts, not cargo tests, and do not run here. Skipped, each for a reason
  # that holds in any sandbox:
  checkFlags = [
    # crates/analysis/tests/nix_referee.rs compares canopy with `nix-instantiate --parse` of Nix
    # 2.8 (Debian's), down to the cases where 2.8 differs from later Nix; nixpkgs' Nix is newer.
    "--skip=canopy_agrees_with_nix"
    # crates/cli/tests/never.rs runs canopy under strace and allows reads of the system's own
    # libraries at /lib and /usr/lib only; in Nix they are in /nix/store, and bash is not /bin/bash.
    "--skip=check_evaluates_nothing_writes_nothing_and_stays_offline"
    "--skip=the_server_evaluates_nothing_writes_nothing_and_stays_offline"
    "--skip=the_trace_reading_catches_each_broken_promise"
    # crates/cli/tests/nix_packaging.rs evaluates this flake with nix-instantiate, against
    # stand-ins for nixpkgs, flake-parts and import-tree; the sandbox has no Nix.
    "--skip=nix_packaging_"
  ];

  meta = {
    description = "Language server and checker for dendritic Nix repositories";
    homepage = "https://github.com/canopy-nix/canopy";
    license = [
      lib.licenses.mit
      lib.licenses.asl20
    ];
    mainProgram = "canopy";
  };
}
