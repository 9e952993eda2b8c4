//! The shape of a generated workspace before any text: which aspects exist in which collections,
//! which files define them, who imports whom, the hosts, and the few mistakes planted on purpose.
//!
//! The proportions follow the census in `dendritic.md`: most definitions in `flake.modules`, most
//! references in `with` lists, aspects spread over one to many files. Every aspect gets at least
//! one reference, so that the workspace is clean apart from what is planted: references only point
//! at aspects created earlier (the import graph has no cycles, like real repositories), and hosts
//! and users sweep up whatever nothing else imports.

use super::body::Class;
use super::names::{self, AREAS, HOSTS, TOPICS, USERS, Unique};
use crate::rng::Rng;

pub type AspectId = usize;

/// Where an aspect is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coll {
    /// `flake.modules.<class>.<name>`
    Modules(Class),
    /// `nixos.modules.<name>` / `homeManager.modules.<name>`: options the workspace declares.
    Custom(Class),
    /// `flake.nixosModules.<name>`, `flake.homeModules.<name>`, `flake.darwinModules.<name>`
    Output(Class),
    /// `den.aspects.<name>`
    Den,
    /// The den namespace `vix.<name>`.
    Vix,
}

/// Aspects that can be imported in the same places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    Class(Class),
    Den,
}

impl Coll {
    pub fn pool(self) -> Pool {
        match self {
            Coll::Modules(c) | Coll::Custom(c) | Coll::Output(c) => Pool::Class(c),
            Coll::Den | Coll::Vix => Pool::Den,
        }
    }
}

/// What sets an aspect apart from ordinary features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Feature,
    /// The aspect the rename measurement renames: a known number of sites, nothing random.
    RenameTarget,
    /// Planted `unused-aspect`: nothing refers to it.
    Unused,
    /// `flake.modules.nixos."hosts/<h>"`, imported only by its own host.
    HostAspect,
    /// A user's NixOS aspect, imported only by hosts.
    User,
}

#[derive(Debug, Clone)]
pub struct Aspect {
    pub coll: Coll,
    pub name: String,
    pub role: Role,
    pub referenced: bool,
}

/// How a reference is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// A bare name in `with <collection>; [ ... ]`.
    With,
    /// `config.flake.modules.nixos.x` and the other rooted paths.
    Select,
    /// `inherit (config.flake.modules.nixos) x;` in the file's `let`.
    Inherit,
    /// `m.x` with `m = config.flake.modules.nixos;` in the file's `let`.
    Alias,
}

#[derive(Debug, Clone)]
pub struct Ref {
    pub target: AspectId,
    pub form: Form,
    /// Planted `undefined-aspect`: the misspelt name written instead of the target's.
    pub typo: Option<String>,
}

/// One definition: an aspect's lower-level module in one file.
#[derive(Debug, Clone)]
pub struct Module {
    pub aspect: AspectId,
    pub imports: Vec<Ref>,
    /// Lines of settings to write.
    pub lines: usize,
    /// For den and namespace aspects, which classes this file writes inside the aspect.
    pub classes: Vec<Class>,
    /// The 2,000-line module the keystroke measurement edits.
    pub keystroke: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostForm {
    /// `flake.modules.nixos."hosts/<h>"` plus `flake.nixosConfigurations.<h>` importing it.
    Aspect,
    /// `configurations.nixos.<h>.module`
    Configurations,
    /// `flake.nixosConfigurations.<h> = lib.nixosSystem { modules = ...; }`
    System,
    /// `flake.darwinConfigurations.<h> = darwinSystem { ... }`
    Darwin,
}

#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    pub form: HostForm,
    pub aspect: Option<AspectId>,
    pub imports: Vec<Ref>,
    /// Files beyond the main one (`hardware.nix`, `networking.nix`).
    pub parts: usize,
}

#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub aspect: AspectId,
    pub imports: Vec<Ref>,
    /// Also imports a few home-manager aspects by computed name (a dynamic reference).
    pub dynamic: bool,
}

#[derive(Debug, Clone)]
pub struct DenHost {
    pub name: String,
    pub user: String,
    pub includes: Vec<Ref>,
}

#[derive(Debug, Clone)]
pub enum FileKind {
    Flake,
    FlakeParts,
    Options,
    Feature { modules: Vec<Module> },
    Host { host: usize, part: usize },
    User { user: usize },
    DenHosts { hosts: Vec<usize> },
    DenHost { host: usize },
    PerSystem,
    Package,
    Helper,
}

#[derive(Debug, Clone)]
pub struct FilePlan {
    pub path: String,
    pub kind: FileKind,
}

pub struct Plan {
    pub aspects: Vec<Aspect>,
    pub hosts: Vec<Host>,
    pub users: Vec<User>,
    pub den_hosts: Vec<DenHost>,
    pub files: Vec<FilePlan>,
}

/// Lines of a feature file: mostly 20 to 200, a few larger.
fn file_lines(rng: &mut Rng) -> usize {
    match rng.weighted(&[10, 55, 25, 8, 2]) {
        0 => rng.range(8, 20),
        1 => rng.range(20, 60),
        2 => rng.range(60, 150),
        3 => rng.range(150, 300),
        _ => rng.range(300, 700),
    }
}

/// Lines of the large modules, one per thousand feature files.
pub const LARGE_MODULE_LINES: usize = 2000;

struct Planner {
    rng: Rng,
    unique: Unique,
    aspects: Vec<Aspect>,
    /// Per pool, aspects that random imports may pick.
    eligible: Vec<(Pool, Vec<AspectId>)>,
    files: Vec<FilePlan>,
    /// File names used per folder.
    paths: std::collections::HashSet<String>,
    large_folders: bool,
}

impl Planner {
    fn pool_mut(&mut self, pool: Pool) -> &mut Vec<AspectId> {
        let i = match self.eligible.iter().position(|(p, _)| *p == pool) {
            Some(i) => i,
            None => {
                self.eligible.push((pool, Vec::new()));
                self.eligible.len() - 1
            }
        };
        &mut self.eligible[i].1
    }

    fn pool(&self, pool: Pool) -> &[AspectId] {
        self.eligible.iter().find(|(p, _)| *p == pool).map_or(&[], |(_, v)| v.as_slice())
    }

    fn add_aspect(&mut self, coll: Coll, name: &str, role: Role) -> AspectId {
        let id = self.aspects.len();
        self.aspects.push(Aspect { coll, name: name.to_owned(), role, referenced: false });
        id
    }

    /// A file path not used yet, in `dir`, from `stem`.
    fn path(&mut self, dir: &str, stem: &str) -> String {
        for n in 1.. {
            let path = if n == 1 { format!("{dir}/{stem}.nix") } else { format!("{dir}/{stem}-{n}.nix") };
            if self.paths.insert(path.clone()) {
                return path;
            }
        }
        unreachable!()
    }

    /// The folder of a feature: by area, and by topic too in large workspaces, so that no
    /// folder holds thousands of files.
    fn feature_dir(&mut self, name: &str) -> String {
        let mut words = name.split('-');
        let area = words.next().unwrap_or("misc");
        let area = if AREAS.contains(&area) { area } else { "misc" };
        if self.large_folders {
            let topic = words.next().filter(|t| TOPICS.contains(t)).unwrap_or("core");
            format!("modules/{area}/{topic}")
        } else {
            format!("modules/{area}")
        }
    }

    fn form_for(&mut self, coll: Coll) -> Form {
        match coll {
            Coll::Modules(class) => match self.rng.weighted(&[73, 22, 3, 2]) {
                0 => Form::With,
                1 => Form::Select,
                2 => Form::Inherit,
                _ if class == Class::Nixos => Form::Alias,
                _ => Form::Select,
            },
            Coll::Custom(_) => {
                if self.rng.chance(0.7) {
                    Form::With
                } else {
                    Form::Select
                }
            }
            Coll::Output(_) | Coll::Den | Coll::Vix => Form::Select,
        }
    }

    /// Up to `count` distinct imports from `pool`, preferring aspects nothing imports yet.
    fn pick_imports(&mut self, pool: Pool, count: usize, prefer_new: f64) -> Vec<Ref> {
        let mut refs: Vec<Ref> = Vec::new();
        let candidates = self.pool(pool).len();
        if candidates == 0 {
            return refs;
        }
        let mut tries = 0;
        while refs.len() < count && tries < count * 4 {
            tries += 1;
            let i = self.rng.below(candidates);
            let mut id = self.pool(pool)[i];
            if self.rng.chance(prefer_new) {
                // A few probes for one nothing imports yet.
                for _ in 0..6 {
                    if !self.aspects[id].referenced {
                        break;
                    }
                    let i = self.rng.below(candidates);
                    id = self.pool(pool)[i];
                }
            }
            if refs.iter().any(|r| r.target == id) {
                continue;
            }
            let form = self.form_for(self.aspects[id].coll);
            self.aspects[id].referenced = true;
            refs.push(Ref { target: id, form, typo: None });
        }
        refs
    }

    fn import_count(&mut self) -> usize {
        match self.rng.weighted(&[55, 30, 12, 3]) {
            0 => 0,
            1 => self.rng.range(1, 3),
            2 => self.rng.range(4, 8),
            _ => self.rng.range(9, 15),
        }
    }
}

/// The classes of a feature, by collection family.
fn feature_classes(rng: &mut Rng, family: usize) -> Vec<Class> {
    use Class::*;
    match family {
        // flake.modules
        0 => match rng.weighted(&[35, 25, 30, 5, 5]) {
            0 => vec![Nixos],
            1 => vec![HomeManager],
            2 => vec![Nixos, HomeManager],
            3 => vec![Darwin],
            _ => vec![Darwin, HomeManager],
        },
        // custom options
        1 => match rng.weighted(&[50, 25, 25]) {
            0 => vec![Nixos],
            1 => vec![HomeManager],
            _ => vec![Nixos, HomeManager],
        },
        // outputs
        2 => {
            vec![*rng.pick(&[Nixos, Nixos, Nixos, Nixos, Nixos, Nixos, HomeManager, HomeManager, HomeManager, Darwin])]
        }
        // den and the namespace: classes inside the aspect
        _ => match rng.weighted(&[40, 20, 40]) {
            0 => vec![Nixos],
            1 => vec![HomeManager],
            _ => vec![Nixos, HomeManager],
        },
    }
}

/// How many files define a feature: mostly one, sometimes many.
fn feature_files(rng: &mut Rng) -> usize {
    match rng.weighted(&[55, 22, 10, 6, 5, 2]) {
        0 => 1,
        1 => 2,
        2 => 3,
        3 => 4,
        4 => rng.range(5, 8),
        _ => rng.range(9, 20),
    }
}

/// Builds the plan of a workspace of about `total` files (at least 100).
pub fn plan(total: usize, seed: u64) -> Plan {
    let total = total.max(100);
    let mut p = Planner::new(total, seed);

    // Counts of everything but features, in proportion to the workspace.
    let n_hosts = (total / 40).max(4);
    let n_users = (total / 200).max(1);
    let n_den_hosts = (total / 300).max(1);
    let n_per_system = (total / 150).max(1);
    let n_packages = (total / 120).max(1);
    let n_helpers = (total / 400).max(1);

    let mut hosts = p.hosts(n_hosts);
    let host_files: usize = hosts.iter().map(|h| 1 + h.parts).sum();
    let den_host_files = n_den_hosts + n_den_hosts.div_ceil(40);
    let fixed = p.files.len() + host_files + n_users + den_host_files + n_per_system + n_packages + n_helpers;
    let mut budget = total.saturating_sub(fixed + 1); // + 1: the planted unused aspect's file

    // The rename target first: every later module may import it, and none does at random.
    let rename = p.rename_target(total, &mut budget);
    p.features(budget);
    let users = p.users(n_users);
    p.host_imports(&mut hosts, &users);
    let den_hosts = p.den_hosts(n_den_hosts);
    let mut importers = Importers { hosts, users, den_hosts };
    p.sweep_unreferenced(&mut importers);
    p.rename_references(total, rename, &mut importers);
    p.plant_mistakes(&mut importers);
    p.importer_files(&importers);
    p.other_files(n_per_system, n_packages, n_helpers);

    p.files.sort_by(|a, b| a.path.cmp(&b.path));
    let Importers { hosts, users, den_hosts } = importers;
    Plan { aspects: p.aspects, hosts, users, den_hosts, files: p.files }
}

/// Whoever imports aspects besides modules: hosts, users and den hosts.
struct Importers {
    hosts: Vec<Host>,
    users: Vec<User>,
    den_hosts: Vec<DenHost>,
}

impl Importers {
    fn nixos_hosts(&self) -> Vec<usize> {
        (0..self.hosts.len()).filter(|&h| self.hosts[h].form != HostForm::Darwin).collect()
    }

    fn darwin_hosts(&self) -> Vec<usize> {
        (0..self.hosts.len()).filter(|&h| self.hosts[h].form == HostForm::Darwin).collect()
    }
}

/// One feature being planned: its aspects (one per class, or one in all) and its folder.
struct Feature {
    name: String,
    dir: String,
    ids: Vec<AspectId>,
    classes: Vec<Class>,
    /// One of the 2,000-line modules.
    large: bool,
}

impl Planner {
    /// A planner with the files every workspace has.
    fn new(total: usize, seed: u64) -> Planner {
        let mut rng = Rng::new(seed);
        let mut p = Planner {
            rng: rng.fork(1),
            unique: Unique::new(),
            aspects: Vec::new(),
            eligible: Vec::new(),
            files: Vec::new(),
            paths: Default::default(),
            large_folders: total >= 3000,
        };
        // Names that must never be aspects: module arguments and the like would capture bare names
        // in `with` lists.
        for reserved in ["config", "lib", "pkgs", "inputs", "self", "den", "vix", "m", "modulesPath", "options"] {
            p.unique.take(reserved);
        }

        for (path, kind) in [
            ("flake.nix", FileKind::Flake),
            ("modules/flake-parts.nix", FileKind::FlakeParts),
            ("modules/options.nix", FileKind::Options),
        ] {
            p.paths.insert(path.to_owned());
            p.files.push(FilePlan { path: path.to_owned(), kind });
        }
        p
    }

    fn hosts(&mut self, count: usize) -> Vec<Host> {
        let mut hosts: Vec<Host> = Vec::new();
        for i in 0..count {
            let name = self.unique.from(&mut self.rng, HOSTS);
            // One darwin host at least, so darwin aspects have somewhere to go.
            let form = if i == 1 {
                HostForm::Darwin
            } else {
                match self.rng.weighted(&[40, 25, 25, 10]) {
                    0 => HostForm::Aspect,
                    1 => HostForm::Configurations,
                    2 => HostForm::System,
                    _ => HostForm::Darwin,
                }
            };
            let parts = match form {
                HostForm::Aspect => self.rng.range(1, 2),
                HostForm::Configurations => self.rng.range(0, 1),
                HostForm::System | HostForm::Darwin => 0,
            };
            hosts.push(Host { name, form, aspect: None, imports: Vec::new(), parts });
        }
        hosts
    }

    /// The aspect the rename measurement renames, and its files (taken from `budget`).
    fn rename_target(&mut self, total: usize, budget: &mut usize) -> AspectId {
        let rename_defs = (total / 1000).clamp(1, 10);
        let rename_name = self.unique.aspect(&mut self.rng);
        let rename = self.add_aspect(Coll::Modules(Class::Nixos), &rename_name, Role::RenameTarget);
        for j in 0..rename_defs {
            let lines = file_lines(&mut self.rng);
            let dir = self.feature_dir(&rename_name);
            let stem = if j == 0 { rename_name.clone() } else { format!("{rename_name}/{}", self.rng.pick(TOPICS)) };
            let path = self.path(&dir, &stem);
            let module = Module { aspect: rename, imports: Vec::new(), lines, classes: Vec::new(), keystroke: false };
            self.files.push(FilePlan { path, kind: FileKind::Feature { modules: vec![module] } });
            *budget = budget.saturating_sub(1);
        }
        rename
    }

    /// Features, `budget` files of them. One 2,000-line module per thousand feature files (the
    /// first one is the keystroke measurement's), so every size of workspace has the same mix.
    fn features(&mut self, mut budget: usize) {
        let mut next_large = (budget / 2).min(499);
        let mut feature_file = 0usize;
        let mut keystroke_done = false;
        while budget > 0 {
            let large = feature_file >= next_large;
            if large {
                next_large += 1000;
            }
            let (family, classes, files) = if large {
                (0, vec![Class::Nixos], 1)
            } else {
                let family = self.rng.weighted(&[62, 12, 8, 12, 6]);
                let classes = feature_classes(&mut self.rng, family);
                (family, classes, feature_files(&mut self.rng).min(budget))
            };
            let name = self.unique.aspect(&mut self.rng);
            let ids: Vec<AspectId> = match family {
                0 => classes.iter().map(|c| self.add_aspect(Coll::Modules(*c), &name, Role::Feature)).collect(),
                1 => classes.iter().map(|c| self.add_aspect(Coll::Custom(*c), &name, Role::Feature)).collect(),
                // Nothing declares `flake.darwinModules` (flake-parts declares `nixosModules`, the
                // home-manager flake module `homeModules`): spread over files, flake-parts would
                // refuse to merge it, so a darwin feature goes where darwin modules merge.
                2 if classes[0] == Class::Darwin => {
                    vec![self.add_aspect(Coll::Modules(Class::Darwin), &name, Role::Feature)]
                }
                2 => vec![self.add_aspect(Coll::Output(classes[0]), &name, Role::Feature)],
                3 => vec![self.add_aspect(Coll::Den, &name, Role::Feature)],
                _ => vec![self.add_aspect(Coll::Vix, &name, Role::Feature)],
            };
            let dir = self.feature_dir(&name);
            let feature = Feature { name, dir, ids, classes, large };
            for j in 0..files {
                let file = self.feature_file(&feature, j, &mut keystroke_done);
                self.files.push(file);
                budget -= 1;
                feature_file += 1;
            }
            // Available to later features only: the import graph stays acyclic.
            for &id in &feature.ids {
                let pool = self.aspects[id].coll.pool();
                self.pool_mut(pool).push(id);
            }
        }
    }

    /// The `j`th file of a feature.
    fn feature_file(&mut self, feature: &Feature, j: usize, keystroke_done: &mut bool) -> FilePlan {
        let Feature { name, dir, ids, classes, large } = feature;
        let large = *large;
        let lines = if large { LARGE_MODULE_LINES } else { file_lines(&mut self.rng) };
        // The first file defines the aspect in every class; later ones add to some.
        let defined: Vec<AspectId> = if j == 0 || ids.len() == 1 {
            ids.clone()
        } else {
            let k = self.rng.range(1, ids.len());
            self.rng.sample(ids, k)
        };
        let mut modules = Vec::new();
        for &id in &defined {
            let coll = self.aspects[id].coll;
            let mut count = self.import_count();
            if large {
                count = count.max(4);
            }
            let mut imports = self.pick_imports(coll.pool(), count, 0.5);
            if large && !*keystroke_done {
                // The keystroke edits a name in a `with` list.
                if let Some(r) = imports.iter_mut().find(|r| matches!(self.aspects[r.target].coll, Coll::Modules(_))) {
                    r.form = Form::With;
                }
            }
            let inner = if matches!(coll, Coll::Den | Coll::Vix) {
                if j == 0 {
                    classes.clone()
                } else {
                    let k = self.rng.range(1, classes.len());
                    self.rng.sample(classes, k)
                }
            } else {
                Vec::new()
            };
            let keystroke = large && !*keystroke_done;
            *keystroke_done |= keystroke;
            modules.push(Module { aspect: id, imports, lines: lines / defined.len(), classes: inner, keystroke });
        }
        let stem = if j == 0 { name.clone() } else { format!("{name}/{}", self.rng.pick(TOPICS)) };
        let path = self.path(dir, &stem);
        FilePlan { path, kind: FileKind::Feature { modules } }
    }

    /// Users: NixOS aspects that hosts import, each bringing home-manager aspects.
    fn users(&mut self, count: usize) -> Vec<User> {
        let mut users: Vec<User> = Vec::new();
        for _ in 0..count {
            let name = self.unique.from(&mut self.rng, USERS);
            let aspect = self.add_aspect(Coll::Modules(Class::Nixos), &name, Role::User);
            let count = self.rng.range(5, 15);
            let imports = self.pick_imports(Pool::Class(Class::HomeManager), count, 0.7);
            let dynamic = self.rng.chance(0.2);
            users.push(User { name, aspect, imports, dynamic });
        }
        users
    }

    /// Hosts import aspects of their class, and users.
    fn host_imports(&mut self, hosts: &mut [Host], users: &[User]) {
        let user_ids: Vec<AspectId> = users.iter().map(|u| u.aspect).collect();
        for host in hosts {
            let class = if host.form == HostForm::Darwin { Class::Darwin } else { Class::Nixos };
            let count = self.rng.range(8, 25);
            host.imports = self.pick_imports(Pool::Class(class), count, 0.7);
            if class == Class::Nixos {
                let user = user_ids[self.rng.below(user_ids.len())];
                self.aspects[user].referenced = true;
                host.imports.push(Ref { target: user, form: Form::With, typo: None });
            }
            if host.form == HostForm::Aspect {
                let name = format!("hosts/{}", host.name);
                host.aspect = Some(self.add_aspect(Coll::Modules(Class::Nixos), &name, Role::HostAspect));
            }
        }
    }

    /// den hosts include den and namespace aspects.
    fn den_hosts(&mut self, count: usize) -> Vec<DenHost> {
        let mut den_hosts: Vec<DenHost> = Vec::new();
        for _ in 0..count {
            let name = self.unique.from(&mut self.rng, HOSTS);
            let user = self.unique.from(&mut self.rng, USERS);
            let count = self.rng.range(5, 12);
            let includes = self.pick_imports(Pool::Den, count, 0.7);
            den_hosts.push(DenHost { name, user, includes });
        }
        den_hosts
    }

    /// Whatever nothing imports yet goes to a consumer of its pool.
    fn sweep_unreferenced(&mut self, importers: &mut Importers) {
        let nixos_hosts = importers.nixos_hosts();
        let darwin_hosts = importers.darwin_hosts();
        for id in 0..self.aspects.len() {
            let aspect = &self.aspects[id];
            if aspect.referenced || !matches!(aspect.role, Role::Feature | Role::User) {
                continue;
            }
            let coll = aspect.coll;
            let form = self.form_for(coll);
            let reference = Ref { target: id, form, typo: None };
            match coll.pool() {
                Pool::Class(Class::Nixos) => importers.hosts[*self.rng.pick(&nixos_hosts)].imports.push(reference),
                Pool::Class(Class::Darwin) => importers.hosts[*self.rng.pick(&darwin_hosts)].imports.push(reference),
                Pool::Class(Class::HomeManager) => {
                    let u = self.rng.below(importers.users.len());
                    importers.users[u].imports.push(reference)
                }
                Pool::Den => {
                    let d = self.rng.below(importers.den_hosts.len());
                    importers.den_hosts[d].includes.push(reference)
                }
            }
            self.aspects[id].referenced = true;
        }
    }

    /// The rename target: a fixed number of references, spread over NixOS modules and hosts.
    fn rename_references(&mut self, total: usize, rename: AspectId, importers: &mut Importers) {
        let rename_refs = (total / 10).min(90);
        let mut places: Vec<(usize, usize)> = Vec::new(); // (file, module) or (usize::MAX, host)
        for (f, file) in self.files.iter().enumerate() {
            if let FileKind::Feature { modules } = &file.kind {
                for (m, module) in modules.iter().enumerate() {
                    let a = &self.aspects[module.aspect];
                    if a.coll.pool() == Pool::Class(Class::Nixos) && module.aspect != rename && !module.keystroke {
                        places.push((f, m));
                    }
                }
            }
        }
        places.extend(importers.nixos_hosts().iter().map(|&h| (usize::MAX, h)));
        for (f, m) in self.rng.sample(&places, rename_refs) {
            let form = if self.rng.chance(0.8) { Form::With } else { Form::Select };
            let reference = Ref { target: rename, form, typo: None };
            if f == usize::MAX {
                importers.hosts[m].imports.push(reference);
            } else if let FileKind::Feature { modules } = &mut self.files[f].kind {
                modules[m].imports.push(reference);
            }
        }
        self.aspects[rename].referenced = true;
    }

    /// Planted mistakes: three misspelt references and one aspect nothing uses.
    fn plant_mistakes(&mut self, importers: &mut Importers) {
        let nixos_hosts = importers.nixos_hosts();
        if let Some(id) = self.feature_in(Coll::Modules(Class::Nixos)) {
            let typo = self.typo_of(id);
            let h = nixos_hosts[self.rng.below(nixos_hosts.len())];
            importers.hosts[h].imports.push(Ref { target: id, form: Form::With, typo: Some(typo) });
        }
        if let Some(id) = self.feature_in(Coll::Modules(Class::HomeManager)) {
            let typo = self.typo_of(id);
            let u = self.rng.below(importers.users.len());
            importers.users[u].imports.push(Ref { target: id, form: Form::Select, typo: Some(typo) });
        }
        if let Some(id) = self.feature_in(Coll::Den) {
            let typo = self.typo_of(id);
            let d = self.rng.below(importers.den_hosts.len());
            importers.den_hosts[d].includes.push(Ref { target: id, form: Form::Select, typo: Some(typo) });
        }
        let unused_name = self.unique.aspect(&mut self.rng);
        let unused = self.add_aspect(Coll::Modules(Class::Nixos), &unused_name, Role::Unused);
        let dir = self.feature_dir(&unused_name);
        let path = self.path(&dir, &unused_name);
        let lines = file_lines(&mut self.rng);
        let module = Module { aspect: unused, imports: Vec::new(), lines, classes: Vec::new(), keystroke: false };
        self.files.push(FilePlan { path, kind: FileKind::Feature { modules: vec![module] } });
    }

    /// A misspelling of an aspect's name that names nothing.
    fn typo_of(&mut self, id: AspectId) -> String {
        loop {
            let typo = names::typo(&mut self.rng, &self.aspects[id].name);
            if self.unique.take(&typo) {
                return typo;
            }
        }
    }

    /// A feature of `coll`, at random.
    fn feature_in(&mut self, coll: Coll) -> Option<AspectId> {
        let ids: Vec<AspectId> = (0..self.aspects.len())
            .filter(|&i| self.aspects[i].coll == coll && self.aspects[i].role == Role::Feature)
            .collect();
        (!ids.is_empty()).then(|| ids[self.rng.below(ids.len())])
    }

    /// The files of hosts, users and den hosts.
    fn importer_files(&mut self, importers: &Importers) {
        for (h, host) in importers.hosts.iter().enumerate() {
            let dir = format!("modules/hosts/{}", host.name);
            for part in 0..=host.parts {
                let stem = ["default", "hardware", "networking"][part.min(2)];
                let path = self.path(&dir, stem);
                self.files.push(FilePlan { path, kind: FileKind::Host { host: h, part } });
            }
        }
        for (u, user) in importers.users.iter().enumerate() {
            let path = self.path("modules/users", &user.name);
            self.files.push(FilePlan { path, kind: FileKind::User { user: u } });
        }
        let den_hosts = &importers.den_hosts;
        for (chunk, hosts) in (0..den_hosts.len()).collect::<Vec<_>>().chunks(40).enumerate() {
            let path = self.path("modules/den", if chunk == 0 { "hosts" } else { "hosts-more" });
            self.files.push(FilePlan { path, kind: FileKind::DenHosts { hosts: hosts.to_vec() } });
        }
        for (d, host) in den_hosts.iter().enumerate() {
            let path = self.path("modules/den/hosts", &host.name);
            self.files.push(FilePlan { path, kind: FileKind::DenHost { host: d } });
        }
    }

    /// Per-system modules, packages and helpers.
    fn other_files(&mut self, per_system: usize, packages: usize, helpers: usize) {
        for _ in 0..per_system {
            let stem = self.unique.from(&mut self.rng, names::PACKAGES);
            let path = self.path("modules/per-system", &stem);
            self.files.push(FilePlan { path, kind: FileKind::PerSystem });
        }
        for _ in 0..packages {
            let stem = self.unique.from(&mut self.rng, names::PACKAGES);
            let path = self.path(&format!("pkgs/{stem}"), "default");
            self.files.push(FilePlan { path, kind: FileKind::Package });
        }
        for _ in 0..helpers {
            let stem = format!("mk-{}", self.unique.from(&mut self.rng, names::WORDS));
            let path = self.path("modules/_lib", &stem);
            self.files.push(FilePlan { path, kind: FileKind::Helper });
        }
    }
}
