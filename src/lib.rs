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
//! One page for newcomers: `docs/ARCHITECTURE.md` (layers, one run's data flow, where to add an
//! estimator, an engine, a player kind or a chart). Each layer imports only the ones listed before
//! it (`python3 tools/module_graph.py` checks: no circles, no arrows up).
//! ```text
//! request::ExplainRequest ── check() ──> run::prepare ──> Prepared { model, players, estimator,
//!   (CLI flags, Python, tests)            │                           reference, pool, meta }
//!   data (CSV/NPY/Parquet or in memory)   ┘        │
//!                  run::run_explain / explain_dataset (rows in memory) ─┐
//!                  batch::run_batch (parts of chunk_rows, resume, shards)┤
//!                                                                       v
//! explain::{ShapExplainer, LimeExplainer} ─ game (masker: v(S) in blocks, one model call each)
//!                                                 ─> model::Model (OnnxModel: tract | native dense/conv | ort)
//!   ─> explain::Explanation ─> report::ExplanationFile (explanations.json) + Parquet parts ─> report::charts
//! train::train (Keras recipe) ─> train::export (ONNX writer, re-read and checked through model)
//! ```
//! - [`error`], [`player_kind`]: the one-line [`Error`] and the words for players in it.
//! - [`data`]: CSV (header = feature names) and Parquet (a file or a folder of parts), whole or
//!   row by row with columns picked by name, `.npy`, row selections,
//!   background sampling, and [`data::image`] (image shapes, patch grids, SLIC, fills).
//! - [`model`]: the [`Model`] trait; [`OnnxModel`] on tract (`model/tract/`), with native dense and
//!   conv fast paths (`model/native/`) and onnxruntime (feature `ort`), each used only when it
//!   matches tract on probe rows ([`model::Engine`]); output selection and timing wrappers. A
//!   data row is every graph input's flattened values side by side ([`model::InputLayout`]).
//! - [`explain`]: settings, the builders [`ShapExplainer`] and [`LimeExplainer`] behind
//!   [`Explainer`], and [`Explanation`]; rooms `shap/`, `lime/`, `game/`, `players/` are private.
//! - [`report`] (JSON, summary, charts, the one-page `report.html` in [`report::html`]) and
//!   [`train`] (trainer, ONNX writer): side by side, neither imports the other (the CLI draws the
//!   training curves).
//! - [`request`], `players` (crate-private), [`run`]: one request, checked once, prepared once;
//!   players include sequence groups (`--groups time|feature|window:K`) and text tokens.
//! - [`batch`]: a whole dataset in parts (Parquet, exact streaming sums, manifest, resume, shards,
//!   merge). `demo` and `src/cli/` (parsing only) sit behind the default `cli` feature.
//!
//! # Invariants
//! - Every φ satisfies efficiency: Σ_j φ_jk = f_k(x) − E f_k(background) (to 1e-5), with the
//!   background the row's own fill under `--mask blur|mean|zero`.
//! - Results depend on `seed` and inputs only: each row has its own generator, and model calls are
//!   cut into blocks and chunks whose sizes do not depend on the thread count.
//! - Non-finite input or model output is an error, never a number in a report.
//! - Files are written atomically (a temporary file beside the target, fsynced, then renamed; a
//!   one-part batch run fsyncs its files together at the end, `atomic::DeferredSync`); an
//!   output folder holds one run, listed in its manifest, written by one process at a time (an OS
//!   lock on `OUT/.lock`), and a run's every check passes before the earlier run is touched.
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
pub use request::{ExplainRequest, GroupsSource, ImageRequest, SequenceGroups, TextRequest};
pub use run::{explain_dataset, explain_dataset_at, run_explain, GivenTables};
