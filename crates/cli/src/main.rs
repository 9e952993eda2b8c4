//! `canopy`: the command line.
//!
//! This file only parses arguments and maps outcomes to exit codes. Each subcommand lives in its
//! own module (`check`, `aspects`), which loads the workspace (`load`), runs the analysis on a
//! big stack (`analyse`) and hands plain data to one module per output format.

mod analyse;
mod aspects;
mod check;
mod error;
mod graph;
mod load;
mod location;
mod output;
mod progress;
mod settings;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

const CHECK_AFTER_HELP: &str = "\
Exit status:
  0  no diagnostic of error severity
  1  at least one diagnostic of error severity (or of the level --error-on gives, or worse)
  2  bad arguments, an unreadable PATH, a malformed canopy.toml, or canopy could not finish

Configuration: each flake's canopy.toml (at its root; a flake below the root without one uses the
root's) sets which codes are reported and how severely; --select, --ignore and --severity apply
over it. A `# canopy: ignore[code]` comment at the end of a line, or alone on the line above,
suppresses that code there (README.md, Configuration).

Positions: lines and columns are 1-based in `human` and `github` output and 0-based in `json`
output (as in LSP); columns count UTF-16 code units, as LSP and most editors do. Paths in `human`
and `github` output open from the current folder; paths in `json` are relative to PATH.

Files: every `*.nix` file below PATH, hidden folders included; .gitignore is not consulted;
symbolic links are never followed; .git, node_modules and .direnv are never entered. A file that
cannot be read is reported on stderr and skipped; one that is not UTF-8 is read with each invalid
byte as U+001A, and reported on stderr.";

const ASPECTS_AFTER_HELP: &str = "\
Exit status: 0, or 2 for bad arguments, an unreadable PATH, or when canopy could not finish.

Positions in `json` output are as in LSP: 0-based lines, columns in UTF-16 code units; paths are
relative to PATH.";

const GRAPH_AFTER_HELP: &str = "\
Exit status: 0, or 2 for bad arguments, an unreadable PATH, a --host or --aspect that names
nothing, or when canopy could not finish.

Marks: undefined (referenced, defined nowhere), opaque (defined nowhere canopy can see, in a
collection partly built at evaluation time), unused (defined, reached by nothing). Above 1500
nodes, and with no --host or --aspect, one node stands for each folder of aspects (said on
stderr). Paths in `json` and `html` are relative to PATH.";

const AFTER_HELP: &str = "Set CANOPY_LOG (e.g. CANOPY_LOG=debug) to log to stderr.";

/// Checker for dendritic Nix repositories (flake-parts + import-tree).
///
/// canopy reads the `.nix` files under PATH and never evaluates them, runs nothing from the
/// repository, writes no file and uses no network.
#[derive(Debug, Parser)]
#[command(name = "canopy", version, after_help = AFTER_HELP)]
#[command(subcommand_required = true, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print every diagnostic of the repository at PATH.
    #[command(after_help = CHECK_AFTER_HELP)]
    Check(CheckArgs),
    /// List every aspect and host: where each is defined, referenced and included.
    #[command(after_help = ASPECTS_AFTER_HELP)]
    Aspects(AspectsArgs),
    /// Draw the aspect graph: hosts and aspects, and what imports or includes what.
    #[command(after_help = GRAPH_AFTER_HELP)]
    Graph(GraphArgs),
    /// Run the language server, speaking LSP over stdin/stdout.
    ///
    /// Editors start it as `canopy lsp`, with no arguments, and talk to it over its standard input
    /// and output; the workspace folders come from the editor. Settings go in the client's
    /// initialization options or `canopy` settings section (see docs/server.md). Logs go to stderr
    /// (CANOPY_LOG=debug for more) and to the editor's log.
    Lsp,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// The repository's root folder, every `.nix` file below it read and reported. Or files: the
    /// flake around them (the nearest folder above them with a `flake.nix`) is analysed whole,
    /// and only these files are reported, as pre-commit wants.
    #[arg(default_value = ".", value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// Report only these codes (comma-separated), whether on by default or not.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    select: Vec<String>,
    /// Never report these codes (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    ignore: Vec<String>,
    /// Report CODE at LEVEL (error, warning, information or hint); repeatable, or comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CODE=LEVEL")]
    severity: Vec<String>,
    /// Exit with status 1 when a diagnostic of this severity or a more severe one is reported.
    #[arg(long, value_enum, default_value_t = ErrorOn::Error, value_name = "LEVEL")]
    error_on: ErrorOn,
    /// Apply the safe fixes to the files and say what changed, then report what remains. This writes
    /// files, the one command of canopy that does; a file changed since it was read is left alone.
    #[arg(long, conflicts_with = "diff")]
    fix: bool,
    /// Print the safe fixes as a unified diff, writing nothing.
    #[arg(long)]
    diff: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// `path:line:column: severity[code]: message`, then a summary line.
    Human,
    /// One JSON object: root, file and aspect counts, diagnostics with LSP ranges.
    Json,
    /// GitHub Actions workflow annotations (`::error file=...::message`).
    Github,
    /// SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards.
    Sarif,
}

/// The least severe level that makes `check` exit with status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ErrorOn {
    Error,
    Warning,
    Information,
    Hint,
}

#[derive(Debug, Args)]
struct AspectsArgs {
    /// The repository's root folder. Every `.nix` file below it is read.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AspectsFormat::Human)]
    format: AspectsFormat,
}

#[derive(Debug, Args)]
struct GraphArgs {
    /// The repository's root folder. Every `.nix` file below it is read.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    format: GraphFormat,
    /// Only this host and every aspect it gets, through any number of includes.
    #[arg(long, value_name = "NAME", conflicts_with = "aspect")]
    host: Option<String>,
    /// Only this aspect, what it includes, and what imports or includes it.
    #[arg(long, value_name = "NAME")]
    aspect: Option<String>,
    /// Only aspects that contribute to this class, and hosts of it.
    #[arg(long, value_name = "CLASS")]
    class: Option<String>,
    /// With --host or --aspect: at most this many edges away from it.
    #[arg(long, value_name = "N")]
    depth: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart, which GitHub renders in Markdown.
    Mermaid,
    /// Graphviz DOT (`canopy graph --format dot | dot -Tsvg`).
    Dot,
    /// One JSON object: nodes with their layout and definitions, and edges.
    Json,
    /// One self-contained page to open in a browser: pan, zoom, search, select.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AspectsFormat {
    /// One line per aspect, grouped by collection and class, then the hosts.
    Human,
    /// One JSON object: `{"aspects": [...], "hosts": [...]}`.
    Json,
}

/// mimalloc rather than glibc's allocator. Under a long stream of requests `canopy lsp`'s live heap
/// stays flat (heaptrack), but glibc's per-thread caches (tcache: up to 7 freed chunks of each of
/// 64 sizes, some 230 kB a thread) fill slowly and for good, and no call empties them
/// (`malloc_trim` leaves them alone; only the `GLIBC_TUNABLES` environment bounds them): resident
/// memory grew 7% over 40,000 soak operations and was still climbing, the same with
/// `malloc_trim(0)` every second, 1.4% with the tcache off. With mimalloc it grows 2.3% and
/// levels off (docs/reliability.md, "Load"). `no_thp`: mimalloc otherwise asks for transparent
/// huge pages, and a 2 MB page per thread more than doubled the server's resident memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e` of the vendored mimalloc 3;
/// libmimalloc-sys names no constant for it). A test checks it against the option's default.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The language server gives freed memory back to the system at once. mimalloc waits a second by
/// default, which under a steady stream of edits kept ever more freed pages resident: +6.5% over
/// 200,000 soak operations and still climbing, against +1.8% and flat from the 20,000th on with
/// no delay (docs/reliability.md, "Load"). A one-shot `canopy check` keeps the default: it ends
/// before the pages matter, and purging costs system calls.
fn purge_at_once() {
    // SAFETY: sets one integer option of the allocator; no pointer crosses, and mimalloc reads
    // its options atomically.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
}

fn main() -> ExitCode {
    // clap prints its own message and exits with status 2 on bad arguments.
    let cli = Cli::parse();
    // The language server sets up its own logging: to stderr and to the editor's log.
    if !matches!(cli.command, Command::Lsp) {
        init_logging();
    }
    let outcome = match cli.command {
        Command::Check(args) => {
            let fixing = match (args.fix, args.diff) {
                (true, _) => check::Fixing::Write,
                (false, true) => check::Fixing::Diff,
                (false, false) => check::Fixing::No,
            };
            match check::Options::new(&args.select, &args.ignore, &args.severity, args.error_on) {
                Ok(options) => check::run(&args.paths, args.format, fixing, &options),
                Err(err) => Err(err),
            }
        }
        Command::Aspects(args) => aspects::run(&args.path, args.format),
        Command::Graph(args) => {
            let query = canopy_analysis::GraphQuery {
                host: args.host,
                aspect: args.aspect,
                class: args.class,
                depth: args.depth,
                group_above: None,
            };
            graph::run(&args.path, args.format, query)
        }
        Command::Lsp => {
            purge_at_once();
            return canopy_server::run_stdio();
        }
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            output::note(&err.to_string());
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr and are off unless `CANOPY_LOG` asks for them, so that stdout carries only
/// results and stderr stays quiet in CI.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CANOPY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn arguments_are_consistent() {
        Cli::command().debug_assert();
    }

    /// The option's number names the purge delay: its documented default is a second in mimalloc
    /// 3, and no neighbour of it defaults to that.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reads one integer option of the allocator.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(delay, 1000);
    }
}
