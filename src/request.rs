//! What one `explain` run asks for, and the checks a request passes before anything is loaded.

use crate::data::image::{ImageShape, MaskFill};
use crate::error::{Error, Result};
use crate::explain::Estimator;
use crate::model::Engine;
use std::path::PathBuf;

/// What to explain and how.
#[derive(Debug, Clone)]
pub struct ExplainRequest {
    /// ONNX model file.
    pub model: PathBuf,
    /// Rows to explain (CSV, NPY or Parquet); with rows given in memory, only the name the report shows.
    pub data: PathBuf,
    /// Background rows (SHAP); default: a seeded sample of `data`.
    pub background: Option<PathBuf>,
    /// Rows sampled from `data` when no background file is given.
    pub background_size: usize,
    /// Row selection such as `0:20`; `None` for every row.
    pub rows: Option<String>,
    /// The estimator and its settings.
    pub estimator: Estimator,
    /// Output column names replacing the model's.
    pub output_names: Option<Vec<String>>,
    /// Outputs to explain (names or indices); empty for all.
    pub labels: Vec<String>,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// LIME's training statistics source (default: `data`).
    pub train: Option<PathBuf>,
    /// LIME's categorical features by name or index, resolved against the data's header.
    pub categorical: Vec<String>,
    /// Inference engine (tract, dense fast path, onnxruntime, or the fastest verified one).
    pub engine: Engine,
    /// Feature groups explained as one player each.
    pub groups: Option<GroupsSource>,
    /// Image players: patches and what hides them.
    pub image: ImageRequest,
    /// The model's input columns by name, picked out of wider tables (data, background,
    /// training rows); `None`: every column, in order.
    pub features: Option<Vec<String>>,
    /// Text players (token positions of an integer [N, L] input), when asked for.
    pub text: Option<TextRequest>,
}

/// Where a request's feature groups come from.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupsSource {
    /// A JSON file `{"name": [feature names or indices]}`.
    File(PathBuf),
    /// Named groups of feature names or 0-based indices, in order.
    Named(Vec<(String, Vec<String>)>),
    /// One group per graph input of a model with several inputs (`--groups inputs`).
    Inputs,
    /// Groups of a sequence input [T, F]: its time steps, channels or windows of steps.
    Sequence(SequenceGroups),
}

/// How a sequence row (model input [N, T, F]) is cut into players.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceGroups {
    /// One player per time step: all F features of step t (`t0`, `t1`, ...).
    Time,
    /// One player per channel across every time step.
    Feature,
    /// Contiguous windows of K steps (the last one shorter when K does not divide T).
    Window(usize),
}

impl std::str::FromStr for SequenceGroups {
    type Err = Error;

    /// `time`, `feature` or `window:K`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "time" => Ok(SequenceGroups::Time),
            "feature" => Ok(SequenceGroups::Feature),
            _ => {
                let k = s.strip_prefix("window:").ok_or_else(|| {
                    Error::param("groups", format!("'{s}' is not time, feature or window:K"))
                })?;
                match k.parse::<usize>() {
                    Ok(k) if k > 0 => Ok(SequenceGroups::Window(k)),
                    _ => Err(Error::param(
                        "groups",
                        format!("window:{k}: K must be a whole number of steps, at least 1"),
                    )),
                }
            }
        }
    }
}

/// Text players: each row's non-padding token positions, hidden by a mask token.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextRequest {
    /// The id a hidden token becomes (default: the padding id 0 when the model masks id 0, as a
    /// Keras `Embedding(mask_zero=True)` does; otherwise it must be given).
    pub mask_token: Option<i64>,
    /// Vocabulary file, one token a line, line i = id i (Keras `get_vocabulary()` order).
    pub vocab: Option<PathBuf>,
}

/// How rows that are images are cut into players and what a hidden player becomes.
#[derive(Debug, Clone, Default)]
pub struct ImageRequest {
    /// Layout of a row as an image (default: the model input's shape when it has rank 3).
    pub shape: Option<ImageShape>,
    /// Players are squares of this many pixels a side, all channels together.
    pub patch: Option<usize>,
    /// Players are each image's own SLIC superpixels, about this many per image.
    pub superpixels: Option<usize>,
    /// SLIC's compactness with superpixels (default scikit-image's 10).
    pub compactness: Option<f64>,
    /// What a hidden patch becomes (default: background rows' values).
    pub fill: MaskFill,
}

impl ImageRequest {
    /// Whether any image player setting is given.
    pub fn wanted(&self) -> bool {
        self.patch.is_some() || self.superpixels.is_some() || self.fill != MaskFill::Background
    }
}

impl ExplainRequest {
    /// Background rows sampled from the data when no background file is given (shap's examples use 50–100).
    pub const DEFAULT_BACKGROUND_SIZE: usize = 50;

    /// A request for every row of `data` with default settings otherwise.
    pub fn new(model: impl Into<PathBuf>, data: impl Into<PathBuf>, estimator: Estimator) -> Self {
        ExplainRequest {
            model: model.into(),
            data: data.into(),
            background: None,
            background_size: Self::DEFAULT_BACKGROUND_SIZE,
            rows: None,
            estimator,
            output_names: None,
            labels: vec![],
            threads: 0,
            train: None,
            categorical: vec![],
            engine: Engine::Auto,
            groups: None,
            image: ImageRequest::default(),
            features: None,
            text: None,
        }
    }

    /// Whether players are switched on and off as wholes (groups, patches, superpixels), so that
    /// LIME fills them from background rows as SHAP does.
    pub fn switched_players(&self) -> bool {
        self.groups.is_some()
            || self.image.patch.is_some()
            || self.image.superpixels.is_some()
            || self.text.is_some()
    }

    /// Whether absent players are filled from background rows (every SHAP method, and LIME over
    /// switched players) rather than LIME's training statistics.
    pub(crate) fn uses_background(&self) -> bool {
        matches!(self.estimator, Estimator::Shap(_)) || self.switched_players()
    }

    /// Checks every rule that needs no file: players, estimator options, background size. The
    /// rules that need the data (names, counts, budgets against players) run in
    /// `run::prepare`, still before any row is explained or any file written.
    pub fn check(&self) -> Result<()> {
        let image = &self.image;
        if self.text.is_some() && (self.groups.is_some() || image.wanted()) {
            return Err(Error::param(
                "text",
                "text players are token positions: give no --groups or image players with them",
            ));
        }
        if self.groups.is_some() && image.wanted() {
            return Err(Error::param(
                "groups",
                "give either feature groups or image players (--patch, --superpixels, --mask), not both",
            ));
        }
        if image.wanted() && image.compactness.is_some() && image.superpixels.is_none() {
            return Err(Error::param(
                "compactness",
                "applies to superpixels: give --superpixels N as well",
            ));
        }
        match (image.patch, image.superpixels) {
            (Some(_), Some(_)) => {
                return Err(Error::param(
                    "superpixels",
                    "give either --patch or --superpixels, not both",
                ))
            }
            (None, None) if image.wanted() => {
                return Err(Error::param(
                    "mask",
                    "applies to image players: give --patch N or --superpixels N as well",
                ))
            }
            (None, Some(0)) => return Err(Error::param("superpixels", "must be at least 1")),
            _ => {}
        }
        if matches!(self.estimator, Estimator::Shap(_)) && !self.categorical.is_empty() {
            return Err(Error::param("categorical", "applies to LIME only"));
        }
        if self.uses_background() && self.background.is_none() && self.background_size == 0 {
            return Err(Error::param("background_size", "must be at least 1"));
        }
        Ok(())
    }
}
