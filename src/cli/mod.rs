//! Command-line parsing and dispatch; every command calls into the library.

mod demo;
pub mod errors;
mod explain;
mod groups_arg;
mod info;
mod plot;
mod predict;
mod report;
mod swapped;
mod train;

use clap::{Parser, Subcommand, ValueEnum};
use onnx_inspector::model::Engine;

/// Explain ONNX neural networks: SHAP and LIME attributions, JSON and charts.
#[derive(Parser)]
#[command(name = "onnx-inspector", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show a model's inputs, outputs, ops, parameters, producer and opset.
    Info(info::InfoArgs),
    /// Run the built-in demo: explain test digits of the bundled network with SHAP and LIME.
    Demo(demo::DemoArgs),
    /// Explain rows with SHAP or LIME and write explanations.json.
    Explain(Box<explain::ExplainArgs>),
    /// Combine the shard folders of one `explain --shard K/N` run into one folder.
    Merge(explain::MergeArgs),
    /// Run a model on every row of a data file and write the outputs as CSV.
    Predict(predict::PredictArgs),
    /// Train the reference network (Dense-relu, Dense-softmax, Adam) and export it to ONNX.
    Train(train::TrainArgs),
    /// Draw charts (PNG or SVG) of an explanations.json.
    Plot(plot::PlotArgs),
    /// Write one self-contained report.html of a finished run folder (charts, rows, cohorts).
    Report(report::ReportArgs),
}

/// Parses the command line and runs the chosen command.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Info(a) => info::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Explain(a) => explain::run(*a),
        Command::Merge(a) => explain::run_merge(a),
        Command::Predict(a) => predict::run(a),
        Command::Train(a) => train::run(a),
        Command::Plot(a) => plot::run(a),
        Command::Report(a) => report::run(a),
    }
}

/// `--engine`: which inference engine runs the model.
#[derive(Clone, Copy, ValueEnum)]
pub enum EngineArg {
    /// onnxruntime if built in, else the dense or conv fast path, else tract
    Auto,
    /// tract only
    Tract,
    /// native fast path for chains of Dense layers
    Dense,
    /// native fast path for Keras CNNs (sequential, or graphs with depthwise, residual and squeeze-excite blocks)
    Conv,
    /// onnxruntime (cargo feature `ort`)
    Ort,
}

impl From<EngineArg> for Engine {
    fn from(e: EngineArg) -> Engine {
        match e {
            EngineArg::Auto => Engine::Auto,
            EngineArg::Tract => Engine::Tract,
            EngineArg::Dense => Engine::Dense,
            EngineArg::Conv => Engine::Conv,
            EngineArg::Ort => Engine::Ort,
        }
    }
}

/// Runs `f` on a rayon pool of `threads` threads (0 = all cores).
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    Ok(pool.install(f))
}
