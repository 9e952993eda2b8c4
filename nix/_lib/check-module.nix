# The flake-parts module other flakes import to run canopy in `nix flake check`:
#
#   imports = [ inputs.canopy.flakeModules.default ];
#
# gives `checks.<system>.canopy`, a derivation that runs `canopy check` on the flake's own source
# and fails on any error. A function of canopy's own `withSystem`, applied with flake-parts'
# importApply (nix/flake-module.nix), so that the default package is canopy's for that system.
{ withSystem }:
{ self, ... }:
{
  perSystem =
    {
      config,
      lib,
      pkgs,
      system,
      ...
    }:
    {
      options.canopy = {
        package = lib.mkOption {
          type = lib.types.package;
          default = withSystem system ({ config, ... }: config.packages.canopy);
          defaultText = lib.literalMD "canopy's own package for this system";
          description = "The canopy package whose `canopy check` the check runs.";
        };
        src = lib.mkOption {
          type = lib.types.path;
          default = self;
          defaultText = lib.literalExpression "self";
          description = "The folder `canopy check` analyses: the flake's source.";
        };
      };

      # Paths in the report are relative to the source's root, as `canopy check` run there prints.
      config.checks.canopy =
        pkgs.runCommand "canopy-check"
          {
            nativeBuildInputs = [ config.canopy.package ];
            inherit (config.canopy) src;
          }
          ''
            cd "$src"
            canopy check
            touch "$out"
          '';
    };
}
