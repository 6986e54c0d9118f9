//! LIME's discretizers: per-feature percentile bins of the training data, with the statistics
//! used to sample inside a bin (as `lime.discretize.QuartileDiscretizer` / `DecileDiscretizer`).

use ndarray::{ArrayView1, ArrayView2};
use rand::Rng;
use rand_distr::{Distribution, Normal};

/// Bins of one feature.
#[derive(Debug, Clone)]
pub struct FeatureBins {
    /// Sorted distinct bin borders; bin b holds `border[b-1] < x <= border[b]`.
    pub borders: Vec<f64>,
    /// Per bin: training frequency, mean, std, min, max.
    pub freq: Vec<f64>,
    min: Vec<f64>,
    max: Vec<f64>,
    /// Per bin: normal(mean, std) used inside the bin.
    normal: Vec<Normal<f64>>,
    /// Per bin: a readable description such as `0.25 < age <= 0.50`.
    pub names: Vec<String>,
}

/// Percentile of sorted values with linear interpolation (numpy's default).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let pos = p / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

impl FeatureBins {
    /// Bins of one training column at the given percentiles.
    pub fn fit(name: &str, column: ArrayView1<f32>, percentiles: &[f64]) -> FeatureBins {
        let mut sorted: Vec<f64> = column.iter().map(|&v| v as f64).collect();
        sorted.sort_by(f64::total_cmp);
        let mut borders: Vec<f64> = percentiles
            .iter()
            .map(|&p| percentile(&sorted, p))
            .collect();
        borders.dedup();
        let nb = borders.len() + 1;
        let (lo, hi) = (sorted[0], sorted[sorted.len() - 1]);
        let mut members: Vec<Vec<f64>> = vec![vec![]; nb];
        for &v in &sorted {
            members[bin_of(&borders, v)].push(v);
        }
        let n = sorted.len() as f64;
        let mean: Vec<f64> = members
            .iter()
            .map(|m| {
                if m.is_empty() {
                    0.0
                } else {
                    m.iter().sum::<f64>() / m.len() as f64
                }
            })
            .collect();
        let std: Vec<f64> = members
            .iter()
            .zip(&mean)
            .map(|(m, mu)| {
                let var = m.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / m.len().max(1) as f64;
                var.sqrt() + 1e-11
            })
            .collect();
        let mut min = vec![lo];
        min.extend(&borders);
        let mut max = borders.clone();
        max.push(hi);
        let mut names = vec![format!("{name} <= {:.2}", borders[0])];
        for w in borders.windows(2) {
            names.push(format!("{:.2} < {name} <= {:.2}", w[0], w[1]));
        }
        names.push(format!("{name} > {:.2}", borders[borders.len() - 1]));
        let normal = mean
            .iter()
            .zip(&std)
            .map(|(&mu, &sd): (&f64, &f64)| Normal::new(mu, sd).expect("finite std"))
            .collect();
        FeatureBins {
            freq: members.iter().map(|m| m.len() as f64 / n).collect(),
            borders,
            normal,
            min,
            max,
            names,
        }
    }

    /// The bin holding value `v`.
    pub fn bin(&self, v: f32) -> usize {
        bin_of(&self.borders, v as f64)
    }

    /// A random training-distributed bin index.
    pub fn sample_bin(&self, rng: &mut impl Rng) -> usize {
        let mut u: f64 = rng.gen();
        for (b, &f) in self.freq.iter().enumerate() {
            if u < f {
                return b;
            }
            u -= f;
        }
        self.freq.iter().rposition(|&f| f > 0.0).unwrap_or(0)
    }

    /// A value inside bin `b`: normal(mean, std) truncated to the bin's [min, max].
    pub fn sample_value(&self, b: usize, rng: &mut impl Rng) -> f32 {
        let (lo, hi) = (self.min[b], self.max[b]);
        if hi <= lo {
            return lo as f32;
        }
        for _ in 0..64 {
            let v = self.normal[b].sample(rng);
            if (lo..=hi).contains(&v) {
                return v as f32;
            }
        }
        rng.gen_range(lo..=hi) as f32
    }
}

fn bin_of(borders: &[f64], v: f64) -> usize {
    borders.partition_point(|&b| b < v)
}

/// Bins for every feature of the training data.
pub fn fit_all(names: &[String], train: ArrayView2<f32>, percentiles: &[f64]) -> Vec<FeatureBins> {
    names
        .iter()
        .zip(train.columns())
        .map(|(n, c)| FeatureBins::fit(n, c, percentiles))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartile_bins_match_numpy_and_lime_names() {
        let col = ndarray::Array1::from(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        let b = FeatureBins::fit("age", col.view(), &[25.0, 50.0, 75.0]);
        assert_eq!(b.borders, vec![2.75, 4.5, 6.25]);
        assert_eq!(b.names[0], "age <= 2.75");
        assert_eq!(b.names[1], "2.75 < age <= 4.50");
        assert_eq!(b.names[3], "age > 6.25");
        assert_eq!((b.bin(2.75), b.bin(2.76), b.bin(100.0)), (0, 1, 3));
        assert_eq!(b.freq, vec![0.25; 4]);
        let mut rng = crate::explain::sampling::row_rng(1, 1);
        for _ in 0..100 {
            let v = b.sample_value(1, &mut rng);
            assert!((2.75..=4.5).contains(&v));
        }
    }
}
