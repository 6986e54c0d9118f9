//! Who the players of a run are (single features, groups from `--groups`, or image patches) and
//! what fills absent ones, resolved once from a request.

use crate::data::image::{ImageShape, MaskFill, Segments};
use crate::data::read_groups;
use crate::error::{Error, Result};
use crate::explain::FeatureGroups;
use crate::pipeline::ExplainRequest;
use ndarray::{Array2, ArrayView1};
use serde::{Deserialize, Serialize};

/// Image players: the image layout, its segments and what a hidden segment becomes.
#[derive(Debug, Clone)]
pub(crate) struct ImagePlayers {
    /// Layout of one row as an image.
    pub shape: ImageShape,
    /// The segments that are the players.
    pub segments: Segments,
    /// What hidden segments become.
    pub fill: MaskFill,
}

/// The players of one run over features named `features`.
#[derive(Debug, Clone)]
pub(crate) struct Players {
    /// Groups of features; `None` when every feature is a player.
    pub groups: Option<FeatureGroups>,
    /// The image the groups are segments of, when they are.
    pub image: Option<ImagePlayers>,
}

impl Players {
    /// The players a request asks for; `row_shape` is one input row's shape as the model sees it.
    pub fn resolve(
        req: &ExplainRequest,
        features: &[String],
        row_shape: &[usize],
    ) -> Result<Players> {
        let image = &req.image;
        let wants_image = image.patch.is_some() || image.fill != MaskFill::Background;
        if req.groups.is_some() && wants_image {
            return Err(Error::param(
                "groups",
                "give either feature groups or image players (--patch, --mask), not both",
            ));
        }
        if let Some(path) = &req.groups {
            return Ok(Players {
                groups: Some(read_groups(path, features)?),
                image: None,
            });
        }
        if !wants_image {
            return Ok(Players {
                groups: None,
                image: None,
            });
        }
        let patch = image.patch.ok_or_else(|| {
            Error::param("mask", "applies to image players: give --patch N as well")
        })?;
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
                segments,
                fill: image.fill,
            }),
        })
    }

    /// Player names: the groups', or the features'.
    pub fn names(&self, features: &[String]) -> Vec<String> {
        match &self.groups {
            Some(g) => g.names().to_vec(),
            None => features.to_vec(),
        }
    }

    /// Number of players among M features.
    pub fn count(&self, m: usize) -> usize {
        self.groups.as_ref().map_or(m, FeatureGroups::len)
    }

    /// Whether LIME switches players on and off against background rows or a fill (lime_image
    /// semantics) rather than sampling features from training statistics (lime_tabular).
    pub fn switched(&self) -> bool {
        self.groups.is_some()
    }

    /// Whether absent players take each row's own fill (blur, mean, zero) instead of the
    /// background rows.
    pub fn fills_rows(&self) -> bool {
        self.image
            .as_ref()
            .is_some_and(|i| i.fill != MaskFill::Background)
    }

    /// The one-row background of `x`: its fill image.
    pub fn fill_row(&self, x: ArrayView1<f32>) -> Result<Array2<f32>> {
        let image = self.image.as_ref().expect("image players");
        let x = x.to_vec();
        let filled = image
            .fill
            .fill(&x, &image.shape, Some(&image.segments))?
            .expect("a fill other than background");
        Ok(Array2::from_shape_vec((1, filled.len()), filled).expect("one row"))
    }

    /// The players as a run's manifest records them.
    pub fn record(&self) -> PlayersRecord {
        PlayersRecord {
            groups: self.groups.as_ref().map(|g| g.all_members().to_vec()),
            input_names: self.groups.as_ref().map(|g| g.feature_names().to_vec()),
            mask: self.image.as_ref().map(|i| i.fill.to_string()),
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
}
