//! `canopy aspects`: the roster of aspects and hosts, who defines, references and includes each.

mod human;
mod json;

use std::path::Path;
use std::process::ExitCode;

use canopy_analysis::{AspectInfo, AspectKey, HostInfo, HostKey};
use canopy_vfs::Skipped;
use serde::Serialize;

use crate::AspectsFormat;
use crate::analyse::analyse;
use crate::error::CliError;
use crate::load::Root;
use crate::location::{Location, Sources};
use crate::output;
use crate::progress::{Progress, Reporter};

/// Every aspect and host, sorted by key; the JSON output is exactly this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Roster {
    pub aspects: Vec<Aspect>,
    pub hosts: Vec<Host>,
}

impl Roster {
    /// Adds the roster of the flake in folder `prefix` (empty for the root), its paths made
    /// relative to the root.
    fn add(&mut self, mut flake: Roster, prefix: &str) {
        let relocate = |locations: &mut Vec<Location>| {
            for location in locations {
                location.path.insert_str(0, prefix);
            }
        };
        for aspect in &mut flake.aspects {
            aspect.flake = prefix.to_owned();
            relocate(&mut aspect.definitions);
            relocate(&mut aspect.references);
        }
        for host in &mut flake.hosts {
            host.flake = prefix.to_owned();
            relocate(&mut host.definitions);
        }
        self.aspects.append(&mut flake.aspects);
        self.hosts.append(&mut flake.hosts);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aspect {
    /// The folder of the flake it belongs to, relative to the root, ending in `/`; empty for the
    /// root's own (and then not in the JSON, which predates flakes below the root).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub flake: String,
    /// As Nix source (`flake.modules.nixos."hosts/gouda"`, `flake.nixosModules.base`): for
    /// people, not in the JSON contract.
    #[serde(skip)]
    pub path: String,
    pub collection: String,
    /// `None` for aspect-first collections (`den.aspects`, `flake.aspects`, unify).
    pub class: Option<String>,
    pub name: String,
    pub classes: Vec<String>,
    /// Each range covers the aspect's name.
    pub definitions: Vec<Location>,
    pub references: Vec<Location>,
    pub includes: Vec<AspectRef>,
    pub included_by: Vec<AspectRef>,
    pub hosts: Vec<HostRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AspectRef {
    /// As in `Aspect::path`.
    #[serde(skip)]
    pub path: String,
    pub collection: String,
    pub class: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct HostRef {
    pub kind: String,
    pub class: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Host {
    /// As in `Aspect::flake`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub flake: String,
    pub kind: String,
    pub class: Option<String>,
    pub name: String,
    pub definitions: Vec<Location>,
    /// Aspects the host imports directly.
    pub aspects: Vec<AspectRef>,
}

pub fn run(path: &Path, format: AspectsFormat) -> Result<ExitCode, CliError> {
    let root = Root::open(path)?;
    let progress = Progress::new();
    let reporter = Reporter::start(&progress);
    let analysed =
        analyse(&root, &progress, |workspace, _, _, _| roster(workspace, workspace.aspects(), workspace.hosts()));
    drop(reporter);
    let analysed = analysed?;
    analysed.note_loading(&root.display_prefix);
    let mut roster = Roster { aspects: Vec::new(), hosts: Vec::new() };
    for flake in analysed.flakes {
        roster.add(flake.result, &flake.prefix);
    }
    let listing = Listing { roster, files: analysed.files, skipped: analysed.skipped };
    output::to_stdout(|out| match format {
        AspectsFormat::Human => human::write(out, &listing),
        AspectsFormat::Json => json::write(out, &listing.roster),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The roster and what the human summary line also mentions.
#[derive(Debug)]
pub struct Listing {
    pub roster: Roster,
    pub files: usize,
    pub skipped: Vec<Skipped>,
}

fn roster(sources: &impl Sources, aspects: Vec<AspectInfo>, hosts: Vec<HostInfo>) -> Roster {
    let locations = |sites: Vec<_>| {
        let mut locations: Vec<Location> = sites.into_iter().map(|s| sources.location(s)).collect();
        locations.sort();
        locations
    };
    let mut aspects: Vec<Aspect> = aspects
        .into_iter()
        .map(|info| Aspect {
            flake: String::new(),
            path: info.key.to_string(),
            collection: info.key.collection.to_string(),
            class: info.key.class.as_ref().map(|c| c.to_string()),
            name: info.key.name.to_string(),
            classes: info.classes.iter().map(|c| c.to_string()).collect(),
            definitions: locations(info.definitions),
            references: locations(info.references),
            includes: info.includes.iter().map(aspect_ref).collect(),
            included_by: info.included_by.iter().map(aspect_ref).collect(),
            hosts: info.hosts.iter().map(host_ref).collect(),
        })
        .collect();
    // The workspace sorts by key already; sorting here makes the grouping of the human output
    // independent of that promise.
    aspects.sort_by(|a, b| (&a.collection, &a.class, &a.name).cmp(&(&b.collection, &b.class, &b.name)));
    let mut hosts: Vec<Host> = hosts
        .into_iter()
        .map(|info| {
            let key = host_ref(&info.key);
            Host {
                flake: String::new(),
                kind: key.kind,
                class: key.class,
                name: key.name,
                definitions: locations(info.definitions),
                aspects: info.aspects.iter().map(aspect_ref).collect(),
            }
        })
        .collect();
    hosts.sort_by(|a, b| (&a.kind, &a.class, &a.name).cmp(&(&b.kind, &b.class, &b.name)));
    Roster { aspects, hosts }
}

fn aspect_ref(key: &AspectKey) -> AspectRef {
    AspectRef {
        path: key.to_string(),
        collection: key.collection.to_string(),
        class: key.class.as_ref().map(|c| c.to_string()),
        name: key.name.to_string(),
    }
}

fn host_ref(key: &HostKey) -> HostRef {
    HostRef { kind: key.kind.to_string(), class: key.class.as_ref().map(|c| c.to_string()), name: key.name.to_string() }
}

#[cfg(test)]
pub(crate) mod testing {
    use canopy_analysis::{AspectInfo, AspectKey, HostInfo, HostKey};

    use super::{Listing, roster};
    use crate::location::testing::Files;

    fn key(collection: &str, class: Option<&str>, name: &str) -> AspectKey {
        let class_in_path = collection == "flake.modules";
        AspectKey { collection: collection.into(), class: class.map(Into::into), name: name.into(), class_in_path }
    }

    /// A small repository's roster, as the analysis could report it.
    pub fn listing() -> Listing {
        let mut files = Files::default();
        let base = files.add(
            "modules/base.nix",
            "{\n  flake.modules.nixos.base = { };\n  flake.modules.nixos.\"hosts/gouda\".imports = [ ];\n  flake.nixosModules.server = { };\n}\n",
        );
        let gouda = files.add(
            "modules/hosts/gouda.nix",
            "{ config, ... }:\n{\n  configurations.nixos.gouda.module = {\n    imports = with config.flake.modules.nixos; [ base ];\n  };\n  den.aspects.igloo.nixos = { };\n  den.aspects.igloo.homeManager = { };\n}\n",
        );
        let gouda_key = HostKey { kind: "configurations".into(), class: Some("nixos".into()), name: "gouda".into() };
        let aspects = vec![
            AspectInfo {
                key: key("flake.modules", Some("nixos"), "hosts/gouda"),
                classes: vec!["nixos".into()],
                definitions: vec![files.site(base, "\"hosts/gouda\"", 0)],
                references: vec![],
                includes: vec![],
                included_by: vec![],
                hosts: vec![],
            },
            AspectInfo {
                key: key("den.aspects", None, "igloo"),
                classes: vec!["homeManager".into(), "nixos".into()],
                definitions: vec![files.site(gouda, "igloo", 1), files.site(gouda, "igloo", 0)],
                references: vec![],
                includes: vec![key("flake.modules", Some("nixos"), "base")],
                included_by: vec![],
                hosts: vec![],
            },
            AspectInfo {
                key: key("flake.modules", Some("nixos"), "base"),
                classes: vec!["nixos".into()],
                definitions: vec![files.site(base, "base", 0)],
                references: vec![files.site(gouda, "base", 0)],
                includes: vec![],
                included_by: vec![key("den.aspects", None, "igloo")],
                hosts: vec![gouda_key.clone()],
            },
            AspectInfo {
                key: AspectKey { class_in_path: false, ..key("flake.nixosModules", Some("nixos"), "server") },
                classes: vec!["nixos".into()],
                definitions: vec![files.site(base, "server", 0)],
                references: vec![],
                includes: vec![],
                included_by: vec![],
                hosts: vec![],
            },
        ];
        let hosts = vec![HostInfo {
            key: gouda_key,
            definitions: vec![files.site(gouda, "gouda", 0)],
            aspects: vec![key("flake.modules", Some("nixos"), "base")],
        }];
        Listing { roster: roster(&files, aspects, hosts), files: 2, skipped: Vec::new() }
    }
}
