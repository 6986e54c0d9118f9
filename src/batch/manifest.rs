//! `manifest.json`: what a run is (its fingerprint), which parts it owns and which files it wrote.
//!
//! One run per folder: a new run into a folder holding an earlier run's manifest first removes
//! exactly the files that manifest lists (never any other file), unless it resumes that run.

use super::plan::Shard;
use crate::atomic::write_atomic;
use crate::error::{Error, Result};
use crate::report::{Meta, Timings};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// File name of the manifest in an output folder.
pub const MANIFEST: &str = "manifest.json";

/// Everything that decides a run's results; two runs with equal fingerprints write equal parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// SHA-256 of the model file.
    pub model_sha256: String,
    /// SHA-256 of the data (of standard input's bytes for `--data -`).
    pub data_sha256: String,
    /// Rows in the data file.
    pub data_rows: usize,
    /// The row selection (`None` = all).
    pub rows: Option<String>,
    /// Selected rows.
    pub selected_rows: usize,
    /// Estimator and settings, the seed apart.
    pub estimator: serde_json::Value,
    /// Seed of every random choice.
    pub seed: u64,
    /// SHA-256 of the background or training file, if one was given.
    pub reference_sha256: Option<String>,
    /// Background rows sampled from the data.
    pub background_size: usize,
    /// Output names given.
    pub output_names: Option<Vec<String>>,
    /// Outputs explained.
    pub labels: Vec<String>,
    /// Rows per part.
    pub chunk_rows: usize,
    /// Largest run written with per-row arrays in `explanations.json`.
    pub json_rows: usize,
    /// The engine that ran the model (engines agree only to rounding).
    #[serde(default)]
    pub engine: serde_json::Value,
    /// The players (feature groups, image segments) and how absent ones are filled.
    #[serde(default)]
    pub players: serde_json::Value,
    /// The columns picked out of the tables by name (`--features`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<String>>,
    /// What is stored of each row (`batch::storage::Storage`), when not every output with
    /// standard errors as f64 (absent: that layout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<serde_json::Value>,
}

impl Fingerprint {
    /// The first field that differs, with both values, or `None` when equal.
    pub fn difference(&self, other: &Fingerprint) -> Option<String> {
        let (a, b) = (
            serde_json::to_value(self).unwrap_or_default(),
            serde_json::to_value(other).unwrap_or_default(),
        );
        let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
            return None;
        };
        a.iter().find_map(|(key, va)| {
            let vb = b.get(key).cloned().unwrap_or_default();
            (*va != vb).then(|| {
                format!(
                    "{key} differs ({} vs {})",
                    crate::error::clip(&va.to_string(), 80),
                    crate::error::clip(&vb.to_string(), 80)
                )
            })
        })
    }
}

/// The manifest of one run (or one shard of a run, or a merge).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Tool and version that wrote it.
    pub tool: String,
    /// What the run is.
    pub fingerprint: Fingerprint,
    /// The slice of the run this folder holds.
    pub shard: Shard,
    /// Parts of the whole run.
    pub total_parts: usize,
    /// Parts `[start, end)` this folder holds.
    pub parts: (usize, usize),
    /// Files written (relative paths), listed before they are written.
    pub files: Vec<String>,
    /// Whether every part and the summary files are written.
    pub complete: bool,
    /// The run's metadata (timings zero until complete).
    pub meta: Meta,
    /// Timings once complete.
    pub timings: Option<Timings>,
    /// Feature names `[M]`.
    pub feature_names: Vec<String>,
    /// Output names `[K]`.
    pub output_names: Vec<String>,
    /// Size and SHA-256 of each part file (relative path), recorded once the run is complete.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub checksums: std::collections::BTreeMap<String, crate::atomic::FileSum>,
}

impl Manifest {
    /// Reads `dir/manifest.json` if there is one.
    pub fn read_in(dir: &Path) -> Result<Option<Manifest>> {
        let path = dir.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::data_caused(&path, "not an onnx-inspector manifest", e))
    }

    /// Writes `dir/manifest.json` atomically.
    pub fn write_in(&self, dir: &Path) -> Result<()> {
        write_atomic(&dir.join(MANIFEST), |w| {
            serde_json::to_writer_pretty(&mut *w, self).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })
    }

    /// Removes the temporary files (`.NAME.tmp…`) an interrupted write of a listed file left.
    pub fn remove_temporaries(&self, dir: &Path) -> Result<()> {
        let mut by_folder: std::collections::BTreeMap<PathBuf, Vec<String>> = Default::default();
        for f in self.files.iter().filter(|f| is_inside(f)) {
            let rel = Path::new(f);
            let folder = dir.join(rel.parent().unwrap_or(Path::new("")));
            let name = rel.file_name().unwrap_or_default().to_string_lossy();
            by_folder
                .entry(folder)
                .or_default()
                .push(format!(".{name}.tmp"));
        }
        for (folder, prefixes) in by_folder {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if prefixes.iter().any(|p| name.starts_with(p.as_str())) {
                    remove_if_present(&e.path())?;
                }
            }
        }
        Ok(())
    }

    /// Removes the files this manifest lists, then the manifest and any part folder left empty.
    pub fn remove_files(&self, dir: &Path) -> Result<()> {
        self.remove_temporaries(dir)?;
        for f in &self.files {
            // Only plain relative paths inside the folder, whatever the manifest says.
            if is_inside(f) {
                remove_if_present(&dir.join(f))?;
            }
        }
        remove_if_present(&dir.join(MANIFEST))?;
        for sub in [super::parts::ATTRIBUTIONS_DIR, super::parts::PARTS_DIR] {
            let _ = std::fs::remove_dir(dir.join(sub)); // only succeeds when empty
        }
        Ok(())
    }
}

/// Whether a listed path is a plain relative path inside the folder.
fn is_inside(f: &str) -> bool {
    let rel = Path::new(f);
    !rel.is_absolute()
        && rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}
