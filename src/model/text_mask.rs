//! Whether a text model hides padding: a Keras `Embedding(mask_zero=True)` exports (tf2onnx) as
//! an `Equal`/`NotEqual` of the input ids (through `Cast`s only) against a constant 0.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::Path;
use tract_onnx::pb;

/// Whether the model at `path` compares its input ids with the constant 0 (a mask of padding
/// id 0), as Keras' `mask_zero=True` embeddings do once exported.
pub fn masks_zero(path: &Path) -> Result<bool> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let proto: pb::ModelProto = prost::Message::decode(&bytes[..])
        .map_err(|e| Error::model(path, format!("not a valid ONNX protobuf ({e})")))?;
    Ok(proto.graph.as_ref().is_some_and(graph_masks_zero))
}

/// Whether `graph` compares its input (through `Cast`s) with a constant 0.
fn graph_masks_zero(graph: &pb::GraphProto) -> bool {
    let mut zeros: Vec<&str> = graph
        .initializer
        .iter()
        .filter(|t| is_zero_scalar(t))
        .map(|t| t.name.as_str())
        .collect();
    let mut cast_of: HashMap<&str, &str> = HashMap::new();
    for n in &graph.node {
        match n.op_type.as_str() {
            "Constant"
                if n.attribute
                    .iter()
                    .any(|a| a.t.as_ref().is_some_and(is_zero_scalar)) =>
            {
                zeros.extend(n.output.iter().map(String::as_str))
            }
            "Cast" | "Identity" if n.input.len() == 1 => {
                for o in &n.output {
                    cast_of.insert(o.as_str(), n.input[0].as_str());
                }
            }
            _ => {}
        }
    }
    let inits: Vec<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let inputs: Vec<&str> = graph
        .input
        .iter()
        .map(|i| i.name.as_str())
        .filter(|n| !inits.contains(n))
        .collect();
    let from_input = |name: &str| {
        let mut name = name;
        loop {
            if inputs.contains(&name) {
                return true;
            }
            match cast_of.get(name) {
                Some(&src) => name = src,
                None => return false,
            }
        }
    };
    graph.node.iter().any(|n| {
        matches!(n.op_type.as_str(), "Equal" | "NotEqual")
            && n.input.len() == 2
            && ((from_input(&n.input[0]) && zeros.contains(&n.input[1].as_str()))
                || (from_input(&n.input[1]) && zeros.contains(&n.input[0].as_str())))
    })
}

/// Whether `t` holds one value (a scalar or `[1]`), and it is 0.
fn is_zero_scalar(t: &pb::TensorProto) -> bool {
    if t.dims.iter().product::<i64>() != 1 {
        return false;
    }
    let values = t.raw_data.len()
        + t.float_data.len()
        + t.int32_data.len()
        + t.int64_data.len()
        + t.double_data.len();
    values > 0
        && t.raw_data.iter().all(|&b| b == 0)
        && t.float_data.iter().all(|&v| v == 0.0)
        && t.int32_data.iter().all(|&v| v == 0)
        && t.int64_data.iter().all(|&v| v == 0)
        && t.double_data.iter().all(|&v| v == 0.0)
}

#[cfg(test)]
mod tests {
    use super::masks_zero;
    use std::path::Path;

    #[test]
    fn keras_mask_zero_is_found_and_other_models_have_none() {
        assert!(masks_zero(Path::new("models/text_sentiment.onnx")).unwrap());
        assert!(!masks_zero(Path::new("models/breast_cancer.onnx")).unwrap());
        assert!(!masks_zero(Path::new("models/lstm_digits8.onnx")).unwrap());
    }
}
