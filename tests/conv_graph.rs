//! The conv engine's graph form, op by op against tract: small ONNX graphs shaped like tf2onnx's
//! Keras exports (NHWC input, a transpose to NCHW, the op under test, then the images and their
//! ReLU joined along the channels and flattened), odd image sizes, padding modes, strides and
//! dilations, random weights and random inputs.

use ndarray::Array2;
use onnx_inspector::model::{Engine, Model, OnnxModel};
use prost::Message;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tract_onnx::pb;
use tract_onnx::pb::tensor_shape_proto::{dimension::Value as Dim, Dimension};

/// A graph under construction: nodes, float and int initializers, a name counter, a generator.
struct G {
    nodes: Vec<pb::NodeProto>,
    inits: Vec<pb::TensorProto>,
    next: usize,
    rng: ChaCha8Rng,
}

fn int_attr(name: &str, i: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        i,
        r#type: pb::attribute_proto::AttributeType::Int as i32,
        ..Default::default()
    }
}

fn ints_attr(name: &str, ints: &[i64]) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        ints: ints.to_vec(),
        r#type: pb::attribute_proto::AttributeType::Ints as i32,
        ..Default::default()
    }
}

fn float_attr(name: &str, f: f32) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        f,
        r#type: pb::attribute_proto::AttributeType::Float as i32,
        ..Default::default()
    }
}

fn str_attr(name: &str, s: &str) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        s: s.as_bytes().to_vec(),
        r#type: pb::attribute_proto::AttributeType::String as i32,
        ..Default::default()
    }
}

fn value(name: &str, dims: &[Option<usize>]) -> pb::ValueInfoProto {
    let dim = |d: &Option<usize>| Dimension {
        value: Some(match d {
            Some(v) => Dim::DimValue(*v as i64),
            None => Dim::DimParam("N".into()),
        }),
        ..Default::default()
    };
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: pb::tensor_proto::DataType::Float as i32,
                shape: Some(pb::TensorShapeProto {
                    dim: dims.iter().map(dim).collect(),
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

impl G {
    fn new(seed: u64) -> G {
        G {
            nodes: vec![],
            inits: vec![],
            next: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    fn name(&mut self, what: &str) -> String {
        self.next += 1;
        format!("{what}_{}", self.next)
    }

    /// A float initializer of `dims` with values from `f`.
    fn floats(&mut self, dims: &[usize], mut f: impl FnMut(&mut ChaCha8Rng) -> f32) -> String {
        let name = self.name("w");
        let n: usize = dims.iter().product();
        let v: Vec<f32> = (0..n).map(|_| f(&mut self.rng)).collect();
        self.inits.push(pb::TensorProto {
            name: name.clone(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: pb::tensor_proto::DataType::Float as i32,
            raw_data: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ..Default::default()
        });
        name
    }

    fn random(&mut self, dims: &[usize], scale: f32) -> String {
        self.floats(dims, |r| r.gen_range(-scale..scale))
    }

    fn int64s(&mut self, v: &[i64]) -> String {
        let name = self.name("i");
        self.inits.push(pb::TensorProto {
            name: name.clone(),
            dims: vec![v.len() as i64],
            data_type: pb::tensor_proto::DataType::Int64 as i32,
            int64_data: v.to_vec(),
            ..Default::default()
        });
        name
    }

    fn op(&mut self, op: &str, inputs: &[&str], attrs: Vec<pb::AttributeProto>) -> String {
        let out = self.name(op);
        self.nodes.push(pb::NodeProto {
            op_type: op.into(),
            name: out.clone(),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![out.clone()],
            attribute: attrs,
            ..Default::default()
        });
        out
    }

    /// A Conv of `x` (`c` channels) to `o` channels with a bias and `attrs`.
    fn conv(
        &mut self,
        x: &str,
        c: usize,
        o: usize,
        k: usize,
        group: usize,
        attrs: Vec<pb::AttributeProto>,
    ) -> String {
        let w = self.random(&[o, c / group, k, k], 0.5);
        let b = self.random(&[o], 0.5);
        let mut attrs = attrs;
        attrs.push(int_attr("group", group as i64));
        attrs.push(ints_attr("kernel_shape", &[k as i64, k as i64]));
        self.op("Conv", &[x, &w, &b], attrs)
    }

    /// The model: NHWC input of `h`x`w`x`c`, transposed to NCHW, `body`, then concat with its
    /// ReLU and flatten (NCHW order), beside a 1x1 convolution of the input, as the output.
    fn model(
        mut self,
        h: usize,
        w: usize,
        c: usize,
        body: impl FnOnce(&mut G, &str) -> String,
    ) -> Vec<u8> {
        let t = self.op(
            "Transpose",
            &["input"],
            vec![ints_attr("perm", &[0, 3, 1, 2])],
        );
        let y = body(&mut self, &t);
        let r = self.op("Relu", &[&y], vec![]);
        let cat = self.op("Concat", &[&y, &r], vec![int_attr("axis", 1)]);
        let flat = self.op("Flatten", &[&cat], vec![int_attr("axis", 1)]);
        // A side branch: a 1x1 convolution of the input, flattened beside the rest.
        let side = self.conv(&t, c, 1, 1, 1, vec![]);
        let side = self.op("Flatten", &[&side], vec![int_attr("axis", 1)]);
        let out = self.op("Concat", &[&flat, &side], vec![int_attr("axis", 1)]);
        let graph = pb::GraphProto {
            name: "g".into(),
            node: self.nodes,
            initializer: self.inits,
            input: vec![value("input", &[None, Some(h), Some(w), Some(c)])],
            output: vec![pb::ValueInfoProto {
                name: out,
                ..Default::default()
            }],
            ..Default::default()
        };
        pb::ModelProto {
            ir_version: 7,
            opset_import: vec![pb::OperatorSetIdProto {
                domain: String::new(),
                version: 13,
            }],
            graph: Some(graph),
            ..Default::default()
        }
        .encode_to_vec()
    }
}

/// Loads `bytes` with the conv engine (its graph form) and with tract and compares them on
/// random rows; returns the largest difference relative to the largest output.
fn against_tract(what: &str, bytes: &[u8], rows: usize) -> f32 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.onnx");
    std::fs::write(&path, bytes).unwrap();
    let conv = OnnxModel::load_with(&path, Engine::Conv)
        .unwrap_or_else(|e| panic!("{what}: the conv engine refuses it: {e}"));
    assert!(
        conv.info().engine.contains("graph form"),
        "{what}: {}",
        conv.info().engine
    );
    let tract = OnnxModel::load_with(&path, Engine::Tract).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(rows as u64);
    let x = Array2::from_shape_fn((rows, conv.n_features()), |_| rng.gen_range(-2.0f32..2.0));
    let (a, b) = (
        conv.predict(x.view()).unwrap(),
        tract.predict(x.view()).unwrap(),
    );
    assert_eq!(a.dim(), b.dim(), "{what}");
    let scale = b.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    let diff = a
        .iter()
        .zip(b.iter())
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f32::max);
    diff / scale
}

fn check(what: &str, bytes: Vec<u8>) {
    for rows in [1, 5, 67] {
        let d = against_tract(what, &bytes, rows);
        assert!(
            d <= 1e-5,
            "{what}: differs from tract by {d:e} (relative) on {rows} rows"
        );
    }
}

type Body = Box<dyn Fn(&mut G, &str) -> String>;

/// Convolutions: kernels, strides, dilations, groups and every auto_pad mode, on odd sizes.
#[test]
fn convolutions_match_tract() {
    let pads = |p: [i64; 4]| ints_attr("pads", &p);
    let cases: Vec<(&str, usize, Body)> = vec![
        (
            "3x3 same_upper stride 1",
            4,
            Box::new(|g, x| g.conv(x, 4, 6, 3, 1, vec![str_attr("auto_pad", "SAME_UPPER")])),
        ),
        (
            "3x3 same_lower stride 2",
            4,
            Box::new(|g, x| {
                g.conv(
                    x,
                    4,
                    5,
                    3,
                    1,
                    vec![
                        str_attr("auto_pad", "SAME_LOWER"),
                        ints_attr("strides", &[2, 2]),
                    ],
                )
            }),
        ),
        (
            "3x3 valid stride 2",
            4,
            Box::new(|g, x| {
                g.conv(
                    x,
                    4,
                    20,
                    3,
                    1,
                    vec![str_attr("auto_pad", "VALID"), ints_attr("strides", &[2, 2])],
                )
            }),
        ),
        (
            "5x5 pads asymmetric dilation 2",
            4,
            Box::new(move |g, x| {
                g.conv(
                    x,
                    4,
                    3,
                    5,
                    1,
                    vec![pads([2, 1, 3, 0]), ints_attr("dilations", &[2, 2])],
                )
            }),
        ),
        (
            "1x1 pointwise",
            4,
            Box::new(|g, x| g.conv(x, 4, 33, 1, 1, vec![])),
        ),
        (
            "1x1 stride 2",
            4,
            Box::new(|g, x| g.conv(x, 4, 7, 1, 1, vec![ints_attr("strides", &[2, 2])])),
        ),
        (
            "grouped 2",
            4,
            Box::new(move |g, x| g.conv(x, 4, 6, 3, 2, vec![pads([1, 1, 1, 1])])),
        ),
        (
            "depthwise 3x3 stride 1",
            4,
            Box::new(move |g, x| g.conv(x, 4, 4, 3, 4, vec![pads([1, 1, 1, 1])])),
        ),
        (
            "depthwise 3x3 stride 2 same_upper",
            4,
            Box::new(|g, x| {
                g.conv(
                    x,
                    4,
                    4,
                    3,
                    4,
                    vec![
                        str_attr("auto_pad", "SAME_UPPER"),
                        ints_attr("strides", &[2, 2]),
                    ],
                )
            }),
        ),
        (
            "depthwise 5x5 stride 2",
            4,
            Box::new(move |g, x| {
                g.conv(
                    x,
                    4,
                    4,
                    5,
                    4,
                    vec![pads([1, 2, 2, 1]), ints_attr("strides", &[2, 2])],
                )
            }),
        ),
        (
            "depthwise 3x3 dilation 2",
            4,
            Box::new(move |g, x| {
                g.conv(
                    x,
                    4,
                    4,
                    3,
                    4,
                    vec![pads([2, 2, 2, 2]), ints_attr("dilations", &[2, 2])],
                )
            }),
        ),
        (
            "depth multiplier 2",
            4,
            Box::new(move |g, x| g.conv(x, 4, 8, 3, 4, vec![pads([1, 1, 1, 1])])),
        ),
    ];
    for (i, (what, c, body)) in cases.into_iter().enumerate() {
        let (h, w) = (7 + i % 3, 9 - i % 2);
        check(what, G::new(i as u64).model(h, w, c, body));
    }
}

/// Per-channel steps: batch norm, constant arithmetic, every activation, fused or not.
#[test]
fn per_channel_steps_and_activations_match_tract() {
    let cases: Vec<(&str, Body)> = vec![
        (
            "batch norm then relu6 (Clip)",
            Box::new(|g, x| {
                let y = g.conv(x, 3, 5, 3, 1, vec![str_attr("auto_pad", "SAME_UPPER")]);
                let (s, b, m) = (
                    g.random(&[5], 1.0),
                    g.random(&[5], 1.0),
                    g.random(&[5], 1.0),
                );
                let v = g.floats(&[5], |r| r.gen_range(0.5..2.0));
                let bn = g.op(
                    "BatchNormalization",
                    &[&y, &s, &b, &m, &v],
                    vec![float_attr("epsilon", 1e-3)],
                );
                let (lo, hi) = (g.floats(&[], |_| 0.0), g.floats(&[], |_| 6.0));
                g.op("Clip", &[&bn, &lo, &hi], vec![])
            }),
        ),
        (
            "constant add, sub, mul, div per channel and scalar",
            Box::new(|g, x| {
                let k = g.random(&[3, 1, 1], 1.0);
                let a = g.op("Add", &[x, &k], vec![]);
                let k = g.random(&[1, 3, 1, 1], 1.0);
                let a = g.op("Mul", &[&k, &a], vec![]);
                let k = g.floats(&[1], |_| 0.25);
                let a = g.op("Sub", &[&a, &k], vec![]);
                let k = g.floats(&[3, 1, 1], |r| r.gen_range(0.5..2.0));
                let a = g.op("Div", &[&a, &k], vec![]);
                let k = g.random(&[3, 1, 1], 1.0);
                g.op("Sub", &[&k, &a], vec![])
            }),
        ),
        (
            "swish (x * sigmoid x) after a conv",
            Box::new(|g, x| {
                let y = g.conv(x, 3, 4, 3, 1, vec![str_attr("auto_pad", "SAME_UPPER")]);
                let s = g.op("Sigmoid", &[&y], vec![]);
                g.op("Mul", &[&s, &y], vec![])
            }),
        ),
        (
            "hard swish (x * HardSigmoid x), HardSigmoid, Tanh, LeakyRelu",
            Box::new(|g, x| {
                let y = g.conv(x, 3, 4, 1, 1, vec![]);
                let s = g.op(
                    "HardSigmoid",
                    &[&y],
                    vec![float_attr("alpha", 1.0 / 6.0), float_attr("beta", 0.5)],
                );
                let hs = g.op("Mul", &[&y, &s], vec![]);
                let t = g.op("Tanh", &[&hs], vec![]);
                let l = g.op("LeakyRelu", &[&t], vec![float_attr("alpha", 0.3)]);
                g.op("HardSigmoid", &[&l], vec![])
            }),
        ),
        (
            "sigmoid of the input (nothing to fuse into)",
            Box::new(|g, x| g.op("Sigmoid", &[x], vec![])),
        ),
        (
            "hard swish as Add, Clip, Mul, Mul",
            Box::new(|g, x| {
                let three = g.floats(&[], |_| 3.0);
                let a = g.op("Add", &[x, &three], vec![]);
                let (lo, hi) = (g.floats(&[], |_| 0.0), g.floats(&[], |_| 6.0));
                let c = g.op("Clip", &[&a, &lo, &hi], vec![]);
                let sixth = g.floats(&[], |_| 1.0 / 6.0);
                let d = g.op("Mul", &[&c, &sixth], vec![]);
                g.op("Mul", &[x, &d], vec![])
            }),
        ),
    ];
    for (i, (what, body)) in cases.into_iter().enumerate() {
        check(what, G::new(100 + i as u64).model(5 + i % 2, 7, 3, body));
    }
}

/// Graph structure: residual adds, concats, squeeze-excite, pads, pooling, flatten and dense.
#[test]
fn graph_structures_match_tract() {
    let cases: Vec<(&str, Body)> = vec![
        (
            "residual add (input + conv)",
            Box::new(|g, x| {
                let y = g.conv(x, 4, 4, 3, 1, vec![str_attr("auto_pad", "SAME_UPPER")]);
                let r = g.op("Relu", &[&y], vec![]);
                g.op("Add", &[x, &r], vec![])
            }),
        ),
        (
            "residual add of two branches, then sub and div of computed",
            Box::new(|g, x| {
                let a = g.conv(x, 4, 6, 1, 1, vec![]);
                let b = g.conv(x, 4, 6, 3, 1, vec![str_attr("auto_pad", "SAME_UPPER")]);
                let s = g.op("Add", &[&b, &a], vec![]);
                let d = g.op("Sub", &[&s, &a], vec![]);
                let e = g.op("Sigmoid", &[&b], vec![]);
                let one = g.floats(&[], |_| 1.0);
                let e = g.op("Add", &[&e, &one], vec![]);
                g.op("Div", &[&d, &e], vec![])
            }),
        ),
        (
            "concat of three",
            Box::new(|g, x| {
                let a = g.conv(x, 4, 2, 1, 1, vec![]);
                let b = g.op("Relu", &[x], vec![]);
                g.op("Concat", &[&a, x, &b], vec![int_attr("axis", 1)])
            }),
        ),
        (
            "squeeze-excite with 1x1 convs",
            Box::new(|g, x| {
                let y = g.conv(x, 4, 8, 3, 1, vec![str_attr("auto_pad", "SAME_UPPER")]);
                let p = g.op("GlobalAveragePool", &[&y], vec![]);
                let s = g.conv(&p, 8, 2, 1, 1, vec![]);
                let s = g.op("Relu", &[&s], vec![]);
                let s = g.conv(&s, 2, 8, 1, 1, vec![]);
                let s = g.op("Sigmoid", &[&s], vec![]);
                g.op("Mul", &[&y, &s], vec![])
            }),
        ),
        (
            "squeeze-excite with ReduceMean, Reshape and Dense (MatMul, Add)",
            Box::new(|g, x| {
                let m = g.op(
                    "ReduceMean",
                    &[x],
                    vec![ints_attr("axes", &[2, 3]), int_attr("keepdims", 0)],
                );
                let w = g.random(&[4, 4], 0.5);
                let d = g.op("MatMul", &[&m, &w], vec![]);
                let b = g.random(&[4], 0.5);
                let d = g.op("Add", &[&d, &b], vec![]);
                let d = g.op("Sigmoid", &[&d], vec![]);
                let shape = g.int64s(&[-1, 4, 1, 1]);
                let r = g.op("Reshape", &[&d, &shape], vec![]);
                g.op("Mul", &[&r, x], vec![])
            }),
        ),
        (
            "pads: constant 0.5, edge, reflect",
            Box::new(|g, x| {
                let p = g.int64s(&[0, 0, 1, 2, 0, 0, 2, 0]);
                let v = g.floats(&[], |_| 0.5);
                let a = g.op("Pad", &[x, &p, &v], vec![str_attr("mode", "constant")]);
                let p = g.int64s(&[0, 0, 1, 1, 0, 0, 1, 1]);
                let b = g.op("Pad", &[&a, &p], vec![str_attr("mode", "edge")]);
                let p = g.int64s(&[0, 0, 2, 1, 0, 0, 1, 2]);
                let c = g.op("Pad", &[&b, &p], vec![str_attr("mode", "reflect")]);
                g.conv(&c, 4, 3, 3, 1, vec![ints_attr("strides", &[2, 2])])
            }),
        ),
        (
            "max and average pooling",
            Box::new(|g, x| {
                let k = ints_attr("kernel_shape", &[3, 3]);
                let a = g.op(
                    "MaxPool",
                    &[x],
                    vec![
                        k.clone(),
                        ints_attr("pads", &[1, 1, 1, 1]),
                        ints_attr("strides", &[2, 2]),
                    ],
                );
                let b = g.op(
                    "AveragePool",
                    &[x],
                    vec![
                        k.clone(),
                        ints_attr("pads", &[1, 1, 1, 1]),
                        ints_attr("strides", &[2, 2]),
                        int_attr("count_include_pad", 1),
                    ],
                );
                let c = g.op(
                    "AveragePool",
                    &[x],
                    vec![
                        k,
                        str_attr("auto_pad", "SAME_UPPER"),
                        ints_attr("strides", &[2, 2]),
                    ],
                );
                let s = g.op("Add", &[&a, &b], vec![]);
                g.op("Sub", &[&s, &c], vec![])
            }),
        ),
        (
            "NHWC transpose back, flatten, Gemm (transB), softmax",
            Box::new(|g, x| {
                let y = g.conv(x, 4, 3, 3, 1, vec![ints_attr("strides", &[2, 2])]);
                let t = g.op("Transpose", &[&y], vec![ints_attr("perm", &[0, 2, 3, 1])]);
                let f = g.op("Flatten", &[&t], vec![int_attr("axis", 1)]);
                // 7x9 input, 3x3 stride 2 valid: 3x4 pixels of 3 channels.
                let w = g.random(&[5, 36], 0.5);
                let b = g.random(&[5], 0.5);
                let d = g.op(
                    "Gemm",
                    &[&f, &w, &b],
                    vec![int_attr("transB", 1), float_attr("alpha", 0.5)],
                );
                let s = g.op("Softmax", &[&d], vec![int_attr("axis", 1)]);
                let shape = g.int64s(&[-1, 5, 1, 1]);
                g.op("Reshape", &[&s, &shape], vec![])
            }),
        ),
    ];
    for (i, (what, body)) in cases.into_iter().enumerate() {
        check(what, G::new(200 + i as u64).model(7, 9, 4, body));
    }
}

/// A graph with an op the engine does not run is left to tract, and `info` names that node.
#[test]
fn info_names_the_first_node_the_engine_cannot_run() {
    let bytes = G::new(9).model(5, 5, 2, |g, x| {
        let y = g.conv(x, 2, 2, 3, 1, vec![str_attr("auto_pad", "SAME_UPPER")]);
        let a = g.op("Add", &[&y, x], vec![]);
        g.op("Erf", &[&a], vec![])
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("erf.onnx");
    std::fs::write(&path, bytes).unwrap();
    let auto = OnnxModel::load(&path).unwrap();
    if !Engine::ort_compiled() {
        assert_eq!(auto.engine(), Engine::Tract);
        assert!(
            auto.info().engine.contains("(Erf)"),
            "{}",
            auto.info().engine
        );
    }
    let err = OnnxModel::load_with(&path, Engine::Conv)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("(Erf) is not supported by the conv graph engine"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
