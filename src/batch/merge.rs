//! `merge`: the shards of one run combined into one folder, as a single run would have written it.

use super::folder::Claim;
use super::interaction_parts::interaction_part_path;
use super::lock::ReadLock;
use super::manifest::Manifest;
use super::parts;
use super::plan::Shard;
use super::verify::check_part;
use super::{finish, BatchReport};
use crate::error::{Error, Result};
use crate::report::charts::ChartOptions;
use crate::report::Timings;
use std::path::{Path, PathBuf};

/// Combines shard folders `inputs` into `out`: checks that they come from the same run (model,
/// data, options, seed), that every shard is there once and finished, then copies their parts
/// and writes the summary, `explanations.json` and the charts.
pub fn merge(inputs: &[PathBuf], out: &Path, charts: Option<&ChartOptions>) -> Result<BatchReport> {
    merge_with(inputs, out, charts, false)
}

/// [`merge`], waiting for another run that holds `out` when `wait_lock` (else failing at once).
/// No shard may be locked by a run still writing it, and every shard's parts must match the
/// sizes and checksums its manifest and sidecars record; all of this is checked before `out` is
/// touched.
pub fn merge_with(
    inputs: &[PathBuf],
    out: &Path,
    charts: Option<&ChartOptions>,
    wait_lock: bool,
) -> Result<BatchReport> {
    if inputs.is_empty() {
        return Err(Error::Mismatch("merge: no shard folders given".into()));
    }
    let _reading = inputs
        .iter()
        .map(|d| ReadLock::acquire(d))
        .collect::<Result<Vec<_>>>()?;
    let mut shards: Vec<(PathBuf, Manifest)> = Vec::new();
    for dir in inputs {
        let m = Manifest::read_in(dir)?.ok_or_else(|| {
            Error::data(
                dir,
                "no manifest.json: not an output folder of `explain` (or of one of its shards)",
            )
        })?;
        shards.push((dir.clone(), m));
    }
    let (first_dir, first) = shards[0].clone();
    let count = first.shard.count;
    for (dir, m) in &shards[1..] {
        if let Some(diff) = first.fingerprint.difference(&m.fingerprint) {
            return Err(Error::Mismatch(format!(
                "{} and {} are not shards of the same run: {diff}",
                first_dir.display(),
                dir.display()
            )));
        }
        if m.shard.count != count {
            return Err(Error::Mismatch(format!(
                "{} is shard {}/{} but {} is one of {count} shards",
                dir.display(),
                m.shard.index,
                m.shard.count,
                first_dir.display()
            )));
        }
    }
    let mut owner: Vec<Option<PathBuf>> = vec![None; count];
    for (dir, m) in &shards {
        if let Some(other) = &owner[m.shard.index] {
            return Err(Error::Mismatch(format!(
                "{} and {} both hold shard {}/{count} (overlapping rows)",
                other.display(),
                dir.display(),
                m.shard.index
            )));
        }
        owner[m.shard.index] = Some(dir.clone());
        if !m.complete {
            return Err(Error::Mismatch(format!(
                "{} holds shard {}/{count} unfinished: rerun it with --resume",
                dir.display(),
                m.shard.index
            )));
        }
    }
    let missing: Vec<String> = (0..count)
        .filter(|&k| owner[k].is_none())
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Mismatch(format!(
            "missing shard {} of {count}: give every shard's folder",
            missing.join(", ")
        )));
    }
    if inputs.iter().any(|d| same_dir(d, out)) {
        return Err(Error::param(
            "out",
            "must be a new folder, not one of the shards",
        ));
    }
    shards.sort_by_key(|(_, m)| m.shard.index);
    let total_parts = first.total_parts;
    for (dir, m) in &shards {
        let expect = m.shard.parts(total_parts);
        if m.parts != expect || m.total_parts != total_parts {
            return Err(Error::Mismatch(format!(
                "{} holds parts {}..{} of {}, expected {}..{} of {total_parts}",
                dir.display(),
                m.parts.0,
                m.parts.1,
                m.total_parts,
                expect.0,
                expect.1
            )));
        }
        for p in m.parts.0..m.parts.1 {
            check_part(dir, p, Some(m)).map_err(|why| {
                Error::Mismatch(format!(
                    "{why}: rerun shard {}/{count} with --resume",
                    m.shard.index
                ))
            })?;
        }
    }
    let claim = Claim::take(out, wait_lock)?;
    claim.release(write_merged(shards, first, out, charts))
}

/// Copies the checked shards' parts into `out` (held) and finishes the run there.
fn write_merged(
    shards: Vec<(PathBuf, Manifest)>,
    first: Manifest,
    out: &Path,
    charts: Option<&ChartOptions>,
) -> Result<BatchReport> {
    if let Some(old) = Manifest::read_in(out)? {
        old.remove_files(out)?;
    }
    let total_parts = first.total_parts;
    let mut manifest = Manifest {
        shard: Shard::ALL,
        parts: (0, total_parts),
        files: (0..total_parts)
            .flat_map(|p| [parts::parquet_name(p), parts::sidecar_name(p)])
            .collect(),
        complete: false,
        timings: None,
        checksums: Default::default(),
        ..first
    };
    manifest.write_in(out)?;
    for dir in [parts::ATTRIBUTIONS_DIR, parts::PARTS_DIR] {
        std::fs::create_dir_all(out.join(dir)).map_err(|e| Error::io(&out.join(dir), e))?;
    }
    let mut timings = Timings::default();
    for (dir, m) in &shards {
        for p in m.parts.0..m.parts.1 {
            for name in [parts::parquet_name(p), parts::sidecar_name(p)] {
                let (from, to) = (dir.join(&name), out.join(&name));
                copy_atomic(&from, &to)?;
            }
            if manifest.meta.interactions {
                let (from, to) = (interaction_part_path(dir, p), interaction_part_path(out, p));
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                }
                copy_atomic(&from, &to)?;
            }
        }
        if let Some(t) = &m.timings {
            timings.explain_seconds += t.explain_seconds;
            timings.write_seconds += t.write_seconds;
            timings.model_seconds += t.model_seconds;
            timings.first_layer_seconds += t.first_layer_seconds;
            timings.fused_seconds += t.fused_seconds;
            timings.total_seconds += t.total_seconds;
            timings.threads = timings.threads.max(t.threads);
        }
    }
    let n = manifest.fingerprint.selected_rows;
    timings.rows_per_second = n as f64 / timings.total_seconds.max(1e-9);
    let keep_all = n <= manifest.fingerprint.json_rows;
    finish(out, &mut manifest, keep_all, timings, charts)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Copies a file to a temporary name beside `to`, fsyncs and renames it.
fn copy_atomic(from: &Path, to: &Path) -> Result<()> {
    let mut src = std::fs::File::open(from).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::data(
                from,
                "missing: the shard's part was not written (rerun it with --resume)",
            )
        } else {
            Error::io(from, e)
        }
    })?;
    let mut tmp = crate::atomic::temp_beside(to)?;
    std::io::copy(&mut src, tmp.as_file_mut()).map_err(|e| Error::io(to, e))?;
    crate::atomic::persist(tmp, to)
}
