//! LIME's discretizers: per-feature percentile bins of the training data, with the statistics
//! used to sample inside a bin (as `lime.discretize.QuartileDiscretizer` / `DecileDiscretizer`).

use super::truncnorm::TruncNormal;
use ndarray::{ArrayView1, ArrayView2};

/// Bins of one feature.
#[derive(Debug, Clone)]
pub struct FeatureBins {
    /// Sorted distinct bin borders; bin b holds `border[b-1] < x <= border[b]`.
    pub borders: Vec<f64>,
    /// Per bin: training frequency.
    pub freq: Vec<f64>,
    /// Bin b is drawn when 32 random bits are at least `cut[b-1]` and below `cut[b]`.
    cut: Vec<u64>,
    /// Per bin: normal(mean, std) truncated to the bin's training [min, max].
    draw: Vec<TruncNormal>,
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
        let draw = (0..nb)
            .map(|b| TruncNormal::new(mean[b], std[b], min[b], max[b]))
            .collect();
        let freq: Vec<f64> = members.iter().map(|m| m.len() as f64 / n).collect();
        let mut below = 0.0;
        let cut = freq[..nb - 1]
            .iter()
            .map(|f| {
                below += f;
                (below * 4_294_967_296.0).round() as u64
            })
            .collect();
        FeatureBins {
            freq,
            cut,
            borders,
            draw,
            names,
        }
    }

    /// The bin holding value `v`.
    pub fn bin(&self, v: f32) -> usize {
        bin_of(&self.borders, v as f64)
    }

    /// A training-frequency bin and a value inside it, from 64 random bits (high half picks the
    /// bin, low half the truncated-normal quantile).
    #[inline]
    pub fn sample(&self, bits: u64) -> (usize, f32) {
        let hi = bits >> 32;
        let bin = self
            .cut
            .iter()
            .map(|&c| usize::from(hi >= c))
            .sum::<usize>();
        (bin, self.draw[bin].sample_bits(bits as u32) as f32)
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
        // The high 32 bits pick bins by training frequency, the low 32 a value inside the bin.
        assert_eq!(b.sample(0).0, 0);
        assert_eq!(b.sample(u64::MAX).0, 3);
        assert_eq!(b.sample(1 << 62).0, 1);
        assert_eq!(b.sample(1 << 63).0, 2);
        for bits in (0..1000u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)) {
            let (bin, v) = b.sample(bits);
            let lo = if bin == 0 {
                1.0
            } else {
                b.borders[bin - 1] as f32
            };
            let hi = b.borders.get(bin).map_or(8.0, |&v| v as f32);
            assert!((lo..=hi).contains(&v), "bin {bin}: {v}");
        }
    }
}
