//! One line per aspect, grouped by collection and class, then one line per host.
//!
//! Each line starts with the aspect's full attribute path (`flake.modules.nixos.base`, names
//! quoted where Nix needs it), so that `canopy aspects | grep` finds an aspect by the same text a
//! Nix file uses.

use std::borrow::Cow;
use std::io::{self, Write};

use super::{Aspect, AspectRef, Host, Listing};
use crate::output::count;

pub fn write(out: &mut dyn Write, listing: &Listing) -> io::Result<()> {
    let roster = &listing.roster;
    for group in roster.aspects.chunk_by(|a, b| (&a.collection, &a.class) == (&b.collection, &b.class)) {
        let keys: Vec<String> = group.iter().map(|a| aspect_key(&a.collection, &a.class, &a.name)).collect();
        let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
        for (aspect, key) in group.iter().zip(&keys) {
            writeln!(out, "{key:width$}  {}", aspect_details(aspect))?;
        }
        writeln!(out)?;
    }
    if !roster.hosts.is_empty() {
        let keys: Vec<String> = roster.hosts.iter().map(host_key).collect();
        let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
        for (host, key) in roster.hosts.iter().zip(&keys) {
            writeln!(out, "{key:width$}  {}", host_details(host))?;
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
        let keys: Vec<String> = host.aspects.iter().map(aspect_ref_key).collect();
        line.push_str(": ");
        line.push_str(&keys.join(", "));
    }
    line
}

fn aspect_ref_key(key: &AspectRef) -> String {
    aspect_key(&key.collection, &key.class, &key.name)
}

fn aspect_key(collection: &str, class: &Option<String>, name: &str) -> String {
    match class {
        Some(class) => format!("{collection}.{}.{}", attr_name(class), attr_name(name)),
        None => format!("{collection}.{}", attr_name(name)),
    }
}

/// Hosts have no single attribute path (`den.hosts` puts a system where `configurations` puts
/// a class), so the kind and class follow the name.
fn host_key(host: &Host) -> String {
    match &host.class {
        Some(class) => format!("{} ({}, {class})", host.name, host.kind),
        None => format!("{} ({})", host.name, host.kind),
    }
}

/// `name` as a Nix attribute name: bare when it is an identifier, quoted otherwise.
fn attr_name(name: &str) -> Cow<'_, str> {
    const KEYWORDS: &[&str] = &["assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with"];
    let mut chars = name.chars();
    let identifier = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
        && !KEYWORDS.contains(&name);
    if identifier {
        return Cow::Borrowed(name);
    }
    let escaped = name.replace('\\', "\\\\").replace('"', "\\\"").replace("${", "\\${");
    Cow::Owned(format!("\"{escaped}\""))
}

#[cfg(test)]
mod tests {
    use super::{attr_name, write};
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

gouda (configurations, nixos)  1 definition, 1 aspect: flake.modules.nixos.base

3 aspects, 1 host in 2 files
"
        );
    }

    #[test]
    fn quotes_names_nix_would_not_accept_bare() {
        assert_eq!(attr_name("kde-base"), "kde-base");
        assert_eq!(attr_name("x'"), "x'");
        assert_eq!(attr_name("hosts/x13"), "\"hosts/x13\"");
        assert_eq!(attr_name("1password"), "\"1password\"");
        assert_eq!(attr_name("let"), "\"let\"");
        assert_eq!(attr_name("a\"${b}"), "\"a\\\"\\${b}\"");
        assert_eq!(attr_name(""), "\"\"");
    }
}
