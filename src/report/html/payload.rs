//! The numbers the page's script reads: one entry per shown row (its explained output, f(x),
//! base value, label, its top features with φ, standard errors and values) and the global
//! importance with intervals. Numbers are rounded to 4 significant digits to keep the page small.

use super::importance::{importance, Importance};
use super::ReportInput;
use crate::report::charts::predicted_output;
use crate::report::ExplanationFile;
use serde::Serialize;

/// Features shown individually per row (waterfall, table); the rest are summed.
pub const ROW_TOP: usize = 12;
/// Features offered for cohort predicates and compared across cohorts.
pub const COHORT_FEATURES: usize = 15;
/// Features in the global importance chart.
pub const IMPORTANCE_TOP: usize = 20;

/// How labels compare with predictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelKind {
    /// Class index vs the predicted output's model column.
    Class,
    /// 0/1 vs a single output in [0, 1] thresholded at 0.5.
    Binary,
    /// A number beside a regression output (no right or wrong).
    Value,
}

/// One row of the page.
#[derive(Debug, Serialize)]
pub struct RowEntry {
    /// Data-file row index.
    pub r: usize,
    /// Explained output (the row's predicted output).
    pub k: usize,
    /// f(x) for output k.
    pub f: f64,
    /// E f(background) for output k.
    pub b: f64,
    /// Label, when given.
    pub y: Option<f64>,
    /// Whether the prediction matches the label (class and binary labels).
    pub ok: Option<bool>,
    /// The row's top features by |φ|.
    pub t: Vec<usize>,
    /// Their φ.
    pub p: Vec<f64>,
    /// Their standard errors, when known.
    pub s: Option<Vec<f64>>,
    /// Their values (null for a group of inputs).
    pub x: Vec<Option<f64>>,
    /// Sum of the other features' φ, and how many they are.
    pub rest: f64,
    /// Their combined standard error sqrt(Σ se²).
    pub rest_se: Option<f64>,
    /// φ of the cohort features.
    pub c: Vec<f64>,
    /// Values of the cohort features (null for groups).
    pub cx: Vec<Option<f64>>,
}

/// Everything the script needs.
#[derive(Debug, Serialize)]
pub struct Payload {
    /// Feature (player) names.
    pub features: Vec<String>,
    /// Output names.
    pub outputs: Vec<String>,
    /// Rows of the run.
    pub n_total: usize,
    /// Whether standard errors are known.
    pub has_se: bool,
    /// How labels compare, when given.
    pub label_kind: Option<LabelKind>,
    /// Global importance, largest first (at most [`IMPORTANCE_TOP`]).
    pub importance: Vec<Importance>,
    /// Features compared across cohorts (indices, largest mean |φ| first).
    pub cohort: Vec<usize>,
    /// Rows with an image overlay in the page.
    pub overlays: Vec<usize>,
    /// The shown rows.
    pub rows: Vec<RowEntry>,
}

/// `v` rounded to 4 significant digits.
pub fn r4(v: f64) -> f64 {
    format!("{v:.3e}").parse().unwrap_or(v)
}

/// How `labels` compare with the file's predictions.
pub fn label_kind(file: &ExplanationFile, labels: &[f64]) -> LabelKind {
    let whole = labels.iter().all(|y| *y >= 0.0 && y.fract() == 0.0);
    if file.output_names.len() > 1 && whole {
        LabelKind::Class
    } else if file.output_names.len() == 1
        && labels.iter().all(|y| *y == 0.0 || *y == 1.0)
        && file.predictions.iter().all(|p| (0.0..=1.0).contains(&p[0]))
    {
        LabelKind::Binary
    } else {
        LabelKind::Value
    }
}

/// Indices of `v` by |v| descending (ties by index).
fn by_abs(v: &[f64]) -> Vec<usize> {
    let abs: Vec<f64> = v.iter().map(|x| x.abs()).collect();
    crate::report::charts::ranking(&abs)
}

/// The page's numbers for rows `shown` (positions in `input.file`).
pub fn build(input: &ReportInput, shown: &[usize], overlays: Vec<usize>) -> Payload {
    let file = input.file;
    let m = file.feature_names.len();
    let ks: Vec<usize> = (0..file.values.len())
        .map(|r| predicted_output(file, r))
        .collect();
    let abs: Vec<Vec<f64>> = (0..file.values.len())
        .map(|r| (0..m).map(|j| file.values[r][j][ks[r]].abs()).collect())
        .collect();
    let se: Option<Vec<Vec<f64>>> = file.stderr.as_ref().map(|s| {
        (0..file.values.len())
            .map(|r| (0..m).map(|j| s[r][j][ks[r]]).collect())
            .collect()
    });
    let mut imp = importance(&abs, se.as_deref(), file.meta.seed);
    imp.sort_by(|a, b| b.mean.total_cmp(&a.mean).then(a.feature.cmp(&b.feature)));
    let cohort: Vec<usize> = imp
        .iter()
        .take(COHORT_FEATURES)
        .map(|i| i.feature)
        .collect();
    imp.truncate(IMPORTANCE_TOP);
    for i in &mut imp {
        for v in [
            &mut i.mean,
            &mut i.boot_se,
            &mut i.est_se,
            &mut i.lo,
            &mut i.hi,
        ] {
            *v = r4(*v);
        }
    }
    let kind = input.labels.map(|l| label_kind(file, l));
    let rows = shown
        .iter()
        .map(|&r| row_entry(input, r, ks[r], kind, &cohort))
        .collect();
    Payload {
        features: file.feature_names.clone(),
        outputs: file.output_names.clone(),
        n_total: input.total_rows,
        has_se: file.stderr.is_some(),
        label_kind: kind,
        importance: imp,
        cohort,
        overlays,
        rows,
    }
}

fn row_entry(
    input: &ReportInput,
    r: usize,
    k: usize,
    kind: Option<LabelKind>,
    cohort: &[usize],
) -> RowEntry {
    let file = input.file;
    let phi: Vec<f64> = file.values[r].iter().map(|v| v[k]).collect();
    let se: Option<Vec<f64>> = file
        .stderr
        .as_ref()
        .map(|s| s[r].iter().map(|v| v[k]).collect());
    let order = by_abs(&phi);
    let top = &order[..order.len().min(ROW_TOP)];
    let rest = &order[top.len()..];
    let value = |j: usize| file.player_value(r, j).map(|v| r4(v as f64));
    let f = file.predictions[r][k];
    let y = input.labels.map(|l| l[file.row_indices[r]]);
    let ok = match (kind, y) {
        (Some(LabelKind::Class), Some(y)) => {
            let column = file.meta.output_indices.get(k).copied().unwrap_or(k);
            Some(column as f64 == y)
        }
        (Some(LabelKind::Binary), Some(y)) => Some((f >= 0.5) == (y == 1.0)),
        _ => None,
    };
    RowEntry {
        r: file.row_indices[r],
        k,
        f: r4(f),
        b: r4(file.base_values[r][k]),
        y,
        ok,
        t: top.to_vec(),
        p: top.iter().map(|&j| r4(phi[j])).collect(),
        s: se.as_ref().map(|s| top.iter().map(|&j| r4(s[j])).collect()),
        x: top.iter().map(|&j| value(j)).collect(),
        rest: r4(rest.iter().map(|&j| phi[j]).sum()),
        rest_se: se
            .as_ref()
            .map(|s| r4(rest.iter().map(|&j| s[j] * s[j]).sum::<f64>().sqrt())),
        c: cohort.iter().map(|&j| r4(phi[j])).collect(),
        cx: cohort.iter().map(|&j| value(j)).collect(),
    }
}
