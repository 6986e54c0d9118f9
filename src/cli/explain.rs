//! `explain`: attributions for rows of a data file, written as `explanations.json`.

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use onnx_inspector::explain::{
    Discretizer, Estimator, LimeParams, Progress, Sampling, Selection, ShapMethod, ShapParams,
    DEFAULT_BLOCK_ROWS,
};
use onnx_inspector::pipeline::{run_explain, ExplainRequest};
use onnx_inspector::report::summary::summary_table;
use onnx_inspector::report::{write_default_charts, ChartFormat};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Clone, Copy, ValueEnum)]
enum MethodArg {
    Auto,
    Exact,
    Kernel,
    Permutation,
    Lime,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiscretizerArg {
    Quartile,
    Decile,
}

#[derive(Clone, Copy, ValueEnum)]
enum SelectionArg {
    Auto,
    Forward,
    HighestWeights,
    LassoPath,
    None,
}

#[derive(Clone, Copy, ValueEnum)]
enum SamplingArg {
    Kernel,
    Leverage,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// The .onnx model file.
    model: PathBuf,
    /// Rows to explain: .csv with a header of feature names, or .npy.
    #[arg(long)]
    data: PathBuf,
    /// Background rows standing in for absent features (default: a sample of --data).
    #[arg(long)]
    background: Option<PathBuf>,
    /// Rows sampled from --data as background when --background is not given.
    #[arg(long, default_value_t = ExplainRequest::DEFAULT_BACKGROUND_SIZE)]
    background_size: usize,
    /// Estimator: auto = exact when all coalitions fit the budget, else permutation (measured
    /// best per unit time); lime = LIME.
    #[arg(long, value_enum, default_value = "auto")]
    method: MethodArg,
    /// Rows to explain, e.g. 0:20, 5, 1,4,9 (default: all).
    #[arg(long)]
    rows: Option<String>,
    /// Coalitions per row (default 2*M + 2048, as shap's KernelExplainer); LIME: samples (default 5000).
    #[arg(long)]
    samples: Option<usize>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads (0 = all cores); results do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Stop a row early once max stderr < T * (max phi - min phi).
    #[arg(long)]
    tolerance: Option<f64>,
    /// How kernel SHAP samples coalition sizes (leverage: uniform sizes, measured more accurate per evaluation).
    #[arg(long, value_enum, default_value = "leverage")]
    sampling: SamplingArg,
    /// Model rows built and sent per call (bounds memory).
    #[arg(long, default_value_t = DEFAULT_BLOCK_ROWS)]
    block_rows: usize,
    /// Send whole masked rows through the model even when its first dense layer could be
    /// updated incrementally (same attributions to rounding; for comparisons and timing).
    #[arg(long)]
    no_incremental: bool,
    /// LIME: training data for the perturbation statistics (default: --data).
    #[arg(long)]
    train: Option<PathBuf>,
    /// LIME: features kept in each surrogate.
    #[arg(long, default_value_t = LimeParams::DEFAULT_FEATURES)]
    num_features: usize,
    /// LIME: percentile bins of continuous features.
    #[arg(long, value_enum, default_value = "quartile")]
    discretizer: DiscretizerArg,
    /// LIME: no bins; gaussian samples scaled by the training std.
    #[arg(long)]
    no_discretize: bool,
    /// LIME: with --no-discretize, sample around the instance instead of the training mean.
    #[arg(long)]
    sample_around_instance: bool,
    /// LIME: kernel width (default 0.75 * sqrt(M)).
    #[arg(long)]
    kernel_width: Option<f64>,
    /// LIME: feature selection (auto = forward when --num-features <= 6, else highest weights).
    #[arg(long, value_enum, default_value = "auto")]
    feature_selection: SelectionArg,
    /// LIME: comma-separated categorical features (names or 0-based indices), sampled from their
    /// training frequencies and explained as "same category or not", as lime's categorical_features.
    #[arg(long, value_delimiter = ',')]
    categorical: Vec<String>,
    /// Comma-separated names for the output columns (e.g. class labels).
    #[arg(long, value_delimiter = ',')]
    output_names: Option<Vec<String>>,
    /// Comma-separated outputs to explain (output names or 0-based indices), like lime's
    /// `labels`; default: every output.
    #[arg(long, value_delimiter = ',')]
    labels: Vec<String>,
    /// Output folder for explanations.json.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Inference engine: auto = the fastest one that matches tract on probe rows.
    #[arg(long, value_enum, default_value = "auto")]
    engine: super::EngineArg,
    /// No progress bar and no summary table.
    #[arg(long)]
    quiet: bool,
    /// Only write explanations.json (no default charts).
    #[arg(long)]
    no_charts: bool,
}

impl ExplainArgs {
    /// The estimator and its settings, from the flags.
    fn estimator(&self) -> Estimator {
        let shap = |method| {
            Estimator::Shap(ShapParams {
                method,
                samples: self.samples,
                seed: self.seed,
                tolerance: self.tolerance,
                sampling: match self.sampling {
                    SamplingArg::Kernel => Sampling::Kernel,
                    SamplingArg::Leverage => Sampling::Leverage,
                },
                block_rows: self.block_rows,
                incremental: !self.no_incremental,
            })
        };
        match self.method {
            MethodArg::Auto => shap(ShapMethod::Auto),
            MethodArg::Exact => shap(ShapMethod::Exact),
            MethodArg::Kernel => shap(ShapMethod::Kernel),
            MethodArg::Permutation => shap(ShapMethod::Permutation),
            MethodArg::Lime => Estimator::Lime(LimeParams {
                num_samples: self.samples.unwrap_or(LimeParams::DEFAULT_SAMPLES),
                num_features: self.num_features,
                discretizer: match (self.no_discretize, self.discretizer) {
                    (true, _) => Discretizer::None,
                    (false, DiscretizerArg::Quartile) => Discretizer::Quartile,
                    (false, DiscretizerArg::Decile) => Discretizer::Decile,
                },
                kernel_width: self.kernel_width,
                selection: match self.feature_selection {
                    SelectionArg::Auto => Selection::Auto,
                    SelectionArg::Forward => Selection::Forward,
                    SelectionArg::HighestWeights => Selection::HighestWeights,
                    SelectionArg::LassoPath => Selection::LassoPath,
                    SelectionArg::None => Selection::None,
                },
                sample_around_instance: self.sample_around_instance,
                categorical: vec![],
                seed: self.seed,
            }),
        }
    }
}

pub fn run(a: ExplainArgs) -> anyhow::Result<()> {
    let req = ExplainRequest {
        estimator: a.estimator(),
        model: a.model,
        data: a.data,
        background: a.background,
        background_size: a.background_size,
        rows: a.rows,
        output_names: a.output_names,
        labels: a.labels,
        threads: a.threads,
        train: a.train,
        categorical: a.categorical,
        engine: a.engine.into(),
    };
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let c = cancel.clone();
        let _ = ctrlc::set_handler(move || c.store(true, Ordering::Relaxed));
    }
    let bar = progress_bar(a.quiet);
    let tick = || bar.inc(1);
    let total = |n: usize| bar.set_length(n as u64);
    let progress = Progress {
        total: &total,
        row_done: &tick,
        cancel: &cancel,
    };
    let report = run_explain(&req, Some(&progress))?;
    bar.finish_and_clear();
    let path = a.out.join("explanations.json");
    report.write(&path)?;
    let charts = if a.no_charts {
        vec![]
    } else {
        write_default_charts(&report, &a.out, ChartFormat::Png)?
    };
    if !a.quiet {
        println!(
            "{} rows explained with {} in {:.2}s ({:.1} rows/s, {} threads, {:.0}% of thread time in the model)",
            report.values.len(),
            report.meta.method,
            report.meta.timings.total_seconds,
            report.meta.timings.rows_per_second,
            report.meta.timings.threads,
            100.0 * report.meta.timings.model_seconds
                / (report.meta.timings.total_seconds * report.meta.timings.threads as f64).max(1e-9)
        );
        println!("top features by mean |phi| per output:");
        print!(
            "{}",
            summary_table(&report.summary, &report.feature_names, 5)
        );
        println!("wrote {}", path.display());
        if !charts.is_empty() {
            println!("wrote {} charts in {}", charts.len(), a.out.display());
        }
    }
    Ok(())
}

/// A rows/s + ETA bar on stderr, hidden when quiet or when stderr is not a terminal.
fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::no_length();
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {pos} rows explained  {per_sec}  elapsed {elapsed}",
        )
        .expect("valid template"),
    );
    bar
}
