//! The `onnx-inspector` binary: a thin front over the library.

fn main() {
    if let Err(e) = onnx_inspector_cli::run() {
        eprintln!(
            "error: {}",
            onnx_inspector::error::one_line(&format!("{e:#}"))
        );
        std::process::exit(1);
    }
}

#[path = "cli/mod.rs"]
mod onnx_inspector_cli;
