//! Where aspects and hosts are stored: the collection table (dendritic.md §2) and the matcher
//! that reads a configuration path against it.
//!
//! Every storage style is one row: a pattern of path segments. A library that stores aspects
//! somewhere new is a new row; custom collections (options the workspace declares) and den
//! namespaces become rows at run time.

use std::hash::{BuildHasher, Hash, Hasher};

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use smol_str::SmolStr;

use super::classes::{class_of_output, is_known_class};
use crate::summary::{DeclaredShape, NamespaceDecl, OptionDecl};

/// One segment of a row's pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Segment {
    /// Exactly this name.
    Literal(SmolStr),
    /// Any of these names, which the library makes aliases of the first (`den.provides`,
    /// `den._`, `den.batteries`); the collection is named by the first.
    Aliases(&'static [&'static str]),
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
    /// den's batteries, `den.provides.<aspect>.<class>`: den defines most of them itself.
    DenBatteries,
    /// `den.classes.<class>`: a class the workspace declares to den.
    ClassDeclaration,
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
    /// Classes the library itself defines: known wherever this row stores aspects.
    classes: &'static [&'static str],
    /// For a host row: the collection the library also makes each host (and each of its users)
    /// an aspect of.
    host_aspects: Option<HostAspects>,
    /// Aspects the library itself defines in this collection, as of the versions canopy read.
    library_names: &'static [&'static str],
    /// Under an aspect, a key that is no class but holds classes is a nested aspect, and the
    /// workspace may declare classes of its own (`den.classes`, den's `forward` battery).
    den_keys: bool,
    /// For a declared collection: every declaration of it is a plain `deferredModule` option
    /// (`OptionDecl::plain`), so each stored module merges to `{ imports = [ ... ]; }`.
    plain: bool,
}

/// A library that makes hosts aspects: den turns `den.hosts.<system>.<host>` and every
/// `<host>.users.<user>` into `den.aspects.<host>` and `den.aspects.<user>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HostAspects {
    pub(crate) collection: &'static str,
    /// The key under a host that holds its users.
    pub(crate) users: &'static str,
}

/// What each library gives beside its rows: module arguments that are paths of the configuration,
/// arguments of a function written as the collection's value, and a function whose call declares
/// a namespace of the library's shape.
struct Library {
    /// `den` is `config.den`.
    arguments: &'static [(&'static str, &'static [&'static str])],
    /// `flake.aspects = { aspects, ... }: ...`: at this path, the function's `aspects` argument
    /// is the collection itself.
    fixpoint: Option<(&'static [&'static str], &'static str)>,
    /// `inputs.den.namespace "vix" true` declares `vix.<aspect>.<class>`, shaped as this row.
    namespace: Option<(&'static str, RowKind)>,
}

/// flake-aspects, `nix/types.nix`: an aspect's options besides its classes (`_` is an alias of
/// `provides`).
const FLAKE_ASPECTS_RESERVED: &[&str] = &["name", "description", "includes", "provides", "_", "__functor"];

/// den, `nix/lib/aspects/types.nix`: an aspect's options besides its classes (`_` is an alias of
/// `provides`).
/// den, `nix/lib/aspects/types.nix` (vic/den 815076e) and the structural keys of
/// `nix/lib/aspects/fx/key-classification.nix` (denful/den 75cead3): an aspect's options besides
/// its classes (`_` is an alias of `provides`), plus the submodule's own `imports`.
const DEN_RESERVED: &[&str] = &[
    "includes",
    "provides",
    "_",
    "description",
    "__functor",
    "name",
    "meta",
    "policies",
    "into",
    "classes",
    "imports",
    "_module",
];

/// den's batteries, the aspects den defines under `den.provides` (alias `den._`; `den.batteries`
/// in newer versions): vic/den 815076e `modules/aspects/provides/`, denful/den
/// `modules/aspects/provides/` and `modules/aspects/batteries/`. Versions add and drop some, so
/// a name missing here is a warning, never an error.
const DEN_BATTERIES: &[&str] = &[
    "define-user",
    "flake-scope",
    "forward",
    "hjem",
    "home-manager",
    "host-aspects",
    "hostname",
    "import-tree",
    "inputs'",
    "insecure",
    "maid",
    "mutual-provider",
    "os-class",
    "os-user",
    "pkgs",
    "primary-user",
    "self'",
    "tty-autologin",
    "unfree",
    "user-aspects",
    "user-shell",
    "vm-autologin",
    "wsl",
];

/// den forwards aspects of these classes into hosts (`modules/aspects/provides/os-user.nix`,
/// `os-class.nix`, `hjem.nix`, `maid.nix`, `wsl.nix`).
const DEN_CLASSES: &[&str] = &["user", "os", "hjem", "maid", "wsl"];

/// A key den recognises inside an aspect's value: a class it knows or a structural key.
pub(crate) fn den_recognises(key: &str) -> bool {
    is_known_class(key) || DEN_CLASSES.contains(&key) || DEN_RESERVED.contains(&key)
}

/// unify calls home-manager's class `home`.
const UNIFY_ALIASES: &[(&str, &str)] = &[("home", "homeManager")];

/// The storage styles of the libraries canopy knows, one row each; a new library is a new row
/// here (and, if it gives arguments or namespaces, an entry in `LIBRARIES`).
fn builtin_rows() -> Vec<Row> {
    use Segment::*;
    let lit = |s: &'static str| Literal(SmolStr::new_static(s));
    let row = Row::new;
    vec![
        // flake-parts' modules module (`extras/modules.nix`).
        row(RowKind::FlakeModules, vec![lit("flake"), lit("modules"), Class, Aspect]),
        // Flake outputs: `flake.nixosModules` and the like; the name spells the class.
        row(RowKind::Outputs, vec![lit("flake"), Output("Modules"), Aspect]),
        // flake-aspects, `nix/flakeModule.nix`: `flake.aspects` in, `flake.modules` out.
        Row {
            reserved: FLAKE_ASPECTS_RESERVED,
            transposes_to: Some("flake.modules"),
            ..row(RowKind::FlakeAspects, vec![lit("flake"), lit("aspects"), Aspect, AspectClass])
        },
        // den, `nix/nixModule/aspects.nix` (the option) and `nix/lib/aspects/types.nix` (an aspect).
        Row {
            reserved: DEN_RESERVED,
            classes: DEN_CLASSES,
            den_keys: true,
            ..row(RowKind::Den, vec![lit("den"), lit("aspects"), Aspect, AspectClass])
        },
        // den, `modules/aspects/provides.nix` (vic/den 815076e: `den.provides`, alias `_`) and
        // `modules/aspects/batteries.nix` (denful/den: `den.batteries`, aliases `provides`, `_`).
        Row {
            reserved: DEN_RESERVED,
            classes: DEN_CLASSES,
            den_keys: true,
            library_names: DEN_BATTERIES,
            ..row(
                RowKind::DenBatteries,
                vec![lit("den"), Aliases(&["provides", "_", "batteries"]), Aspect, AspectClass],
            )
        },
        // denful/den, `modules/options.nix`: `den.classes` is `lazyAttrsOf classSchemaType`.
        row(RowKind::ClassDeclaration, vec![lit("den"), lit("classes"), Class]),
        Row { aliases: UNIFY_ALIASES, ..row(RowKind::Unify, vec![lit("unify"), lit("modules"), Aspect, AspectClass]) },
        row(RowKind::Host, vec![lit("configurations"), Class, Host]),
        row(RowKind::Host, vec![lit("flake"), Output("Configurations"), Host]),
        // den, `modules/aspects/definition.nix`: every host and user is an aspect too.
        Row {
            host_aspects: Some(HostAspects { collection: "den.aspects", users: "users" }),
            ..row(RowKind::Host, vec![lit("den"), lit("hosts"), System, Host])
        },
        Row { aliases: UNIFY_ALIASES, ..row(RowKind::Host, vec![lit("unify"), lit("hosts"), Class, Host]) },
    ]
}

/// The family of the flake's module outputs (`Outputs` rows): `flake.nixosModules.base`,
/// `flake.homeManagerModules.base` and `flake.darwinModules.base` are one feature, `base`, in three
/// classes, as `flake.modules.<class>.base` is in its collection (dendritic.md §8.2).
pub(crate) const OUTPUT_FAMILY: &str = "flake.*Modules";

/// The family a collection's aspects belong to: names in one family are one aspect across their
/// classes. The outputs' collections make one family; any other collection is its own.
pub(crate) fn family(collection: &str) -> &str {
    let output = collection
        .strip_prefix("flake.")
        .is_some_and(|output| !output.contains('.') && class_of_output(output, "Modules").is_some());
    if output { OUTPUT_FAMILY } else { collection }
}

const LIBRARIES: &[Library] = &[
    // flake-aspects, `nix/types.nix`: `_module.args.aspects` of the aspects' own evaluation.
    Library { arguments: &[], fixpoint: Some((&["flake", "aspects"], "aspects")), namespace: None },
    // den: `nix/nixModule/default.nix` (`_module.args.den = config.den`) and
    // `nix/lib/namespace.nix` (a namespace is a module argument and an option of den's shape).
    Library { arguments: &[("den", &["den"])], fixpoint: None, namespace: Some(("namespace", RowKind::Den)) },
];

/// The configuration path a library's module argument stands for (`den`: `config.den`).
pub(crate) fn library_argument(name: &str) -> Option<&'static [&'static str]> {
    LIBRARIES.iter().flat_map(|l| l.arguments).find(|(arg, _)| *arg == name).map(|(_, path)| *path)
}

/// The arguments of a function written at `path` that stand for the collection there, each with
/// that path.
pub(crate) fn fixpoint_arguments<S: AsRef<str>>(
    path: &[S],
) -> impl Iterator<Item = (&'static str, &'static [&'static str])> + '_ {
    LIBRARIES.iter().filter_map(|l| l.fixpoint).filter_map(move |(at, argument)| {
        path.iter().map(AsRef::as_ref).eq(at.iter().copied()).then_some((argument, at))
    })
}

/// Whether calling `function` with a string declares a namespace.
pub(crate) fn declares_namespace(function: &str) -> bool {
    LIBRARIES.iter().any(|l| l.namespace.is_some_and(|(name, _)| name == function))
}

/// The collections of one workspace: the built-in rows plus what its files declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CollectionSet {
    rows: Vec<Row>,
    /// Rows by their first segment, which is always a literal.
    by_first: FxHashMap<SmolStr, Vec<usize>>,
    /// Rows by collection (`Row::collection_prefix`). This and the sets below keep every
    /// question asked of the table independent of its size: a repository may declare thousands
    /// of collections, and each reference asks.
    by_collection: FxHashMap<String, Vec<usize>>,
    /// The classes declared collections fix.
    declared_classes: FxHashSet<SmolStr>,
    /// The first names of declared collections and den namespaces.
    declared_roots: FxHashSet<SmolStr>,
    /// Sorted.
    namespaces: Vec<SmolStr>,
    /// The collections whose library defines aspects of its own, with those names: a few rows,
    /// asked of every aspect a file names, without a probe of `by_collection` (a table of
    /// 100,000 collections misses the caches at each).
    libraries: Vec<(String, &'static [&'static str])>,
}

impl Default for CollectionSet {
    fn default() -> Self {
        CollectionSet::new(&[], &[])
    }
}

impl CollectionSet {
    pub(crate) fn new(options: &[OptionDecl], namespaces: &[NamespaceDecl]) -> CollectionSet {
        let mut rows = builtin_rows();
        add_declared(&mut rows, options);
        let mut names: Vec<SmolStr> = namespaces.iter().map(|n| n.name.clone()).collect();
        names.sort();
        names.dedup();
        // A namespace stores aspects as the library that declares it does (`vix.<aspect>.<class>`).
        let shape =
            LIBRARIES.iter().find_map(|l| l.namespace).and_then(|(_, kind)| rows.iter().find(|r| r.kind == kind));
        if let Some(shape) = shape.cloned() {
            for name in &names {
                let pattern = vec![Segment::Literal(name.clone()), Segment::Aspect, Segment::AspectClass];
                rows.push(Row { kind: RowKind::DenNamespace, pattern, transposes_to: None, ..shape.clone() });
            }
        }
        let mut by_first: FxHashMap<SmolStr, Vec<usize>> =
            FxHashMap::with_capacity_and_hasher(rows.len(), FxBuildHasher);
        let mut by_collection: FxHashMap<String, Vec<usize>> =
            FxHashMap::with_capacity_and_hasher(rows.len(), FxBuildHasher);
        let mut declared_classes = FxHashSet::default();
        let mut declared_roots = FxHashSet::with_capacity_and_hasher(rows.len(), FxBuildHasher);
        let mut libraries: Vec<(String, &'static [&'static str])> = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            if !row.library_names.is_empty() {
                let collection = row.collection_prefix();
                if !libraries.iter().any(|(c, _)| *c == collection) {
                    libraries.push((collection, row.library_names));
                }
            }
            if let Some(Segment::Literal(first)) = row.pattern.first() {
                by_first.entry(first.clone()).or_default().push(i);
                if matches!(row.kind, RowKind::Custom | RowKind::DenNamespace) {
                    declared_roots.insert(first.clone());
                }
            }
            by_collection.entry(row.collection_prefix()).or_default().push(i);
            if let (RowKind::Custom, Some(class)) = (row.kind, &row.class) {
                declared_classes.insert(class.clone());
            }
        }
        CollectionSet { rows, by_first, by_collection, declared_classes, declared_roots, namespaces: names, libraries }
    }

    /// `true` for a class some declared collection fixes (`options.nixos.modules` of class `nixos`).
    pub(crate) fn declares_class(&self, class: &str) -> bool {
        self.declared_classes.contains(class)
    }

    /// `true` when `name` starts a collection the workspace declares (or a den namespace).
    pub(crate) fn declares_root(&self, name: &str) -> bool {
        self.declared_roots.contains(name)
    }

    pub(crate) fn is_namespace(&self, name: &str) -> bool {
        self.namespaces.binary_search_by(|n| n.as_str().cmp(name)).is_ok()
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
        // A host's users (`<host>.users.<user>`) are read two below the host.
        let depth = |row: &Row| row.pattern.len() + if row.host_aspects.is_some() { 2 } else { 0 };
        let deepest = rows.iter().map(|&i| depth(&self.rows[i])).max().unwrap_or(1);
        u16::try_from(deepest).unwrap_or(u16::MAX)
    }

    /// Reads a configuration path against every row; the row that matches most of it wins.
    pub(crate) fn match_path<S: AsRef<str>>(&self, path: &[S]) -> Option<PathMatch> {
        let first = path.first()?.as_ref();
        let candidates = self.by_first.get(first)?;
        // Every config node of every file is read here, against each row of its first name: the
        // rows are scored without building their matches, and only the best is built.
        let best = candidates
            .iter()
            .filter_map(|&i| self.match_row(i, path, false).map(|m| (i, m.matched, m.literal_len)))
            .max_by_key(|&(_, matched, literal_len)| (matched, literal_len))?;
        self.match_row(best.0, path, true)
    }

    /// How `path` reads against one row; with `build` false, only how far (`matched`,
    /// `literal_len`), leaving the names out.
    fn match_row<S: AsRef<str>>(&self, index: usize, path: &[S], build: bool) -> Option<PathMatch> {
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
                    if build {
                        push_collection(&mut m.collection, name);
                    }
                    m.literal_len += 1;
                }
                Segment::Aliases(names) => {
                    if !names.contains(&name) {
                        return None;
                    }
                    if build {
                        push_collection(&mut m.collection, names[0]);
                    }
                    m.literal_len += 1;
                }
                Segment::Output(suffix) => {
                    let class = class_of_output(name, suffix)?;
                    if build {
                        push_collection(&mut m.collection, name);
                        m.class = Some(class);
                    }
                    m.literal_len += 1;
                }
                _ if !build => {}
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
        let prefix = row
            .pattern
            .iter()
            .take_while(|s| matches!(s, Segment::Literal(_) | Segment::Aliases(_) | Segment::Output(_)))
            .count();
        (m.matched >= prefix).then_some(m)
    }

    /// `true` for rows whose aspects keep classes inside them (`den.aspects.<aspect>.<class>`).
    pub(crate) fn aspect_first(&self, row: RowRef) -> bool {
        self.rows[row.0].pattern.last() == Some(&Segment::AspectClass)
    }

    /// For a declared collection: each stored module merges to `{ imports = [ ... ]; }`
    /// (`Row::plain`).
    pub(crate) fn holds_plain_modules(&self, row: RowRef) -> bool {
        self.rows[row.0].kind == RowKind::Custom && self.rows[row.0].plain
    }

    /// The class-first collection an aspect-first row also defines its aspects in.
    pub(crate) fn transposes_to(&self, row: RowRef) -> Option<&'static str> {
        self.rows[row.0].transposes_to
    }

    /// For a host row: the collection its hosts and users are also aspects of.
    pub(crate) fn host_aspects(&self, row: RowRef) -> Option<HostAspects> {
        self.rows[row.0].host_aspects
    }

    /// Whether the library storing aspects in `collection` defines `class` itself (den forwards
    /// `user` modules into hosts).
    pub(crate) fn library_defines_class(&self, collection: &str, class: &str) -> bool {
        self.rows_of(collection).any(|r| r.classes.contains(&class))
    }

    /// A class every module system or the library storing `collection` knows, or one the
    /// workspace's own collections fix.
    pub(crate) fn knows_class(&self, collection: &str, class: &str) -> bool {
        is_known_class(class) || self.library_defines_class(collection, class) || self.declares_class(class)
    }

    /// For a match whose path names a class under a den aspect: the key is no class the library
    /// knows, so it may be a nested aspect, a provider or a class declared elsewhere.
    pub(crate) fn unknown_den_key(&self, m: &PathMatch) -> bool {
        self.den_keys(m.row)
            && m.class_index.is_some()
            && m.class.as_deref().is_some_and(|class| !self.knows_class(&m.collection, class))
    }

    /// Whether `collection` is den's: classes the workspace declares to den count there, and a key
    /// under an aspect may be a nested aspect.
    pub(crate) fn has_den_keys(&self, collection: &str) -> bool {
        self.rows_of(collection).any(|r| r.den_keys)
    }

    /// For a match: a key under an aspect that the library reads as a class, rather than as a
    /// nested aspect or a provider (`den.aspects.a.<key>`).
    pub(crate) fn den_keys(&self, row: RowRef) -> bool {
        self.rows[row.0].den_keys
    }

    /// The aspects the library itself defines in `collection` (den's batteries).
    pub(crate) fn library_names(&self, collection: &str) -> &'static [&'static str] {
        self.libraries.iter().find(|(c, _)| c == collection).map_or(&[], |(_, names)| names)
    }

    fn rows_of<'s>(&'s self, collection: &str) -> impl Iterator<Item = &'s Row> + 's {
        self.by_collection.get(collection).into_iter().flatten().map(|&i| &self.rows[i])
    }
}

impl Row {
    /// The row of a declared collection, if its path leaves one.
    fn declared(decl: &OptionDecl) -> Option<Row> {
        let mut pattern: Vec<Segment> = decl.path.iter().cloned().map(Segment::Literal).collect();
        match decl.shape {
            DeclaredShape::Aspects => pattern.push(Segment::Aspect),
            DeclaredShape::ClassesThenAspects => pattern.extend([Segment::Class, Segment::Aspect]),
            // The option is the aspect; its parent is the collection.
            DeclaredShape::One => {
                pattern.pop();
                if pattern.is_empty() {
                    return None;
                }
                pattern.push(Segment::Aspect);
            }
        }
        Some(Row { class: decl.class.clone(), plain: decl.plain, ..Row::new(RowKind::Custom, pattern) })
    }

    /// A row of `kind` storing aspects as `pattern` says, and nothing more: no class, reserved
    /// key, alias, transposition, host aspects or library names.
    fn new(kind: RowKind, pattern: Vec<Segment>) -> Row {
        Row {
            kind,
            pattern,
            class: None,
            reserved: &[],
            aliases: &[],
            transposes_to: None,
            classes: &[],
            host_aspects: None,
            library_names: &[],
            den_keys: false,
            plain: false,
        }
    }

    /// The literal names that start the pattern: `den`, `aspects` (an alias by its first name).
    fn literal_prefix(&self) -> impl Iterator<Item = &str> + '_ {
        self.pattern.iter().map_while(|s| match s {
            Segment::Literal(l) => Some(l.as_str()),
            Segment::Aliases(names) => Some(names[0]),
            _ => None,
        })
    }

    /// The literal prefix as a dotted path: `den.aspects`.
    fn collection_prefix(&self) -> String {
        self.literal_prefix().collect::<Vec<_>>().join(".")
    }

    fn class_named(&self, written: &str) -> SmolStr {
        let canonical = self.aliases.iter().find(|(alias, _)| *alias == written).map_or(written, |(_, class)| class);
        SmolStr::new(canonical)
    }
}

/// The rows of the collections `options` declare, added to `rows` in order.
fn add_declared(rows: &mut Vec<Row>, options: &[OptionDecl]) {
    rows.reserve(options.len());
    // A declaration is dropped when a row has its pattern, or a row other than a host row
    // its literal prefix (it overlaps a built-in collection, or one declared before it).
    // Asked by hash: scanning the rows for each declaration costs declarations². The tables
    // hold row numbers and read the keys from the rows: a copy of each pattern and prefix as
    // a key was most of the table's making at 100,000 declarations.
    let mut patterns: HashTable<usize> = HashTable::with_capacity(rows.capacity());
    let mut prefixes: HashTable<usize> = HashTable::with_capacity(rows.capacity());
    for (i, row) in rows.iter().enumerate() {
        patterns.insert_unique(hash_pattern(&row.pattern), i, |&j| hash_pattern(&rows[j].pattern));
        if row.kind != RowKind::Host {
            prefixes.insert_unique(hash_prefix(row), i, |&j| hash_prefix(&rows[j]));
        }
    }
    for row in options.iter().filter_map(Row::declared) {
        // A redeclared built-in (`options.flake.modules`) stays built-in; a collection
        // declared twice holds plain modules only if both declarations say so.
        let pattern_hash = hash_pattern(&row.pattern);
        if let Some(&same) = patterns.find(pattern_hash, |&j| rows[j].pattern == row.pattern) {
            if rows[same].kind == RowKind::Custom {
                rows[same].plain &= row.plain;
            }
            continue;
        }
        let prefix_hash = hash_prefix(&row);
        if prefixes.find(prefix_hash, |&j| rows[j].literal_prefix().eq(row.literal_prefix())).is_none() {
            let i = rows.len();
            rows.push(row);
            patterns.insert_unique(pattern_hash, i, |&j| hash_pattern(&rows[j].pattern));
            prefixes.insert_unique(prefix_hash, i, |&j| hash_prefix(&rows[j]));
        }
    }
}

/// The hash `CollectionSet::new` finds a row by its pattern with.
fn hash_pattern(pattern: &[Segment]) -> u64 {
    FxBuildHasher.hash_one(pattern)
}

/// The hash `CollectionSet::new` finds a row by its literal prefix with: each name's hash ends
/// its bytes with a marker, so that `a.bc` and `ab.c` differ.
fn hash_prefix(row: &Row) -> u64 {
    let mut hasher = FxBuildHasher.build_hasher();
    row.literal_prefix().for_each(|name| name.hash(&mut hasher));
    hasher.finish()
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

    /// A declaration becomes a row unless a row has its pattern (a built-in stays built-in; a
    /// collection declared twice holds plain modules only if both say so) or, a host row aside,
    /// its literal prefix (the first declaration of a prefix wins).
    #[test]
    fn declarations_are_kept_or_dropped_by_their_pattern_and_prefix() {
        let decl = |path: &str, shape, plain| OptionDecl {
            via: None,
            path: path.split(' ').map(SmolStr::new).collect(),
            range: TextRange::default(),
            shape,
            class: None,
            plain,
        };
        let options = [
            decl("nixos modules", DeclaredShape::Aspects, true),
            decl("nixos modules", DeclaredShape::Aspects, false),
            decl("flake modules", DeclaredShape::ClassesThenAspects, true),
            decl("nixos modules", DeclaredShape::ClassesThenAspects, true),
            decl("a bc", DeclaredShape::Aspects, true),
            decl("ab c", DeclaredShape::Aspects, true),
            decl("a bc", DeclaredShape::ClassesThenAspects, true),
        ];
        let set = CollectionSet::new(&options, &[]);
        let custom: Vec<(String, usize, bool)> = set
            .rows
            .iter()
            .filter(|row| row.kind == RowKind::Custom)
            .map(|row| (row.collection_prefix(), row.pattern.len(), row.plain))
            .collect();
        let expected = [("nixos.modules", 3, false), ("a.bc", 3, true), ("ab.c", 3, true)];
        assert_eq!(custom, expected.map(|(c, n, p)| (c.to_owned(), n, p)));
        let builtin = CollectionSet::default();
        let flake_modules = |set: &CollectionSet| set.match_path(&["flake", "modules", "nixos", "ssh"]).map(|m| m.kind);
        assert_eq!(flake_modules(&set), flake_modules(&builtin));
        assert_ne!(flake_modules(&set), Some(RowKind::Custom));
    }

    fn set() -> CollectionSet {
        let option = OptionDecl {
            via: None,
            path: vec!["nixos".into(), "modules".into()],
            range: TextRange::default(),
            shape: DeclaredShape::Aspects,
            class: Some("nixos".into()),
            plain: true,
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
