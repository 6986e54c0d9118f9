//! Which rows a large run's page shows: the first rows, then a seeded sample, in file order.

use crate::report::ExplanationFile;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Positions of at most `max` of `n` rows: all when they fit, else the first `head` and a
/// sample of the rest drawn from `seed`, sorted.
pub fn rows(n: usize, max: usize, head: usize, seed: u64) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    let head = head.min(max);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00e9_00e7);
    let mut picked: Vec<usize> = rand::seq::index::sample(&mut rng, n - head, max - head)
        .into_iter()
        .map(|i| i + head)
        .collect();
    picked.sort_unstable();
    (0..head).chain(picked).collect()
}

/// The rows `positions` of `file`, with its summary and metadata.
pub fn subset(file: &ExplanationFile, positions: &[usize]) -> ExplanationFile {
    fn pick<T: Clone>(v: &[T], positions: &[usize]) -> Vec<T> {
        positions.iter().map(|&r| v[r].clone()).collect()
    }
    ExplanationFile {
        row_indices: pick(&file.row_indices, positions),
        data: pick(&file.data, positions),
        values: pick(&file.values, positions),
        base_values: pick(&file.base_values, positions),
        predictions: pick(&file.predictions, positions),
        stderr: file.stderr.as_ref().map(|s| pick(s, positions)),
        row_groups: file.row_groups.as_ref().map(|g| pick(g, positions)),
        lime: file.lime.as_ref().map(|l| pick(l, positions)),
        tokens: file.tokens.as_ref().map(|t| pick(t, positions)),
        row_outputs: file.row_outputs.as_ref().map(|o| pick(o, positions)),
        ..file.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_keeps_the_head_is_sorted_and_seeded() {
        assert_eq!(rows(5, 10, 2, 1), vec![0, 1, 2, 3, 4]);
        let a = rows(1000, 50, 20, 3);
        assert_eq!(a.len(), 50);
        assert_eq!(&a[..20], &(0..20).collect::<Vec<_>>()[..]);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a[49] < 1000);
        assert_eq!(a, rows(1000, 50, 20, 3));
        assert_ne!(a, rows(1000, 50, 20, 4));
    }
}
