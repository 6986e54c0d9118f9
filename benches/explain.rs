//! Criterion benchmarks on the reference net: raw inference per batch size, the network after its
//! first layer, and one explained row per method with and without the incremental path.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use onnx_inspector::data::{read_csv, Background};
use onnx_inspector::explain::{Explainer, ShapExplainer, ShapMethod, ShapParams};
use onnx_inspector::model::{Model, OnnxModel};

fn setup() -> (
    OnnxModel,
    ndarray::Array2<f32>,
    ndarray::Array2<f32>,
    Vec<String>,
) {
    let model = OnnxModel::load("models/ref_dense100.onnx").unwrap();
    let test = read_csv("models/digits10_test.csv").unwrap();
    let train = read_csv("models/digits10_train.csv").unwrap();
    let bg = Background::sample(&train, 50, 0).rows;
    (model, test.values, bg, test.feature_names)
}

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
}

fn inference(c: &mut Criterion) {
    let (dense, _, _, _) = setup();
    let tract = OnnxModel::load("models/ref_dense100.onnx")
        .unwrap()
        .without_fast_path();
    let train = read_csv("models/digits10_train.csv").unwrap().values;
    let pool = one_thread();
    for (engine, model) in [("dense", &dense), ("tract", &tract)] {
        let mut g = c.benchmark_group(format!("inference_1thread_{engine}"));
        for batch in [256usize, 1024, 2048, 8192] {
            let rows = ndarray::Array2::from_shape_fn((batch, 100), |(i, j)| {
                train[[i % train.nrows(), j]]
            });
            model.predict(rows.view()).unwrap();
            g.throughput(Throughput::Elements(batch as u64));
            g.bench_with_input(BenchmarkId::from_parameter(batch), &rows, |b, rows| {
                b.iter(|| pool.install(|| model.predict(rows.view()).unwrap()))
            });
        }
        g.finish();
    }
}

fn explain_row(c: &mut Criterion) {
    let (model, test, bg, names) = setup();
    let x = test.slice(ndarray::s![0..1, ..]).to_owned();
    let pool = one_thread();
    let mut g = c.benchmark_group("explain_row_1thread");
    g.sample_size(10);
    let mut one_row = |name: String, opts: ShapParams| {
        g.bench_function(name, |b| {
            b.iter(|| {
                pool.install(|| {
                    ShapExplainer::new(&model, bg.view())
                        .params(opts.clone())
                        .feature_names(names.clone())
                        .explain_indexed(x.view(), &[0])
                        .unwrap()
                })
            })
        });
    };
    for method in [ShapMethod::Kernel, ShapMethod::Permutation] {
        // Default: the incremental first-layer path; "-whole-rows": every masked row through the model.
        for (suffix, incremental) in [("", true), ("-whole-rows", false)] {
            let opts = ShapParams {
                method,
                incremental,
                ..ShapParams::default()
            };
            one_row(format!("{method:?}{suffix}").to_lowercase(), opts);
        }
    }
    // The batch setting of issue 23: permutation at 500 coalitions per row (the estimator's hot
    // loop: first-layer updates, the fused head, averaging).
    let opts = ShapParams {
        method: ShapMethod::Permutation,
        samples: Some(500),
        ..ShapParams::default()
    };
    one_row("permutation-500".into(), opts);
    g.finish();
}

/// The rest of the network after its first layer (what the incremental path runs per model row),
/// against the whole network, on the same rows.
fn tail_inference(c: &mut Criterion) {
    let (model, _, _, _) = setup();
    let first = model
        .first_linear()
        .expect("the reference net exposes its first layer");
    let train = read_csv("models/digits10_train.csv").unwrap().values;
    let pool = one_thread();
    let mut g = c.benchmark_group("inference_1thread_tail");
    for batch in [1024usize, 8192] {
        let rows =
            ndarray::Array2::from_shape_fn((batch, 100), |(i, j)| train[[i % train.nrows(), j]]);
        let pre = first.pre_activations(rows.view());
        g.throughput(Throughput::Elements(batch as u64));
        g.bench_with_input(BenchmarkId::from_parameter(batch), &pre, |b, pre| {
            b.iter(|| pool.install(|| model.predict_from_linear(pre.view()).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, inference, tail_inference, explain_row);
criterion_main!(benches);
