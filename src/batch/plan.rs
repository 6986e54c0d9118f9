//! How a run's rows are cut into parts and shards, which rows charts keep, and exact sums.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, BinaryHeap};

/// Rows a beeswarm draws at most (a seeded sample of the run's rows).
pub const MAX_SAMPLE_ROWS: usize = 2000;
/// Rows that get a waterfall (the first ones).
pub const HEAD_ROWS: usize = crate::report::charts::MAX_DEFAULT_WATERFALLS;

/// One of `count` contiguous slices of a run's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This slice, 0-based.
    pub index: usize,
    /// Number of slices.
    pub count: usize,
}

impl Shard {
    /// The whole run as one slice.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `K/N`, or `auto/N` taking K from `JOB_COMPLETION_INDEX` (Kubernetes Indexed Job)
    /// or `SLURM_ARRAY_TASK_ID` (Slurm job array).
    pub fn parse(spec: &str) -> Result<Shard> {
        Self::parse_with(spec, |name| std::env::var(name).ok())
    }

    /// [`Shard::parse`] with the environment given as a lookup.
    pub fn parse_with(spec: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard> {
        let bad = |msg: String| Error::param("shard", format!("'{spec}': {msg}"));
        let (k, n) = spec
            .split_once('/')
            .ok_or_else(|| bad("expected K/N (e.g. 0/4) or auto/N".into()))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| bad(format!("'{n}' is not a shard count")))?;
        if count == 0 {
            return Err(bad("the shard count must be at least 1".into()));
        }
        let (k, from) =
            if k.trim() == "auto" {
                let found = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"]
                    .into_iter()
                    .find_map(|v| env(v).map(|val| (val, v)));
                match found {
                    Some((val, var)) => (val, format!(" (from {var})")),
                    None => return Err(bad(
                        "auto needs JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID in the environment"
                            .into(),
                    )),
                }
            } else {
                (k.to_string(), String::new())
            };
        let index: usize = k
            .trim()
            .parse()
            .map_err(|_| bad(format!("'{k}'{from} is not a shard index")))?;
        if index >= count {
            return Err(bad(format!(
                "shard index {index}{from} is out of range 0..{}",
                count - 1
            )));
        }
        Ok(Shard { index, count })
    }

    /// The parts `[start, end)` of `parts` this shard owns (contiguous; shards cover all parts).
    pub fn parts(&self, parts: usize) -> (usize, usize) {
        (
            self.index * parts / self.count,
            (self.index + 1) * parts / self.count,
        )
    }
}

/// Selected rows cut into parts of `chunk` rows: part p holds positions `[p*chunk, (p+1)*chunk)`.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Selected rows in the whole run.
    pub rows: usize,
    /// Rows per part.
    pub chunk: usize,
}

impl Plan {
    /// Number of parts.
    pub fn parts(&self) -> usize {
        self.rows.div_ceil(self.chunk)
    }

    /// Positions `[start, end)` of part `p`.
    pub fn positions(&self, p: usize) -> (usize, usize) {
        (p * self.chunk, ((p + 1) * self.chunk).min(self.rows))
    }
}

/// SplitMix64: a seeded, well-mixed hash of one number.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The positions a beeswarm draws: the `k` positions with the smallest seeded hash, a uniform
/// random sample without replacement that any shard or resumed run picks the same way.
pub fn sample_positions(rows: usize, k: usize, seed: u64) -> BTreeSet<usize> {
    if rows <= k {
        return (0..rows).collect();
    }
    let key = |p: usize| (splitmix64(seed ^ splitmix64(p as u64)), p);
    let mut heap: BinaryHeap<(u64, usize)> = BinaryHeap::with_capacity(k + 1);
    for p in 0..rows {
        let item = key(p);
        if heap.len() < k {
            heap.push(item);
        } else if item < *heap.peek().expect("k > 0") {
            heap.pop();
            heap.push(item);
        }
    }
    heap.into_iter().map(|(_, p)| p).collect()
}

/// Running sums of |φ| and φ per output and feature, added row by row and then part by part in
/// order, so any run over the same parts gets the same bits.
#[derive(Debug, Clone, PartialEq)]
pub struct Sums {
    /// Σ|φ| `[K][M]`.
    pub abs: Vec<Vec<f64>>,
    /// Σφ `[K][M]`.
    pub signed: Vec<Vec<f64>>,
    /// Rows added.
    pub rows: usize,
    /// Rows added per output `[K]`, once some row stored only some outputs (`None`: all had
    /// every output).
    pub counts: Option<Vec<usize>>,
}

impl Sums {
    /// Zero sums for K outputs and M features.
    pub fn new(k: usize, m: usize) -> Sums {
        Sums {
            abs: vec![vec![0.0; m]; k],
            signed: vec![vec![0.0; m]; k],
            rows: 0,
            counts: None,
        }
    }

    /// Rows added per output `[K]`.
    pub fn per_output(&self) -> Vec<usize> {
        match &self.counts {
            Some(c) => c.clone(),
            None => vec![self.rows; self.abs.len()],
        }
    }

    /// Adds one row's φ `[M][K]`, row-major, for its stored `outputs` (all when `None`).
    pub fn add_row(&mut self, phi: &[f64], outputs: Option<&[usize]>) {
        let k = self.abs.len();
        if let Some(outs) = outputs {
            let mut counts = self.per_output();
            for &o in outs {
                counts[o] += 1;
                for (j, row) in phi.chunks(k).enumerate() {
                    self.abs[o][j] += row[o].abs();
                    self.signed[o][j] += row[o];
                }
            }
            self.counts = Some(counts);
        } else {
            for (i, &v) in phi.iter().enumerate() {
                let (j, o) = (i / k, i % k);
                self.abs[o][j] += v.abs();
                self.signed[o][j] += v;
            }
            if let Some(c) = self.counts.as_mut() {
                c.iter_mut().for_each(|c| *c += 1);
            }
        }
        self.rows += 1;
    }

    /// Adds another part's sums.
    pub fn add(&mut self, other: &Sums) {
        for (a, b) in self.abs.iter_mut().zip(&other.abs) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        for (a, b) in self.signed.iter_mut().zip(&other.signed) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        if self.counts.is_some() || other.counts.is_some() {
            let theirs = other.per_output();
            let mut mine = self.per_output();
            mine.iter_mut().zip(theirs).for_each(|(a, b)| *a += b);
            self.counts = Some(mine);
        }
        self.rows += other.rows;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_part_once_in_order() {
        for parts in [0, 1, 5, 7, 100] {
            for count in 1..6 {
                let mut next = 0;
                for index in 0..count {
                    let (a, b) = Shard { index, count }.parts(parts);
                    assert_eq!(a, next);
                    next = b;
                }
                assert_eq!(next, parts);
            }
        }
    }

    #[test]
    fn shard_specs_parse_or_explain() {
        let none = |_: &str| None;
        assert_eq!(
            Shard::parse_with("2/3", none).unwrap(),
            Shard { index: 2, count: 3 }
        );
        assert!(Shard::parse_with("3/3", none)
            .unwrap_err()
            .to_string()
            .contains("out of range"));
        assert!(Shard::parse_with("auto/3", none)
            .unwrap_err()
            .to_string()
            .contains("JOB_COMPLETION_INDEX"));
        let slurm = |v: &str| (v == "SLURM_ARRAY_TASK_ID").then(|| "1".to_string());
        assert_eq!(
            Shard::parse_with("auto/4", slurm).unwrap(),
            Shard { index: 1, count: 4 }
        );
        assert!(Shard::parse_with("x", none).is_err());
        assert!(Shard::parse_with("0/0", none).is_err());
    }

    #[test]
    fn sums_count_each_output_over_the_rows_that_store_it() {
        // Two outputs, two features; φ row-major [M][K].
        let mut a = Sums::new(2, 2);
        a.add_row(&[1.0, 10.0, -2.0, 20.0], None);
        let mut b = Sums::new(2, 2);
        b.add_row(&[3.0, 30.0, 4.0, 40.0], Some(&[1]));
        a.add(&b);
        assert_eq!(a.rows, 2);
        assert_eq!(a.per_output(), vec![1, 2]);
        assert_eq!(a.abs, vec![vec![1.0, 2.0], vec![40.0, 60.0]]);
        assert_eq!(a.signed[0], vec![1.0, -2.0]);
    }

    #[test]
    fn the_sample_is_seeded_sized_and_spread() {
        let a = sample_positions(100_000, 2000, 7);
        assert_eq!(a.len(), 2000);
        assert_eq!(a, sample_positions(100_000, 2000, 7));
        assert_ne!(a, sample_positions(100_000, 2000, 8));
        let late = a.iter().filter(|&&p| p >= 50_000).count();
        assert!(
            (800..1200).contains(&late),
            "{late} of 2000 in the second half"
        );
        assert_eq!(sample_positions(5, 2000, 1).len(), 5);
    }
}
