//! The benchmark's table: one row per measurement, with the figure, the same run's baseline, the
//! ratio the target is stated in, and a verdict. Printed as Markdown so a run pastes into
//! docs/performance.md as is.

use std::fmt::Write as _;
use std::time::Duration;

use super::measure::ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// A figure with no target of its own.
    Info,
}

pub struct Row {
    pub measurement: String,
    pub figure: String,
    pub baseline: String,
    pub ratio: String,
    pub target: String,
    pub verdict: Verdict,
}

impl Row {
    pub fn info(measurement: impl Into<String>, figure: impl Into<String>) -> Row {
        Row {
            measurement: measurement.into(),
            figure: figure.into(),
            baseline: String::new(),
            ratio: String::new(),
            target: String::new(),
            verdict: Verdict::Info,
        }
    }
}

pub fn verdict(pass: bool) -> Verdict {
    if pass { Verdict::Pass } else { Verdict::Fail }
}

/// Milliseconds with precision fitting their size.
pub fn fmt_ms(d: Duration) -> String {
    let v = ms(d);
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.2} ms")
    }
}

pub fn fmt_ratio(r: f64) -> String {
    format!("{r:.2}x")
}

pub fn fmt_bytes(b: u64) -> String {
    if b >= 10 << 20 {
        format!("{:.0} MiB", b as f64 / (1 << 20) as f64)
    } else if b >= 1 << 20 {
        format!("{:.1} MiB", b as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} KiB", b as f64 / 1024.0)
    }
}

pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str("| measurement | figure | baseline | ratio | target | verdict |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for row in rows {
        let verdict = match row.verdict {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Info => "",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            row.measurement, row.figure, row.baseline, row.ratio, row.target, verdict
        );
    }
    let passed = rows.iter().filter(|r| r.verdict == Verdict::Pass).count();
    let failed = rows.iter().filter(|r| r.verdict == Verdict::Fail).count();
    let _ = writeln!(out, "\n{passed} targets met, {failed} missed");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_counts_its_verdicts() {
        let rows = vec![
            Row { verdict: Verdict::Pass, ..Row::info("a", "1 ms") },
            Row { verdict: Verdict::Fail, ..Row::info("b", "2 ms") },
            Row::info("c", "3"),
        ];
        let table = table(&rows);
        assert!(table.contains("| a | 1 ms |  |  |  | PASS |"));
        assert!(table.ends_with("1 targets met, 1 missed\n"));
        assert_eq!(fmt_ms(Duration::from_micros(1500)), "1.50 ms");
        assert_eq!(fmt_bytes(3 << 20), "3.0 MiB");
    }
}
