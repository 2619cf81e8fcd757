//! Random fractions for retry jitter, from the standard library alone.
//!
//! Jitter only has to spread clients that failed together; it needs no cryptographic quality.
//! `RandomState` is seeded from the operating system's randomness once per thread and gives
//! every new instance different keys, so hashing a counter with a fresh one yields an
//! unpredictable, evenly spread `u64`. This saves a dependency in every application that uses
//! the SDK (the `drop-in dependency` step of `cargo xtask test` counts them).

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// A number in `[0, 1)`, evenly distributed.
pub(crate) fn fraction() -> f64 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    // The top 53 bits: exactly representable in an f64, so the result is below 1.
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_in_range_and_spread() {
        let samples: Vec<f64> = (0..10_000).map(|_| fraction()).collect();
        assert!(samples.iter().all(|f| (0.0..1.0).contains(f)));
        // Each tenth of the range gets a share near 1,000 of 10,000 (binomial, sd about 30).
        for decile in 0..10 {
            let low = f64::from(decile) / 10.0;
            let share = samples
                .iter()
                .filter(|f| (low..low + 0.1).contains(*f))
                .count();
            assert!((800..1200).contains(&share), "decile {decile}: {share}");
        }
        let distinct: std::collections::BTreeSet<u64> =
            samples.iter().map(|f| f.to_bits()).collect();
        assert!(distinct.len() > 9_990);
    }
}
