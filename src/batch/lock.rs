//! One run per output folder at a time: an exclusive OS file lock (`flock` on Unix) on
//! `OUT/.lock`, held for the whole run. The operating system releases it when the process ends,
//! however it ends, so a crashed run never leaves a stale lock; the file only records the
//! holder's pid for the message a second run prints.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Name of the lock file in an output folder.
pub const LOCK_FILE: &str = ".lock";

/// An exclusive lock on a folder; dropping it removes the lock file, then releases the lock.
#[derive(Debug)]
pub struct FolderLock {
    path: PathBuf,
    _file: File,
}

/// A shared lock on a folder another run may write (a shard being merged).
#[derive(Debug)]
pub struct ReadLock {
    _file: Option<File>,
}

/// The pid recorded in a lock file, for messages ("pid unknown" while it is being written).
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    match text.trim().parse::<u32>() {
        Ok(pid) => format!("pid {pid}"),
        Err(_) => "pid unknown".into(),
    }
}

/// Whether `file` is still the file at `path` (a run that finished removed it meanwhile).
fn still_there(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

impl FolderLock {
    /// Locks `dir` (which must exist) for this process; when another run holds it, fails at
    /// once naming the folder and the holder's pid, or waits for it with `wait`.
    pub fn acquire(dir: &Path, wait: bool) -> Result<FolderLock> {
        let path = dir.join(LOCK_FILE);
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            let locked = match wait {
                true => file.lock().map_err(TryLockError::Error),
                false => file.try_lock(),
            };
            match locked {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    return Err(Error::param(
                        "out",
                        format!(
                            "{} is in use by another run ({}): wait for it to finish, or pass \
                             --wait-lock to wait",
                            dir.display(),
                            holder(&mut file)
                        ),
                    ))
                }
                Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
            // The holder we waited for removes the file before it unlocks: lock the new one.
            if !still_there(&file, &path) {
                continue;
            }
            file.set_len(0).map_err(|e| Error::io(&path, e))?;
            write!(file, "{}", std::process::id()).map_err(|e| Error::io(&path, e))?;
            return Ok(FolderLock { path, _file: file });
        }
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // Removed while still held, so that no other run locks a file about to disappear.
        let _ = std::fs::remove_file(&self.path);
    }
}

impl ReadLock {
    /// A shared lock on `dir`'s lock file, if it has one; an error naming the folder and the
    /// holder's pid when a run holds it (the folder is still being written).
    pub fn acquire(dir: &Path) -> Result<ReadLock> {
        let path = dir.join(LOCK_FILE);
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ReadLock { _file: None })
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        match file.try_lock_shared() {
            Ok(()) => Ok(ReadLock { _file: Some(file) }),
            Err(TryLockError::WouldBlock) => Err(Error::data(
                dir,
                format!(
                    "a run is still writing this folder ({}): wait for it to finish",
                    holder(&mut file)
                ),
            )),
            Err(TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_fails_naming_the_folder_and_pid_and_the_file_goes_with_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let first = FolderLock::acquire(dir.path(), false).unwrap();
        let e = FolderLock::acquire(dir.path(), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains(&dir.path().display().to_string()), "{e}");
        assert!(e.contains(&format!("pid {}", std::process::id())), "{e}");
        assert!(ReadLock::acquire(dir.path()).is_err());
        drop(first);
        assert!(!dir.path().join(LOCK_FILE).exists());
        let again = FolderLock::acquire(dir.path(), false).unwrap();
        drop(again);
        assert!(ReadLock::acquire(dir.path()).is_ok());
    }

    #[test]
    fn a_waiting_lock_gets_the_folder_once_the_holder_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let first = FolderLock::acquire(dir.path(), false).unwrap();
        let path = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || FolderLock::acquire(&path, true).map(|_| ()));
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(!waiter.is_finished(), "the waiter did not wait");
        drop(first);
        waiter.join().unwrap().unwrap();
    }

    #[test]
    fn a_stale_lock_file_of_a_crashed_run_is_no_lock() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), "999999").unwrap();
        let lock = FolderLock::acquire(dir.path(), false).unwrap();
        let pid = std::fs::read_to_string(dir.path().join(LOCK_FILE)).unwrap();
        assert_eq!(pid, std::process::id().to_string());
        drop(lock);
    }
}
