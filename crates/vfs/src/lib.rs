//! Which files belong to a workspace folder, and reading them from disk: the one place that
//! holds these rules, so that `canopy check` and the language server always see the same files.
//!
//! **Must not know:** Nix (a workspace file is a name ending in `.nix`, nothing more), LSP, the
//! analysis, terminals or progress. Callers get workspace-relative paths, texts, and the files
//! that were passed over with a reason; what to do with those (print, log, count) is theirs.
//!
//! The rules:
//!
//! - every regular file whose name ends in `.nix`, at any depth below the root, including hidden
//!   folders (`modules/.hidden/x.nix`: import-tree imports those) and `_`-prefixed ones (the
//!   analysis reports those that define aspects as ignored by import-tree, so it must see them);
//! - `.gitignore` and `.ignore` files are not consulted. What a flake sees is the set of files
//!   tracked by git, which `.gitignore` approximates badly in both directions (a tracked file may
//!   match it, an untracked one may not), and results should not depend on git state. The big
//!   ignored folders met in practice are pruned by name instead (`PRUNED_FOLDERS`);
//! - no symbolic link is followed, to a folder or to a file: a `result` link into `/nix/store`
//!   must never be walked, and reading through links could leave the repository. A link whose
//!   name ends in `.nix` is reported as skipped, because import-tree would import it. So are
//!   FIFOs, sockets and devices named like that, which are never opened;
//! - a file the walk listed but that is gone (or replaced) when read is reported as skipped
//!   ([`VANISHED`]): every caller can say everything it passed over;
//! - a file whose path is not UTF-8 or that cannot be read is reported as skipped with a reason:
//!   the analysis takes `String` paths, and one such file must never hide the others;
//! - a file whose text is not UTF-8 is read all the same, each invalid byte standing as U+001A,
//!   and the caller is told ([`Text::repaired`]). Nix reads bytes, so a Latin-1 comment is a
//!   valid module whose aspects other files use; skipping it would make those look undefined.
//!   One byte for one keeps every offset pointing into the file on disk, and as no Nix token holds
//!   U+001A, the byte is still the syntax error Nix reports when it stands outside a string or a
//!   comment;
//! - paths are relative to the root, with `/` separators on every platform.

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use ignore::{DirEntry, WalkBuilder};

/// Folders never entered, at any depth: version control data, JavaScript dependencies and
/// direnv's cache (which holds whole copies of flake inputs).
const PRUNED_FOLDERS: &[&str] = &[".git", ".hg", ".jj", ".svn", "node_modules", ".direnv"];

/// How the name of every workspace file ends.
const NIX_SUFFIX: &str = ".nix";

/// A file that belongs to the workspace but cannot be analysed, or a folder that could not be
/// listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Relative to the root, with `/` separators (lossy if the name is not UTF-8).
    pub path: String,
    pub reason: String,
}

/// Whether a workspace-relative path (with `/` separators) names a file the walk would find,
/// as far as the path can tell: a `.nix` name outside every pruned folder. Whether it is a
/// regular file is for [`read`] to find out.
pub fn is_workspace_path(path: &str) -> bool {
    path.ends_with(NIX_SUFFIX) && !path.split('/').any(|part| PRUNED_FOLDERS.contains(&part))
}

fn is_nix_file_name(name: &OsStr) -> bool {
    // By bytes: a name that is not UTF-8 is still a workspace file, reported as skipped.
    name.as_encoded_bytes().ends_with(NIX_SUFFIX.as_bytes())
}

fn is_pruned_folder(name: &OsStr) -> bool {
    PRUNED_FOLDERS.iter().any(|pruned| name == OsStr::new(pruned))
}

// ---- paths ---------------------------------------------------------------------------------

/// `path` relative to `root`, with `/` separators, if it lies strictly below `root` and every
/// component is UTF-8.
pub fn relative_path(root: &Path, path: &Path) -> Option<String> {
    relative(root, path)?.ok()
}

/// The absolute path of a workspace-relative one.
pub fn absolute_path(root: &Path, path: &str) -> PathBuf {
    let mut out = root.to_path_buf();
    out.extend(path.split('/').filter(|part| !part.is_empty()));
    out
}

/// `path` below `root` with `/` separators: `None` when it is `root` itself or does not lie below
/// it, `Err` with a lossy rendering when some component is not UTF-8 (still worth showing in a
/// report).
fn relative(root: &Path, path: &Path) -> Option<Result<String, String>> {
    let below = path.strip_prefix(root).ok()?;
    let mut out = String::new();
    let mut lossless = true;
    for component in below.components() {
        match component {
            Component::Normal(name) => {
                if !out.is_empty() {
                    out.push('/');
                }
                match name.to_str() {
                    Some(name) => out.push_str(name),
                    None => {
                        lossless = false;
                        out.push_str(&name.to_string_lossy());
                    }
                }
            }
            Component::CurDir => {}
            // `root/../x` is not below `root`, whatever `strip_prefix` says about its spelling.
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    if out.is_empty() {
        return None;
    }
    Some(if lossless { Ok(out) } else { Err(out) })
}

// ---- the walk ------------------------------------------------------------------------------

/// One thing the walk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A workspace file, as a path relative to the root; [`read`] it with [`absolute_path`].
    File(String),
    Skipped(Skipped),
}

/// The workspace files below a root, in path order; see [`walk`] and [`walk_below`].
pub struct Walk(std::vec::IntoIter<Found>);

/// Walks `root`. `exclude` holds folders below `root` that are not part of it (the language
/// server's nested workspace folders, which index their own files); they are compared as given,
/// so spell them as `root` is spelled.
///
/// Never fails as a whole: a folder that cannot be listed is one [`Found::Skipped`], and the walk
/// goes on.
pub fn walk(root: &Path, exclude: &[PathBuf]) -> Walk {
    Walk(walk_from(root, root, exclude).into_iter())
}

/// The part of [`walk`]`(root, exclude)` at or below the workspace-relative `path`: exactly the
/// entries the whole walk would give there, with the same paths (relative to `root`). `path` may
/// name a folder, a file or nothing at all (gone: an empty walk, without a word). The language
/// server walks again what a file event names, so that a folder moved in reads as `canopy check`
/// would read it. `""` is the whole root, as [`walk`].
pub fn walk_below(root: &Path, path: &str, exclude: &[PathBuf]) -> Walk {
    let start = absolute_path(root, path);
    let found = match reach(root, &start, exclude) {
        Reach::Nothing => Vec::new(),
        // Walkers follow a link they start at; the whole walk lists it and never enters it.
        Reach::Link => {
            start.file_name().is_some_and(is_nix_file_name).then(|| link(path.to_owned())).into_iter().collect()
        }
        Reach::Folder => walk_from(root, &start, exclude),
        // One file, as most watcher events name: no threads for it.
        Reach::File => walker(&start, exclude).build().filter_map(|entry| found(root, entry)).collect(),
    };
    Walk(found.into_iter())
}

/// Everything the walk from `start` finds, in path order. Folders are listed on every core, then
/// sorted: listing waits on the kernel once per folder, and a workspace of 10,000 files in 5,000
/// folders took 36 ms on one core of the cold index's 2 (issue 21). Sorting the paths name by
/// name gives the order a walk in name order would: each folder's entries by name, a folder's
/// files where its name falls.
fn walk_from(root: &Path, start: &Path, exclude: &[PathBuf]) -> Vec<Found> {
    let found = std::sync::Mutex::new(Vec::new());
    // As many threads as `ignore` chooses: one per core, up to a dozen.
    walker(start, exclude).build_parallel().run(|| {
        let found = &found;
        Box::new(move |entry| {
            if let Some(item) = self::found(root, entry) {
                found.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(item);
            }
            ignore::WalkState::Continue
        })
    });
    let mut found = found.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Name by name is byte by byte with `/` below every other byte; compared as keys made once,
    // as splitting both paths at each comparison took a third of the walk.
    found.sort_by_cached_key(|found| found.path().bytes().map(|b| if b == b'/' { 0 } else { b }).collect::<Vec<u8>>());
    found
}

/// What an entry of the walk, or its error, means for the workspace.
fn found(root: &Path, entry: Result<DirEntry, ignore::Error>) -> Option<Found> {
    match entry {
        Ok(entry) => classify(root, &entry),
        Err(err) => Some(Found::Skipped(walk_error(root, &err))),
    }
}

impl Found {
    /// The workspace-relative path of what was found.
    pub fn path(&self) -> &str {
        match self {
            Found::File(path) | Found::Skipped(Skipped { path, .. }) => path,
        }
    }
}

fn walker(start: &Path, exclude: &[PathBuf]) -> WalkBuilder {
    let exclude = exclude.to_vec();
    let mut builder = WalkBuilder::new(start);
    builder
        // No hidden-file, `.gitignore` or `.ignore` filtering: see the crate's rules.
        .standard_filters(false)
        .follow_links(false)
        .filter_entry(move |entry| {
            // The start is walked whatever its name; only folders below it are pruned.
            if entry.depth() == 0 || !entry.file_type().is_some_and(|t| t.is_dir()) {
                return true;
            }
            !is_pruned_folder(entry.file_name()) && !exclude.iter().any(|folder| folder == entry.path())
        });
    builder
}

/// How far the whole walk of `root` gets to `start`.
enum Reach {
    /// Not at all: `start` is gone, is neither a folder nor named like a module, or lies in (or
    /// is) a pruned, excluded or linked folder.
    Nothing,
    /// To `start`, a symbolic link, listed like any other entry.
    Link,
    Folder,
    /// To `start`, a file named like a module.
    File,
}

fn reach(root: &Path, start: &Path, exclude: &[PathBuf]) -> Reach {
    if start == root {
        return Reach::Folder;
    }
    let Ok(below) = start.strip_prefix(root) else { return Reach::Nothing };
    if below.components().any(|c| is_pruned_folder(c.as_os_str())) || exclude.iter().any(|f| start.starts_with(f)) {
        return Reach::Nothing;
    }
    // The folders on the way must be real ones: the walk enters no link.
    let mut folder = root.to_path_buf();
    let mut parts = below.components().peekable();
    while let Some(part) = parts.next() {
        folder.push(part);
        let Ok(meta) = fs::symlink_metadata(&folder) else { return Reach::Nothing };
        match parts.peek() {
            Some(_) if !meta.is_dir() => return Reach::Nothing,
            Some(_) => {}
            None if meta.file_type().is_symlink() => return Reach::Link,
            // Most events name other files: no walker for them.
            None if meta.is_dir() => return Reach::Folder,
            None if is_nix_file_name(part.as_os_str()) => return Reach::File,
            None => return Reach::Nothing,
        }
    }
    Reach::Nothing
}

impl Iterator for Walk {
    type Item = Found;

    fn next(&mut self) -> Option<Found> {
        self.0.next()
    }
}

/// What an entry of the walk means for the workspace; `None` for everything that is not a
/// `.nix` file or a link named like one.
fn classify(root: &Path, entry: &DirEntry) -> Option<Found> {
    let file_type = entry.file_type()?;
    // Folders are walked, whatever their name (`modules/folder.nix/x.nix`).
    if file_type.is_dir() || !is_nix_file_name(entry.file_name()) {
        return None;
    }
    // `None`: the root itself, which is never one of its own files.
    let path = match relative(root, entry.path())? {
        Ok(path) => path,
        Err(lossy) => return Some(skipped(lossy, "the path is not valid UTF-8")),
    };
    if file_type.is_symlink() {
        return Some(link(path));
    }
    if !file_type.is_file() {
        // A FIFO, socket or device named like a module: import-tree would try to import it, so
        // it is worth a word, but reading it could block or never end.
        return Some(skipped(path, "not a regular file (a FIFO, socket or device)"));
    }
    Some(Found::File(path))
}

fn link(path: String) -> Found {
    skipped(path, "symbolic link (canopy does not follow links)")
}

fn skipped(path: String, reason: &str) -> Found {
    Found::Skipped(Skipped { path, reason: reason.to_owned() })
}

fn walk_error(root: &Path, err: &ignore::Error) -> Skipped {
    let path = match error_path(err) {
        Some(path) => match relative(root, path) {
            Some(Ok(path) | Err(path)) => path,
            None if path == root => ".".to_owned(),
            None => path.to_string_lossy().into_owned(),
        },
        None => "?".to_owned(),
    };
    let reason = match err.io_error() {
        Some(io) => io_reason(os_error(io).unwrap_or(io)),
        None => err.to_string(),
    };
    Skipped { path, reason }
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

/// The operating system's error under the walker's wrappers, whose text repeats the path (which
/// the report shows already).
fn os_error(err: &io::Error) -> Option<&io::Error> {
    let mut current: &(dyn std::error::Error + 'static) = err;
    loop {
        if let Some(io) = current.downcast_ref::<io::Error>()
            && io.raw_os_error().is_some()
        {
            return Some(io);
        }
        current = match current.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => inner,
            None => current.source()?,
        };
    }
}

// ---- reading -------------------------------------------------------------------------------

/// A file's text, as the analysis reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub text: Arc<str>,
    /// Set when the file is not UTF-8: which bytes stand as U+001A, for people.
    pub repaired: Option<String>,
}

/// What reading a file from disk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disk {
    Text(Text),
    /// Gone, a symbolic link, or not a regular file: not part of the workspace.
    Absent,
    /// There, but canopy cannot analyse it; the reason is for people.
    Unreadable(String),
}

/// Why a file the walk listed was not read after all: it was removed, or replaced by a link, a
/// folder or a special file, between the walk and the read.
pub const VANISHED: &str = "gone or no longer a regular file (changed while canopy was reading)";

/// Reads a file without following a final symbolic link: the walk never lists links, and a file
/// replaced by one since must not be read through it either.
pub fn read(path: &Path) -> Disk {
    let file = match open(path) {
        Ok(file) => file,
        // What the file is now decides: a link (refused by `O_NOFOLLOW`), a socket (which cannot
        // be opened) or nothing at all is not part of the workspace; a regular file that cannot
        // be opened is unreadable.
        Err(err) => {
            return match fs::symlink_metadata(path) {
                Ok(meta) if meta.is_file() => Disk::Unreadable(io_reason(&err)),
                Ok(_) => Disk::Absent,
                Err(meta_err) if meta_err.kind() == io::ErrorKind::NotFound => Disk::Absent,
                Err(_) => Disk::Unreadable(io_reason(&err)),
            };
        }
    };
    // Asked of the open file, not of the path: whatever the path names by now, this is what
    // would be read.
    let size = match file.metadata() {
        Ok(meta) if meta.is_file() => meta.len(),
        Ok(_) => return Disk::Absent,
        Err(err) => return Disk::Unreadable(io_reason(&err)),
    };
    match read_whole(&file, usize::try_from(size).unwrap_or(0)) {
        Ok(bytes) => Disk::Text(decode(bytes)),
        Err(err) => Disk::Unreadable(io_reason(&err)),
    }
}

/// The bytes of an open regular file of `size` bytes, as its size was asked a moment ago.
///
/// One read asks for a byte more than that: when it gives exactly `size` bytes, the text is
/// whole, with no second read to find the end (`read_to_end` makes one, and system calls are
/// most of reading a small file: five per file were a fifth of a cold start's reading). Any
/// other answer (a file that grew or shrank since, a short read) is read on to the end. Through
/// `take`, which knows no size: `File`'s own `read_to_end` asks the kernel for the size and the
/// position again.
fn read_whole(file: &fs::File, size: usize) -> io::Result<Vec<u8>> {
    // `Read` is for `&File`: a reference of its own to read through.
    let mut reader = file;
    let mut bytes = vec![0; size.saturating_add(1)];
    let n = loop {
        match reader.read(&mut bytes) {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            read => break read?,
        }
    };
    bytes.truncate(n);
    if n != size {
        reader.take(u64::MAX).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// The bytes as text, each byte that is not part of UTF-8 replaced by U+001A (see the module's
/// comment for why one byte for one).
pub fn decode(bytes: Vec<u8>) -> Text {
    let mut bytes = match String::from_utf8(bytes) {
        Ok(text) => return Text { text: Arc::from(text), repaired: None },
        Err(err) => err.into_bytes(),
    };
    let (mut at, mut count, mut first) = (0, 0, None);
    while let Err(err) = std::str::from_utf8(&bytes[at..]) {
        let bad = at + err.valid_up_to();
        let len = err.error_len().unwrap_or(bytes.len() - bad);
        bytes[bad..bad + len].fill(0x1A);
        first.get_or_insert(bad);
        count += len;
        at = bad + len;
    }
    let first = first.unwrap_or_default();
    let line = 1 + bytes[..first].iter().filter(|b| **b == b'\n').count();
    let plural = if count == 1 { "" } else { "s" };
    let repaired = format!("not valid UTF-8: read with {count} byte{plural} as U+001A, the first on line {line}");
    // Every invalid byte is replaced now; the lossy conversion only guards against a slip here.
    let text = String::from_utf8(bytes).unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned());
    Text { text: Arc::from(text), repaired: Some(repaired) }
}

/// Opens `path` for reading without following a final link and without blocking: a FIFO put
/// where a `.nix` file was would otherwise stall the reader until some process writes to it.
#[cfg(unix)]
fn open(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;

    fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> io::Result<fs::File> {
    if fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "symbolic link"));
    }
    fs::File::open(path)
}

/// Reads a file that [`walk`] listed, as a workspace-relative path: the text, or why it was
/// passed over. A file gone since the walk is passed over with [`VANISHED`], never dropped
/// without a word, so that callers can say everything they skipped.
pub fn read_listed(root: &Path, path: &str) -> Result<Text, Skipped> {
    match read(&absolute_path(root, path)) {
        Disk::Text(text) => Ok(text),
        Disk::Absent => Err(Skipped { path: path.to_owned(), reason: VANISHED.to_owned() }),
        Disk::Unreadable(reason) => Err(Skipped { path: path.to_owned(), reason }),
    }
}

/// [`read_listed`] for many files, on every core, in order: a cold start reads thousands of small
/// files, and each read waits on the kernel while the other cores could be reading too.
pub fn read_all(root: &Path, paths: &[String]) -> Vec<Result<Text, Skipped>> {
    let read = |part: &[String]| -> Vec<_> { part.iter().map(|path| read_listed(root, path)).collect() };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(paths.len() / 16);
    if workers <= 1 {
        return read(paths);
    }
    // One run of paths per worker, joined in order.
    std::thread::scope(|scope| {
        let parts: Vec<_> =
            paths.chunks(paths.len().div_ceil(workers)).map(|part| (part, scope.spawn(move || read(part)))).collect();
        // A read never panics; if a worker did anyway, its files are read again here.
        parts.into_iter().flat_map(|(part, worker)| worker.join().unwrap_or_else(|_| read(part))).collect()
    })
}

/// The OS's description without Rust's "(os error N)" suffix, which means nothing to users.
pub fn io_reason(err: &io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests;
