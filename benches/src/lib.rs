//! Shared, seeded data generators and measurement helpers for fairmatch's benchmarks and
//! comparison harnesses. Everything here uses only fairmatch's public API, so benchmarks
//! measure what users call.

use std::path::PathBuf;
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A seeded, platform-independent random generator for reproducible benchmark data.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// The shared data folder (`../shared/data` beside the repository), or a clear panic naming
/// what is missing: benchmarks that need the data cannot run without it.
pub fn shared_data_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    assert!(
        root.is_dir(),
        "the shared data folder is missing: expected ESCO/O*NET/embeddings at {} \
         (see ../shared/data/README.md)",
        root.display()
    );
    root
}

/// Recall@k of `found` against the exact `truth` (both id lists; only the first k of each count).
pub fn recall_at_k(found: &[u32], truth: &[u32], k: usize) -> f64 {
    let truth = &truth[..truth.len().min(k)];
    if truth.is_empty() {
        return 1.0;
    }
    let hits = found[..found.len().min(k)]
        .iter()
        .filter(|id| truth.contains(id))
        .count();
    hits as f64 / truth.len() as f64
}

/// The p-th percentile (0..=100, nearest rank) of a set of durations; `None` when empty.
pub fn percentile(samples: &mut [Duration], p: f64) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    Some(samples[rank.clamp(1, samples.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_and_percentile() {
        assert_eq!(recall_at_k(&[1, 2, 3], &[3, 4, 5], 3), 1.0 / 3.0);
        assert_eq!(recall_at_k(&[], &[], 10), 1.0);
        let mut s: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&mut s, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&mut s, 50.0), Some(Duration::from_millis(50)));
    }
}
