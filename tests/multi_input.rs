//! Models with several graph inputs: a data row is every input's flattened values side by side.
//! The layout, `info`, width and id errors, `--groups inputs` against brute force over the two
//! players, and an additive wide model whose SHAP values have a closed form.
//! (Predictions equal Keras' for every zoo model, these included: tests/model_zoo.rs.)

mod common;

use common::{cli, error_of};
use ndarray::{s, Array2, Axis};
use onnx_inspector::explain::{Estimator, ShapMethod, ShapParams};
use onnx_inspector::model::{InputType, Model, OnnxModel};
use onnx_inspector::report::ExplanationFile;
use onnx_inspector::{explain_dataset, Dataset, ExplainRequest, GivenTables, GroupsSource};

const WIDE: &str = "models/wide_deep_wine.onnx";
const IMAGE: &str = "models/image_meta_digits8.onnx";
const ADDITIVE: &str = "models/additive_wide.onnx";

fn exact() -> Estimator {
    Estimator::Shap(ShapParams {
        method: ShapMethod::Exact,
        ..ShapParams::default()
    })
}

/// Explains rows `rows` of `data` against the whole of `bg`, exactly, with `groups`.
fn explain(
    model: &str,
    data: &Dataset,
    bg: &Dataset,
    rows: &str,
    groups: Option<GroupsSource>,
) -> ExplanationFile {
    let onnx = OnnxModel::load(model).unwrap();
    let mut req = ExplainRequest::new(model, "in-memory", exact());
    req.rows = Some(rows.into());
    req.groups = groups;
    let given = GivenTables {
        background: Some(bg),
        train: None,
    };
    explain_dataset(&onnx, data, given, &req, None).unwrap()
}

/// The first `n` rows of a CSV.
fn head(path: &str, n: usize) -> Dataset {
    let mut d = Dataset::load(path).unwrap();
    d.values = d.values.slice(s![..n, ..]).to_owned();
    d
}

#[test]
fn the_layout_places_each_input_and_single_inputs_are_unchanged() {
    let wide = OnnxModel::load(WIDE).unwrap();
    let layout = wide.input_layout();
    let names: Vec<&str> = layout.inputs.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["num", "cat"]);
    assert_eq!(layout.inputs[0].dtype, InputType::Float32);
    assert_eq!(layout.inputs[1].dtype, InputType::Int32);
    assert_eq!(layout.inputs[0].columns, 0..13);
    assert_eq!(layout.inputs[1].columns, 13..14);
    assert_eq!(wide.n_features(), 14);
    assert_eq!(wide.row_shape(), vec![14]);
    let image = OnnxModel::load(IMAGE).unwrap();
    assert_eq!(image.input_layout().inputs[0].shape, vec![8, 8, 1]);
    assert_eq!(image.input_layout().inputs[1].columns, 64..67);
    let cnn = OnnxModel::load("models/cnn_digits8.onnx").unwrap();
    assert!(cnn.input_layout().is_single());
    assert_eq!(cnn.row_shape(), vec![8, 8, 1]);
}

#[test]
fn info_lists_each_input_with_its_columns_and_why_the_native_engines_do_not_run() {
    let out = cli().args(["info", WIDE]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("columns:    num: float [N,13] -> columns 0..12\n"),
        "{text}"
    );
    assert!(
        text.contains("columns:    cat: int32 [N,1] -> column 13\n"),
        "{text}"
    );
    assert!(text.contains("features:   14 per row"), "{text}");
    assert!(
        text.contains("dense: the graph has 2 inputs; the native engines run single-input graphs"),
        "{text}"
    );
    let out = cli().args(["info", IMAGE]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("columns:    image: float [N,8,8,1] -> columns 0..63\n"),
        "{text}"
    );
    assert!(
        text.contains("columns:    meta: float [N,3] -> columns 64..66\n"),
        "{text}"
    );
    let err = error_of(cli().args(["info", WIDE, "--engine", "conv"]));
    assert!(err.contains("the graph has 2 inputs"), "{err}");
}

#[test]
fn a_table_of_the_wrong_width_is_told_which_input_is_short() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short.csv");
    let d = Dataset::load("models/wide_deep_test.csv").unwrap();
    let kept = d.values.slice(s![.., ..13]).to_owned();
    onnx_inspector::data::write_csv(&short, &d.feature_names[..13], &kept).unwrap();
    let err = error_of(
        cli()
            .args(["explain", WIDE, "--data"])
            .arg(&short)
            .arg("--out")
            .arg(dir.path().join("out")),
    );
    assert!(
        err.contains(
            "has 13 columns; the model takes 14: num (columns 0..12) + cat (column 13) — cat is missing"
        ),
        "{err}"
    );
    assert!(err.contains("short.csv"), "{err}");
    let err = error_of(
        cli()
            .args(["predict", WIDE, "--data"])
            .arg(&short)
            .arg("--out")
            .arg(dir.path().join("p.csv")),
    );
    assert!(err.contains("cat is missing"), "{err}");
}

#[test]
fn a_non_whole_id_names_the_integer_input_and_its_column() {
    let model = OnnxModel::load(WIDE).unwrap();
    let mut x = head("models/wide_deep_test.csv", 3).values;
    assert!(model.predict(x.view()).is_ok());
    x[(2, 13)] = 1.5;
    let err = model.predict(x.view()).unwrap_err().to_string();
    assert!(
        err.contains("input 'cat' takes int32 values") && err.contains("1.5 in column 13"),
        "{err}"
    );
}

/// v(S) for the two players (bit 0: the first input, bit 1: the second): the mean prediction over
/// background rows with the players of S taken from `x`.
fn value(model: &OnnxModel, x: &[f32], bg: &Array2<f32>, split: usize, s: u8) -> Vec<f64> {
    let mut rows = bg.clone();
    for mut r in rows.outer_iter_mut() {
        for (j, v) in r.iter_mut().enumerate() {
            let player = usize::from(j >= split);
            if s >> player & 1 == 1 {
                *v = x[j];
            }
        }
    }
    let p = model.predict(rows.view()).unwrap();
    p.mean_axis(Axis(0))
        .unwrap()
        .iter()
        .map(|&v| v as f64)
        .collect()
}

#[test]
fn exact_shapley_over_inputs_equals_brute_force_over_two_players() {
    for (file, data, bg, split) in [
        (
            IMAGE,
            "models/image_meta_test.csv",
            "models/image_meta_train.csv",
            64,
        ),
        (
            WIDE,
            "models/wide_deep_test.csv",
            "models/wide_deep_train.csv",
            13,
        ),
    ] {
        let data = head(data, 6);
        let bg = head(bg, 16);
        let f = explain(file, &data, &bg, "0:6", Some(GroupsSource::Inputs));
        let model = OnnxModel::load(file).unwrap();
        let names: Vec<&str> = model
            .input_layout()
            .inputs
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(f.feature_names, names, "{file}");
        for (r, row) in data.values.outer_iter().enumerate() {
            let x = row.to_vec();
            let v: Vec<Vec<f64>> = (0..4u8)
                .map(|s| value(&model, &x, &bg.values, split, s))
                .collect();
            for k in 0..model.n_outputs() {
                // φ_a = ½[(v(a) − v(∅)) + (v(ab) − v(b))], and φ_b likewise.
                let phi_a = 0.5 * ((v[1][k] - v[0][k]) + (v[3][k] - v[2][k]));
                let phi_b = 0.5 * ((v[2][k] - v[0][k]) + (v[3][k] - v[1][k]));
                let ours = &f.values[r];
                assert!(
                    (ours[0][k] - phi_a).abs() < 1e-5 && (ours[1][k] - phi_b).abs() < 1e-5,
                    "{file} row {r} output {k}: ours {:?}, brute force {phi_a} {phi_b}",
                    [ours[0][k], ours[1][k]]
                );
            }
        }
    }
}

/// The additive model's pieces read off the model itself: slopes w_i (it is linear in `num`) and
/// the table entry of each id up to a constant, t(c) = f(0, c).
fn additive_pieces(model: &OnnxModel) -> (Vec<f64>, Vec<f64>) {
    let mut probe = Array2::<f32>::zeros((1 + 13 + 4, 14));
    for i in 0..13 {
        probe[(1 + i, i)] = 1.0;
    }
    for c in 0..4 {
        probe[(14 + c, 13)] = c as f32;
    }
    let p = model.predict(probe.view()).unwrap();
    let base = p[(0, 0)] as f64;
    let w = (0..13).map(|i| p[(1 + i, 0)] as f64 - base).collect();
    let t = (0..4).map(|c| p[(14 + c, 0)] as f64).collect();
    (w, t)
}

#[test]
fn additive_wide_model_gets_its_closed_form_per_feature_and_per_input() {
    let model = OnnxModel::load(ADDITIVE).unwrap();
    let (w, t) = additive_pieces(&model);
    let data = head("models/wide_deep_test.csv", 5);
    let bg = head("models/wide_deep_train.csv", 12);
    let mean = |j: usize| bg.values.column(j).iter().map(|&v| v as f64).sum::<f64>() / 12.0;
    let table_mean = bg
        .values
        .column(13)
        .iter()
        .map(|&c| t[c as usize])
        .sum::<f64>()
        / 12.0;
    // φ_i = w_i (x_i − E x_i) for num; φ_cat = t(x_cat) − E t(c).
    let closed: Vec<Vec<f64>> = data
        .values
        .outer_iter()
        .map(|x| {
            let mut phi: Vec<f64> = (0..13).map(|i| w[i] * (x[i] as f64 - mean(i))).collect();
            phi.push(t[x[13] as usize] - table_mean);
            phi
        })
        .collect();
    let per_feature = explain(ADDITIVE, &data, &bg, "0:5", None);
    let per_input = explain(ADDITIVE, &data, &bg, "0:5", Some(GroupsSource::Inputs));
    for (r, phi) in closed.iter().enumerate() {
        for (j, want) in phi.iter().enumerate() {
            let got = per_feature.values[r][j][0];
            assert!(
                (got - want).abs() < 1e-4,
                "row {r} feature {j}: {got} vs {want}"
            );
        }
        let num: f64 = phi[..13].iter().sum();
        let got = &per_input.values[r];
        assert!(
            (got[0][0] - num).abs() < 1e-4,
            "row {r} num: {} vs {num}",
            got[0][0]
        );
        assert!(
            (got[1][0] - phi[13]).abs() < 1e-4,
            "row {r} cat: {} vs {}",
            got[1][0],
            phi[13]
        );
    }
    // The ids the test rows hold differ, so the cat φ is not trivially zero.
    assert!(closed.iter().any(|p| p[13].abs() > 1e-3), "{closed:?}");
}

#[test]
fn groups_inputs_runs_from_the_cli_and_refuses_single_input_models() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    cli()
        .args([
            "explain",
            IMAGE,
            "--data",
            "models/image_meta_test.csv",
            "--rows",
            "0:4",
            "--groups",
            "inputs",
            "--quiet",
            "--no-report",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("explanations.json")).unwrap()).unwrap();
    assert_eq!(json["feature_names"], serde_json::json!(["image", "meta"]));
    let err = error_of(
        cli()
            .args([
                "explain",
                "models/diabetes.onnx",
                "--data",
                "models/diabetes_test.csv",
                "--groups",
                "inputs",
            ])
            .arg("--out")
            .arg(dir.path().join("d")),
    );
    assert!(err.contains("one input"), "{err}");
}
