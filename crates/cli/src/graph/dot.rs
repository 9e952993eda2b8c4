//! Graphviz DOT. Every name is a quoted ID with `"` and `\` escaped, so no repository name can
//! break the syntax. Classes are fill colours, marks are outlines, and a legend cluster names
//! both.

use std::io::{self, Write};

use super::{Picture, colour, legend};

pub fn write(out: &mut dyn Write, picture: &Picture) -> io::Result<()> {
    writeln!(out, "digraph aspects {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  node [shape=box, style=\"rounded,filled\", fontcolor=white, fontname=\"sans-serif\"];")?;
    for node in &picture.nodes {
        let shape = if node.kind == "host" { ", shape=box3d" } else { "" };
        let outline = match node.mark {
            Some("undefined") => ", color=\"#d93025\", penwidth=3, style=\"rounded,filled,dashed\"",
            Some("opaque") => ", color=\"#e8a400\", penwidth=3, style=\"rounded,filled,dashed\"",
            Some("unused") => ", color=\"#777777\", penwidth=2, style=\"rounded,filled,dotted\"",
            _ => "",
        };
        let label =
            if node.container.is_empty() { node.name.clone() } else { format!("{}\n{}", node.name, node.container) };
        writeln!(
            out,
            "  {} [label={}, fillcolor=\"{}\"{shape}{outline}];",
            quoted(&node.id),
            quoted(&label),
            colour(node.classes.first().map(String::as_str))
        )?;
    }
    for edge in &picture.edges {
        let style = if edge.kind == "imports" { " [penwidth=2]" } else { "" };
        writeln!(out, "  {} -> {}{style};", quoted(&edge.from), quoted(&edge.to))?;
    }
    writeln!(out, "  subgraph cluster_legend {{")?;
    writeln!(out, "    label=\"legend\";")?;
    for (i, class) in legend(picture).iter().enumerate() {
        writeln!(out, "    legend_{i} [label={}, fillcolor=\"{}\"];", quoted(class), colour(Some(class)))?;
    }
    writeln!(
        out,
        "    legend_undefined [label=\"undefined\", fillcolor=\"{}\", color=\"#d93025\", penwidth=3, style=\"rounded,filled,dashed\"];",
        colour(None)
    )?;
    writeln!(
        out,
        "    legend_opaque [label=\"opaque\", fillcolor=\"{}\", color=\"#e8a400\", penwidth=3, style=\"rounded,filled,dashed\"];",
        colour(None)
    )?;
    writeln!(
        out,
        "    legend_unused [label=\"unused\", fillcolor=\"{}\", color=\"#777777\", penwidth=2, style=\"rounded,filled,dotted\"];",
        colour(None)
    )?;
    writeln!(out, "  }}")?;
    writeln!(out, "}}")
}

/// A DOT quoted string: `"` and `\` escaped, line breaks as `\n`, other control characters
/// dropped.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
