# `nix fmt`: nixfmt over the repository's Nix files, through nixpkgs' nixfmt-tree (treefmt).
# fixtures/ holds test repositories, some malformed on purpose: never reformat them.
{
  perSystem =
    { pkgs, ... }:
    {
      formatter = pkgs.nixfmt-tree.override {
        settings.formatter.nixfmt.excludes = [ "fixtures/**" ];
      };
    };
}
