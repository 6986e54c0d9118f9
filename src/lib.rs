//! onnx-inspector: explain ONNX neural networks with SHAP and LIME, with error bars, fast.
//!
//! ```
//! use ndarray::array;
//! use onnx_inspector::explain::{Explainer, ShapExplainer};
//! use onnx_inspector::model::FnModel;
//!
//! let model = FnModel::new(3, 1, |x| vec![x[0] * x[1] + x[2]]);
//! let background = array![[0.0f32, 0.0, 0.0], [1.0, 1.0, 1.0]];
//! let e = ShapExplainer::new(&model, background.view()).explain(array![[2.0f32, 3.0, 1.0]].view())?;
//! // Efficiency: the attributions add up to f(x) − E f(background).
//! let total: f64 = e.values.iter().sum();
//! assert!((total - (7.0 - 1.0)).abs() < 1e-9);
//! # Ok::<(), onnx_inspector::Error>(())
//! ```
//!
//! # Layers and data flow
//! ```text
//! data::CsvRows / Dataset ──┐   (streamed in parts by batch::run_batch: bounded memory)
//! players: features | --groups | --patch | --superpixels (data::image segments) + --mask fill (blur/mean/zero)
//! model::OnnxModel ─────────┼─> explain::Masker: v(S) for blocks of coalitions of players, one model call per block
//!   engines: tract | dense   │     (dense models: first layer updated incrementally, explain::incremental)
//!   | conv fast paths | ort  │        │
//! data::Background ──────────┘        ├─> exact / kernel / permutation / partition: φ (and stderr) per row (rayon over rows)
//!                                     │   lime: perturb (discretize, truncnorm, categories), weight,
//!                                     │     moments (binary_design bitsets), ridge per output
//!                                     └─> explain::Explanation ─> batch::parts (Parquet part + exact sums)
//!                                           ─> report::ExplanationFile (explanations.json) ─> report::charts
//! train::train (Keras recipe) ─> train::export (ONNX writer, re-read and checked through model)
//! ```
//! - [`model`]: the [`model::Model`] trait (`predict(rows) -> rows`, optionally its first linear
//!   layer), ONNX models on tract with the batch re-declared as symbolic (or padded to a concrete
//!   batch when tract cannot type it, as Keras LSTM/GRU), cached per-size plans and pooled run
//!   states (never for plans whose operators keep state between runs), float32 or integer inputs,
//!   every tract call guarded against panics; a dense fast path (sgemm,
//!   AVX2 head kernel), a conv fast path for sequential CNNs (im2col + the same kernel on NHWC
//!   images, then the dense path) and an optional onnxruntime engine (feature `ort`), each used
//!   only when it matches tract on probe rows ([`model::Engine`]); closures and output selection
//!   (`--labels`).
//! - [`data`]: CSV (header = feature names; whole or row by row) and `.npy` input, row selections,
//!   background sampling, feature-group files, and [`data::image`]: image shapes, patch grids and
//!   SLIC superpixels, their coarse-to-fine trees, and the fills of hidden segments (cv2-exact blur).
//! - [`explain`]: settings ([`explain::ShapParams`], [`explain::LimeParams`], [`explain::Estimator`];
//!   defaults in one place, checked once before any row), the builders [`explain::ShapExplainer`]
//!   and [`explain::LimeExplainer`] behind one [`explain::Explainer`] trait, and the common
//!   [`explain::Explanation`] (LIME's surrogates typed as [`explain::LimeRow`]). Players are features
//!   or [`explain::FeatureGroups`]; absent ones take background rows' values or a per-row fill
//!   ([`explain::RowBackground`]). Estimators, coalitions, the masker and the linear algebra are
//!   private to the module. `players` (crate-private) resolves a request's groups, patches or
//!   per-row superpixels and mask.
//! - [`batch`]: a whole dataset in parts: Parquet dataset, exact streaming summaries, manifest,
//!   resume, shards and merge.
//! - [`report`]: `explanations.json`, its per-output summary, and charts (plotters, embedded font).
//! - [`train`]: the reference-network trainer, its ONNX writer and the export check.
//! - [`pipeline`] and [`demo`]: loading, resolving and reporting shared by the runs the CLI makes
//!   (`src/cli/`, parsing only, behind the default `cli` feature).
//!
//! # Invariants
//! - Every φ satisfies efficiency: Σ_j φ_jk = f_k(x) − E f_k(background) (to 1e-5), with the
//!   background the row's own fill under `--mask blur|mean|zero`.
//! - Results depend on `seed` and inputs only: each row has its own generator, and model calls are
//!   cut into blocks and chunks whose sizes do not depend on the thread count.
//! - Non-finite input or model output is an error, never a number in a report.
//! - Files are written atomically (a temporary file beside the target, fsynced, then renamed); an
//!   output folder holds one run, listed in its manifest.
//! - Library errors are [`Error`]: one line, naming the file, row/column, ONNX node or parameter,
//!   with the underlying cause as `#[source]` ([`error::report`] joins the chain once).

pub(crate) mod atomic;
pub mod batch;
pub mod data;
#[cfg(feature = "cli")]
pub mod demo;
pub mod error;
pub mod explain;
pub mod model;
pub mod player_kind;
pub(crate) mod players;
pub mod report;
pub mod request;
pub mod run;
pub mod train;

pub use data::{Background, Dataset};
pub use error::{Error, Result};
pub use explain::{Explainer, Explanation, LimeExplainer, ShapExplainer};
pub use model::{Model, OnnxModel};
pub use request::{ExplainRequest, GroupsSource, ImageRequest};
pub use run::{explain_dataset, run_explain, GivenTables};
