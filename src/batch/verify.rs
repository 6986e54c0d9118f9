//! Parts are checked, not trusted: each part's Parquet file is recorded with its size and
//! SHA-256 in its sidecar when written (and every part file in the manifest once the run is
//! complete); `--resume` explains again a part whose file is missing, truncated or different,
//! and `merge` refuses such a shard naming the part.

use super::manifest::Manifest;
use super::parts::{self, Sidecar};
use crate::atomic::FileSum;
use crate::error::Result;
use std::path::Path;

/// Part `p` of the folder `dir` when its sidecar reads, names it, and its files match what
/// the sidecar (and the manifest, when it records them) say; else what is wrong, naming the
/// file.
pub fn check_part(dir: &Path, p: usize, manifest: Option<&Manifest>) -> Result<Sidecar, String> {
    let (pq, side) = parts::part_paths(dir, p);
    let recorded = |name: String| manifest.and_then(|m| m.checksums.get(&name));
    let wrong = |path: &Path, why: String| format!("{}: {why}", path.display());
    if let Some(sum) = recorded(parts::sidecar_name(p)) {
        match sum.mismatch(&side) {
            Ok(None) => {}
            Ok(Some(why)) => return Err(wrong(&side, why)),
            Err(e) => return Err(e.to_string()),
        }
    }
    let sidecar = Sidecar::read(&side).map_err(|e| match side.exists() {
        true => e.to_string(),
        false => wrong(&side, "missing".into()),
    })?;
    if sidecar.part != p {
        return Err(wrong(
            &side,
            format!("holds part {}, not {p}", sidecar.part),
        ));
    }
    let sum = sidecar
        .parquet
        .as_ref()
        .or_else(|| recorded(parts::parquet_name(p)))
        .ok_or_else(|| {
            wrong(
                &side,
                "no size and checksum of the part's Parquet file (written by an older version)"
                    .into(),
            )
        })?;
    match sum.mismatch(&pq) {
        Ok(None) => Ok(sidecar),
        Ok(Some(why)) => Err(wrong(&pq, why)),
        Err(e) => Err(e.to_string()),
    }
}

/// The parts of `range` a resumed run must explain: those not finished, and those whose files
/// fail [`check_part`] (also listed with why, as `part P: …`).
pub fn parts_to_redo(
    dir: &Path,
    range: std::ops::Range<usize>,
    manifest: Option<&Manifest>,
) -> (Vec<usize>, Vec<String>) {
    let (mut todo, mut redone) = (vec![], vec![]);
    for p in range {
        if let Err(why) = check_part(dir, p, manifest) {
            let (pq, side) = parts::part_paths(dir, p);
            if pq.exists() || side.exists() {
                redone.push(format!("part {p}: {why}"));
            }
            todo.push(p);
        }
    }
    (todo, redone)
}

/// The size and SHA-256 of a part's files, to record in the manifest: its Parquet file's from
/// its sidecar, and the sidecar file's own.
pub fn part_sums(dir: &Path, sidecar: &Sidecar) -> Result<Vec<(String, FileSum)>> {
    let name = parts::sidecar_name(sidecar.part);
    let mut sums = vec![(name.clone(), FileSum::of_file(&dir.join(&name))?)];
    if let Some(sum) = &sidecar.parquet {
        sums.push((parts::parquet_name(sidecar.part), sum.clone()));
    }
    Ok(sums)
}
