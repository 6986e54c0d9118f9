//! LIME's discretizers: per-feature percentile bins of the training data, with the statistics
//! used to sample inside a bin (as `lime.discretize.QuartileDiscretizer` / `DecileDiscretizer`).

use crate::explain::lime::truncnorm::{norm_ppf_batch, unit, TruncNormal};
use ndarray::{ArrayView1, ArrayView2};
use rand::RngCore;

/// Bins of one feature.
#[derive(Debug, Clone)]
pub struct FeatureBins {
    /// Sorted distinct bin borders; bin b holds `border[b-1] < x <= border[b]`.
    pub borders: Vec<f64>,
    /// Bin b is drawn when 32 random bits are at least `cut[b-1]` and below `cut[b]`.
    cut: Vec<u64>,
    /// Per bin: normal(mean, std) truncated to the bin's training [min, max].
    draw: Vec<TruncNormal>,
    /// Per bin: a readable description such as `0.25 < age <= 0.50` (or `colour=2`).
    pub names: Vec<String>,
    /// For a categorical feature, the distinct training values (one bin each), sorted.
    categories: Option<Vec<f64>>,
}

/// Cut points of the bins drawn with training frequencies `freq`, in 32-bit fixed point.
fn frequency_cuts(freq: &[f64]) -> Vec<u64> {
    let mut below = 0.0;
    freq[..freq.len() - 1]
        .iter()
        .map(|f| {
            below += f;
            (below * 4_294_967_296.0).round() as u64
        })
        .collect()
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
        FeatureBins {
            cut: frequency_cuts(&freq),
            borders,
            draw,
            names,
            categories: None,
        }
    }

    /// A categorical feature: each distinct training value is a bin drawn with its training
    /// frequency, and a draw is the value itself (lime's `categorical_features`).
    pub fn categorical(name: &str, column: ArrayView1<f32>) -> FeatureBins {
        let mut sorted: Vec<f64> = column.iter().map(|&v| v as f64).collect();
        sorted.sort_by(f64::total_cmp);
        let mut values: Vec<f64> = sorted.clone();
        values.dedup();
        let n = sorted.len() as f64;
        let freq: Vec<f64> = values
            .iter()
            .map(|&c| sorted.iter().filter(|&&v| v == c).count() as f64 / n)
            .collect();
        FeatureBins {
            cut: frequency_cuts(&freq),
            borders: values.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect(),
            // A point bin: every draw is the category's value.
            draw: values
                .iter()
                .map(|&c| TruncNormal::new(c, 1.0, c, c))
                .collect(),
            names: values.iter().map(|&c| format!("{name}={c}")).collect(),
            categories: Some(values),
        }
    }

    /// The bin holding value `v`; for a categorical feature, `usize::MAX` when `v` is no
    /// training category (no draw then shares the instance's category).
    pub fn bin(&self, v: f32) -> usize {
        match &self.categories {
            Some(c) => c.iter().position(|&x| x == v as f64).unwrap_or(usize::MAX),
            None => bin_of(&self.borders, v as f64),
        }
    }

    /// How value `v` of feature `name` reads in an explanation: its bin's rule, or `name=v`.
    pub fn describe(&self, name: &str, v: f32) -> String {
        match &self.categories {
            Some(_) => format!("{name}={v}"),
            None => self.names[self.bin(v)].clone(),
        }
    }

    /// Draws a category value with training frequencies from 64 random bits.
    pub fn draw_category(&self, bits: u64) -> f64 {
        let bin: usize = self.cut.iter().map(|&c| usize::from(bits >> 32 >= c)).sum();
        self.draw[bin].value(0.0)
    }
}

/// Reusable buffers of [`sample_row`].
#[derive(Default)]
pub struct RowScratch {
    bin: Vec<usize>,
    level: Vec<f64>,
    z: Vec<f64>,
}

/// Draws one perturbed sample: per feature a training-frequency bin (high 32 bits of one draw)
/// and a truncated-normal value inside it (low 32 bits) into `out`; sets bit j of `hits` when
/// feature j lands in bin `own[j]`.
pub fn sample_row(
    bins: &[FeatureBins],
    own: &[usize],
    rng: &mut impl RngCore,
    out: &mut [f32],
    hits: &mut [u64],
    scratch: &mut RowScratch,
) {
    let m = bins.len();
    scratch.bin.resize(m, 0);
    scratch.level.resize(m, 0.0);
    scratch.z.resize(m, 0.0);
    for (j, b) in bins.iter().enumerate() {
        let bits = rng.next_u64();
        let bin = b.cut.iter().map(|&c| usize::from(bits >> 32 >= c)).sum();
        scratch.bin[j] = bin;
        scratch.level[j] = b.draw[bin].level(unit(bits as u32));
    }
    for ((word, drawn), own) in hits
        .iter_mut()
        .zip(scratch.bin.chunks(64))
        .zip(own.chunks(64))
    {
        let hit = drawn.iter().zip(own).enumerate();
        *word |= hit.fold(0, |w, (i, (d, o))| w | u64::from(d == o) << i);
    }
    norm_ppf_batch(&scratch.level, &mut scratch.z);
    for (j, (b, v)) in bins.iter().zip(out).enumerate() {
        *v = b.draw[scratch.bin[j]].value(scratch.z[j]) as f32;
    }
}

fn bin_of(borders: &[f64], v: f64) -> usize {
    borders.partition_point(|&b| b < v)
}

/// Bins for every feature of the training data: percentile bins, or one bin per category for
/// the features listed in `categorical`.
pub fn fit_all(
    names: &[String],
    train: ArrayView2<f32>,
    percentiles: &[f64],
    categorical: &[usize],
) -> Vec<FeatureBins> {
    names
        .iter()
        .zip(train.columns())
        .enumerate()
        .map(|(j, (n, c))| {
            if categorical.contains(&j) {
                FeatureBins::categorical(n, c)
            } else {
                FeatureBins::fit(n, c, percentiles)
            }
        })
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
        assert_eq!(b.cut, vec![1 << 30, 2 << 30, 3 << 30]);
        assert_eq!(b.describe("age", 3.0), "2.75 < age <= 4.50");
        // Bins follow the training frequencies; every value lies inside its bin; hits mark the
        // instance's own bin.
        let mut rng = crate::explain::sampling::row_rng(1, 1);
        let (mut out, mut scratch, mut count) = (vec![0.0f32; 1], RowScratch::default(), [0; 4]);
        for _ in 0..4000 {
            let mut hits = [0u64];
            sample_row(
                std::slice::from_ref(&b),
                &[1],
                &mut rng,
                &mut out,
                &mut hits,
                &mut scratch,
            );
            let bin = b.bin(out[0]);
            count[bin] += 1;
            assert_eq!(hits[0] == 1, bin == 1, "{}", out[0]);
            assert!((1.0..=8.0).contains(&out[0]));
        }
        assert!(count.iter().all(|&c| (900..1100).contains(&c)), "{count:?}");
    }

    #[test]
    fn categorical_bins_draw_training_values_at_training_frequencies() {
        let col = ndarray::Array1::from(vec![2.0f32, 0.0, 2.0, 5.0, 2.0, 0.0, 2.0, 2.0]);
        let b = FeatureBins::categorical("colour", col.view());
        assert_eq!(b.names, vec!["colour=0", "colour=2", "colour=5"]);
        assert_eq!((b.bin(2.0), b.bin(5.0), b.bin(1.0)), (1, 2, usize::MAX));
        assert_eq!(b.describe("colour", 5.0), "colour=5");
        let mut rng = crate::explain::sampling::row_rng(3, 0);
        let (mut out, mut scratch, mut count) = (vec![0.0f32; 1], RowScratch::default(), [0; 3]);
        for _ in 0..8000 {
            let mut hits = [0u64];
            sample_row(
                std::slice::from_ref(&b),
                &[1],
                &mut rng,
                &mut out,
                &mut hits,
                &mut scratch,
            );
            let k = [0.0, 2.0, 5.0]
                .iter()
                .position(|&c| c == out[0])
                .expect("a category");
            count[k] += 1;
            assert_eq!(
                hits[0] == 1,
                out[0] == 2.0,
                "hit means the instance's category"
            );
        }
        // Frequencies 2/8, 5/8, 1/8.
        for (c, expect) in count.iter().zip([2000i32, 5000, 1000]) {
            assert!((*c - expect).abs() < 250, "{count:?}");
        }
    }
}
