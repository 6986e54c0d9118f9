//! `info`: what an ONNX file declares and how onnx-inspector will run it.

use clap::Args;
use onnx_inspector::model::OnnxModel;
use std::path::PathBuf;

#[derive(Args)]
pub struct InfoArgs {
    /// The .onnx model file.
    model: PathBuf,
    /// Inference engine: auto = the fastest one that matches tract on probe rows.
    #[arg(long, value_enum, default_value = "auto")]
    engine: super::EngineArg,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(a: InfoArgs) -> anyhow::Result<()> {
    super::swapped::check_model(&a.model)?;
    let model = OnnxModel::load_with(&a.model, a.engine.into())?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(model.info())?);
    } else {
        print!("{}", model.info().to_text());
    }
    Ok(())
}
