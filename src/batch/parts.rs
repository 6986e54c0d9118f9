//! One part of a run: its rows as a Parquet file and a small JSON sidecar with the part's sums
//! and the rows charts and `explanations.json` keep.

use super::parquet_encode::{encode, Column, Kind, Packing};
use super::plan::Sums;
use super::quantise::{round_phi, round_se};
use super::storage::{Precision, Storage};
use crate::atomic::FileSum;
use crate::atomic::{write_atomic, write_bytes_atomic};
use crate::error::{Error, Result};
use crate::report::RowResult;
use parquet::data_type::ByteArray;
use parquet::file::metadata::KeyValue;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Folder of the Parquet dataset inside an output folder.
pub const ATTRIBUTIONS_DIR: &str = "attributions";
/// Folder of the part sidecars inside an output folder.
pub const PARTS_DIR: &str = "parts";
/// Key of the run's `meta` JSON in each Parquet file's metadata.
pub const META_KEY: &str = "onnx_inspector.meta";
/// Suffix of a feature's standard-error column.
pub const STDERR_SUFFIX: &str = "__stderr";

/// Relative path of part `p`'s Parquet file.
pub fn parquet_name(p: usize) -> String {
    format!("{ATTRIBUTIONS_DIR}/part-{p:05}.parquet")
}

/// Relative path of part `p`'s sidecar.
pub fn sidecar_name(p: usize) -> String {
    format!("{PARTS_DIR}/part-{p:05}.json")
}

/// The Parquet column names: row, output, base_value, prediction, φ per feature, then standard
/// errors per feature when `stderr`; an error when two would clash.
pub fn column_names(features: &[String], stderr: bool) -> Result<Vec<String>> {
    let mut cols: Vec<String> = ["row", "output", "base_value", "prediction"]
        .map(String::from)
        .to_vec();
    cols.extend(features.iter().cloned());
    if stderr {
        cols.extend(features.iter().map(|f| format!("{f}{STDERR_SUFFIX}")));
    }
    let mut seen = std::collections::HashSet::new();
    for c in &cols {
        if !seen.insert(c.as_str()) {
            return Err(Error::Mismatch(format!(
                "the Parquet column '{c}' would appear twice: rename the feature (columns are row, \
                 output, base_value, prediction, one per feature and <feature>{STDERR_SUFFIX})"
            )));
        }
    }
    Ok(cols)
}

/// Writes one part's rows atomically: one record per row and stored output (each row's
/// `outputs`, else all), standard errors when `with_stderr`, laid out and packed as `storage`
/// says; returns the file's size and SHA-256.
pub fn write_parquet(
    path: &Path,
    rows: &[RowResult],
    names: (&[String], &[String]),
    (with_stderr, storage): (bool, &Storage),
    meta_json: &str,
) -> Result<FileSum> {
    let (features, outputs) = names;
    let cols = column_names(features, with_stderr)?;
    let (m, k) = (features.len(), outputs.len());
    let float = match storage.precision {
        Precision::F32 | Precision::Se(_) => Kind::Float,
        Precision::F64 => Kind::Double,
    };
    let kinds: Vec<(&str, Kind)> = cols
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let kind = match c {
                0 => Kind::Int64,
                1 => Kind::Text,
                2 => Kind::FewDoubles,
                3 => Kind::Double,
                _ => float,
            };
            (name.as_str(), kind)
        })
        .collect();
    // (row, output) of each record, in row order and each row's output order.
    let recs: Vec<(&RowResult, usize)> = rows
        .iter()
        .flat_map(|r| match &r.outputs {
            Some(o) => o.iter().map(|&o| (r, o)).collect::<Vec<_>>(),
            None => (0..k).map(|o| (r, o)).collect(),
        })
        .collect();
    let value = |c: usize, (r, o): (&RowResult, usize)| match c {
        2 => r.base_values[o],
        3 => r.predictions[o],
        c if c < 4 + m => r.value(c - 4, o, k),
        c => r.stderr_of(c - 4 - m, o, k),
    };
    // A float column's value as stored: f32, or rounded under `--precision se:F`.
    let narrow = |c: usize, (r, o): (&RowResult, usize)| match storage.precision {
        Precision::Se(f) if c < 4 + m => round_phi(value(c, (r, o)), r.stderr_of(c - 4, o, k), f),
        Precision::Se(_) => round_se(value(c, (r, o))),
        _ => value(c, (r, o)) as f32,
    };
    let metadata = vec![KeyValue::new(META_KEY.to_string(), meta_json.to_string())];
    let packing = Packing {
        compression: Some(storage.compression),
        byte_stream_split: storage.byte_stream_split,
    };
    let bytes = encode(path, &kinds, Some(metadata), packing, |c| {
        match (c, kinds[c].1) {
            (0, _) => Column::Int64(recs.iter().map(|(r, _)| r.row as i64).collect()),
            (1, _) => Column::Text(
                recs.iter()
                    .map(|&(_, o)| ByteArray::from(outputs[o].as_str()))
                    .collect(),
            ),
            (_, Kind::Float) => Column::Float(recs.iter().map(|&x| narrow(c, x)).collect()),
            _ => Column::Double(recs.iter().map(|&x| value(c, x)).collect()),
        }
    })?;
    write_bytes_atomic(path, &bytes)?;
    Ok(FileSum::of_bytes(&bytes))
}

/// One row kept for `explanations.json` or the charts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptRow {
    /// Position among the run's selected rows.
    pub position: usize,
    /// The row's results.
    #[serde(flatten)]
    pub result: RowResult,
}

/// Exact f64s through JSON (serde_json's default float parsing may be off by one ulp).
fn bits(v: impl IntoIterator<Item = f64>) -> Vec<u64> {
    v.into_iter().map(f64::to_bits).collect()
}

fn floats(v: &[u64]) -> Vec<f64> {
    v.iter().map(|&b| f64::from_bits(b)).collect()
}

/// What a finished part leaves besides its Parquet file; its presence marks the part done.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sidecar {
    /// Part number.
    pub part: usize,
    /// Rows in the part.
    pub rows: usize,
    /// Σ|φ| `[K][M]` as bits.
    pub sum_abs: Vec<Vec<u64>>,
    /// Σφ `[K][M]` as bits.
    pub sum: Vec<Vec<u64>>,
    /// Kept rows, by position.
    pub kept: Vec<KeptRow>,
    /// Rows per output `[K]` in the sums, when rows stored only some outputs (`--outputs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Vec<usize>>,
    /// Size and SHA-256 of the part's Parquet file (absent in sidecars of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parquet: Option<FileSum>,
}

impl Sidecar {
    /// Sums and kept rows of an explained part's rows (`k` outputs, `m` players), its first at
    /// position `first`; `keep(position)` says which rows to keep.
    pub fn new(
        part: usize,
        first: usize,
        rows: Vec<RowResult>,
        (m, k): (usize, usize),
        keep: impl Fn(usize) -> bool,
    ) -> Self {
        let mut sums = Sums::new(k, m);
        let n = rows.len();
        let mut kept = Vec::new();
        for (i, r) in rows.into_iter().enumerate() {
            sums.add_row(&r.values, r.outputs.as_deref());
            if keep(first + i) {
                kept.push(KeptRow {
                    position: first + i,
                    result: r,
                });
            }
        }
        Sidecar {
            part,
            rows: n,
            sum_abs: sums.abs.iter().map(|r| bits(r.iter().copied())).collect(),
            sum: sums
                .signed
                .iter()
                .map(|r| bits(r.iter().copied()))
                .collect(),
            kept,
            counts: sums.counts,
            parquet: None,
        }
    }

    /// The part's sums.
    pub fn sums(&self) -> Sums {
        Sums {
            abs: self.sum_abs.iter().map(|r| floats(r)).collect(),
            signed: self.sum.iter().map(|r| floats(r)).collect(),
            rows: self.rows,
            counts: self.counts.clone(),
        }
    }

    /// Writes the sidecar atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomic(path, |w| {
            serde_json::to_writer(&mut *w, self).map_err(std::io::Error::other)
        })
    }

    /// Reads a sidecar.
    pub fn read(path: &Path) -> Result<Sidecar> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::data_caused(path, "not a part sidecar of onnx-inspector", e))
    }
}

/// Absolute paths of a folder's part files `p` for the given part range.
pub fn part_paths(dir: &Path, p: usize) -> (PathBuf, PathBuf) {
    (dir.join(parquet_name(p)), dir.join(sidecar_name(p)))
}
