//! Taking an output folder for a run: checked (a dangling symbolic link, symbolically linked
//! subfolders that would send writes outside it), created, locked ([`FolderLock`]) and swept
//! of the temporary files a killed run left; given back at the end, and removed again when a
//! failed run created it and left it empty.

use super::lock::FolderLock;
use super::manifest::MANIFEST;
use super::parts::{ATTRIBUTIONS_DIR, PARTS_DIR};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Prefix of the hidden copy of standard input in an output folder.
pub const STDIN_PREFIX: &str = ".stdin";

/// An output folder held by this process for one run.
#[derive(Debug)]
pub struct Claim {
    lock: Option<FolderLock>,
    /// Folders this claim created, deepest first.
    created: Vec<PathBuf>,
}

impl Claim {
    /// Checks, creates and locks `out` (waiting for another run's lock with `wait`), then
    /// removes what a killed run left half-written.
    pub fn take(out: &Path, wait: bool) -> Result<Claim> {
        if let Ok(meta) = std::fs::symlink_metadata(out) {
            if meta.file_type().is_symlink() && std::fs::metadata(out).is_err() {
                let target = std::fs::read_link(out).unwrap_or_default();
                return Err(Error::param(
                    "out",
                    format!(
                        "{} is a symbolic link to {}, which does not exist: create that folder \
                         or give another --out",
                        out.display(),
                        target.display()
                    ),
                ));
            }
        }
        let created: Vec<PathBuf> = out
            .ancestors()
            .filter(|p| !p.as_os_str().is_empty())
            .take_while(|p| std::fs::symlink_metadata(p).is_err())
            .map(Path::to_path_buf)
            .collect();
        let mut claim = Claim {
            lock: None,
            created,
        };
        let mut steps = || -> Result<()> {
            std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
            claim.lock = Some(FolderLock::acquire(out, wait)?);
            refuse_linked_subfolders(out)?;
            sweep(out)
        };
        match steps() {
            Ok(()) => Ok(claim),
            Err(e) => claim.release(Err(e)),
        }
    }

    /// Gives the folder back, passing `result` through; a failed run's folder is removed when
    /// this claim created it and nothing is left in it.
    pub fn release<T>(mut self, result: Result<T>) -> Result<T> {
        drop(self.lock.take());
        if result.is_err() {
            for dir in &self.created {
                if std::fs::remove_dir(dir).is_err() {
                    break; // not empty (or someone else's now): keep it and its parents
                }
            }
        }
        result
    }
}

/// Refuses an output folder whose `attributions/` or `parts/` is a symbolic link: a run
/// removes and writes files there, which must stay inside `--out`.
fn refuse_linked_subfolders(out: &Path) -> Result<()> {
    for sub in [ATTRIBUTIONS_DIR, PARTS_DIR] {
        let path = out.join(sub);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::param(
                "out",
                format!(
                    "{} is a symbolic link: a run writes only inside --out; replace it with a \
                     folder or give another --out",
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Whether a name is a temporary file some run of ours writes: standard input's copy, or a
/// file on its way to an atomic rename (`.NAME.tmp…`) in the folder or its part folders.
fn is_temporary(name: &str, in_part_folder: bool) -> bool {
    if in_part_folder {
        return name.starts_with(".part-") && name.contains(".tmp");
    }
    (name.starts_with(STDIN_PREFIX) && name.ends_with(".csv"))
        || name.starts_with(&format!(".{MANIFEST}.tmp"))
}

/// Removes the temporary files a killed run left (no run holds them: the folder is locked).
fn sweep(out: &Path) -> Result<()> {
    let folders = [
        (out.to_path_buf(), false),
        (out.join(ATTRIBUTIONS_DIR), true),
        (out.join(PARTS_DIR), true),
    ];
    for (folder, parts) in folders {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let plain = e.file_type().is_ok_and(|t| t.is_file());
            if plain && is_temporary(&name, parts) {
                std::fs::remove_file(e.path()).map_err(|err| Error::io(&e.path(), err))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_first_run_leaves_no_folder_and_a_kept_folder_stays() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a").join("b");
        let claim = Claim::take(&out, false).unwrap();
        assert!(out.join(super::super::lock::LOCK_FILE).exists());
        let r: Result<()> = claim.release(Err(Error::Interrupted));
        assert!(r.is_err());
        assert!(!dir.path().join("a").exists());
        let claim = Claim::take(&out, false).unwrap();
        std::fs::write(out.join("x"), "1").unwrap();
        let _ = claim.release::<()>(Err(Error::Interrupted));
        assert!(out.join("x").exists());
        assert!(!out.join(super::super::lock::LOCK_FILE).exists());
    }

    #[test]
    fn temporaries_of_a_killed_run_go_and_other_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        std::fs::create_dir_all(out.join(ATTRIBUTIONS_DIR)).unwrap();
        for f in [
            ".stdinAbc.csv",
            ".manifest.json.tmpXyz.json",
            "attributions/.part-00001.parquet.tmpQ.parquet",
            "attributions/.mine",
            "notes.txt",
        ] {
            std::fs::write(out.join(f), "x").unwrap();
        }
        let claim = Claim::take(out, false).unwrap();
        let _ = claim.release(Ok(()));
        let mut left: Vec<String> = walk(out);
        left.sort();
        assert_eq!(left, vec!["attributions/.mine", "notes.txt"]);
    }

    fn walk(dir: &Path) -> Vec<String> {
        let mut out = vec![];
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if e.file_type().unwrap().is_dir() {
                out.extend(walk(&e.path()).into_iter().map(|n| format!("{name}/{n}")));
            } else {
                out.push(name);
            }
        }
        out
    }

    #[cfg(unix)]
    #[test]
    fn links_that_lead_outside_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &out).unwrap();
        let e = Claim::take(&out, false).unwrap_err().to_string();
        assert!(e.contains("does not exist") && e.contains("nowhere"), "{e}");
        std::fs::remove_file(&out).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), out.join(PARTS_DIR)).unwrap();
        let e = Claim::take(&out, false).unwrap_err().to_string();
        assert!(e.contains("symbolic link") && e.contains(PARTS_DIR), "{e}");
        assert!(!out.join(super::super::lock::LOCK_FILE).exists());
    }
}
