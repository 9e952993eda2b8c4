//! One line per aspect, grouped by collection and class, then one line per host; those of each flake
//! below the root under a line naming its folder.
//!
//! Each line starts with the aspect's full attribute path (`flake.modules.nixos.base`, names
//! quoted where Nix needs it), so that `canopy aspects | grep` finds an aspect by the same text a
//! Nix file uses. What names hold beyond that is escaped (`output::escape`): one line per aspect
//! and per host, whatever the repository's names.

use std::io::{self, Write};

use super::{Aspect, Host, Listing};
use crate::output::{count, escape};

pub fn write(out: &mut dyn Write, listing: &Listing) -> io::Result<()> {
    let roster = &listing.roster;
    // Flakes below the root come each under its folder (`desktop/:`), the root's own first.
    let mut flake = String::new();
    let mut enter = |out: &mut dyn Write, next: &str| -> io::Result<()> {
        if next != flake {
            next.clone_into(&mut flake);
            writeln!(out, "{}:", escape(next))?;
        }
        Ok(())
    };
    let same = |a: &Aspect, b: &Aspect| (&a.flake, &a.collection, &a.class) == (&b.flake, &b.collection, &b.class);
    for group in roster.aspects.chunk_by(same) {
        enter(out, &group[0].flake)?;
        // Escaped before measuring, so that the columns line up as printed.
        let paths: Vec<_> = group.iter().map(|a| escape(&a.path)).collect();
        let width = paths.iter().map(|p| p.chars().count()).max().unwrap_or(0);
        for (aspect, path) in group.iter().zip(&paths) {
            writeln!(out, "{path:width$}  {}", escape(&aspect_details(aspect)))?;
        }
        writeln!(out)?;
    }
    if !roster.hosts.is_empty() {
        let keys: Vec<String> = roster.hosts.iter().map(|h| escape(&host_key(h)).into_owned()).collect();
        let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
        for (host, key) in roster.hosts.iter().zip(&keys) {
            enter(out, &host.flake)?;
            writeln!(out, "{key:width$}  {}", escape(&host_details(host)))?;
        }
        writeln!(out)?;
    }
    let mut summary = format!(
        "{}, {} in {}",
        count(roster.aspects.len(), "aspect", "aspects"),
        count(roster.hosts.len(), "host", "hosts"),
        count(listing.files, "file", "files"),
    );
    if !listing.skipped.is_empty() {
        summary.push_str(&format!(" ({} skipped)", listing.skipped.len()));
    }
    writeln!(out, "{summary}")
}

fn aspect_details(aspect: &Aspect) -> String {
    let mut parts = vec![
        count(aspect.definitions.len(), "definition", "definitions"),
        count(aspect.references.len(), "reference", "references"),
    ];
    // Class-first keys carry their class already.
    if aspect.class.is_none() && !aspect.classes.is_empty() {
        parts.push(format!("classes: {}", aspect.classes.join(", ")));
    }
    if !aspect.includes.is_empty() {
        parts.push(format!("includes {}", aspect.includes.len()));
    }
    if !aspect.included_by.is_empty() {
        parts.push(format!("included by {}", aspect.included_by.len()));
    }
    if !aspect.hosts.is_empty() {
        let names: Vec<&str> = aspect.hosts.iter().map(|h| h.name.as_str()).collect();
        parts.push(format!("hosts: {}", names.join(", ")));
    }
    parts.join(", ")
}

fn host_details(host: &Host) -> String {
    let mut line = count(host.definitions.len(), "definition", "definitions");
    line.push_str(", ");
    line.push_str(&count(host.aspects.len(), "aspect", "aspects"));
    if !host.aspects.is_empty() {
        let keys: Vec<&str> = host.aspects.iter().map(|a| a.path.as_str()).collect();
        line.push_str(": ");
        line.push_str(&keys.join(", "));
    }
    line
}

/// Hosts have no single attribute path (`den.hosts` puts a system where `configurations` puts
/// a class), so the kind and class follow the name.
fn host_key(host: &Host) -> String {
    match &host.class {
        Some(class) => format!("{} ({}, {class})", host.name, host.kind),
        None => format!("{} ({})", host.name, host.kind),
    }
}

#[cfg(test)]
mod tests {
    use super::write;
    use crate::aspects::testing;

    #[test]
    fn groups_by_collection_and_class() {
        let mut out = Vec::new();
        write(&mut out, &testing::listing()).expect("write to memory");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "\
den.aspects.igloo  2 definitions, 0 references, classes: homeManager, nixos, includes 1

flake.modules.nixos.base           1 definition, 1 reference, included by 1, hosts: gouda
flake.modules.nixos.\"hosts/gouda\"  1 definition, 0 references

flake.nixosModules.server  1 definition, 0 references

gouda (configurations, nixos)  1 definition, 1 aspect: flake.modules.nixos.base

4 aspects, 1 host in 2 files
"
        );
    }
}
