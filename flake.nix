{
  description = "canopy: language server and checker for dendritic Nix repositories";

  inputs = {
    # nixos-unstable: canopy needs Rust 1.88 or newer (Cargo.toml's rust-version).
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-parts.url = "github:hercules-ci/flake-parts";
    flake-parts.inputs.nixpkgs-lib.follows = "nixpkgs";
    import-tree.url = "github:vic/import-tree";
  };

  # The flake is dendritic itself: every .nix file under nix/ is a flake-parts module that
  # import-tree loads (a path with a part starting with `_` is skipped), so canopy checks its own
  # flake as it checks any other.
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./nix);
}
