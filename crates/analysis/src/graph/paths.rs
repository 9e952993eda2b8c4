//! Paths as Nix reads them in a file of the workspace.

/// The workspace path a relative path literal in the file at `from` names (`..` resolved).
pub(crate) fn relative_path(from: &str, literal: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for segment in literal.split('/') {
        match segment {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}
