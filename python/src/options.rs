//! Python keyword options into the library's [`ExplainRequest`], with the CLI's names and
//! defaults; an unknown keyword or value is a `ValueError` naming it.

use onnx_inspector::data::image::{ImageShape, MaskFill};
use onnx_inspector::explain::{Discretizer, Estimator, LimeParams, ShapMethod, ShapParams};
use onnx_inspector::{ExplainRequest, GroupsSource};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde::de::DeserializeOwned;
use std::path::PathBuf;

/// Every keyword [`request`] understands.
const KEYS: &[&str] = &[
    "method",
    "samples",
    "seed",
    "threads",
    "labels",
    "groups",
    "patch",
    "superpixels",
    "compactness",
    "mask",
    "image_shape",
    "tolerance",
    "se_target",
    "sampling",
    "block_rows",
    "incremental",
    "num_features",
    "discretizer",
    "kernel_width",
    "feature_selection",
    "sample_around_instance",
    "categorical",
    "background_size",
];

/// A value of a library enum from its name as the CLI spells it (`leverage`, `lasso-path`...).
fn named<T: DeserializeOwned>(key: &str, value: &str, choices: &str) -> PyResult<T> {
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map_err(|_| PyValueError::new_err(format!("{key}: '{value}' is not one of {choices}")))
}

/// A list of names or 0-based indices, as strings the library resolves.
fn names_or_indices(v: &Bound<PyAny>, key: &str) -> PyResult<Vec<String>> {
    if v.is_instance_of::<PyString>() {
        return Ok(vec![v.extract()?]);
    }
    let mut out = vec![];
    for item in v.try_iter()? {
        let item = item?;
        out.push(match item.extract::<String>() {
            Ok(s) => s,
            Err(_) => item
                .extract::<usize>()
                .map_err(|_| {
                    PyValueError::new_err(format!(
                        "{key}: expected feature names or indices, got {item}"
                    ))
                })?
                .to_string(),
        });
    }
    Ok(out)
}

/// Feature groups: a JSON file path, `"inputs"` (one player per graph input), or
/// `{"name": [features]}` in order.
fn groups(v: &Bound<PyAny>) -> PyResult<GroupsSource> {
    if let Ok(path) = v.extract::<PathBuf>() {
        if path.to_str() == Some("inputs") {
            return Ok(GroupsSource::Inputs);
        }
        if !v.is_instance_of::<PyDict>() {
            return Ok(GroupsSource::File(path));
        }
    }
    let dict = v.cast::<PyDict>().map_err(|_| {
        PyValueError::new_err("groups: expected a dict {name: [features]} or a JSON file path")
    })?;
    dict.iter()
        .map(|(k, v)| Ok((k.extract::<String>()?, names_or_indices(&v, "groups")?)))
        .collect::<PyResult<Vec<_>>>()
        .map(GroupsSource::Named)
}

/// Typed access to the keyword dict.
struct Keywords<'a, 'py>(&'a Bound<'py, PyDict>);

impl<'py> Keywords<'_, 'py> {
    /// The value of `key`, `None` when absent or `None`.
    fn get<T: FromPyObjectOwned<'py>>(&self, key: &str) -> PyResult<Option<T>> {
        match self.0.get_item(key)? {
            Some(v) if !v.is_none() => v.extract::<T>().map(Some).map_err(|e| {
                let e: PyErr = e.into();
                PyValueError::new_err(format!("{key}: {}", e.value(self.0.py())))
            }),
            _ => Ok(None),
        }
    }

    /// The raw value of `key`, `None` when absent or `None`.
    fn raw(&self, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(self.0.get_item(key)?.filter(|v| !v.is_none()))
    }
}

/// The request for `model_path` and data labelled `data_label`, from the options `kw`.
pub fn request(
    model_path: PathBuf,
    data_label: &str,
    kw: &Bound<PyDict>,
) -> PyResult<ExplainRequest> {
    for key in kw.keys() {
        let key: String = key.extract()?;
        if !KEYS.contains(&key.as_str()) {
            return Err(PyValueError::new_err(format!(
                "unknown option '{key}' (options: {})",
                KEYS.join(", ")
            )));
        }
    }
    let k = Keywords(kw);
    let method: String = k.get("method")?.unwrap_or_else(|| "auto".into());
    let image_shape = match k.raw("image_shape")? {
        None => None,
        Some(v) => Some(match v.extract::<(usize, usize, usize)>() {
            Ok((h, w, c)) => format!("{h}x{w}x{c}"),
            Err(_) => v.extract::<String>()?,
        }),
    };
    let image_shape: Option<ImageShape> = image_shape
        .map(|s| {
            s.parse()
                .map_err(|e: onnx_inspector::Error| PyValueError::new_err(e.to_string()))
        })
        .transpose()?;
    let mask: MaskFill = k
        .get::<String>("mask")?
        .unwrap_or_else(|| "background".into())
        .parse()
        .map_err(|e: onnx_inspector::Error| PyValueError::new_err(format!("mask: {e}")))?;
    let mut req = ExplainRequest::new(
        model_path,
        data_label,
        Estimator::Shap(ShapParams::default()),
    );
    req.threads = k.get("threads")?.unwrap_or(0);
    req.background_size = k
        .get("background_size")?
        .unwrap_or(ExplainRequest::DEFAULT_BACKGROUND_SIZE);
    if let Some(v) = k.raw("labels")? {
        req.labels = names_or_indices(&v, "labels")?;
    }
    if let Some(v) = k.raw("categorical")? {
        req.categorical = names_or_indices(&v, "categorical")?;
    }
    req.groups = k.raw("groups")?.map(|v| groups(&v)).transpose()?;
    req.image.shape = image_shape;
    req.image.patch = k.get("patch")?;
    req.image.superpixels = k.get("superpixels")?;
    req.image.compactness = k.get("compactness")?;
    req.image.fill = mask;
    req.estimator = estimator(&method, &k, req.switched_players())?;
    Ok(req)
}

/// The estimator for `method` (`auto`, `exact`, `kernel`, `permutation`, `partition`, `lime`).
fn estimator(method: &str, k: &Keywords, switched: bool) -> PyResult<Estimator> {
    let samples: Option<usize> = k.get("samples")?;
    let seed: u64 = k.get("seed")?.unwrap_or(0);
    if method != "lime" {
        let d = ShapParams::default();
        return Ok(Estimator::Shap(ShapParams {
            method: named::<ShapMethod>(
                "method",
                method,
                "auto, exact, kernel, permutation, partition, lime",
            )?,
            samples,
            seed,
            tolerance: k.get("tolerance")?,
            se_target: k.get("se_target")?,
            sampling: match k.get::<String>("sampling")? {
                Some(s) => named("sampling", &s, "leverage, kernel")?,
                None => d.sampling,
            },
            block_rows: k.get("block_rows")?.unwrap_or(d.block_rows),
            incremental: k.get("incremental")?.unwrap_or(d.incremental),
            // Interaction values are not yet carried into the Python result.
            interactions: false,
        }));
    }
    if k.get::<f64>("tolerance")?.is_some() {
        return Err(PyValueError::new_err(
            onnx_inspector::explain::Method::Lime
                .tolerance_error()
                .to_string(),
        ));
    }
    let defaults = LimeParams::defaults_for(switched);
    Ok(Estimator::Lime(LimeParams {
        num_samples: samples.unwrap_or(defaults.num_samples),
        num_features: k.get("num_features")?.unwrap_or(defaults.num_features),
        discretizer: match k.get::<String>("discretizer")? {
            Some(s) => named::<Discretizer>("discretizer", &s, "quartile, decile, none")?,
            None => defaults.discretizer,
        },
        kernel_width: k.get("kernel_width")?,
        selection: match k.get::<String>("feature_selection")? {
            Some(s) => named(
                "feature_selection",
                &s,
                "auto, forward, highest-weights, lasso-path, none",
            )?,
            None => defaults.selection,
        },
        sample_around_instance: k.get("sample_around_instance")?.unwrap_or(false),
        seed,
        ..defaults
    }))
}
