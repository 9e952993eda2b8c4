# `overlays.default` adds `pkgs.canopy`, built with the nixpkgs it is applied to (whose Rust must
# be 1.88 or newer). Written out rather than through flake-parts' easyOverlay, which would
# evaluate every perSystem module again for each nixpkgs the overlay is applied to.
{
  flake.overlays.default = final: _prev: {
    canopy = final.callPackage ./_lib/package.nix { };
  };
}
