# `nix develop`: what tests/run needs to build and test canopy and its VS Code extension. The
# editors' end-to-end tests need more (Chromium, Emacs, a Neovim 0.11); .ci/run installs those.
{
  perSystem =
    { pkgs, ... }:
    {
      devShells.default = pkgs.mkShell {
        packages = [
          pkgs.cargo
          pkgs.rustc
          pkgs.rustfmt
          pkgs.clippy
          pkgs.rust-analyzer
          # nix-instantiate, for the Nix referee test and the flake's own tests.
          pkgs.nix
          # The VS Code extension is built with npm.
          pkgs.nodejs
        ];
      };
    };
}
