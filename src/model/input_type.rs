//! The element type of a model's input: float32, or integers (such as the ids a Keras
//! `Embedding` looks up), fed from the same f32 rows.

use crate::error::{Error, Result};
use ndarray::ArrayView2;
use std::path::Path;
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::prelude::DatumType;

/// Element type of the model input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputType {
    /// 32-bit floats, passed as they are.
    Float32,
    /// 32-bit integers: every value must be a whole number in range.
    Int32,
    /// 64-bit integers: every value must be a whole number.
    Int64,
}

impl InputType {
    /// The type of an ONNX tensor element type, if the model layer can feed it.
    pub(crate) fn from_onnx(elem: i32) -> Option<InputType> {
        match elem {
            e if e == DataType::Float as i32 => Some(InputType::Float32),
            e if e == DataType::Int32 as i32 => Some(InputType::Int32),
            e if e == DataType::Int64 as i32 => Some(InputType::Int64),
            _ => None,
        }
    }

    /// tract's datum type for this input.
    pub(crate) fn datum_type(self) -> DatumType {
        match self {
            InputType::Float32 => DatumType::F32,
            InputType::Int32 => DatumType::I32,
            InputType::Int64 => DatumType::I64,
        }
    }

    /// Lowercase name, as ONNX tools print it.
    pub fn name(self) -> &'static str {
        match self {
            InputType::Float32 => "float32",
            InputType::Int32 => "int32",
            InputType::Int64 => "int64",
        }
    }

    /// Short name as `info` lists inputs (`float`, `int32`, `int64`).
    pub fn short_name(self) -> &'static str {
        match self {
            InputType::Float32 => "float",
            other => other.name(),
        }
    }

    /// Checks that every value of `rows` is one this input holds exactly (always true for
    /// float32): a perturbed 2.5 sent to an embedding would otherwise be truncated silently.
    /// `rows` are the input's own columns, the first of which is column `first` of a data row.
    pub(crate) fn check(
        self,
        rows: ArrayView2<f32>,
        path: &Path,
        input: &str,
        first: usize,
    ) -> Result<()> {
        let limit = match self {
            InputType::Float32 => return Ok(()),
            InputType::Int32 => i32::MAX as f32,
            // f32 holds every integer up to 2^24 exactly, far beyond any embedding id.
            InputType::Int64 => f32::MAX,
        };
        for (r, row) in rows.outer_iter().enumerate() {
            if let Some((c, v)) = row
                .iter()
                .enumerate()
                .find(|(_, v)| v.fract() != 0.0 || !v.is_finite() || v.abs() > limit)
            {
                return Err(Error::model(
                    path,
                    format!(
                        "input '{input}' takes {} values; row {r} of a model call has {v} in \
                         column {} (with LIME, declare such columns with --categorical)",
                        self.name(),
                        first + c
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn integer_inputs_take_whole_numbers_only() {
        let p = Path::new("m.onnx");
        let ok = array![[0.0f32, 3.0, -2.0]];
        assert!(InputType::Int32.check(ok.view(), p, "x", 0).is_ok());
        let bad = array![[0.0f32, 3.0], [1.0, 2.5]];
        let err = InputType::Int64
            .check(bad.view(), p, "x", 0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("row 1") && err.contains("2.5 in column 1"),
            "{err}"
        );
        assert!(InputType::Float32.check(bad.view(), p, "x", 0).is_ok());
        let nan = array![[f32::NAN]];
        assert!(InputType::Int32.check(nan.view(), p, "x", 0).is_err());
    }
}
