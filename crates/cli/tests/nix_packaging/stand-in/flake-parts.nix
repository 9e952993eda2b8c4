# STAND-IN for the flake-parts flake input (hercules-ci/flake-parts), as small as canopy's flake
# allows: `lib.mkFlake`, `lib.importApply` and `flakeModules.flakeModules`, over a module
# evaluation that does what nixpkgs' module system does for these modules and no more.
#
# - A module is a path (imported), a function of the module arguments, or an attrset; its
#   `imports` are loaded too. An attrset with `options` or `config` is explicit, any other is all
#   config (`imports`, `_file`, `key` and `_class` aside).
# - Definitions merge: attrsets by name, lists by concatenation; anything else defined twice is
#   an error, as in a `unique` option. `perSystem` definitions are collected as modules.
# - Declared options take their definition, else their `default`, through `apply`, and a value
#   their `type` rejects is an error. No priorities (mkDefault, mkForce), no mkIf or mkMerge.
# - Top-level arguments: config, lib, inputs, self, flake-parts-lib, withSystem, getSystem.
#   perSystem arguments: config, lib, pkgs (inputs.nixpkgs.legacyPackages.<system>), system.
# - The output is `flake` with `packages`, `apps`, `checks`, `devShells` and `formatter` of every
#   system in `systems` transposed into it (modules/transposition.nix, modules/formatter.nix).
let
  inherit (builtins)
    all
    attrNames
    concatMap
    concatStringsSep
    filter
    functionArgs
    head
    intersectAttrs
    isAttrs
    isFunction
    isList
    length
    listToAttrs
    mapAttrs
    zipAttrsWith
    ;

  lib = import ./lib.nix;

  isOption = x: isAttrs x && x._type or null == "option";
  isDerivation = x: isAttrs x && x.type or null == "derivation";
  show = path: concatStringsSep "." path;

  # A function module gets the arguments it names (all of them when it names none).
  call = f: args: f (if functionArgs f == { } then args else intersectAttrs (functionArgs f) args);

  normalise =
    m:
    if m ? options || m ? config then
      {
        imports = m.imports or [ ];
        options = m.options or { };
        config = m.config or { };
      }
    else
      {
        imports = m.imports or [ ];
        options = { };
        config = removeAttrs m [
          "imports"
          "_file"
          "key"
          "_class"
        ];
      };

  load =
    args: m:
    let
      value = if isAttrs m || isFunction m then m else import m;
    in
    normalise (if isFunction value then call value args else value);

  # Every module, with those it imports, depth first.
  collect =
    args: modules:
    concatMap (
      m:
      let
        loaded = load args m;
      in
      [ loaded ] ++ collect args loaded.imports
    ) modules;

  merge =
    path: defs:
    if length defs == 1 then
      head defs
    else if all (d: isAttrs d && !isDerivation d) defs then
      zipAttrsWith (name: merge (path ++ [ name ])) defs
    else if all isList defs then
      concatMap (d: d) defs
    else
      throw "stand-in flake-parts: `${show path}` is defined ${toString (length defs)} times";

  # Option declarations merge by name down to the options themselves.
  mergeOptions =
    path: decls:
    if all (d: !isOption d) decls then
      zipAttrsWith (name: mergeOptions (path ++ [ name ])) decls
    else if length decls == 1 then
      head decls
    else
      throw "stand-in flake-parts: option `${show path}` is declared twice";

  fill =
    path: options: defs:
    defs
    // mapAttrs (
      name: option:
      let
        at = path ++ [ name ];
      in
      if isOption option then
        let
          value =
            if defs ? ${name} then
              defs.${name}
            else
              option.default or (throw "stand-in flake-parts: option `${show at}` is used but not defined");
          applied = (option.apply or (x: x)) value;
        in
        if option ? type && !option.type.check value then
          throw "stand-in flake-parts: `${show at}` is not a ${option.type.name}"
        else
          applied
      else
        fill at option (defs.${name} or { })
    ) options;

  # Evaluates `modules` with `args` (and `config`, the result); `perSystem` definitions are kept
  # apart, as the modules they are.
  evalModules =
    modules: args:
    let
      loaded = collect (args // { inherit config; }) modules;
      definitions = map (m: removeAttrs m.config [ "perSystem" ]) loaded;
      options = mergeOptions [ ] ([ { } ] ++ map (m: m.options) loaded);
      config = fill [ ] options (merge [ ] ([ { } ] ++ definitions));
    in
    {
      inherit config;
      perSystem = concatMap (m: if m.config ? perSystem then [ m.config.perSystem ] else [ ]) loaded;
    };

  mkFlake =
    { inputs, ... }:
    module:
    let
      top = evalModules [ module ] {
        inherit lib inputs withSystem getSystem;
        inherit (inputs) self;
        flake-parts-lib = flakePartsLib;
      };
      argsOf = system: {
        inherit lib system;
        pkgs = inputs.nixpkgs.legacyPackages.${system};
      };
      perSystem =
        system:
        let
          args = argsOf system;
        in
        args // { config = (evalModules top.perSystem args).config; };
      allSystems = listToAttrs (
        map (system: {
          name = system;
          value = perSystem system;
        }) top.config.systems
      );
      getSystem = system: allSystems.${system}.config;
      withSystem = system: f: f allSystems.${system};
      transpose = name: mapAttrs (_: s: s.config.${name} or { }) allSystems;
      withFormatter = filter (system: allSystems.${system}.config ? formatter) (attrNames allSystems);
    in
    top.config.flake or { }
    // {
      packages = transpose "packages";
      apps = transpose "apps";
      checks = transpose "checks";
      devShells = transpose "devShells";
      formatter = listToAttrs (
        map (system: {
          name = system;
          value = allSystems.${system}.config.formatter;
        }) withFormatter
      );
    };

  flakePartsLib = {
    inherit mkFlake;
    # As flake-parts' lib.nix: the module `import path staticArgs`, with its file for errors.
    importApply = path: staticArgs: {
      _file = path;
      imports = [ (import path staticArgs) ];
    };
  };
in
{
  lib = flakePartsLib;
  # As extras/flakeModules.nix: declares `flake.flakeModules`, each wrapped as a module of class
  # `flake`.
  flakeModules.flakeModules = {
    options.flake.flakeModules = lib.mkOption {
      type = {
        name = "lazy attribute set of modules";
        check = isAttrs;
      };
      default = { };
      apply = mapAttrs (
        name: module: {
          _file = "flake.nix#flakeModules.${name}";
          key = "flake.nix#flakeModules.${name}";
          imports = [ module ];
          _class = "flake";
        }
      );
    };
  };
}
