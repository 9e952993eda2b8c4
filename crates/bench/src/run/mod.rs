//! `canopy-bench run`: every measurement of docs/performance.md, each several times, against a
//! baseline measured in the same run (rnix parsing the same texts on one thread), so a noisy
//! machine moves figure and baseline together.

mod index;
mod lsp;
mod measure;
mod report;
mod requests;
mod scale;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use canopy_bench::generator;
use canopy_bench::manifest::{self, Manifest};

use measure::{median, median_f64, ms, on_analysis_stack, percentile};
use report::{Row, fmt_bytes, fmt_ms, fmt_ratio, verdict};

pub struct Options {
    /// Most runs of each timed measurement.
    pub runs: usize,
    /// Workspace sizes of the cold index.
    pub sizes: Vec<usize>,
    /// The workspace of the keystroke, request and memory measurements.
    pub lsp_size: usize,
    /// Timed requests of each kind.
    pub iterations: usize,
    pub seed: u64,
    /// Where generated workspaces are kept; `target/bench-data` by default.
    pub data: Option<PathBuf>,
    /// A `canopy` binary to use instead of building one.
    pub canopy: Option<PathBuf>,
}

/// A cold index size stops repeating after this long (with 3 runs at least), so the largest
/// workspace does not make the run take many minutes.
const SIZE_BUDGET: Duration = Duration::from_secs(40);
/// Small sizes repeat until they have taken this long (up to `MAX_RUNS`): a half-second run is
/// easily thrown by one burst of another process, and more pairs steady the median.
const SIZE_MINIMUM: Duration = Duration::from_secs(8);
const MAX_RUNS: usize = 25;

/// Targets, from issue 5; the cold index's as issue 21 restates it (rnix stays the parser, and
/// every file is parsed once).
const COLD_TARGET: f64 = 1.0;
const GROWTH_TARGET: f64 = 1.2;
const KEYSTROKE_TARGET: f64 = 3.0;
const REQUEST_P99_MS: f64 = 5.0;
const RENAME_P99_MS: f64 = 20.0;
const MEMORY_FACTOR: f64 = 2.5;
const MEMORY_EXTRA: u64 = 40 << 20;
const LARGE_MS: f64 = 200.0;
/// What "a response bounded in size" is taken to mean: it does not grow with the 1.7 MB file.
const LARGE_RESPONSE_BYTES: usize = 256 << 10;

fn say(message: impl AsRef<str>) {
    eprintln!("canopy-bench: {}", message.as_ref());
}

/// A generated workspace: the size asked for, its folder, its manifest.
type Workspace = (usize, PathBuf, Manifest);

pub fn run(options: Options) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let exe_dir = exe.parent().ok_or("this program has no folder")?.to_path_buf();
    let data = match &options.data {
        Some(data) => data.clone(),
        None => exe_dir.parent().ok_or("no target folder")?.join("bench-data"),
    };
    std::fs::create_dir_all(&data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let canopy = match &options.canopy {
        Some(bin) => bin.clone(),
        None => build_canopy(&exe_dir)?,
    };

    let mut sizes = options.sizes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let mut workspaces: Vec<Workspace> = Vec::new();
    for &size in sizes.iter().chain(std::iter::once(&options.lsp_size)) {
        if workspaces.iter().any(|(s, _, _)| *s == size) {
            continue;
        }
        let (root, manifest) = ensure_workspace(&data, size, options.seed)?;
        workspaces.push((size, root, manifest));
    }
    let large = ensure_large(&data, options.seed)?;

    println!("## canopy benchmark, {}\n", today());
    println!("{}\n", machine());
    let mut rows = Vec::new();
    cold_index(&sizes, &workspaces, options.runs, &mut rows);
    let lsp = workspaces.iter().find(|(s, _, _)| *s == options.lsp_size).expect("generated above");
    keystrokes(lsp, options.runs, &mut rows);
    scale::measure(options.runs, &mut rows);
    server(&canopy, lsp, options.iterations, &data, &mut rows)?;
    large_file(&canopy, &large, &options, &data, &mut rows)?;
    println!("{}", report::table(&rows));
    Ok(())
}

/// Cold index, and growth from the smallest to the largest size.
fn cold_index(sizes: &[usize], workspaces: &[Workspace], runs: usize, rows: &mut Vec<Row>) {
    let mut per_file: Vec<(usize, f64, f64)> = Vec::new();
    for &size in sizes {
        let (_, root, manifest) = workspaces.iter().find(|(s, _, _)| *s == size).expect("generated above");
        say(format!("cold index of {} files", manifest.files));
        let (target, baseline, diagnostics) = on_analysis_stack(|| cold_runs(root, runs));
        if diagnostics != manifest.planted.len() {
            say(format!(
                "WARNING: {} diagnostics in the {size}-file workspace, {} planted: the generator's output is not clean",
                diagnostics,
                manifest.planted.len()
            ));
        }
        let (t, b) = (median(&target), median(&baseline));
        // The median of each pair's ratio: a pair ran back to back, on the same machine state.
        let ratios: Vec<f64> = target.iter().zip(&baseline).map(|(t, b)| t.as_secs_f64() / b.as_secs_f64()).collect();
        let ratio = median_f64(&ratios);
        per_file.push((
            manifest.files,
            t.as_secs_f64() / manifest.files as f64,
            b.as_secs_f64() / manifest.files as f64,
        ));
        rows.push(Row {
            measurement: format!(
                "cold index, {} files ({}, {} runs)",
                manifest.files,
                fmt_bytes(manifest.source_bytes),
                target.len()
            ),
            figure: fmt_ms(t),
            baseline: fmt_ms(b),
            ratio: fmt_ratio(ratio),
            target: format!("≤ {COLD_TARGET}x"),
            verdict: verdict(ratio <= COLD_TARGET),
        });
    }
    if let (Some(small), Some(big)) = (per_file.first(), per_file.last())
        && big.0 > small.0
    {
        let ratio = big.1 / small.1;
        rows.push(Row {
            measurement: format!("growth: time per file at {} vs {} files", big.0, small.0),
            figure: format!("{:.1} µs vs {:.1} µs", big.1 * 1e6, small.1 * 1e6),
            baseline: format!("{:.2}x", big.2 / small.2),
            ratio: fmt_ratio(ratio),
            target: format!("≤ {GROWTH_TARGET}x"),
            verdict: verdict(ratio <= GROWTH_TARGET),
        });
    }
}

/// The keystroke, in-process.
fn keystrokes((_, root, manifest): &Workspace, runs: usize, rows: &mut Vec<Row>) {
    let Some(ks) = &manifest.keystroke else { return };
    say(format!("keystrokes in {} ({} lines)", ks.path, ks.lines));
    let files = index::load(root);
    let pairs = (runs * 6).max(10);
    let timings = on_analysis_stack(|| index::keystrokes(files, ks, pairs));
    let base = median(&timings.baseline);
    for (what, samples, note) in [
        ("keystroke in a string", &timings.body, String::new()),
        (
            "keystroke misspelling an aspect",
            &timings.reference,
            format!(", {} files re-checked", timings.reference_files),
        ),
    ] {
        let t = median(samples);
        let ratio = t.as_secs_f64() / base.as_secs_f64();
        rows.push(Row {
            measurement: format!("{what}, {}-line module of {} files{note}", ks.lines, manifest.files),
            figure: format!("{} (p99 {})", fmt_ms(t), fmt_ms(percentile(samples, 99.0))),
            baseline: fmt_ms(base),
            ratio: fmt_ratio(ratio),
            target: format!("≤ {KEYSTROKE_TARGET}x"),
            verdict: verdict(ratio <= KEYSTROKE_TARGET),
        });
    }
}

/// Requests and memory over the protocol.
fn server(
    canopy: &Path,
    (_, root, manifest): &Workspace,
    iterations: usize,
    data: &Path,
    rows: &mut Vec<Row>,
) -> Result<(), String> {
    say(format!("language server on {} files", manifest.files));
    let run = requests::workspace(canopy, root, manifest, iterations, &data.join("canopy-lsp.log"))?;
    rows.push(Row::info(format!("server: initialized to indexing done, {} files", manifest.files), fmt_ms(run.index)));
    for stat in run.requests.iter().chain(std::iter::once(&run.rename)) {
        if stat.samples.is_empty() {
            continue;
        }
        let (p50, p99) = (percentile(&stat.samples, 50.0), percentile(&stat.samples, 99.0));
        let limit = if stat.name == "rename" { RENAME_P99_MS } else { REQUEST_P99_MS };
        let what = if stat.name == "rename" {
            let sites = manifest.rename.as_ref().map_or(0, |r| r.sites);
            format!("rename of an aspect with {sites} sites ({} edits answered)", run.rename_edits)
        } else {
            stat.name.to_owned()
        };
        rows.push(Row {
            measurement: format!(
                "{what}, {} requests, largest answer {}",
                stat.samples.len(),
                fmt_bytes(stat.max_bytes as u64)
            ),
            figure: format!("p50 {}, p99 {}", fmt_ms(p50), fmt_ms(p99)),
            baseline: String::new(),
            ratio: String::new(),
            target: format!("p99 ≤ {limit} ms"),
            verdict: verdict(ms(p99) <= limit),
        });
    }
    let peak = run.peak_kib << 10;
    let limit = (MEMORY_FACTOR * manifest.source_bytes as f64) as u64 + MEMORY_EXTRA;
    rows.push(Row {
        measurement: format!("memory: server's peak resident set after indexing {} files", manifest.files),
        figure: format!("{} (now {})", fmt_bytes(peak), fmt_bytes(run.rss_kib << 10)),
        baseline: format!("source {}", fmt_bytes(manifest.source_bytes)),
        ratio: format!("{:.1}x source", peak as f64 / manifest.source_bytes as f64),
        target: format!("≤ 2.5x source + 40 MiB = {}", fmt_bytes(limit)),
        verdict: verdict(peak <= limit),
    });
    Ok(())
}

/// The large file.
fn large_file(canopy: &Path, large: &Path, options: &Options, data: &Path, rows: &mut Vec<Row>) -> Result<(), String> {
    say("the large file");
    let large =
        requests::large(canopy, large, options.runs, options.iterations / 10, &data.join("canopy-lsp-large.log"))?;
    let open = median(&large.open);
    rows.push(Row {
        measurement: format!("large file ({}): open until diagnostics published", fmt_bytes(large.file_bytes as u64)),
        figure: format!("median {}", fmt_ms(open)),
        baseline: String::new(),
        ratio: String::new(),
        target: format!("< {LARGE_MS} ms"),
        verdict: verdict(ms(open) < LARGE_MS),
    });
    for (stat, extra) in
        [(&large.completion, format!(", {} items", large.completion_items)), (&large.symbols, String::new())]
    {
        let p50 = percentile(&stat.samples, 50.0);
        rows.push(Row {
            measurement: format!("large file: {}{extra}, answer {}", stat.name, fmt_bytes(stat.max_bytes as u64)),
            figure: format!("p50 {}, max {}", fmt_ms(p50), fmt_ms(percentile(&stat.samples, 100.0))),
            baseline: String::new(),
            ratio: String::new(),
            target: format!("< {LARGE_MS} ms, answer ≤ {}", fmt_bytes(LARGE_RESPONSE_BYTES as u64)),
            verdict: verdict(ms(p50) < LARGE_MS && stat.max_bytes <= LARGE_RESPONSE_BYTES),
        });
    }
    Ok(())
}

/// Runs the cold index and the baseline alternately, so both see the same machine; stops after
/// `runs` pairs, or earlier (with 3 at least) once the size's time budget is spent, or later
/// when the pairs are quick.
fn cold_runs(root: &Path, runs: usize) -> (Vec<Duration>, Vec<Duration>, usize) {
    let texts = index::load(root);
    // One untimed round warms the page cache and the allocator.
    index::parse_all(&texts);
    let (_, diagnostics) = index::cold_index(root);
    let (mut target, mut baseline) = (Vec::new(), Vec::new());
    let start = Instant::now();
    loop {
        let n = target.len();
        let wanted = n < runs.max(1) || (start.elapsed() < SIZE_MINIMUM && n < MAX_RUNS);
        if !wanted || (n >= 3 && start.elapsed() >= SIZE_BUDGET) {
            break;
        }
        baseline.push(index::parse_all(&texts));
        target.push(index::cold_index(root).0);
    }
    (target, baseline, diagnostics)
}

/// Builds `canopy` in release mode next to this program, with the cargo that runs it.
fn build_canopy(exe_dir: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    say("building canopy (cargo build --release -p canopy)");
    let status = Command::new(&cargo)
        .args(["build", "--release", "--locked", "-p", "canopy", "--bin", "canopy"])
        .current_dir(&workspace)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building canopy failed".to_owned());
    }
    let bin = exe_dir.join("canopy");
    if !bin.is_file() {
        return Err(format!("{} is missing after the build (run from `cargo run --release`)", bin.display()));
    }
    Ok(bin)
}

/// The generated workspace of `size` files, written unless an up-to-date one is there.
fn ensure_workspace(data: &Path, size: usize, seed: u64) -> Result<(PathBuf, Manifest), String> {
    let root = data.join(format!("ws-{size}-seed{seed}"));
    if let Ok(manifest) = Manifest::read(&root)
        && manifest.generator == manifest::GENERATOR_VERSION
        && manifest.requested == size
        && manifest.seed == seed
    {
        return Ok((root, manifest));
    }
    say(format!("generating {size} files into {}", root.display()));
    let generated = generator::generate(size, seed);
    generated.write(&root).map_err(|e| format!("cannot write {}: {e}", root.display()))?;
    Ok((root, generated.manifest))
}

/// The large file, written afresh each run: it takes a fraction of a second, and a stale copy
/// from an older generator would silently measure something else.
fn ensure_large(data: &Path, seed: u64) -> Result<PathBuf, String> {
    let path = data.join(format!("all-packages-seed{seed}.nix"));
    std::fs::write(&path, generator::large::generate(seed))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Today's date (UTC), for the report's title.
fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Cores, processor, load and commit: what a reader needs to weigh the figures.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned()))
        })
        .unwrap_or_else(|| "unknown processor".to_owned());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    let dirty = git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
    format!(
        "{cores} cores ({cpu}), load average {load} at the start; commit {commit}{}",
        if dirty { " with uncommitted changes" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn today_is_a_date() {
        let today = super::today();
        assert_eq!(today.len(), 10);
        assert!(today.starts_with("20"));
    }
}
