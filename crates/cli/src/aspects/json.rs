//! `{"aspects": [...], "hosts": [...]}`: locations as in `canopy check --format json` (paths
//! relative to the root, LSP ranges).

use std::io::{self, Write};

use super::Roster;

pub fn write(out: &mut dyn Write, roster: &Roster) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, roster)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::write;
    use crate::aspects::testing;

    #[test]
    fn follows_the_contract() {
        let mut out = Vec::new();
        write(&mut out, &testing::listing().roster).expect("write to memory");
        let value: Value = serde_json::from_slice(&out).expect("one JSON value");
        assert_eq!(
            value["aspects"][0],
            json!({
                "collection": "den.aspects",
                "class": null,
                "name": "igloo",
                "classes": ["homeManager", "nixos"],
                "definitions": [
                    { "path": "modules/hosts/gouda.nix", "range": {
                        "start": { "line": 5, "character": 14 }, "end": { "line": 5, "character": 19 } } },
                    { "path": "modules/hosts/gouda.nix", "range": {
                        "start": { "line": 6, "character": 14 }, "end": { "line": 6, "character": 19 } } }
                ],
                "references": [],
                "includes": [{ "collection": "flake.modules", "class": "nixos", "name": "base" }],
                "included_by": [],
                "hosts": []
            })
        );
        assert_eq!(value["aspects"][1]["name"], "base");
        assert_eq!(
            value["aspects"][1]["hosts"],
            json!([{ "kind": "configurations", "class": "nixos", "name": "gouda" }])
        );
        assert_eq!(value["aspects"][2]["name"], "hosts/gouda");
        assert_eq!(
            value["hosts"],
            json!([{
                "kind": "configurations",
                "class": "nixos",
                "name": "gouda",
                "definitions": [{ "path": "modules/hosts/gouda.nix", "range": {
                    "start": { "line": 2, "character": 23 }, "end": { "line": 2, "character": 28 } } }],
                "aspects": [{ "collection": "flake.modules", "class": "nixos", "name": "base" }]
            }])
        );
    }
}
