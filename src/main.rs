//! The `onnx-inspector` binary: a thin front over the library.

fn main() {
    // Behave like other command-line tools when piped into `head`: exit quietly on a closed pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default SIGPIPE action before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    if let Err(e) = onnx_inspector_cli::run() {
        eprintln!("error: {}", onnx_inspector_cli::errors::render(&e));
        std::process::exit(1);
    }
}

#[path = "cli/mod.rs"]
mod onnx_inspector_cli;
