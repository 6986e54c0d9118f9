//! The optional onnxruntime engine (cargo feature `ort`): single-threaded sessions pooled across
//! rayon workers, with the library loaded at run time from `ORT_DYLIB_PATH` or a pip install.

use crate::model::input_layout::InputLayout;
use crate::model::input_type::InputType;
use ndarray::{Array2, ArrayView2};
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::session::SessionInputValue;
use ort::value::{Tensor, TensorRef};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use tract_onnx::pb;
use tract_onnx::pb::tensor_shape_proto::dimension::Value as DimValue;

/// The loaded library: its path and version, or why it could not be loaded (one line).
static RUNTIME: OnceLock<Result<(PathBuf, String), String>> = OnceLock::new();

/// Keeps the process-wide onnxruntime environment alive.
static ENVIRONMENT: OnceLock<ort::environment::Environment> = OnceLock::new();

/// Finds `libonnxruntime.so`: `ORT_DYLIB_PATH`, else the one a pip-installed `onnxruntime` ships.
pub fn find_library() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "ORT_DYLIB_PATH={} is not a file; point it at libonnxruntime.so",
                p.display()
            ))
        };
    }
    let mut pythons: Vec<PathBuf> = vec![];
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
        pythons.push(Path::new(&venv).join("bin").join("python"));
    }
    pythons.push("python3".into());
    let script = "import importlib.util as u; s = u.find_spec('onnxruntime'); \
                  print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')";
    for py in &pythons {
        let Ok(out) = Command::new(py).args(["-c", script]).output() else {
            continue;
        };
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if dir.is_empty() {
            continue;
        }
        if let Some(lib) = library_in(&Path::new(&dir).join("capi")) {
            return Ok(lib);
        }
    }
    Err("onnxruntime library not found: set ORT_DYLIB_PATH to libonnxruntime.so, or `pip install onnxruntime` for the python3 on PATH".into())
}

/// The `libonnxruntime.so*` in a directory (not the providers' shared library).
fn library_in(dir: &Path) -> Option<PathBuf> {
    let mut libs: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libonnxruntime.so"))
        })
        .collect();
    libs.sort();
    libs.pop()
}

/// Loads the library once per process; later calls return the same outcome.
pub fn runtime() -> Result<&'static (PathBuf, String), String> {
    RUNTIME
        .get_or_init(|| {
            let lib = find_library()?;
            let builder = ort::init_from(&lib)
                .map_err(|e| format!("loading onnxruntime from {}: {e}", lib.display()))?;
            let env = builder
                .with_name("onnx-inspector")
                .build()
                .map_err(|e| format!("onnxruntime environment: {e}"))?;
            let _ = ENVIRONMENT.set(env);
            // pip's wheel names the library libonnxruntime.so.<version>.
            let version = lib
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.split_once(".so."))
                .map_or_else(String::new, |(_, v)| format!("{v} "));
            Ok((lib, version))
        })
        .as_ref()
        .map_err(|e| e.clone())
}

/// A model run by onnxruntime, one single-threaded session per concurrent caller.
pub struct OrtEngine {
    /// Model bytes (with a symbolic batch) from which new sessions are built.
    bytes: Vec<u8>,
    /// The graph's inputs, each fed its columns of a row.
    layout: InputLayout,
    idle: Mutex<Vec<Session>>,
    /// Library path and version, for `info`.
    pub library: String,
}

impl OrtEngine {
    /// Prepares `proto` for onnxruntime with a symbolic batch dimension on every input, and
    /// builds a first session.
    pub fn new(proto: &pb::ModelProto, layout: &InputLayout) -> Result<OrtEngine, String> {
        let (lib, version) = runtime()?;
        let engine = OrtEngine {
            bytes: prost::Message::encode_to_vec(&with_symbolic_batch(proto, layout)),
            layout: layout.clone(),
            idle: Mutex::new(vec![]),
            library: format!("onnxruntime {version}({})", lib.display()),
        };
        let first = engine.session()?;
        engine
            .idle
            .lock()
            .expect("session pool poisoned")
            .push(first);
        Ok(engine)
    }

    /// A new single-threaded session (intra- and inter-op threads 1, sequential execution).
    fn session(&self) -> Result<Session, String> {
        let env = ENVIRONMENT
            .get()
            .ok_or("the onnxruntime environment is not initialised")?;
        Session::builder(env)
            .map_err(options)?
            .with_intra_threads(1)
            .map_err(options)?
            .with_inter_threads(1)
            .map_err(options)?
            .with_parallel_execution(false)
            .map_err(options)?
            .with_optimization_level(GraphOptimizationLevel::All)
            .map_err(options)?
            .commit_from_memory(&self.bytes)
            .map_err(|e| format!("onnxruntime cannot load the graph: {e}"))
    }

    /// Runs rows in one call and returns every output flattened per row, side by side.
    pub fn run(&self, rows: ArrayView2<f32>) -> Result<Array2<f32>, String> {
        let n = rows.nrows();
        let pooled = self.idle.lock().expect("session pool poisoned").pop();
        let mut session = match pooled {
            Some(s) => s,
            None => self.session()?,
        };
        let result = self.run_with(&mut session, rows);
        self.idle
            .lock()
            .expect("session pool poisoned")
            .push(session);
        let parts = result?;
        let width: usize = parts.iter().map(|p| p.len() / n.max(1)).sum();
        let mut out = Array2::zeros((n, width));
        let mut col = 0;
        for p in &parts {
            let w = p.len() / n.max(1);
            for (i, mut row) in out.outer_iter_mut().enumerate() {
                row.as_slice_mut().expect("standard layout")[col..col + w]
                    .copy_from_slice(&p[i * w..(i + 1) * w]);
            }
            col += w;
        }
        Ok(out)
    }

    /// One `Session::run` on `rows`; each output as a flat vector of `rows * width` floats.
    fn run_with(
        &self,
        session: &mut Session,
        rows: ArrayView2<f32>,
    ) -> Result<Vec<Vec<f32>>, String> {
        let n = rows.nrows();
        let parts: Vec<_> = self
            .layout
            .split(rows)
            .into_iter()
            .map(|p| p.as_standard_layout().into_owned())
            .collect();
        let mut inputs: Vec<(Cow<str>, SessionInputValue)> = vec![];
        for (spec, part) in self.layout.inputs.iter().zip(&parts) {
            let mut shape = vec![n];
            shape.extend_from_slice(&spec.shape);
            let data = part.as_slice().expect("standard layout");
            let err = |e: ort::Error| format!("onnxruntime input '{}': {e}", spec.name);
            // Integer inputs hold whole numbers (checked in `predict`), cast exactly.
            let value: SessionInputValue = match spec.dtype {
                InputType::Float32 => TensorRef::from_array_view((shape, data))
                    .map_err(err)?
                    .into(),
                InputType::Int32 => {
                    let ids: Vec<i32> = data.iter().map(|&v| v as i32).collect();
                    Tensor::from_array((shape, ids)).map_err(err)?.into()
                }
                InputType::Int64 => {
                    let ids: Vec<i64> = data.iter().map(|&v| v as i64).collect();
                    Tensor::from_array((shape, ids)).map_err(err)?.into()
                }
            };
            inputs.push((Cow::from(spec.name.as_str()), value));
        }
        let outputs = session
            .run(inputs)
            .map_err(|e| format!("onnxruntime run: {e}"))?;
        let mut parts = vec![];
        for (name, value) in outputs.iter() {
            let (oshape, values) = value
                .try_extract_tensor::<f32>()
                .map_err(|e| format!("onnxruntime output '{name}': {e}"))?;
            if oshape.first().copied() != Some(n as i64) {
                return Err(format!(
                    "onnxruntime output '{name}' has shape {oshape:?}, expected a first (batch) dimension of {n}"
                ));
            }
            parts.push(values.to_vec());
        }
        Ok(parts)
    }
}

/// A session option that onnxruntime refused, as one line.
fn options<T>(e: ort::Error<T>) -> String {
    format!("onnxruntime session options: {e}")
}

/// A copy of the graph whose inputs (and outputs) take any batch size: onnxruntime checks inputs
/// against declared dimensions, so a fixed batch declared by the file is made symbolic.
fn with_symbolic_batch(proto: &pb::ModelProto, layout: &InputLayout) -> pb::ModelProto {
    let mut proto = proto.clone();
    if let Some(g) = proto.graph.as_mut() {
        let batch = |v: &mut pb::ValueInfoProto| {
            if let Some(pb::type_proto::Value::TensorType(t)) =
                v.r#type.as_mut().and_then(|t| t.value.as_mut())
            {
                if let Some(d) = t.shape.as_mut().and_then(|s| s.dim.first_mut()) {
                    d.value = Some(DimValue::DimParam("batch".into()));
                }
            }
        };
        g.input
            .iter_mut()
            .filter(|v| layout.inputs.iter().any(|i| i.name == v.name))
            .for_each(batch);
        g.output.iter_mut().for_each(batch);
    }
    proto
}
