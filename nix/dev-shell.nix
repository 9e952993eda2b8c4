# `nix develop`: a shell to build and test canopy and to build its VS Code extension. The rest of
# tests/run (Chromium for VS Code, Emacs, Python for Neovim and pre-commit, strace) is not here:
# .ci/run installs it on Debian.
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
