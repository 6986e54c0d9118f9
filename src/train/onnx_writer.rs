//! Writes the trained network as ONNX shaped like tf2onnx's export of the same Keras model:
//! MatMul -> Add -> Relu -> MatMul -> Add -> Softmax with a symbolic batch dimension.

use super::mlp::{History, Mlp};
use crate::atomic::write_bytes_atomic;
use crate::error::Result;
use ndarray::ArrayView;
use prost::Message;
use std::path::Path;
use tract_onnx::pb;
use tract_onnx::pb::tensor_shape_proto::{dimension::Value as Dim, Dimension};

/// Opset the writer targets.
pub const OPSET: i64 = 13;

fn initializer<D: ndarray::Dimension>(name: &str, a: ArrayView<f32, D>) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: a.shape().iter().map(|&d| d as i64).collect(),
        data_type: pb::tensor_proto::DataType::Float as i32,
        raw_data: a.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..Default::default()
    }
}

fn value(name: &str, width: usize) -> pb::ValueInfoProto {
    let dim = |v| Dimension {
        value: Some(v),
        ..Default::default()
    };
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: pb::tensor_proto::DataType::Float as i32,
                shape: Some(pb::TensorShapeProto {
                    dim: vec![
                        dim(Dim::DimParam("N".into())),
                        dim(Dim::DimValue(width as i64)),
                    ],
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn node(op: &str, name: &str, inputs: &[&str], output: &str) -> pb::NodeProto {
    pb::NodeProto {
        op_type: op.into(),
        name: name.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        ..Default::default()
    }
}

/// The network as an ONNX protobuf, with the training recipe in its metadata.
pub fn to_proto(net: &Mlp, history: &History) -> pb::ModelProto {
    let (m, k) = (net.w1.nrows(), net.w2.ncols());
    let graph = pb::GraphProto {
        name: "reference_mlp".into(),
        node: vec![
            node(
                "MatMul",
                "dense/MatMul",
                &["input", "dense/kernel"],
                "dense/MatMul:0",
            ),
            node(
                "Add",
                "dense/BiasAdd",
                &["dense/MatMul:0", "dense/bias"],
                "dense/BiasAdd:0",
            ),
            node("Relu", "dense/Relu", &["dense/BiasAdd:0"], "dense/Relu:0"),
            node(
                "MatMul",
                "dense_1/MatMul",
                &["dense/Relu:0", "dense_1/kernel"],
                "dense_1/MatMul:0",
            ),
            node(
                "Add",
                "dense_1/BiasAdd",
                &["dense_1/MatMul:0", "dense_1/bias"],
                "dense_1/BiasAdd:0",
            ),
            node(
                "Softmax",
                "dense_1/Softmax",
                &["dense_1/BiasAdd:0"],
                "probabilities",
            ),
        ],
        initializer: vec![
            initializer("dense/kernel", net.w1.view()),
            initializer("dense/bias", net.b1.view()),
            initializer("dense_1/kernel", net.w2.view()),
            initializer("dense_1/bias", net.b2.view()),
        ],
        input: vec![value("input", m)],
        output: vec![value("probabilities", k)],
        ..Default::default()
    };
    let o = &history.options;
    let meta = [
        ("recipe", format!(
            "Dense({}, relu, input_dim={m}) -> Dense({k}, softmax); adam(lr={}, beta_1=0.9, beta_2=0.999, epsilon=1e-7); categorical_crossentropy; epochs={} batch_size={} validation_split={} seed={}",
            o.hidden, o.learning_rate, o.epochs, o.batch_size, o.validation_split, o.seed
        )),
        ("final_loss", history.epochs.last().map_or(String::new(), |e| e.loss.to_string())),
        ("final_accuracy", history.epochs.last().map_or(String::new(), |e| e.accuracy.to_string())),
    ];
    pb::ModelProto {
        ir_version: 7,
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: OPSET,
        }],
        producer_name: "onnx-inspector".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        graph: Some(graph),
        metadata_props: meta
            .into_iter()
            .map(|(key, value)| pb::StringStringEntryProto {
                key: key.into(),
                value,
            })
            .collect(),
        ..Default::default()
    }
}

/// Writes the network as an `.onnx` file, atomically.
pub fn write_onnx(path: &Path, net: &Mlp, history: &History) -> Result<()> {
    write_bytes_atomic(path, &to_proto(net, history).encode_to_vec())
}
