//! Shared randomness: per-row seeds, random subsets and permutations, combinations.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// SplitMix64 step, used to derive independent seeds.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator for one data row: depends on the seed and the row's index only, never on threads.
pub fn row_rng(seed: u64, row: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(splitmix(seed ^ splitmix(row as u64 + 1)))
}

/// A uniformly random subset of `size` out of `0..m`, using `scratch` (any permutation of 0..m).
pub fn random_subset<'a>(rng: &mut impl Rng, scratch: &'a mut [usize], size: usize) -> &'a [usize] {
    let m = scratch.len();
    for t in 0..size {
        let j = rng.gen_range(t..m);
        scratch.swap(t, j);
    }
    &scratch[..size]
}

/// A uniformly random permutation of `0..m`.
pub fn random_permutation(rng: &mut impl Rng, m: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..m).collect();
    random_subset(rng, &mut p, m);
    p
}

/// Calls `f` with every subset of `size` out of `0..m`, in lexicographic order.
pub fn for_each_combination(m: usize, size: usize, mut f: impl FnMut(&[usize])) {
    if size > m {
        return;
    }
    let mut idx: Vec<usize> = (0..size).collect();
    loop {
        f(&idx);
        let Some(i) = (0..size).rev().find(|&i| idx[i] < m - size + i) else {
            return;
        };
        idx[i] += 1;
        for j in i + 1..size {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

/// Binomial coefficient C(n, k) as f64.
pub fn binomial(n: usize, k: usize) -> f64 {
    let k = k.min(n - k.min(n));
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_are_complete_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for_each_combination(6, 3, |c| {
            assert!(c.windows(2).all(|w| w[0] < w[1]));
            seen.insert(c.to_vec());
        });
        assert_eq!(seen.len(), 20);
        assert_eq!(binomial(6, 3), 20.0);
        assert_eq!(binomial(100, 1), 100.0);
    }

    #[test]
    fn row_streams_are_reproducible_and_distinct() {
        let a: u64 = row_rng(7, 3).gen();
        assert_eq!(a, row_rng(7, 3).gen::<u64>());
        assert_ne!(a, row_rng(7, 4).gen::<u64>());
        let mut p = random_permutation(&mut row_rng(1, 0), 10);
        p.sort_unstable();
        assert_eq!(p, (0..10).collect::<Vec<_>>());
    }
}
