//! `explain`: attributions for rows of a data file, streamed in parts into a Parquet dataset,
//! with `explanations.json` and charts; `merge`: shards of one run combined.

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use onnx_inspector::batch::{
    merge_with, run_batch, BatchOptions, BatchReport, Shard, DEFAULT_CHUNK_ROWS, DEFAULT_JSON_ROWS,
};
use onnx_inspector::data::parse_column_list;
use onnx_inspector::explain::{
    Discretizer, Estimator, LimeParams, Method, Progress, Sampling, Selection, ShapMethod,
    ShapParams, DEFAULT_BLOCK_ROWS,
};
use onnx_inspector::model::{are_class_names, TENSOR_NAMES_NOTE};
use onnx_inspector::report::charts::ChartOptions;
use onnx_inspector::report::summary::summary_table;
use onnx_inspector::report::Meta;
use onnx_inspector::request::TextRequest;
use onnx_inspector::{ExplainRequest, ImageRequest};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, ValueEnum)]
enum MethodArg {
    Auto,
    Exact,
    Kernel,
    Permutation,
    Partition,
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
    /// Rows to explain: .csv with a header of feature names (`-` reads CSV from standard input),
    /// .npy, or Parquet (a .parquet file or a folder of them, as Spark writes; read by row groups).
    #[arg(long)]
    data: PathBuf,
    /// The model's input columns by name, in the model's order, when the tables (--data,
    /// --background, --train) hold more: `name,name,...` or `@FILE` (one name a line).
    #[arg(long, value_name = "NAMES|@FILE")]
    features: Option<String>,
    /// Background rows standing in for absent features (default: a sample of --data).
    #[arg(long)]
    background: Option<PathBuf>,
    /// Rows sampled from --data as background when --background is not given.
    #[arg(long, default_value_t = ExplainRequest::DEFAULT_BACKGROUND_SIZE)]
    background_size: usize,
    /// Estimator: auto = exact when all coalitions fit the budget, else permutation (measured
    /// best per unit time); partition = Owen values over a hierarchy (shap's Partition
    /// explainer); lime = LIME.
    #[arg(long, value_enum, default_value = "auto")]
    method: MethodArg,
    /// Rows to explain, e.g. 0:20, 5, 1,4,9 (default: all).
    #[arg(long)]
    rows: Option<String>,
    /// Coalitions per row (default 2*M + 2048, as shap's KernelExplainer, which permutation rounds up to whole position-stratified groups once it buys two; partition: 500 model evaluations, as shap's max_evals); LIME: samples (default 5000).
    #[arg(long)]
    samples: Option<usize>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads (0 = all cores); results do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Stop a row early once max stderr < T * (max phi - min phi) (kernel and permutation only).
    #[arg(long)]
    tolerance: Option<f64>,
    /// Stop a row early once the root mean square of its standard errors is at most E times the L2 norm of its attributions (kernel and permutation; the budget stays the cap). Default 0.012 when neither --samples nor --tolerance is given (measured on every zoo model with 10+ features: 0.36-0.42x shap's default error in 0.55-1.07x its time, benches/results/default_budget.md); 0 = spend the whole budget.
    #[arg(long, value_name = "E")]
    se_target: Option<f64>,
    /// How kernel SHAP samples coalitions (leverage: Leverage SHAP, equal coalitions per size without replacement; kernel: shap's).
    #[arg(long, value_enum, default_value = "leverage")]
    sampling: SamplingArg,
    /// Model rows built and sent per call (bounds memory).
    #[arg(long, default_value_t = DEFAULT_BLOCK_ROWS)]
    block_rows: usize,
    /// Send whole masked rows through the model even when its first dense layer could be
    /// updated incrementally (same attributions to rounding; for comparisons and timing).
    #[arg(long)]
    no_incremental: bool,
    /// Also compute pairwise Shapley interaction values (shap's convention: Φ_ij = SII/2, rows
    /// summing to φ_i): exact when φ is, else sampled with --samples more coalitions and standard
    /// errors; explanations.json gains `interactions` [n][P][P][K].
    #[arg(long)]
    interactions: bool,
    /// LIME: training data for the perturbation statistics (default: --data).
    #[arg(long)]
    train: Option<PathBuf>,
    /// LIME: features kept in each surrogate (default 10; every player with --groups, as lime_image).
    #[arg(long)]
    num_features: Option<usize>,
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
    /// JSON file of feature groups, each explained as one player: {"name": ["feature", ...]}
    /// (names or 0-based indices); features not named stay single. LIME then switches players
    /// on and off against background rows (lime_image semantics: 1000 samples, kernel width 0.25).
    /// For a sequence input [N, T, F]: `time` (one player per step, t0...), `feature` (one per
    /// channel across time) or `window:K` (K contiguous steps each, the last one shorter).
    /// `--groups inputs`: each graph input of a model with several inputs is one player.
    #[arg(long)]
    groups: Option<String>,
    /// Text players (token ids [N, L], integer): each row's non-padding positions (id 0 is
    /// padding) are its players, a hidden token becomes --mask-token; SHAP's auto method is then
    /// partition over contiguous token spans (shap's Text masker). Implied by --mask-token/--vocab.
    #[arg(long)]
    text: bool,
    /// Text: the id a hidden token becomes (default: the padding id 0 when the model masks it,
    /// as a Keras Embedding(mask_zero=True); otherwise required).
    #[arg(long)]
    mask_token: Option<i64>,
    /// Text: vocabulary file, one token a line, line i = id i (Keras TextVectorization
    /// get_vocabulary() order): words in explanations.json (`tokens`) and the text charts.
    #[arg(long)]
    vocab: Option<PathBuf>,
    /// Image players: squares of N x N pixels (all channels together) explained as one player
    /// each, as shap's image masker and SynapseML's cellSize; rows must be images (rank-3 model
    /// input, or --image-shape). LIME then follows lime_image (segments on and off).
    #[arg(long)]
    patch: Option<usize>,
    /// Image players: each image's own SLIC superpixels, about N per image (scikit-image's
    /// slic defaults), instead of --patch; rows may differ in segment count (padding players
    /// get 0). LIME then is lime_image with SLIC in place of its default quickshift.
    #[arg(long)]
    superpixels: Option<usize>,
    /// With --superpixels: SLIC's compactness (higher gives squarer segments; default 10).
    #[arg(long)]
    compactness: Option<f64>,
    /// What a hidden segment becomes: background (values of background rows, interventional),
    /// mean (each segment's mean colour, lime_image's default), zero, or blur / blur(kw,kh)
    /// (a box-blurred copy of the image, shap's image default; kernel about half the image).
    #[arg(long, default_value = "background")]
    mask: String,
    /// Layout of a row as an image, HxWxC (default: the model input's shape when it has rank 3).
    #[arg(long)]
    image_shape: Option<String>,
    /// Comma-separated names for the output columns (e.g. class labels); default: `class 0`...
    /// for a softmax or sigmoid output, else the model's output tensor names.
    #[arg(long, value_delimiter = ',')]
    output_names: Option<Vec<String>>,
    /// Comma-separated outputs to explain (output names or 0-based indices), like lime's
    /// `labels`; default: every output.
    #[arg(long, value_delimiter = ',')]
    labels: Vec<String>,
    /// Output folder (one run per folder: a new run first removes the files its manifest.json
    /// lists from an earlier run, and no other file).
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Rows read, explained and written per part (bounds memory).
    #[arg(long, default_value_t = DEFAULT_CHUNK_ROWS)]
    chunk_rows: usize,
    /// Runs of up to this many rows keep per-row arrays in explanations.json; larger runs keep
    /// the summary there and the rows in attributions/ (Parquet) only.
    #[arg(long, default_value_t = DEFAULT_JSON_ROWS)]
    json_rows: usize,
    /// Continue the interrupted run in --out (same model, data, options and seed), skipping its finished parts.
    #[arg(long)]
    resume: bool,
    /// When another run is writing --out, wait for it to finish instead of failing at once.
    #[arg(long)]
    wait_lock: bool,
    /// Explain only slice K of N (K/N, 0-based), or auto/N with K from JOB_COMPLETION_INDEX or
    /// SLURM_ARRAY_TASK_ID; combine the slices with `merge`.
    #[arg(long)]
    shard: Option<String>,
    /// Inference engine: auto = the fastest one that matches tract on probe rows.
    #[arg(long, value_enum, default_value = "auto")]
    engine: super::EngineArg,
    /// No progress bar and no summary table.
    #[arg(long)]
    quiet: bool,
    /// Only write explanations.json, no default charts (waterfalls of the first 20 rows, the
    /// global bar, one beeswarm per output for up to 10 outputs, image maps).
    #[arg(long)]
    no_charts: bool,
    /// Write report.html (one self-contained page: charts, rows, cohorts); default: for runs of
    /// up to --json-rows rows (larger runs: from the first rows and a seeded sample).
    #[arg(long, conflicts_with = "no_report")]
    report: bool,
    /// Do not write report.html.
    #[arg(long)]
    no_report: bool,
    /// Labels of the data's rows for the report (one column, header first, one per data row).
    #[arg(long)]
    labels_file: Option<PathBuf>,
    #[command(flatten)]
    storage: super::storage::StorageArgs,
}

impl ExplainArgs {
    /// Whether LIME runs over players switched on and off (lime_image) rather than lime_tabular.
    fn switched_players(&self) -> bool {
        self.groups.is_some()
            || self.patch.is_some()
            || self.superpixels.is_some()
            || self.text_wanted()
    }

    /// Whether text players are asked for (`--text`, `--mask-token` or `--vocab`).
    fn text_wanted(&self) -> bool {
        self.text || self.mask_token.is_some() || self.vocab.is_some()
    }

    /// The estimator and its settings, from the flags.
    fn estimator(&self) -> Estimator {
        let shap = |method| {
            Estimator::Shap(ShapParams {
                method,
                samples: self.samples,
                seed: self.seed,
                tolerance: self.tolerance,
                se_target: self.se_target,
                sampling: match self.sampling {
                    SamplingArg::Kernel => Sampling::Kernel,
                    SamplingArg::Leverage => Sampling::Leverage,
                },
                block_rows: self.block_rows,
                incremental: !self.no_incremental,
                interactions: self.interactions,
            })
        };
        match self.method {
            MethodArg::Auto => shap(ShapMethod::Auto),
            MethodArg::Exact => shap(ShapMethod::Exact),
            MethodArg::Kernel => shap(ShapMethod::Kernel),
            MethodArg::Permutation => shap(ShapMethod::Permutation),
            MethodArg::Partition => shap(ShapMethod::Partition),
            MethodArg::Lime => Estimator::Lime({
                let defaults = LimeParams::defaults_for(self.switched_players());
                LimeParams {
                    num_samples: self.samples.unwrap_or(defaults.num_samples),
                    num_features: self.num_features.unwrap_or(defaults.num_features),
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
                }
            }),
        }
    }
}

pub fn run(a: ExplainArgs) -> anyhow::Result<()> {
    if a.interactions && matches!(a.method, MethodArg::Lime) {
        anyhow::bail!(
            "--interactions: needs a Shapley method (auto, exact, kernel or permutation), not lime"
        );
    }
    if a.tolerance.is_some() && matches!(a.method, MethodArg::Lime) {
        return Err(Method::Lime.tolerance_error().into());
    }
    let shard = match &a.shard {
        Some(spec) => Shard::parse(spec)?,
        None => Shard::ALL,
    };
    let image_shape = a.image_shape.as_deref().map(str::parse).transpose()?;
    super::swapped::check_model(&a.model)?;
    let data_flags = [
        ("--data", Some(&a.data)),
        ("--background", a.background.as_ref()),
        ("--train", a.train.as_ref()),
    ];
    for (flag, path) in data_flags {
        if let Some(p) = path.filter(|p| p.as_os_str() != "-") {
            super::swapped::check_data(flag, p)?;
        }
    }
    let named = a.output_names.is_some();
    let text = a.text_wanted().then(|| TextRequest {
        mask_token: a.mask_token,
        vocab: a.vocab.clone(),
    });
    let (storage, output_list) = a.storage.storage()?;
    let features = a.features.as_deref().map(parse_column_list).transpose()?;
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
        groups: a.groups.map(super::groups_arg::groups_source).transpose()?,
        image: ImageRequest {
            shape: image_shape,
            patch: a.patch,
            superpixels: a.superpixels,
            compactness: a.compactness,
            fill: a.mask.parse()?,
        },
        features,
        text,
    };
    let opts = BatchOptions {
        out: a.out.clone(),
        chunk_rows: a.chunk_rows,
        json_rows: a.json_rows,
        resume: a.resume,
        shard,
        charts: (!a.no_charts).then_some(ChartOptions {
            image_shape,
            ..ChartOptions::default()
        }),
        wait_lock: a.wait_lock,
        storage,
        output_list,
    };
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let c = cancel.clone();
        let _ = ctrlc::set_handler(move || c.store(true, Ordering::Relaxed));
    }
    let meter = Meter::new(a.quiet);
    let tick = || meter.tick();
    let total = |n: usize| meter.set_total(n);
    let progress = Progress {
        total: &total,
        row_done: &tick,
        cancel: &cancel,
    };
    // A first run that fails leaves no empty --out behind (a folder with files is kept).
    let fresh_out = !a.out.exists();
    let report = run_batch(&req, &opts, Some(&progress)).inspect_err(|_| {
        if fresh_out {
            remove_empty_dirs(&a.out);
        }
    })?;
    meter.finish();
    let wants_report = a.report
        || (!a.no_report && a.shard.is_none() && report.rows > 0 && report.rows <= a.json_rows);
    for why in &report.redone {
        eprintln!("note: {why}: explained again");
    }
    if let Some(note) = unused_tolerance(&report.file.meta).filter(|_| !a.quiet) {
        eprintln!("{note}");
    }
    if !a.quiet {
        let t = &report.file.meta.timings;
        println!(
            "{} rows explained with {} in {:.2}s ({:.1} rows/s, {} threads, {:.0}% of explain time in the model){}",
            report.explained_rows,
            report.file.meta.method,
            t.total_seconds,
            t.rows_per_second,
            t.threads,
            100.0 * t.model_share(),
            if report.skipped_parts > 0 {
                format!("; {} finished parts resumed", report.skipped_parts)
            } else {
                String::new()
            }
        );
        print_written(&report, &a.out, !named);
    }
    if wants_report {
        super::report::write(&a.out, a.labels_file.as_deref(), a.quiet)?;
    }
    Ok(())
}

/// Removes `dir` and the folders below it when they hold no file (never a file).
fn remove_empty_dirs(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                remove_empty_dirs(&e.path());
            }
        }
    }
    let _ = std::fs::remove_dir(dir); // fails, as it should, unless empty
}

/// A note when `--tolerance` was given but the estimator `auto` picked ignores it.
fn unused_tolerance(meta: &Meta) -> Option<String> {
    let (Some(t), Some(false)) = (meta.tolerance, meta.tolerance_used) else {
        return None;
    };
    Some(format!(
        "note: --tolerance {t} is unused: auto picked {} ({})",
        meta.method,
        meta.method.tolerance_unused()?
    ))
}

/// The summary table and the files written; with `name_hint`, a pointer to `--output-names`
/// when the outputs carry the model's tensor names.
fn print_written(report: &BatchReport, out: &Path, name_hint: bool) {
    if report.rows == 0 {
        println!(
            "this shard has no rows (the run has fewer parts than shards); wrote {}",
            out.join("manifest.json").display()
        );
        return;
    }
    println!("top features by mean |phi| per output:");
    print!(
        "{}",
        summary_table(&report.file.summary, &report.file.feature_names, 5)
    );
    if name_hint && !are_class_names(&report.file.output_names) {
        println!("outputs {TENSOR_NAMES_NOTE}");
    }
    println!(
        "wrote {} ({} rows) and {}",
        out.join("attributions").display(),
        report.rows,
        out.join("explanations.json").display()
    );
    if !report.charts.is_empty() {
        println!("wrote {} charts in {}", report.charts.len(), out.display());
    }
}

#[derive(Args)]
pub struct MergeArgs {
    /// The shard folders written by `explain --shard K/N`.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Output folder for the combined run.
    #[arg(long)]
    out: PathBuf,
    /// Only write the data and explanations.json (no default charts).
    #[arg(long)]
    no_charts: bool,
    /// No summary table.
    #[arg(long)]
    quiet: bool,
    /// When another run is writing --out, wait for it to finish instead of failing at once.
    #[arg(long)]
    wait_lock: bool,
}

/// `merge`: combines the shards of one run.
pub fn run_merge(a: MergeArgs) -> anyhow::Result<()> {
    let start = Instant::now();
    let charts = (!a.no_charts).then(ChartOptions::default);
    let report = merge_with(&a.shards, &a.out, charts.as_ref(), a.wait_lock)?;
    if !a.quiet {
        println!(
            "merged {} shards ({} rows) in {:.2}s",
            a.shards.len(),
            report.rows,
            start.elapsed().as_secs_f64()
        );
        print_written(&report, &a.out, false);
    }
    Ok(())
}

/// Progress of a long run: a bar with rows/s and ETA on a terminal; otherwise (a batch job's
/// log) one line on stderr every 10 s or every 10% of the rows, whichever comes first.
struct Meter {
    bar: Option<ProgressBar>,
    lines: bool,
    total: AtomicUsize,
    done: AtomicUsize,
    start: Instant,
    last_line: Mutex<(Instant, usize)>,
    printed_tenths: AtomicU64,
}

impl Meter {
    fn new(quiet: bool) -> Meter {
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} rows  {per_sec}  elapsed {elapsed}  ETA {eta}",
                )
                .expect("valid template"),
            );
            bar
        });
        Meter {
            bar,
            lines: !quiet && !terminal,
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            start: Instant::now(),
            last_line: Mutex::new((Instant::now(), 0)),
            printed_tenths: AtomicU64::new(0),
        }
    }

    fn set_total(&self, n: usize) {
        self.total.store(n, Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.set_length(n as u64);
        }
    }

    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(b) = &self.bar {
            b.inc(1);
        }
        if !self.lines {
            return;
        }
        let total = self.total.load(Ordering::Relaxed).max(1);
        let tenths = (10 * done / total) as u64;
        let due_tenth = tenths > self.printed_tenths.load(Ordering::Relaxed);
        let Ok(mut last) = self.last_line.try_lock() else {
            return;
        };
        let since = last.0.elapsed();
        if (due_tenth && since >= Duration::from_secs(1)) || since >= Duration::from_secs(10) {
            self.printed_tenths.store(tenths, Ordering::Relaxed);
            *last = (Instant::now(), done);
            let secs = self.start.elapsed().as_secs_f64().max(1e-9);
            let rate = done as f64 / secs;
            let eta = (total.saturating_sub(done)) as f64 / rate.max(1e-9);
            eprintln!(
                "explained {done}/{total} rows ({:.0}%), {rate:.1} rows/s, elapsed {:.0}s, ETA {:.0}s",
                100.0 * done as f64 / total as f64,
                secs,
                eta
            );
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
