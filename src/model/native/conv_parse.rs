//! Reads a sequential CNN (as tf2onnx exports Keras models) from an ONNX graph into a
//! [`ConvChain`], or says which node keeps it from being one.

use crate::model::native::conv_chain::{ConvChain, Layer, Order};
use crate::model::native::conv_kernels::{ChanOp, Conv2d, Pool2d, PoolKind, Shape, Window};
use crate::model::native::dense::{attr_f, attr_i, float_tensor, is_chain_step, DenseChain};
use std::collections::HashMap;
use tract_onnx::pb;

pub(crate) type Inits<'a> = HashMap<&'a str, &'a pb::TensorProto>;

/// Where the walk through the graph is: which image shape, and in which logical layout the
/// graph sees it (the values are always stored channels last).
struct Walk {
    shape: Shape,
    /// The graph sees NCHW (true) or, after a transpose back, NHWC (false).
    nchw: bool,
    layers: Vec<Layer>,
}

/// The graph's initializers by name, and its input: the first graph input that is not one.
pub(crate) fn inits_and_input(
    graph: &pb::GraphProto,
) -> Result<(Inits<'_>, &pb::ValueInfoProto), String> {
    let inits: Inits = graph
        .initializer
        .iter()
        .map(|t| (t.name.as_str(), t))
        .collect();
    let input = graph
        .input
        .iter()
        .find(|i| !inits.contains_key(i.name.as_str()))
        .ok_or("the graph has no input")?;
    Ok((inits, input))
}

/// Why a node is not part of a conv chain.
pub(crate) fn refuse(node: &pb::NodeProto, why: impl std::fmt::Display) -> String {
    format!("node '{}' ({}) {why}", node.name, node.op_type)
}

pub(crate) fn attr<'a>(node: &'a pb::NodeProto, name: &str) -> Option<&'a pb::AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

pub(crate) fn attr_ints(node: &pb::NodeProto, name: &str) -> Option<Vec<i64>> {
    attr(node, name).map(|a| a.ints.clone())
}

pub(crate) fn attr_str(node: &pb::NodeProto, name: &str) -> String {
    attr(node, name).map_or(String::new(), |a| {
        String::from_utf8_lossy(&a.s).into_owned()
    })
}

/// The values of an int64 initializer.
pub(crate) fn int_tensor(t: &pb::TensorProto) -> Option<Vec<i64>> {
    if t.data_type != pb::tensor_proto::DataType::Int64 as i32 {
        return None;
    }
    Some(if t.raw_data.is_empty() {
        t.int64_data.clone()
    } else {
        t.raw_data
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect()
    })
}

/// A pair of non-negative ints from an attribute, or `default` when absent.
pub(crate) fn pair(
    node: &pb::NodeProto,
    name: &str,
    default: usize,
) -> Result<(usize, usize), String> {
    match attr_ints(node, name).as_deref() {
        None => Ok((default, default)),
        Some([a, b]) if *a >= 0 && *b >= 0 => Ok((*a as usize, *b as usize)),
        Some(v) => Err(refuse(
            node,
            format!("has {name} {v:?}; only 2-D windows are supported"),
        )),
    }
}

/// The window of a Conv or pool node over an `h` x `w` image with kernel `(kh, kw)`.
pub(crate) fn window(
    node: &pb::NodeProto,
    kernel: (usize, usize),
    h: usize,
    w: usize,
) -> Result<Window, String> {
    let (kh, kw) = kernel;
    let (sh, sw) = pair(node, "strides", 1)?;
    let (dh, dw) = pair(node, "dilations", 1)?;
    let mut win = Window {
        kh,
        kw,
        sh,
        sw,
        dh,
        dw,
        pad_t: 0,
        pad_l: 0,
        pad_b: 0,
        pad_r: 0,
    };
    if kh == 0 || kw == 0 || sh == 0 || sw == 0 || dh == 0 || dw == 0 {
        return Err(refuse(node, "has a zero kernel, stride or dilation"));
    }
    let same = |n: usize, k: usize, s: usize, d: usize| {
        let out = n.div_ceil(s);
        ((out - 1) * s + (k - 1) * d + 1).saturating_sub(n)
    };
    match attr_str(node, "auto_pad").as_str() {
        "" | "NOTSET" => match attr_ints(node, "pads").as_deref() {
            None => {}
            Some(&[t, l, b, r]) if t.min(l).min(b).min(r) >= 0 => {
                (win.pad_t, win.pad_l, win.pad_b, win.pad_r) =
                    (t as usize, l as usize, b as usize, r as usize)
            }
            Some(p) => return Err(refuse(node, format!("has pads {p:?}"))),
        },
        "VALID" => {}
        mode @ ("SAME_UPPER" | "SAME_LOWER") => {
            let (th, tw) = (same(h, kh, sh, dh), same(w, kw, sw, dw));
            let upper = mode == "SAME_UPPER";
            let first = |t: usize| if upper { t / 2 } else { t - t / 2 };
            (win.pad_t, win.pad_b) = (first(th), th - first(th));
            (win.pad_l, win.pad_r) = (first(tw), tw - first(tw));
        }
        other => return Err(refuse(node, format!("has auto_pad {other}"))),
    }
    Ok(win)
}

/// A per-channel constant (scalar or `[.., C, 1, 1]`) broadcast to `c` channels.
fn per_channel(t: &pb::TensorProto, c: usize) -> Option<Vec<f32>> {
    let (dims, v) = float_tensor(t)?;
    let trimmed: Vec<usize> = dims.iter().copied().skip_while(|&d| d == 1).collect();
    match (v.len(), trimmed.as_slice(), dims.len() <= 4) {
        (1, _, true) => Some(vec![v[0]; c]),
        (n, [ch, 1, 1], true) if n == c && *ch == c => Some(v),
        _ => None,
    }
}

/// Appends per-channel `op` to the last conv or pointwise layer, or as a layer of its own;
/// consecutive affine steps are merged.
fn push_op(w: &mut Walk, op: ChanOp) {
    let ops = match w.layers.last_mut() {
        Some(Layer::Conv(_, ops)) | Some(Layer::Pointwise(_, ops)) => ops,
        _ => {
            w.layers.push(Layer::Pointwise(w.shape, vec![]));
            match w.layers.last_mut() {
                Some(Layer::Pointwise(_, ops)) => ops,
                _ => unreachable!("just pushed"),
            }
        }
    };
    if !ops.last_mut().is_some_and(|last| last.absorb(&op)) {
        ops.push(op);
    }
}

/// The flat row a Reshape/Flatten/Squeeze node makes of the current image, if it makes one.
fn flattens(node: &pb::NodeProto, inits: &Inits, w: &Walk) -> bool {
    let n = w.shape.len() as i64;
    match node.op_type.as_str() {
        "Flatten" => attr_i(node, "axis", 1) == 1,
        "Reshape" => {
            let target = node.input.get(1).and_then(|t| inits.get(t.as_str()));
            match target.and_then(|t| int_tensor(t)).as_deref() {
                Some([b, f]) => ((*b == -1 || *b == 0) && *f == n) || (*b == 0 && *f == -1),
                _ => false,
            }
        }
        "Squeeze" => {
            let axes = node
                .input
                .get(1)
                .and_then(|t| inits.get(t.as_str()))
                .and_then(|t| int_tensor(t))
                .or_else(|| attr_ints(node, "axes"));
            let spatial: &[i64] = if w.nchw { &[2, 3] } else { &[1, 2] };
            let mut axes = axes.unwrap_or_default();
            axes.sort_unstable();
            w.shape.h == 1 && w.shape.w == 1 && axes == spatial
        }
        _ => false,
    }
}

/// Reads the first node(s) that turn the input rows into NCHW images: returns the image shape,
/// the order of an input row, and how many nodes were consumed.
fn read_input(
    nodes: &[pb::NodeProto],
    inits: &Inits,
    row_shape: &[usize],
) -> Result<(Shape, Order, usize), String> {
    let first = nodes.first().ok_or("the graph has no nodes")?;
    let n_in: usize = row_shape.iter().product();
    match (first.op_type.as_str(), row_shape) {
        ("Transpose", &[h, w, c]) if attr_ints(first, "perm").as_deref() == Some(&[0, 3, 1, 2]) => {
            Ok((Shape { h, w, c }, Order::Hwc, 1))
        }
        ("Reshape", _) => {
            let target = first.input.get(1).and_then(|t| inits.get(t.as_str()));
            match target.and_then(|t| int_tensor(t)).as_deref() {
                Some(&[b, c, h, w]) if (b == -1 || b == 0) && c > 0 && h > 0 && w > 0 => {
                    let s = Shape {
                        h: h as usize,
                        w: w as usize,
                        c: c as usize,
                    };
                    if s.len() != n_in {
                        return Err(refuse(first, "does not reshape a row into one image"));
                    }
                    Ok((s, Order::Chw, 1))
                }
                _ => Err(refuse(first, "is not a reshape of rows into NCHW images")),
            }
        }
        ("Conv", &[c, h, w]) => Ok((Shape { h, w, c }, Order::Chw, 0)),
        _ => Err(refuse(first, "does not turn the input into NCHW images")),
    }
}

/// A MaxPool or AveragePool node on images of shape `s`, or why it cannot run.
pub(crate) fn pool(node: &pb::NodeProto, s: Shape) -> Result<Pool2d, String> {
    if attr_i(node, "ceil_mode", 0) != 0 || node.output.len() != 1 {
        return Err(refuse(node, "uses ceil_mode or returns indices"));
    }
    let kernel = pair(node, "kernel_shape", 0)?;
    let kind = match node.op_type.as_str() {
        "MaxPool" => PoolKind::Max,
        _ => PoolKind::Average {
            count_include_pad: attr_i(node, "count_include_pad", 0) != 0,
        },
    };
    let win = window(node, kernel, s.h, s.w)?;
    Pool2d::new(kind, win, s)
        .ok_or_else(|| refuse(node, "has a window that does not fit the image"))
}

/// An inference BatchNormalization over `c` channels as one per-channel affine step.
pub(crate) fn batch_norm(node: &pb::NodeProto, inits: &Inits, c: usize) -> Result<ChanOp, String> {
    let get = |pos: usize| {
        node.input
            .get(pos)
            .and_then(|n| inits.get(n.as_str()))
            .and_then(|t| float_tensor(t))
            .filter(|(dims, _)| dims[..] == [c])
            .map(|(_, v)| v)
    };
    let (Some(g), Some(b), Some(mean), Some(var)) = (get(1), get(2), get(3), get(4)) else {
        return Err(refuse(
            node,
            "has parameters that are not per-channel constants",
        ));
    };
    if attr_i(node, "training_mode", 0) != 0 {
        return Err(refuse(node, "is in training mode"));
    }
    let eps = attr_f(node, "epsilon", 1e-5);
    let scale: Vec<f32> = (0..c).map(|i| g[i] / (var[i] + eps).sqrt()).collect();
    let shift = (0..c).map(|i| b[i] - mean[i] * scale[i]).collect();
    Ok(ChanOp::Affine { scale, shift })
}

/// The bounds of a Clip node (inputs from opset 11, attributes before), when constant.
pub(crate) fn clip_bounds(node: &pb::NodeProto, inits: &Inits) -> Result<(f32, f32), String> {
    let bound = |pos: usize, name: &str, default: f32| match node
        .input
        .get(pos)
        .and_then(|n| inits.get(n.as_str()))
    {
        Some(t) => float_tensor(t)
            .filter(|(_, v)| v.len() == 1)
            .map(|(_, v)| v[0]),
        None if node.input.get(pos).is_some_and(|n| !n.is_empty()) => None,
        None => Some(attr_f(node, name, default)),
    };
    match (bound(1, "min", f32::MIN), bound(2, "max", f32::MAX)) {
        (Some(lo), Some(hi)) => Ok((lo, hi)),
        _ => Err(refuse(node, "has bounds that are not constants")),
    }
}

/// Reads one image node into the walk, or says why it cannot.
fn read_node(node: &pb::NodeProto, inits: &Inits, w: &mut Walk) -> Result<(), String> {
    let init = |pos: usize| node.input.get(pos).and_then(|n| inits.get(n.as_str()));
    let s = w.shape;
    if !w.nchw {
        return Err(refuse(
            node,
            "works on NHWC values; only a flatten may follow the transpose",
        ));
    }
    match node.op_type.as_str() {
        "Conv" => {
            let (dims, weights) = init(1)
                .and_then(|t| float_tensor(t))
                .ok_or_else(|| refuse(node, "has weights that are not a float initializer"))?;
            let group = attr_i(node, "group", 1);
            if group != 1 {
                return Err(refuse(node, format!("is grouped (group {group})")));
            }
            let &[o, ci, kh, kw] = dims.as_slice() else {
                return Err(refuse(
                    node,
                    format!("has weights of shape {dims:?}; only 2-D"),
                ));
            };
            if ci != s.c {
                return Err(refuse(
                    node,
                    format!("takes {ci} channels, the image has {}", s.c),
                ));
            }
            let win = window(node, (kh, kw), s.h, s.w)?;
            let conv = Conv2d::new(win, s, &weights, o)
                .ok_or_else(|| refuse(node, "has a window that does not fit the image"))?;
            w.shape = conv.output();
            w.layers.push(Layer::Conv(conv, vec![]));
            if let Some(b) = init(2) {
                let shift = float_tensor(b)
                    .map(|(_, v)| v)
                    .filter(|v| v.len() == o)
                    .ok_or_else(|| refuse(node, "has a bias that is not one value per channel"))?;
                push_op(
                    w,
                    ChanOp::Affine {
                        scale: vec![1.0; o],
                        shift,
                    },
                );
            }
        }
        "MaxPool" | "AveragePool" => {
            let pool = pool(node, s)?;
            w.shape = pool.output();
            w.layers.push(Layer::Pool(pool));
        }
        "GlobalAveragePool" => {
            w.layers.push(Layer::GlobalAverage(s));
            w.shape = Shape { h: 1, w: 1, c: s.c };
        }
        "BatchNormalization" => push_op(w, batch_norm(node, inits, s.c)?),
        op @ ("Add" | "Sub" | "Mul" | "Div") => {
            let second = node.input.get(1).map_or("", String::as_str);
            let (pos, first) = match inits.contains_key(second) {
                true => (1, true),
                false => (0, false),
            };
            let k = match init(pos) {
                None => {
                    return Err(refuse(
                        node,
                        "combines two computed tensors (e.g. a residual)",
                    ))
                }
                Some(t) => per_channel(t, s.c)
                    .ok_or_else(|| refuse(node, "has a constant that is not per-channel"))?,
            };
            let ones = vec![1.0; s.c];
            let zeros = vec![0.0; s.c];
            let (scale, shift) = match (op, first) {
                ("Add", _) => (ones, k),
                ("Mul", _) => (k, zeros),
                ("Sub", true) => (ones, k.iter().map(|v| -v).collect()),
                ("Div", true) => (k.iter().map(|v| 1.0 / v).collect(), zeros),
                _ => return Err(refuse(node, "divides or subtracts from a constant")),
            };
            push_op(w, ChanOp::Affine { scale, shift });
        }
        "Relu" => push_op(w, ChanOp::Relu),
        "Sigmoid" => push_op(w, ChanOp::Sigmoid),
        "Tanh" => push_op(w, ChanOp::Tanh),
        "Clip" => {
            let (lo, hi) = clip_bounds(node, inits)?;
            push_op(w, ChanOp::Clip(lo, hi));
        }
        "Identity" | "Dropout" => {}
        "Transpose" if attr_ints(node, "perm").as_deref() == Some(&[0, 2, 3, 1]) => w.nchw = false,
        _ => return Err(refuse(node, "is not supported by the conv engine")),
    }
    Ok(())
}

impl ConvChain {
    /// Reads the graph as a sequential CNN on rows of `row_shape`, or says why it is not one
    /// (naming the first node that does not fit).
    pub fn from_proto(proto: &pb::ModelProto, row_shape: &[usize]) -> Result<ConvChain, String> {
        let graph = proto.graph.as_ref().ok_or("the file holds no graph")?;
        if graph.output.len() != 1 {
            return Err(format!("the graph has {} outputs", graph.output.len()));
        }
        let (inits, input) = inits_and_input(graph)?;
        let (shape, order, skip) = read_input(&graph.node, &inits, row_shape)?;
        let mut walk = Walk {
            shape,
            nchw: true,
            layers: vec![],
        };
        if skip == 1 && graph.node[0].input.first() != Some(&input.name) {
            return Err(refuse(&graph.node[0], "does not read the graph input"));
        }
        let mut current = match skip {
            0 => input.name.clone(),
            _ => graph.node[0].output[0].clone(),
        };
        for (i, node) in graph.node.iter().enumerate().skip(skip) {
            if !is_chain_step(node, &inits, &current) {
                return Err(refuse(node, "is not a step of a sequential chain"));
            }
            if flattens(node, &inits, &walk) {
                let s = walk.shape;
                let flatten = match walk.nchw && s.c > 1 && s.h * s.w > 1 {
                    true => Order::Chw,
                    false => Order::Hwc,
                };
                let rest = &graph.node[i + 1..];
                let dense = DenseChain::from_nodes(graph, rest, &node.output[0], s.len())
                    .ok_or_else(|| {
                        let at = rest
                            .first()
                            .map_or("the end".into(), |n| format!("node '{}'", n.name));
                        format!("the layers after the flatten (from {at}) are not a dense chain")
                    })?;
                return Ok(ConvChain {
                    input: (shape, order),
                    layers: walk.layers,
                    flatten,
                    dense,
                    idle: Default::default(),
                });
            }
            read_node(node, &inits, &mut walk)?;
            current = node.output[0].clone();
        }
        Err("the graph ends without flattening its images".into())
    }
}
