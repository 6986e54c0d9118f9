//! A fast path for the most common Keras export: a chain of dense layers
//! (MatMul/Gemm, Add, per-column Sub/Mul/Div as a Keras Normalization layer writes them,
//! Relu/Sigmoid/Tanh/Softmax), run as sgemm calls instead of a tract plan.
//! It is only used when it reproduces tract's output on probe rows.

use crate::model::dense_head::{DenseHead, HeadOutput};
use crate::model::native::narrow::NarrowWeights;
use crate::model::native::narrow_head::NarrowHead;
use ndarray::{Array1, Array2, ArrayView2};
use std::collections::HashMap;
use tract_onnx::pb;

/// h ← h · W (W is [in, out]).
#[derive(Debug, Clone)]
enum Product {
    /// Any W, as one sgemm.
    Wide(Array2<f32>),
    /// W with at most 16 columns, through its own kernel.
    Narrow(NarrowWeights),
}

impl Product {
    fn new(w: Array2<f32>) -> Product {
        NarrowWeights::new(w.view()).map_or(Product::Wide(w), Product::Narrow)
    }

    /// The weight matrix [in, out].
    fn matrix(&self) -> ArrayView2<'_, f32> {
        match self {
            Product::Wide(w) => w.view(),
            Product::Narrow(w) => w.matrix(),
        }
    }

    fn apply(&self, h: ArrayView2<f32>) -> Array2<f32> {
        match self {
            Product::Wide(w) => h.dot(w),
            Product::Narrow(w) => w.dot(h),
        }
    }
}

/// An element-wise or row-wise step.
#[derive(Debug, Clone)]
enum RowOp {
    /// h ← h + b (broadcast over rows).
    Bias(Array1<f32>),
    /// h ← h − c (a Keras `Normalization` layer's mean).
    Shift(Array1<f32>),
    /// h ← h · s (per column).
    Scale(Array1<f32>),
    /// h ← h / d (per column).
    Divide(Array1<f32>),
    Relu,
    Sigmoid,
    Tanh,
    Softmax,
}

/// One stage of the chain: a product, or consecutive row ops run in one pass over each row.
#[derive(Debug, Clone)]
enum Stage {
    Product(Product),
    Rows(Vec<RowOp>),
}

/// A dense network read from an ONNX graph.
#[derive(Debug, Clone)]
pub struct DenseChain {
    stages: Vec<Stage>,
    /// The chain's end from stage `.0` on, as one fused classifier head, when it is one.
    head: Option<(usize, NarrowHead)>,
}

/// A dense chain cut after its first linear layer.
pub struct SplitChain {
    /// Per-column steps before the first product (a Keras Normalization layer), if any.
    pub prep: Option<DenseChain>,
    /// The first product's weights [in, H].
    pub weights: Array2<f32>,
    /// The bias right after it [H] (zeros when there is none).
    pub bias: Array1<f32>,
    /// The rest of the chain, run on the pre-activations.
    pub rest: DenseChain,
}

/// Appends a row op, merging it into a preceding run of row ops.
fn push_row_op(stages: &mut Vec<Stage>, op: RowOp) {
    match stages.last_mut() {
        Some(Stage::Rows(ops)) => ops.push(op),
        _ => stages.push(Stage::Rows(vec![op])),
    }
}

/// Shape and values of a float initializer stored in the file (not external data).
pub(crate) fn float_tensor(t: &pb::TensorProto) -> Option<(Vec<usize>, Vec<f32>)> {
    if t.data_type != pb::tensor_proto::DataType::Float as i32 || !t.external_data.is_empty() {
        return None;
    }
    let dims: Vec<usize> = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).ok())
        .collect::<Option<_>>()?;
    let n = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d))?;
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

/// Whether `node` is one step of a chain: a default-domain op with one output whose only
/// computed input (the others being initializers) is `current`.
pub(crate) fn is_chain_step(
    node: &pb::NodeProto,
    inits: &HashMap<&str, &pb::TensorProto>,
    current: &str,
) -> bool {
    let mut data = node
        .input
        .iter()
        .filter(|i| !i.is_empty() && !inits.contains_key(i.as_str()));
    data.next().is_some_and(|i| i == current)
        && data.next().is_none()
        && node.output.len() == 1
        && node.domain.is_empty()
}

/// A constant applied per column of a `width`-wide row: `width` values (any leading 1 axes) or
/// one value for all columns.
fn per_column(t: &pb::TensorProto, width: usize) -> Option<Array1<f32>> {
    let (dims, v) = float_tensor(t)?;
    let n = dims.iter().product::<usize>();
    match n {
        1 => Some(Array1::from_elem(width, v[0])),
        n if n == width && dims.iter().rev().skip(1).all(|&d| d == 1) => Some(Array1::from(v)),
        _ => None,
    }
}

/// An integer attribute of a node, or `default`.
pub(crate) fn attr_i(node: &pb::NodeProto, name: &str, default: i64) -> i64 {
    node.attribute
        .iter()
        .find(|a| a.name == name)
        .map_or(default, |a| a.i)
}

/// A float attribute of a node, or `default`.
pub(crate) fn attr_f(node: &pb::NodeProto, name: &str, default: f32) -> f32 {
    node.attribute
        .iter()
        .find(|a| a.name == name)
        .map_or(default, |a| a.f)
}

impl DenseChain {
    /// The chain of `stages`, with its classifier head fused when it ends in one.
    fn new(stages: Vec<Stage>) -> DenseChain {
        let head = fused_head(&stages);
        DenseChain { stages, head }
    }

    /// Reads the graph as a dense chain from a flat input of `n_in` values, if it is one.
    pub fn from_proto(proto: &pb::ModelProto, n_in: usize) -> Option<DenseChain> {
        let graph = proto.graph.as_ref()?;
        let input = graph
            .input
            .iter()
            .find(|i| !graph.initializer.iter().any(|t| t.name == i.name))?;
        Self::from_nodes(graph, &graph.node, &input.name, n_in).filter(|d| !d.stages.is_empty())
    }

    /// Reads `nodes` (the end of `graph`) as a dense chain from the value `input` of `n_in`
    /// values per row to the graph's only output, if they are one (no nodes: the identity).
    pub fn from_nodes(
        graph: &pb::GraphProto,
        nodes: &[pb::NodeProto],
        input: &str,
        n_in: usize,
    ) -> Option<DenseChain> {
        if graph.output.len() != 1 {
            return None;
        }
        let inits: HashMap<&str, &pb::TensorProto> = graph
            .initializer
            .iter()
            .map(|t| (t.name.as_str(), t))
            .collect();
        let mut current = input.to_string();
        let mut width = n_in;
        let mut stages = vec![];
        for node in nodes {
            if !is_chain_step(node, &inits, &current) {
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
                    stages.push(Stage::Product(Product::new(w)));
                }
                "Add" => {
                    let other = node.input.iter().find(|i| **i != current)?;
                    push_row_op(
                        &mut stages,
                        RowOp::Bias(bias(inits.get(other.as_str())?, width)?),
                    );
                }
                // Per-column constants, as a Keras `Normalization` layer exports them: the
                // same operation in the same order as the graph (h − c, h · s, h / d).
                "Sub" | "Div" if node.input[0] == current => {
                    let c = per_column(init(1)?, width)?;
                    let op = match node.op_type.as_str() {
                        "Sub" => RowOp::Shift(c),
                        _ => RowOp::Divide(c),
                    };
                    push_row_op(&mut stages, op);
                }
                "Mul" => {
                    let other = node.input.iter().find(|i| **i != current)?;
                    let s = per_column(inits.get(other.as_str())?, width)?;
                    push_row_op(&mut stages, RowOp::Scale(s));
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
                    stages.push(Stage::Product(Product::new(w * attr_f(node, "alpha", 1.0))));
                    if let Some(c) = init(2) {
                        let b = bias(c, width)? * attr_f(node, "beta", 1.0);
                        push_row_op(&mut stages, RowOp::Bias(b));
                    }
                }
                "Relu" => push_row_op(&mut stages, RowOp::Relu),
                "Sigmoid" => push_row_op(&mut stages, RowOp::Sigmoid),
                "Tanh" => push_row_op(&mut stages, RowOp::Tanh),
                "Softmax" if matches!(attr_i(node, "axis", -1), -1 | 1) => {
                    push_row_op(&mut stages, RowOp::Softmax)
                }
                "Identity" | "Dropout" => {}
                _ => return None,
            }
            current = node.output[0].clone();
        }
        (current == graph.output[0].name).then(|| DenseChain::new(stages))
    }

    /// Splits the chain after its first product and the bias right after it, if it starts with
    /// a product, possibly after per-column constants (a Keras Normalization layer): (those
    /// constants as a chain of their own, W [in, H], b [H], the rest of the chain run on x·W + b).
    pub fn split_first_linear(&self) -> Option<SplitChain> {
        let (prep, at) = match self.stages.as_slice() {
            [Stage::Rows(ops), Stage::Product(_), ..] if ops.iter().all(RowOp::per_column) => {
                (Some(DenseChain::new(vec![self.stages[0].clone()])), 1)
            }
            _ => (None, 0),
        };
        let Some(Stage::Product(first)) = self.stages.get(at) else {
            return None;
        };
        let w = first.matrix().to_owned();
        let mut rest: Vec<Stage> = self.stages[at + 1..].to_vec();
        let mut bias = Array1::zeros(w.ncols());
        if let Some(Stage::Rows(ops)) = rest.first_mut() {
            if let Some(RowOp::Bias(b)) = ops.first() {
                bias = b.clone();
                ops.remove(0);
                if ops.is_empty() {
                    rest.remove(0);
                }
            }
        }
        Some(SplitChain {
            prep,
            weights: w,
            bias,
            rest: DenseChain::new(rest),
        })
    }

    /// The chain as one dense head (`[Relu] → product → [Bias] [Softmax | Sigmoid]`, bracketed
    /// stages optional), if it is one with at most 16 outputs.
    pub fn as_head(&self) -> Option<DenseHead> {
        let (relu, rest) = match self.stages.as_slice() {
            [Stage::Rows(ops), rest @ ..] if matches!(ops.as_slice(), [RowOp::Relu]) => {
                (true, rest)
            }
            rest => (false, rest),
        };
        let (w, after) = match rest {
            [Stage::Product(p), after @ ..] => (p.matrix(), after),
            _ => return None,
        };
        let ops: &[RowOp] = match after {
            [] => &[],
            [Stage::Rows(ops)] => ops,
            _ => return None,
        };
        let (bias, ops) = match ops {
            [RowOp::Bias(b), ops @ ..] => (b.clone(), ops),
            ops => (Array1::zeros(w.ncols()), ops),
        };
        let output = match ops {
            [] => HeadOutput::Identity,
            [RowOp::Softmax] => HeadOutput::Softmax,
            [RowOp::Sigmoid] => HeadOutput::Sigmoid,
            _ => return None,
        };
        DenseHead::new(relu, w.to_owned(), bias, output)
    }

    /// Runs the chain on a batch of rows: each product as one sgemm (or the narrow kernel), and
    /// each run of element-wise stages after it (bias, activation, softmax) in one pass per row.
    pub fn run(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let mut h: Option<Array2<f32>> = None;
        let mut i = 0;
        while i < self.stages.len() {
            if let Some((at, head)) = &self.head {
                if i == *at {
                    if let Some(out) = head.run(h.as_ref().map_or(x, |a| a.view())) {
                        return out;
                    }
                }
            }
            let (next, step) = match (&self.stages[i], self.stages.get(i + 1)) {
                (Stage::Product(p), _) => (p.apply(h.as_ref().map_or(x, |a| a.view())), 1),
                // Row ops feeding a narrow product are applied a few rows at a time inside it.
                (Stage::Rows(ops), Some(Stage::Product(Product::Narrow(w)))) => {
                    let input = h.as_ref().map_or(x, |a| a.view());
                    let out = match ops.as_slice() {
                        // A lone relu is applied inside the product as values are read.
                        [RowOp::Relu] => w.dot_relu(input),
                        _ => {
                            let prep = |row: &mut [f32]| ops.iter().for_each(|op| op.apply(row));
                            w.dot_prepared(input, prep)
                        }
                    };
                    (out, 2)
                }
                (Stage::Rows(ops), _) => (
                    match h.take() {
                        Some(mut a) => {
                            apply_rows(ops, &mut a);
                            a
                        }
                        // Each input row copied and transformed while it is in cache.
                        None => {
                            let mut out = Vec::with_capacity(x.len());
                            for row in x.rows() {
                                let start = out.len();
                                match row.as_slice() {
                                    Some(r) => out.extend_from_slice(r),
                                    None => out.extend(row.iter().copied()),
                                }
                                ops.iter().for_each(|op| op.apply(&mut out[start..]));
                            }
                            Array2::from_shape_vec(x.dim(), out).expect("same shape")
                        }
                    },
                    1,
                ),
            };
            h = Some(next);
            i += step;
        }
        h.unwrap_or_else(|| x.to_owned())
    }
}

/// The chain's last stages as a fused head, if they are `[Relu] → narrow product → [Bias]
/// [Softmax]` (bracketed stages optional) and nothing else: (index of its first stage, head).
fn fused_head(stages: &[Stage]) -> Option<(usize, NarrowHead)> {
    let p = stages
        .iter()
        .rposition(|s| matches!(s, Stage::Product(_)))?;
    let Stage::Product(Product::Narrow(w)) = &stages[p] else {
        return None;
    };
    let (bias, softmax) = match &stages[p + 1..] {
        [] => (None, false),
        [Stage::Rows(ops)] => match ops.as_slice() {
            [] => (None, false),
            [RowOp::Bias(b)] => (Some(b), false),
            [RowOp::Softmax] => (None, true),
            [RowOp::Bias(b), RowOp::Softmax] => (Some(b), true),
            _ => return None,
        },
        _ => return None,
    };
    let (at, relu) = match p.checked_sub(1).map(|i| &stages[i]) {
        Some(Stage::Rows(ops)) if matches!(ops.as_slice(), [RowOp::Relu]) => (p - 1, true),
        // Other row ops before the product: the chain runs them with it, stage by stage.
        Some(Stage::Rows(_)) => return None,
        _ => (p, false),
    };
    Some((at, NarrowHead::new(relu, w.clone(), bias, softmax)))
}

/// Applies row ops to every row of `a`; a final softmax takes the exponentials of the whole
/// batch in one pass (independent lanes keep the vector units busy).
fn apply_rows(ops: &[RowOp], a: &mut Array2<f32>) {
    let (before, softmax) = match ops.split_last() {
        Some((RowOp::Softmax, before)) => (before, true),
        _ => (ops, false),
    };
    let width = a.ncols();
    if width == 0 {
        return;
    }
    let data = a.as_slice_mut().expect("standard layout");
    for row in data.chunks_exact_mut(width) {
        before.iter().for_each(|op| op.apply(row));
        if softmax {
            let max = row.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
            row.iter_mut().for_each(|v| *v -= max);
        }
    }
    if softmax {
        crate::model::native::vexp::exp_in_place(data);
        for row in data.chunks_exact_mut(width) {
            normalise(row);
        }
    }
}

/// Divides a row of exponentials by their sum, as one division and a multiply per value (a
/// division per value costs as much as the layer's products on a 10-class output).
#[inline]
fn normalise(row: &mut [f32]) {
    let inv = 1.0 / row.iter().sum::<f32>();
    row.iter_mut().for_each(|v| *v *= inv);
}

impl RowOp {
    /// Whether the step acts on each column alone with a constant (so it maps a masked row to
    /// the same mask of the mapped rows).
    fn per_column(&self) -> bool {
        matches!(
            self,
            RowOp::Bias(_) | RowOp::Shift(_) | RowOp::Scale(_) | RowOp::Divide(_)
        )
    }

    /// Applies an element-wise or row-wise step to one row.
    #[inline]
    fn apply(&self, row: &mut [f32]) {
        match self {
            RowOp::Bias(b) => {
                let b = b.as_slice().expect("contiguous bias");
                row.iter_mut().zip(b).for_each(|(v, b)| *v += b)
            }
            RowOp::Shift(c) => {
                let c = c.as_slice().expect("contiguous constant");
                row.iter_mut().zip(c).for_each(|(v, c)| *v -= c)
            }
            RowOp::Scale(f) => {
                let f = f.as_slice().expect("contiguous constant");
                row.iter_mut().zip(f).for_each(|(v, f)| *v *= f)
            }
            RowOp::Divide(d) => {
                let d = d.as_slice().expect("contiguous constant");
                row.iter_mut().zip(d).for_each(|(v, d)| *v /= d)
            }
            RowOp::Relu => row.iter_mut().for_each(|v| *v = v.max(0.0)),
            RowOp::Sigmoid => row.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp())),
            RowOp::Tanh => row.iter_mut().for_each(|v| *v = v.tanh()),
            RowOp::Softmax => {
                let max = row.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
                row.iter_mut().for_each(|v| *v -= max);
                crate::model::native::vexp::exp_in_place(row);
                normalise(row);
            }
        }
    }
}
