//! `train`: the reference network on a labelled CSV, exported to ONNX.

use clap::Args;
use onnx_inspector::atomic::write_atomic;
use onnx_inspector::data::{read_labels, Dataset};
use onnx_inspector::model::{Model, OnnxModel};
use onnx_inspector::report::charts::write_history;
use onnx_inspector::report::ChartFormat;
use onnx_inspector::train::{train, write_onnx, TrainOptions};
use std::path::PathBuf;

#[derive(Args)]
pub struct TrainArgs {
    /// Training rows: CSV with a header of feature names (or .npy).
    #[arg(long)]
    data: PathBuf,
    /// Class index of every row: a one-column CSV with a header.
    #[arg(long)]
    labels: PathBuf,
    /// Epochs.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Mini-batch size.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Hidden units of the first Dense layer.
    #[arg(long, default_value_t = 64)]
    hidden: usize,
    /// Fraction of the last rows held out for validation (as Keras' validation_split).
    #[arg(long, default_value_t = 0.0)]
    validation_split: f64,
    /// Adam learning rate.
    #[arg(long, default_value_t = 0.001)]
    learning_rate: f32,
    /// Seed of initialisation and shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Optional test rows and labels to report test accuracy.
    #[arg(long, requires = "test_labels")]
    test_data: Option<PathBuf>,
    /// Labels of --test-data.
    #[arg(long)]
    test_labels: Option<PathBuf>,
    /// Output .onnx file (a .history.json is written beside it).
    #[arg(long, default_value = "model.onnx")]
    out: PathBuf,
}

pub fn run(a: TrainArgs) -> anyhow::Result<()> {
    let data = Dataset::load(&a.data)?;
    let labels = read_labels(&a.labels)?;
    anyhow::ensure!(
        labels.len() == data.n_rows(),
        "{}: {} labels for the {} rows of {}",
        a.labels.display(),
        labels.len(),
        data.n_rows(),
        a.data.display()
    );
    let opts = TrainOptions {
        hidden: a.hidden,
        epochs: a.epochs,
        batch_size: a.batch_size,
        validation_split: a.validation_split,
        seed: a.seed,
        learning_rate: a.learning_rate,
    };
    let total = opts.epochs;
    let (net, history) = train(data.values.view(), &labels, &opts, |e| {
        let val = match (e.val_loss, e.val_accuracy) {
            (Some(l), Some(acc)) => format!(" - val_loss: {l:.4} - val_accuracy: {acc:.4}"),
            _ => String::new(),
        };
        println!(
            "Epoch {}/{total} - {:.0}ms - loss: {:.4} - accuracy: {:.4}{val}",
            e.epoch,
            e.seconds * 1e3,
            e.loss,
            e.accuracy
        );
    })?;
    write_onnx(&a.out, &net, &history)?;
    // The written file must reproduce the in-memory network through the model layer.
    let model = OnnxModel::load(&a.out)?;
    let reloaded = model.predict(data.values.view())?;
    let diff = reloaded
        .iter()
        .zip(net.predict(data.values.view()).iter())
        .map(|(p, q)| (p - q).abs())
        .fold(0.0f32, f32::max);
    anyhow::ensure!(
        diff <= 1e-6,
        "{}: the exported model differs from the trained one by {diff}",
        a.out.display()
    );
    let hist_path = a.out.with_extension("history.json");
    write_atomic(&hist_path, |w| {
        serde_json::to_writer_pretty(w, &history).map_err(std::io::Error::other)
    })?;
    let curve_path = a.out.with_extension("history.png");
    let title = format!(
        "{}: Dense({}, relu) -> Dense({}, softmax), {} epochs",
        a.out
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().to_string()),
        opts.hidden,
        net.w2.ncols(),
        opts.epochs
    );
    write_history(&history, &title, &curve_path, ChartFormat::Png)?;
    if let (Some(td), Some(tl)) = (&a.test_data, &a.test_labels) {
        let test = Dataset::load(td)?;
        test.check_width(data.values.ncols(), "the test data")?;
        let y = read_labels(tl)?;
        anyhow::ensure!(
            y.len() == test.n_rows(),
            "{}: {} labels for {} test rows",
            tl.display(),
            y.len(),
            test.n_rows()
        );
        let (loss, acc) = net.evaluate(test.values.view(), &y);
        println!("test loss: {loss:.4} - test accuracy: {acc:.4}");
    }
    println!(
        "wrote {}, {} and {}",
        a.out.display(),
        hist_path.display(),
        curve_path.display()
    );
    Ok(())
}
