//! Export of a trained network: the ONNX file re-read and checked through the model layer, its
//! training history as JSON and as a chart, and evaluation on labelled files.

use super::mlp::{History, Mlp};
use super::onnx_writer::write_onnx;
use crate::atomic::write_atomic;
use crate::data::{read_labels, Dataset};
use crate::error::{Error, Result};
use crate::model::{Model, OnnxModel};
use ndarray::ArrayView2;
use std::path::{Path, PathBuf};

/// Largest difference allowed between the exported model and the trained network.
pub const EXPORT_TOLERANCE: f32 = 1e-6;

/// The files an export wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The ONNX model.
    pub model: PathBuf,
    /// The per-epoch history (`.history.json`).
    pub history: PathBuf,
}

/// Writes `net` as ONNX to `out`, checks that the file reproduces the network on `check_rows`
/// through the model layer, and writes the history beside it (`.history.json`).
pub fn export(
    out: &Path,
    net: &Mlp,
    history: &History,
    check_rows: ArrayView2<f32>,
) -> Result<Exported> {
    write_onnx(out, net, history)?;
    let model = OnnxModel::load(out)?;
    let reloaded = model.predict(check_rows)?;
    let diff = reloaded
        .iter()
        .zip(net.predict(check_rows).iter())
        .map(|(p, q)| (p - q).abs())
        .fold(0.0f32, f32::max);
    if diff > EXPORT_TOLERANCE {
        return Err(Error::model(
            out,
            format!("the exported model differs from the trained one by {diff}"),
        ));
    }
    let history_path = out.with_extension("history.json");
    write_atomic(&history_path, |w| {
        serde_json::to_writer_pretty(w, history).map_err(std::io::Error::other)
    })?;
    Ok(Exported {
        model: out.to_path_buf(),
        history: history_path,
    })
}

/// Loads rows and their class labels, checking they pair up and fit `width` features.
pub fn load_labelled(
    data: &Path,
    labels: &Path,
    width: Option<usize>,
) -> Result<(Dataset, Vec<usize>)> {
    let rows = Dataset::load(data)?;
    if let Some(m) = width {
        rows.check_width(m, "the data")?;
    }
    let y = read_labels(labels)?;
    if y.len() != rows.n_rows() {
        return Err(Error::data(
            labels,
            format!(
                "{} labels for the {} rows of {}",
                y.len(),
                rows.n_rows(),
                data.display()
            ),
        ));
    }
    Ok((rows, y))
}
