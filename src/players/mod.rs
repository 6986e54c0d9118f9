//! Who the players of a run are (single features, groups from `--groups`, image patches, or
//! each image's own superpixels) and what fills absent ones, resolved once from a request.

use crate::data::image::{slic, ImageShape, MaskFill, Segments, SlicParams};
use crate::error::{Error, Result};
use crate::explain::{FeatureGroups, Hierarchy, PlayerKind};
use crate::report::RowResult;
use crate::request::{ExplainRequest, GroupsSource};
mod groups_file;
mod input_groups;
mod sequence;
mod text;

pub(crate) use groups_file::named_groups;
use groups_file::read_groups;
pub(crate) use input_groups::input_groups;
use ndarray::{Array2, ArrayView1, ArrayView2};
use sequence::sequence_groups;
use serde::{Deserialize, Serialize};
pub(crate) use text::TextPlayers;

/// Image players: the image layout, its segments and what a hidden segment becomes.
#[derive(Debug, Clone)]
pub(crate) struct ImagePlayers {
    /// Layout of one row as an image.
    pub shape: ImageShape,
    /// The segments that are every row's players (`None`: each row's own superpixels).
    pub segments: Option<Segments>,
    /// What hidden segments become.
    pub fill: MaskFill,
    /// SLIC settings when each row is cut into its own superpixels.
    pub superpixels: Option<SlicParams>,
}

/// How image rows are cut into players.
enum Cut {
    /// A grid of squares this many pixels a side.
    Patch(usize),
    /// Each image's own SLIC superpixels, about this many.
    Superpixels(usize),
}

/// Players of each explained row's own: its superpixels and their bisection tree.
#[derive(Debug, Clone)]
pub(crate) struct RowPlayers {
    /// Each row's players, all of the run's count.
    pub groups: Vec<FeatureGroups>,
    /// Each row's partition tree over its players.
    pub trees: Vec<Hierarchy>,
    /// Each row's superpixels, for its fill.
    pub segments: Vec<Segments>,
}

/// The players of one run over features named `features`.
#[derive(Debug, Clone)]
pub(crate) struct Players {
    /// Groups of features; `None` when every feature is a player.
    pub groups: Option<FeatureGroups>,
    /// The image the groups are segments of, when they are.
    pub image: Option<ImagePlayers>,
    /// Players every row has with superpixels or tokens (the most of any explained row; rows
    /// with fewer have empty trailing players), set by [`Players::fit_rows`].
    pub row_players: usize,
    /// Text players (each row's non-padding tokens), when asked for.
    pub text: Option<TextPlayers>,
}

impl Players {
    /// The players a checked request asks for; `row_shape` is one input row's shape as the model sees it.
    pub fn resolve(
        req: &ExplainRequest,
        features: &[String],
        row_shape: &[usize],
    ) -> Result<Players> {
        let image = &req.image;
        if let Some(source) = &req.groups {
            let groups =
                match source {
                    GroupsSource::File(path) => read_groups(path, features)?,
                    GroupsSource::Named(named) => named_groups(named, features)?,
                    GroupsSource::Sequence(kind) => sequence_groups(*kind, features, row_shape)?,
                    // Turned into named groups by `run::prepare`, which knows the model's inputs.
                    GroupsSource::Inputs => return Err(Error::param(
                        "groups",
                        "'inputs' needs the model's input layout: resolve it with the model first",
                    )),
                };
            return Ok(Players {
                groups: Some(groups),
                image: None,
                row_players: 0,
                text: None,
            });
        }
        if let Some(text) = &req.text {
            return Ok(Players {
                groups: None,
                image: None,
                row_players: 0,
                text: Some(TextPlayers::resolve(text, &req.model, row_shape)?),
            });
        }
        if !image.wanted() {
            return Ok(Players {
                groups: None,
                image: None,
                row_players: 0,
                text: None,
            });
        }
        // Exactly one of patch and superpixels: `ExplainRequest::check`.
        let cut = match (image.patch, image.superpixels) {
            (Some(patch), _) => Cut::Patch(patch),
            (None, Some(n)) => Cut::Superpixels(n),
            (None, None) => unreachable!("checked by ExplainRequest::check"),
        };
        let shape = image
            .shape
            .or_else(|| ImageShape::from_row_shape(row_shape))
            .ok_or_else(|| {
                Error::param(
                    "image_shape",
                    format!(
                        "rows of shape {row_shape:?} are not images; give their shape as HxWxC"
                    ),
                )
            })?;
        shape.check(features.len())?;
        let patch = match cut {
            Cut::Superpixels(n) => {
                let params = SlicParams {
                    n_segments: n,
                    compactness: image
                        .compactness
                        .unwrap_or(SlicParams::default().compactness),
                    ..SlicParams::default()
                };
                params.check(shape.channels)?;
                return Ok(Players {
                    groups: None,
                    image: Some(ImagePlayers {
                        shape,
                        segments: None,
                        fill: image.fill,
                        superpixels: Some(params),
                    }),
                    row_players: 0,
                    text: None,
                });
            }
            Cut::Patch(patch) => patch,
        };
        let segments = Segments::patch_grid(&shape, patch)?;
        let cols = shape.width.div_ceil(patch);
        let names = (0..segments.n)
            .map(|s| format!("patch r{} c{}", s / cols, s % cols))
            .collect();
        let groups = FeatureGroups::from_parts(names, segments.to_groups(&shape)?, features)?;
        Ok(Players {
            groups: Some(groups),
            image: Some(ImagePlayers {
                shape,
                segments: Some(segments),
                fill: image.fill,
                superpixels: None,
            }),
            row_players: 0,
            text: None,
        })
    }

    /// SLIC settings when every row has its own superpixels.
    fn superpixels(&self) -> Option<&SlicParams> {
        self.image.as_ref()?.superpixels.as_ref()
    }

    /// Player names: the groups', the superpixels' (`segment 0`...), the tokens' (`token 0`...)
    /// or the features'.
    pub fn names(&self, features: &[String]) -> Vec<String> {
        match (&self.groups, self.superpixels()) {
            (Some(g), _) => g.names().to_vec(),
            (None, None) if self.text.is_some() => (0..self.row_players)
                .map(|s| format!("token {s}"))
                .collect(),
            (None, Some(_)) => (0..self.row_players)
                .map(|s| format!("segment {s}"))
                .collect(),
            (None, None) => features.to_vec(),
        }
    }

    /// Number of players among M features.
    pub fn count(&self, m: usize) -> usize {
        match (&self.groups, self.superpixels()) {
            (Some(g), _) => g.len(),
            (None, Some(_)) => self.row_players,
            (None, None) if self.text.is_some() => self.row_players,
            (None, None) => m,
        }
    }

    /// Whether LIME switches players on and off against background rows or a fill (lime_image
    /// semantics) rather than sampling features from training statistics (lime_tabular).
    pub fn switched(&self) -> bool {
        self.groups.is_some() || self.per_row()
    }

    /// What the players are, for messages about them.
    pub fn kind(&self) -> PlayerKind {
        match (&self.groups, &self.image) {
            (_, Some(i)) if i.superpixels.is_some() => PlayerKind::Superpixels,
            (Some(_), Some(_)) => PlayerKind::Patches,
            (Some(_), None) => PlayerKind::Groups,
            (None, None) if self.text.is_some() => PlayerKind::Tokens,
            (None, _) => PlayerKind::Features,
        }
    }

    /// Whether every row has players of its own (superpixels, tokens).
    pub fn per_row(&self) -> bool {
        self.superpixels().is_some() || self.text.is_some()
    }

    /// The superpixels of row `x`, when every row has its own.
    fn row_segments(&self, x: ArrayView1<f32>) -> Result<Option<Segments>> {
        let (Some(image), Some(params)) = (&self.image, self.superpixels()) else {
            return Ok(None);
        };
        Ok(Some(slic(&x.to_vec(), &image.shape, params)?))
    }

    /// Sets the players every row has to the most superpixels among `rows` (no-op otherwise).
    pub fn fit_rows<'r>(
        &mut self,
        rows: impl IntoIterator<Item = ArrayView1<'r, f32>>,
    ) -> Result<()> {
        if self.superpixels().is_none() {
            return Ok(());
        }
        for x in rows {
            let n = self.row_segments(x)?.map_or(0, |s| s.n);
            self.row_players = self.row_players.max(n);
        }
        Ok(())
    }

    /// Sets the players every row has to the most tokens among rows `x` (data-file indices
    /// `rows`), checking their ids against the vocabulary (no-op without text players).
    pub fn fit_text_rows(
        &mut self,
        x: ArrayView2<f32>,
        rows: &[usize],
        features: &[String],
    ) -> Result<()> {
        let Some(text) = &self.text else {
            return Ok(());
        };
        for (x, &row) in x.outer_iter().zip(rows) {
            text.check_row(x, row, features)?;
            self.row_players = self.row_players.max(TextPlayers::positions(x).len());
        }
        Ok(())
    }

    /// The words of each row's tokens, set on `rows` when players are tokens with a vocabulary.
    pub fn add_tokens(&self, rows: &mut [RowResult]) {
        if let Some(text) = &self.text {
            for r in rows {
                r.tokens = text.tokens(&r.data);
            }
        }
    }

    /// Each row's own players (its superpixels or tokens, padded to the run's player count)
    /// with their bisection trees, or `None` when every row shares the same players.
    pub fn row_players(
        &self,
        x: ArrayView2<f32>,
        features: &[String],
    ) -> Result<Option<RowPlayers>> {
        if self.text.is_some() {
            let mut players = RowPlayers {
                groups: Vec::with_capacity(x.nrows()),
                trees: Vec::with_capacity(x.nrows()),
                segments: vec![],
            };
            for row in x.outer_iter() {
                let (groups, tree) = TextPlayers::row_players(row, self.row_players, features)?;
                players.groups.push(groups);
                players.trees.push(tree);
            }
            return Ok(Some(players));
        }
        let Some(image) = self.image.as_ref().filter(|_| self.per_row()) else {
            return Ok(None);
        };
        let shape = &image.shape;
        let mut players = RowPlayers {
            groups: Vec::with_capacity(x.nrows()),
            trees: Vec::with_capacity(x.nrows()),
            segments: Vec::with_capacity(x.nrows()),
        };
        for row in x.outer_iter() {
            let segments = self.row_segments(row)?.expect("superpixels");
            let mut labels = vec![0; shape.len()];
            for (p, &l) in segments.labels.iter().enumerate() {
                for c in 0..shape.channels {
                    labels[shape.index(p / shape.width, p % shape.width, c)] = l as usize;
                }
            }
            players.groups.push(FeatureGroups::segments(
                &labels,
                self.row_players,
                features,
            )?);
            players
                .trees
                .push(Hierarchy::from(&segments.hierarchy()).padded(self.row_players));
            players.segments.push(segments);
        }
        Ok(Some(players))
    }

    /// Whether absent players take each row's own fill (blur, mean, zero) instead of the
    /// background rows.
    pub fn fills_rows(&self) -> bool {
        self.text.is_some()
            || self
                .image
                .as_ref()
                .is_some_and(|i| i.fill != MaskFill::Background)
    }

    /// The one-row background of `x`: its fill image. `own` are `x`'s superpixels when every
    /// row has its own and they are at hand ([`RowPlayers::segments`]); a mean fill needs them
    /// and cuts them again when not given.
    pub fn fill_row(&self, x: ArrayView1<f32>, own: Option<&Segments>) -> Result<Array2<f32>> {
        if let Some(text) = &self.text {
            return Ok(text.fill_row(x));
        }
        let image = self.image.as_ref().expect("image players");
        let cut = match (image.fill, own) {
            (MaskFill::Mean, None) => self.row_segments(x)?,
            _ => None,
        };
        let segments = image.segments.as_ref().or(own).or(cut.as_ref());
        let x = x.to_vec();
        let filled = image
            .fill
            .fill(&x, &image.shape, segments)?
            .expect("a fill other than background");
        Ok(Array2::from_shape_vec((1, filled.len()), filled).expect("one row"))
    }

    /// The players over features named `features` as a run's manifest records them.
    pub fn record(&self, features: &[String]) -> PlayersRecord {
        let grouped = self.groups.is_some() || self.per_row();
        PlayersRecord {
            groups: self.groups.as_ref().map(|g| g.all_members().to_vec()),
            input_names: grouped.then(|| features.to_vec()),
            mask: self.image.as_ref().map(|i| i.fill.to_string()),
            superpixels: self.superpixels().map(|p| SuperpixelsRecord {
                n_segments: p.n_segments,
                compactness: p.compactness,
                players: self.row_players,
            }),
            text: self.text.as_ref().map(|t| TextRecord {
                mask_token: t.mask_token,
                vocab: t.vocab.as_ref().map(|(_, p)| p.display().to_string()),
                players: self.row_players,
            }),
        }
    }
}

/// The players of a run as its manifest records them (what `explanations.json` needs of them).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct PlayersRecord {
    /// Input feature indices of each group, when players are groups.
    #[serde(default)]
    pub groups: Option<Vec<Vec<usize>>>,
    /// Input feature names, when players are groups.
    #[serde(default)]
    pub input_names: Option<Vec<String>>,
    /// The image mask, when players are image segments.
    #[serde(default)]
    pub mask: Option<String>,
    /// SLIC settings, when each row has its own superpixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superpixels: Option<SuperpixelsRecord>,
    /// Text players, when each row's players are its tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextRecord>,
}

impl PlayersRecord {
    /// Whether every row had players of its own (superpixels, tokens).
    pub fn per_row(&self) -> bool {
        self.superpixels.is_some() || self.text.is_some()
    }
}

/// Text players as a run's manifest records them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TextRecord {
    /// The id a hidden token becomes.
    pub mask_token: f32,
    /// The vocabulary file, when given.
    pub vocab: Option<String>,
    /// Players every row has (the most tokens of any row).
    pub players: usize,
}

/// Superpixel players as a run's manifest records them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SuperpixelsRecord {
    /// Segments asked of SLIC.
    pub n_segments: usize,
    /// SLIC's compactness.
    pub compactness: f64,
    /// Players every row has (the most segments of any row).
    pub players: usize,
}

#[cfg(test)]
mod tests;
