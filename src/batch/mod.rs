//! Explaining a whole dataset with bounded memory: rows are read, explained and written in
//! parts of `chunk_rows` rows, so peak memory depends on the chunk size, the model and the
//! background, not on the number of rows.
//!
//! An output folder holds one run:
//! - `attributions/part-NNNNN.parquet`: one record per row and output (see `batch/parts.rs`);
//! - `parts/part-NNNNN.json`: each part's exact sums and the rows kept for charts (its presence
//!   marks the part finished, so `resume` skips it);
//! - `manifest.json`: the run's fingerprint, its parts and every file it wrote;
//! - `explanations.json` and the charts, written from the parts once all are done.
//!
//! Part `p` always holds the selected rows `[p*chunk, (p+1)*chunk)`, whatever shard or resumed
//! process writes it, and per-row seeds make each row's result independent of its batch: a run
//! split into shards and merged, or killed and resumed, writes the same parts as one run.

mod folder;
pub(crate) mod interaction_parts;
pub(crate) mod lock;
pub(crate) mod manifest;
mod merge;
mod overlap;
mod parquet_encode;
pub(crate) mod parts;
pub(crate) mod plan;
pub mod quantise;
mod report;
mod source;
mod spool;
pub mod storage;
pub(crate) mod verify;

pub use manifest::MANIFEST;
pub(crate) use manifest::{Fingerprint, Manifest};
pub use merge::{merge, merge_with};
pub use plan::Shard;
pub(crate) use plan::MAX_SAMPLE_ROWS;
pub use report::{write_folder_report, REPORT_FILE};

use crate::atomic::DeferredSync;
use crate::error::{Error, Result};
use crate::explain::{Estimator, Method, Progress};
use crate::model::{Model, Timed};
use crate::players::PlayersRecord;
use crate::report::charts::{write_streamed_charts, ChartOptions};
use crate::report::{
    summarize, summarize_counted, summarize_sums, ExplanationFile, FileHead, Meta, OutputSummary,
    RowResult, Timings,
};
use crate::request::ExplainRequest;
use crate::run::{load_model, prepare, sha256_file, GivenTables, Prepared, Reference};
use folder::Claim;
use overlap::{overlapped, Chunk};
use parts::Sidecar;
use plan::{sample_positions, Plan, Sums, HEAD_ROWS};
use source::DataInput;
use std::path::{Path, PathBuf};
use std::time::Instant;
use storage::Storage;

/// Rows per part by default.
pub const DEFAULT_CHUNK_ROWS: usize = 1024;
/// Largest run whose `explanations.json` keeps per-row arrays, by default.
pub const DEFAULT_JSON_ROWS: usize = 10_000;

/// How a dataset run is cut, resumed and reported.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Output folder.
    pub out: PathBuf,
    /// Rows per part (and per explain call).
    pub chunk_rows: usize,
    /// Runs of at most this many rows keep per-row arrays in `explanations.json`.
    pub json_rows: usize,
    /// Continue the run in `out` (same fingerprint), skipping finished parts.
    pub resume: bool,
    /// The slice of the run to explain.
    pub shard: Shard,
    /// Charts to draw (`None`: no charts).
    pub charts: Option<ChartOptions>,
    /// Wait for another run that holds the folder instead of failing at once.
    pub wait_lock: bool,
    /// What is stored of each row (outputs, standard errors, precision, compression).
    pub storage: Storage,
    /// Outputs to explain by name or index (`--outputs NAMES`: as `labels`, named in errors
    /// as `outputs`); empty: as the request says.
    pub output_list: Vec<String>,
}

impl BatchOptions {
    /// Defaults: parts of [`DEFAULT_CHUNK_ROWS`], [`DEFAULT_JSON_ROWS`], no resume, one shard, PNG charts.
    pub fn new(out: impl Into<PathBuf>) -> BatchOptions {
        BatchOptions {
            out: out.into(),
            chunk_rows: DEFAULT_CHUNK_ROWS,
            json_rows: DEFAULT_JSON_ROWS,
            resume: false,
            shard: Shard::ALL,
            charts: Some(ChartOptions::default()),
            wait_lock: false,
            storage: Storage::new(),
            output_list: vec![],
        }
    }
}

/// What a dataset run (or merge) wrote.
#[derive(Debug)]
pub struct BatchReport {
    /// The `explanations.json` written (per-row arrays empty above `json_rows`).
    pub file: ExplanationFile,
    /// Rows in this folder's parts.
    pub rows: usize,
    /// Rows explained by this process (fewer when resuming).
    pub explained_rows: usize,
    /// Parts found finished and skipped.
    pub skipped_parts: usize,
    /// Chart files written.
    pub charts: Vec<PathBuf>,
    /// Parts of an earlier run that failed their check and were explained again, with why.
    pub redone: Vec<String>,
}

/// `req` explaining the outputs `list` (names or indices among `outputs`), checked here so that
/// errors name `--outputs`; an error when `--labels` chose outputs too.
fn with_output_list(
    req: &ExplainRequest,
    list: &[String],
    outputs: &[String],
) -> Result<ExplainRequest> {
    if !req.labels.is_empty() {
        return Err(Error::param(
            "outputs",
            "names outputs and so does --labels: give one of them",
        ));
    }
    crate::model::resolve_names("outputs", "output", list, outputs)?;
    Ok(ExplainRequest {
        labels: list.to_vec(),
        ..req.clone()
    })
}

/// The estimator's settings as recorded in the fingerprint, the seed apart.
fn estimator_json(e: &Estimator) -> serde_json::Value {
    let mut v = match e {
        Estimator::Shap(p) => serde_json::json!({ "shap": p }),
        Estimator::Lime(p) => serde_json::json!({ "lime": p }),
    };
    if let Some(o) = v.as_object_mut().and_then(|o| o.values_mut().next()) {
        if let Some(o) = o.as_object_mut() {
            o.remove("seed");
        }
    }
    v
}

/// Explains the rows of `req` into `opts.out` part by part, holding the folder's lock for the
/// whole run; see the module documentation.
pub fn run_batch(
    req: &ExplainRequest,
    opts: &BatchOptions,
    progress: Option<&Progress>,
) -> Result<BatchReport> {
    if opts.chunk_rows == 0 {
        return Err(Error::param("chunk_rows", "must be at least 1"));
    }
    let claim = Claim::take(&opts.out, opts.wait_lock)?;
    claim.release(run_claimed(req, opts, progress))
}

/// [`run_batch`] once the output folder is held.
fn run_claimed(
    req: &ExplainRequest,
    opts: &BatchOptions,
    progress: Option<&Progress>,
) -> Result<BatchReport> {
    let start = Instant::now();
    let out = &opts.out;
    let onnx = load_model(&req.model, req.output_names.clone(), req.engine)?;
    let named;
    let req = match opts.output_list.is_empty() {
        true => req,
        false => {
            named = with_output_list(req, &opts.output_list, onnx.output_names())?;
            &named
        }
    };
    let earlier = Manifest::read_in(out)?;
    let input = DataInput::open(
        &req.data,
        req.features.clone(),
        out,
        progress.map(|p| p.cancel),
    )?;
    let prepared = prepare(&onnx, req, &input, GivenTables::default(), opts.chunk_rows)?;
    let Prepared {
        model,
        names,
        total,
        selection,
        players,
        estimator,
        reference,
        pool,
        meta,
    } = &prepared;
    let player_names = players.names(names);
    let reference_file = match (estimator, reference) {
        (Estimator::Lime(_), Reference::Train(_)) => req.train.as_ref(),
        _ => req.background.as_ref(),
    };
    let fingerprint = Fingerprint {
        model_sha256: sha256_file(&req.model)?,
        data_sha256: input.sha256()?,
        data_rows: *total,
        rows: req.rows.clone(),
        selected_rows: selection.len(),
        estimator: estimator_json(estimator),
        seed: estimator.seed(),
        reference_sha256: reference_file.map(|p| sha256_file(p)).transpose()?,
        background_size: req.background_size,
        output_names: req.output_names.clone(),
        labels: req.labels.clone(),
        chunk_rows: opts.chunk_rows,
        json_rows: opts.json_rows,
        engine: serde_json::to_value(onnx.engine()).unwrap_or_default(),
        players: serde_json::to_value(players.record(names)).unwrap_or_default(),
        features: req.features.clone(),
        storage: opts
            .storage
            .changes_values()
            .then(|| serde_json::to_value(opts.storage).unwrap_or_default()),
    };
    let plan = Plan {
        rows: selection.len(),
        chunk: opts.chunk_rows,
    };
    let (first_part, end_part) = opts.shard.parts(plan.parts());
    // A run of one part fsyncs its files once, at the end (see `DeferredSync` for what a
    // crash keeps); larger runs fsync each part as it is written, for `--resume`.
    let deferred = (end_part - first_part <= 1).then(|| DeferredSync::begin(out));
    let method = prepared.method();
    // Every check that can fail runs before an earlier run's files are touched.
    let with_stderr = opts.storage.stderr && matches!(method, Method::Kernel | Method::Permutation);
    parts::column_names(&player_names, with_stderr)?;
    let meta_json = serde_json::to_string(&meta).map_err(|e| Error::Mismatch(e.to_string()))?;
    if opts.resume {
        if let Some(old) = &earlier {
            if let Some(diff) = old.fingerprint.difference(&fingerprint) {
                return Err(Error::param(
                    "resume",
                    format!(
                        "{} holds a different run ({diff}); run without --resume to replace it",
                        out.display()
                    ),
                ));
            }
            if old.shard != opts.shard {
                return Err(Error::param(
                    "resume",
                    format!(
                        "{} holds shard {}/{}, not {}/{}",
                        out.display(),
                        old.shard.index,
                        old.shard.count,
                        opts.shard.index,
                        opts.shard.count
                    ),
                ));
            }
        }
    }
    // One run per folder: once the new run is known to be valid, the earlier run's files go;
    // a resumed run only drops the temporary files its interrupted writes left.
    if let Some(old) = &earlier {
        if opts.resume {
            old.remove_temporaries(out)?;
        } else {
            old.remove_files(out)?;
        }
    }
    let mut manifest = Manifest {
        tool: meta.tool.clone(),
        fingerprint,
        shard: opts.shard,
        total_parts: plan.parts(),
        parts: (first_part, end_part),
        files: (first_part..end_part)
            .flat_map(|p| [parts::parquet_name(p), parts::sidecar_name(p)])
            .chain(input.spool_name())
            .collect(),
        complete: false,
        meta: meta.clone(),
        timings: None,
        feature_names: player_names.clone(),
        output_names: model.output_names().to_vec(),
        checksums: Default::default(),
    };
    manifest.write_in(out)?;
    for dir in [parts::ATTRIBUTIONS_DIR, parts::PARTS_DIR] {
        std::fs::create_dir_all(out.join(dir)).map_err(|e| Error::io(&out.join(dir), e))?;
    }

    // Which parts remain (a resumed part counts as done once its files pass their check), and
    // which positions the charts and explanations.json keep.
    let (todo, redone) = if opts.resume {
        verify::parts_to_redo(out, first_part..end_part, earlier.as_ref())
    } else {
        ((first_part..end_part).collect(), vec![])
    };
    let keep_all = plan.rows <= opts.json_rows;
    let sample = sample_positions(plan.rows, MAX_SAMPLE_ROWS, estimator.seed());
    let keep = |pos: usize| keep_all || pos < HEAD_ROWS || sample.contains(&pos);

    let todo_rows: usize = todo
        .iter()
        .map(|&p| plan.positions(p).1 - plan.positions(p).0)
        .sum();
    if let Some(p) = progress {
        (p.total)(todo_rows);
    }
    let quiet_total = |_: usize| {};
    let inner = progress.map(|p| Progress {
        total: &quiet_total,
        row_done: p.row_done,
        cancel: p.cancel,
    });
    let timed = Timed::new(model);
    let mut rows_src = input.rows(selection)?;
    let threads = pool.current_num_threads();
    // The next part to read; parts not to do now are skipped over.
    let mut next_part = 0;
    let read = || -> Result<Option<Chunk>> {
        while next_part < end_part {
            let p = next_part;
            next_part += 1;
            let (a, b) = plan.positions(p);
            if p < first_part || !todo.contains(&p) {
                rows_src.skip(b - a)?;
                continue;
            }
            let (indices, x) = rows_src
                .next_chunk(b - a)?
                .ok_or_else(|| Error::Mismatch(format!("part {p}: the data ended early")))?;
            return Ok(Some(Chunk {
                part: p,
                first: a,
                indices,
                x,
            }));
        }
        Ok(None)
    };
    let explain = |c: Chunk| {
        let e = prepared.explain(&timed, &c.x, &c.indices, inner.as_ref())?;
        Ok((c.part, c.first, e))
    };
    let write = |(p, a, e): (usize, usize, crate::explain::Explanation)| {
        let (pq, side) = parts::part_paths(out, p);
        let mut rows = RowResult::all(&e);
        prepared.players.add_tokens(&mut rows);
        for r in &mut rows {
            r.outputs = opts.storage.outputs.pick(&r.predictions);
        }
        let names = (&e.feature_names[..], &e.output_names[..]);
        let layout = (with_stderr, &opts.storage);
        let written = parts::write_parquet(&pq, &rows, names, layout, &meta_json)?;
        interaction_parts::write_part(&interaction_parts::interaction_part_path(out, p), &e)?;
        let shape = (e.feature_names.len(), e.output_names.len());
        Sidecar {
            parquet: Some(written),
            ..Sidecar::new(p, a, rows, shape, keep)
        }
        .write(&side)
    };
    // Time in the estimator only, and time writing parts (fsynced, alongside the estimator),
    // kept apart so that the explain time compares with another library's explain calls.
    let busy = overlapped(read, explain, write)?;
    let (explain_seconds, write_seconds) = (busy.explain, busy.write);
    let total_seconds = start.elapsed().as_secs_f64();
    let timings = Timings {
        total_seconds,
        explain_seconds,
        write_seconds,
        model_seconds: timed.seconds(),
        first_layer_seconds: timed.first_layer_seconds(),
        fused_seconds: timed.fused_seconds(),
        rows_per_second: todo_rows as f64 / total_seconds.max(1e-9),
        threads,
    };
    let mut report = finish(out, &mut manifest, keep_all, timings, opts.charts.as_ref())?;
    if let Some(d) = deferred {
        d.finish()?;
    }
    report.explained_rows = todo_rows;
    report.skipped_parts = (end_part - first_part) - todo.len();
    report.redone = redone;
    Ok(report)
}

/// Builds the summaries, `explanations.json` and charts from a folder's finished parts, and
/// marks its manifest complete.
pub(crate) fn finish(
    out: &Path,
    manifest: &mut Manifest,
    keep_all: bool,
    timings: Timings,
    charts: Option<&ChartOptions>,
) -> Result<BatchReport> {
    let meta = &manifest.meta;
    let k = meta.output_indices.len();
    let recorded: PlayersRecord =
        serde_json::from_value(manifest.fingerprint.players.clone()).unwrap_or_default();
    let per_row = recorded.per_row();
    let head = FileHead {
        feature_names: manifest.feature_names.clone(),
        groups: recorded.groups,
        input_names: recorded.input_names,
        output_names: manifest.output_names.clone(),
        per_row,
    };
    let (first, end) = manifest.parts;
    if first == end {
        // A shard with no part (more shards than parts): nothing to write but its manifest.
        manifest.complete = true;
        manifest.timings = Some(timings.clone());
        manifest.write_in(out)?;
        let zeros = vec![vec![0.0; manifest.feature_names.len()]; manifest.output_names.len()];
        let summary = summarize_sums(&manifest.output_names, &zeros, &zeros, 0);
        let mut meta = meta.clone();
        meta.timings = timings;
        let mut file = ExplanationFile::assemble(&head, vec![], summary, meta);
        file.attributions = Some(format!("{}/", parts::ATTRIBUTIONS_DIR));
        return Ok(BatchReport {
            file,
            rows: 0,
            explained_rows: 0,
            skipped_parts: 0,
            charts: vec![],
            redone: vec![],
        });
    }
    let mut sums: Option<Sums> = None;
    let (mut first_rows, mut sampled, mut all) = (vec![], vec![], vec![]);
    let total_rows = manifest.fingerprint.selected_rows;
    let in_sample = sample_positions(total_rows, MAX_SAMPLE_ROWS, meta.seed);
    let mut recorded_sums = vec![];
    for p in first..end {
        let (pq, side) = parts::part_paths(out, p);
        if !pq.exists() {
            return Err(Error::data(&pq, "missing: the part was not written"));
        }
        let s = Sidecar::read(&side)?;
        recorded_sums.extend(verify::part_sums(out, &s)?);
        let part_sums = s.sums();
        match sums.as_mut() {
            None => sums = Some(part_sums),
            Some(t) => t.add(&part_sums),
        }
        for r in &s.kept {
            if r.position < HEAD_ROWS {
                first_rows.push(r.result.clone());
            }
            if in_sample.contains(&r.position) {
                sampled.push(r.result.clone());
            }
            if keep_all {
                all.push(r.result.clone());
            }
        }
    }
    let sums = sums.ok_or_else(|| Error::Mismatch("no rows to explain".into()))?;
    let (feature_names, output_names) = (&head.feature_names, &head.output_names);
    if sums.abs.len() != output_names.len()
        || sums.abs.iter().any(|r| r.len() != feature_names.len())
    {
        return Err(Error::data(
            out.join(parts::sidecar_name(first)),
            "the part's sums do not match the run's features and outputs",
        ));
    }
    let mut meta = meta.clone();
    manifest.checksums.extend(recorded_sums);
    meta.timings = timings.clone();
    let n = sums.rows;
    let stream_summary =
        summarize_counted(output_names, &sums.abs, &sums.signed, &sums.per_output());
    let build = |rows: Vec<RowResult>, summary: Vec<OutputSummary>, meta: Meta| {
        ExplanationFile::assemble(&head, rows, summary, meta)
    };
    let mut file = if keep_all && all.len() == n {
        // Small runs: explanations.json exactly as an in-memory run writes it (with outputs
        // chosen per row, each output's summary over the rows that store it).
        let mut meta = meta.clone();
        meta.evaluations_per_row = all.iter().map(|r| r.evaluations).collect();
        let summary = match sums.counts {
            Some(_) => stream_summary.clone(),
            None => {
                let shape = (n, feature_names.len(), output_names.len());
                let values =
                    ndarray::Array3::from_shape_fn(shape, |(i, j, o)| all[i].value(j, o, k));
                summarize(&values, output_names)
            }
        };
        build(all, summary, meta)
    } else {
        let mut f = build(vec![], stream_summary.clone(), meta.clone());
        f.attributions = Some(format!("{}/", parts::ATTRIBUTIONS_DIR));
        f
    };
    if meta.interactions {
        interaction_parts::attach(out, first..end, &mut file)?;
    }
    let json = out.join("explanations.json");
    let mut written = vec!["explanations.json".to_string()];
    let mut chart_paths = vec![];
    if let Some(opts) = charts {
        let summary = file.summary.clone();
        let head_file = build(first_rows, summary.clone(), meta.clone());
        let sample_file = build(sampled, summary, meta.clone());
        // List the chart files before drawing them, so that an interrupted run's are removed too.
        let names = crate::report::charts::streamed_chart_names(&head_file, &sample_file, opts);
        manifest.files.extend(written.iter().cloned());
        manifest.files.extend(names);
        manifest.write_in(out)?;
        chart_paths = write_streamed_charts(&head_file, &sample_file, n, out, opts)?;
        written.clear();
    }
    manifest.files.extend(written);
    manifest.files.sort();
    manifest.files.dedup();
    manifest.write_in(out)?;
    file.write(&json)?;
    manifest.complete = true;
    manifest.timings = Some(timings);
    manifest.write_in(out)?;
    Ok(BatchReport {
        file,
        rows: n,
        explained_rows: 0,
        skipped_parts: 0,
        charts: chart_paths,
        redone: vec![],
    })
}
