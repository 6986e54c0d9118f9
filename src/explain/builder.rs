//! What both explainers are built from: the model, feature names, the players (groups, each row's
//! own groups), what fills absent players, and the progress hooks, with the setters both share.

use crate::explain::game::row_games::RowFill;
use crate::explain::players::feature_groups::FeatureGroups;
use crate::explain::progress::Progress;
use crate::model::Model;

/// The settings [`crate::explain::ShapExplainer`] and [`crate::explain::LimeExplainer`] share.
pub(crate) struct BuilderCore<'a> {
    pub model: &'a dyn Model,
    pub names: Option<Vec<String>>,
    pub groups: Option<FeatureGroups>,
    pub row_groups: Option<Vec<FeatureGroups>>,
    pub row_background: Option<RowFill<'a>>,
    pub progress: Option<&'a Progress<'a>>,
}

impl<'a> BuilderCore<'a> {
    /// Every feature its own player, filled from the explainer's reference rows.
    pub fn new(model: &'a dyn Model) -> Self {
        BuilderCore {
            model,
            names: None,
            groups: None,
            row_groups: None,
            row_background: None,
            progress: None,
        }
    }

    /// Number of players: each row's own groups, the groups, or the features.
    pub fn n_players(&self) -> usize {
        match (&self.groups, &self.row_groups) {
            (_, Some(sets)) => sets.first().map_or(0, FeatureGroups::len),
            (Some(g), None) => g.len(),
            (None, None) => self.model.n_features(),
        }
    }
}

/// The setters of [`BuilderCore`]'s settings, for an explainer whose `core` field holds them.
macro_rules! core_setters {
    () => {
        /// Players that are groups of features (default: every feature its own player). LIME
        /// then switches players on and off (lime_image semantics), filled as SHAP's absent ones.
        pub fn groups(mut self, groups: FeatureGroups) -> Self {
            self.core.groups = Some(groups);
            self
        }

        /// Players of each explained row's own (one set per row, in row order, all with the same
        /// number of players), e.g. every image's superpixels.
        pub fn row_groups(mut self, groups: Vec<FeatureGroups>) -> Self {
            self.core.row_groups = Some(groups);
            self
        }

        /// Absent players of each row take the values of `rows(x)` instead of the reference
        /// rows' (a single row makes v(S) the model's output on one masked input, as shap's
        /// image masker; e.g. the blurred image).
        pub fn row_background(mut self, rows: &'a RowBackground<'a>) -> Self {
            self.core.row_background = Some(RowFill::Row(rows));
            self
        }

        /// As `row_background`, with `rows(i, x)` also given the row's position among the rows
        /// explained (e.g. to reuse its superpixels).
        pub fn row_background_at(mut self, rows: &'a RowBackgroundAt<'a>) -> Self {
            self.core.row_background = Some(RowFill::At(rows));
            self
        }

        /// Feature names for the explanation (default `Feature 0`, `Feature 1`...).
        pub fn feature_names(mut self, names: Vec<String>) -> Self {
            self.core.names = Some(names);
            self
        }

        /// Progress and cancellation hooks.
        pub fn progress(mut self, progress: &'a Progress<'a>) -> Self {
            self.core.progress = Some(progress);
            self
        }
    };
}
pub(crate) use core_setters;
