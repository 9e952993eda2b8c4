# canopy itself: `packages.<system>.canopy` and `default`, and the build as a check. The
# derivation is a callPackage function in _lib/package.nix, shared with the overlay.
{
  perSystem =
    { config, pkgs, ... }:
    {
      packages.canopy = pkgs.callPackage ./_lib/package.nix { };
      packages.default = config.packages.canopy;
      # `nix flake check` builds the package, which runs its tests (see _lib/package.nix).
      checks.package = config.packages.canopy;
    };
}
