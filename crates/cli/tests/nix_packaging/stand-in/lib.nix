# STAND-IN for the part of nixpkgs' `lib` that canopy's flake (flake.nix, nix/) calls, written
# from Nix's builtins so that the flake evaluates with Debian's nix-instantiate and no network.
# Each function does what the nixpkgs function of that name does for the arguments the flake
# passes; nothing else of nixpkgs' lib is here, so a call of anything else fails the test.
# The two option types the flake declares check values as nixpkgs' do; they do not merge.
let
  inherit (builtins)
    elemAt
    filter
    isAttrs
    isString
    length
    split
    stringLength
    substring
    ;

  hasPrefix = prefix: s: substring 0 (stringLength prefix) s == prefix;

  # A string, or something that turns into one: a path, or an attrset with `outPath`.
  isStringLike = x: isString x || builtins.isPath x || (isAttrs x && x ? outPath);

  type = name: check: { inherit name check; };
in
{
  inherit (builtins) elem head;
  inherit hasPrefix;

  last = list: elemAt list (length list - 1);

  removePrefix =
    prefix: s: if hasPrefix prefix s then substring (stringLength prefix) (stringLength s) s else s;

  # nixpkgs splits on a regular expression built from `sep`; the flake splits on "/" only.
  splitString =
    sep: s:
    if sep == "/" then
      filter isString (split "/" s)
    else
      throw "stand-in lib.splitString: only \"/\" is supported, not ${sep}";

  # As nixpkgs: the program `meta.mainProgram` names, in the package's bin/.
  getExe =
    drv:
    if drv ? meta.mainProgram then
      "${drv.outPath}/bin/${drv.meta.mainProgram}"
    else
      throw "stand-in lib.getExe: ${drv.name} has no meta.mainProgram";

  # As nixpkgs: the source copied to the store through `filter`, which gets each path below
  # `src` as an absolute string and its type; a folder it rejects is not entered. The store path
  # is Nix's own (builtins.path; in --eval nothing is copied). `origSrc` and `filter` stay
  # readable, so that the test can walk the tree the filter keeps.
  cleanSourceWith =
    {
      src,
      filter,
      name ? "source",
    }:
    {
      _isLibCleanSourceWith = true;
      origSrc = src;
      inherit filter name;
      outPath = builtins.path {
        path = src;
        inherit filter name;
      };
    };

  licenses = {
    mit.spdxId = "MIT";
    asl20.spdxId = "Apache-2.0";
  };

  mkOption = attrs: attrs // { _type = "option"; };
  literalMD = text: {
    _type = "literalMD";
    inherit text;
  };
  literalExpression = text: {
    _type = "literalExpression";
    inherit text;
  };

  types = {
    package = type "package" (x: isAttrs x && x.type or null == "derivation");
    path = type "path" (x: isStringLike x && substring 0 1 (toString x) == "/");
  };
}
