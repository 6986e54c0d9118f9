//! Model outputs checked finite, as every estimator takes them.

use crate::error::{Error, Result};
use crate::model::Model;
use ndarray::{Array2, ArrayBase, ArrayView2, Data, Ix2};

/// Model outputs of `rows` as f64, checked finite.
pub(crate) fn predict_f64(model: &dyn Model, rows: ArrayView2<f32>) -> Result<Array2<f64>> {
    let y = model.predict(rows)?;
    check_finite(&y)?;
    Ok(y.mapv(f64::from))
}

/// Fails when the model produced NaN or infinity.
pub(crate) fn check_finite(pred: &ArrayBase<impl Data<Elem = f32>, Ix2>) -> Result<()> {
    if pred.iter().all(|v| v.is_finite()) {
        return Ok(());
    }
    if let Some(((r, c), v)) = pred.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::NonFinite(format!(
            "output column {c} of model row {r} is {v}"
        )));
    }
    Ok(())
}
