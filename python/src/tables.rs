//! numpy tables in: a float32 matrix and its column names become a checked [`Dataset`].

use numpy::PyReadonlyArray2;
use onnx_inspector::data::Dataset;
use onnx_inspector::Error;

/// The rows of `x` (any memory order) named `names` as a dataset called `what` in messages;
/// NaN or infinity is an error naming the row (from 0) and the column.
pub fn dataset(
    x: &PyReadonlyArray2<f32>,
    names: Vec<String>,
    what: &str,
) -> Result<Dataset, Error> {
    let view = x.as_array();
    if names.len() != view.ncols() {
        return Err(Error::data(
            what,
            format!("{} feature names for {} columns", names.len(), view.ncols()),
        ));
    }
    if view.nrows() == 0 {
        return Err(Error::data(what, "no rows"));
    }
    if let Some(((r, c), v)) = view.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::data(
            what,
            format!(
                "row {r}, column '{}': {v} is not a finite number (rows counted from 0; missing values are not supported)",
                names[c]
            ),
        ));
    }
    Ok(Dataset {
        feature_names: names,
        values: view.as_standard_layout().into_owned(),
        source: what.to_string(),
    })
}
