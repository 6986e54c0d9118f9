//! The cooperative game of one explained row: players are the features (or feature groups) whose
//! value can matter.

use crate::error::Result;
use crate::explain::explanation::RowAttribution;
use crate::explain::game::coalition::Coalition;
use crate::explain::game::masker::Masker;
use crate::explain::players::feature_groups::FeatureGroups;
use ndarray::{Array2, ArrayView1};

/// One row's game: v(S) over the players (features or groups) that differ from at least one
/// background row.
///
/// A player equal to every background value never changes v, so its φ is exactly 0 and it is
/// left out of the estimation (as shap does), which spends the whole budget on the others.
pub struct RowGame<'a, 'm> {
    masker: &'a Masker<'m>,
    x: ArrayView1<'a, f32>,
    groups: &'a FeatureGroups,
    /// Indices (into `groups`) of the players in the game.
    players: Vec<usize>,
    /// The features of each player in the game.
    members: Vec<&'a [usize]>,
    /// f(x) per output = v(all players).
    pub fx: Vec<f64>,
    /// E f(background) per output = v(∅).
    pub base: &'a [f64],
}

impl<'a, 'm> RowGame<'a, 'm> {
    /// The game of row `x` with prediction `fx`, between the players of `groups`.
    pub fn new(
        masker: &'a Masker<'m>,
        groups: &'a FeatureGroups,
        x: ArrayView1<'a, f32>,
        fx: Vec<f64>,
        base: &'a [f64],
    ) -> Self {
        let varies = masker.varying_mask(x);
        let players: Vec<usize> = (0..groups.len())
            .filter(|&p| groups.members(p).iter().any(|&j| varies[j]))
            .collect();
        let members = players.iter().map(|&p| groups.members(p)).collect();
        RowGame {
            masker,
            x,
            groups,
            players,
            members,
            fx,
            base,
        }
    }
    /// Indices (among all players) of the players in the game.
    pub fn players(&self) -> &[usize] {
        &self.players
    }

    /// Number of players in the game (those that vary).
    pub fn n_players(&self) -> usize {
        self.players.len()
    }

    /// Number of players, in the game or not.
    pub fn n_all_players(&self) -> usize {
        self.groups.len()
    }

    /// Number of outputs.
    pub fn n_outputs(&self) -> usize {
        self.fx.len()
    }

    /// v(S) for coalitions of players, one row of outputs each.
    pub fn values(&self, coalitions: &[Coalition]) -> Result<Array2<f64>> {
        self.masker.values(self.x, &self.members, coalitions)
    }

    /// Spreads attributions of the game's players back over all players (0 for the others).
    pub fn expand(&self, r: RowAttribution) -> RowAttribution {
        let m = self.groups.len();
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
