//! ONNX models loaded and run by tract: batch re-declaration, cached plans, pooled per-thread states.

use super::outputs::check_output_names;
use super::{DenseHead, FirstLinear, Model};
use crate::error::{Error, Result};
use crate::model::backend::Backend;
use crate::model::engine::Engine;
use crate::model::input_layout::InputLayout;
use crate::model::input_type::InputType;
use crate::model::native::conv_chain::ConvChain;
use crate::model::native::dense::DenseChain;
use crate::model::native::graph::ConvGraph;
#[cfg(feature = "ort")]
use crate::model::ort_engine::OrtEngine;
use crate::model::tract::guard;
use crate::model::tract::optimiser::{self, Pipeline};
use crate::model::tract::proto_info::ModelInfo;
use crate::model::tract::tune::tile_batch_constants;
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tract_onnx::pb;
use tract_onnx::prelude::*;

/// Rows per model call: fixed so that results never depend on the thread count.
pub const CHUNK_ROWS: usize = 1024;

/// Concrete-size plans kept per model before falling back to the symbolic plan.
const MAX_CACHED_PLANS: usize = 32;

type Plan = Arc<TypedSimplePlan>;

/// How the model accepts batches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchMode {
    /// The file declares a symbolic batch dimension.
    Symbolic,
    /// The file declares a fixed batch, re-declared as symbolic because the graph allows it.
    Redeclared { declared: usize },
    /// The graph only runs at this fixed batch size; rows are sent that many at a time.
    Fixed { size: usize },
    /// The file declares a symbolic batch that tract can only type at a concrete size (e.g. the
    /// zero initial state of a Keras LSTM/GRU, shaped from the batch); rows are sent that many
    /// at a time, the last call padded.
    Padded { size: usize },
}

/// Batch size at which a graph that cannot be typed with a symbolic batch is run.
pub const PADDED_BATCH: usize = 256;

impl std::fmt::Display for BatchMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchMode::Symbolic => write!(f, "symbolic batch, {CHUNK_ROWS} rows per call"),
            BatchMode::Redeclared { declared } => write!(
                f,
                "file declares a fixed batch of {declared}; re-declared as symbolic, {CHUNK_ROWS} rows per call"
            ),
            BatchMode::Fixed { size } => write!(
                f,
                "fixed batch of {size} that the graph cannot re-batch: {size} row(s) per call (slow)"
            ),
            BatchMode::Padded { size } => write!(
                f,
                "symbolic batch that tract types only at a concrete size: {size} rows per call, padded"
            ),
        }
    }
}

/// Plans and idle run states for one concrete batch size.
struct SizedPlan {
    plan: Plan,
    idle: Vec<TypedSimpleState>,
}

/// An ONNX model ready for batched inference from many threads.
pub struct OnnxModel {
    path: PathBuf,
    info: ModelInfo,
    row_shape: Vec<usize>,
    n_features: usize,
    output_names: Vec<String>,
    batch_mode: BatchMode,
    /// tract's optimiser pipeline, or the reduced one when a rewrite of tract's fails on the graph.
    pipeline: Pipeline,
    /// Decluttered graph with symbol `batch` as its batch dimension (or the fixed size).
    typed: TypedModel,
    batch_symbol: Option<Symbol>,
    symbolic_plan: Option<Plan>,
    sized: Mutex<HashMap<usize, SizedPlan>>,
    /// The dense chain split after its first linear layer: that layer and the rest of the chain.
    split: Option<(FirstLinear, DenseChain)>,
    /// The engine that runs `predict` in place of tract, chosen among those that match tract on
    /// probe rows (`None`: tract).
    backend: Option<Box<dyn Backend>>,
    /// The engine that runs `predict`.
    engine: Engine,
    /// The graph's inputs and the columns of a data row each one takes.
    layout: InputLayout,
}

impl OnnxModel {
    /// Loads an ONNX file, checks its inputs (float32, int32 or int64, fixed row shapes), and
    /// prepares it for any batch size (engine chosen by [`Engine::Auto`]).
    pub fn load(path: impl AsRef<Path>) -> Result<OnnxModel> {
        Self::load_with(path, Engine::Auto)
    }

    /// Loads an ONNX file to be run by `engine`; an engine asked for by name that is unavailable
    /// or does not match tract on probe rows is an error.
    pub fn load_with(path: impl AsRef<Path>, engine: Engine) -> Result<OnnxModel> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let proto: pb::ModelProto = prost::Message::decode(&bytes[..])
            .map_err(|e| Error::model(path, format!("not a valid ONNX protobuf ({e})")))?;
        let info = ModelInfo::from_proto(&path.display().to_string(), &proto);
        let layout = InputLayout::from_proto(path, &proto)?;
        let declared_batch = layout.declared_batch(path)?;
        let row_shape = layout.row_shape();
        let n_features = layout.width();

        let mut onnx = tract_onnx::onnx().with_ignore_output_shapes(true);
        crate::model::tract::batch_norm::register(&mut onnx.op_register);
        let parsed = guard::tract_result(path, "parsing the graph", || {
            onnx.model_for_proto_model(&proto)
        })?;

        let symbolic = build_typed(path, &parsed, None, &layout);
        let (typed, batch_mode, symbol, pipeline) = match (symbolic, declared_batch) {
            (Ok((t, s, p)), None) => (t, BatchMode::Symbolic, Some(s), p),
            (Ok((t, s, p)), Some(b)) if probe(path, &t, &s, &layout, &p).is_ok() => {
                (t, BatchMode::Redeclared { declared: b }, Some(s), p)
            }
            // E.g. a recurrent layer's initial state built from the batch size: typed at a
            // concrete batch, or the symbolic attempt's error.
            (Err(e), None) => match build_typed(path, &parsed, Some(PADDED_BATCH), &layout) {
                Ok((t, _, p)) => (t, BatchMode::Padded { size: PADDED_BATCH }, None, p),
                Err(_) => return Err(e),
            },
            (_, Some(b)) => {
                let (t, _, p) = build_typed(path, &parsed, Some(b), &layout)?;
                (t, BatchMode::Fixed { size: b }, None, p)
            }
        };
        // The first plan settles the pipeline: later plans reuse it.
        let (first_plan, pipeline) = optimiser::optimize(path, typed.clone(), &pipeline)?;
        let mut sized = HashMap::new();
        let symbolic_plan = match (&symbol, &batch_mode) {
            (Some(_), _) => Some(first_plan),
            (None, BatchMode::Fixed { size } | BatchMode::Padded { size }) => {
                let idle = vec![];
                sized.insert(
                    *size,
                    SizedPlan {
                        plan: first_plan,
                        idle,
                    },
                );
                None
            }
            (None, _) => None,
        };
        let mut model = OnnxModel {
            path: path.to_path_buf(),
            info,
            row_shape,
            n_features,
            output_names: vec![],
            batch_mode,
            pipeline,
            typed,
            batch_symbol: symbol,
            symbolic_plan,
            sized: Mutex::new(sized),
            split: None,
            backend: None,
            engine: Engine::Tract,
            layout,
        };
        // One probe row gives the width of every output.
        let probe_out = model.run_outputs(Array2::zeros((1, n_features)).view())?;
        if probe_out.iter().all(|o| o.ncols() == 0) {
            return Err(Error::model(path, "the graph has no output values"));
        }
        let widths: Vec<usize> = probe_out.iter().map(|o| o.ncols()).collect();
        (model.output_names, model.info.output_naming) =
            match super::class_names::class_names(&proto, &widths) {
                Some(c) => (c.names, Some(c.note)),
                None => (
                    column_names(&proto, &probe_out),
                    Some(super::TENSOR_NAMES_NOTE.into()),
                ),
            };
        model.info.batch_mode = model.batch_mode.to_string();
        model.info.optimiser = model.pipeline.to_string();
        model.info.n_features = n_features;
        model.info.input_columns = model.layout.inputs.iter().map(|i| i.describe()).collect();
        model.info.output_columns = model.output_names.clone();
        let mut notes: Vec<String> = vec![];
        // Verified candidates in order of measured speed (benches/results/engines.md).
        let mut verified: Vec<Box<dyn Backend>> = vec![];
        if matches!(engine, Engine::Auto | Engine::Ort) {
            match model.ort_candidate(&proto) {
                Ok(ort) => verified.push(ort),
                Err(why) => notes.push(format!("ort: {why}")),
            }
        }
        // The native paths run single-input graphs: say why they do not run this one.
        if !model.layout.is_single() {
            let why = format!(
                "the graph has {} inputs; the native engines run single-input graphs",
                model.layout.inputs.len()
            );
            notes.push(format!("dense: {why}"));
            notes.push(format!("conv: {why}"));
        } else if matches!(engine, Engine::Auto | Engine::Dense) {
            match DenseChain::from_proto(&proto, n_features) {
                Some(_) if model.row_shape.len() != 1 => {
                    notes.push("dense: the input is not a flat row".into())
                }
                Some(d) => match model.mismatch(|x| Ok(d.run(x))) {
                    None => {
                        model.split = model.first_layer_split(&d);
                        verified.push(Box::new(d));
                    }
                    Some(why) => notes.push(format!("dense: {why}")),
                },
                None => notes.push("dense: the graph is not a chain of dense layers".into()),
            }
        }
        // Under `auto` the conv path is only probed when nothing faster was found.
        if model.layout.is_single()
            && (engine == Engine::Conv || (engine == Engine::Auto && verified.is_empty()))
        {
            match ConvChain::from_proto(&proto, &model.row_shape) {
                Ok(c) => match model.mismatch(|x| Ok(c.run(x))) {
                    None => verified.push(Box::new(c)),
                    Some(why) => notes.push(format!("conv: {why}")),
                },
                // Graphs (residual, concat, squeeze-excite, depthwise) on the graph form.
                Err(_) => match ConvGraph::from_proto(&proto, &model.row_shape) {
                    Ok(g) => match model.mismatch(|x| Ok(g.run(x))) {
                        None => verified.push(Box::new(g)),
                        Some(why) => notes.push(format!("conv: {why}")),
                    },
                    Err(why) => notes.push(format!("conv: not a CNN the engine runs: {why}")),
                },
            }
        }
        // `auto` takes the fastest verified engine; one asked for by name must be among them.
        model.backend = verified
            .into_iter()
            .find(|b| engine == Engine::Auto || b.engine() == engine);
        model.engine = model.backend.as_ref().map_or(Engine::Tract, |b| b.engine());
        if engine != Engine::Auto && model.engine != engine {
            let why = notes
                .iter()
                .find(|n| n.starts_with(&format!("{}:", engine.name())))
                .map_or("unavailable".to_string(), |n| {
                    n[engine.name().len() + 2..].to_string()
                });
            return Err(Error::model(
                path,
                format!("--engine {engine} cannot run this model: {why}"),
            ));
        }
        model.info.engine = model.engine_description(&notes);
        Ok(model)
    }

    /// The onnxruntime engine, when it builds and matches tract.
    #[cfg(feature = "ort")]
    fn ort_candidate(
        &self,
        proto: &pb::ModelProto,
    ) -> std::result::Result<Box<dyn Backend>, String> {
        if let BatchMode::Fixed { size } = self.batch_mode {
            return Err(format!(
                "the graph is pinned to a batch of {size}; only tract pads such batches"
            ));
        }
        let engine = OrtEngine::new(proto, &self.layout)?;
        match self.mismatch(|x| engine.run(x).map_err(|e| Error::model(&self.path, e))) {
            None => Ok(Box::new(engine)),
            Some(why) => Err(why),
        }
    }

    #[cfg(not(feature = "ort"))]
    fn ort_candidate(
        &self,
        _proto: &pb::ModelProto,
    ) -> std::result::Result<Box<dyn Backend>, String> {
        Err("this build has no onnxruntime engine (rebuild with `--features ort`)".into())
    }

    /// What `info` says about the engine that runs the model.
    fn engine_description(&self, notes: &[String]) -> String {
        let base = self
            .backend
            .as_ref()
            .map_or_else(|| "tract".to_string(), |b| b.describe());
        // Why a faster engine did not run: onnxruntime (in builds that have it), and the conv
        // path on a convolutional model left to tract.
        let has_conv = self.info.ops.contains_key("Conv");
        let several = !self.layout.is_single();
        let skipped: Vec<&str> = notes
            .iter()
            .filter(|n| {
                (n.starts_with("ort:") && self.engine != Engine::Ort && Engine::ort_compiled())
                    || (n.starts_with("conv:") && self.engine == Engine::Tract && has_conv)
                    || (n.starts_with("dense:") && several)
            })
            .map(|n| n.as_str())
            .collect();
        if skipped.is_empty() {
            base
        } else {
            format!("{base}; not used: {}", skipped.join("; "))
        }
    }

    /// Why `run` does not reproduce tract's outputs on deterministic probe rows (`None`: it does,
    /// within 1e-5 of the largest output).
    fn mismatch(&self, run: impl Fn(ArrayView2<f32>) -> Result<Array2<f32>>) -> Option<String> {
        let probe = self
            .layout
            .probe_rows(64, |i, j| (((i * 31 + j * 17) % 97) as f32 / 24.0) - 2.0);
        let reference = match self.run_outputs(probe.view()) {
            Ok(outs) => {
                let views: Vec<_> = outs.iter().map(|o| o.view()).collect();
                match ndarray::concatenate(Axis(1), &views) {
                    Ok(r) => r,
                    Err(e) => return Some(format!("tract outputs: {e}")),
                }
            }
            Err(e) => return Some(format!("tract on probe rows: {e}")),
        };
        let fast = match run(probe.view()) {
            Ok(f) => f,
            Err(e) => return Some(e.to_string()),
        };
        if fast.dim() != reference.dim() {
            return Some(format!(
                "outputs of shape {:?} on probe rows, tract gives {:?}",
                fast.dim(),
                reference.dim()
            ));
        }
        let scale = reference.iter().fold(1.0f32, |m, v| m.max(v.abs()));
        let diff = fast
            .iter()
            .zip(reference.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        (diff > 1e-5 * scale).then(|| {
            format!("differs from tract by {diff:e} on probe rows (largest output {scale:e})")
        })
    }

    /// The dense chain split after its first linear layer, when the split reproduces the chain.
    fn first_layer_split(&self, dense: &DenseChain) -> Option<(FirstLinear, DenseChain)> {
        let split = dense.split_first_linear()?;
        let tail = split.rest;
        let first = FirstLinear::new(split.weights, split.bias)?.after(split.prep);
        self.split_matches(dense, &first, &tail)
            .then_some((first, tail))
    }

    /// Whether the split chain (first layer, then the rest) reproduces the whole chain on probe rows.
    fn split_matches(&self, dense: &DenseChain, first: &FirstLinear, tail: &DenseChain) -> bool {
        let probe = Array2::from_shape_fn((64, self.n_features), |(i, j)| {
            (((i * 13 + j * 29) % 89) as f32 / 22.0) - 2.0
        });
        let whole = dense.run(probe.view());
        let split = tail.run(first.pre_activations(probe.view()).view());
        let scale = whole.iter().fold(1.0f32, |m, v| m.max(v.abs()));
        split.dim() == whole.dim()
            && split
                .iter()
                .zip(whole.iter())
                .all(|(a, b)| (a - b).abs() <= 1e-5 * scale)
    }

    /// The same model always run by tract (no dense or conv fast path, no onnxruntime), e.g. to compare engines.
    pub fn without_fast_path(mut self) -> Self {
        self.split = None;
        self.backend = None;
        self.engine = Engine::Tract;
        self.info.engine = "tract".into();
        self
    }

    /// The engine that runs `predict` (never `Auto`).
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Static description of the file plus how it is run.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Element type of the model's (first) input (integer inputs take whole-number rows).
    pub fn input_type(&self) -> InputType {
        self.layout.inputs[0].dtype
    }

    /// The graph's inputs: name, element type, shape and the columns of a data row each takes.
    pub fn input_layout(&self) -> &InputLayout {
        &self.layout
    }

    /// How batches are sent to the graph.
    pub fn batch_mode(&self) -> &BatchMode {
        &self.batch_mode
    }

    /// The optimiser pipeline that prepared the graph (full, or reduced around failing rewrites).
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Replaces the output column names (e.g. class labels); the count must match.
    pub fn with_output_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.output_names.len() {
            return Err(Error::Mismatch(format!(
                "{}: {} output names given, the model has {} output columns",
                self.path.display(),
                names.len(),
                self.output_names.len()
            )));
        }
        check_output_names(&names)?;
        self.info.output_columns = names.clone();
        self.info.output_naming = None;
        self.output_names = names;
        Ok(self)
    }

    /// Plan for a concrete number of rows, built once and cached.
    fn plan_for(&self, rows: usize) -> Result<Plan> {
        let mut sized = self.sized.lock().expect("plan cache poisoned");
        if let Some(p) = sized.get(&rows) {
            return Ok(p.plan.clone());
        }
        let plan = match &self.batch_symbol {
            Some(_) if sized.len() >= MAX_CACHED_PLANS => {
                return Ok(self.symbolic_plan.clone().expect("symbolic plan"));
            }
            Some(sym) => {
                let subs = HashMap::from([(sym.clone(), TDim::Val(rows as i64))]);
                let mut concrete =
                    guard::tract_result(&self.path, "fixing the batch size", || {
                        self.typed.set_symbols(&subs)
                    })?;
                guard::tract_result(&self.path, "tiling constants to the batch", || {
                    tile_batch_constants(&mut concrete, rows)
                })?;
                self.optimize(concrete)?
            }
            None => self.optimize(self.typed.clone())?,
        };
        sized.insert(
            rows,
            SizedPlan {
                plan: plan.clone(),
                idle: vec![],
            },
        );
        Ok(plan)
    }

    /// A runnable plan for a typed graph, by the pipeline settled at load time.
    fn optimize(&self, typed: TypedModel) -> Result<Plan> {
        optimiser::optimize(&self.path, typed, &self.pipeline).map(|(plan, _)| plan)
    }

    /// Runs one call of exactly `rows.nrows()` rows (the graph's own batch) and returns each output.
    fn run_call(&self, rows: ArrayView2<f32>) -> Result<Vec<Tensor>> {
        let n = rows.nrows();
        let plan = self.plan_for(n)?;
        let key = n;
        let mut state = {
            let mut sized = self.sized.lock().expect("plan cache poisoned");
            match sized.get_mut(&key).and_then(|s| {
                if Arc::ptr_eq(&s.plan, &plan) {
                    s.idle.pop()
                } else {
                    None
                }
            }) {
                Some(st) => st,
                None => guard::tract_result(&self.path, "preparing a run", || plan.spawn())?,
            }
        };
        let inputs = self
            .layout
            .inputs
            .iter()
            .zip(self.layout.split(rows))
            .map(|(spec, part)| {
                let mut shape = vec![n];
                shape.extend_from_slice(&spec.shape);
                let contiguous = part.as_standard_layout();
                let data = contiguous.as_slice().expect("standard layout");
                guard::tract_result(&self.path, "preparing the input", || {
                    let floats = Tensor::from_shape(&shape, data)?;
                    match spec.dtype {
                        InputType::Float32 => Ok(floats.into_tvalue()),
                        // Whole numbers, checked in `predict`.
                        other => Ok(floats
                            .cast_to_dt(other.datum_type())?
                            .into_owned()
                            .into_tvalue()),
                    }
                })
            })
            .collect::<Result<TVec<TValue>>>()?;
        // A panicking run is not put back in the pool: its state may be half-updated.
        let result = guard::tract(&self.path, "running the graph", || state.run(inputs))?;
        // Nor is a state whose operators keep values between runs (a recurrent layer's Scan
        // carries its hidden state into the next run): each call of such a graph starts afresh.
        if state.op_states.iter().all(Option::is_none) {
            let mut sized = self.sized.lock().expect("plan cache poisoned");
            if let Some(s) = sized.get_mut(&key) {
                if Arc::ptr_eq(&s.plan, &plan) {
                    s.idle.push(state);
                }
            }
        }
        let outputs =
            result.map_err(|e| Error::model_caused(&self.path, "running the graph", e))?;
        Ok(outputs.into_iter().map(|v| v.into_tensor()).collect())
    }

    /// Runs any number of rows through the graph (padding fixed batches) and flattens each output.
    fn run_outputs(&self, rows: ArrayView2<f32>) -> Result<Vec<Array2<f32>>> {
        let n = rows.nrows();
        match self.batch_mode {
            BatchMode::Fixed { size } | BatchMode::Padded { size } if n != size => {
                let parts: Vec<Vec<Array2<f32>>> = (0..n.div_ceil(size))
                    .into_par_iter()
                    .map(|c| {
                        let lo = c * size;
                        let hi = (lo + size).min(n);
                        let mut padded = Array2::zeros((size, self.n_features));
                        for (i, r) in (lo..hi).enumerate() {
                            padded.row_mut(i).assign(&rows.row(r));
                        }
                        let outs = self.flatten(self.run_call(padded.view())?, size)?;
                        Ok(outs
                            .into_iter()
                            .map(|o| o.slice_move(ndarray::s![..hi - lo, ..]))
                            .collect())
                    })
                    .collect::<Result<_>>()?;
                Ok(concat_parts(parts))
            }
            _ => {
                let outs = self.run_call(rows)?;
                self.flatten(outs, n)
            }
        }
    }

    /// Reshapes each output tensor to `[rows, width]` as f32.
    fn flatten(&self, outputs: Vec<Tensor>, n: usize) -> Result<Vec<Array2<f32>>> {
        outputs
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let name = self
                    .info
                    .outputs
                    .get(i)
                    .map(|o| o.name.clone())
                    .unwrap_or_else(|| format!("#{i}"));
                if t.rank() == 0 || t.shape()[0] != n {
                    return Err(Error::model(
                        &self.path,
                        format!(
                            "output '{name}' has shape {:?}, expected a first (batch) dimension of {n}",
                            t.shape()
                        ),
                    ));
                }
                let flat = guard::tract(&self.path, "reading the outputs", || {
                    let t = t.cast_to::<f32>()?;
                    let view = t.to_plain_array_view::<f32>()?;
                    TractResult::Ok(view.iter().copied().collect::<Vec<f32>>())
                })?
                .map_err(|e| Error::model_caused(&self.path, format!("output '{name}'"), e))?;
                let width = flat.len().checked_div(n).unwrap_or(0);
                Ok(Array2::from_shape_vec((n, width), flat).expect("output size"))
            })
            .collect()
    }
}

impl Model for OnnxModel {
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn output_names(&self) -> &[String] {
        &self.output_names
    }
    fn row_shape(&self) -> Vec<usize> {
        self.row_shape.clone()
    }
    fn predict(&self, rows: ArrayView2<f32>) -> Result<Array2<f32>> {
        if rows.ncols() != self.n_features {
            return Err(Error::Mismatch(format!(
                "{}: the model takes {} values per row, the data has {}",
                self.path.display(),
                self.n_features,
                rows.ncols()
            )));
        }
        let n = rows.nrows();
        let k = self.output_names.len();
        if n == 0 {
            return Ok(Array2::zeros((0, k)));
        }
        self.layout.check(rows, &self.path)?;
        let chunks: Vec<Array2<f32>> = rows
            .axis_chunks_iter(Axis(0), CHUNK_ROWS)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|chunk| {
                if let Some(b) = &self.backend {
                    return b.run(chunk).map_err(|e| Error::model(&self.path, e));
                }
                let outs = self.run_outputs(chunk)?;
                let views: Vec<_> = outs.iter().map(|o| o.view()).collect();
                ndarray::concatenate(Axis(1), &views)
                    .map_err(|e| Error::model(&self.path, format!("cannot join the outputs: {e}")))
            })
            .collect::<Result<_>>()?;
        let views: Vec<_> = chunks.iter().map(|c| c.view()).collect();
        Ok(ndarray::concatenate(Axis(0), &views).expect("same columns"))
    }
    fn first_linear(&self) -> Option<&FirstLinear> {
        self.split.as_ref().map(|(first, _)| first)
    }
    fn dense_head(&self) -> Option<DenseHead> {
        self.split.as_ref().and_then(|(_, tail)| tail.as_head())
    }
    fn predict_from_linear(&self, pre: ArrayView2<f32>) -> Result<Array2<f32>> {
        let Some((first, tail)) = &self.split else {
            return Err(Error::Mismatch(format!(
                "{}: the model is not run as a dense chain, so it has no first linear layer to \
                 evaluate from",
                self.path.display()
            )));
        };
        if pre.ncols() != first.n_hidden() {
            return Err(Error::Mismatch(format!(
                "{}: the first layer has {} outputs, the pre-activations have {}",
                self.path.display(),
                first.n_hidden(),
                pre.ncols()
            )));
        }
        if pre.nrows() <= CHUNK_ROWS {
            return Ok(tail.run(pre));
        }
        let chunks: Vec<Array2<f32>> = pre
            .axis_chunks_iter(Axis(0), CHUNK_ROWS)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|chunk| tail.run(chunk))
            .collect();
        let views: Vec<_> = chunks.iter().map(|c| c.view()).collect();
        Ok(ndarray::concatenate(Axis(0), &views).expect("same columns"))
    }
}

/// Concatenates per-call outputs row-wise, output by output.
fn concat_parts(parts: Vec<Vec<Array2<f32>>>) -> Vec<Array2<f32>> {
    let n_out = parts.first().map_or(0, |p| p.len());
    (0..n_out)
        .map(|o| {
            let views: Vec<_> = parts.iter().map(|p| p[o].view()).collect();
            ndarray::concatenate(Axis(0), &views).expect("same widths")
        })
        .collect()
}

/// Types and declutters the graph with a symbolic batch (`None`) or a fixed one.
fn build_typed(
    path: &Path,
    parsed: &InferenceModel,
    fixed: Option<usize>,
    layout: &InputLayout,
) -> Result<(TypedModel, Symbol, Pipeline)> {
    let (typed, sym) = guard::tract_result(path, "typing the graph", || {
        let mut m = parsed.clone();
        let sym = m.symbols.sym("batch");
        for (i, spec) in layout.inputs.iter().enumerate() {
            let mut shape: TVec<TDim> =
                tvec![fixed.map_or_else(|| sym.to_dim(), |b| (b as i64).to_dim())];
            shape.extend(spec.shape.iter().map(|&d| (d as i64).to_dim()));
            m.set_input_fact(i, spec.dtype.datum_type().fact(shape).into())?;
        }
        for o in 0..m.output_outlets()?.len() {
            m.set_output_fact(o, InferenceFact::default())?;
        }
        Ok((m.into_typed()?, sym))
    })?;
    let (typed, pipeline) = optimiser::declutter(path, typed)?;
    Ok((typed, sym, pipeline))
}

/// Checks that a re-declared symbolic batch really runs with two rows.
fn probe(
    path: &Path,
    typed: &TypedModel,
    sym: &Symbol,
    layout: &InputLayout,
    pipeline: &Pipeline,
) -> Result<()> {
    let subs = HashMap::from([(sym.clone(), TDim::Val(2))]);
    let concrete = guard::tract_result(path, "fixing the batch size", || typed.set_symbols(&subs))?;
    let (plan, _) = optimiser::optimize(path, concrete, pipeline)?;
    let out = guard::tract_result(path, "running the graph", || {
        let inputs = layout
            .inputs
            .iter()
            .map(|spec| {
                let mut shape = vec![2];
                shape.extend_from_slice(&spec.shape);
                Ok(Tensor::zero_dt(spec.dtype.datum_type(), &shape)?.into_tvalue())
            })
            .collect::<TractResult<TVec<TValue>>>()?;
        plan.run(inputs)
    })?;
    if out.iter().all(|t| t.rank() > 0 && t.shape()[0] == 2) {
        Ok(())
    } else {
        Err(Error::model(path, "outputs do not follow the batch"))
    }
}

/// Column names: the output's name when it has one column, `name[j]` otherwise.
fn column_names(proto: &pb::ModelProto, outs: &[Array2<f32>]) -> Vec<String> {
    let names: Vec<String> = proto
        .graph
        .as_ref()
        .map(|g| g.output.iter().map(|o| o.name.clone()).collect())
        .unwrap_or_default();
    outs.iter()
        .enumerate()
        .flat_map(|(i, o)| {
            let base = names
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("output_{i}"));
            let w = o.ncols();
            (0..w).map(move |j| {
                if w == 1 {
                    base.clone()
                } else {
                    format!("{base}[{j}]")
                }
            })
        })
        .collect()
}
