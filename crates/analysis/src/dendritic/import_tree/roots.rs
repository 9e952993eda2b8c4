//! The roots of a workspace: every import-tree call found in it, resolved against the calling
//! file's folder, and what import-tree does with any path under them.

use regex_lite::Regex;

use super::calls::{ImportTreeCall, PathFilter, PathPredicate};

/// How import-tree treats a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FileKind {
    /// Imported: a top-level module.
    TopLevel,
    /// Under a root, but left out by a `/_` in its path or by a filter.
    Ignored,
    /// Under no root.
    Outside,
}

/// The roots of a workspace, resolved from every call found in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ImportTreeRoots {
    calls: Vec<ResolvedCall>,
    /// No call was found and `modules/` is read as if one named it: which files are top-level
    /// modules is a guess.
    guessed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ResolvedCall {
    /// Workspace-relative, as components; empty for the workspace itself.
    roots: Vec<Vec<String>>,
    filters: Vec<(bool, Matcher)>,
    init_filter: Option<Matcher>,
}

/// A predicate ready to test paths. A regex that does not compile is kept unreadable: it tests
/// nothing, like any filter canopy cannot read.
#[derive(Debug, Clone)]
enum Matcher {
    Suffix(String),
    Prefix(String),
    Infix(String),
    Regex { source: String, regex: Option<Regex> },
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Matcher) -> bool {
        match (self, other) {
            (Matcher::Suffix(a), Matcher::Suffix(b))
            | (Matcher::Prefix(a), Matcher::Prefix(b))
            | (Matcher::Infix(a), Matcher::Infix(b))
            | (Matcher::Regex { source: a, .. }, Matcher::Regex { source: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl Eq for Matcher {}

impl Matcher {
    fn new(predicate: &PathPredicate) -> Matcher {
        match predicate {
            PathPredicate::Suffix(s) => Matcher::Suffix(s.clone()),
            PathPredicate::Prefix(s) => Matcher::Prefix(s.clone()),
            PathPredicate::Infix(s) => Matcher::Infix(s.clone()),
            PathPredicate::Regex(source) => {
                // `builtins.match` must match the whole string, and POSIX `.` matches newlines.
                let regex = Regex::new(&format!("(?s)^(?:{source})$")).ok();
                Matcher::Regex { source: source.clone(), regex }
            }
        }
    }

    /// `None` when the predicate cannot be evaluated.
    fn test(&self, path: &str) -> Option<bool> {
        Some(match self {
            Matcher::Suffix(s) => path.ends_with(s.as_str()),
            Matcher::Prefix(s) => path.starts_with(s.as_str()),
            Matcher::Infix(s) => path.contains(s.as_str()),
            Matcher::Regex { regex, .. } => regex.as_ref()?.is_match(path),
        })
    }
}

impl ImportTreeRoots {
    /// `calls`: (workspace-relative path of the file holding the call, with `/` separators, e.g.
    /// "flake.nix" or "nix/flake-parts.nix"; the call).
    /// `fallback_modules_dir`: true when the workspace has a top-level `modules/` folder; used only
    /// when no call is found anywhere.
    pub(crate) fn new<'a>(
        calls: impl IntoIterator<Item = (&'a str, &'a ImportTreeCall)>,
        fallback_modules_dir: bool,
    ) -> ImportTreeRoots {
        let mut resolved: Vec<ResolvedCall> = Vec::new();
        let mut any_call = false;
        for (file, call) in calls {
            any_call = true;
            let mut folder = components(file);
            folder.pop();
            let call = ResolvedCall {
                // A root above the workspace holds no file of it.
                roots: call.roots.iter().filter_map(|root| join(&folder, root)).collect(),
                filters: call
                    .filters
                    .iter()
                    .map(|filter| match filter {
                        PathFilter::Keep(p) => (true, Matcher::new(p)),
                        PathFilter::Drop(p) => (false, Matcher::new(p)),
                    })
                    .collect(),
                init_filter: call.init_filter.as_ref().map(Matcher::new),
            };
            if !resolved.contains(&call) {
                resolved.push(call);
            }
        }
        let guessed = !any_call && fallback_modules_dir;
        if guessed {
            resolved.push(ResolvedCall {
                roots: vec![vec!["modules".to_string()]],
                filters: Vec::new(),
                init_filter: None,
            });
        }
        ImportTreeRoots { calls: resolved, guessed }
    }

    /// The roots are `modules/`, guessed for a folder with neither a flake nor an import-tree call.
    pub(crate) fn guessed(&self) -> bool {
        self.guessed
    }

    /// Workspace-relative root folders ("modules", "hosts"), normalised (no "./", ".." resolved
    /// against the calling file's folder; a root that climbs above the workspace is dropped). The
    /// workspace itself is ".". A root may also be a single file ("modules/one.nix").
    pub(crate) fn roots(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for root in self.calls.iter().flat_map(|call| &call.roots) {
            let root = if root.is_empty() { ".".to_string() } else { root.join("/") };
            if !out.contains(&root) {
                out.push(root);
            }
        }
        out
    }

    /// No call, and no fallback: import-tree loads nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// How import-tree treats a workspace-relative `.nix` path.
    pub(crate) fn classify(&self, path: &str) -> FileKind {
        let path = components(path);
        let mut under_root = false;
        for call in &self.calls {
            let Some(seen_as) = call.seen_as(&path) else {
                continue;
            };
            under_root = true;
            if call.accepts(&seen_as) {
                return FileKind::TopLevel;
            }
        }
        if under_root { FileKind::Ignored } else { FileKind::Outside }
    }
}

impl ResolvedCall {
    /// The string import-tree's filters see for `path`, when one of the roots lists it.
    ///
    /// import-tree strips from each file the first folder root (in call order) that is a prefix of
    /// it, so filters see `/hosts/x.nix` for `modules/hosts/x.nix` under `./modules`: that is why
    /// `/_` only counts below the root, and why `hasPrefix "/hosts/"` works. A root that is a file
    /// is not stripped: filters see its absolute path, which canopy approximates by `/` and the
    /// workspace-relative path (the store path in front, `/nix/store/<hash>-source`, holds no
    /// `/_`). Releases before the stripping showed filters absolute paths everywhere; for
    /// suffixes, most infixes and `.*`-led regexes the answer is the same.
    fn seen_as(&self, path: &[String]) -> Option<String> {
        let below = |root: &&Vec<String>| root.len() < path.len() && path.starts_with(root);
        if let Some(root) = self.roots.iter().find(below) {
            return Some(format!("/{}", path[root.len()..].join("/")));
        }
        self.roots.iter().any(|root| root[..] == *path).then(|| format!("/{}", path.join("/")))
    }

    fn accepts(&self, seen_as: &str) -> bool {
        let initial = match &self.init_filter {
            Some(init) => init.test(seen_as) != Some(false),
            None => seen_as.ends_with(".nix") && !seen_as.contains("/_"),
        };
        // A filter canopy cannot evaluate lets every path through: import-tree may import it.
        initial && self.filters.iter().all(|(keep, matcher)| matcher.test(seen_as) != Some(!keep))
    }
}

/// Path components, without empty and `.` ones.
fn components(path: &str) -> Vec<String> {
    path.split('/').filter(|p| !p.is_empty() && *p != ".").map(str::to_string).collect()
}

/// `relative` resolved against `folder`; `None` above the workspace.
fn join(folder: &[String], relative: &str) -> Option<Vec<String>> {
    let mut out = folder.to_vec();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            _ => out.push(part.to_string()),
        }
    }
    Some(out)
}
