//! A weighted 0/1 design matrix whose weights take few distinct values (LIME's discretized
//! samples, weighted by how many features left their bin; kernel SHAP's coalitions, weighted by
//! size), stored as bit columns with rows grouped by weight. Weighted moments then reduce to exact
//! integer popcounts per group: no dense floating-point product.

use ndarray::{Array2, ArrayView2};

/// Bit columns of an `n × m` 0/1 matrix, rows regrouped by their count of ones.
pub struct BinaryDesign {
    m: usize,
    n: usize,
    /// u64 words per column (each group starts on a word boundary).
    words: usize,
    /// Column j occupies `cols[j * words .. (j + 1) * words]`.
    cols: Vec<u64>,
    /// (first word, end word, weight) of each group of rows sharing a count of ones.
    groups: Vec<(usize, usize, f64)>,
    /// Original row at each bit position (padding positions are never set).
    row_at: Vec<u32>,
    /// Weight of each original row.
    weights: Vec<f64>,
}

/// Words of one row in a row-major bitset of `m` columns.
pub fn row_words(m: usize) -> usize {
    m.div_ceil(64)
}

impl BinaryDesign {
    /// Regroups `rows` (n rows of `row_words(m)` words each, bit j of a row = column j) and gives
    /// every row the weight `weight(number of ones)`.
    pub fn new(rows: &[u64], m: usize, weight: impl Fn(usize) -> f64) -> BinaryDesign {
        let rw = row_words(m).max(1);
        let by_ones: Vec<f64> = (0..=m).map(weight).collect();
        let weights: Vec<f64> = rows
            .chunks_exact(rw)
            .map(|r| by_ones[r.iter().map(|w| w.count_ones() as usize).sum::<usize>()])
            .collect();
        BinaryDesign::weighted(rows, m, weights)
    }

    /// Regroups `rows` as [`BinaryDesign::new`] does, with one given weight per row; rows sharing a
    /// weight share a group, so the moments cost one popcount pass per distinct weight.
    pub fn weighted(rows: &[u64], m: usize, weights: Vec<f64>) -> BinaryDesign {
        let rw = row_words(m).max(1);
        let n = rows.len() / rw;
        // Distinct weights in increasing order, and each row's group.
        let mut distinct: Vec<f64> = weights.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup_by(|a, b| a.to_bits() == b.to_bits());
        let group_of: Vec<usize> = weights
            .iter()
            .map(|w| distinct.partition_point(|d| d.total_cmp(w).is_lt()))
            .collect();
        let mut count = vec![0usize; distinct.len()];
        for &g in &group_of {
            count[g] += 1;
        }
        // Each group starts on a fresh word.
        let mut next = vec![0usize; distinct.len()];
        let mut groups = Vec::with_capacity(distinct.len());
        let mut word = 0;
        for (g, &k) in count.iter().enumerate() {
            next[g] = word * 64;
            let end = word + k.div_ceil(64);
            groups.push((word, end, distinct[g]));
            word = end;
        }
        let words = word;
        let mut cols = vec![0u64; m * words];
        let mut row_at = vec![0u32; words * 64];
        for (s, row) in rows.chunks_exact(rw).enumerate() {
            let p = next[group_of[s]];
            next[group_of[s]] += 1;
            row_at[p] = s as u32;
            for (wi, &w) in row.iter().enumerate() {
                let mut bits = w;
                while bits != 0 {
                    let j = wi * 64 + bits.trailing_zeros() as usize;
                    cols[j * words + p / 64] |= 1 << (p % 64);
                    bits &= bits - 1;
                }
            }
        }
        BinaryDesign {
            m,
            n,
            words,
            cols,
            groups,
            row_at,
            weights,
        }
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.n
    }

    /// Number of ones in each column.
    pub fn column_ones(&self) -> Vec<usize> {
        (0..self.m)
            .map(|j| self.col(j).iter().map(|w| w.count_ones() as usize).sum())
            .collect()
    }

    /// Each row's weight, in the original row order.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    fn col(&self, j: usize) -> &[u64] {
        &self.cols[j * self.words..(j + 1) * self.words]
    }

    /// Zᵀ W Z: weighted co-occurrence counts of every pair of columns (uncentred).
    pub fn weighted_gram(&self) -> Array2<f64> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports popcnt, checked just above.
            return unsafe { self.weighted_gram_popcnt() };
        }
        self.weighted_gram_portable()
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn weighted_gram_popcnt(&self) -> Array2<f64> {
        self.weighted_gram_portable()
    }

    #[inline(always)]
    fn weighted_gram_portable(&self) -> Array2<f64> {
        let m = self.m;
        let mut g = Array2::<f64>::zeros((m, m));
        for &(start, end, w) in &self.groups {
            for i in 0..m {
                let ci = &self.col(i)[start..end];
                for j in i..m {
                    let cj = &self.col(j)[start..end];
                    let both: u32 = ci.iter().zip(cj).map(|(a, b)| (a & b).count_ones()).sum();
                    g[[i, j]] += w * f64::from(both);
                }
            }
        }
        for i in 0..m {
            for j in 0..i {
                g[[i, j]] = g[[j, i]];
            }
        }
        g
    }

    /// Zᵀ R for `r` [n, K] in the original row order: per column, the sum of the rows where it is 1.
    pub fn t_dot(&self, r: ArrayView2<f64>) -> Array2<f64> {
        let k = r.ncols();
        let r = r.as_standard_layout();
        let r = r.as_slice().expect("standard layout");
        let mut out = Array2::<f64>::zeros((self.m, k));
        for (j, mut acc) in out.outer_iter_mut().enumerate() {
            let acc = acc.as_slice_mut().expect("row");
            for (wi, &word) in self.col(j).iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let s = self.row_at[wi * 64 + bits.trailing_zeros() as usize] as usize;
                    for (a, &v) in acc.iter_mut().zip(&r[s * k..(s + 1) * k]) {
                        *a += v;
                    }
                    bits &= bits - 1;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    #[test]
    fn moments_match_the_dense_products() {
        // 300 rows x 70 columns (two words per row), pseudo-random bits.
        let (n, m) = (300, 70);
        let bit = |s: usize, j: usize| (s * 7919 + j * j * 104_729 + s * j) % 5 < 2;
        let mut rows = vec![0u64; n * row_words(m)];
        for s in 0..n {
            for j in 0..m {
                if bit(s, j) {
                    rows[s * 2 + j / 64] |= 1 << (j % 64);
                }
            }
        }
        let weight = |c: usize| 1.0 / (1.0 + c as f64);
        let d = BinaryDesign::new(&rows, m, weight);
        let z = Array2::from_shape_fn((n, m), |(s, j)| f64::from(u8::from(bit(s, j))));
        let w = Array1::from_iter(z.outer_iter().map(|r| weight(r.sum() as usize)));
        assert_eq!(d.weights(), w.as_slice().unwrap());
        let zw = &z * &w.view().insert_axis(ndarray::Axis(1));
        let dense = zw.t().dot(&z);
        assert!((&d.weighted_gram() - &dense).iter().all(|e| e.abs() < 1e-9));
        let r = Array2::from_shape_fn((n, 3), |(s, k)| (s as f64).sin() + k as f64);
        assert!((&d.t_dot(r.view()) - &z.t().dot(&r))
            .iter()
            .all(|e| e.abs() < 1e-9));
        // Any per-row weights (here 7 distinct values, unrelated to the counts).
        let w = Array1::from_shape_fn(n, |s| (s % 7) as f64 * 0.5);
        let d = BinaryDesign::weighted(&rows, m, w.to_vec());
        let zw = &z * &w.view().insert_axis(ndarray::Axis(1));
        assert!((&d.weighted_gram() - &zw.t().dot(&z))
            .iter()
            .all(|e| e.abs() < 1e-9));
    }
}
