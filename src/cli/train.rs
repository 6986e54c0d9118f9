//! `train`: the reference network on a labelled CSV, exported to ONNX.

use clap::Args;
use onnx_inspector::report::charts::{write_history, EpochPoint};
use onnx_inspector::report::ChartFormat;
use onnx_inspector::train::{export, load_labelled, train, TrainOptions};
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
    super::swapped::check_data("--data", &a.data)?;
    if let Some(t) = &a.test_data {
        super::swapped::check_data("--test-data", t)?;
    }
    let (data, labels) = load_labelled(&a.data, &a.labels, None)?;
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
    let files = export(&a.out, &net, &history, data.values.view())?;
    let curve = a.out.with_extension("history.png");
    let title = format!(
        "{}: Dense({}, relu) -> Dense({}, softmax), {} epochs",
        a.out
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().to_string()),
        net.w1.ncols(),
        net.w2.ncols(),
        history.epochs.len()
    );
    let points: Vec<EpochPoint> = history
        .epochs
        .iter()
        .map(|e| EpochPoint {
            epoch: e.epoch,
            loss: e.loss,
            accuracy: e.accuracy,
            val_loss: e.val_loss,
            val_accuracy: e.val_accuracy,
        })
        .collect();
    write_history(&points, &title, &curve, ChartFormat::Png)?;
    if let (Some(td), Some(tl)) = (&a.test_data, &a.test_labels) {
        let (test, y) = load_labelled(td, tl, Some(data.values.ncols()))?;
        let (loss, acc) = net.evaluate(test.values.view(), &y);
        println!("test loss: {loss:.4} - test accuracy: {acc:.4}");
    }
    println!(
        "wrote {}, {} and {}",
        files.model.display(),
        files.history.display(),
        curve.display()
    );
    Ok(())
}
