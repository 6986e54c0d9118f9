//! A fast path for the most common Keras export: a chain of dense layers
//! (MatMul/Gemm, Add, Relu/Sigmoid/Tanh/Softmax), run as sgemm calls instead of a tract plan.
//! It is only used when it reproduces tract's output on probe rows.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use std::collections::HashMap;
use tract_onnx::pb;

/// One step of the chain.
#[derive(Debug, Clone)]
enum Step {
    /// h ← h · W (W is [in, out]).
    MatMul(Array2<f32>),
    /// h ← h + b (broadcast over rows).
    Bias(Array1<f32>),
    Relu,
    Sigmoid,
    Tanh,
    Softmax,
}

/// A dense network read from an ONNX graph.
#[derive(Debug, Clone)]
pub struct DenseChain {
    steps: Vec<Step>,
}

fn float_tensor(t: &pb::TensorProto) -> Option<(Vec<usize>, Vec<f32>)> {
    if t.data_type != pb::tensor_proto::DataType::Float as i32 || !t.external_data.is_empty() {
        return None;
    }
    let dims: Vec<usize> = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).ok())
        .collect::<Option<_>>()?;
    let n: usize = dims.iter().product();
    let data: Vec<f32> = if !t.raw_data.is_empty() {
        t.raw_data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    } else {
        t.float_data.clone()
    };
    (data.len() == n).then_some((dims, data))
}

fn attr_i(node: &pb::NodeProto, name: &str, default: i64) -> i64 {
    node.attribute
        .iter()
        .find(|a| a.name == name)
        .map_or(default, |a| a.i)
}

fn attr_f(node: &pb::NodeProto, name: &str, default: f32) -> f32 {
    node.attribute
        .iter()
        .find(|a| a.name == name)
        .map_or(default, |a| a.f)
}

impl DenseChain {
    /// Reads the graph as a dense chain from a flat input of `n_in` values, if it is one.
    pub fn from_proto(proto: &pb::ModelProto, n_in: usize) -> Option<DenseChain> {
        let graph = proto.graph.as_ref()?;
        if graph.output.len() != 1 {
            return None;
        }
        let inits: HashMap<&str, &pb::TensorProto> = graph
            .initializer
            .iter()
            .map(|t| (t.name.as_str(), t))
            .collect();
        let input = graph
            .input
            .iter()
            .find(|i| !inits.contains_key(i.name.as_str()))?;
        let mut current = input.name.clone();
        let mut width = n_in;
        let mut steps = vec![];
        for node in &graph.node {
            let data: Vec<&str> = node
                .input
                .iter()
                .filter(|i| !i.is_empty() && !inits.contains_key(i.as_str()))
                .map(String::as_str)
                .collect();
            if data != [current.as_str()] || node.output.len() != 1 || !node.domain.is_empty() {
                return None;
            }
            let init = |pos: usize| node.input.get(pos).and_then(|n| inits.get(n.as_str()));
            let matrix = |(dims, v): (Vec<usize>, Vec<f32>)| -> Option<Array2<f32>> {
                (dims.len() == 2).then(|| Array2::from_shape_vec((dims[0], dims[1]), v).ok())?
            };
            let bias = |t: &pb::TensorProto, width: usize| -> Option<Array1<f32>> {
                let (dims, v) = float_tensor(t)?;
                let ok = dims.iter().product::<usize>() == width
                    && dims.iter().rev().skip(1).all(|&d| d == 1);
                ok.then(|| Array1::from(v))
            };
            match node.op_type.as_str() {
                "MatMul" if node.input[0] == current => {
                    let w = matrix(float_tensor(init(1)?)?)?;
                    if w.nrows() != width {
                        return None;
                    }
                    width = w.ncols();
                    steps.push(Step::MatMul(w));
                }
                "Add" => {
                    let other = node.input.iter().find(|i| **i != current)?;
                    steps.push(Step::Bias(bias(inits.get(other.as_str())?, width)?));
                }
                "Gemm" if node.input[0] == current && attr_i(node, "transA", 0) == 0 => {
                    let mut w = matrix(float_tensor(init(1)?)?)?;
                    if attr_i(node, "transB", 0) == 1 {
                        w = w.reversed_axes().as_standard_layout().to_owned();
                    }
                    if w.nrows() != width {
                        return None;
                    }
                    width = w.ncols();
                    steps.push(Step::MatMul(w * attr_f(node, "alpha", 1.0)));
                    if let Some(c) = init(2) {
                        steps.push(Step::Bias(bias(c, width)? * attr_f(node, "beta", 1.0)));
                    }
                }
                "Relu" => steps.push(Step::Relu),
                "Sigmoid" => steps.push(Step::Sigmoid),
                "Tanh" => steps.push(Step::Tanh),
                "Softmax" if matches!(attr_i(node, "axis", -1), -1 | 1) => {
                    steps.push(Step::Softmax)
                }
                "Identity" | "Dropout" => {}
                _ => return None,
            }
            current = node.output[0].clone();
        }
        (current == graph.output[0].name && !steps.is_empty()).then_some(DenseChain { steps })
    }

    /// Runs the chain on a batch of rows.
    pub fn run(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let mut h = x.to_owned();
        for step in &self.steps {
            match step {
                Step::MatMul(w) => h = h.dot(w),
                Step::Bias(b) => h += b,
                Step::Relu => h.mapv_inplace(|v| v.max(0.0)),
                Step::Sigmoid => h.mapv_inplace(|v| 1.0 / (1.0 + (-v).exp())),
                Step::Tanh => h.mapv_inplace(f32::tanh),
                Step::Softmax => {
                    for mut row in h.axis_iter_mut(Axis(0)) {
                        let max = row.fold(f32::NEG_INFINITY, |a, &v| a.max(v));
                        row.mapv_inplace(|v| (v - max).exp());
                        let sum = row.sum();
                        row /= sum;
                    }
                }
            }
        }
        h
    }
}
