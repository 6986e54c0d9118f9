//! The games of many explained rows against one reference: a shared background, or rows of
//! their own per explained row (a blurred image), with E f and f(x) for each row.

use crate::error::{Error, Result};
use crate::explain::game::masker::Masker;
use crate::explain::game::predict::predict_f64;
use crate::explain::game::row_game::RowGame;
use crate::explain::players::feature_groups::FeatureGroups;
use crate::model::Model;
use ndarray::{Array2, ArrayView1, ArrayView2, Axis};

/// The rows that stand in for absent features of one explained row (e.g. the blurred image).
pub type RowBackground<'f> = dyn Fn(ArrayView1<f32>) -> Result<Array2<f32>> + Sync + 'f;

/// The rows that stand in for absent features of explained row `i` (its position among the
/// rows explained, then the row), for fills that reuse what was computed for that row.
pub type RowBackgroundAt<'f> = dyn Fn(usize, ArrayView1<f32>) -> Result<Array2<f32>> + Sync + 'f;

/// A per-row fill given by the row alone or by its position too.
#[derive(Clone, Copy)]
pub(crate) enum RowFill<'a> {
    /// Computed from the row.
    Row(&'a RowBackground<'a>),
    /// Computed from the row's position and the row.
    At(&'a RowBackgroundAt<'a>),
}

impl RowFill<'_> {
    /// The fill rows of explained row `i`, `x`.
    fn rows(self, i: usize, x: ArrayView1<f32>) -> Result<Array2<f32>> {
        match self {
            RowFill::Row(f) => f(x),
            RowFill::At(f) => f(i, x),
        }
    }
}

/// How absent players are filled, and how coalitions are evaluated.
#[derive(Clone, Copy)]
pub(crate) struct Filling<'a> {
    /// Background rows shared by every explained row.
    pub background: ArrayView2<'a, f32>,
    /// Rows of each explained row's own, replacing `background` when set.
    pub row_background: Option<RowFill<'a>>,
    /// Model rows per call.
    pub block_rows: usize,
    /// Incremental first-layer evaluation when the model allows it.
    pub incremental: bool,
}

/// Every explained row's game, built on demand.
pub(crate) struct Games<'a> {
    model: &'a dyn Model,
    filling: Filling<'a>,
    /// One set of players shared by every row, or one per row.
    groups: &'a [FeatureGroups],
    x: ArrayView2<'a, f32>,
    /// The masker of the shared background (`None` with row backgrounds).
    shared: Option<Masker<'a>>,
    /// f(x) [n, K].
    pub fx: Array2<f64>,
    /// E f over each row's background [n, K].
    pub base_values: Array2<f64>,
}

impl<'a> Games<'a> {
    /// The games of rows `x` between the players of `groups`: one set shared by every row, or
    /// one set per row (each row's own segmentation).
    pub fn new(
        model: &'a dyn Model,
        filling: Filling<'a>,
        groups: &'a [FeatureGroups],
        x: ArrayView2<'a, f32>,
    ) -> Result<Self> {
        if groups.len() != 1 && groups.len() != x.nrows() {
            return Err(Error::Mismatch(format!(
                "{} sets of players for {} rows",
                groups.len(),
                x.nrows()
            )));
        }
        let fx = predict_f64(model, x)?;
        let mut games = Games {
            model,
            filling,
            groups,
            x,
            shared: None,
            fx,
            base_values: Array2::zeros((x.nrows(), model.n_outputs())),
        };
        match filling.row_background {
            None => {
                games.shared = Some(games.masker(filling.background)?);
                let base = games.base_of(filling.background)?;
                for mut b in games.base_values.outer_iter_mut() {
                    b.assign(&base);
                }
            }
            Some(_) => {
                for i in 0..x.nrows() {
                    let base = games.base_of(games.background_of(i)?.view())?;
                    games.base_values.row_mut(i).assign(&base);
                }
            }
        }
        Ok(games)
    }

    /// Runs `f` on the game of row `i`.
    pub fn with_game<R>(&self, i: usize, f: impl FnOnce(&RowGame) -> Result<R>) -> Result<R> {
        let (x, fx) = (self.x.row(i), self.fx.row(i).to_vec());
        let base = self.base_values.row(i).to_vec();
        let groups = self.groups_of(i);
        match &self.shared {
            Some(masker) => f(&RowGame::new(masker, groups, x, fx, &base)),
            None => {
                let background = self.background_of(i)?;
                let masker = self.masker(background.view())?;
                f(&RowGame::new(&masker, groups, x, fx, &base))
            }
        }
    }

    /// The players of row `i`.
    pub fn groups_of(&self, i: usize) -> &'a FeatureGroups {
        match self.groups {
            [shared] => shared,
            per_row => &per_row[i],
        }
    }

    /// The masker of one background.
    fn masker<'b>(&self, background: ArrayView2<'b, f32>) -> Result<Masker<'b>>
    where
        'a: 'b,
    {
        Masker::new(self.model, background, self.filling.block_rows)
            .with_incremental(self.filling.incremental)
    }

    /// The rows standing in for absent features of row `i`, checked.
    fn background_of(&self, i: usize) -> Result<Array2<f32>> {
        let own = self
            .filling
            .row_background
            .expect("a row background is set");
        let x = self.x.row(i);
        let rows = own.rows(i, x)?;
        if rows.ncols() != x.len() || rows.nrows() == 0 {
            return Err(Error::Mismatch(format!(
                "a row's background is {}x{}, expected rows of {} features",
                rows.nrows(),
                rows.ncols(),
                x.len()
            )));
        }
        if rows.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite(
                "a row's background holds NaN or infinity".into(),
            ));
        }
        Ok(rows)
    }

    /// E f over a background, per output.
    fn base_of(&self, background: ArrayView2<f32>) -> Result<ndarray::Array1<f64>> {
        let bg = predict_f64(self.model, background)?;
        Ok(bg.mean_axis(Axis(0)).expect("background has rows"))
    }
}
