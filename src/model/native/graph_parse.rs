//! Reads a Keras CNN graph (as tf2onnx exports it) from ONNX into a `ConvGraph`, or names the
//! first node it cannot run. Values are stored channels last whatever layout the graph sees
//! (NCHW after tf2onnx's transposes, NHWC before them, or flat), so transposes cost nothing;
//! per-channel steps, activations and residual adds are fused into the step that produced
//! their input when nothing else reads it.

use crate::model::native::conv_kernels::{ChanOp, Conv2d, Shape, Window};
use crate::model::native::conv_parse::{
    attr_ints, attr_str, batch_norm, clip_bounds, inits_and_input, int_tensor, pool, refuse,
    window, Inits,
};
use crate::model::native::dense::{attr_f, attr_i, float_tensor};
use crate::model::native::depthwise::Depthwise;
use crate::model::native::graph::ConvGraph;
use crate::model::native::graph_steps::{BinOp, Epi, Kind, Pad, PadMode, Step};
use std::collections::HashMap;
use tract_onnx::pb;

/// How the graph sees a value stored channels last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `[N, C, H, W]`.
    Nchw,
    /// `[N, H, W, C]`.
    Nhwc,
    /// `[N, F]` (stored as a 1x1 image of F channels).
    Flat,
}

/// A named tensor of the graph: which value holds it and how the graph sees it.
#[derive(Debug, Clone, Copy)]
struct Val {
    id: usize,
    shape: Shape,
    layout: Layout,
}

impl Val {
    /// Whether the graph's order of the values is their stored order.
    fn plain(&self) -> bool {
        self.layout != Layout::Nchw || self.shape.c == 1 || self.shape.h * self.shape.w == 1
    }

    /// Index of the channel axis (batch axis 0).
    fn channel_axis(&self) -> i64 {
        match self.layout {
            Layout::Nchw | Layout::Flat => 1,
            Layout::Nhwc => 3,
        }
    }

    /// Rank with the batch axis.
    fn rank(&self) -> i64 {
        match self.layout {
            Layout::Flat => 2,
            _ => 4,
        }
    }
}

/// A graph node as read: its op (with the swish patterns merged), inputs and output.
struct Node<'a> {
    op: String,
    pb: &'a pb::NodeProto,
    /// The HardSigmoid of a hard swish.
    inner: Option<&'a pb::NodeProto>,
    inputs: Vec<&'a str>,
    output: &'a str,
}

/// The nodes with `x · Sigmoid(x)` as one Swish and `x · HardSigmoid(x)` as one HardSwish.
fn merged(nodes: &[pb::NodeProto]) -> Vec<Node<'_>> {
    let mut readers: HashMap<&str, usize> = HashMap::new();
    for n in nodes {
        for i in &n.input {
            *readers.entry(i.as_str()).or_default() += 1;
        }
    }
    let by_output: HashMap<&str, &pb::NodeProto> = nodes
        .iter()
        .filter_map(|n| Some((n.output.first()?.as_str(), n)))
        .collect();
    let mut skip: Vec<&str> = vec![];
    let mut out = vec![];
    for n in nodes {
        let inputs: Vec<&str> = n.input.iter().map(String::as_str).collect();
        let mut node = Node {
            op: n.op_type.clone(),
            pb: n,
            inner: None,
            inputs: inputs.clone(),
            output: n.output.first().map_or("", String::as_str),
        };
        if let ("Mul", [a, b]) = (n.op_type.as_str(), inputs.as_slice()) {
            for (x, g) in [(a, b), (b, a)] {
                let Some(gate) = by_output.get(g) else {
                    continue;
                };
                let op = match gate.op_type.as_str() {
                    "Sigmoid" => "Swish",
                    "HardSigmoid" => "HardSwish",
                    _ => continue,
                };
                if gate.input.first().map(String::as_str) == Some(x) && readers[g] == 1 {
                    skip.push(g);
                    node = Node {
                        op: op.into(),
                        inner: Some(gate),
                        inputs: vec![x],
                        ..node
                    };
                    break;
                }
            }
        }
        out.push(node);
    }
    out.retain(|n| !skip.contains(&n.output));
    out
}

/// The graph being read: values, steps, names.
struct Builder<'a> {
    inits: Inits<'a>,
    names: HashMap<&'a str, Val>,
    /// How many nodes (or the graph output) still read each value.
    uses: Vec<usize>,
    /// Step that produced each value (`None`: the input).
    producer: Vec<Option<usize>>,
    shapes: Vec<Shape>,
    steps: Vec<Step>,
    /// How many nodes (or graph outputs) read each name.
    readers: HashMap<&'a str, usize>,
    /// The (last) node reading each name.
    next_nodes: HashMap<&'a str, &'a pb::NodeProto>,
    /// Zero pads left to the convolution that alone reads them (name: rows above, columns
    /// left, rows below, columns right): no padded copy is made.
    folded_pads: HashMap<&'a str, [usize; 4]>,
}

impl<'a> Builder<'a> {
    fn init(&self, name: Option<&&str>) -> Option<&'a pb::TensorProto> {
        name.and_then(|n| self.inits.get(*n).copied())
    }

    /// A new value for `name`, produced by a new step of `kind` on `input`.
    fn push(&mut self, name: &'a str, kind: Kind, input: &Val, shape: Shape, layout: Layout) {
        let id = self.shapes.len();
        self.shapes.push(shape);
        self.uses.push(self.readers.get(name).copied().unwrap_or(0));
        self.producer.push(Some(self.steps.len()));
        self.steps.push(Step {
            kind,
            input: input.id,
            in_shape: input.shape,
            output: id,
            epi: vec![],
        });
        self.names.insert(name, Val { id, shape, layout });
    }

    /// `name` is `v` seen as `shape`/`layout`, with no data moved.
    fn alias(&mut self, name: &'a str, v: &Val, shape: Shape, layout: Layout) {
        self.uses[v.id] = self.uses[v.id] - 1 + self.readers.get(name).copied().unwrap_or(0);
        self.names.insert(
            name,
            Val {
                shape,
                layout,
                ..*v
            },
        );
    }

    /// Appends `epi` to the last step's epilogue (a bias of the step itself).
    fn own(&mut self, epi: Epi) {
        self.steps.last_mut().expect("a step").epi.push(epi);
    }

    /// `name` is `epi` applied to `v`: fused into the step that made `v` when nothing else
    /// reads it, else a copy step.
    fn fuse(&mut self, name: &'a str, v: &Val, epi: Epi) {
        let fusable = self.uses[v.id] == 1 && self.producer[v.id].is_some();
        if !fusable {
            self.push(name, Kind::Copy, v, v.shape, v.layout);
        } else {
            self.alias(name, v, v.shape, v.layout);
        }
        let step = self.producer[self.names[name].id].expect("a step made it");
        let list = &mut self.steps[step].epi;
        // Consecutive affine steps are merged into one.
        if let (Some(Epi::Op(last)), Epi::Op(next)) = (list.last_mut(), &epi) {
            if last.absorb(next) {
                return;
            }
        }
        list.push(epi);
    }

    /// A constant operand as one value per channel of `v` (scalar, or shaped along `v`'s
    /// channel axis).
    fn per_channel(&self, t: &pb::TensorProto, v: &Val) -> Option<Vec<f32>> {
        let (dims, k) = float_tensor(t)?;
        let c = v.shape.c;
        if k.len() == 1 {
            return Some(vec![k[0]; c]);
        }
        // Right-aligned broadcast: the one non-1 axis must be the channel axis.
        let axis = v.rank() - dims.len() as i64;
        let at = dims.iter().position(|&d| d != 1)? as i64 + axis;
        (k.len() == c && at == v.channel_axis() && dims.len() as i64 <= v.rank()).then_some(k)
    }
}

/// The step of a Conv node on images of shape `s` zero-padded by `extra` (rows above, columns
/// left, rows below, columns right; a folded Pad): depthwise, grouped or plain.
fn conv(
    node: &pb::NodeProto,
    b: &Builder,
    s: Shape,
    extra: [usize; 4],
) -> Result<(Kind, Shape), String> {
    let (dims, weights) = b
        .init(node.input.get(1).map(String::as_str).as_ref())
        .and_then(float_tensor)
        .ok_or_else(|| refuse(node, "has weights that are not a float initializer"))?;
    let &[o, cg, kh, kw] = dims.as_slice() else {
        return Err(refuse(
            node,
            format!("has weights of shape {dims:?}; only 2-D"),
        ));
    };
    let g = usize::try_from(attr_i(node, "group", 1)).unwrap_or(0);
    if g == 0 || cg * g != s.c || o % g != 0 {
        return Err(refuse(
            node,
            format!(
                "takes {} channels in {g} groups, the image has {}",
                cg * g,
                s.c
            ),
        ));
    }
    let [t, l, bo, r] = extra;
    let mut win = window(node, (kh, kw), s.h + t + bo, s.w + l + r)?;
    win.pad_t += t;
    win.pad_l += l;
    win.pad_b += bo;
    win.pad_r += r;
    let misfit = || refuse(node, "has a window that does not fit the image");
    if g > 1 && g == s.c && o == g {
        let d = Depthwise::new(win, s, &weights).ok_or_else(misfit)?;
        let out = d.output();
        return Ok((Kind::Depthwise(d), out));
    }
    // Grouped convolutions as one convolution with zero weights across groups.
    let full = match g {
        1 => weights,
        _ => {
            let (per, taps) = (o / g, kh * kw);
            let mut full = vec![0.0f32; o * s.c * taps];
            for oc in 0..o {
                let grp = oc / per;
                for ci in 0..cg {
                    let src = &weights[(oc * cg + ci) * taps..][..taps];
                    full[(oc * s.c + grp * cg + ci) * taps..][..taps].copy_from_slice(src);
                }
            }
            full
        }
    };
    let c = Conv2d::new(win, s, &full, o).ok_or_else(misfit)?;
    let out = c.output();
    Ok((Kind::Conv(c), out))
}

/// A Dense layer (`x · W`, W `[k, o]` row-major) as a 1x1 convolution on 1x1 images.
fn dense(node: &pb::NodeProto, k: usize, w: &[f32], o: usize) -> Result<Kind, String> {
    let mut oihw = vec![0.0f32; k * o];
    for r in 0..k {
        for j in 0..o {
            oihw[j * k + r] = w[r * o + j];
        }
    }
    let unit = Shape { h: 1, w: 1, c: k };
    Conv2d::new(Window::unit(), unit, &oihw, o)
        .map(Kind::Conv)
        .ok_or_else(|| refuse(node, "has weights that do not fit its input"))
}

/// The `int64` constant at input `pos`, or the `ints` attribute `name`.
fn ints(node: &pb::NodeProto, b: &Builder, pos: usize, name: &str) -> Option<Vec<i64>> {
    b.init(node.input.get(pos).map(String::as_str).as_ref())
        .and_then(int_tensor)
        .or_else(|| attr_ints(node, name))
}

/// Reads one node, or says why it cannot.
fn read_node<'a>(n: &Node<'a>, b: &mut Builder<'a>) -> Result<(), String> {
    let node = n.pb;
    let data: Vec<&str> = n
        .inputs
        .iter()
        .copied()
        .filter(|i| !i.is_empty() && !b.inits.contains_key(i))
        .collect();
    let Some(&first) = data.first() else {
        return Err(refuse(node, "reads only constants"));
    };
    let v = *b.names.get(first).ok_or_else(|| {
        refuse(
            node,
            format!("reads '{first}', which the engine did not make"),
        )
    })?;
    let s = v.shape;
    let out = n.output;
    let op = n.op.as_str();
    if !node.domain.is_empty() || node.output.len() != 1 {
        return Err(refuse(node, "is not a single-output default-domain op"));
    }
    match op {
        "Conv" | "MaxPool" | "AveragePool" | "GlobalAveragePool" if v.layout != Layout::Nchw => {
            return Err(refuse(node, "does not see NCHW images"));
        }
        _ => {}
    }
    let chan = |x: ChanOp| Epi::Op(x);
    match op {
        "Conv" => {
            let extra = b.folded_pads.get(first).copied().unwrap_or_default();
            let (kind, shape) = conv(node, b, s, extra)?;
            b.push(out, kind, &v, shape, Layout::Nchw);
            if let Some(t) = b.init(n.inputs.get(2)) {
                let shift = float_tensor(t)
                    .map(|(_, k)| k)
                    .filter(|k| k.len() == shape.c)
                    .ok_or_else(|| refuse(node, "has a bias that is not one value per channel"))?;
                let scale = vec![1.0; shape.c];
                b.own(chan(ChanOp::Affine { scale, shift }));
            }
        }
        "MaxPool" | "AveragePool" => {
            let p = pool(node, s)?;
            let shape = p.output();
            b.push(out, Kind::Pool(p), &v, shape, Layout::Nchw);
        }
        "GlobalAveragePool" => b.push(
            out,
            Kind::GlobalAverage,
            &v,
            Shape { h: 1, w: 1, c: s.c },
            Layout::Nchw,
        ),
        "ReduceMean" => {
            let mut axes = ints(node, b, 1, "axes").unwrap_or_default();
            axes.iter_mut().for_each(|a| *a = a.rem_euclid(v.rank()));
            axes.sort_unstable();
            let want: &[i64] = match v.layout {
                Layout::Nchw => &[2, 3],
                Layout::Nhwc => &[1, 2],
                Layout::Flat => &[],
            };
            if axes != want || want.is_empty() {
                return Err(refuse(node, "does not average over the image"));
            }
            let layout = match attr_i(node, "keepdims", 1) {
                0 => Layout::Flat,
                _ => v.layout,
            };
            b.push(
                out,
                Kind::GlobalAverage,
                &v,
                Shape { h: 1, w: 1, c: s.c },
                layout,
            );
        }
        "BatchNormalization" if v.layout == Layout::Nchw => {
            let bn = batch_norm(node, &b.inits, s.c)?;
            b.fuse(out, &v, chan(bn));
        }
        "Relu" => b.fuse(out, &v, chan(ChanOp::Relu)),
        "Sigmoid" => b.fuse(out, &v, chan(ChanOp::Sigmoid)),
        "Tanh" => b.fuse(out, &v, chan(ChanOp::Tanh)),
        "Swish" => b.fuse(out, &v, chan(ChanOp::Swish)),
        "HardSigmoid" => {
            let (a, c) = (attr_f(node, "alpha", 0.2), attr_f(node, "beta", 0.5));
            b.fuse(out, &v, chan(ChanOp::HardSigmoid(a, c)))
        }
        "HardSwish" => {
            let (a, c) = match n.inner {
                Some(h) => (attr_f(h, "alpha", 0.2), attr_f(h, "beta", 0.5)),
                None => (1.0 / 6.0, 0.5),
            };
            b.fuse(out, &v, chan(ChanOp::HardSwish(a, c)))
        }
        "LeakyRelu" => b.fuse(
            out,
            &v,
            chan(ChanOp::LeakyRelu(attr_f(node, "alpha", 0.01))),
        ),
        "Clip" => {
            let (lo, hi) = clip_bounds(node, &b.inits)?;
            b.fuse(out, &v, chan(ChanOp::Clip(lo, hi)))
        }
        "Identity" | "Dropout" => b.alias(out, &v, s, v.layout),
        "Add" | "Sub" | "Mul" | "Div" if data.len() == 1 => {
            let pos = n.inputs.iter().position(|i| b.inits.contains_key(i));
            let t = pos.and_then(|p| b.init(n.inputs.get(p)));
            let k = t
                .and_then(|t| b.per_channel(t, &v))
                .ok_or_else(|| refuse(node, "has a constant that is not one value per channel"))?;
            let first = pos == Some(1);
            let (ones, zeros) = (vec![1.0; s.c], vec![0.0; s.c]);
            let (scale, shift) = match (op, first) {
                ("Add", _) => (ones, k),
                ("Mul", _) => (k, zeros),
                ("Sub", true) => (ones, k.iter().map(|x| -x).collect()),
                ("Sub", false) => (vec![-1.0; s.c], k),
                ("Div", true) => (k.iter().map(|x| 1.0 / x).collect(), zeros),
                _ => return Err(refuse(node, "divides a constant by a tensor")),
            };
            b.fuse(out, &v, chan(ChanOp::Affine { scale, shift }));
        }
        "Add" | "Sub" | "Mul" | "Div" => binary(n, b, &data)?,
        "Concat" => {
            let axis = attr_i(node, "axis", 1).rem_euclid(v.rank());
            let vals: Vec<Val> = data
                .iter()
                .map(|d| b.names.get(d).copied())
                .collect::<Option<_>>()
                .ok_or_else(|| refuse(node, "reads a value the engine did not make"))?;
            let same = vals
                .iter()
                .all(|x| x.layout == v.layout && (x.shape.h, x.shape.w) == (s.h, s.w));
            if axis != v.channel_axis() || !same || data.len() != n.inputs.len() {
                return Err(refuse(node, "does not join images along their channels"));
            }
            let c = vals.iter().map(|x| x.shape.c).sum();
            let others = vals[1..].iter().map(|x| (x.id, x.shape.c)).collect();
            b.push(out, Kind::Concat(others), &v, Shape { c, ..s }, v.layout);
        }
        "Pad" => {
            let p = ints(node, b, 1, "pads").unwrap_or_default();
            let spatial = match (v.layout, p.as_slice()) {
                (Layout::Nchw, &[0, 0, t, l, 0, 0, bo, r]) => [t, l, bo, r],
                (Layout::Nhwc, &[0, t, l, 0, 0, bo, r, 0]) => [t, l, bo, r],
                _ => return Err(refuse(node, format!("pads {p:?}; only rows and columns"))),
            };
            if spatial.iter().any(|&x| x < 0) {
                return Err(refuse(node, "crops (negative pads)"));
            }
            let value = match b.init(n.inputs.get(2)) {
                Some(t) => float_tensor(t)
                    .filter(|(_, k)| k.len() == 1)
                    .map(|(_, k)| k[0])
                    .ok_or_else(|| refuse(node, "has a fill that is not one number"))?,
                None => attr_f(node, "value", 0.0),
            };
            let mode = match attr_str(node, "mode").as_str() {
                "" | "constant" => PadMode::Constant(value),
                "edge" => PadMode::Edge,
                "reflect" => PadMode::Reflect,
                m => return Err(refuse(node, format!("has mode {m}"))),
            };
            let [t, l, bo, r] = spatial.map(|x| x as usize);
            if mode == PadMode::Constant(0.0) && conv_follows(n, b, v.layout) {
                b.folded_pads.insert(out, [t, l, bo, r]);
                b.alias(out, &v, s, v.layout);
                return Ok(());
            }
            let pad = Pad {
                t,
                l,
                b: bo,
                r,
                mode,
            };
            let shape = Shape {
                h: s.h + t + bo,
                w: s.w + l + r,
                c: s.c,
            };
            b.push(out, Kind::Pad(pad), &v, shape, v.layout);
        }
        "Transpose" => {
            let perm = attr_ints(node, "perm").unwrap_or_default();
            let layout = match (v.layout, perm.as_slice()) {
                (l, [0, 1, 2, 3]) | (l, [0, 1]) => l,
                (Layout::Nchw, [0, 2, 3, 1]) => Layout::Nhwc,
                (Layout::Nhwc, [0, 3, 1, 2]) => Layout::Nchw,
                _ => return Err(refuse(node, format!("has perm {perm:?}"))),
            };
            b.alias(out, &v, s, layout);
        }
        "Flatten" | "Reshape" | "Squeeze" | "Unsqueeze" => reshape(n, b, &v)?,
        "MatMul" | "Gemm" => {
            if s.h * s.w != 1 {
                return Err(refuse(node, "multiplies images that are not flat"));
            }
            let (dims, w) = b
                .init(n.inputs.get(1))
                .and_then(float_tensor)
                .ok_or_else(|| refuse(node, "has weights that are not a float initializer"))?;
            let trans = op == "Gemm" && attr_i(node, "transB", 0) != 0;
            let (k, o) = match (dims.as_slice(), trans) {
                (&[k, o], false) => (k, o),
                (&[o, k], true) => (k, o),
                _ => return Err(refuse(node, format!("has weights of shape {dims:?}"))),
            };
            if k != s.c || (op == "Gemm" && attr_i(node, "transA", 0) != 0) {
                return Err(refuse(node, "does not take the row as it is"));
            }
            let w: Vec<f32> = match trans {
                false => w,
                true => (0..k * o).map(|i| w[(i % o) * k + i / o]).collect(),
            };
            let alpha = if op == "Gemm" {
                attr_f(node, "alpha", 1.0)
            } else {
                1.0
            };
            let w: Vec<f32> = w.iter().map(|x| x * alpha).collect();
            let layout = match v.layout {
                Layout::Nhwc => Layout::Nhwc,
                _ => Layout::Flat,
            };
            if v.layout == Layout::Nchw {
                return Err(refuse(node, "multiplies along the width of NCHW images"));
            }
            b.push(
                out,
                dense(node, k, &w, o)?,
                &v,
                Shape { h: 1, w: 1, c: o },
                layout,
            );
            if op == "Gemm" {
                if let Some(t) = b.init(n.inputs.get(2)) {
                    let beta = attr_f(node, "beta", 1.0);
                    let w = b.names[out];
                    let shift = b
                        .per_channel(t, &w)
                        .ok_or_else(|| refuse(node, "has a bias that is not one value per column"))?
                        .iter()
                        .map(|x| x * beta)
                        .collect();
                    b.own(chan(ChanOp::Affine {
                        scale: vec![1.0; o],
                        shift,
                    }));
                }
            }
        }
        "Softmax" => {
            let axis = attr_i(node, "axis", -1).rem_euclid(v.rank());
            let last = axis == v.rank() - 1 && (v.layout != Layout::Nchw || s.h * s.w == 1);
            if !(last || (axis == v.channel_axis() && s.h * s.w == 1)) {
                return Err(refuse(
                    node,
                    "is not over the channels of 1x1 images or rows",
                ));
            }
            b.push(out, Kind::Softmax, &v, s, v.layout);
        }
        _ => return Err(refuse(node, "is not supported by the conv graph engine")),
    }
    Ok(())
}

/// A binary op on two computed tensors: a residual add fused into the later producer, else
/// one step (same shapes, or the second broadcast per channel).
fn binary<'a>(n: &Node<'a>, b: &mut Builder<'a>, data: &[&str]) -> Result<(), String> {
    let node = n.pb;
    let [x, y] = data else {
        return Err(refuse(node, "has more than two inputs"));
    };
    let (a, c) = (
        b.names[x],
        b.names
            .get(y)
            .copied()
            .ok_or_else(|| refuse(node, "reads a value the engine did not make"))?,
    );
    let op = match n.op.as_str() {
        "Add" => BinOp::Add,
        "Sub" => BinOp::Sub,
        "Mul" => BinOp::Mul,
        _ => BinOp::Div,
    };
    let same = a.shape == c.shape && (a.layout == c.layout || (a.plain() && c.plain()));
    if op == BinOp::Add && same {
        // Fused into whichever operand was made last, when only this add reads it.
        let order = |v: &Val| b.producer[v.id].map_or(-1, |s| s as i64);
        let (late, early) = if order(&a) >= order(&c) {
            (a, c)
        } else {
            (c, a)
        };
        if b.uses[late.id] == 1 && b.producer[late.id].is_some() && late.id != early.id {
            b.fuse(n.output, &late, Epi::Add(early.id));
            return Ok(());
        }
    }
    let one = |v: &Val| v.shape.h * v.shape.w == 1 && v.layout != Layout::Flat;
    let commutes = matches!(op, BinOp::Add | BinOp::Mul);
    let (lhs, rhs) = if same || (one(&c) && c.shape.c == a.shape.c) {
        (a, c)
    } else if commutes && one(&a) && a.shape.c == c.shape.c {
        (c, a)
    } else {
        return Err(refuse(node, "broadcasts in a way the engine does not run"));
    };
    if !same && lhs.layout != rhs.layout {
        return Err(refuse(node, "broadcasts across different layouts"));
    }
    b.push(
        n.output,
        Kind::Binary(op, rhs.id),
        &lhs,
        lhs.shape,
        lhs.layout,
    );
    Ok(())
}

/// Flatten, Reshape, Squeeze and Unsqueeze: a new view of the same values, or a reorder when
/// an NCHW image is flattened (or a flat row is read as an NCHW image).
fn reshape<'a>(n: &Node<'a>, b: &mut Builder<'a>, v: &Val) -> Result<(), String> {
    let node = n.pb;
    let s = v.shape;
    let total = s.len() as i64;
    let target: Vec<i64> = match n.op.as_str() {
        "Flatten" if attr_i(node, "axis", 1) == 1 => vec![0, total],
        "Reshape" => {
            let t = ints(node, b, 1, "shape")
                .ok_or_else(|| refuse(node, "has a shape that is not a constant"))?;
            let known: i64 = t.iter().skip(1).filter(|&&d| d > 0).product();
            t.iter()
                .enumerate()
                .map(|(i, &d)| match (i, d) {
                    (0, _) => 0,
                    (_, -1) => total / known.max(1),
                    (_, d) => d,
                })
                .collect()
        }
        "Squeeze" => {
            let mut axes = ints(node, b, 1, "axes").unwrap_or_default();
            axes.iter_mut().for_each(|a| *a = a.rem_euclid(v.rank()));
            let spatial: Vec<i64> = match v.layout {
                Layout::Nchw => vec![2, 3],
                Layout::Nhwc => vec![1, 2],
                Layout::Flat => vec![],
            };
            axes.sort_unstable();
            if axes != spatial || s.h * s.w != 1 {
                return Err(refuse(node, "does not squeeze the 1x1 image axes"));
            }
            vec![0, s.c as i64]
        }
        "Unsqueeze" => {
            let mut axes = ints(node, b, 1, "axes").unwrap_or_default();
            axes.iter_mut().for_each(|a| *a = a.rem_euclid(4));
            axes.sort_unstable();
            match (v.layout, axes.as_slice()) {
                (Layout::Flat, [2, 3]) => vec![0, s.c as i64, 1, 1],
                (Layout::Flat, [1, 2]) => vec![0, 1, 1, s.c as i64],
                _ => return Err(refuse(node, "does not unsqueeze a row into a 1x1 image")),
            }
        }
        _ => return Err(refuse(node, "flattens from an axis other than 1")),
    };
    let out = n.output;
    match target.as_slice() {
        [_, f] if *f == total => {
            let flat = Shape {
                h: 1,
                w: 1,
                c: s.len(),
            };
            if v.plain() {
                b.alias(out, v, flat, Layout::Flat);
            } else {
                b.push(out, Kind::Reorder(false), v, flat, Layout::Flat);
            }
        }
        &[_, a, h, w] if a * h * w == total && a > 0 && h > 0 && w > 0 => {
            let (a, h, w) = (a as usize, h as usize, w as usize);
            // [N, C, 1, 1] and [N, 1, 1, C] hold the values in stored order; a flat row read
            // as [N, C, H, W] is reordered, as [N, H, W, C] is not.
            let (shape, layout) = if h * w == 1 {
                (Shape { h: 1, w: 1, c: a }, Layout::Nchw)
            } else if a * h == 1 {
                (Shape { h: 1, w: 1, c: w }, Layout::Nhwc)
            } else if v.plain() && nhwc_follows(n, b) {
                (Shape { h: a, w: h, c: w }, Layout::Nhwc)
            } else {
                (Shape { h, w, c: a }, Layout::Nchw)
            };
            let as_stored = Val {
                shape,
                layout,
                id: v.id,
            };
            if v.plain() && as_stored.plain() {
                b.alias(out, v, shape, layout);
            } else if v.plain() && layout == Layout::Nchw {
                b.push(out, Kind::Reorder(true), v, shape, layout);
            } else {
                return Err(refuse(
                    node,
                    "reshapes an NCHW image other than by flattening it",
                ));
            }
        }
        _ => return Err(refuse(node, format!("reshapes to {target:?}"))),
    }
    Ok(())
}

/// Whether the only reader of `n`'s output is a Conv on these NCHW images.
fn conv_follows(n: &Node, b: &Builder, layout: Layout) -> bool {
    layout == Layout::Nchw
        && b.readers.get(n.output) == Some(&1)
        && b.next_nodes
            .get(n.output)
            .is_some_and(|p| p.op_type == "Conv")
}

/// Whether the only reader of `n`'s output is a Transpose from NHWC to NCHW.
fn nhwc_follows(n: &Node, b: &Builder) -> bool {
    b.readers.get(n.output) == Some(&1)
        && b.next_nodes.get(n.output).is_some_and(|p| {
            p.op_type == "Transpose" && attr_ints(p, "perm").as_deref() == Some(&[0, 3, 1, 2])
        })
}

impl ConvGraph {
    /// Reads the graph as a CNN on rows of `row_shape`, or names the first node it cannot run.
    pub fn from_proto(proto: &pb::ModelProto, row_shape: &[usize]) -> Result<ConvGraph, String> {
        let graph = proto.graph.as_ref().ok_or("the file holds no graph")?;
        if graph.output.len() != 1 {
            return Err(format!("the graph has {} outputs", graph.output.len()));
        }
        if !graph.node.iter().any(|n| n.op_type == "Conv") {
            return Err("the graph has no convolution".into());
        }
        let (inits, input) = inits_and_input(graph)?;
        let nodes = merged(&graph.node);
        let mut readers: HashMap<&str, usize> = HashMap::new();
        let mut next_nodes: HashMap<&str, &pb::NodeProto> = HashMap::new();
        for n in &nodes {
            for i in &n.inputs {
                *readers.entry(i).or_default() += 1;
                next_nodes.insert(i, n.pb);
            }
        }
        *readers.entry(graph.output[0].name.as_str()).or_default() += 1;
        // A row of [h, w, c] is NHWC unless a convolution reads it directly (NCHW).
        let conv_first = nodes
            .iter()
            .any(|n| n.inputs.first() == Some(&input.name.as_str()) && n.op == "Conv");
        let (shape, layout) = match *row_shape {
            [a, b2, c] if conv_first => (Shape { h: b2, w: c, c: a }, Layout::Nchw),
            [h, w, c] => (Shape { h, w, c }, Layout::Nhwc),
            [f] => (Shape { h: 1, w: 1, c: f }, Layout::Flat),
            _ => return Err(format!("the input has shape {row_shape:?}")),
        };
        let mut b = Builder {
            inits,
            names: HashMap::new(),
            uses: vec![readers.get(input.name.as_str()).copied().unwrap_or(0)],
            producer: vec![None],
            shapes: vec![shape],
            steps: vec![],
            readers,
            next_nodes,
            folded_pads: HashMap::new(),
        };
        let v = Val {
            id: 0,
            shape,
            layout,
        };
        if v.plain() {
            b.names.insert(input.name.as_str(), v);
        } else {
            // Rows come channels first: stored channels last by a first reorder.
            b.push(input.name.as_str(), Kind::Reorder(true), &v, shape, layout);
        }
        for n in &nodes {
            read_node(n, &mut b)?;
        }
        let out = b
            .names
            .get(graph.output[0].name.as_str())
            .copied()
            .ok_or("the graph output is not computed by the engine")?;
        let mut steps = b.steps;
        let mut shapes = b.shapes;
        let mut output = out.id;
        if !out.plain() {
            shapes.push(out.shape);
            steps.push(Step {
                kind: Kind::Reorder(false),
                input: out.id,
                in_shape: out.shape,
                output: shapes.len() - 1,
                epi: vec![],
            });
            output = shapes.len() - 1;
        }
        Ok(ConvGraph::new(steps, shapes, output))
    }
}
