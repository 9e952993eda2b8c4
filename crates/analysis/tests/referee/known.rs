//! Where Debian's Nix 2.8 and current Nix disagree, and canopy follows current Nix.
//!
//! Each case names the difference and gives current Nix's verdict, which canopy must give; the
//! referee also checks that Nix 2.8 still disagrees, so the list cannot silently go stale.

use super::Verdict;

pub struct KnownDifference {
    pub name: &'static str,
    pub text: &'static str,
    /// Current Nix's verdict (with the `pipe-operators` feature on for the pipe cases).
    pub current: Verdict,
}

const fn known(name: &'static str, text: &'static str, current: Verdict) -> KnownDifference {
    KnownDifference { name, text, current }
}

pub const KNOWN_DIFFERENCES: &[KnownDifference] = &[
    // The pipe operators (Nix 2.24): looser than every other operator, not to be mixed.
    known("pipe operator |>", "f: x: x |> f", Verdict::Ok),
    known("pipe operator <|", "f: x: f <| x", Verdict::Ok),
    known("pipe operators chained", "f: g: x: x |> f |> g", Verdict::Ok),
    known("pipe operators do not mix", "f: g: x: x |> f <| g", Verdict::error("syntax-error", 1, 17)),
    // Builtins added after 2.8 (or behind experimental features there) that canopy knows.
    known("builtin __warn (2.23)", "__warn", Verdict::Ok),
    known("builtin __break (2.9)", "__break", Verdict::Ok),
    known("builtin __traceVerbose (2.10)", "__traceVerbose", Verdict::Ok),
    known("builtin __readFileType (2.14)", "__readFileType", Verdict::Ok),
    known("builtin __convertHash (2.19)", "__convertHash", Verdict::Ok),
    known("builtin __addDrvOutputDependencies (2.18)", "__addDrvOutputDependencies", Verdict::Ok),
    known("builtin __fetchClosure (stable since 2.24)", "__fetchClosure", Verdict::Ok),
    known("builtin __getFlake (flakes)", "__getFlake", Verdict::Ok),
    known("builtin __flakeRefToString (flakes, 2.18)", "__flakeRefToString", Verdict::Ok),
    known("builtin __parseFlakeRef (flakes, 2.18)", "__parseFlakeRef", Verdict::Ok),
    known("builtin __outputOf (dynamic derivations)", "__outputOf", Verdict::Ok),
    // Inherited names have positions of their own since Nix 2.20; 2.8 places them all where the
    // bindings start (just after `{` or `let`) or just after `inherit` / `inherit (e)`.
    known("inherited undefined variable", "{ inherit x; }", Verdict::error("undefined-variable", 1, 11)),
    known("inherited undefined variable in let", "let inherit x; in 1", Verdict::error("undefined-variable", 1, 13)),
    known("inherit clashing with a binding", "{ a = 1; inherit a; }", Verdict::error("duplicate-attribute", 1, 18)),
    known(
        "inherit-from clashing with a binding",
        "{ x = { }; a = 1; inherit (x) a; }",
        Verdict::error("duplicate-attribute", 1, 31),
    ),
    known(
        "inherit clashing with inherit",
        "x: { inherit x; inherit x; }",
        Verdict::error("duplicate-attribute", 1, 25),
    ),
    // Nix 2.17 stopped dropping the `${}` attributes of a literal merged into an earlier one.
    known(
        "merged literal with a ${} key",
        "{ a = { }; a = { ${x} = 1; }; }",
        Verdict::error("undefined-variable", 1, 20),
    ),
];
