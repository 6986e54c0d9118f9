//! `report`: one self-contained report.html of a finished run folder (also run by `explain`).

use clap::Args;
use onnx_inspector::batch::write_folder_report;
use onnx_inspector::data::read_csv;
use onnx_inspector::model::OnnxModel;
use onnx_inspector::report::ExplanationFile;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ReportArgs {
    /// The run folder written by `explain` or `merge` (its explanations.json and parts).
    out: PathBuf,
    /// One column of labels (header first), one per row of the data file: the table shows
    /// them beside the predictions and can pick out misclassified rows.
    #[arg(long)]
    labels_file: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
}

pub fn run(a: ReportArgs) -> anyhow::Result<()> {
    write(&a.out, a.labels_file.as_deref(), a.quiet)
}

/// Reads a one-column labels file.
fn read_label_column(path: &Path) -> anyhow::Result<Vec<f64>> {
    let ds = read_csv(path)?;
    if ds.values.ncols() != 1 {
        anyhow::bail!(
            "{}: expected one label column, found {}",
            path.display(),
            ds.values.ncols()
        );
    }
    Ok(ds.values.column(0).iter().map(|&v| v as f64).collect())
}

/// The model card: `info`'s text for the run's model, when its file can still be loaded.
fn model_card(out: &Path) -> Option<String> {
    let file = ExplanationFile::read(&out.join("explanations.json")).ok()?;
    let model = OnnxModel::load_with(Path::new(&file.meta.model), file.meta.engine).ok()?;
    Some(model.info().to_text())
}

/// Writes `out/report.html` and says so unless `quiet`.
pub fn write(out: &Path, labels_file: Option<&Path>, quiet: bool) -> anyhow::Result<()> {
    let labels = labels_file.map(read_label_column).transpose()?;
    let card = model_card(out);
    let (path, stats) = write_folder_report(out, labels.as_deref(), card.as_deref())?;
    if !quiet {
        println!(
            "wrote {} ({:.1} MB, {} rows in its table)",
            path.display(),
            stats.bytes as f64 / 1e6,
            stats.rows
        );
    }
    Ok(())
}
