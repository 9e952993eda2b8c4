# STAND-IN for the import-tree flake input (vic/import-tree, default.nix), as canopy's flake calls
# it: `import-tree ./nix` is a module whose `imports` are every file below the folder whose name
# ends in `.nix` and whose path relative to the folder contains no "/_". Like import-tree, it is
# an attrset with `__functor`, and puts the files in a module's `imports` through a module.
let
  inherit (builtins)
    attrNames
    concatMap
    readDir
    stringLength
    substring
    ;

  hasSuffix =
    suffix: s:
    let
      n = stringLength s;
      k = stringLength suffix;
    in
    n >= k && substring (n - k) k s == suffix;

  files =
    root: dir:
    concatMap (
      name:
      let
        path = dir + "/${name}";
        type = (readDir dir).${name};
        relative = substring (stringLength (toString root)) (stringLength (toString path)) (
          toString path
        );
      in
      if builtins.match ".*/_.*" relative != null then
        [ ]
      else if type == "directory" then
        files root path
      else if hasSuffix ".nix" name then
        [ path ]
      else
        [ ]
    ) (attrNames (readDir dir));
in
{
  __functor = _: root: {
    imports = [ { imports = files root root; } ];
  };
}
