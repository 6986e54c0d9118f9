//! The `onnx-inspector` binary: a thin front over the library.

fn main() {
    // Behave like other command-line tools when piped into `head`: exit quietly on a closed pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default SIGPIPE action before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    keep_freed_memory();
    if let Err(e) = onnx_inspector_cli::run() {
        eprintln!("error: {}", onnx_inspector_cli::errors::render(&e));
        std::process::exit(1);
    }
}

/// Keeps freed blocks in the process for reuse: the explainers allocate and free the same
/// few-hundred-kilobyte model outputs call after call, and glibc's defaults hand them back to the
/// kernel, so every call page-faulted them in again (about 80 faults per reference-net row).
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator thresholds; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

#[path = "cli/mod.rs"]
mod onnx_inspector_cli;
