# `nix run` runs canopy: `nix run . -- check`, `nix run . -- lsp`.
{
  perSystem =
    { config, lib, ... }:
    {
      apps.default = {
        type = "app";
        program = lib.getExe config.packages.canopy;
        meta.description = "canopy, the checker and language server for dendritic Nix repositories";
      };
    };
}
