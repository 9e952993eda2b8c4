//! Where aspects and hosts are stored: the collection table (dendritic.md §2) and the matcher
//! that reads a configuration path against it.
//!
//! Every storage style is one row: a pattern of path segments. A library that stores aspects
//! somewhere new is a new row; custom collections (options the workspace declares) and den
//! namespaces become rows at run time.

use rustc_hash::FxHashMap;
use smol_str::SmolStr;

use crate::summary::{DeclaredShape, NamespaceDecl, OptionDecl};

/// Classes every dendritic repository may use without declaring them.
pub(crate) const KNOWN_CLASSES: &[&str] =
    &["nixos", "homeManager", "darwin", "nixvim", "nixOnDroid", "generic", "flake"];

pub(crate) fn is_known_class(name: &str) -> bool {
    KNOWN_CLASSES.contains(&name)
}

/// The class an output attribute names: `nixosModules` is `nixos`, `homeModules` and
/// `homeManagerModules` are `homeManager`; `suffix` is `Modules` or `Configurations`.
pub(crate) fn class_of_output(key: &str, suffix: &str) -> Option<SmolStr> {
    let stem = key.strip_suffix(suffix).filter(|s| !s.is_empty())?;
    Some(SmolStr::new(match stem {
        "home" | "homeManager" => "homeManager",
        other => other,
    }))
}

/// One segment of a row's pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Exactly this name.
    Literal(SmolStr),
    /// `<x>Modules` (or `<x>Configurations`): part of the collection's name, and names its class.
    Output(&'static str),
    /// A class, before the aspect (`flake.modules.<class>`).
    Class,
    /// The aspect's name.
    Aspect,
    /// A class inside an aspect (`den.aspects.<aspect>.<class>`), unless reserved.
    AspectClass,
    /// A system (`den.hosts.<system>`).
    System,
    /// A host's name.
    Host,
}

/// What a row stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RowKind {
    /// `flake.modules.<class>.<aspect>`
    FlakeModules,
    /// `flake.<x>Modules.<aspect>`: consumed outside the repository.
    Outputs,
    /// An option declared in the workspace.
    Custom,
    /// `flake.aspects.<aspect>.<class>`
    FlakeAspects,
    /// `den.aspects.<aspect>.<class>`
    Den,
    /// A den namespace: `<ns>.<aspect>.<class>`.
    DenNamespace,
    /// `unify.modules.<aspect>.<class>`
    Unify,
    /// A host: `configurations.<class>.<host>`, `flake.<x>Configurations.<host>`, ...
    Host,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    kind: RowKind,
    pattern: Vec<Segment>,
    /// The class of every aspect, when the pattern has no class segment.
    class: Option<SmolStr>,
    /// Keys under an aspect that are not classes.
    reserved: &'static [&'static str],
    /// Class names the library spells its own way, with the class they mean.
    aliases: &'static [(&'static str, &'static str)],
    /// A class-first collection the library also writes each aspect's classes to
    /// (flake-aspects sets `flake.modules.<class>.<aspect>` from `flake.aspects.<aspect>.<class>`).
    transposes_to: Option<&'static str>,
}

const DEN_RESERVED: &[&str] = &["includes", "provides", "_", "description", "__functor", "name"];
/// unify calls home-manager's class `home`.
const UNIFY_ALIASES: &[(&str, &str)] = &[("home", "homeManager")];
const FLAKE_ASPECTS_RESERVED: &[&str] = &["name", "description", "includes", "provides", "_", "__functor"];

fn builtin_rows() -> Vec<Row> {
    use Segment::*;
    let lit = |s: &'static str| Literal(SmolStr::new_static(s));
    let row = |kind, pattern, reserved| Row { kind, pattern, class: None, reserved, aliases: &[], transposes_to: None };
    vec![
        row(RowKind::FlakeModules, vec![lit("flake"), lit("modules"), Class, Aspect], &[]),
        row(RowKind::Outputs, vec![lit("flake"), Output("Modules"), Aspect], &[]),
        Row {
            transposes_to: Some("flake.modules"),
            ..row(
                RowKind::FlakeAspects,
                vec![lit("flake"), lit("aspects"), Aspect, AspectClass],
                FLAKE_ASPECTS_RESERVED,
            )
        },
        row(RowKind::Den, vec![lit("den"), lit("aspects"), Aspect, AspectClass], DEN_RESERVED),
        Row {
            aliases: UNIFY_ALIASES,
            ..row(RowKind::Unify, vec![lit("unify"), lit("modules"), Aspect, AspectClass], &[])
        },
        row(RowKind::Host, vec![lit("configurations"), Class, Host], &[]),
        row(RowKind::Host, vec![lit("flake"), Output("Configurations"), Host], &[]),
        row(RowKind::Host, vec![lit("den"), lit("hosts"), System, Host], &[]),
        Row { aliases: UNIFY_ALIASES, ..row(RowKind::Host, vec![lit("unify"), lit("hosts"), Class, Host], &[]) },
    ]
}

/// The collections of one workspace: the built-in rows plus what its files declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CollectionSet {
    rows: Vec<Row>,
    /// Rows by their first segment, which is always a literal.
    by_first: FxHashMap<SmolStr, Vec<usize>>,
    namespaces: Vec<SmolStr>,
}

impl Default for CollectionSet {
    fn default() -> Self {
        CollectionSet::new(&[], &[])
    }
}

impl CollectionSet {
    pub(crate) fn new(options: &[OptionDecl], namespaces: &[NamespaceDecl]) -> CollectionSet {
        let mut rows = builtin_rows();
        for decl in options {
            let mut pattern: Vec<Segment> = decl.path.iter().cloned().map(Segment::Literal).collect();
            match decl.shape {
                DeclaredShape::Aspects => pattern.push(Segment::Aspect),
                DeclaredShape::ClassesThenAspects => pattern.extend([Segment::Class, Segment::Aspect]),
            }
            let row = Row {
                kind: RowKind::Custom,
                pattern,
                class: decl.class.clone(),
                reserved: &[],
                aliases: &[],
                transposes_to: None,
            };
            // A redeclared built-in (`options.flake.modules`) stays built-in.
            if !rows.iter().any(|r| r.pattern == row.pattern || overlaps(r, &row)) {
                rows.push(row);
            }
        }
        let mut names: Vec<SmolStr> = namespaces.iter().map(|n| n.name.clone()).collect();
        names.sort();
        names.dedup();
        for name in &names {
            let pattern = vec![Segment::Literal(name.clone()), Segment::Aspect, Segment::AspectClass];
            rows.push(Row {
                kind: RowKind::DenNamespace,
                pattern,
                class: None,
                reserved: DEN_RESERVED,
                aliases: &[],
                transposes_to: None,
            });
        }
        let mut by_first: FxHashMap<SmolStr, Vec<usize>> = FxHashMap::default();
        for (i, row) in rows.iter().enumerate() {
            if let Some(Segment::Literal(first)) = row.pattern.first() {
                by_first.entry(first.clone()).or_default().push(i);
            }
        }
        CollectionSet { rows, by_first, namespaces: names }
    }

    /// `true` for a class some declared collection fixes (`options.nixos.modules` of class `nixos`).
    pub(crate) fn declares_class(&self, class: &str) -> bool {
        self.rows.iter().any(|r| r.kind == RowKind::Custom && r.class.as_deref() == Some(class))
    }

    /// `true` when `name` starts a collection the workspace declares (or a den namespace).
    pub(crate) fn declares_root(&self, name: &str) -> bool {
        self.rows.iter().any(|r| {
            matches!(r.kind, RowKind::Custom | RowKind::DenNamespace)
                && matches!(r.pattern.first(), Some(Segment::Literal(first)) if first == name)
        })
    }

    pub(crate) fn is_namespace(&self, name: &str) -> bool {
        self.namespaces.iter().any(|n| n == name)
    }

    /// `true` when `name` starts some collection or host path.
    pub(crate) fn is_root(&self, name: &str) -> bool {
        self.by_first.contains_key(name)
    }

    /// The depth of the deepest config node below the top-level name `root` that a row can give
    /// a meaning to: the end of the longest pattern starting with `root`, or two below it for
    /// den's `<host>.users.<user>`. Below any other name, only the name itself (depth 1).
    pub(crate) fn depth_read(&self, root: &str) -> u16 {
        let Some(rows) = self.by_first.get(root) else { return 1 };
        let depth = |row: &Row| {
            let den_users =
                row.kind == RowKind::Host && matches!(row.pattern.first(), Some(Segment::Literal(l)) if l == "den");
            row.pattern.len() + if den_users { 2 } else { 0 }
        };
        let deepest = rows.iter().map(|&i| depth(&self.rows[i])).max().unwrap_or(1);
        u16::try_from(deepest).unwrap_or(u16::MAX)
    }

    /// Reads a configuration path against every row; the row that matches most of it wins.
    pub(crate) fn match_path<S: AsRef<str>>(&self, path: &[S]) -> Option<PathMatch> {
        let first = path.first()?.as_ref();
        let candidates = self.by_first.get(first)?;
        candidates.iter().filter_map(|&i| self.match_row(i, path)).max_by_key(|m| (m.matched, m.literal_len))
    }

    fn match_row<S: AsRef<str>>(&self, index: usize, path: &[S]) -> Option<PathMatch> {
        let row = &self.rows[index];
        let mut m = PathMatch {
            row: RowRef(index),
            kind: row.kind,
            collection: String::new(),
            class: row.class.clone(),
            class_index: None,
            aspect: None,
            system: None,
            host: None,
            reserved: false,
            matched: 0,
            literal_len: 0,
            complete: false,
        };
        for (segment, name) in row.pattern.iter().zip(path) {
            let name = name.as_ref();
            match segment {
                Segment::Literal(lit) => {
                    if lit != name {
                        return None;
                    }
                    push_collection(&mut m.collection, name);
                    m.literal_len += 1;
                }
                Segment::Output(suffix) => {
                    let class = class_of_output(name, suffix)?;
                    push_collection(&mut m.collection, name);
                    m.literal_len += 1;
                    m.class = Some(class);
                }
                Segment::Class => {
                    m.class = Some(row.class_named(name));
                    m.class_index = Some(m.matched);
                }
                Segment::Aspect => m.aspect = Some((SmolStr::new(name), m.matched)),
                Segment::AspectClass => {
                    if row.reserved.contains(&name) {
                        m.reserved = true;
                    } else {
                        m.class = Some(row.class_named(name));
                        m.class_index = Some(m.matched);
                    }
                }
                Segment::System => m.system = Some(SmolStr::new(name)),
                Segment::Host => m.host = Some((SmolStr::new(name), m.matched)),
            }
            m.matched += 1;
        }
        m.complete = m.matched == row.pattern.len();
        // The collection's own name must be reached before a match means anything.
        let prefix = row.pattern.iter().take_while(|s| matches!(s, Segment::Literal(_) | Segment::Output(_))).count();
        (m.matched >= prefix).then_some(m)
    }

    /// `true` for rows whose aspects keep classes inside them (`den.aspects.<aspect>.<class>`).
    pub(crate) fn aspect_first(&self, row: RowRef) -> bool {
        self.rows[row.0].pattern.last() == Some(&Segment::AspectClass)
    }

    /// The class-first collection an aspect-first row also defines its aspects in.
    pub(crate) fn transposes_to(&self, row: RowRef) -> Option<&'static str> {
        self.rows[row.0].transposes_to
    }
}

impl Row {
    fn class_named(&self, written: &str) -> SmolStr {
        let canonical = self.aliases.iter().find(|(alias, _)| *alias == written).map_or(written, |(_, class)| class);
        SmolStr::new(canonical)
    }
}

fn overlaps(builtin: &Row, custom: &Row) -> bool {
    let prefix = |row: &Row| -> Vec<SmolStr> {
        row.pattern
            .iter()
            .map_while(|s| match s {
                Segment::Literal(l) => Some(l.clone()),
                _ => None,
            })
            .collect()
    };
    builtin.kind != RowKind::Host && prefix(builtin) == prefix(custom)
}

fn push_collection(collection: &mut String, name: &str) {
    if !collection.is_empty() {
        collection.push('.');
    }
    collection.push_str(name);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct RowRef(usize);

/// How a path reads against the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathMatch {
    pub(crate) row: RowRef,
    pub(crate) kind: RowKind,
    /// The collection's (or host kind's) own path: `flake.modules`, `flake.nixosModules`, `vix`.
    pub(crate) collection: String,
    pub(crate) class: Option<SmolStr>,
    /// Where the class is named in the path (absent when the row fixes it).
    pub(crate) class_index: Option<usize>,
    /// The aspect's name and its index in the path.
    pub(crate) aspect: Option<(SmolStr, usize)>,
    pub(crate) system: Option<SmolStr>,
    pub(crate) host: Option<(SmolStr, usize)>,
    /// The segment after an aspect-first aspect is a reserved key (`includes`), not a class.
    pub(crate) reserved: bool,
    /// How many segments of the path the pattern covers.
    pub(crate) matched: usize,
    literal_len: usize,
    /// The whole pattern matched.
    pub(crate) complete: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::text::TextRange;

    #[test]
    fn each_root_is_read_as_deep_as_its_longest_row() {
        let builtin = CollectionSet::default();
        let depths: Vec<(&str, u16)> = ["flake", "den", "configurations", "unify", "services", "my"]
            .iter()
            .map(|r| (*r, builtin.depth_read(r)))
            .collect();
        assert_eq!(depths, [("flake", 4), ("den", 6), ("configurations", 3), ("unify", 4), ("services", 1), ("my", 1)]);
        // `nixos.modules.<aspect>` and the namespace's `vix.<aspect>.<class>`.
        assert_eq!(set().depth_read("nixos"), 3);
        assert_eq!(set().depth_read("vix"), 3);
    }

    fn set() -> CollectionSet {
        let option = OptionDecl {
            path: vec!["nixos".into(), "modules".into()],
            range: TextRange::default(),
            shape: DeclaredShape::Aspects,
            class: Some("nixos".into()),
        };
        let ns = NamespaceDecl { name: "vix".into(), range: TextRange::default() };
        CollectionSet::new(&[option], &[ns])
    }

    fn show(path: &str) -> String {
        let parts: Vec<&str> = path.split('.').collect();
        match set().match_path(&parts) {
            None => "none".into(),
            Some(m) => format!(
                "{} class={:?} aspect={:?} host={:?} matched={} complete={} reserved={}",
                m.collection,
                m.class.as_deref(),
                m.aspect.as_ref().map(|a| a.0.as_str()),
                m.host.as_ref().map(|h| h.0.as_str()),
                m.matched,
                m.complete,
                m.reserved
            ),
        }
    }

    #[test]
    fn every_storage_style_reads() {
        let cases = [
            "flake.modules.nixos.ssh",
            "flake.modules.nixos",
            "flake.nixosModules.base",
            "flake.homeModules.base",
            "flake.aspects.desktop.homeManager",
            "den.aspects.igloo.includes",
            "den.aspects.igloo.nixos",
            "vix.bootable.nixos",
            "nixos.modules.pc",
            "unify.modules.gui.darwin",
            "configurations.nixos.gouda",
            "flake.nixosConfigurations.gouda",
            "den.hosts.x86_64-linux.igloo",
            "flake.packages.default",
            "flake",
            "services.openssh",
        ];
        let shown: Vec<String> = cases.iter().map(|c| format!("{c}: {}", show(c))).collect();
        expect_test::expect![[r#"
            flake.modules.nixos.ssh: flake.modules class=Some("nixos") aspect=Some("ssh") host=None matched=4 complete=true reserved=false
            flake.modules.nixos: flake.modules class=Some("nixos") aspect=None host=None matched=3 complete=false reserved=false
            flake.nixosModules.base: flake.nixosModules class=Some("nixos") aspect=Some("base") host=None matched=3 complete=true reserved=false
            flake.homeModules.base: flake.homeModules class=Some("homeManager") aspect=Some("base") host=None matched=3 complete=true reserved=false
            flake.aspects.desktop.homeManager: flake.aspects class=Some("homeManager") aspect=Some("desktop") host=None matched=4 complete=true reserved=false
            den.aspects.igloo.includes: den.aspects class=None aspect=Some("igloo") host=None matched=4 complete=true reserved=true
            den.aspects.igloo.nixos: den.aspects class=Some("nixos") aspect=Some("igloo") host=None matched=4 complete=true reserved=false
            vix.bootable.nixos: vix class=Some("nixos") aspect=Some("bootable") host=None matched=3 complete=true reserved=false
            nixos.modules.pc: nixos.modules class=Some("nixos") aspect=Some("pc") host=None matched=3 complete=true reserved=false
            unify.modules.gui.darwin: unify.modules class=Some("darwin") aspect=Some("gui") host=None matched=4 complete=true reserved=false
            configurations.nixos.gouda: configurations class=Some("nixos") aspect=None host=Some("gouda") matched=3 complete=true reserved=false
            flake.nixosConfigurations.gouda: flake.nixosConfigurations class=Some("nixos") aspect=None host=Some("gouda") matched=3 complete=true reserved=false
            den.hosts.x86_64-linux.igloo: den.hosts class=None aspect=None host=Some("igloo") matched=4 complete=true reserved=false
            flake.packages.default: none
            flake: none
            services.openssh: none"#]]
        .assert_eq(&shown.join("\n"));
    }
}
