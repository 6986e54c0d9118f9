//! Atomic file output: write to a temporary file beside the target, fsync, then rename; and
//! the size and SHA-256 ([`FileSum`]) that tell later whether a file is still the one written.
//!
//! A failure at any step leaves the target untouched and removes the temporary file (also when
//! the writer panics, since the temporary file deletes itself when dropped).

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tempfile::NamedTempFile;

/// A fresh hidden temporary file beside `path` (same extension), its folder created.
pub fn temp_beside(path: &Path) -> Result<NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("tmp");
    let (prefix, suffix) = (format!(".{name}.tmp"), format!(".{ext}"));
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(&suffix);
    // Output files get the usual 0666-minus-umask mode, not a temporary file's 0600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))
}

/// Folders whose files are fsynced later, all at once ([`DeferredSync`]), with the files
/// renamed into them so far.
static DEFERRED: Mutex<Vec<(PathBuf, Vec<PathBuf>)>> = Mutex::new(Vec::new());

/// While alive, files written atomically under its folder are renamed into place without an
/// fsync each; [`DeferredSync::finish`] then fsyncs them all at once (the file system
/// commits them together). A killed process loses nothing it renamed; a crash of the
/// machine before `finish` may lose or truncate those files.
pub struct DeferredSync {
    root: PathBuf,
}

impl DeferredSync {
    /// Defers the fsyncs of the files written under `root`.
    pub fn begin(root: &Path) -> DeferredSync {
        let root = root.to_path_buf();
        let mut d = DEFERRED.lock().unwrap_or_else(|e| e.into_inner());
        d.push((root.clone(), vec![]));
        DeferredSync { root }
    }

    /// The files renamed under the root so far, forgotten.
    fn take(&self) -> Vec<PathBuf> {
        let mut d = DEFERRED.lock().unwrap_or_else(|e| e.into_inner());
        let i = d.iter().position(|(r, _)| *r == self.root);
        i.map(|i| d.remove(i).1).unwrap_or_default()
    }

    /// Fsyncs every file written under the root since [`DeferredSync::begin`] that is still
    /// there, all at once (one thread each, so the file system commits them together).
    pub fn finish(self) -> Result<()> {
        let files = self.take();
        let sync = |path: &PathBuf| match std::fs::File::open(path) {
            Ok(f) => f.sync_all().map_err(|e| Error::io(path, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(path, e)),
        };
        std::thread::scope(|s| {
            let handles: Vec<_> = files.iter().map(|p| s.spawn(move || sync(p))).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(Error::Mismatch("fsync panicked".into())))
                })
                .collect::<Result<Vec<()>>>()
        })?;
        Ok(())
    }
}

impl Drop for DeferredSync {
    fn drop(&mut self) {
        self.take();
    }
}

/// Whether `path`'s fsync is deferred; if so it is recorded for [`DeferredSync::finish`].
fn deferred(path: &Path) -> bool {
    let mut d = DEFERRED.lock().unwrap_or_else(|e| e.into_inner());
    match d.iter_mut().find(|(root, _)| path.starts_with(root)) {
        Some((_, files)) => {
            files.push(path.to_path_buf());
            true
        }
        None => false,
    }
}

/// Flushes a finished temporary file to disk (unless [`DeferredSync`] defers it) and renames it
/// onto `path`.
pub fn persist(tmp: NamedTempFile, path: &Path) -> Result<()> {
    if !deferred(path) {
        tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    }
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Writes `path` through `fill`; on any failure the target is left untouched.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let mut tmp = temp_beside(path)?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        fill(&mut w).map_err(|e| Error::io(path, e))?;
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    persist(tmp, path)
}

/// Writes bytes atomically.
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, |w| w.write_all(bytes))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_write_leaves_the_target_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        std::fs::write(&target, b"old").unwrap();
        let err = write_atomic(&target, |w| {
            w.write_all(b"half of the new conte")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("out.json"), "{err}");
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "a temporary file was left behind");
    }

    #[test]
    fn an_unwritable_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        // A path under a regular file cannot be created.
        let err = write_bytes_atomic(&blocker.join("sub").join("a.json"), b"{}").unwrap_err();
        assert!(err.to_string().contains("file"), "{err}");
        assert_eq!(std::fs::read(&blocker).unwrap(), b"x");
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_readable_by_others_as_ordinary_files_are() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ours = dir.path().join("a.json");
        write_bytes_atomic(&ours, b"{}").unwrap();
        let plain = dir.path().join("b.json");
        std::fs::write(&plain, b"{}").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&plain));
    }

    #[test]
    fn a_successful_write_replaces_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.csv");
        std::fs::write(&target, b"old").unwrap();
        write_bytes_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

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
