//! `info`: what an ONNX file declares and how onnx-inspector will run it.

use clap::Args;
use onnx_inspector::model::OnnxModel;
use std::path::PathBuf;

#[derive(Args)]
pub struct InfoArgs {
    /// The .onnx model file.
    model: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(a: InfoArgs) -> anyhow::Result<()> {
    let model = OnnxModel::load(&a.model)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(model.info())?);
    } else {
        print!("{}", model.info().to_text());
    }
    Ok(())
}
