//! A [`Model`] wrapper that keeps only some output columns (lime's `labels`), so every explainer
//! and report sees just the outputs a user asked about.

use super::{DenseHead, FirstLinear, Model};
use crate::error::{Error, Result};
use ndarray::{Array2, ArrayView2, Axis};

/// The chosen output columns of another model, in the order asked for.
pub struct SelectOutputs<'a> {
    inner: &'a dyn Model,
    columns: Vec<usize>,
    names: Vec<String>,
}

impl<'a> SelectOutputs<'a> {
    /// Keeps the outputs named by `labels` (output names or 0-based indices); all when empty.
    pub fn new(inner: &'a dyn Model, labels: &[String]) -> Result<Self> {
        let all = inner.output_names();
        let columns = if labels.is_empty() {
            (0..all.len()).collect()
        } else {
            resolve_names("labels", "output", labels, all)?
        };
        let names = columns.iter().map(|&c| all[c].clone()).collect();
        Ok(SelectOutputs {
            inner,
            columns,
            names,
        })
    }

    /// Indices of the kept outputs in the wrapped model.
    pub fn columns(&self) -> &[usize] {
        &self.columns
    }
}

/// Indices of `specs` among `names` (outputs or features): each a name, or else an index below
/// the count; `param` names the parameter in errors and `what` the kind of name.
pub fn resolve_names(
    param: &'static str,
    what: &str,
    specs: &[String],
    names: &[String],
) -> Result<Vec<usize>> {
    let mut columns = Vec::with_capacity(specs.len());
    for label in specs {
        let label = label.trim();
        let column = names
            .iter()
            .position(|n| n == label)
            .or_else(|| label.parse::<usize>().ok().filter(|&i| i < names.len()))
            .ok_or_else(|| {
                Error::param(
                    param,
                    format!(
                        "'{label}' is neither {} {what} name ({}) nor an index below {}",
                        if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                            "an"
                        } else {
                            "a"
                        },
                        preview(names),
                        names.len()
                    ),
                )
            })?;
        if columns.contains(&column) {
            return Err(Error::param(
                param,
                format!("{what} '{}' is listed twice", names[column]),
            ));
        }
        columns.push(column);
    }
    Ok(columns)
}

/// The first few names, for error messages.
fn preview(names: &[String]) -> String {
    let mut s = names.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 5 {
        s.push_str(", ...");
    }
    s
}

impl Model for SelectOutputs<'_> {
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }
    fn output_names(&self) -> &[String] {
        &self.names
    }
    fn row_shape(&self) -> Vec<usize> {
        self.inner.row_shape()
    }
    fn predict(&self, rows: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.select(self.inner.predict(rows)?)
    }
    fn first_linear(&self) -> Option<&FirstLinear> {
        self.inner.first_linear()
    }
    fn predict_from_linear(&self, pre: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.select(self.inner.predict_from_linear(pre)?)
    }
    fn count_first_layer(&self, elapsed: std::time::Duration) {
        self.inner.count_first_layer(elapsed)
    }
    fn dense_head(&self) -> Option<DenseHead> {
        self.inner.dense_head()?.select(&self.columns)
    }
    fn count_fused(&self, elapsed: std::time::Duration) {
        self.inner.count_fused(elapsed)
    }
}

impl SelectOutputs<'_> {
    /// The kept columns of the wrapped model's outputs.
    fn select(&self, y: Array2<f32>) -> Result<Array2<f32>> {
        if self.columns.len() == y.ncols() && self.columns.iter().enumerate().all(|(i, &c)| i == c)
        {
            return Ok(y);
        }
        Ok(y.select(Axis(1), &self.columns))
    }
}

/// Checks names given to a model's outputs: none empty and no two alike, so that each output
/// is told apart (in the Parquet `output` column and by `labels`).
pub(crate) fn check_output_names(names: &[String]) -> Result<()> {
    if let Some(i) = names.iter().position(|n| n.trim().is_empty()) {
        return Err(Error::param(
            "output_names",
            format!(
                "name {} of {} is empty: every output needs a name",
                i + 1,
                names.len()
            ),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = names.iter().find(|n| !seen.insert(n.as_str())) {
        return Err(Error::param(
            "output_names",
            format!("'{twice}' is given twice: output names must be unique"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FnModel;

    #[test]
    fn keeps_named_or_indexed_outputs_in_order() {
        let m = FnModel::new(2, 3, |x| vec![x[0], x[1], x[0] + x[1]]);
        let s = SelectOutputs::new(&m, &["out_2".into(), "0".into()]).unwrap();
        assert_eq!(s.output_names(), ["out_2", "out_0"]);
        assert_eq!(s.columns(), [2, 0]);
        let y = s.predict(ndarray::array![[1.0f32, 2.0]].view()).unwrap();
        assert_eq!(y, ndarray::array![[3.0f32, 1.0]]);
        let e = SelectOutputs::new(&m, &["7".into()])
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("'7' is neither an output name (out_0, out_1, out_2) nor an index below 3"),
            "{e}"
        );
        assert!(SelectOutputs::new(&m, &["out_0".into(), "0".into()]).is_err());
        assert_eq!(SelectOutputs::new(&m, &[]).unwrap().n_outputs(), 3);
    }

    #[test]
    fn output_names_are_unique_and_not_empty() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_output_names(&names(&["a", "b"])).is_ok());
        let e = check_output_names(&names(&["a", "a", "b"])).unwrap_err();
        assert!(e.to_string().contains("'a' is given twice"), "{e}");
        let e = check_output_names(&names(&["", "", ""])).unwrap_err();
        assert!(e.to_string().contains("name 1 of 3 is empty"), "{e}");
    }
}
