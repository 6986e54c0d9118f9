//! `.npy` reading: 2-D float32 or float64 arrays, every value finite.

use super::Dataset;
use crate::error::{Error, Result};
use ndarray::{Array2, Ix2};
use std::path::Path;

/// Reads a 2-D `.npy` array of f32 or f64; columns are named `x0, x1, ...`.
pub fn read_npy(path: impl AsRef<Path>) -> Result<Dataset> {
    let path = path.as_ref();
    let open = || std::fs::File::open(path).map_err(|e| Error::io(path, e));
    let values: Array2<f32> = match ndarray_npy::ReadNpyExt::read_npy(open()?) {
        Ok(a) => a,
        Err(_) => {
            let a: ndarray::Array<f64, Ix2> =
                ndarray_npy::ReadNpyExt::read_npy(open()?).map_err(|e| {
                    Error::data(
                        path,
                        format!("expected a 2-D float32 or float64 array ({e})"),
                    )
                })?;
            a.mapv(|v| v as f32)
        }
    };
    if values.nrows() == 0 || values.ncols() == 0 {
        return Err(Error::data(path, "the array is empty"));
    }
    if let Some(((r, c), v)) = values.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::DataCell {
            path: path.to_path_buf(),
            line: r,
            column: c.to_string(),
            msg: format!("value {v} is not finite (row and column counted from 0)"),
        });
    }
    Ok(Dataset {
        feature_names: (0..values.ncols()).map(|j| format!("x{j}")).collect(),
        values,
        source: path.display().to_string(),
    })
}
