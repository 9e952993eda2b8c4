//! Timing and statistics: medians of runs, percentiles of request latencies, and a thread with
//! the analysis's stack so the analysis runs as it does in the server.

use std::time::{Duration, Instant};

/// Times one call.
pub fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed(), out)
}

/// The median of `samples` (the mean of the middle two for an even count).
pub fn median(samples: &[Duration]) -> Duration {
    assert!(!samples.is_empty(), "a median of nothing");
    let mut sorted = samples.to_vec();
    sorted.sort();
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2 }
}

pub fn median_f64(values: &[f64]) -> f64 {
    assert!(!values.is_empty(), "a median of nothing");
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

/// The `p`-th percentile (0..=100) by the nearest-rank method: with 300 samples, p99 is the
/// third-largest.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    assert!(!samples.is_empty(), "a percentile of nothing");
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `f` on a thread with the stack the server's analysis threads get: on a smaller stack,
/// every file's analysis would first map a fresh stack segment, a cost the server never pays.
pub fn on_analysis_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    canopy_analysis::run_on_analysis_stack("bench-analysis", f)
        .expect("start the measuring thread")
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn medians_and_percentiles() {
        assert_eq!(median(&[d(3), d(1), d(2)]), d(2));
        assert_eq!(median(&[d(4), d(1), d(2), d(3)]), Duration::from_micros(2500));
        assert_eq!(median_f64(&[3.0, 1.0, 2.0, 10.0]), 2.5);
        let samples: Vec<Duration> = (1..=100).map(d).collect();
        assert_eq!(percentile(&samples, 50.0), d(50));
        assert_eq!(percentile(&samples, 99.0), d(99));
        assert_eq!(percentile(&samples, 100.0), d(100));
    }
}
