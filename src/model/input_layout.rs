//! Where each graph input sits in a data row: a row is every input's flattened values side by
//! side, in the graph's input order.

use crate::data::{column_words, RowWidth};
use crate::error::{Error, Result};
use crate::model::input_type::InputType;
use crate::model::tract::proto_info::{elem_type_name, value_dims};
use ndarray::{s, Array2, ArrayView2};
use serde::Serialize;
use std::ops::Range;
use std::path::Path;
use tract_onnx::pb;

/// Largest input row accepted (values), so a malformed shape cannot ask for a huge allocation.
const MAX_ROW_VALUES: usize = 1 << 24;

/// One graph input: its name, element type, shape and the columns of a data row it takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputSpec {
    /// Tensor name as in the file.
    pub name: String,
    /// Element type fed to the graph.
    pub dtype: InputType,
    /// Shape of one row of this input (the batch dimension left out).
    pub shape: Vec<usize>,
    /// The batch size the file declares, `None` when symbolic.
    #[serde(skip)]
    pub declared_batch: Option<usize>,
    /// Columns of a data row holding this input's flattened values.
    pub columns: Range<usize>,
}

impl InputSpec {
    /// Number of values one row of this input holds.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// `cat: int32 [N,1] -> column 9`, as `info` prints it.
    pub fn describe(&self) -> String {
        let dims: Vec<String> = std::iter::once("N".to_string())
            .chain(self.shape.iter().map(|d| d.to_string()))
            .collect();
        format!(
            "{}: {} [{}] -> {}",
            self.name,
            self.dtype.short_name(),
            dims.join(","),
            column_words(&self.columns)
        )
    }
}

/// Every graph input of a model and where its values sit in a data row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputLayout {
    /// The inputs in the graph's order; their column ranges tile the row.
    pub inputs: Vec<InputSpec>,
}

impl InputLayout {
    /// The inputs a file declares (initializers excluded), each with a batch dimension first
    /// and fixed row dimensions, of a type the model layer feeds.
    pub fn from_proto(path: &Path, proto: &pb::ModelProto) -> Result<InputLayout> {
        let graph = proto
            .graph
            .as_ref()
            .ok_or_else(|| Error::model(path, "the file holds no graph"))?;
        let inits: std::collections::HashSet<&str> =
            graph.initializer.iter().map(|t| t.name.as_str()).collect();
        let mut inputs = vec![];
        let mut start = 0usize;
        for v in graph
            .input
            .iter()
            .filter(|i| !inits.contains(i.name.as_str()))
        {
            let elem = match v.r#type.as_ref().and_then(|t| t.value.as_ref()) {
                Some(pb::type_proto::Value::TensorType(t)) => t.elem_type,
                None => 0,
            };
            let dtype = InputType::from_onnx(elem).ok_or_else(|| {
                Error::model(
                    path,
                    format!(
                        "input '{}' is of type {}; only float32, int32 and int64 inputs are \
                         supported",
                        v.name,
                        elem_type_name(elem)
                    ),
                )
            })?;
            let dims = value_dims(v).unwrap_or_default();
            let (declared_batch, shape) = split_batch(path, &v.name, &dims)?;
            let width = shape
                .iter()
                .try_fold(1usize, |n, &d| n.checked_mul(d))
                .and_then(|w| w.checked_add(start).map(|end| (w, end)))
                .filter(|&(_, end)| end <= MAX_ROW_VALUES)
                .map(|(w, _)| w)
                .ok_or_else(|| {
                    Error::model(
                        path,
                        format!(
                            "input '{}' rows of shape {shape:?} take the row past \
                             {MAX_ROW_VALUES} values",
                            v.name
                        ),
                    )
                })?;
            inputs.push(InputSpec {
                name: v.name.clone(),
                dtype,
                shape,
                declared_batch,
                columns: start..start + width,
            });
            start += width;
        }
        if inputs.is_empty() {
            return Err(Error::model(path, "the graph has no input"));
        }
        let layout = InputLayout { inputs };
        layout.declared_batch(path)?;
        Ok(layout)
    }

    /// Width of a data row: every input's values.
    pub fn width(&self) -> usize {
        self.inputs.last().map_or(0, |i| i.columns.end)
    }

    /// Whether the graph has one input.
    pub fn is_single(&self) -> bool {
        self.inputs.len() == 1
    }

    /// The input a column belongs to.
    pub fn input_of(&self, column: usize) -> Option<&InputSpec> {
        self.inputs.iter().find(|i| i.columns.contains(&column))
    }

    /// One data row's shape as the model sees it: the input's own shape when there is one
    /// input, else the flat row (`[width]`).
    pub fn row_shape(&self) -> Vec<usize> {
        match self.inputs.as_slice() {
            [one] => one.shape.clone(),
            _ => vec![self.width()],
        }
    }

    /// The fixed batch the file declares (every input must agree), `None` when symbolic.
    pub(crate) fn declared_batch(&self, path: &Path) -> Result<Option<usize>> {
        let first = self.inputs[0].declared_batch;
        match self.inputs.iter().find(|i| i.declared_batch != first) {
            None => Ok(first),
            Some(other) => Err(Error::model(
                path,
                format!(
                    "inputs '{}' and '{}' declare different batch sizes ({} and {})",
                    self.inputs[0].name,
                    other.name,
                    batch_words(first),
                    batch_words(other.declared_batch)
                ),
            )),
        }
    }

    /// Each input's columns of `rows`, as the rows of that input (still f32).
    pub(crate) fn split<'a>(&self, rows: ArrayView2<'a, f32>) -> Vec<ArrayView2<'a, f32>> {
        self.inputs
            .iter()
            .map(|i| rows.slice_move(s![.., i.columns.clone()]))
            .collect()
    }

    /// Checks that integer inputs get whole numbers, naming the input and the row's column.
    pub(crate) fn check(&self, rows: ArrayView2<f32>, path: &Path) -> Result<()> {
        for (spec, part) in self.inputs.iter().zip(self.split(rows)) {
            spec.dtype
                .check(part, path, &spec.name, spec.columns.start)?;
        }
        Ok(())
    }

    /// Deterministic probe rows on which engines are compared: spread floats, and ids 0 and 1
    /// (which every lookup table holds) in integer columns.
    pub(crate) fn probe_rows(&self, n: usize, float: impl Fn(usize, usize) -> f32) -> Array2<f32> {
        let mut probe = Array2::zeros((n, self.width()));
        for spec in &self.inputs {
            for j in spec.columns.clone() {
                for i in 0..n {
                    probe[(i, j)] = match spec.dtype {
                        InputType::Float32 => float(i, j),
                        _ => ((i + j) % 2) as f32,
                    };
                }
            }
        }
        probe
    }

    /// The row width with each input's name and columns, for messages about tables that do
    /// not fit (no parts when there is one input).
    pub fn row_width(&self) -> RowWidth {
        RowWidth {
            n: self.width(),
            parts: match self.is_single() {
                true => vec![],
                false => self
                    .inputs
                    .iter()
                    .map(|i| (i.name.clone(), i.columns.clone()))
                    .collect(),
            },
        }
    }

    /// `names` of a table, or with several inputs and a table without a header (the `.npy`
    /// names `x0`, `x1`, ...), each input's own [`InputLayout::default_names`].
    pub fn name_columns(&self, names: Vec<String>) -> Vec<String> {
        let headerless = names.iter().enumerate().all(|(j, n)| *n == format!("x{j}"));
        match !self.is_single() && headerless && names.len() == self.width() {
            true => self.default_names(),
            false => names,
        }
    }

    /// Default feature names for a table without a header: `<input>_<i>` per input column
    /// (the input's own name when it has one value).
    pub fn default_names(&self) -> Vec<String> {
        self.inputs
            .iter()
            .flat_map(|i| {
                let w = i.width();
                (0..w).map(move |k| match w {
                    1 => i.name.clone(),
                    _ => format!("{}_{k}", i.name),
                })
            })
            .collect()
    }
}

/// `fixed 8` or `symbolic`.
fn batch_words(b: Option<usize>) -> String {
    b.map_or_else(|| "symbolic".into(), |b| format!("fixed {b}"))
}

/// Splits declared input dims into (fixed batch if any, concrete row shape).
fn split_batch(path: &Path, name: &str, dims: &[String]) -> Result<(Option<usize>, Vec<usize>)> {
    if dims.len() < 2 {
        return Err(Error::model(
            path,
            format!(
                "input '{name}' has shape [{}]; expected a batch dimension followed by the row's dimensions",
                dims.join(", ")
            ),
        ));
    }
    let declared = dims[0]
        .parse::<i64>()
        .ok()
        .filter(|&b| b > 0)
        .map(|b| b as usize);
    let row = dims[1..]
        .iter()
        .enumerate()
        .map(|(i, d)| {
            d.parse::<usize>().ok().filter(|&v| v > 0).ok_or_else(|| {
                Error::model(
                    path,
                    format!(
                        "input '{name}' dimension {} is '{d}'; only the batch dimension may be symbolic",
                        i + 1
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((declared, row))
}
