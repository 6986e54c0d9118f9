//! `explanations.json`: shap-Explanation-compatible arrays plus summary and run metadata.

use super::interactions::{check_interactions, with_interaction_means};
use super::row_result::RowResult;
use super::summary::{summarize, OutputSummary};
use crate::atomic::write_atomic;
use crate::data::BackgroundInfo;
use crate::error::{Error, Result};
use crate::explain::{Explanation, LimeRow, Method};
use crate::model::Engine;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Wall-clock timings of a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Timings {
    /// Whole explanation, seconds.
    pub total_seconds: f64,
    /// Seconds inside the estimator explaining rows, after the model, data and training/background
    /// statistics are loaded and without reading rows or writing results (what a per-row
    /// comparison with another library's explain call measures).
    #[serde(default)]
    pub explain_seconds: f64,
    /// Seconds writing the per-row results (Parquet parts and their sidecars, fsynced; in a batch
    /// run on a thread of its own, alongside explaining).
    #[serde(default)]
    pub write_seconds: f64,
    /// Seconds spent inside model calls, summed over threads (with the fused evaluator's
    /// first-layer updates and head, `fused_seconds`).
    pub model_seconds: f64,
    /// Seconds spent computing the model's first linear layer outside model calls (the
    /// incremental evaluator's updates; with the fused evaluator only each block's set-up: x·W
    /// and the order of steps), summed over threads; 0 when whole rows run.
    #[serde(default)]
    pub first_layer_seconds: f64,
    /// Of `model_seconds`, the seconds in the fused evaluator, where the first-layer updates and
    /// a one-hidden-layer model's dense head run in one pass (not separable), summed over
    /// threads; 0 when it did not run.
    #[serde(default)]
    pub fused_seconds: f64,
    /// Explained rows per second.
    pub rows_per_second: f64,
    /// Worker threads used.
    pub threads: usize,
}

impl Timings {
    /// Fraction of the worker threads' explain time spent evaluating the model (model calls
    /// plus first-layer updates).
    pub fn model_share(&self) -> f64 {
        (self.model_seconds + self.first_layer_seconds)
            / (self.explain_seconds * self.threads.max(1) as f64).max(1e-12)
    }
}

/// How the explanation was made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    /// The estimator that ran.
    pub method: Method,
    /// Coalition size sampling of kernel SHAP, if used.
    pub sampling: Option<String>,
    /// Budget per row (coalitions, or LIME samples).
    pub budget: usize,
    /// Evaluations actually made per row.
    pub evaluations_per_row: Vec<usize>,
    /// Model rows per evaluation (background size; 1 for LIME).
    pub model_rows_per_evaluation: usize,
    /// Seed.
    pub seed: u64,
    /// Early stopping tolerance, if any.
    pub tolerance: Option<f64>,
    /// With a tolerance: whether the estimator that ran applied it (only kernel and permutation
    /// do; `auto` may pick exact or partition, which ignore it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance_used: Option<bool>,
    /// The standard-error stopping target in force (RMS se ≤ target × ‖φ‖₂), when the estimator
    /// that ran applies one (kernel, permutation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_target: Option<f64>,
    /// Background description (null for LIME).
    pub background: Option<BackgroundInfo>,
    /// Model file path.
    pub model: String,
    /// SHA-256 of the model file.
    pub model_sha256: String,
    /// Shape of one input row as the model sees it.
    pub row_shape: Vec<usize>,
    /// Model output column of each explained output `[K]` (all of them unless `--labels`).
    #[serde(default)]
    pub output_indices: Vec<usize>,
    /// Data file path.
    pub data: String,
    /// Tool name and version.
    pub tool: String,
    /// Timings.
    pub timings: Timings,
    /// What evaluated the coalitions: `incremental-dense` (first layer updated incrementally,
    /// the rest of a dense model per row) or `model` (whole rows through the model).
    #[serde(default)]
    pub evaluator: String,
    /// Engine that ran the model (`auto` in files written before engines were recorded).
    #[serde(default)]
    pub engine: Engine,
    /// Estimator-specific settings (LIME's discretizer, kernel width, feature selection...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<serde_json::Value>,
    /// Whether pairwise interaction values were computed (`--interactions`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interactions: bool,
}

/// The version of the `explanations.json` layout this build writes: 2 added `groups`,
/// `input_names` and `row_groups` (files without them are the same as version 1's).
pub const SCHEMA_VERSION: u32 = 2;

/// The whole `explanations.json` document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExplanationFile {
    /// Layout version ([`SCHEMA_VERSION`]; files from before versioning read as 0).
    #[serde(default)]
    pub schema_version: u32,
    /// Names of the explained players `[P]`: the features (P = M), or the groups of `groups`.
    pub feature_names: Vec<String>,
    /// When players are groups: the input feature indices of each player `[P][..]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<Vec<usize>>>,
    /// When every row has players of its own (superpixels): each row's players' input feature
    /// indices `[n][P][..]` (a row with fewer segments has empty trailing players).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_groups: Option<Vec<Vec<Vec<usize>>>>,
    /// When players are groups: the input feature names `[M]` (`data`'s columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_names: Option<Vec<String>>,
    /// Output names `[K]`.
    pub output_names: Vec<String>,
    /// Data-file indices of the explained rows `[n]`.
    pub row_indices: Vec<usize>,
    /// Explained inputs `[n][M]`.
    pub data: Vec<Vec<f32>>,
    /// Attributions `[n][P][K]`.
    pub values: Vec<Vec<Vec<f64>>>,
    /// Base values `[n][K]`.
    pub base_values: Vec<Vec<f64>>,
    /// Model outputs f(x) `[n][K]`.
    pub predictions: Vec<Vec<f64>>,
    /// Standard errors `[n][P][K]`, or null when exact.
    pub stderr: Option<Vec<Vec<Vec<f64>>>>,
    /// Pairwise interaction values `[n][P][P][K]` in shap's convention (Φ_ij = SII/2, each
    /// row of a matrix summing to φ_i), when asked for (`--interactions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactions: Option<Vec<Vec<Vec<Vec<f64>>>>>,
    /// Standard errors of `interactions` `[n][P][P][K]`, when they were sampled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactions_stderr: Option<Vec<Vec<Vec<Vec<f64>>>>>,
    /// When players are tokens and a vocabulary is given: each row's words, one per player
    /// (its non-padding tokens in order) `[n][..]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<Vec<String>>>,
    /// Per-output global importance.
    pub summary: Vec<OutputSummary>,
    /// Run metadata.
    pub meta: Meta,
    /// LIME's own per-row fields, when the method is LIME.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lime: Option<Vec<LimeRow>>,
    /// Folder of the Parquet dataset holding the per-row results, when the run had more rows
    /// than `--json-rows` and the per-row arrays above are empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributions: Option<String>,
    /// The outputs each row stores `[n][..]` (output indices, most probable first), when the run
    /// chose outputs per row (`--outputs predicted|top:K`); the per-row arrays above still hold
    /// every output, as the estimator computed them, and the summary averages each output over
    /// the rows that store it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_outputs: Option<Vec<Vec<usize>>>,
}

/// What a document says of its players and outputs, whatever its rows.
#[derive(Debug, Clone)]
pub struct FileHead {
    /// Player names `[P]`.
    pub feature_names: Vec<String>,
    /// Players' input features when players are groups `[P][..]`.
    pub groups: Option<Vec<Vec<usize>>>,
    /// Input feature names `[M]` when players are groups.
    pub input_names: Option<Vec<String>>,
    /// Output names `[K]`.
    pub output_names: Vec<String>,
    /// Whether every row has players of its own.
    pub per_row: bool,
}

impl FileHead {
    /// The head of an explanation's document.
    pub fn of(e: &Explanation) -> FileHead {
        FileHead {
            feature_names: e.feature_names.clone(),
            groups: e.groups.as_ref().map(|g| g.all_members().to_vec()),
            input_names: e
                .groups_of(0)
                .filter(|_| e.groups.is_some() || e.row_groups.is_some())
                .map(|g| g.feature_names().to_vec()),
            output_names: e.output_names.clone(),
            per_row: e.row_groups.is_some(),
        }
    }
}

/// Checks that players `groups` are `m` groups of `inputs` features; per-row players
/// (`empty_ok`) may be empty or leave features out (padding tokens) but name no feature twice.
fn check_groups(
    name: &str,
    groups: &[Vec<usize>],
    m: usize,
    inputs: usize,
    empty_ok: bool,
) -> std::result::Result<(), String> {
    if groups.len() != m {
        return Err(format!(
            "'{name}' has {} groups, expected {m}",
            groups.len()
        ));
    }
    if !empty_ok {
        if let Some(&j) = groups.iter().flatten().find(|&&j| j >= inputs) {
            return Err(format!(
                "'{name}' names feature {j}, but there are {inputs}"
            ));
        }
        return Ok(());
    }
    let mut seen = vec![false; inputs];
    for &j in groups.iter().flatten() {
        match seen.get_mut(j) {
            None => {
                return Err(format!(
                    "'{name}' names feature {j}, but there are {inputs}"
                ))
            }
            Some(s) if *s => return Err(format!("'{name}' names feature {j} twice")),
            Some(s) => *s = true,
        }
    }
    // Per-row players may leave features out (a text row's padding positions).
    Ok(())
}

/// [n, P, P, K] as nested vectors.
fn nested4(a: &ndarray::Array4<f64>) -> Vec<Vec<Vec<Vec<f64>>>> {
    a.outer_iter()
        .map(|r| {
            r.outer_iter()
                .map(|p| p.outer_iter().map(|q| q.to_vec()).collect())
                .collect()
        })
        .collect()
}

impl ExplanationFile {
    /// Number of input features (columns of `data`): M.
    pub fn n_inputs(&self) -> usize {
        self.input_names
            .as_ref()
            .map_or(self.feature_names.len(), Vec::len)
    }

    /// Input feature indices of each player of row `row` `[P][..]`, or `None` when every
    /// feature is a player.
    pub fn groups_of(&self, row: usize) -> Option<&[Vec<usize>]> {
        match (&self.row_groups, &self.groups) {
            (Some(rows), _) => rows.get(row).map(Vec::as_slice),
            (None, g) => g.as_deref(),
        }
    }

    /// The input value player `p` stands for in row `row`: its feature's value, or `None` for a
    /// group of several (or no) features.
    pub fn player_value(&self, row: usize, p: usize) -> Option<f32> {
        match self.groups_of(row) {
            None => Some(self.data[row][p]),
            Some(g) => match g[p][..] {
                [j] => Some(self.data[row][j]),
                _ => None,
            },
        }
    }

    /// φ of output `output` in row `row` per input feature `[M]`: each feature carries its
    /// player's φ (a group's members all show the group's value).
    pub fn input_attributions(&self, row: usize, output: usize) -> Vec<f64> {
        let values = &self.values[row];
        match self.groups_of(row) {
            None => values.iter().map(|v| v[output]).collect(),
            Some(groups) => {
                let mut out = vec![0.0; self.n_inputs()];
                for (g, members) in groups.iter().enumerate() {
                    for &j in members {
                        out[j] = values[g][output];
                    }
                }
                out
            }
        }
    }

    /// Builds the document from an explanation and its metadata.
    pub fn new(e: &Explanation, meta: Meta) -> ExplanationFile {
        let summary = with_interaction_means(
            summarize(&e.values, &e.output_names),
            e.interactions.as_ref(),
        );
        let mut file =
            ExplanationFile::assemble(&FileHead::of(e), RowResult::all(e), summary, meta);
        file.interactions = e.interactions.as_ref().map(|i| nested4(&i.values));
        file.interactions_stderr = e
            .interactions
            .as_ref()
            .and_then(|i| i.stderr.as_ref().map(nested4));
        file
    }

    /// The document of a run's players and outputs, its rows, summary and metadata.
    pub fn assemble(
        head: &FileHead,
        rows: Vec<RowResult>,
        summary: Vec<OutputSummary>,
        meta: Meta,
    ) -> ExplanationFile {
        let k = head.output_names.len().max(1);
        let nest = |v: Vec<f64>| -> Vec<Vec<f64>> { v.chunks(k).map(<[f64]>::to_vec).collect() };
        let with_stderr = rows.first().is_some_and(|r| r.stderr.is_some());
        let mut file = ExplanationFile {
            schema_version: SCHEMA_VERSION,
            feature_names: head.feature_names.clone(),
            groups: head.groups.clone(),
            row_groups: head.per_row.then(Vec::new),
            input_names: head.input_names.clone(),
            output_names: head.output_names.clone(),
            row_indices: Vec::with_capacity(rows.len()),
            data: Vec::with_capacity(rows.len()),
            values: Vec::with_capacity(rows.len()),
            base_values: Vec::with_capacity(rows.len()),
            predictions: Vec::with_capacity(rows.len()),
            stderr: with_stderr.then(Vec::new),
            interactions: None,
            interactions_stderr: None,
            tokens: None,
            summary,
            meta,
            lime: None,
            attributions: None,
            row_outputs: rows.iter().any(|r| r.outputs.is_some()).then(Vec::new),
        };
        for r in rows {
            if let Some(all) = file.row_outputs.as_mut() {
                all.push(r.outputs.clone().unwrap_or_else(|| (0..k).collect()));
            }
            file.row_indices.push(r.row);
            file.data.push(r.data);
            file.values.push(nest(r.values));
            file.base_values.push(r.base_values);
            file.predictions.push(r.predictions);
            if let (Some(all), Some(se)) = (file.stderr.as_mut(), r.stderr) {
                all.push(nest(se));
            }
            if let Some(l) = r.lime {
                file.lime.get_or_insert_with(Vec::new).push(l);
            }
            if let (Some(all), Some(g)) = (file.row_groups.as_mut(), r.groups) {
                all.push(g);
            }
            if let Some(t) = r.tokens {
                file.tokens.get_or_insert_with(Vec::new).push(t);
            }
        }
        file
    }

    /// Writes the document atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomic(path, |w| {
            serde_json::to_writer(&mut *w, self).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })
    }

    /// Reads a document and checks that every array has the shape its names imply.
    pub fn read(path: &Path) -> Result<ExplanationFile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let f: ExplanationFile = serde_json::from_str(&text)
            .map_err(|e| Error::data_caused(path, "not an explanations.json file", e))?;
        if f.schema_version > SCHEMA_VERSION {
            return Err(Error::data(
                path,
                format!(
                    "schema_version {} is newer than this build reads ({SCHEMA_VERSION}): upgrade onnx-inspector",
                    f.schema_version
                ),
            ));
        }
        f.validate().map_err(|msg| Error::data(path, msg))?;
        Ok(f)
    }

    /// Checks array shapes against n, M and K.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let (n, m, k) = (
            self.values.len(),
            self.feature_names.len(),
            self.output_names.len(),
        );
        let check3 = |name: &str, a: &Vec<Vec<Vec<f64>>>| -> std::result::Result<(), String> {
            if a.len() != n {
                return Err(format!("'{name}' has {} rows, expected {n}", a.len()));
            }
            for (i, r) in a.iter().enumerate() {
                if r.len() != m || r.iter().any(|f| f.len() != k) {
                    return Err(format!(
                        "'{name}' row {i} is not {m} features x {k} outputs"
                    ));
                }
            }
            Ok(())
        };
        check3("values", &self.values)?;
        for (name, a) in [
            ("interactions", &self.interactions),
            ("interactions_stderr", &self.interactions_stderr),
        ] {
            check_interactions(name, a.as_deref(), n, m, k)?;
        }
        if let Some(se) = &self.stderr {
            check3("stderr", se)?;
        }
        if let Some(o) = &self.row_outputs {
            if o.len() != n || o.iter().flatten().any(|&o| o >= k) {
                return Err(format!(
                    "'row_outputs' is not {n} rows of output indices below {k}"
                ));
            }
        }
        let inputs = self.n_inputs();
        if self.data.len() != n || self.data.iter().any(|r| r.len() != inputs) {
            return Err(format!("'data' is not {n} rows x {inputs} features"));
        }
        match (&self.groups, &self.row_groups, &self.input_names) {
            (None, None, None) => {}
            (Some(g), None, Some(_)) => check_groups("groups", g, m, inputs, false)?,
            (None, Some(rows), Some(_)) => {
                if rows.len() != n {
                    return Err(format!(
                        "'row_groups' has {} rows, expected {n}",
                        rows.len()
                    ));
                }
                for (i, g) in rows.iter().enumerate() {
                    check_groups(&format!("row_groups[{i}]"), g, m, inputs, true)?;
                }
            }
            (Some(_), Some(_), _) => {
                return Err("'groups' and 'row_groups' exclude each other".into())
            }
            _ => return Err("'groups' (or 'row_groups') and 'input_names' come together".into()),
        }
        for (name, a) in [
            ("base_values", &self.base_values),
            ("predictions", &self.predictions),
        ] {
            if a.len() != n || a.iter().any(|r| r.len() != k) {
                return Err(format!("'{name}' is not {n} rows x {k} outputs"));
            }
        }
        if self.row_indices.len() != n {
            return Err(format!(
                "'row_indices' has {} entries, expected {n}",
                self.row_indices.len()
            ));
        }
        let finite = self
            .values
            .iter()
            .flatten()
            .flatten()
            .all(|v| v.is_finite());
        if !finite {
            return Err("'values' holds NaN or infinite numbers".into());
        }
        if self.summary.len() != k || self.summary.iter().any(|s| s.mean_abs.len() != m) {
            return Err(format!("'summary' is not {k} outputs x {m} features"));
        }
        if let Some(lime) = &self.lime {
            let bad_term = |r: &LimeRow| {
                r.outputs
                    .iter()
                    .any(|o| o.terms.iter().any(|t| t.index >= m))
            };
            if lime.len() != n || lime.iter().any(|r| r.outputs.len() != k || bad_term(r)) {
                return Err(format!("'lime' is not {n} rows x {k} outputs"));
            }
        }
        Ok(())
    }
}
