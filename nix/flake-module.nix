# `flakeModules.default`: the module of _lib/check-module.nix, for other flakes to import.
# flake-parts declares the `flakeModules` output in its extras (extras/flakeModules.nix), which
# must be imported for the output to merge and to carry `_class = "flake"`.
{
  flake-parts-lib,
  inputs,
  withSystem,
  ...
}:
{
  imports = [ inputs.flake-parts.flakeModules.flakeModules ];
  flake.flakeModules.default = flake-parts-lib.importApply ./_lib/check-module.nix {
    inherit withSystem;
  };
}
