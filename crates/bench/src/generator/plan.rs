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

    // Counts of everything but features, in proportion to the workspace.
    let n_hosts = (total / 40).max(4);
    let n_users = (total / 200).max(1);
    let n_den_hosts = (total / 300).max(1);
    let n_per_system = (total / 150).max(1);
    let n_packages = (total / 120).max(1);
    let n_helpers = (total / 400).max(1);

    let mut hosts: Vec<Host> = Vec::new();
    for i in 0..n_hosts {
        let name = p.unique.from(&mut p.rng, HOSTS);
        // One darwin host at least, so darwin aspects have somewhere to go.
        let form = if i == 1 {
            HostForm::Darwin
        } else {
            match p.rng.weighted(&[40, 25, 25, 10]) {
                0 => HostForm::Aspect,
                1 => HostForm::Configurations,
                2 => HostForm::System,
                _ => HostForm::Darwin,
            }
        };
        let parts = match form {
            HostForm::Aspect => p.rng.range(1, 2),
            HostForm::Configurations => p.rng.range(0, 1),
            HostForm::System | HostForm::Darwin => 0,
        };
        hosts.push(Host { name, form, aspect: None, imports: Vec::new(), parts });
    }
    let host_files: usize = hosts.iter().map(|h| 1 + h.parts).sum();
    let den_host_files = n_den_hosts + n_den_hosts.div_ceil(40);
    let fixed = p.files.len() + host_files + n_users + den_host_files + n_per_system + n_packages + n_helpers;
    let mut budget = total.saturating_sub(fixed + 1); // + 1: the planted unused aspect's file

    // The rename target first: every later module may import it, and none does at random.
    let rename_defs = (total / 1000).clamp(1, 10);
    let rename_name = p.unique.aspect(&mut p.rng);
    let rename = p.add_aspect(Coll::Modules(Class::Nixos), &rename_name, Role::RenameTarget);
    for j in 0..rename_defs {
        let lines = file_lines(&mut p.rng);
        let dir = p.feature_dir(&rename_name);
        let stem = if j == 0 { rename_name.clone() } else { format!("{rename_name}/{}", p.rng.pick(TOPICS)) };
        let path = p.path(&dir, &stem);
        let module = Module { aspect: rename, imports: Vec::new(), lines, classes: Vec::new(), keystroke: false };
        p.files.push(FilePlan { path, kind: FileKind::Feature { modules: vec![module] } });
        budget = budget.saturating_sub(1);
    }

    // Features.
    // One 2,000-line module per thousand feature files (the first one is the keystroke
    // measurement's), so every size of workspace has the same mix.
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
            let family = p.rng.weighted(&[62, 12, 8, 12, 6]);
            let classes = feature_classes(&mut p.rng, family);
            (family, classes, feature_files(&mut p.rng).min(budget))
        };
        let name = p.unique.aspect(&mut p.rng);
        let ids: Vec<AspectId> = match family {
            0 => classes.iter().map(|c| p.add_aspect(Coll::Modules(*c), &name, Role::Feature)).collect(),
            1 => classes.iter().map(|c| p.add_aspect(Coll::Custom(*c), &name, Role::Feature)).collect(),
            2 => vec![p.add_aspect(Coll::Output(classes[0]), &name, Role::Feature)],
            3 => vec![p.add_aspect(Coll::Den, &name, Role::Feature)],
            _ => vec![p.add_aspect(Coll::Vix, &name, Role::Feature)],
        };
        let dir = p.feature_dir(&name);
        for j in 0..files {
            let lines = if large { LARGE_MODULE_LINES } else { file_lines(&mut p.rng) };
            // The first file defines the aspect in every class; later ones add to some.
            let defined: Vec<AspectId> = if j == 0 || ids.len() == 1 {
                ids.clone()
            } else {
                let k = p.rng.range(1, ids.len());
                p.rng.sample(&ids, k)
            };
            let mut modules = Vec::new();
            for &id in &defined {
                let coll = p.aspects[id].coll;
                let mut count = p.import_count();
                if large {
                    count = count.max(4);
                }
                let mut imports = p.pick_imports(coll.pool(), count, 0.5);
                if large && !keystroke_done {
                    // The keystroke edits a name in a `with` list.
                    if let Some(r) = imports.iter_mut().find(|r| matches!(p.aspects[r.target].coll, Coll::Modules(_))) {
                        r.form = Form::With;
                    }
                }
                let inner = if matches!(coll, Coll::Den | Coll::Vix) {
                    if j == 0 {
                        classes.clone()
                    } else {
                        let k = p.rng.range(1, classes.len());
                        p.rng.sample(&classes, k)
                    }
                } else {
                    Vec::new()
                };
                let keystroke = large && !keystroke_done;
                keystroke_done |= keystroke;
                modules.push(Module { aspect: id, imports, lines: lines / defined.len(), classes: inner, keystroke });
            }
            let stem = if j == 0 { name.clone() } else { format!("{name}/{}", p.rng.pick(TOPICS)) };
            let path = p.path(&dir, &stem);
            p.files.push(FilePlan { path, kind: FileKind::Feature { modules } });
            budget -= 1;
            feature_file += 1;
        }
        // Available to later features only: the import graph stays acyclic.
        for &id in &ids {
            let pool = p.aspects[id].coll.pool();
            p.pool_mut(pool).push(id);
        }
    }

    // Users: NixOS aspects that hosts import, each bringing home-manager aspects.
    let mut users: Vec<User> = Vec::new();
    for _ in 0..n_users {
        let name = p.unique.from(&mut p.rng, USERS);
        let aspect = p.add_aspect(Coll::Modules(Class::Nixos), &name, Role::User);
        let count = p.rng.range(5, 15);
        let imports = p.pick_imports(Pool::Class(Class::HomeManager), count, 0.7);
        let dynamic = p.rng.chance(0.2);
        users.push(User { name, aspect, imports, dynamic });
    }
    let user_ids: Vec<AspectId> = users.iter().map(|u| u.aspect).collect();

    // Hosts import aspects of their class, and users.
    for host in &mut hosts {
        let class = if host.form == HostForm::Darwin { Class::Darwin } else { Class::Nixos };
        let count = p.rng.range(8, 25);
        host.imports = p.pick_imports(Pool::Class(class), count, 0.7);
        if class == Class::Nixos {
            let user = user_ids[p.rng.below(user_ids.len())];
            p.aspects[user].referenced = true;
            host.imports.push(Ref { target: user, form: Form::With, typo: None });
        }
        if host.form == HostForm::Aspect {
            let name = format!("hosts/{}", host.name);
            host.aspect = Some(p.add_aspect(Coll::Modules(Class::Nixos), &name, Role::HostAspect));
        }
    }

    // den hosts include den and namespace aspects.
    let mut den_hosts: Vec<DenHost> = Vec::new();
    for _ in 0..n_den_hosts {
        let name = p.unique.from(&mut p.rng, HOSTS);
        let user = p.unique.from(&mut p.rng, USERS);
        let count = p.rng.range(5, 12);
        let includes = p.pick_imports(Pool::Den, count, 0.7);
        den_hosts.push(DenHost { name, user, includes });
    }

    // Whatever nothing imports yet goes to a consumer of its pool.
    let nixos_hosts: Vec<usize> = (0..hosts.len()).filter(|&h| hosts[h].form != HostForm::Darwin).collect();
    let darwin_hosts: Vec<usize> = (0..hosts.len()).filter(|&h| hosts[h].form == HostForm::Darwin).collect();
    for id in 0..p.aspects.len() {
        let aspect = &p.aspects[id];
        if aspect.referenced || !matches!(aspect.role, Role::Feature | Role::User) {
            continue;
        }
        let coll = aspect.coll;
        let form = p.form_for(coll);
        let reference = Ref { target: id, form, typo: None };
        match coll.pool() {
            Pool::Class(Class::Nixos) => hosts[*p.rng.pick(&nixos_hosts)].imports.push(reference),
            Pool::Class(Class::Darwin) => hosts[*p.rng.pick(&darwin_hosts)].imports.push(reference),
            Pool::Class(Class::HomeManager) => {
                let u = p.rng.below(users.len());
                users[u].imports.push(reference)
            }
            Pool::Den => {
                let d = p.rng.below(den_hosts.len());
                den_hosts[d].includes.push(reference)
            }
        }
        p.aspects[id].referenced = true;
    }

    // The rename target: a fixed number of references, spread over NixOS modules and hosts.
    let rename_refs = (total / 10).min(90);
    let mut places: Vec<(usize, usize)> = Vec::new(); // (file, module) or (usize::MAX, host)
    for (f, file) in p.files.iter().enumerate() {
        if let FileKind::Feature { modules } = &file.kind {
            for (m, module) in modules.iter().enumerate() {
                let a = &p.aspects[module.aspect];
                if a.coll.pool() == Pool::Class(Class::Nixos) && module.aspect != rename && !module.keystroke {
                    places.push((f, m));
                }
            }
        }
    }
    places.extend(nixos_hosts.iter().map(|&h| (usize::MAX, h)));
    for (f, m) in p.rng.sample(&places, rename_refs) {
        let form = if p.rng.chance(0.8) { Form::With } else { Form::Select };
        let reference = Ref { target: rename, form, typo: None };
        if f == usize::MAX {
            hosts[m].imports.push(reference);
        } else if let FileKind::Feature { modules } = &mut p.files[f].kind {
            modules[m].imports.push(reference);
        }
    }
    p.aspects[rename].referenced = true;

    // Planted mistakes: three misspelt references and one aspect nothing uses.
    let typo_of = |p: &mut Planner, id: AspectId| -> String {
        loop {
            let typo = names::typo(&mut p.rng, &p.aspects[id].name);
            if p.unique.take(&typo) {
                return typo;
            }
        }
    };
    let pick_in = |p: &mut Planner, coll: Coll| -> Option<AspectId> {
        let ids: Vec<AspectId> =
            (0..p.aspects.len()).filter(|&i| p.aspects[i].coll == coll && p.aspects[i].role == Role::Feature).collect();
        (!ids.is_empty()).then(|| ids[p.rng.below(ids.len())])
    };
    if let Some(id) = pick_in(&mut p, Coll::Modules(Class::Nixos)) {
        let typo = typo_of(&mut p, id);
        let h = nixos_hosts[p.rng.below(nixos_hosts.len())];
        hosts[h].imports.push(Ref { target: id, form: Form::With, typo: Some(typo) });
    }
    if let Some(id) = pick_in(&mut p, Coll::Modules(Class::HomeManager)) {
        let typo = typo_of(&mut p, id);
        let u = p.rng.below(users.len());
        users[u].imports.push(Ref { target: id, form: Form::Select, typo: Some(typo) });
    }
    if let Some(id) = pick_in(&mut p, Coll::Den) {
        let typo = typo_of(&mut p, id);
        let d = p.rng.below(den_hosts.len());
        den_hosts[d].includes.push(Ref { target: id, form: Form::Select, typo: Some(typo) });
    }
    let unused_name = p.unique.aspect(&mut p.rng);
    let unused = p.add_aspect(Coll::Modules(Class::Nixos), &unused_name, Role::Unused);
    let dir = p.feature_dir(&unused_name);
    let path = p.path(&dir, &unused_name);
    let lines = file_lines(&mut p.rng);
    let module = Module { aspect: unused, imports: Vec::new(), lines, classes: Vec::new(), keystroke: false };
    p.files.push(FilePlan { path, kind: FileKind::Feature { modules: vec![module] } });

    // The files of hosts, users and the rest.
    for (h, host) in hosts.iter().enumerate() {
        let dir = format!("modules/hosts/{}", host.name);
        for part in 0..=host.parts {
            let stem = ["default", "hardware", "networking"][part.min(2)];
            let path = p.path(&dir, stem);
            p.files.push(FilePlan { path, kind: FileKind::Host { host: h, part } });
        }
    }
    for (u, user) in users.iter().enumerate() {
        let path = p.path("modules/users", &user.name);
        p.files.push(FilePlan { path, kind: FileKind::User { user: u } });
    }
    for (chunk, hosts) in (0..den_hosts.len()).collect::<Vec<_>>().chunks(40).enumerate() {
        let path = p.path("modules/den", if chunk == 0 { "hosts" } else { "hosts-more" });
        p.files.push(FilePlan { path, kind: FileKind::DenHosts { hosts: hosts.to_vec() } });
    }
    for (d, host) in den_hosts.iter().enumerate() {
        let path = p.path("modules/den/hosts", &host.name);
        p.files.push(FilePlan { path, kind: FileKind::DenHost { host: d } });
    }
    for _ in 0..n_per_system {
        let stem = p.unique.from(&mut p.rng, names::PACKAGES);
        let path = p.path("modules/per-system", &stem);
        p.files.push(FilePlan { path, kind: FileKind::PerSystem });
    }
    for _ in 0..n_packages {
        let stem = p.unique.from(&mut p.rng, names::PACKAGES);
        let path = p.path(&format!("pkgs/{stem}"), "default");
        p.files.push(FilePlan { path, kind: FileKind::Package });
    }
    for _ in 0..n_helpers {
        let stem = format!("mk-{}", p.unique.from(&mut p.rng, names::WORDS));
        let path = p.path("modules/_lib", &stem);
        p.files.push(FilePlan { path, kind: FileKind::Helper });
    }

    p.files.sort_by(|a, b| a.path.cmp(&b.path));
    Plan { aspects: p.aspects, hosts, users, den_hosts, files: p.files }
}
