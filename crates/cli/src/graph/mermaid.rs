//! Mermaid flowchart text, which GitHub renders in Markdown. Nodes are named `n0`, `n1`, ... so
//! that no repository name can break the syntax; labels are quoted with `"` written as `#quot;`.
//! Classes are fill colours, marks are outlines, and a legend subgraph names both.

use std::io::{self, Write};

use super::{Picture, colour, legend};

pub fn write(out: &mut dyn Write, picture: &Picture) -> io::Result<()> {
    writeln!(out, "flowchart LR")?;
    let index: std::collections::HashMap<&str, usize> =
        picture.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    for (i, node) in picture.nodes.iter().enumerate() {
        let shape = match node.kind {
            "host" => ("[[", "]]"),
            _ => ("[", "]"),
        };
        let detail = if node.container.is_empty() {
            String::new()
        } else {
            format!("<br/><small>{}</small>", label(&node.container))
        };
        writeln!(out, "  n{i}{}\"{}{detail}\"{}", shape.0, label(&node.name), shape.1)?;
    }
    for edge in &picture.edges {
        let (Some(from), Some(to)) = (index.get(edge.from.as_str()), index.get(edge.to.as_str())) else { continue };
        let arrow = if edge.kind == "imports" { "==>" } else { "-->" };
        writeln!(out, "  n{from} {arrow} n{to}")?;
    }
    let classes = legend(picture);
    for (c, class) in classes.iter().enumerate() {
        writeln!(out, "  classDef c{c} fill:{},color:#fff", colour(Some(class)))?;
    }
    writeln!(out, "  classDef none fill:{},color:#fff", colour(None))?;
    writeln!(out, "  classDef undefined stroke:#d93025,stroke-width:3px,stroke-dasharray:5 3")?;
    writeln!(out, "  classDef opaque stroke:#e8a400,stroke-width:3px,stroke-dasharray:5 3")?;
    writeln!(out, "  classDef unused stroke:#777,stroke-width:2px,stroke-dasharray:2 2")?;
    for (i, node) in picture.nodes.iter().enumerate() {
        let fill = node
            .classes
            .first()
            .and_then(|first| classes.iter().position(|c| c == first))
            .map_or("none".to_owned(), |c| format!("c{c}"));
        match node.mark {
            Some(mark) => writeln!(out, "  class n{i} {fill},{mark}")?,
            None => writeln!(out, "  class n{i} {fill}")?,
        }
    }
    // The legend: one node per class and per mark.
    writeln!(out, "  subgraph legend [\"legend\"]")?;
    for (c, class) in classes.iter().enumerate() {
        writeln!(out, "    l{c}[\"{}\"]:::c{c}", label(class))?;
    }
    for mark in ["undefined", "opaque", "unused"] {
        writeln!(out, "    l_{mark}[\"{mark}\"]:::{mark}")?;
    }
    writeln!(out, "  end")
}

/// Text inside a quoted Mermaid label: `"` and the characters Mermaid reads as markup become
/// entity codes; control characters become spaces.
fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
