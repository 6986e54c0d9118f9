//! Where inference time goes, one thread: tract's own loop (plan for one concrete batch, one
//! state, same input) with a per-operator profile, against `OnnxModel::predict` with each engine.
//!
//! cargo run --release [--features ort] --example profile_engines -- MODEL.onnx BATCH [SECONDS]
//! (`PROFILE_ONLY=conv,ort`: only these engines, without tract's own loop and profile)

use onnx_inspector::model::{tile_batch_constants, Engine, Model, OnnxModel, Pipeline};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tract_onnx::prelude::*;
use tract_onnx::tract_core::plan::eval;

/// User + system CPU seconds of this process so far (Linux; 0 elsewhere), a rate less
/// sensitive than wall time to other processes on a shared machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// Calls `f` until `seconds` pass (at least 3 times) and returns calls per second.
fn rate(seconds: f64, mut f: impl FnMut()) -> f64 {
    f();
    let start = Instant::now();
    let mut calls = 0usize;
    while calls < 3 || start.elapsed().as_secs_f64() < seconds {
        f();
        calls += 1;
    }
    calls as f64 / start.elapsed().as_secs_f64()
}

fn main() -> TractResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: profile_engines MODEL.onnx BATCH [SECONDS]");
    let batch: usize = args.get(2).map_or(1024, |b| b.parse().expect("BATCH"));
    let seconds: f64 = args.get(3).map_or(3.0, |s| s.parse().expect("SECONDS"));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;

    let ours = OnnxModel::load_with(path, Engine::Tract)?;
    let row_shape = ours.row_shape();
    let n_features = ours.n_features();
    let x = tract_ndarray::Array2::from_shape_fn((batch, n_features), |(i, j)| {
        ((i * 131 + j * 71) % 255) as f32 / 255.0
    });

    // PROFILE_ONLY=conv,tract: only these engines through OnnxModel::predict (no tract alone).
    if let Ok(only) = std::env::var("PROFILE_ONLY") {
        predict_rates(path, &x, seconds, &pool, Some(&only));
        return Ok(());
    }

    // tract alone: concrete batch, optimised, one state reused.
    let mut shape = vec![batch];
    shape.extend_from_slice(&row_shape);
    let mut m = tract_onnx::onnx()
        .with_ignore_output_shapes(true)
        .model_for_path(path)?;
    m.set_input_fact(0, f32::fact(&shape).into())?;
    for o in 0..m.output_outlets()?.len() {
        m.set_output_fact(o, InferenceFact::default())?;
    }
    let mut typed = m.into_typed()?.into_decluttered()?;
    // PROFILE_TUNED=1: profile the plan as OnnxModel builds it (batch-tiled constants).
    if std::env::var_os("PROFILE_TUNED").is_some() {
        let n = tile_batch_constants(&mut typed, batch)?;
        println!("{n} constant(s) tiled to the batch");
    }
    // tract's pipeline, or the reduced one OnnxModel falls back to (e.g. Keras' ResNet50).
    let (optimized, pipeline) =
        onnx_inspector::model::optimized(std::path::Path::new(path), typed, &Pipeline::Full)?;
    println!("optimiser: {pipeline}");
    if std::env::var_os("PROFILE_DUMP").is_some() {
        for node in optimized.nodes() {
            println!(
                "{} {} {:?}",
                node.name,
                node.op().name(),
                node.outputs[0].fact
            );
        }
    }
    let plan = optimized.into_runnable()?;
    let mut state = plan.spawn()?;
    let input = Tensor::from_shape(&shape, x.as_slice().unwrap())?;
    let tract_rate = rate(seconds, || {
        state.run(tvec!(input.clone().into_tvalue())).unwrap();
    }) * batch as f64;

    // Per-operator profile of the same plan.
    let mut per_op: BTreeMap<String, (Duration, usize)> = BTreeMap::new();
    let mut profile_calls = 0;
    let start = Instant::now();
    while profile_calls < 3 || start.elapsed().as_secs_f64() < seconds {
        state.run_plan_with_eval(
            tvec!(input.clone().into_tvalue()),
            |ctx, st, node, inputs| {
                let t = Instant::now();
                let r = eval(ctx, st, node, inputs);
                let e = per_op.entry(node.op().name().to_string()).or_default();
                e.0 += t.elapsed();
                e.1 += 1;
                r
            },
        )?;
        profile_calls += 1;
    }
    let total: Duration = per_op.values().map(|v| v.0).sum();
    let mut ops: Vec<_> = per_op.into_iter().collect();
    ops.sort_by_key(|o| std::cmp::Reverse(o.1 .0));
    println!("{path}, batch {batch}, one thread");
    println!("tract alone (concrete plan, one state): {tract_rate:.0} rows/s");
    println!("tract operator profile ({profile_calls} calls):");
    for (name, (t, n)) in ops.iter().take(12) {
        println!(
            "  {name:<28} {:5.1}%  {:>4} nodes",
            100.0 * t.as_secs_f64() / total.as_secs_f64(),
            n / profile_calls
        );
    }

    predict_rates(path, &x, seconds, &pool, None);
    Ok(())
}

/// Rows/s of `OnnxModel::predict` with each engine (or only those named in `only`, e.g. "conv,tract").
fn predict_rates(
    path: &str,
    x: &tract_ndarray::Array2<f32>,
    seconds: f64,
    pool: &rayon::ThreadPool,
    only: Option<&str>,
) {
    let mut engines = vec![Engine::Tract, Engine::Dense, Engine::Conv];
    if Engine::ort_compiled() {
        engines.push(Engine::Ort);
    }
    engines.retain(|e| only.is_none_or(|o| o.split(',').any(|n| n == e.name())));
    for engine in engines {
        match OnnxModel::load_with(path, engine) {
            Ok(model) => {
                let cpu0 = cpu_seconds();
                let mut calls = 0usize;
                let r = pool.install(|| {
                    rate(seconds, || {
                        model.predict(x.view()).unwrap();
                        calls += 1;
                    })
                }) * x.nrows() as f64;
                let per_cpu = (calls * x.nrows()) as f64 / (cpu_seconds() - cpu0).max(1e-9);
                println!(
                    "OnnxModel::predict, --engine {engine}: {r:.0} rows/s ({per_cpu:.0} rows per CPU-second)"
                );
            }
            Err(e) => println!("--engine {engine}: {e}"),
        }
    }
}
