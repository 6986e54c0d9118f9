//! The cooperative game of one explained row: players are the features whose value can matter.

use super::coalition::Coalition;
use super::explanation::RowAttribution;
use super::masker::Masker;
use crate::error::Result;
use ndarray::{Array2, ArrayView1};

/// One row's game: v(S) over the features that differ from at least one background row.
///
/// A feature equal to every background value never changes v, so its φ is exactly 0 and it is
/// left out of the estimation (as shap does), which spends the whole budget on the others.
pub struct RowGame<'a> {
    masker: &'a Masker<'a>,
    x: ArrayView1<'a, f32>,
    players: Vec<usize>,
    /// f(x) per output = v(all players).
    pub fx: Vec<f64>,
    /// E f(background) per output = v(∅).
    pub base: &'a [f64],
}

impl<'a> RowGame<'a> {
    /// The game of row `x` with prediction `fx`.
    pub fn new(
        masker: &'a Masker<'a>,
        x: ArrayView1<'a, f32>,
        fx: Vec<f64>,
        base: &'a [f64],
    ) -> Self {
        let players = masker.varying_features(x);
        RowGame {
            masker,
            x,
            players,
            fx,
            base,
        }
    }

    /// Number of players (varying features).
    pub fn n_players(&self) -> usize {
        self.players.len()
    }

    /// The explainer's players (features) that are the game's players 0..P, in increasing order.
    pub fn players(&self) -> &[usize] {
        &self.players
    }

    /// Number of outputs.
    pub fn n_outputs(&self) -> usize {
        self.fx.len()
    }

    /// v(S) for coalitions of players, one row of outputs each.
    pub fn values(&self, coalitions: &[Coalition]) -> Result<Array2<f64>> {
        self.masker.values(self.x, &self.players, coalitions)
    }

    /// Spreads per-player attributions back over all M features (0 for the others).
    pub fn expand(&self, r: RowAttribution) -> RowAttribution {
        let m = self.x.len();
        let k = self.n_outputs();
        let spread = |a: &Array2<f64>| {
            let mut full = Array2::zeros((m, k));
            for (p, &j) in self.players.iter().enumerate() {
                full.row_mut(j).assign(&a.row(p));
            }
            full
        };
        RowAttribution {
            values: spread(&r.values),
            stderr: r.stderr.as_ref().map(spread),
            evaluations: r.evaluations,
            lime: r.lime,
        }
    }
}
