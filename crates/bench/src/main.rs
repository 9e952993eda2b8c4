//! `canopy-bench`: generates synthetic dendritic workspaces and runs the benchmark of
//! docs/performance.md.

use std::path::PathBuf;
use std::process::ExitCode;

use canopy_bench::generator;
use clap::{Parser, Subcommand};

mod count;
mod did_change;
mod run;

#[derive(Parser)]
#[command(name = "canopy-bench", about = "Synthetic dendritic workspaces and canopy's benchmark")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes a generated dendritic workspace (and its manifest, .canopy-bench.json) to OUT.
    Gen {
        /// About how many .nix files to write (at least 100).
        #[arg(long, default_value_t = 1000)]
        files: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        out: PathBuf,
    },
    /// Writes one large file in the style of nixpkgs' all-packages.nix to OUT.
    GenLarge {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        out: PathBuf,
    },
    /// Times one didChange of many changes to a large document, applied as the server applies
    /// it and as it did before (a line index rebuilt per change).
    DidChange {
        /// Size of the document, in MB.
        #[arg(long, default_value_t = 50)]
        megabytes: usize,
        /// Changes in the didChange.
        #[arg(long, default_value_t = 200)]
        changes: usize,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Analyses one dimension's workspace of the per-dimension benchmark once, as its `roster`
    /// measurement does, then applies its edit EDITS times: a run to count instructions under
    /// callgrind (docs/performance.md, "Instructions per element").
    Dimension {
        /// The dimension: aspects_per_file, files_per_aspect, with_list, collections, ...
        name: String,
        /// How many elements of it.
        size: usize,
        #[arg(long, default_value_t = 0)]
        edits: usize,
    },
    /// Runs every measurement of docs/performance.md and prints the table (exits 0 whether the
    /// targets are met or not; 2 when a measurement could not be made).
    Run {
        /// Most runs of each timed measurement (the 50k cold index stops earlier past 40 s).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Workspace sizes of the cold index, comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = [1000, 10000, 50000])]
        sizes: Vec<usize>,
        /// Workspace size of the keystroke, request and memory measurements.
        #[arg(long, default_value_t = 10000)]
        lsp_size: usize,
        /// Timed requests of each kind.
        #[arg(long, default_value_t = 300)]
        iterations: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where generated workspaces are kept (default: target/bench-data).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Use this canopy binary instead of building one.
        #[arg(long)]
        canopy: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gen { files, seed, out } => {
            let generated = generator::generate(files, seed);
            generated.write(&out).map_err(|e| format!("cannot write {}: {e}", out.display())).map(|()| {
                let m = &generated.manifest;
                eprintln!("wrote {} files ({} bytes) to {}", m.files, m.source_bytes, out.display());
            })
        }
        Command::GenLarge { seed, out } => {
            let text = generator::large::generate(seed);
            std::fs::write(&out, &text).map_err(|e| format!("cannot write {}: {e}", out.display())).map(|()| {
                eprintln!("wrote {} bytes to {}", text.len(), out.display());
            })
        }
        Command::DidChange { megabytes, changes, runs, seed } => {
            did_change::run(&did_change::Options { megabytes, changes, runs, seed })
        }
        Command::Dimension { name, size, edits } => count::run(count::Options { name, size, edits }),
        Command::Run { runs, sizes, lsp_size, iterations, seed, data, canopy } => {
            run::run(run::Options { runs, sizes, lsp_size, iterations, seed, data, canopy })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("canopy-bench: {message}");
            ExitCode::from(2)
        }
    }
}
