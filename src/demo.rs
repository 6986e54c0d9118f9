//! The built-in demo: the bundled reference network explains a handful of test digits with
//! kernel SHAP and LIME, with charts; everything it needs is embedded in the binary.

use crate::atomic::write_bytes_atomic;
use crate::error::Result;
use crate::explain::{Estimator, LimeParams, Progress, ShapMethod, ShapParams};
use crate::report::charts::{write_default_charts_with, ChartOptions, ImageShape};
use crate::report::{ChartFormat, ExplanationFile};
use crate::request::ExplainRequest;
use crate::run::run_explain;
use std::path::{Path, PathBuf};

const MODEL: &[u8] = include_bytes!("../models/ref_dense100.onnx");
const TEST: &[u8] = include_bytes!("../models/digits10_test.csv");
const TRAIN: &[u8] = include_bytes!("../models/digits10_train.csv");

/// What the demo wrote.
pub struct DemoOutput {
    /// Files written, in order.
    pub files: Vec<PathBuf>,
    /// The SHAP report.
    pub shap: ExplanationFile,
    /// The LIME report.
    pub lime: ExplanationFile,
}

/// Writes the embedded model and data to `out`, then explains `rows` with kernel SHAP and LIME.
pub fn run_demo(
    out: &Path,
    rows: &str,
    threads: usize,
    progress: Option<&Progress>,
) -> Result<DemoOutput> {
    let model = out.join("ref_dense100.onnx");
    let test = out.join("digits10_test.csv");
    let train = out.join("digits10_train.csv");
    for (path, bytes) in [(&model, MODEL), (&test, TEST), (&train, TRAIN)] {
        write_bytes_atomic(path, bytes)?;
    }
    let classes: Vec<String> = (0..10).map(|d| format!("digit {d}")).collect();
    let kernel = Estimator::Shap(ShapParams {
        method: ShapMethod::Kernel,
        ..ShapParams::default()
    });
    let mut req = ExplainRequest {
        rows: Some(rows.to_string()),
        output_names: Some(classes),
        threads,
        train: Some(train.clone()),
        ..ExplainRequest::new(&model, &test, kernel)
    };
    let shap = run_explain(&req, progress)?;
    let shap_json = out.join("shap").join("explanations.json");
    shap.write(&shap_json)?;
    // The reference net's 100 inputs are a 10x10 digit: draw attribution maps too.
    let charts_opts = ChartOptions {
        format: ChartFormat::Png,
        top: None,
        image_shape: Some(ImageShape {
            height: 10,
            width: 10,
            channels: 1,
            channels_first: false,
        }),
    };
    let mut charts = write_default_charts_with(&shap, &out.join("shap"), &charts_opts)?;
    req.estimator = Estimator::Lime(LimeParams::default());
    let lime = run_explain(&req, progress)?;
    let lime_json = out.join("lime").join("explanations.json");
    lime.write(&lime_json)?;
    charts.extend(write_default_charts_with(
        &lime,
        &out.join("lime"),
        &charts_opts,
    )?);
    let mut files = vec![model, test, train, shap_json, lime_json];
    files.extend(charts);
    Ok(DemoOutput { files, shap, lime })
}
