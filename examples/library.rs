//! Using onnx-inspector as a library: load a Keras-exported ONNX model, explain a few rows with
//! permutation SHAP and with LIME, and print what drives each prediction.
//!
//! Run with `cargo run --release --example library` from the repository root.

use ndarray::s;
use onnx_inspector::data::{Background, Dataset};
use onnx_inspector::explain::{Explainer, LimeExplainer, ShapExplainer, ShapMethod};
use onnx_inspector::model::{Model, OnnxModel};

fn main() -> onnx_inspector::Result<()> {
    let model = OnnxModel::load("models/breast_cancer.onnx")?;
    let test = Dataset::load("models/breast_cancer_test.csv")?;
    let train = Dataset::load("models/breast_cancer_train.csv")?;
    let background = Background::sample(&train, 50, 0);
    let rows = test.values.slice(s![0..3, ..]);

    let shap = ShapExplainer::new(&model, background.rows.view())
        .method(ShapMethod::Permutation)
        .samples(1000)
        .seed(1)
        .feature_names(test.feature_names.clone())
        .explain(rows)?;
    let lime = LimeExplainer::new(&model, train.values.view())
        .num_features(5)
        .seed(1)
        .feature_names(test.feature_names.clone())
        .explain(rows)?;

    let output = &model.output_names()[0];
    for r in 0..rows.nrows() {
        let phi = shap.values.slice(s![r, .., 0]);
        let se = shap
            .stderr
            .as_ref()
            .expect("sampled estimates carry errors");
        let top = onnx_inspector::explain::rank_desc(&phi.mapv(f64::abs).to_vec());
        println!(
            "row {r}: {output} = {:.4}, E[f] = {:.4}, sum of phi = {:.4}",
            shap.predictions[[r, 0]],
            shap.base_values[[r, 0]],
            phi.sum()
        );
        for &j in top.iter().take(3) {
            println!(
                "  SHAP {:<28} {:+.4} ± {:.4}",
                shap.feature_names[j],
                phi[j],
                se[[r, j, 0]]
            );
        }
        let surrogate = &lime.lime[r].outputs[0];
        for term in surrogate.terms.iter().take(3) {
            println!("  LIME {:<28} {:+.4}", term.description, term.weight);
        }
        println!(
            "  LIME surrogate: intercept {:.4}, local prediction {:.4}, R² {:.3}",
            surrogate.intercept, surrogate.local_pred, surrogate.score
        );
    }
    Ok(())
}
