//! Shared helpers of the fuzz targets: a per-process scratch file under /dev/shm.

use std::path::PathBuf;

/// Writes `data` to this process's scratch file for `tag` (in /dev/shm when present) and returns its path.
pub fn scratch_file(tag: &str, ext: &str, data: &[u8]) -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!(
        "onnx-inspector-fuzz-{}-{tag}.{ext}",
        std::process::id()
    ));
    std::fs::write(&path, data).expect("write the scratch file");
    path
}

/// Panics (a crash for the fuzzer) when an error message is not one line or reports a panic.
pub fn check_message(msg: &str) {
    assert!(!msg.contains('\n'), "multi-line error message: {msg:?}");
}

/// Keeps the first input per distinct panic caught by the tract guard in `$FUZZ_GUARDED_DIR`
/// (default `artifacts/guarded`), so guarded dependency panics are collected without stopping the run.
pub fn record_guarded(msg: &str, data: &[u8]) {
    let Some(at) = msg.find("tract panicked") else {
        return;
    };
    // Same panic site and message shape = same bug, whatever the numbers in it.
    let key: String = msg[at..]
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(&key, &mut h);
    let dir = std::env::var_os("FUZZ_GUARDED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("artifacts/guarded"));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{:016x}", std::hash::Hasher::finish(&h)));
    if !file.exists() {
        let _ = std::fs::write(&file, data);
        let _ = std::fs::write(file.with_extension("txt"), format!("{msg}\n"));
    }
}
