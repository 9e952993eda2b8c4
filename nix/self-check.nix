# canopy checks its own flake in `nix flake check` with the module it exports
# (_lib/check-module.nix): `checks.<system>.canopy`. Only flake.nix and nix/ are given to it, as
# the rest of the repository holds fixtures/, test repositories that are broken on purpose.
{
  flake-parts-lib,
  lib,
  withSystem,
  ...
}:
{
  imports = [
    (flake-parts-lib.importApply ./_lib/check-module.nix { inherit withSystem; })
  ];
  perSystem.canopy.src = lib.cleanSourceWith {
    name = "canopy-flake";
    src = ../.;
    filter =
      path: _type:
      let
        relative = lib.removePrefix (toString ../. + "/") (toString path);
      in
      relative == "flake.nix" || relative == "nix" || lib.hasPrefix "nix/" relative;
  };
}
