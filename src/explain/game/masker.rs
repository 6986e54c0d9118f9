//! The value function v(S) = mean over background rows b of f(x_S, b_notS), evaluated in large batches.

use crate::error::Result;
use crate::explain::game::coalition::Coalition;
use crate::explain::game::incremental::Incremental;
use crate::explain::game::predict::check_finite;
use crate::model::Model;
use ndarray::{Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;

/// Default number of model rows built and sent per block.
pub const DEFAULT_BLOCK_ROWS: usize = 8192;

/// Evaluates coalitions of one model against one background.
pub struct Masker<'a> {
    model: &'a dyn Model,
    background: ArrayView2<'a, f32>,
    block_rows: usize,
    /// The incremental first-layer path, when enabled and the model exposes its first layer.
    incremental: Option<Incremental<'a>>,
}

/// What evaluates the coalitions' masked rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluator {
    /// Whole masked rows sent to the model's `predict`.
    Model,
    /// First-layer pre-activations updated from coalition to coalition; the rest of a dense model
    /// run on them.
    IncrementalDense,
}

impl Evaluator {
    /// The name written in the report's metadata.
    pub fn name(self) -> &'static str {
        match self {
            Evaluator::Model => "model",
            Evaluator::IncrementalDense => "incremental-dense",
        }
    }
}

impl<'a> Masker<'a> {
    /// A masker sending about `block_rows` rows per model call (at least one coalition).
    pub fn new(model: &'a dyn Model, background: ArrayView2<'a, f32>, block_rows: usize) -> Self {
        Masker {
            model,
            background,
            block_rows: block_rows.max(1),
            incremental: None,
        }
    }

    /// Switches to the incremental first-layer path when `on` and the model exposes a first
    /// linear layer (see [`Model::first_linear`]); otherwise keeps whole-row evaluation.
    pub fn with_incremental(mut self, on: bool) -> Result<Self> {
        self.incremental = match on {
            true => Incremental::new(self.model, self.background)?,
            false => None,
        };
        Ok(self)
    }

    /// Coalitions evaluated per model call.
    fn coalitions_per_block(&self) -> usize {
        (self.block_rows / self.background.nrows().max(1)).max(1)
    }

    /// Per feature, whether its value in `x` differs from at least one background row.
    pub fn varying_mask(&self, x: ArrayView1<f32>) -> Vec<bool> {
        (0..x.len())
            .map(|j| self.background.column(j).iter().any(|&b| b != x[j]))
            .collect()
    }

    /// v(S) for every coalition of `players` (coalition member p holds features `players[p]`).
    pub fn values(
        &self,
        x: ArrayView1<f32>,
        players: &[&[usize]],
        coalitions: &[Coalition],
    ) -> Result<Array2<f64>> {
        let k = self.model.n_outputs();
        let per_block = self.coalitions_per_block();
        let blocks: Vec<Array2<f64>> = coalitions
            .par_chunks(per_block)
            .map(|block| match &self.incremental {
                Some(inc) => inc.block_values(x, players, block),
                None => self.block_values(x, players, block),
            })
            .collect::<Result<_>>()?;
        let mut out = Array2::zeros((coalitions.len(), k));
        let mut at = 0;
        for b in blocks {
            let n = b.nrows();
            out.slice_mut(ndarray::s![at..at + n, ..]).assign(&b);
            at += n;
        }
        Ok(out)
    }

    /// v(S) for one block: builds the masked rows, runs them in one call, averages per coalition.
    fn block_values(
        &self,
        x: ArrayView1<f32>,
        players: &[&[usize]],
        block: &[Coalition],
    ) -> Result<Array2<f64>> {
        let nb = self.background.nrows();
        let m = self.background.ncols();
        let bg = self.background.as_standard_layout();
        let bg = bg.as_slice().expect("standard layout");
        let xs = x.to_vec();
        // Each masked row is a blend of x (present features) and a background row, done with
        // bit masks so that it vectorizes.
        let mut present = vec![0u32; m];
        let mut rows = Vec::with_capacity(block.len() * nb * m);
        for coal in block {
            present.fill(0);
            for p in coal.iter() {
                for &j in players[p] {
                    present[j] = u32::MAX;
                }
            }
            for b in bg.chunks_exact(m) {
                let start = rows.len();
                rows.extend_from_slice(b);
                for ((v, &xv), &keep) in rows[start..].iter_mut().zip(&xs).zip(&present) {
                    *v = f32::from_bits((xv.to_bits() & keep) | (v.to_bits() & !keep));
                }
            }
        }
        let rows = Array2::from_shape_vec((block.len() * nb, m), rows).expect("n x m rows");
        let pred = self.model.predict(rows.view())?;
        check_finite(&pred)?;
        let k = pred.ncols();
        let mut out = Array2::<f64>::zeros((block.len(), k));
        for c in 0..block.len() {
            let mut acc = vec![0.0f64; k];
            for r in c * nb..(c + 1) * nb {
                for (a, &p) in acc.iter_mut().zip(pred.row(r)) {
                    *a += p as f64;
                }
            }
            for (o, a) in out.row_mut(c).iter_mut().zip(acc) {
                *o = a / nb as f64;
            }
        }
        Ok(out)
    }
}
