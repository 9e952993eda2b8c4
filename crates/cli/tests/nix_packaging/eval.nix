# Evaluates the repository's flake.nix as Nix would, with the stand-ins of ./stand-in for its
# inputs, and returns what crates/cli/tests/nix_packaging.rs asserts on, as plain data for
# `nix-instantiate --eval --strict --json`. Paths are given as strings, so that nothing is copied.
#
#   repo:     the repository's folder, an absolute path as a string
#   samples:  JSON, a list of [relative path, type] for the package's source filter
#   fixtures: JSON, a list of folders (absolute strings), each used as the `self` of a flake that
#             imports canopy's flake module
{
  repo,
  samples,
  fixtures,
}:
let
  inherit (builtins)
    attrNames
    concatMap
    fromJSON
    map
    readDir
    ;

  standIn = {
    nixpkgs = import ./stand-in/nixpkgs.nix;
    flake-parts = import ./stand-in/flake-parts.nix;
    import-tree = import ./stand-in/import-tree.nix;
  };

  root = /. + repo;
  flakeFile = import (root + "/flake.nix");

  # A flake's outputs, given its inputs, as Nix calls them: `self` is the outputs themselves
  # plus the flake's source.
  call =
    outputs: source: extraInputs:
    let
      self =
        result
        // {
          outPath = source;
          _type = "flake";
        };
      result = outputs ({ inherit self; } // standIn // extraInputs);
    in
    self;

  canopy = call flakeFile.outputs repo { };
  system = "x86_64-linux";
  package = canopy.packages.${system}.canopy;

  # The files that `src` (lib.cleanSourceWith) keeps, relative to its root: as Nix copies a
  # filtered source, the filter sees each absolute path with its type, and a folder it rejects
  # is not entered.
  kept =
    src:
    let
      walk =
        dir: prefix:
        concatMap (
          name:
          let
            path = dir + "/${name}";
            type = (readDir dir).${name};
          in
          if !(src.filter (toString path) type) then
            [ ]
          else if type == "directory" then
            walk path "${prefix}${name}/"
          else
            [ "${prefix}${name}" ]
        ) (attrNames (readDir dir));
    in
    walk src.origSrc "";

  # A check made by runCommand: the script, the packages it runs with, the folder it is given.
  checkSummary = drv: {
    inherit (drv) name buildCommand;
    nativeBuildInputs = map (p: p.name) drv.nativeBuildInputs;
    src = toString drv.src;
  };

  # A dendritic flake that imports canopy's flake module, with `source` as its `self`.
  user =
    source:
    let
      flake = call (
        inputs:
        inputs.flake-parts.lib.mkFlake { inherit inputs; } {
          imports = [ inputs.canopy.flakeModules.default ];
          systems = [ system ];
        }
      ) source { inherit canopy; };
    in
    {
      inherit source;
      checks = attrNames flake.checks.${system};
      canopy = checkSummary flake.checks.${system}.canopy;
    };

  perSystemNames = output: map (s: attrNames canopy.${output}.${s}) (attrNames canopy.${output});

  overlaid =
    let
      prev = standIn.nixpkgs.legacyPackages.${system};
      final = prev // canopy.overlays.default final prev;
    in
    final;
in
{
  inputs = attrNames flakeFile.inputs;
  systems = {
    packages = attrNames canopy.packages;
    apps = attrNames canopy.apps;
    checks = attrNames canopy.checks;
    devShells = attrNames canopy.devShells;
    formatter = attrNames canopy.formatter;
  };
  # The names each system has, one list per system: equal lists mean every system has them.
  perSystem = {
    packages = perSystemNames "packages";
    apps = perSystemNames "apps";
    checks = perSystemNames "checks";
    devShells = perSystemNames "devShells";
  };
  package = {
    inherit (package)
      name
      pname
      version
      cargoBuildFlags
      checkFlags
      ;
    nativeCheckInputs = map (p: p.name) (package.nativeCheckInputs or [ ]);
    default = canopy.packages.${system}.default.name;
    check = canopy.checks.${system}.package.name;
    lockFile = toString package.cargoLock.lockFile;
    meta = {
      inherit (package.meta) description mainProgram;
      licenses = map (l: l.spdxId) package.meta.license;
    };
    src = {
      inherit (package.src) name;
      root = toString package.src.origSrc;
      kept = kept package.src;
      samples = map (s: package.src.filter "${repo}/${builtins.elemAt s 0}" (builtins.elemAt s 1)) (
        fromJSON samples
      );
    };
  };
  app = {
    inherit (canopy.apps.${system}.default) type program;
    description = canopy.apps.${system}.default.meta.description;
  };
  overlay = {
    inherit (overlaid.canopy) name pname version;
  };
  devShell = map (p: p.name) canopy.devShells.${system}.default.packages;
  formatter = {
    inherit (canopy.formatter.${system}) name settings;
  };
  flakeModule = {
    class = canopy.flakeModules.default._class;
    users = map user (fromJSON fixtures);
  };
  selfCheck = checkSummary canopy.checks.${system}.canopy // {
    kept = kept canopy.checks.${system}.canopy.src;
  };
}
