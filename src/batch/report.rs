//! `report.html` of a finished run folder: from `explanations.json`'s rows, or, when the run
//! kept its rows in Parquet only (more rows than `--json-rows`, or merged shards), from the rows
//! its parts kept for charts (the first rows and the seeded sample), with the run's summary.

use super::lock::FolderLock;
use super::parts::{self, Sidecar};
use super::Manifest;
use crate::error::{Error, Result};
use crate::report::html::{write_report, ReportInput, ReportStats};
use crate::report::json::FileHead;
use crate::report::ExplanationFile;
use std::path::{Path, PathBuf};

/// The report's file name in a run folder.
pub const REPORT_FILE: &str = "report.html";

/// Writes `out/report.html` for the finished run in `out` (listing it in the manifest, so the
/// next run in the folder replaces it). `labels` are indexed by data-file row.
pub fn write_folder_report(
    out: &Path,
    labels: Option<&[f64]>,
    model_card: Option<&str>,
) -> Result<(PathBuf, ReportStats)> {
    let _lock = FolderLock::acquire(out, false)?;
    let mut manifest = Manifest::read_in(out)?
        .filter(|m| m.complete)
        .ok_or_else(|| {
            Error::data(
                out,
                "holds no finished run (no complete manifest.json): run explain or merge first",
            )
        })?;
    let json = out.join("explanations.json");
    let mut file = ExplanationFile::read(&json)?;
    let mut total = file.values.len();
    if file.values.is_empty() && file.attributions.is_some() {
        total = kept_rows(out, &manifest, &mut file)?;
    }
    let path = out.join(REPORT_FILE);
    let input = ReportInput {
        file: &file,
        total_rows: total,
        labels,
        model_card,
    };
    let stats = write_report(&input, &path)?;
    if !manifest.files.iter().any(|f| f == REPORT_FILE) {
        manifest.files.push(REPORT_FILE.into());
        manifest.files.sort();
        manifest.write_in(out)?;
    }
    Ok((path, stats))
}

/// Fills `file`'s per-row arrays with the rows the parts kept; returns the run's row count.
fn kept_rows(out: &Path, manifest: &Manifest, file: &mut ExplanationFile) -> Result<usize> {
    let mut kept = Vec::new();
    let mut total = 0;
    for p in manifest.parts.0..manifest.parts.1 {
        let (_, side) = parts::part_paths(out, p);
        let s = Sidecar::read(&side)?;
        total += s.rows;
        kept.extend(s.kept);
    }
    if kept.is_empty() {
        return Err(Error::data(out, "its parts kept no rows to report"));
    }
    kept.sort_by_key(|r| r.position);
    let head = FileHead {
        feature_names: file.feature_names.clone(),
        groups: file.groups.clone(),
        input_names: file.input_names.clone(),
        output_names: file.output_names.clone(),
        per_row: file.row_groups.is_some(),
    };
    let rows = kept.into_iter().map(|r| r.result).collect();
    let attributions = file.attributions.take();
    *file = ExplanationFile::assemble(&head, rows, file.summary.clone(), file.meta.clone());
    file.attributions = attributions;
    Ok(total)
}
