//! `predict`: batched inference over a data file.

use clap::Args;
use onnx_inspector::data::{write_csv, Dataset};
use onnx_inspector::model::{Model, OnnxModel};
use std::path::PathBuf;

#[derive(Args)]
pub struct PredictArgs {
    /// The .onnx model file.
    model: PathBuf,
    /// Input rows: .csv with a header of feature names, or .npy.
    #[arg(long)]
    data: PathBuf,
    /// Output CSV (default: print to stdout).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Inference engine: auto = the fastest one that matches tract on probe rows.
    #[arg(long, value_enum, default_value = "auto")]
    engine: super::EngineArg,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

pub fn run(a: PredictArgs) -> anyhow::Result<()> {
    super::swapped::check_model(&a.model)?;
    super::swapped::check_data("--data", &a.data)?;
    let model = OnnxModel::load_with(&a.model, a.engine.into())?;
    let data = Dataset::load(&a.data)?;
    data.check_width(model.input_layout().row_width(), "the data")?;
    let out = super::with_threads(a.threads, || model.predict(data.values.view()))??;
    match a.out {
        Some(path) => {
            write_csv(&path, model.output_names(), &out)?;
            eprintln!(
                "wrote {} rows x {} outputs to {}",
                out.nrows(),
                out.ncols(),
                path.display()
            );
        }
        None => {
            println!("{}", model.output_names().join(","));
            for row in out.outer_iter() {
                let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
                println!("{}", cells.join(","));
            }
        }
    }
    Ok(())
}
