//! One self-contained page: the picture's data, a small script that draws it as SVG from the
//! analysis's layout, and its style, all inside the file. It loads nothing when opened (no
//! network, no other file), so it works offline, attached to a CI run, or in an editor's view.

use std::io::{self, Write};

use super::{Picture, colour, legend};

const SCRIPT: &str = include_str!("../../assets/graph.js");
const STYLE: &str = include_str!("../../assets/graph.css");

pub fn write(out: &mut dyn Write, picture: &Picture) -> io::Result<()> {
    let colours: serde_json::Map<String, serde_json::Value> =
        legend(picture).into_iter().map(|c| (c.to_owned(), colour(Some(c)).into())).collect();
    let data = serde_json::json!({ "picture": picture, "colours": colours, "none": colour(None) });
    // Inside a <script> element only `</` can end it early; `<\/` means the same to JSON.
    let data = serde_json::to_string(&data).map_err(io::Error::other)?.replace("</", "<\\/");
    let note = match picture.grouped {
        Some(before) => format!(
            "<p id=\"note\">{before} nodes: drawn as one node per folder of aspects. Narrow it with <code>canopy graph --host</code>, <code>--aspect</code> or <code>--class</code>.</p>"
        ),
        None => String::new(),
    };
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <title>canopy: aspect graph</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header><strong>canopy</strong> aspect graph \
         <input id=\"search\" type=\"search\" placeholder=\"Search a name\" aria-label=\"Search a name\"> \
         <span id=\"count\"></span></header>\n{note}\n<div id=\"legend\"></div>\n\
         <svg id=\"graph\" role=\"img\" aria-label=\"aspect graph\"><g id=\"viewport\"></g></svg>\n\
         <aside id=\"details\" hidden></aside>\n\
         <script type=\"application/json\" id=\"data\">{data}</script>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n"
    )
}
