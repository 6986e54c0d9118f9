//! Feature groups: every estimator treats a group as one player, against the closed form of a
//! model that is additive over groups; the CLI reads a groups file and reports per group.

mod common;

use assert_cmd::Command;
use common::{grid, in_pool, max_abs_diff};
use ndarray::{Array2, Array3};
use onnx_inspector::explain::{
    Explainer, FeatureGroups, LimeExplainer, LimeParams, Selection, ShapExplainer, ShapMethod,
};
use onnx_inspector::model::FnModel;

const M: usize = 9;

/// Players: {0,1,2} "a", {3} , {4,5} "b", {6}, {7,8} "c".
fn groups() -> FeatureGroups {
    let names: Vec<String> = (0..M).map(|j| format!("f{j}")).collect();
    FeatureGroups::new(
        vec![
            ("a".into(), vec![0, 1, 2]),
            ("c".into(), vec![8, 7]),
            ("b".into(), vec![4, 5]),
        ],
        &names,
    )
    .unwrap()
}

/// h_g(x_g) per player: products and squares inside groups, so a group is not the sum of its
/// features' own effects.
fn h(p: usize, x: &[f32]) -> f64 {
    let x: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    match p {
        0 => x[0] * x[1] + (x[2] * 2.0).tanh(),
        1 => 0.7 * x[3],
        2 => (x[4] - x[5]).powi(2) * x[4],
        3 => -1.3 * x[6],
        _ => x[7] * x[8] * 3.0,
    }
}

/// f(x) = Σ_players h_p(x_p): two outputs, the second with the opposite sign.
fn model() -> FnModel {
    FnModel::new(M, 2, |x| {
        let x = x.to_vec();
        let s: f64 = (0..5).map(|p| h(p, &x)).sum();
        vec![s as f32, -s as f32 + 1.0]
    })
}

/// φ_g = h_g(x) − mean_b h_g(b) for every player and output.
fn closed_form(x: &Array2<f32>, bg: &Array2<f32>) -> Array3<f64> {
    Array3::from_shape_fn((x.nrows(), 5, 2), |(r, p, o)| {
        let mean = bg
            .outer_iter()
            .map(|b| h(p, b.as_slice().unwrap()))
            .sum::<f64>()
            / bg.nrows() as f64;
        let phi = h(p, x.row(r).as_slice().unwrap()) - mean;
        if o == 0 {
            phi
        } else {
            -phi
        }
    })
}

#[test]
fn players_are_ordered_by_first_feature_and_named() {
    let g = groups();
    assert_eq!(g.names(), ["a", "f3", "b", "f6", "c"]);
    assert_eq!(g.members(4), [7, 8]);
}

#[test]
fn every_shap_method_gives_the_closed_form_per_group() {
    let model = model();
    let (x, bg) = (grid(4, M, 1), grid(7, M, 2));
    let truth = closed_form(&x, &bg);
    // The additive game is exact for every estimator: exact enumeration, the paired kernel
    // regression and antithetic permutations.
    for method in [
        ShapMethod::Exact,
        ShapMethod::Kernel,
        ShapMethod::Permutation,
    ] {
        for incremental in [true, false] {
            let e = ShapExplainer::new(&model, bg.view())
                .method(method)
                .samples(200)
                .incremental(incremental)
                .groups(groups())
                .explain(x.view())
                .unwrap();
            assert_eq!(e.feature_names, ["a", "f3", "b", "f6", "c"]);
            assert_eq!(e.values.shape(), [4, 5, 2]);
            assert_eq!(e.data.shape(), [4, M], "data keeps the input features");
            let err = max_abs_diff(&e.values, &truth);
            assert!(err < 1e-5, "{method:?}: {err}");
        }
    }
}

#[test]
fn a_grouped_game_differs_from_the_per_feature_one() {
    // Without groups the product x0·x1 is split between two players: the sum of their φ is the
    // group's φ only because the model is additive over groups, but each is different.
    let model = model();
    let (x, bg) = (grid(2, M, 3), grid(5, M, 4));
    let per_feature = ShapExplainer::new(&model, bg.view())
        .method(ShapMethod::Exact)
        .explain(x.view())
        .unwrap();
    let grouped = ShapExplainer::new(&model, bg.view())
        .method(ShapMethod::Exact)
        .groups(groups())
        .explain(x.view())
        .unwrap();
    for r in 0..2 {
        let a: f64 = (0..3).map(|j| per_feature.values[[r, j, 0]]).sum();
        assert!((a - grouped.values[[r, 0, 0]]).abs() < 1e-6);
    }
}

#[test]
fn lime_over_groups_recovers_an_additive_model_of_players() {
    // Switched players: v(z) = E f(background) + Σ z_p φ_p exactly, so the weighted ridge
    // (alpha 1) returns φ up to its slight shrinkage, with R² ≈ 1.
    let model = model();
    let (x, bg) = (grid(2, M, 5), grid(6, M, 6));
    let truth = closed_form(&x, &bg);
    let params = LimeParams {
        num_samples: 2000,
        num_features: 5,
        selection: Selection::None,
        ..LimeParams::default()
    };
    let e = LimeExplainer::new(&model, bg.view())
        .params(params.clone())
        .groups(groups())
        .explain(x.view())
        .unwrap();
    assert_eq!(e.feature_names, ["a", "f3", "b", "f6", "c"]);
    for r in 0..2 {
        for p in 0..5 {
            for o in 0..2 {
                let (got, want) = (e.values[[r, p, o]], truth[[r, p, o]]);
                assert!(
                    (got - want).abs() < 0.02 * (1.0 + want.abs()),
                    "row {r} player {p} output {o}: {got} vs {want}"
                );
            }
        }
        let s = &e.lime[r].outputs[0];
        assert!(s.score > 0.999, "{}", s.score);
        let names: Vec<&str> = s.terms.iter().map(|t| t.name.as_str()).collect();
        assert!(names.contains(&"a") && names.contains(&"c"), "{names:?}");
    }
    let again = in_pool(2, || {
        LimeExplainer::new(&model, bg.view())
            .params(params)
            .groups(groups())
            .explain(x.view())
            .unwrap()
    });
    assert_eq!(again.values, e.values, "same for any thread count");
}

fn bin() -> Command {
    Command::cargo_bin("onnx-inspector").unwrap()
}

#[test]
fn cli_explains_groups_and_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let groups = dir.path().join("groups.json");
    std::fs::write(
        &groups,
        r#"{"size": ["mean radius", "mean perimeter", "mean area"], "worst": [20, 21, 22, 23]}"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    for method in ["permutation", "lime"] {
        bin()
            .args(["explain", "models/breast_cancer.onnx", "--data"])
            .arg("models/breast_cancer_test.csv")
            .args([
                "--rows",
                "0:3",
                "--samples",
                "400",
                "--quiet",
                "--method",
                method,
            ])
            .arg("--groups")
            .arg(&groups)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("explanations.json")).unwrap())
                .unwrap();
        let names: Vec<&str> = doc["feature_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 30 - 3 - 4 + 2, "{method}");
        assert_eq!(names[0], "size", "{method}");
        assert!(names.contains(&"worst") && !names.contains(&"mean area"));
        assert_eq!(doc["groups"][0], serde_json::json!([0, 2, 3]), "{method}");
        assert_eq!(doc["input_names"].as_array().unwrap().len(), 30);
        assert_eq!(doc["data"][0].as_array().unwrap().len(), 30);
        assert_eq!(doc["values"][0].as_array().unwrap().len(), names.len());
        if method == "permutation" {
            // Efficiency per row over the groups.
            for r in 0..3 {
                let sum: f64 = doc["values"][r]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v[0].as_f64().unwrap())
                    .sum();
                let gap = doc["predictions"][r][0].as_f64().unwrap()
                    - doc["base_values"][r][0].as_f64().unwrap();
                assert!((sum - gap).abs() < 1e-5, "row {r}: {sum} vs {gap}");
            }
        } else {
            assert_eq!(doc["meta"]["options"]["kernel_width"], 0.25);
        }
        assert!(out.join("waterfall_row0_out0.png").exists());
    }
}

#[test]
fn bad_groups_files_name_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    for (text, expect) in [
        (
            r#"{"a": ["mean radius", "no such feature"]}"#,
            "'no such feature'",
        ),
        (
            r#"{"a": [0], "b": [0, 1]}"#,
            "both name feature 'mean radius'",
        ),
        (r#"["mean radius"]"#, "expected a JSON object"),
        (r#"{"a": [0.5]}"#, "neither a feature name nor an index"),
    ] {
        let groups = dir.path().join("g.json");
        std::fs::write(&groups, text).unwrap();
        let out = bin()
            .args(["explain", "models/breast_cancer.onnx", "--data"])
            .arg("models/breast_cancer_test.csv")
            .args(["--rows", "0", "--quiet", "--no-charts", "--groups"])
            .arg(&groups)
            .arg("--out")
            .arg(dir.path().join("out"))
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains("g.json") && err.contains(expect), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}
