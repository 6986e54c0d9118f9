//! Background ("absent feature") rows: a given set, or a seeded sample of the data.

use super::Dataset;
use ndarray::Array2;
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The reference rows used for absent features, with a description for the JSON.
#[derive(Debug, Clone)]
pub struct Background {
    /// Rows, each as wide as the model input.
    pub rows: Array2<f32>,
    /// What these rows are (file, or sample of which file with which seed).
    pub description: BackgroundInfo,
}

/// How a background was obtained.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackgroundInfo {
    /// `file` or `sample`.
    pub kind: String,
    /// Source file.
    pub source: String,
    /// Number of rows.
    pub rows: usize,
    /// Seed of the sample, if sampled.
    pub seed: Option<u64>,
}

impl Background {
    /// Uses every row of a dataset.
    pub fn from_dataset(ds: &Dataset) -> Background {
        Background {
            rows: ds.values.clone(),
            description: BackgroundInfo {
                kind: "file".into(),
                source: ds.source.clone(),
                rows: ds.n_rows(),
                seed: None,
            },
        }
    }

    /// A seeded sample of `n` rows of a dataset without replacement (all rows if it has fewer).
    pub fn sample(ds: &Dataset, n: usize, seed: u64) -> Background {
        let idx = sample_rows(ds.n_rows(), n, seed);
        Background {
            rows: ds.values.select(ndarray::Axis(0), &idx),
            description: BackgroundInfo {
                kind: "sample".into(),
                source: ds.source.clone(),
                rows: idx.len(),
                seed: Some(seed),
            },
        }
    }
}

/// `n` distinct row indices out of `total`, sorted, reproducible for a seed.
pub fn sample_rows(total: usize, n: usize, seed: u64) -> Vec<usize> {
    if n >= total {
        return (0..total).collect();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut idx = sample(&mut rng, total, n).into_vec();
    idx.sort_unstable();
    idx
}
