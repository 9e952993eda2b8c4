//! The picture as one JSON object: the contract `docs/graph.md` documents, shared with the
//! server's `canopy/graph` request.

use std::io::{self, Write};

use super::Picture;

pub fn write(out: &mut dyn Write, picture: &Picture) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, picture)?;
    writeln!(out)
}
