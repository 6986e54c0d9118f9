//! Parts are checked, not trusted: each part's Parquet file is recorded with its size and
//! SHA-256 in its sidecar when written (and every part file in the manifest once the run is
//! complete); `--resume` explains again a part whose file is missing, truncated or different,
//! and `merge` refuses such a shard naming the part.

use super::manifest::Manifest;
use super::parts::{self, Sidecar};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// A file's size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSum {
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, hex encoded.
    pub sha256: String,
}

fn hex(h: Sha256) -> String {
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl FileSum {
    /// The size and SHA-256 of bytes about to be written.
    pub fn of_bytes(bytes: &[u8]) -> FileSum {
        let mut h = Sha256::new();
        h.update(bytes);
        FileSum {
            bytes: bytes.len() as u64,
            sha256: hex(h),
        }
    }

    /// The size and SHA-256 of a file, read in blocks.
    pub fn of_file(path: &Path) -> Result<FileSum> {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let (mut h, mut bytes) = (Sha256::new(), 0u64);
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            h.update(&buf[..n]);
        }
        Ok(FileSum {
            bytes,
            sha256: hex(h),
        })
    }

    /// Why the file at `path` is not the one recorded (missing, truncated, resized or
    /// different), or `None` when it is.
    pub fn mismatch(&self, path: &Path) -> Result<Option<String>> {
        let found = match FileSum::of_file(path) {
            Ok(s) => s,
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Some("missing".into()))
            }
            Err(e) => return Err(e),
        };
        Ok(if found.bytes < self.bytes {
            Some(format!(
                "truncated ({} of {} bytes)",
                found.bytes, self.bytes
            ))
        } else if found.bytes != self.bytes {
            Some(format!("{} bytes, {} expected", found.bytes, self.bytes))
        } else if found.sha256 != self.sha256 {
            Some("different content (its SHA-256 is not the one recorded)".into())
        } else {
            None
        })
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_told_missing_truncated_resized_or_different() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        std::fs::write(&f, b"hello world").unwrap();
        let sum = FileSum::of_file(&f).unwrap();
        assert_eq!(sum, FileSum::of_bytes(b"hello world"));
        assert_eq!(sum.mismatch(&f).unwrap(), None);
        std::fs::write(&f, b"hello").unwrap();
        assert!(sum
            .mismatch(&f)
            .unwrap()
            .unwrap()
            .contains("truncated (5 of 11"));
        std::fs::write(&f, b"hello world!").unwrap();
        assert!(sum.mismatch(&f).unwrap().unwrap().contains("12 bytes"));
        std::fs::write(&f, b"hello World").unwrap();
        assert!(sum.mismatch(&f).unwrap().unwrap().contains("SHA-256"));
        std::fs::remove_file(&f).unwrap();
        assert_eq!(sum.mismatch(&f).unwrap().unwrap(), "missing");
    }
}
